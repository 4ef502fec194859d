//! Criterion benchmark: publishing a changed status list — read the set entries from the
//! database, build and compress the 131,072-entry bitstring, sign the list credential
//! (eddsa-rdfc-2022) and store it — on the embedded SQLite database.
//!
//! Run: `cargo bench -p cairn-issuer --bench status`.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Bench code: a panic is the failure report.

use cairn_issuer::{Actor, IdentityKind, InitOptions, Issuer};
use criterion::{criterion_group, criterion_main, Criterion};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let tmp = tempfile::tempdir().expect("tmp");
    let actor = Actor("bench".into());
    let issuer = rt
        .block_on(Issuer::init(
            &tmp.path().join("i"),
            InitOptions {
                name: "Bench District".into(),
                url: Some("https://credentials.bench.example".into()),
                identity: IdentityKind::DidKey,
                key: None,
                database_url: None,
            },
            &actor,
        ))
        .expect("init");
    // 1,311 revoked entries (1 % of the list) at random indexes.
    let base = "https://credentials.bench.example/status";
    rt.block_on(async {
        for i in 0..1311 {
            issuer
                .store()
                .allocate_status_indexes(
                    base,
                    &["revocation"],
                    131_072,
                    &[format!("urn:b:{i}").as_str()],
                    "2026-12-01T00:00:00Z",
                )
                .await
                .expect("allocate");
        }
    });
    let list = format!("{base}/revocation/1");
    rt.block_on(async {
        let db = issuer.config().database_url();
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&db).await.expect("db");
        sqlx::query("UPDATE status_entries SET is_set = 1")
            .execute(&pool)
            .await
            .expect("set");
    });

    let mut group = c.benchmark_group("status_list");
    group.bench_function("publish_changed_list_1pct_set", |b| {
        b.iter(|| {
            rt.block_on(issuer.publish_status_list(&list, chrono::Utc::now()))
                .expect("publish")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

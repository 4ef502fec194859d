//! Criterion benchmark: what the public credential page draws on every request — the generated
//! badge as a PNG (its SVG rendered with the bundled font; also the page's `og:image`) and the
//! printable certificate as a PDF (badge, text, QR code) — without the network or the database.
//!
//! Run: `cargo bench -p cairn-issuer --bench documents`.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Bench code: a panic is the failure report.

use cairn_issuer::{generated_badge, Actor, IdentityKind, ImageFormat, InitOptions, Issuer};
use criterion::{criterion_group, criterion_main, Criterion};

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let tmp = tempfile::tempdir().expect("tmp");
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
            &Actor("bench".into()),
        ))
        .expect("init");
    let credential = serde_json::json!({
        "issuer": {"name": "Springfield Public Schools"},
        "validFrom": "2026-12-03T15:30:00Z",
        "credentialSubject": {
            "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": false, "identityHash": "Edna Krabappel"}],
            "creditsEarned": 15.0,
            "achievement": {
                "name": "Facilitating Classroom Discourse",
                "description": "Plans and leads structured academic talk in which students build on each other's ideas."
            }
        }
    });
    let page = "https://credentials.bench.example/credentials/7f3c1a52-0000-4000-8000-000000000001";
    let mut group = c.benchmark_group("documents");
    group.bench_function("badge_png", |b| {
        b.iter(|| generated_badge(&credential, ImageFormat::Png).expect("png"))
    });
    group.bench_function("certificate_pdf", |b| {
        b.iter(|| {
            rt.block_on(issuer.certificate_pdf(&credential, page))
                .expect("pdf")
        })
    });
    group.finish();
    let png = generated_badge(&credential, ImageFormat::Png).expect("png");
    let pdf = rt
        .block_on(issuer.certificate_pdf(&credential, page))
        .expect("pdf");
    println!(
        "sizes: badge PNG {} bytes, certificate PDF {} bytes",
        png.len(),
        pdf.len()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);

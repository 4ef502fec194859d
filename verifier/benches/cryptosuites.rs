//! Criterion benchmarks: verifying the same Open Badge (did:key issuer, no status list) under each
//! cryptosuite Cairn verifies, through the whole pipeline with the shared fast canonicaliser. The
//! eddsa-rdfc-2022 credential is Cairn's own vector; the others were signed by the reference
//! JavaScript cryptosuites (interop/js/make-vectors.js).
//!
//! Run: `cargo bench -p cairn-verifier --bench cryptosuites`.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::PathBuf;

use cairn_verifier::{OfflineResolver, Verdict, VerifyOptions};
use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::{Map, Value};

fn vector(name: &str) -> Map<String, Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors/valid")
        .join(name);
    let value: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json");
    value.as_object().expect("object").clone()
}

fn bench(c: &mut Criterion) {
    let cases = [
        ("eddsa-rdfc-2022", "did-key.json"),
        ("eddsa-jcs-2022", "reference-eddsa-jcs-2022.json"),
        (
            "ecdsa-rdfc-2019-p256",
            "reference-ecdsa-rdfc-2019-p256.json",
        ),
        (
            "ecdsa-rdfc-2019-p384",
            "reference-ecdsa-rdfc-2019-p384.json",
        ),
        (
            "ecdsa-sd-2023-derived",
            "reference-ecdsa-sd-2023-derived.json",
        ),
    ];
    let options = VerifyOptions::new("2026-06-01T12:00:00Z".parse().expect("now"));
    let resolver = OfflineResolver::new();
    let mut group = c.benchmark_group("verify");
    for (suite, file) in cases {
        let doc = vector(file);
        group.bench_function(suite, |b| {
            b.iter(|| {
                let report = pollster::block_on(cairn_verifier::verify_credential(
                    &doc, &options, &resolver,
                ));
                assert_eq!(report.verdict, Verdict::Valid);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

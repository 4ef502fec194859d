//! Criterion benchmarks: eddsa-rdfc-2022 sign and verify of a representative OB 3.0 credential
//! (evidence, alignment, result, hashed email), and canonicalisation alone.
//!
//! Run: `cargo bench -p cairn-verifier --bench data_integrity`.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::PathBuf;

use cairn_verifier::{
    Canonicalizer, GeneralCanonicalizer, OfflineResolver, PendingProof, Verdict, VerifyOptions,
};
use criterion::{criterion_group, criterion_main, Criterion};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::Value;

fn credential() -> Value {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/valid/did-key.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
}

fn bench(c: &mut Criterion) {
    let signed = credential();
    let mut unsigned = signed.clone();
    unsigned.as_object_mut().expect("object").remove("proof");
    let canon = GeneralCanonicalizer::default();
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let vm = signed["proof"][0]["verificationMethod"]
        .as_str()
        .expect("vm")
        .to_owned();

    let mut group = c.benchmark_group("eddsa-rdfc-2022");
    group.bench_function("canonicalize_document", |b| {
        b.iter(|| canon.canonicalize(&unsigned).expect("canon"))
    });
    group.bench_function("sign", |b| {
        b.iter(|| {
            let pending =
                PendingProof::new(&canon, &unsigned, &vm, "2026-01-15T09:00:00Z").expect("prepare");
            let sig = key.sign(pending.signing_input()).to_bytes();
            pending.finish(&sig)
        })
    });
    let options = VerifyOptions::new("2026-06-01T12:00:00Z".parse().expect("now"));
    let resolver = OfflineResolver::new();
    let doc = signed.as_object().expect("object").clone();
    group.bench_function("verify", |b| {
        b.iter(|| {
            let report =
                pollster::block_on(cairn_verifier::verify_credential(&doc, &options, &resolver));
            assert_eq!(report.verdict, Verdict::Valid);
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

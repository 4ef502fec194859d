//! Criterion benchmarks: eddsa-rdfc-2022 sign and verify of a representative OB 3.0 credential
//! (evidence, alignment, result, hashed email), and canonicalisation alone, on the fast path and
//! on the general path it is proven against.
//!
//! Run: `cargo bench -p cairn-verifier --bench data_integrity`.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::PathBuf;
use std::sync::Arc;

use cairn_verifier::{
    Canonicalizer, FastCanonicalizer, GeneralCanonicalizer, OfflineResolver, PendingProof, Verdict,
    VerifyOptions,
};
use criterion::{criterion_group, criterion_main, Criterion};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::Value;

/// Credentials per `verify_batch` call.
const BATCH: usize = 64;

fn credential() -> Value {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/valid/did-key.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
}

fn bench(c: &mut Criterion) {
    let signed = credential();
    let mut unsigned = signed.clone();
    unsigned.as_object_mut().expect("object").remove("proof");
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let vm = signed["proof"][0]["verificationMethod"]
        .as_str()
        .expect("vm")
        .to_owned();
    let fast = FastCanonicalizer::shared();
    // The fast path must answer this credential itself; a fallback would measure the general path.
    fast.canonicalize_fast(&unsigned)
        .expect("the fast path covers the bench credential");
    let paths: [(&str, Arc<dyn Canonicalizer>); 2] = [
        ("fast", fast.clone()),
        ("general", Arc::new(GeneralCanonicalizer::default())),
    ];

    let mut group = c.benchmark_group("eddsa-rdfc-2022");
    for (name, canon) in paths {
        group.bench_function(format!("{name}_canonicalize_document"), |b| {
            b.iter(|| canon.canonicalize(&unsigned).expect("canon"))
        });
        group.bench_function(format!("{name}_sign"), |b| {
            b.iter(|| {
                let pending =
                    PendingProof::new(canon.as_ref(), &unsigned, &vm, "2026-01-15T09:00:00Z")
                        .expect("prepare");
                let sig = key.sign(pending.signing_input()).to_bytes();
                pending.finish(&sig)
            })
        });
        let mut options = VerifyOptions::new("2026-06-01T12:00:00Z".parse().expect("now"));
        options.canonicalizer = canon.clone();
        let resolver = OfflineResolver::new();
        let doc = signed.as_object().expect("object").clone();
        group.bench_function(format!("{name}_verify"), |b| {
            b.iter(|| {
                let report = pollster::block_on(cairn_verifier::verify_credential(
                    &doc, &options, &resolver,
                ));
                assert_eq!(report.verdict, Verdict::Valid);
            })
        });
        // 64 credentials with their signatures in one batch equation (the batch endpoint, a
        // presentation): the time is for all 64. The fast path only (the general path would
        // take half a second per call).
        if name != "fast" {
            continue;
        }
        let bytes = serde_json::to_vec(&signed).expect("json");
        // The same from bytes (parsing included), one at a time, to compare with the batch.
        group.bench_function(format!("{name}_verify_bytes"), |b| {
            b.iter(|| {
                let report =
                    pollster::block_on(cairn_verifier::verify(&bytes, &options, &resolver));
                assert_eq!(report.expect("readable").verdict, Verdict::Valid);
            })
        });
        let inputs: Vec<&[u8]> = vec![&bytes; BATCH];
        group.bench_function(format!("{name}_verify_batch{BATCH}"), |b| {
            b.iter(|| {
                let reports =
                    pollster::block_on(cairn_verifier::verify_batch(&inputs, &options, &resolver));
                assert!(reports
                    .iter()
                    .all(|r| r.as_ref().is_ok_and(|r| r.verdict == Verdict::Valid)));
            })
        });
    }
    group.finish();
    let (answered, fell_back) = fast.counts();
    eprintln!(
        "fast path: {answered} documents answered, {fell_back} fell back to the general path"
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);

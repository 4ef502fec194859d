//! Cairn's Ed25519 rule (`crate::ed25519`: RFC 8032's cofactored equation through ed25519-zebra,
//! plus encoding checks) on 64 signatures over 64-byte Data Integrity hash data: checked one by
//! one, checked in one batch, and dalek's `verify_strict` one by one for comparison; with one
//! issuer key (a batch from one district) and with 64 keys.
//! Run: `cargo bench -p cairn-verifier --bench ed25519_batch`.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use criterion::{criterion_group, criterion_main, Criterion};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};

const N: usize = 64;

type Item = (VerifyingKey, [u8; 64], [u8; 64]);

fn inputs(distinct_keys: bool) -> Vec<Item> {
    (0..N)
        .map(|i| {
            let seed = if distinct_keys { i as u8 } else { 0 };
            let key = SigningKey::from_bytes(&[seed; 32]);
            let mut message = [0u8; 64];
            message[0] = i as u8;
            (key.verifying_key(), message, key.sign(&message).to_bytes())
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("ed25519_64_signatures");
    for (name, distinct) in [("one_key", false), ("64_keys", true)] {
        let items = inputs(distinct);
        group.bench_function(format!("verify_strict_each_{name}"), |b| {
            b.iter(|| {
                for (key, message, signature) in &items {
                    let signature = ed25519_dalek::Signature::from_bytes(signature);
                    assert!(key.verify_strict(message, &signature).is_ok());
                }
            })
        });
        group.bench_function(format!("cairn_each_{name}"), |b| {
            b.iter(|| {
                for (key, message, signature) in &items {
                    assert!(cairn_verifier::accepts_one(key, message, signature));
                }
            })
        });
        let batch: Vec<(VerifyingKey, &[u8], [u8; 64])> =
            items.iter().map(|(k, m, s)| (*k, &m[..], *s)).collect();
        group.bench_function(format!("cairn_batch_{name}"), |b| {
            b.iter(|| assert!(cairn_verifier::accepts_each(&batch).iter().all(|ok| *ok)))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

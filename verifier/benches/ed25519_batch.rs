//! What Ed25519 batch verification would save: 64 signatures (the 64-byte Data Integrity hash
//! data each) checked one by one with `verify_strict`, as Cairn does, against dalek's
//! `verify_batch`, with one issuer key (a batch from one district) and with 64 keys.
//! Run: `cargo bench -p cairn-verifier --bench ed25519_batch`.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

const N: usize = 64;

fn inputs(distinct_keys: bool) -> (Vec<[u8; 64]>, Vec<Signature>, Vec<VerifyingKey>) {
    let mut messages = Vec::with_capacity(N);
    let mut signatures = Vec::with_capacity(N);
    let mut keys = Vec::with_capacity(N);
    for i in 0..N {
        let seed = if distinct_keys { i as u8 } else { 0 };
        let key = SigningKey::from_bytes(&[seed; 32]);
        let mut message = [0u8; 64];
        message[0] = i as u8;
        signatures.push(key.sign(&message));
        keys.push(key.verifying_key());
        messages.push(message);
    }
    (messages, signatures, keys)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("ed25519_64_signatures");
    for (name, distinct) in [("one_key", false), ("64_keys", true)] {
        let (messages, signatures, keys) = inputs(distinct);
        group.bench_function(format!("verify_strict_each_{name}"), |b| {
            b.iter(|| {
                for ((m, s), k) in messages.iter().zip(&signatures).zip(&keys) {
                    assert!(k.verify_strict(m, s).is_ok());
                }
            })
        });
        group.bench_function(format!("verify_batch_{name}"), |b| {
            b.iter_batched(
                || messages.iter().map(|m| &m[..]).collect::<Vec<&[u8]>>(),
                |refs| assert!(ed25519_dalek::verify_batch(&refs, &signatures, &keys).is_ok()),
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

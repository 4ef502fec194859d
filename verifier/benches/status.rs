//! Criterion benchmarks for status lists: decoding a 131,072-entry list, reading one entry of a
//! decoded list, encoding one, and a whole verification with and without the cache of verified
//! lists.
//!
//! Run: `cargo bench -p cairn-verifier --bench status`.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Bench code: a panic is the failure report.

use std::path::PathBuf;
use std::sync::Arc;

use cairn_verifier::{
    OfflineResolver, StatusBits, StatusListCache, Verdict, VerifyOptions, MIN_STATUS_LIST_BITS,
};
use criterion::{criterion_group, criterion_main, Criterion};
use rand::Rng;
use serde_json::Value;

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(vectors().join(rel)).expect("read")
}

fn bench(c: &mut Criterion) {
    // 1 % of the entries set at random: a realistic, poorly compressible list (~10 KB encoded).
    let mut rng = rand::thread_rng();
    let mut bits = StatusBits::new(MIN_STATUS_LIST_BITS);
    for _ in 0..MIN_STATUS_LIST_BITS / 100 {
        bits.set(rng.gen_range(0..MIN_STATUS_LIST_BITS), true);
    }
    let encoded = bits.encode();
    let empty = StatusBits::new(MIN_STATUS_LIST_BITS).encode();
    eprintln!(
        "encoded sizes: 1 % set {} bytes, empty {} bytes",
        encoded.len(),
        empty.len()
    );
    let cap = cairn_verifier::DEFAULT_MAX_STATUS_LIST_BYTES;

    let mut group = c.benchmark_group("status_list");
    group.bench_function("decode_131072_1pct_set", |b| {
        b.iter(|| StatusBits::decode(&encoded, cap).expect("decode"))
    });
    group.bench_function("decode_131072_empty", |b| {
        b.iter(|| StatusBits::decode(&empty, cap).expect("decode"))
    });
    group.bench_function("encode_131072_1pct_set", |b| b.iter(|| bits.encode()));
    let mut i = 0usize;
    group.bench_function("read_entry_of_decoded_list", |b| {
        b.iter(|| {
            i = (i + 7919) % MIN_STATUS_LIST_BITS;
            bits.get(i)
        })
    });

    // A whole verification of a credential with a revocation and a suspension entry.
    let credential: Value =
        serde_json::from_str(&read("valid/status-not-revoked.json")).expect("json");
    let doc = credential.as_object().expect("object").clone();
    let expect: Value =
        serde_json::from_str(&read("valid/status-not-revoked.expect.json")).expect("json");
    let mut resolver = OfflineResolver::new();
    for (url, file) in expect["docs"].as_object().expect("docs") {
        let path = vectors().join("valid").join(file.as_str().expect("file"));
        resolver.insert(url, std::fs::read(path).expect("doc"));
    }
    let now = expect["now"].as_str().expect("now").parse().expect("now");
    let uncached = VerifyOptions::new(now);
    let mut cached = VerifyOptions::new(now);
    cached.status_cache = Some(Arc::new(StatusListCache::default()));
    for (name, options) in [
        ("verify_with_status_uncached", &uncached),
        ("verify_with_status_cached_lists", &cached),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let report =
                    pollster::block_on(cairn_verifier::verify_credential(&doc, options, &resolver));
                assert_eq!(report.verdict, Verdict::Valid);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

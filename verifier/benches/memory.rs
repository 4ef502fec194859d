//! Memory per verification and the fast path's start-up cost: heap allocations counted by dhat's
//! allocator over many verifications of the representative credential, on both paths, and the
//! time the first document takes on a new `FastCanonicalizer` (its contexts processed) against
//! the next one.
//!
//! Run: `cargo bench -p cairn-verifier --bench memory`.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)] // A report is the output.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use cairn_verifier::{
    Canonicalizer, FastCanonicalizer, GeneralCanonicalizer, OfflineResolver, Verdict, VerifyOptions,
};
use serde_json::Value;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

const RUNS: u64 = 200;

fn main() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/valid/did-key.json");
    let signed: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json");
    let doc = signed.as_object().expect("object").clone();
    let mut unsigned = signed.clone();
    unsigned.as_object_mut().expect("object").remove("proof");

    let started = Instant::now();
    let fresh = FastCanonicalizer::default();
    fresh.canonicalize(&unsigned).expect("canon");
    let first = started.elapsed();
    let started = Instant::now();
    fresh.canonicalize(&unsigned).expect("canon");
    let second = started.elapsed();
    println!(
        "fast path start-up: first document {:.2} ms (contexts processed), next {:.3} ms",
        first.as_secs_f64() * 1e3,
        second.as_secs_f64() * 1e3
    );

    let _profiler = dhat::Profiler::builder().testing().build();
    let resolver = OfflineResolver::new();
    let paths: [(&str, Arc<dyn Canonicalizer>); 2] = [
        ("fast", Arc::new(fresh)),
        ("general", Arc::new(GeneralCanonicalizer::default())),
    ];
    println!("| path | allocations per verification | bytes allocated per verification | peak heap during the runs |");
    println!("|---|---|---|---|");
    for (name, canon) in paths {
        let mut options = VerifyOptions::new("2026-06-01T12:00:00Z".parse().expect("now"));
        options.canonicalizer = canon;
        // One verification first, so one-time work (context processing, lazy statics) is not counted.
        let warm = pollster::block_on(cairn_verifier::verify_credential(&doc, &options, &resolver));
        assert_eq!(warm.verdict, Verdict::Valid);
        let before = dhat::HeapStats::get();
        for _ in 0..RUNS {
            let report =
                pollster::block_on(cairn_verifier::verify_credential(&doc, &options, &resolver));
            assert_eq!(report.verdict, Verdict::Valid);
        }
        let after = dhat::HeapStats::get();
        println!(
            "| {name} | {} | {:.1} KiB | {:.1} KiB |",
            (after.total_blocks - before.total_blocks) / RUNS,
            (after.total_bytes - before.total_bytes) as f64 / RUNS as f64 / 1024.0,
            after.max_bytes as f64 / 1024.0
        );
    }
}

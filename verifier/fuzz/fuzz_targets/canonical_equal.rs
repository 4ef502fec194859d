//! Fuzz target: any JSON document the fast canonicaliser answers must canonicalise to the same
//! N-Quads on the general path (and a document the general path refuses must be declined).
#![no_main]

use std::sync::LazyLock;

use cairn_verifier::{Canonicalizer, FastCanonicalizer, GeneralCanonicalizer};
use libfuzzer_sys::fuzz_target;

static FAST: LazyLock<FastCanonicalizer> = LazyLock::new(FastCanonicalizer::default);
static GENERAL: LazyLock<GeneralCanonicalizer> = LazyLock::new(GeneralCanonicalizer::default);

fuzz_target!(|data: &[u8]| {
    let Ok(document) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(fast) = FAST.canonicalize_fast(&document) {
        match GENERAL.canonicalize(&document) {
            Ok(general) => assert_eq!(fast, general, "fast and general paths differ"),
            Err(e) => panic!("the general path refuses ({e}) what the fast path answers"),
        }
    }
});

//! Fuzz target: any JSON document the fast canonicaliser answers must canonicalise to the same
//! N-Quads on the general path (and a document the general path refuses must be declined); the
//! same for an object read in place without its `proof` entry, as verification reads it.
#![no_main]

use std::sync::LazyLock;

use cairn_verifier::{Canonicalizer, FastCanonicalizer, GeneralCanonicalizer};
use libfuzzer_sys::fuzz_target;

use serde_json::Value;

static FAST: LazyLock<FastCanonicalizer> = LazyLock::new(FastCanonicalizer::default);
static GENERAL: LazyLock<GeneralCanonicalizer> = LazyLock::new(GeneralCanonicalizer::default);

/// Whatever the fast path answers, the general path answers the same.
fn same(
    fast: Result<String, cairn_verifier::Unsupported>,
    general: impl FnOnce() -> Result<String, cairn_verifier::CanonError>,
) {
    if let Ok(fast) = fast {
        match general() {
            Ok(general) => assert_eq!(fast, general, "fast and general paths differ"),
            Err(e) => panic!("the general path refuses ({e}) what the fast path answers"),
        }
    }
}

fuzz_target!(init: cairn_fuzz::tolerate_guarded_panics(), |data: &[u8]| {
    let Ok(document) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    same(FAST.canonicalize_fast(&document), || {
        GENERAL.canonicalize(&document)
    });
    if let Value::Object(secured) = &document {
        if secured.contains_key("proof") {
            same(FAST.canonicalize_unsecured_fast(secured), || {
                GENERAL.canonicalize_unsecured(secured)
            });
        }
    }
});

//! Canonical N-Quads golden files: `tests/vectors/canonical/NAME.json` must canonicalise to
//! `NAME.nq` byte for byte. The `.nq` files were produced by the reference JavaScript stack
//! (jsonld.js, RDFC-1.0), and `interop/js` checks them against it again in CI.
//!
//! `control-characters` pins canonical N-Quads string escaping (RDFC-1.0 §4.3: `\b \t \n \f \r \" \\`
//! as ECHAR, the rest of U+0000–U+001F and U+007F as `\uXXXX`); interop/js/make-vectors.js
//! made it. Both paths must write every golden file.
//!
//! They pin the typed-literal rules of JSON-LD 1.1 §8.6 where ssi's own interpretation differs:
//! a native boolean keeps the datatype its term declares (OB's `hashed` is declared with
//! `https://www.w3.org/2001/XMLSchema#boolean`), and a number with no fractional part is written
//! as an integer (`15.0` → `"15"`), with the declared datatype (`xsd:float`).
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::PathBuf;

use cairn_verifier::{Canonicalizer, FastCanonicalizer, GeneralCanonicalizer};

#[test]
fn canonical_forms_match_the_reference_implementation() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/canonical");
    let general = GeneralCanonicalizer::default();
    let fast = FastCanonicalizer::default();
    let mut checked = 0;
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    names.sort();
    for path in names {
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        let expected = std::fs::read_to_string(path.with_extension("nq")).expect("nq");
        let got = general.canonicalize(&doc).expect("canonicalize");
        assert_eq!(got, expected, "general path: {}", path.display());
        let got = fast
            .canonicalize_fast(&doc)
            .expect("the fast path answers itself");
        assert_eq!(got, expected, "fast path: {}", path.display());
        checked += 1;
    }
    assert!(checked >= 3);
}

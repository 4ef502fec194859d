//! Compact JWS input that cannot be read is refused with its own code, before any check runs.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use base64::Engine;
use cairn_verifier::{Limits, OfflineResolver, VerifyOptions};

fn b64(s: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

fn code(input: &str, limits: Limits) -> Option<&'static str> {
    let mut options = VerifyOptions::new("2026-06-01T00:00:00Z".parse().expect("now"));
    options.limits = limits;
    pollster::block_on(cairn_verifier::verify(
        input.as_bytes(),
        &options,
        &OfflineResolver::new(),
    ))
    .err()
    .map(|e| e.code())
}

#[test]
fn unreadable_tokens_are_refused_with_their_code() {
    let header = b64(r#"{"alg":"EdDSA","kid":"did:key:z6Mk#z6Mk"}"#);
    let cases = [
        (format!("{header}.{}.c2ln", b64("[1,2]")), "invalid_jws"),
        (format!("{header}.{}.c2ln", b64("\"text\"")), "invalid_jws"),
        (format!("{header}.{}.c2ln", b64("{not json")), "invalid_jws"),
        (format!("{}.{}.c2ln", b64("[]"), b64("{}")), "invalid_jws"),
        (format!("{header}.e30=.c2ln"), "invalid_base64url"),
        // Two algs in the header, two issuers in the payload: neither reading is chosen.
        (
            format!(
                "{}.e30.c2ln",
                b64(r#"{"alg":"none","alg":"EdDSA","kid":"k"}"#)
            ),
            "duplicate_key",
        ),
        (
            format!("{header}.{}.c2ln", b64(r#"{"iss":"a","iss":"b"}"#)),
            "duplicate_key",
        ),
        (format!("{header}.e30.c2l+"), "invalid_base64url"),
        (
            format!(
                "{header}.{}.c2ln",
                b64(&format!("{}{}", "[".repeat(80), "]".repeat(80)))
            ),
            "too_deep",
        ),
    ];
    for (token, want) in cases {
        assert_eq!(code(&token, Limits::default()), Some(want), "{token}");
    }
    let big = format!(
        "{header}.{}.c2ln",
        b64(&format!("{{\"a\":\"{}\"}}", "x".repeat(2000)))
    );
    let small = Limits {
        max_input_bytes: 1000,
        ..Limits::default()
    };
    assert_eq!(code(&big, small), Some("input_too_large"));
}

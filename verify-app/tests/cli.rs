//! The `cairn-verify` binary end to end: its exit codes for a valid, a tampered and a could-not-
//! check credential and for bad usage, from the golden vectors (the library's verdicts are tested
//! in `verifier/tests`; here, that the thin binary reports them).
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::PathBuf;
use std::process::Command;

fn vector(rel: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors")
        .join(rel)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn exit_codes_follow_the_verdict() {
    let cases: &[(&[&str], i32)] = &[
        (&["verify", &vector("valid/did-key.json")], 0),
        (&["verify", &vector("invalid/generic-tampered.json")], 1),
        (
            &[
                "verify",
                &vector("indeterminate/did-web-document-unavailable.json"),
            ],
            2,
        ),
        (&["verify", "/nonexistent/credential.json"], 3),
        (&["verify"], 3),
    ];
    for (args, want) in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_cairn-verify"))
            .args(*args)
            .args(["--offline", "--now", "2026-06-01T12:00:00Z"])
            .output()
            .expect("run cairn-verify");
        assert_eq!(
            out.status.code(),
            Some(*want),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

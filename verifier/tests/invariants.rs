//! DESIGN invariants 1 and 2, checked on the source: the verification library (everything in
//! `verifier/src`; the CLI and the HTTP service are the `cairn-verify` crate, `verify-app/`)
//! reads no clock, file, socket or environment, and never loads a context from anywhere but
//! memory.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::PathBuf;

const FORBIDDEN: &[&str] = &[
    "std::fs",
    "std::net",
    "std::env",
    "std::process",
    "File::open",
    "reqwest",
    "tokio",
    "hyper",
    "Utc::now",
    "Local::now",
    "SystemTime",
    "Instant::now",
    "ContextLoader",
];

fn core_sources() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src dir").flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs") {
                out.push(p);
            }
        }
    }
    out
}

#[test]
fn the_core_does_no_io_and_reads_no_clock() {
    let files = core_sources();
    assert!(files.len() > 10);
    let mut hits = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).expect("read");
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for bad in FORBIDDEN {
                if code.contains(bad) {
                    hits.push(format!("{}:{}: {bad}", f.display(), n + 1));
                }
            }
        }
    }
    assert!(
        hits.is_empty(),
        "I/O or clock in the verification core:\n{}",
        hits.join("\n")
    );
}

#[test]
fn every_source_file_says_what_it_owns() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut missing = Vec::new();
    for crate_dir in ["verifier", "verify-app", "issuer", "fetch"] {
        let mut stack = vec![root.join(crate_dir)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("dir").flatten() {
                let p = entry.path();
                if p.is_dir() && !p.ends_with("target") {
                    stack.push(p);
                } else if p.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&p).expect("read");
                    if !text.starts_with("//!") {
                        missing.push(p.display().to_string());
                    }
                }
            }
        }
    }
    assert!(missing.is_empty(), "files without a //! line: {missing:?}");
}

//! Rules of the issuer's layout that a scan of the source can hold (ARCHITECTURE, "one clock" and
//! "Dependency rules"): no file of the issuer's crates but `clock.rs` asks the system for the date
//! (monotonic `Instant`s that time a request or age a cache entry measure durations, not dates,
//! and stay where they are); the HTTP layer never reaches past the use cases into the store.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::PathBuf;

/// Every `.rs` file under `dirs` (relative to the workspace root) but `skip`, with its text.
fn sources(dirs: &[&str], skip: &str) -> Vec<(PathBuf, String)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut stack: Vec<PathBuf> = dirs.iter().map(|d| root.join(d)).collect();
    let mut files = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src").flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs")
                && p.file_name().is_some_and(|n| n != skip)
            {
                let text = std::fs::read_to_string(&p).expect("read");
                files.push((p, text));
            }
        }
    }
    files
}

/// Lines of `files` whose code (comments dropped) contains one of `banned`.
fn hits(files: &[(PathBuf, String)], banned: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (p, text) in files {
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for bad in banned {
                if code.contains(bad) {
                    found.push(format!("{}:{}: {bad}", p.display(), n + 1));
                }
            }
        }
    }
    found
}

#[test]
fn only_the_clock_reads_the_system_time() {
    let files = sources(&["issuer/src", "issuer-http/src", "cli/src"], "clock.rs");
    assert!(files.len() > 35, "only {} files scanned", files.len());
    let found = hits(&files, &["Utc::now", "Local::now", "SystemTime"]);
    assert!(
        found.is_empty(),
        "read the time from the issuer's Clock:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_http_layer_calls_use_cases_not_the_store() {
    let files = sources(&["issuer-http/src"], "");
    assert!(files.len() > 10, "only {} files scanned", files.len());
    let found = hits(
        &files,
        &[".store()", "sqlx", "StoredToken", "Idempotency::"],
    );
    assert!(
        found.is_empty(),
        "handlers call the issuer's use cases (issuer/src), never the store:\n{}",
        found.join("\n")
    );
}

//! The issuer reads the time only through its `Clock` (ARCHITECTURE, "one clock"): no file of
//! `issuer/src` but `clock.rs` asks the system for the date. (Monotonic `Instant`s that time a
//! request or age a cache entry measure durations, not dates, and stay where they are.)
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::PathBuf;

#[test]
fn only_the_clock_reads_the_system_time() {
    let mut stack = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src")];
    let (mut files, mut hits) = (0, Vec::new());
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src").flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs")
                && p.file_name().is_some_and(|n| n != "clock.rs")
            {
                files += 1;
                let text = std::fs::read_to_string(&p).expect("read");
                for (n, line) in text.lines().enumerate() {
                    let code = line.split("//").next().unwrap_or("");
                    for bad in ["Utc::now", "Local::now", "SystemTime"] {
                        if code.contains(bad) {
                            hits.push(format!("{}:{}: {bad}", p.display(), n + 1));
                        }
                    }
                }
            }
        }
    }
    assert!(files > 20, "only {files} files scanned");
    assert!(
        hits.is_empty(),
        "read the time from the issuer's Clock:\n{}",
        hits.join("\n")
    );
}

//! The report-code table (`codes.rs`): each code declared once, none that the code never writes,
//! and `docs/report-codes.md` written from it (`CAIRN_BLESS=1` rewrites the file). That every
//! code a check writes is declared is asserted by `Checks::push` in every debug-build test.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::collections::BTreeSet;
use std::fmt::Write;
use std::path::PathBuf;

use cairn_verifier::{check_label, REPORT_CODES};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The text of every source file of the library but the table itself.
fn sources() -> String {
    let mut text = String::new();
    let mut stack = vec![root().join("verifier/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "rs")
                && p.file_name().is_some_and(|n| n != "codes.rs")
            {
                text.push_str(&std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    text
}

#[test]
fn every_code_is_declared_once_and_used() {
    let mut seen = BTreeSet::new();
    let text = sources();
    for c in REPORT_CODES {
        assert!(seen.insert(c.code), "{} declared twice", c.code);
        assert!(!c.spec.is_empty() && !c.meaning.is_empty(), "{}", c.code);
        assert!(
            text.contains(&format!("\"{}\"", c.code)),
            "{} is declared but nothing writes it",
            c.code
        );
    }
}

#[test]
fn docs_report_codes_md_is_current() {
    let mut md = String::from(
        "# Report codes of the verifier\n\n\
         Every code a check of `cairn-verifier` can report, with the specification section the\n\
         check implements. Generated from `verifier/src/codes.rs` by `verifier/tests/report_codes.rs`\n\
         (`CAIRN_BLESS=1` rewrites it). A check that could not be completed also carries a\n\
         `reason` (for example `document_not_found`, `https_required`, `status_list_expired`):\n\
         the resolver's or the status list's own code.\n",
    );
    let mut check = "";
    for c in REPORT_CODES {
        if c.check != check {
            check = c.check;
            write!(
                md,
                "\n## {} (`{check}`)\n\n| code | meaning | specification |\n|---|---|---|\n",
                check_label(check)
            )
            .unwrap();
        }
        writeln!(md, "| `{}` | {} | {} |", c.code, c.meaning, c.spec).unwrap();
    }
    let path = root().join("docs/report-codes.md");
    if std::env::var("CAIRN_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &md).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == md,
        "docs/report-codes.md is out of date: run CAIRN_BLESS=1 cargo test -p cairn-verifier --test report_codes"
    );
}

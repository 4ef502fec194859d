//! The golden vectors in `tests/vectors/{valid,invalid,indeterminate}`: one loop checks that each
//! credential gets its expected verdict and exactly its expected problem codes.
//!
//! `NAME.expect.json`: `{"verdict", "codes": [failed or could-not-check codes], "reasons"?:
//! [the reason codes of checks that carry one], "now", "docs"?: {URL: FILE relative to the
//! vector}, "fetched"?: [the URLs the verifier asks its resolver for, in order]}`. Add a case by
//! adding files
//! (`cargo run -p cairn-verifier --example make_vectors` regenerates the signed ones).
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::{Path, PathBuf};

use std::sync::Mutex;

use cairn_verifier::{
    CheckStatus, OfflineResolver, Report, ResolveFuture, Resolver, VerifyOptions,
};
use chrono::{DateTime, Utc};
use serde_json::Value;

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn problem_codes(report: &Report) -> Vec<String> {
    let mut codes: Vec<String> = report
        .checks
        .iter()
        .filter(|c| {
            c.status == CheckStatus::Failed
                || c.status == CheckStatus::Error
                || (c.status == CheckStatus::Skipped && c.unresolved)
        })
        .map(|c| c.code.clone())
        .collect();
    codes.sort();
    codes
}

/// An offline resolver that notes every URL asked for.
struct Recording<'a> {
    inner: &'a OfflineResolver,
    asked: Mutex<Vec<String>>,
}

impl Resolver for Recording<'_> {
    fn fetch<'b>(&'b self, url: &'b str) -> ResolveFuture<'b> {
        if let Ok(mut asked) = self.asked.lock() {
            asked.push(url.to_owned());
        }
        self.inner.fetch(url)
    }
}

fn check(path: &Path) -> Result<(), String> {
    let expect_path = path.with_extension("expect.json");
    let expect: Value = serde_json::from_str(
        &std::fs::read_to_string(&expect_path)
            .map_err(|e| format!("{}: {e}", expect_path.display()))?,
    )
    .map_err(|e| e.to_string())?;
    let now: DateTime<Utc> = expect["now"]
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|d| d.with_timezone(&Utc))
        .ok_or("expect.json needs a now")?;
    let mut resolver = OfflineResolver::new();
    if let Some(docs) = expect["docs"].as_object() {
        for (url, file) in docs {
            let file = path
                .parent()
                .unwrap_or(Path::new("."))
                .join(file.as_str().unwrap_or(""));
            let bytes = std::fs::read(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            resolver.insert(url, bytes);
        }
    }
    let input = std::fs::read(path).map_err(|e| e.to_string())?;
    let options = VerifyOptions::new(now);
    let recording = Recording {
        inner: &resolver,
        asked: Mutex::new(Vec::new()),
    };
    let report = pollster::block_on(cairn_verifier::verify(&input, &options, &recording))
        .map_err(|e| format!("could not evaluate: {e}"))?;
    if let Some(want) = expect["fetched"].as_array() {
        let asked = recording
            .asked
            .lock()
            .map(|a| a.clone())
            .unwrap_or_default();
        let want: Vec<&str> = want.iter().filter_map(Value::as_str).collect();
        if asked != want {
            return Err(format!("fetched {asked:?}, expected {want:?}"));
        }
    }
    same_in_a_batch(&input, &report, &options, &resolver)?;
    let verdict = serde_json::to_value(report.verdict).map_err(|e| e.to_string())?;
    let mut want: Vec<String> = expect["codes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    want.sort();
    let got = problem_codes(&report);
    let reasons_ok = match expect["reasons"].as_array() {
        None => true,
        Some(want) => {
            let mut want: Vec<&str> = want.iter().filter_map(Value::as_str).collect();
            want.sort_unstable();
            let mut got: Vec<&str> = report
                .checks
                .iter()
                .filter_map(|c| c.reason.as_deref())
                .collect();
            got.sort_unstable();
            got == want
        }
    };
    if verdict != expect["verdict"] || got != want || !reasons_ok {
        return Err(format!(
            "expected {} {:?}, got {} {:?}\n{}",
            expect["verdict"],
            want,
            verdict,
            got,
            serde_json::to_string_pretty(&report).unwrap_or_default()
        ));
    }
    Ok(())
}

/// The vector verified among two other credentials by `verify_batch` (one batch equation for
/// all their signatures) gets the report it gets alone, and so do the others.
fn same_in_a_batch(
    input: &[u8],
    alone: &Report,
    options: &VerifyOptions,
    resolver: &OfflineResolver,
) -> Result<(), String> {
    let other =
        std::fs::read(vectors_dir().join("valid/did-key.json")).map_err(|e| e.to_string())?;
    let other_alone = pollster::block_on(cairn_verifier::verify(&other, options, resolver))
        .map_err(|e| e.to_string())?;
    let batch = pollster::block_on(cairn_verifier::verify_batch(
        &[&other, input, &other],
        options,
        resolver,
    ));
    let json = |r: &Report| serde_json::to_value(r).unwrap_or_default();
    let got: Vec<Value> = batch
        .iter()
        .map(|r| {
            r.as_ref()
                .map(json)
                .unwrap_or_else(|e| Value::from(e.code()))
        })
        .collect();
    let want = vec![json(&other_alone), json(alone), json(&other_alone)];
    if got != want {
        return Err(format!("verify_batch gave other reports:\n{got:#?}"));
    }
    Ok(())
}

#[test]
fn golden_vectors() {
    let mut failures = Vec::new();
    let mut count = 0;
    for kind in ["valid", "invalid", "indeterminate"] {
        let dir = vectors_dir().join(kind);
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension()
                    .is_some_and(|e| ["json", "jwt", "png", "svg"].iter().any(|x| e == *x))
                    && !p.to_string_lossy().ends_with(".expect.json")
            })
            .collect();
        entries.sort();
        for path in entries {
            count += 1;
            if let Err(e) = check(&path) {
                failures.push(format!("{}: {e}", path.display()));
            }
        }
    }
    assert!(count >= 25, "only {count} vectors found");
    assert!(
        failures.is_empty(),
        "{} of {count} vectors failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

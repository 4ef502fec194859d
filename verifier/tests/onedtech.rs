//! Cairn's verdicts on the 1EdTech validator's OB 3.0 vectors, driven by
//! `tests/vectors/1edtech/manifest.json` (one loop over its cases).
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::PathBuf;

use cairn_verifier::{CheckStatus, Contexts, GeneralCanonicalizer, OfflineResolver, VerifyOptions};
use chrono::{DateTime, Utc};
use serde_json::Value;

fn read(path: &PathBuf) -> String {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e} (CI provides ../shared)", path.display()))
}

#[test]
fn onedtech_validator_vectors() {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/1edtech");
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/spec/vectors/1edtech-validator");
    let manifest: Value =
        serde_json::from_str(&read(&here.join("manifest.json"))).expect("manifest");
    let now: DateTime<Utc> = manifest["now"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("now");

    let mut contexts = Contexts::builtin();
    for (url, file) in manifest["contexts"].as_object().expect("contexts") {
        contexts = contexts
            .with_context(url, &read(&shared.join(file.as_str().expect("file"))))
            .expect("context");
    }
    let mut options = VerifyOptions::new(now);
    options.canonicalizer = std::sync::Arc::new(GeneralCanonicalizer::new(contexts));
    let mut with_docs = OfflineResolver::new();
    for (url, file) in manifest["documents"].as_object().expect("documents") {
        with_docs.insert(url, read(&here.join(file.as_str().expect("file"))));
    }
    // The status lists come from the validator's own test resources, for both resolvers.
    let mut without_docs = OfflineResolver::new();
    for (url, file) in manifest["shared_documents"]
        .as_object()
        .expect("shared_documents")
    {
        let text = read(&shared.join(file.as_str().expect("file")));
        with_docs.insert(url, text.clone());
        without_docs.insert(url, text);
    }

    let mut failures = Vec::new();
    let cases = manifest["cases"].as_array().expect("cases");
    for case in cases {
        let file = case["file"].as_str().expect("file");
        let input = read(&shared.join(file));
        let resolver = if case["without_documents"] == true {
            &without_docs
        } else {
            &with_docs
        };
        let report = match pollster::block_on(cairn_verifier::verify(
            input.as_bytes(),
            &options,
            resolver,
        )) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{file}: could not evaluate: {e}"));
                continue;
            }
        };
        let mut got: Vec<&str> = report
            .checks
            .iter()
            .filter(|c| {
                c.status == CheckStatus::Failed || c.status == CheckStatus::Error || c.unresolved
            })
            .map(|c| c.code.as_str())
            .collect();
        got.sort_unstable();
        let mut want: Vec<&str> = case["codes"]
            .as_array()
            .expect("codes")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        want.sort_unstable();
        let verdict = serde_json::to_value(report.verdict).expect("verdict");
        if verdict != case["verdict"] || got != want {
            failures.push(format!(
                "{file}: expected {} {want:?}, got {verdict} {got:?}",
                case["verdict"]
            ));
        }
    }
    assert!(cases.len() >= 30);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

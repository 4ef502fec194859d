//! Canonicalisation work is bounded on both paths (RDFC-1.0 §4.1 warns of "poison graphs"): a
//! credential with 16,000 identical anonymous evidence objects is refused with
//! `canonicalization_budget_exceeded` by the fast path without falling back to the general path,
//! and by the general path before JSON-LD expansion; a credential under the budget is checked as
//! usual; a raised `Interrupt` stops a verification before its next canonicalisation.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::sync::Arc;

use cairn_verifier::{
    CheckStatus, Contexts, FastCanonicalizer, GeneralCanonicalizer, OfflineResolver, Report,
    VerifyOptions,
};
use serde_json::{json, Value};

fn with_evidence(count: usize, labelled: bool) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors/valid/did-key.json");
    let mut credential: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("vector")).expect("json");
    credential["evidence"] = (0..count)
        .map(|i| {
            let mut e = json!({"type": ["Evidence"], "narrative": "x"});
            // A blank node label makes the fast path hand the document to the general path.
            if labelled {
                e["id"] = json!(format!("_:b{i}"));
            }
            e
        })
        .collect();
    serde_json::to_vec(&credential).expect("bytes")
}

fn failed(report: &Report) -> Vec<&str> {
    report
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Failed)
        .map(|c| c.code.as_str())
        .collect()
}

#[test]
fn a_blank_node_explosion_is_refused_on_both_paths() {
    let now = "2026-06-01T12:00:00Z".parse().expect("now");
    let fast = Arc::new(FastCanonicalizer::new(Contexts::default()));
    let mut options = VerifyOptions::new(now);
    options.canonicalizer = fast.clone();
    let verify = |input: &[u8], options: &VerifyOptions| {
        pollster::block_on(cairn_verifier::verify(
            input,
            options,
            &OfflineResolver::new(),
        ))
        .expect("evaluated")
    };
    // The fast path refuses it and hands nothing to the general path.
    let report = verify(&with_evidence(16_000, false), &options);
    assert!(
        failed(&report).contains(&"canonicalization_budget_exceeded"),
        "{:?}",
        failed(&report)
    );
    assert_eq!(fast.counts().1, 0, "no fallback to the general path");
    // The general path refuses it before expanding (as does the fast one's fallback).
    let mut general = VerifyOptions::new(now);
    general.canonicalizer = Arc::new(GeneralCanonicalizer::new(Contexts::default()));
    for input in [with_evidence(16_000, false), with_evidence(16_000, true)] {
        let report = verify(&input, &general);
        assert!(
            failed(&report).contains(&"canonicalization_budget_exceeded"),
            "{:?}",
            failed(&report)
        );
    }
    // Under the budget the document is canonicalised and its (now wrong) signature checked.
    for opts in [&options, &general] {
        let report = verify(&with_evidence(100, false), opts);
        assert_eq!(failed(&report), ["bad_signature"]);
    }
}

#[test]
fn a_raised_interrupt_stops_the_verification_as_could_not_check() {
    let now = "2026-06-01T12:00:00Z".parse().expect("now");
    let interrupt = cairn_verifier::Interrupt::new();
    let options = VerifyOptions::new(now).interruptible(&interrupt);
    let input = with_evidence(3, false);
    let verify = |options: &VerifyOptions| {
        pollster::block_on(cairn_verifier::verify(
            &input,
            options,
            &OfflineResolver::new(),
        ))
        .expect("evaluated")
    };
    // Not raised: the credential is checked as usual.
    assert!(!interrupt.is_raised());
    let checked = verify(&options);
    assert!(
        checked.checks.iter().any(|c| c.code == "json_ld_valid"),
        "{:?}",
        checked.checks
    );
    // Raised: no canonicalisation starts, and nothing is reported wrong with the credential —
    // the verdict is that it could not be checked.
    interrupt.raise();
    let stopped = verify(&options);
    assert_eq!(
        stopped.verdict,
        cairn_verifier::Verdict::Indeterminate,
        "{:?}",
        stopped.checks
    );
    assert!(failed(&stopped).is_empty(), "{:?}", stopped.checks);
    assert!(stopped
        .checks
        .iter()
        .any(|c| c.code == "verification_interrupted" && c.status == CheckStatus::Error));
}

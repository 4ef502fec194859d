//! Trust registries: the example registry matches its schema; bad registries are refused; and one
//! loop over cases (registry, policy) checks the trust section and the verdict for the golden
//! `valid/did-key.json` credential (Springfield's did:key, achievement formative-assessment,
//! achievementType MicroCredential).
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::PathBuf;
use std::sync::Arc;

use cairn_verifier::{OfflineResolver, TrustPolicy, TrustRegistry, Verdict, VerifyOptions};
use serde_json::{json, Value};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read_json(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(root().join(rel)).expect("read")).expect("json")
}

const ISSUER: &str = "did:key:z6MknU6pUNNHt8ghHgJ5AxPQM8XUbz9E8TCu71WDZ2rHQ5oc";

/// (name, registries, policy, trust status, verdict, CE hours granted)
type Case<'a> = (
    &'a str,
    Vec<&'a Value>,
    TrustPolicy,
    &'a str,
    Verdict,
    Option<f64>,
);

fn registry(entries: Value) -> Value {
    json!({"type": "CairnTrustRegistry", "name": "Test Registry",
        "publisher": {"id": "did:web:r.example", "name": "R"}, "version": "1", "entries": entries})
}

#[test]
fn the_example_registry_matches_its_schema_and_bad_ones_are_refused() {
    let schema = read_json("schemas/trust-registry.schema.json");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema");
    let example = read_json("examples/trust-registry.json");
    let errors: Vec<String> = validator
        .iter_errors(&example)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    TrustRegistry::parse(example.to_string().as_bytes()).expect("parses");

    let bad = [
        json!({"type": "Other", "name": "n", "publisher": {"id": "p", "name": "p"}, "version": "1", "entries": []}),
        registry(json!([{"issuerIds": [], "name": "x"}])),
        registry(
            json!([{"issuerIds": ["did:x"], "name": "x", "achievements": [{"recognition": {}}]}]),
        ),
        registry(json!([{"issuerIds": ["did:x"], "name": "x", "surprise": 1}])),
        registry(json!([{"issuerIds": ["did:x"], "name": "x", "validFrom": "yesterday"}])),
    ];
    for doc in bad {
        let err = TrustRegistry::parse(doc.to_string().as_bytes())
            .err()
            .map(|e| e.code());
        assert_eq!(err, Some("invalid_registry"), "{doc}");
        assert!(!validator.is_valid(&doc), "the schema accepts {doc}");
    }
}

#[test]
fn trust_cases() {
    let credential = read_json("tests/vectors/valid/did-key.json");
    let doc = credential.as_object().expect("object");
    let example = read_json("examples/trust-registry.json");
    let other =
        registry(json!([{"issuerIds": ["did:web:elsewhere.example"], "name": "Elsewhere"}]));
    let other_achievement = registry(json!([{"issuerIds": [ISSUER], "name": "Springfield",
        "achievements": [{"id": "https://credentials.springfield.example/achievements/other"}]}]));
    let by_type = registry(
        json!([{"issuerIds": [ISSUER], "name": "Springfield (by type)",
        "achievements": [{"achievementType": "MicroCredential", "recognition": {"ceHours": 3}}]}]),
    );
    let expired = registry(json!([{"issuerIds": [ISSUER], "name": "Springfield",
        "validUntil": "2026-01-01T00:00:00Z"}]));
    let cases: Vec<Case> = vec![
        (
            "recognised by id",
            vec![&example],
            TrustPolicy::Standard,
            "recognized",
            Verdict::Valid,
            Some(15.0),
        ),
        (
            "recognised under strict",
            vec![&example],
            TrustPolicy::Strict,
            "recognized",
            Verdict::Valid,
            Some(15.0),
        ),
        (
            "recognised by achievementType",
            vec![&by_type],
            TrustPolicy::Strict,
            "recognized",
            Verdict::Valid,
            Some(3.0),
        ),
        (
            "unknown issuer is a warning",
            vec![&other],
            TrustPolicy::Standard,
            "unknown_issuer",
            Verdict::Valid,
            None,
        ),
        (
            "unknown issuer under strict",
            vec![&other],
            TrustPolicy::Strict,
            "unknown_issuer",
            Verdict::Invalid,
            None,
        ),
        (
            "an expired entry does not recognise",
            vec![&expired],
            TrustPolicy::Strict,
            "unknown_issuer",
            Verdict::Invalid,
            None,
        ),
        (
            "not for this achievement",
            vec![&other_achievement],
            TrustPolicy::Standard,
            "not_recognized_for_this_achievement",
            Verdict::Valid,
            None,
        ),
        (
            "not for this achievement, strict",
            vec![&other_achievement],
            TrustPolicy::Strict,
            "not_recognized_for_this_achievement",
            Verdict::Invalid,
            None,
        ),
        (
            "the first registry that knows the issuer decides",
            vec![&other, &other_achievement, &example],
            TrustPolicy::Standard,
            "not_recognized_for_this_achievement",
            Verdict::Valid,
            None,
        ),
    ];
    let mut failures = Vec::new();
    for (name, registries, policy, status, verdict, hours) in cases {
        let mut options = VerifyOptions::new("2026-06-01T12:00:00Z".parse().expect("now"));
        options.trust_policy = policy;
        options.registries = registries
            .iter()
            .map(|r| Arc::new(TrustRegistry::parse(r.to_string().as_bytes()).expect("registry")))
            .collect();
        let report = pollster::block_on(cairn_verifier::verify_credential(
            doc,
            &options,
            &OfflineResolver::new(),
        ));
        let trust = report.trust.clone().expect("trust section");
        let got = (
            trust.status.code(),
            report.verdict,
            trust.recognition.as_ref().and_then(|r| r.ce_hours),
        );
        if got != (status, verdict, hours) {
            failures.push(format!(
                "{name}: expected {:?}, got {got:?}",
                (status, verdict, hours)
            ));
        }
        let check = report
            .checks
            .iter()
            .find(|c| c.check == "trust")
            .expect("trust check");
        assert_eq!(check.code, status, "{name}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Without registries there is no trust section at all.
    let report = pollster::block_on(cairn_verifier::verify_credential(
        doc,
        &VerifyOptions::new("2026-06-01T12:00:00Z".parse().expect("now")),
        &OfflineResolver::new(),
    ));
    assert!(report.trust.is_none());
    assert!(report.checks.iter().all(|c| c.check != "trust"));
}

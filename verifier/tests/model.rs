//! The OB 3.0 serde model: reads single values or arrays, writes arrays, omits nulls and empty
//! arrays, and keeps extension properties through a round trip.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::PathBuf;

use cairn_verifier::model::{AchievementCredential, EndorsementCredential, ProfileRef};
use serde_json::{json, Value};

/// `b` holds everything `a` holds: single values may have become one-element arrays, nulls and
/// empty arrays may have gone.
fn covers(a: &Value, b: &Value, at: &str) -> Result<(), String> {
    match (a, b) {
        (Value::Null, _) => Ok(()),
        (Value::Array(x), _) if x.is_empty() => Ok(()),
        (Value::Object(x), Value::Object(y)) => x.iter().try_for_each(|(k, v)| match y.get(k) {
            Some(w) => covers(v, w, &format!("{at}.{k}")),
            None if v.is_null() || v.as_array().is_some_and(Vec::is_empty) => Ok(()),
            None => Err(format!("{at}.{k} was dropped")),
        }),
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .try_for_each(|(i, (v, w))| covers(v, w, &format!("{at}[{i}]"))),
        (v, Value::Array(y)) if y.len() == 1 && !v.is_array() => covers(v, &y[0], at),
        (Value::Number(x), Value::Number(y)) if x.as_f64() == y.as_f64() => Ok(()),
        (v, w) if v == w => Ok(()),
        (v, w) => Err(format!("{at}: {v} became {w}")),
    }
}

fn no_nulls_or_empty_arrays(v: &Value, at: &str) -> Result<(), String> {
    match v {
        Value::Null => Err(format!("{at} is null")),
        Value::Array(a) if a.is_empty() => Err(format!("{at} is an empty array")),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .try_for_each(|(i, x)| no_nulls_or_empty_arrays(x, &format!("{at}[{i}]"))),
        Value::Object(m) => m
            .iter()
            .try_for_each(|(k, x)| no_nulls_or_empty_arrays(x, &format!("{at}.{k}"))),
        _ => Ok(()),
    }
}

#[test]
fn credentials_round_trip_without_losing_anything() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = ["valid", "invalid"]
        .iter()
        .flat_map(|k| {
            std::fs::read_dir(root.join("../tests/vectors").join(k))
                .expect("dir")
                .filter_map(|e| e.ok().map(|e| e.path()))
        })
        .filter(|p| {
            // generic-* vectors are W3C credentials that are not Open Badges.
            p.extension().is_some_and(|e| e == "json")
                && !p.to_string_lossy().ends_with(".expect.json")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("generic-"))
        })
        .collect();
    let shared = root.join("../../shared/spec/vectors/1edtech-validator/ob30");
    for f in [
        "complete.json",
        "complete_v1.json",
        "simple.json",
        "simple_v1.json",
        "simple-context-alias.json",
    ] {
        files.push(shared.join(f));
    }
    files.sort();
    for path in files {
        let text = std::fs::read_to_string(&path).expect("read");
        let input: Value = serde_json::from_str(&text).expect("json");
        let cred: AchievementCredential = match serde_json::from_value(input.clone()) {
            Ok(c) => c,
            Err(e) => panic!("{}: {e}", path.display()),
        };
        let output = serde_json::to_value(&cred).expect("serialize");
        covers(&input, &output, "$").unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        no_nulls_or_empty_arrays(&output, "$")
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let again: AchievementCredential = serde_json::from_value(output.clone()).expect("reparse");
        assert_eq!(
            serde_json::to_value(&again).expect("ser"),
            output,
            "{}",
            path.display()
        );
    }
}

#[test]
fn single_values_become_arrays_and_extensions_survive() {
    let input = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:1",
        "type": "OpenBadgeCredential",
        "issuer": "did:key:z6Mk",
        "validFrom": "2026-01-01T00:00:00Z",
        "evidence": null,
        "endorsement": [],
        "credentialSubject": {
            "type": "AchievementSubject",
            "identifier": {"type": "IdentityObject", "hashed": true, "identityHash": "sha256$00", "identityType": "emailAddress"},
            "achievement": {
                "id": "urn:uuid:2", "type": "Achievement", "name": "n", "description": "d",
                "criteria": {"narrative": "c", "extCriteria": 1},
                "alignment": {"type": "Alignment", "targetName": "t", "targetUrl": "https://e.org"},
                "districtSalaryStep": {"lane": "MA+15"}
            },
            "result": {"type": "Result", "value": "pass"}
        },
        "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "verificationMethod": "did:key:z6Mk#z6Mk", "proofPurpose": "assertionMethod", "proofValue": "z1"},
        "districtExtension": [1, 2]
    });
    let cred: AchievementCredential = serde_json::from_value(input).expect("parse");
    assert!(matches!(cred.issuer, ProfileRef::Uri(ref s) if s == "did:key:z6Mk"));
    let out = serde_json::to_value(&cred).expect("serialize");
    assert_eq!(out["type"], json!(["OpenBadgeCredential"]));
    assert_eq!(out["proof"][0]["type"], "DataIntegrityProof");
    assert_eq!(
        out["credentialSubject"]["type"],
        json!(["AchievementSubject"])
    );
    assert_eq!(
        out["credentialSubject"]["identifier"][0]["type"],
        "IdentityObject"
    );
    assert_eq!(
        out["credentialSubject"]["achievement"]["alignment"][0]["targetName"],
        "t"
    );
    assert_eq!(
        out["credentialSubject"]["achievement"]["districtSalaryStep"]["lane"],
        "MA+15"
    );
    assert_eq!(
        out["credentialSubject"]["achievement"]["criteria"]["extCriteria"],
        1
    );
    assert_eq!(out["districtExtension"], json!([1, 2]));
    assert!(out.get("evidence").is_none() && out.get("endorsement").is_none());
}

#[test]
fn endorsements_parse_as_their_own_type() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/spec/vectors/1edtech-validator/ob30/endorsement-valid.json");
    let e: EndorsementCredential =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("parse");
    assert!(e.types.iter().any(|t| t == "EndorsementCredential"));
    assert!(!e.credential_subject.id.is_empty());
}

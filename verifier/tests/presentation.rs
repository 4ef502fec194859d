//! Verifiable Presentations: one loop over cases built from a presentation a did:key holder signs
//! (authentication, challenge, domain) around the golden `valid/did-key.json` credential.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::PathBuf;

use cairn_verifier::{
    GeneralCanonicalizer, OfflineResolver, PendingProof, PresentationOptions, Verdict,
    VerifyOptions,
};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{json, Value};

fn credential() -> Value {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/valid/did-key.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
}

/// (name, presentation, what the verifier asked, verdict, failed codes)
type Case<'a> = (
    &'a str,
    &'a Value,
    PresentationOptions,
    Verdict,
    Vec<&'a str>,
);

struct Holder {
    key: SigningKey,
    did: String,
    vm: String,
}

fn holder(seed: u8) -> Holder {
    let key = SigningKey::from_bytes(&[seed; 32]);
    let mk = cairn_verifier::encode_multikey(&key.verifying_key());
    Holder {
        did: format!("did:key:{mk}"),
        vm: format!("did:key:{mk}#{mk}"),
        key,
    }
}

fn presentation(holder_id: &str, credentials: Value) -> Value {
    json!({
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder_id,
        "verifiableCredential": credentials
    })
}

fn sign(h: &Holder, vp: &Value, challenge: &str, domain: Option<&str>) -> Value {
    let canon = GeneralCanonicalizer::default();
    let pending = PendingProof::for_presentation(
        &canon,
        vp,
        &h.vm,
        "2026-05-01T00:00:00Z",
        challenge,
        domain,
    )
    .expect("signable");
    let sig = h.key.sign(pending.signing_input()).to_bytes();
    pending.finish(&sig)
}

#[test]
fn presentation_cases() {
    let alice = holder(9);
    let mallory = holder(11);
    let cred = credential();
    let good = sign(
        &alice,
        &presentation(&alice.did, json!([cred])),
        "c-123",
        Some("district-b.example"),
    );
    let mut tampered_credential = good.clone();
    tampered_credential["verifiableCredential"][0]["credentialSubject"]["creditsEarned"] =
        json!(150);
    let mut tampered_holder = good.clone();
    tampered_holder["holder"] = json!(mallory.did);
    let assertion = {
        let canon = GeneralCanonicalizer::default();
        let vp = presentation(&alice.did, json!([cred]));
        let pending = PendingProof::new(&canon, &vp, &alice.vm, "2026-05-01T00:00:00Z").expect("p");
        let sig = alice.key.sign(pending.signing_input()).to_bytes();
        pending.finish(&sig)
    };
    let by_another_key = sign(
        &mallory,
        &presentation(&alice.did, json!([cred])),
        "c-123",
        Some("district-b.example"),
    );
    let unsigned = presentation(&alice.did, json!([cred]));
    let mut untyped = unsigned.clone();
    untyped["type"] = json!(["Presentation"]);
    let asked = |c: &str, d: &str| PresentationOptions {
        challenge: Some(c.into()),
        domain: Some(d.into()),
    };
    let none = PresentationOptions::default();
    let cases: Vec<Case> = vec![
        (
            "signed, challenge and domain match",
            &good,
            asked("c-123", "district-b.example"),
            Verdict::Valid,
            vec![],
        ),
        (
            "another challenge",
            &good,
            asked("c-999", "district-b.example"),
            Verdict::Invalid,
            vec!["challenge_mismatch"],
        ),
        (
            "another domain",
            &good,
            asked("c-123", "evil.example"),
            Verdict::Invalid,
            vec!["domain_mismatch"],
        ),
        (
            "a credential changed after signing",
            &tampered_credential,
            asked("c-123", "district-b.example"),
            Verdict::Invalid,
            vec!["bad_signature", "credential_invalid"],
        ),
        (
            "the holder changed after signing",
            &tampered_holder,
            asked("c-123", "district-b.example"),
            Verdict::Invalid,
            vec!["key_not_issuers"],
        ),
        (
            "signed by a key that is not the holder's",
            &by_another_key,
            asked("c-123", "district-b.example"),
            Verdict::Invalid,
            vec!["key_not_issuers"],
        ),
        (
            "an assertionMethod proof",
            &assertion,
            none.clone(),
            Verdict::Invalid,
            vec!["wrong_proof_purpose"],
        ),
        (
            "unsigned, nothing asked",
            &unsigned,
            none.clone(),
            Verdict::Valid,
            vec![],
        ),
        (
            "unsigned, a challenge asked",
            &unsigned,
            asked("c-123", "district-b.example"),
            Verdict::Invalid,
            vec!["no_proof"],
        ),
        (
            "not a presentation",
            &untyped,
            none,
            Verdict::Invalid,
            vec!["invalid_type"],
        ),
    ];
    let options = VerifyOptions::new("2026-06-01T12:00:00Z".parse().expect("now"));
    let mut failures = Vec::new();
    for (name, vp, asked, verdict, codes) in cases {
        let report = pollster::block_on(cairn_verifier::verify_presentation(
            vp.as_object().expect("object"),
            &asked,
            &options,
            &OfflineResolver::new(),
        ));
        let mut got: Vec<&str> = report
            .checks
            .iter()
            .filter(|c| c.status == cairn_verifier::CheckStatus::Failed)
            .map(|c| c.code.as_str())
            .collect();
        got.sort_unstable();
        let mut want = codes.clone();
        want.sort_unstable();
        if report.verdict != verdict || got != want {
            failures.push(format!(
                "{name}: expected {verdict:?} {want:?}, got {:?} {got:?}",
                report.verdict
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

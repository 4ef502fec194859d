//! Credentials with control characters: issued now they verify (canonical N-Quads, RDFC-1.0
//! §4.3); one signed the way Cairn signed before the fix is found and re-signed by
//! `resign_control_characters`, keeping its id and content, once.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::{Path, PathBuf};

use cairn_issuer::{Actor, IdentityKind, InitOptions, IssueRequest, Issuer};
use cairn_verifier::{CanonError, Canonicalizer, FastCanonicalizer, Verdict};
use chrono::{TimeZone, Utc};
use ed25519_dalek::pkcs8::DecodePrivateKey;
use ed25519_dalek::Signer;
use serde_json::Value;

mod common;

fn actor() -> Actor {
    Actor("test".into())
}

fn example_pem() -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../keys.example/key-1.ed25519.pem");
    std::fs::read_to_string(path).expect("example key")
}

async fn issuer(dir: &Path) -> Issuer {
    let key = cairn_issuer::IssuerKey::from_pem("key-1", &example_pem(), Path::new("example"))
        .expect("key");
    let issuer = Issuer::init(
        dir,
        InitOptions {
            name: "District".into(),
            url: Some("https://credentials.district.example".into()),
            identity: IdentityKind::DidKey,
            key: Some(key),
            database_url: None,
        },
        &actor(),
    )
    .await
    .expect("init");
    let def = common::example_achievement("classroom-discourse.json");
    issuer.add_achievement(&def, &actor()).await.expect("add");
    issuer
}

async fn verdict(issuer: &Issuer, id: &str, now: chrono::DateTime<Utc>) -> Verdict {
    issuer.verify_stored(id, now).await.expect("verify").verdict
}

/// What Cairn wrote before the fix: only quote, backslash, LF and CR escaped, so every other
/// control character stood in the N-Quads as itself.
struct BeforeTheFix(FastCanonicalizer);

impl Canonicalizer for BeforeTheFix {
    fn canonicalize(&self, document: &Value) -> Result<String, CanonError> {
        let canonical = self.0.canonicalize(document)?;
        Ok(canonical
            .replace("\\t", "\t")
            .replace("\\b", "\u{8}")
            .replace("\\f", "\u{c}")
            .replace("\\u0007", "\u{7}"))
    }

    fn canonicalize_sha384(&self, document: &Value) -> Result<String, CanonError> {
        self.0.canonicalize_sha384(document)
    }
}

#[tokio::test]
async fn credentials_signed_before_the_fix_are_found_and_re_signed_once() {
    let dir = tempfile::tempdir().expect("tmp");
    let issuer = issuer(dir.path()).await;
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    let narrative = "Unit plan:\tweek 1\tweek 2\u{7}\nReflection";
    let request = IssueRequest {
        achievement: "classroom-discourse".into(),
        recipient_email: "teacher@district.example".into(),
        evidence_narrative: Some(narrative.into()),
        ..Default::default()
    };
    let issued = issuer.issue(&request, now, &actor()).await.expect("issue");
    let id = issued["id"].as_str().expect("id").to_owned();
    let plain = issuer
        .issue(
            &IssueRequest {
                evidence_narrative: Some("no control characters".into()),
                ..request.clone()
            },
            now,
            &actor(),
        )
        .await
        .expect("issue");
    assert_eq!(verdict(&issuer, &id, now).await, Verdict::Valid);

    // Sign it again as Cairn did before the fix and put that in the database.
    let mut legacy = issued.clone();
    legacy.as_object_mut().expect("object").remove("proof");
    let pending = cairn_verifier::PendingProof::new(
        &BeforeTheFix(FastCanonicalizer::default()),
        &legacy,
        &issuer.verification_method(),
        "2026-12-01T09:00:00Z",
    )
    .expect("pending");
    let key = ed25519_dalek::SigningKey::from_pkcs8_pem(&example_pem()).expect("pem");
    let signature = key.sign(pending.signing_input()).to_bytes();
    let legacy = pending.finish(&signature);
    assert!(issuer
        .store()
        .replace_credential_document(
            &id,
            &legacy,
            "test.legacy",
            &Value::Null,
            "2026-12-01T09:00:00Z",
            &actor()
        )
        .await
        .expect("store"));
    assert_eq!(verdict(&issuer, &id, now).await, Verdict::Invalid);

    // A dry run lists it and changes nothing.
    let later = now + chrono::Duration::hours(1);
    let dry = issuer
        .resign_control_characters(true, later, &actor())
        .await
        .expect("dry run");
    assert_eq!(dry.scanned, 2);
    assert_eq!(dry.resigned, vec![id.clone()]);
    assert_eq!(
        issuer.store().credential(&id).await.expect("read"),
        Some(legacy.clone())
    );

    let done = issuer
        .resign_control_characters(false, later, &actor())
        .await
        .expect("resign");
    assert_eq!(done.resigned, vec![id.clone()]);
    let stored = issuer
        .store()
        .credential(&id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(verdict(&issuer, &id, now).await, Verdict::Valid);
    let without_proof = |v: &Value| {
        let mut v = v.clone();
        v.as_object_mut().expect("object").remove("proof");
        v
    };
    assert_eq!(without_proof(&stored), without_proof(&issued));
    assert_eq!(stored["proof"][0]["created"], "2026-12-01T10:00:00Z");
    let audit = issuer.store().audit_log().await.expect("audit");
    assert!(audit
        .iter()
        .any(|(_, _, action, subject)| action == "credential.resign"
            && subject.as_deref() == Some(id.as_str())));

    // Nothing is left to do, and the plain credential was never touched.
    let again = issuer
        .resign_control_characters(false, later, &actor())
        .await
        .expect("again");
    assert!(again.resigned.is_empty());
    let plain_id = plain["id"].as_str().expect("id");
    assert_eq!(
        issuer.store().credential(plain_id).await.expect("read"),
        Some(plain)
    );
}

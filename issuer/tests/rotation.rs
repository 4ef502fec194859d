//! Key rotation: a new signing key takes over, the retired key stays published, and every
//! credential signed before still verifies against the new DID document.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::PathBuf;

use cairn_issuer::{
    AchievementDefinition, Actor, Format, IdentityKind, InitOptions, IssueRequest, Issued, Issuer,
    JwtAlg,
};
use cairn_verifier::{OfflineResolver, Verdict, VerifyOptions};
use chrono::Utc;

#[tokio::test]
async fn rotated_keys_stay_published_and_old_credentials_verify() {
    let actor = Actor("test".into());
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("i");
    let issuer = Issuer::init(
        &dir,
        InitOptions {
            name: "Rotating District".into(),
            url: None,
            identity: IdentityKind::DidWeb("credentials.rotate.example".into()),
            key: None,
            database_url: None,
        },
        &actor,
    )
    .await
    .expect("init");
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/achievements/classroom-discourse.json");
    let def =
        AchievementDefinition::parse(&std::fs::read_to_string(path).expect("read"), Some("json"))
            .expect("def");
    issuer.add_achievement(&def, &actor).await.expect("add");
    let req = IssueRequest {
        achievement: "classroom-discourse".into(),
        recipient_email: "t@rotate.example".into(),
        ..Default::default()
    };
    let eddsa = Format::Jwt {
        alg: JwtAlg::EdDsa,
        embed_proof: false,
    };
    let before = issuer
        .issue(&req, Utc::now(), &actor)
        .await
        .expect("before");
    let Issued::Jwt {
        jws: jwt_before, ..
    } = issuer
        .issue_as(&req, eddsa, Utc::now(), &actor)
        .await
        .expect("jwt")
    else {
        panic!("not a JWT")
    };

    let vm = issuer.rotate_signing_key(&actor).await.expect("rotate");
    assert_eq!(vm, "did:web:credentials.rotate.example#key-2");
    let after = issuer.issue(&req, Utc::now(), &actor).await.expect("after");
    assert_eq!(after["proof"][0]["verificationMethod"], vm);
    assert_eq!(
        before["proof"][0]["verificationMethod"],
        "did:web:credentials.rotate.example#key-1"
    );

    let keys = issuer.store().public_keys().await.expect("keys");
    let status = |id: &str| {
        keys.iter()
            .find(|k| k.key_id == id)
            .map(|k| k.status.clone())
    };
    assert_eq!(status("key-1").as_deref(), Some("retired"));
    assert_eq!(status("key-2").as_deref(), Some("active"));

    // The DID document lists both Ed25519 keys for assertions; everything verifies with it.
    let doc = issuer.did_document().await.expect("doc");
    let assertion: Vec<&str> = doc["assertionMethod"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(assertion.contains(&"did:web:credentials.rotate.example#key-1"));
    assert!(assertion.contains(&"did:web:credentials.rotate.example#key-2"));
    let resolver = OfflineResolver::new().with(
        "https://credentials.rotate.example/.well-known/did.json",
        doc.to_string(),
    );
    let options = VerifyOptions::new(Utc::now());
    for cred in [&before, &after] {
        let r = cairn_verifier::verify_credential(
            cred.as_object().expect("object"),
            &options,
            &resolver,
        )
        .await;
        assert_eq!(r.verdict, Verdict::Valid, "{r:#?}");
    }
    let r = cairn_verifier::verify(jwt_before.as_bytes(), &options, &resolver)
        .await
        .expect("readable");
    assert_eq!(r.verdict, Verdict::Valid);

    // The config now names the new key, and reopening signs with it.
    let reopened = Issuer::open(&dir.join("cairn.toml")).await.expect("reopen");
    assert_eq!(reopened.verification_method(), vm);
    let log = reopened.store().audit_log().await.expect("log");
    assert!(log
        .iter()
        .any(|(_, _, a, s)| a == "key.rotate" && s.as_deref() == Some("key-2")));
}

#[tokio::test]
async fn did_key_issuers_cannot_rotate() {
    let actor = Actor("test".into());
    let tmp = tempfile::tempdir().expect("tmp");
    let issuer = Issuer::init(
        &tmp.path().join("k"),
        InitOptions {
            name: "K".into(),
            url: None,
            identity: IdentityKind::DidKey,
            key: None,
            database_url: None,
        },
        &actor,
    )
    .await
    .expect("init");
    assert_eq!(
        issuer
            .rotate_signing_key(&actor)
            .await
            .err()
            .map(|e| e.code()),
        Some("invalid_input")
    );
}

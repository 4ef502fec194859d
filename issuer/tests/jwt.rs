//! VC-JWT issuance (OB 3.0 §8.2): RS256 and EdDSA round trips, the header and claims, derived
//! subject ids, `key add --type rsa`, and the official schema on the decoded credential.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::{Path, PathBuf};

use base64::Engine;
use cairn_issuer::{
    AchievementDefinition, Actor, Format, IdentityKind, InitOptions, IssueRequest, Issued, Issuer,
    JwtAlg,
};
use cairn_verifier::{OfflineResolver, Verdict, VerifyOptions};
use chrono::Utc;
use serde_json::Value;

mod common;

const RS256: Format = Format::Jwt {
    alg: JwtAlg::Rs256,
    embed_proof: false,
};

fn actor() -> Actor {
    Actor("test".into())
}

async fn issuer(dir: &Path, identity: IdentityKind) -> Issuer {
    let url = match &identity {
        IdentityKind::DidWeb(host) => Some(format!("https://{host}")),
        IdentityKind::DidKey => None,
    };
    let issuer = Issuer::init(
        dir,
        InitOptions {
            name: "District".into(),
            url,
            identity,
            key: None,
            database_url: None,
        },
        &actor(),
    )
    .await
    .expect("init");
    let def = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/achievements/classroom-discourse.json");
    let def =
        AchievementDefinition::parse(&std::fs::read_to_string(def).expect("read"), Some("json"))
            .expect("def");
    issuer.add_achievement(&def, &actor()).await.expect("add");
    issuer
}

fn request(did: Option<&str>) -> IssueRequest {
    IssueRequest {
        achievement: "classroom-discourse".into(),
        recipient_email: "Teacher@District.example".into(),
        recipient_did: did.map(str::to_owned),
        valid_until: Some(Utc::now() + chrono::Duration::days(30)),
        ..Default::default()
    }
}

fn part(token: &str, i: usize) -> Value {
    let text = token.split('.').nth(i).expect("part");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .expect("b64");
    serde_json::from_slice(&bytes).expect("json")
}

async fn verify(token: &str, resolver: &OfflineResolver) -> cairn_verifier::Report {
    cairn_verifier::verify(token.as_bytes(), &VerifyOptions::new(Utc::now()), resolver)
        .await
        .expect("readable")
}

async fn resolver_for(issuer: &Issuer) -> OfflineResolver {
    common::published_documents(issuer).await
}

#[tokio::test]
async fn rs256_and_eddsa_round_trips() {
    let tmp = tempfile::tempdir().expect("tmp");
    let web = issuer(
        &tmp.path().join("web"),
        IdentityKind::DidWeb("credentials.district.example".into()),
    )
    .await;
    let key = issuer(&tmp.path().join("key"), IdentityKind::DidKey).await;
    let schema = common::ob_schema();

    let cases = [
        (&web, JwtAlg::Rs256, false, "RS256"),
        (&web, JwtAlg::EdDsa, false, "EdDSA"),
        (&web, JwtAlg::Rs256, true, "RS256"),
        (&key, JwtAlg::EdDsa, false, "EdDSA"),
        (&key, JwtAlg::EdDsa, true, "EdDSA"),
    ];
    for (issuer, alg, embed_proof, alg_name) in cases {
        let issued = issuer
            .issue_as(
                &request(None),
                Format::Jwt { alg, embed_proof },
                Utc::now(),
                &actor(),
            )
            .await
            .expect("issue");
        let Issued::Jwt { jws, credential } = issued else {
            panic!("not a JWT")
        };
        let header = part(&jws, 0);
        let payload = part(&jws, 1);
        // OB 3.0 §8.2.1: only alg, kid and typ; kid dereferences to the key.
        assert_eq!(header.as_object().expect("header").len(), 3, "{header}");
        assert_eq!(header["alg"], alg_name);
        assert_eq!(header["typ"], "JWT");
        assert!(header["kid"]
            .as_str()
            .expect("kid")
            .starts_with(issuer.id()));
        // OB 3.0 §8.2.2: claims mirror the credential; no vc claim.
        assert_eq!(payload["iss"], issuer.id());
        assert_eq!(payload["jti"], credential["id"]);
        assert_eq!(payload["sub"], credential["credentialSubject"]["id"]);
        assert!(payload["nbf"].is_i64() && payload["exp"].is_i64());
        assert!(payload.get("vc").is_none());
        assert_eq!(payload.get("proof").is_some(), embed_proof);
        // The decoded credential matches the official schema.
        let errors = common::schema_errors(&schema, &credential);
        assert!(errors.is_empty(), "{errors:?}");

        let report = verify(&jws, &resolver_for(issuer).await).await;
        assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");
        let form = format!("VC-JWT/{alg_name}");
        assert!(report.proof_forms.contains(&form));
        assert_eq!(report.proof_forms.len(), if embed_proof { 2 } else { 1 });
        let id = credential["id"].as_str().expect("id");
        assert_eq!(
            issuer.store().credential_jws(id).await.expect("get"),
            Some(jws)
        );
    }
}

#[tokio::test]
async fn derived_subject_ids_are_stable_and_private() {
    let tmp = tempfile::tempdir().expect("tmp");
    let issuer = issuer(&tmp.path().join("a"), IdentityKind::DidKey).await;
    let fmt = Format::Jwt {
        alg: JwtAlg::EdDsa,
        embed_proof: false,
    };
    let sub = |i: Issued| match i {
        Issued::Jwt { credential, .. } => credential["credentialSubject"]["id"]
            .as_str()
            .expect("id")
            .to_owned(),
        Issued::Json(_) => panic!("json"),
    };
    let a = sub(issuer
        .issue_as(&request(None), fmt, Utc::now(), &actor())
        .await
        .expect("a"));
    let mut other_case = request(None);
    other_case.recipient_email = " teacher@district.EXAMPLE ".into();
    let b = sub(issuer
        .issue_as(&other_case, fmt, Utc::now(), &actor())
        .await
        .expect("b"));
    assert_eq!(a, b);
    assert!(a.starts_with("urn:cairn:subject:") && a.len() == "urn:cairn:subject:".len() + 32);
    assert!(!a.contains("teacher"));
    let mut other = request(None);
    other.recipient_email = "someone@district.example".into();
    assert_ne!(
        a,
        sub(issuer
            .issue_as(&other, fmt, Utc::now(), &actor())
            .await
            .expect("c"))
    );
    // A recipient DID wins over the derived id.
    let with_did = sub(issuer
        .issue_as(&request(Some("did:example:t")), fmt, Utc::now(), &actor())
        .await
        .expect("d"));
    assert_eq!(with_did, "did:example:t");
    // Another issuer derives another id for the same address.
    let other_issuer = issuer_b(tmp.path()).await;
    let c = sub(other_issuer
        .issue_as(&request(None), fmt, Utc::now(), &actor())
        .await
        .expect("e"));
    assert_ne!(a, c);
}

async fn issuer_b(dir: &Path) -> Issuer {
    issuer(&dir.join("b"), IdentityKind::DidKey).await
}

#[tokio::test]
async fn rs256_needs_a_did_web_issuer_and_an_rsa_key() {
    let tmp = tempfile::tempdir().expect("tmp");
    let key_issuer = issuer(&tmp.path().join("k"), IdentityKind::DidKey).await;
    let err = key_issuer
        .issue_as(&request(None), RS256, Utc::now(), &actor())
        .await
        .err()
        .map(|e| e.code());
    assert_eq!(err, Some("invalid_input"));

    // An issuer created before RSA keys existed: no rsa_key in its config and no key file.
    let dir = tmp.path().join("w");
    let web = issuer(&dir, IdentityKind::DidWeb("w.example".into())).await;
    drop(web);
    let config_path = dir.join("cairn.toml");
    let text = std::fs::read_to_string(&config_path).expect("read");
    std::fs::write(&config_path, text.replace("rsa_key = \"rsa-1\"\n", "")).expect("write");
    std::fs::remove_file(dir.join("keys/rsa-1.rsa.pem")).expect("rm");
    let mut old = Issuer::open(&config_path).await.expect("open");
    let no_key = old
        .issue_as(&request(None), RS256, Utc::now(), &actor())
        .await
        .err()
        .map(|e| e.to_string());
    assert!(no_key.is_some_and(|m| m.contains("key add --type rsa")));
    // `key add --type rsa` gives it a new key (rsa-1's id stays taken by the old row).
    let vm = old.add_rsa_key(&actor()).await.expect("add");
    assert_eq!(vm, "did:web:w.example#rsa-2");
    let reopened = Issuer::open(&config_path).await.expect("reopen");
    let issued = reopened
        .issue_as(&request(None), RS256, Utc::now(), &actor())
        .await
        .expect("issue");
    let Issued::Jwt { jws, .. } = issued else {
        panic!("not a JWT")
    };
    assert_eq!(part(&jws, 0)["kid"], "did:web:w.example#rsa-2");
    assert_eq!(
        verify(&jws, &resolver_for(&reopened).await).await.verdict,
        Verdict::Valid
    );
}

#[tokio::test]
async fn key_add_gives_an_issuer_its_rsa_key_once() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("w");
    let web = issuer(&dir, IdentityKind::DidWeb("w.example".into())).await;
    let mut web = web;
    assert_eq!(
        web.add_rsa_key(&actor()).await.err().map(|e| e.code()),
        Some("key_exists")
    );
    let doc = web.did_document().await.expect("doc");
    let methods = doc["verificationMethod"].as_array().expect("methods");
    assert!(methods
        .iter()
        .any(|m| m["type"] == "JsonWebKey" && m["publicKeyJwk"]["kty"] == "RSA"));
    assert!(methods.iter().all(|m| m["publicKeyJwk"].get("d").is_none()));
    let jwks = web.jwks().await.expect("jwks");
    assert_eq!(jwks["keys"].as_array().map(Vec::len), Some(2));
}

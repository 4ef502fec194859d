//! Wallet hand-off end to end through the service's router, driven by a test wallet written
//! here (holder did:key, OpenID4VCI key proofs, signed presentations): the OpenID4VCI 1.0
//! pre-authorized flow in both formats and in the draft-13 shape, the VC-API exchange with both
//! presentation suites, and every refusal the issue names.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::Engine;
use cairn_issuer::{Actor, IdentityKind, InitOptions, IssueRequest, Issuer, Scope};
use cairn_verifier::{Canonicalizer, FastCanonicalizer, OfflineResolver, Verdict, VerifyOptions};
use chrono::{Duration, Utc};
use ed25519_dalek::Signer;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

mod common;

const BASE: &str = "https://credentials.wallet.example";

struct App {
    router: axum::Router,
    issuer: Arc<Issuer>,
    issue_token: String,
    read_token: String,
    credential_id: String,
    _dir: tempfile::TempDir,
}

async fn app() -> App {
    app_on(None).await
}

/// The service on the embedded SQLite database, or on `database_url`.
async fn app_on(database_url: Option<String>) -> App {
    let dir = tempfile::tempdir().expect("tmp");
    let actor = Actor("test".into());
    let issuer = Issuer::init(
        &dir.path().join("i"),
        InitOptions {
            name: "Wallet District".into(),
            url: Some(BASE.into()),
            identity: IdentityKind::DidKey,
            key: None,
            database_url,
        },
        &actor,
    )
    .await
    .expect("init");
    let definition = cairn_issuer::AchievementDefinition::from_value(json!({
        "slug": "discourse", "name": "Facilitating Classroom Discourse",
        "description": "d", "criteria": {"narrative": "c"}
    }))
    .expect("definition");
    issuer
        .add_achievement(&definition, &actor)
        .await
        .expect("achievement");
    let credential = issuer
        .issue(
            &IssueRequest {
                achievement: "discourse".into(),
                recipient_email: "teacher@wallet.example".into(),
                recipient_name: Some("Ada Teacher".into()),
                ..IssueRequest::default()
            },
            Utc::now(),
            &actor,
        )
        .await
        .expect("issue");
    let (_, issue_token) = issuer
        .create_token("front desk", &[Scope::Issue], &actor)
        .await
        .expect("token");
    let (_, read_token) = issuer
        .create_token("HR", &[Scope::Read], &actor)
        .await
        .expect("token");
    let issuer = Arc::new(issuer);
    App {
        router: cairn_issuer_http::router(issuer.clone()),
        issuer,
        issue_token,
        read_token,
        credential_id: credential["id"].as_str().unwrap().to_owned(),
        _dir: dir,
    }
}

/// One request: (status, headers, body as JSON or as a string).
async fn send(
    app: &App,
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
    body: Option<String>,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req
        .body(body.map_or_else(Body::empty, Body::from))
        .expect("request");
    let res = app.router.clone().oneshot(req).await.expect("response");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    let value = serde_json::from_slice(&bytes)
        .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, headers, value)
}

async fn post_json(
    app: &App,
    uri: &str,
    bearer: Option<&str>,
    body: &Value,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let auth = bearer.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", "application/json")];
    if let Some(a) = &auth {
        headers.push(("authorization", a.as_str()));
    }
    send(app, "POST", uri, &headers, Some(body.to_string())).await
}

async fn post_form(app: &App, uri: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let (status, headers, value) = send(
        app,
        "POST",
        uri,
        &[("content-type", "application/x-www-form-urlencoded")],
        Some(body),
    )
    .await;
    if status == StatusCode::OK || status == StatusCode::BAD_REQUEST {
        assert_eq!(headers[header::CACHE_CONTROL], "no-store", "{uri}");
    }
    (status, value)
}

/// The admin API opens a claim session.
async fn open_claim(app: &App, tx_code: bool) -> Value {
    let (status, _, offer) = post_json(
        app,
        "/api/v1/claims",
        Some(&app.issue_token),
        &json!({"credentialId": app.credential_id, "txCode": tx_code}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{offer}");
    offer
}

/// The path of a URL under BASE.
fn path_of(url: &str) -> String {
    url.strip_prefix(BASE).expect("under the issuer").to_owned()
}

/// What the wallet reads from the offer link: the offer document, fetched by reference.
async fn fetch_offer(app: &App, claim: &Value) -> Value {
    let link = url::Url::parse(claim["oid4vciLink"].as_str().unwrap()).unwrap();
    assert_eq!(link.scheme(), "openid-credential-offer");
    let uri = link
        .query_pairs()
        .find(|(k, _)| k == "credential_offer_uri")
        .map(|(_, v)| v.into_owned())
        .expect("by reference");
    let (status, headers, offer) = send(app, "GET", &path_of(&uri), &[], None).await;
    assert_eq!(status, StatusCode::OK, "{offer}");
    assert_eq!(headers[header::CONTENT_TYPE], "application/json");
    offer
}

fn pre_authorized_code(offer: &Value) -> String {
    offer["grants"][cairn_issuer::PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The token endpoint: (status, answer).
async fn redeem(app: &App, code: &str, tx_code: Option<&str>) -> (StatusCode, Value) {
    let mut form = vec![
        ("grant_type", cairn_issuer::PRE_AUTHORIZED_GRANT),
        ("pre-authorized_code", code),
    ];
    if let Some(t) = tx_code {
        form.push(("tx_code", t));
    }
    post_form(app, "/oid4vci/token", &form).await
}

async fn fresh_nonce(app: &App) -> String {
    let (status, headers, body) = send(app, "POST", "/oid4vci/nonce", &[], None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    body["c_nonce"].as_str().unwrap().to_owned()
}

/// A holder's key, as the test wallet keeps it.
enum HolderKey {
    Ed25519(ed25519_dalek::SigningKey),
    P256(p256::ecdsa::SigningKey),
}

impl HolderKey {
    fn ed25519(seed: u8) -> Self {
        HolderKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&[seed; 32]))
    }

    fn did_key(&self) -> String {
        match self {
            HolderKey::Ed25519(k) => format!(
                "did:key:{}",
                cairn_verifier::encode_multikey(&k.verifying_key())
            ),
            HolderKey::P256(_) => unreachable!("the P-256 holder sends a jwk"),
        }
    }

    fn sign(&self, input: &[u8]) -> Vec<u8> {
        match self {
            HolderKey::Ed25519(k) => k.sign(input).to_bytes().to_vec(),
            HolderKey::P256(k) => {
                use p256::ecdsa::signature::Signer as _;
                let sig: p256::ecdsa::Signature = k.sign(input);
                sig.to_bytes().to_vec()
            }
        }
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// An OpenID4VCI key proof (Appendix F.1) with `header` and `payload` as given, signed by `key`.
fn proof_jwt(key: &HolderKey, header: &Value, payload: &Value) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(payload.to_string().as_bytes())
    );
    let sig = key.sign(input.as_bytes());
    format!("{input}.{}", b64(&sig))
}

/// The usual proof: kid = the holder's did:key URL, aud = the issuer, iat now, the nonce.
fn key_proof(key: &HolderKey, nonce: &str) -> String {
    let did = key.did_key();
    let fragment = did.strip_prefix("did:key:").unwrap();
    proof_jwt(
        key,
        &json!({"alg": "EdDSA", "typ": "openid4vci-proof+jwt", "kid": format!("{did}#{fragment}")}),
        &json!({"aud": BASE, "iat": Utc::now().timestamp(), "nonce": nonce}),
    )
}

/// The documents a verifier fetches for a credential: its status lists, from the service.
async fn status_documents(app: &App, credential: &Value) -> OfflineResolver {
    let mut resolver = OfflineResolver::new();
    let entries = match &credential["credentialStatus"] {
        Value::Array(a) => a.clone(),
        Value::Null => Vec::new(),
        v => vec![v.clone()],
    };
    for entry in entries {
        let url = entry["statusListCredential"].as_str().unwrap();
        let (status, _, list) = send(app, "GET", &path_of(url), &[], None).await;
        assert_eq!(status, StatusCode::OK);
        resolver.insert(url, list.to_string());
    }
    resolver
}

/// Verifies what the wallet received (a credential or a compact JWS) as `cairn-verify` does.
async fn verify_received(app: &App, received: &Value) -> (Verdict, Value) {
    let (bytes, document) = match received {
        Value::String(jws) => {
            let payload = jws.split('.').nth(1).unwrap();
            let claims: Value = serde_json::from_slice(
                &base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(payload)
                    .unwrap(),
            )
            .unwrap();
            let vc = claims.get("vc").cloned().unwrap_or(claims);
            (jws.as_bytes().to_vec(), vc)
        }
        doc => (doc.to_string().into_bytes(), doc.clone()),
    };
    let resolver = status_documents(app, &document).await;
    let report = cairn_verifier::verify(&bytes, &VerifyOptions::new(Utc::now()), &resolver)
        .await
        .expect("readable");
    (report.verdict, document)
}

#[tokio::test]
async fn metadata_describes_both_formats_and_the_pre_authorized_grant() {
    let app = app().await;
    for path in [
        "/.well-known/openid-credential-issuer",
        "/.well-known/openid-credential-issuer/tenant",
    ] {
        let (status, _, meta) = send(&app, "GET", path, &[], None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(meta["credential_issuer"], BASE);
        assert_eq!(
            meta["credential_endpoint"],
            format!("{BASE}/oid4vci/credential")
        );
        assert_eq!(meta["nonce_endpoint"], format!("{BASE}/oid4vci/nonce"));
        let configs = &meta["credential_configurations_supported"];
        assert_eq!(configs[cairn_issuer::CONFIG_LDP_VC]["format"], "ldp_vc");
        assert_eq!(
            configs[cairn_issuer::CONFIG_JWT_VC]["format"],
            "jwt_vc_json"
        );
        assert_eq!(
            configs[cairn_issuer::CONFIG_LDP_VC]["credential_signing_alg_values_supported"],
            json!(["eddsa-rdfc-2022"])
        );
    }
    for path in [
        "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration",
    ] {
        let (status, _, meta) = send(&app, "GET", path, &[], None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(meta["token_endpoint"], format!("{BASE}/oid4vci/token"));
        assert_eq!(
            meta["pre-authorized_grant_anonymous_access_supported"],
            true
        );
    }
}

/// The full pre-authorized flow for one configuration; answers what the wallet received.
async fn oid4vci_flow(app: &App, holder: &HolderKey, configuration: &str) -> Value {
    let claim = open_claim(app, false).await;
    assert!(claim["oid4vciQrSvg"].as_str().unwrap().contains("<svg"));
    let offer = fetch_offer(app, &claim).await;
    assert_eq!(offer["credential_issuer"], BASE);
    let (status, token) = redeem(app, &pre_authorized_code(&offer), None).await;
    assert_eq!(status, StatusCode::OK, "{token}");
    assert_eq!(token["token_type"], "Bearer");
    let access = token["access_token"].as_str().unwrap().to_owned();
    let nonce = fresh_nonce(app).await;
    let (status, _, answer) = post_json(
        app,
        "/oid4vci/credential",
        Some(&access),
        &json!({
            "credential_configuration_id": configuration,
            "proofs": {"jwt": [key_proof(holder, &nonce)]},
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert!(answer.get("credential").is_none(), "1.0 shape only");
    let (status, _, _) = post_json(
        app,
        "/oid4vci/notification",
        Some(&access),
        &json!({"notification_id": answer["notification_id"], "event": "credential_accepted"}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, state) = send(
        app,
        "GET",
        &format!("/api/v1/claims/{}", claim["sessionId"].as_str().unwrap()),
        &[("authorization", &format!("Bearer {}", app.read_token))],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(state["state"], "claimed");
    assert_eq!(state["holder"], holder.did_key());
    assert_eq!(state["walletEvent"], "credential_accepted");
    answer["credentials"][0]["credential"].clone()
}

#[tokio::test]
async fn oid4vci_pre_authorized_flow_in_both_formats_binds_the_holder() {
    let app = app().await;
    let holder = HolderKey::ed25519(7);

    let ldp = oid4vci_flow(&app, &holder, cairn_issuer::CONFIG_LDP_VC).await;
    let (verdict, doc) = verify_received(&app, &ldp).await;
    assert_eq!(verdict, Verdict::Valid, "{doc}");
    assert_eq!(doc["credentialSubject"]["id"], holder.did_key());
    assert_ne!(doc["id"], app.credential_id.as_str(), "a new credential id");

    let jwt = oid4vci_flow(&app, &holder, cairn_issuer::CONFIG_JWT_VC).await;
    assert!(jwt.is_string(), "jwt_vc_json is a compact JWS");
    let (verdict, doc) = verify_received(&app, &jwt).await;
    assert_eq!(verdict, Verdict::Valid, "{doc}");
    assert_eq!(doc["credentialSubject"]["id"], holder.did_key());

    // One award: revoking the original revokes every wallet copy (they share its entries).
    app.issuer
        .change_status(
            &app.credential_id,
            cairn_issuer::StatusAction::Revoke,
            None,
            &Actor("test".into()),
        )
        .await
        .expect("revoke");
    assert_eq!(verify_received(&app, &ldp).await.0, Verdict::Invalid);
    assert_eq!(verify_received(&app, &jwt).await.0, Verdict::Invalid);

    // Every step is in the audit log.
    let actions: Vec<String> = app
        .issuer
        .store()
        .audit_log()
        .await
        .expect("audit")
        .into_iter()
        .map(|(_, _, action, _)| action)
        .collect();
    for action in [
        "claim.offer",
        "claim.token",
        "claim.start",
        "claim.complete",
        "claim.notification",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
    // A revoked credential is not offered again.
    let (status, _, problem) = post_json(
        &app,
        "/api/v1/claims",
        Some(&app.issue_token),
        &json!({"credentialId": app.credential_id}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "credential_revoked");
}

/// The same flows on PostgreSQL (the claim queries are shared by both databases).
#[tokio::test]
async fn both_flows_on_postgresql() {
    let Some((url, schema)) = common::postgres_url().await else {
        return;
    };
    let app = app_on(Some(url)).await;
    let holder = HolderKey::ed25519(21);
    let ldp = oid4vci_flow(&app, &holder, cairn_issuer::CONFIG_LDP_VC).await;
    assert_eq!(verify_received(&app, &ldp).await.0, Verdict::Valid);
    let claim = open_claim(&app, true).await;
    let code = pre_authorized_code(&fetch_offer(&app, &claim).await);
    assert_eq!(
        redeem(&app, &code, Some("x")).await.1["error"],
        "invalid_grant"
    );
    let tx = claim["txCode"].as_str().unwrap();
    assert_eq!(redeem(&app, &code, Some(tx)).await.0, StatusCode::OK);
    let path = exchange_path(&open_claim(&app, false).await);
    let (_, _, request) = post_json(&app, &path, None, &json!({})).await;
    let challenge = request["verifiablePresentationRequest"]["challenge"]
        .as_str()
        .unwrap();
    let vp = did_auth(&holder, "eddsa-rdfc-2022", challenge, BASE);
    let (status, _, answer) =
        post_json(&app, &path, None, &json!({"verifiablePresentation": vp})).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    // Suspending a wallet copy suspends the award: the original and every copy.
    let copy = ldp["id"].as_str().unwrap();
    let change = app
        .issuer
        .change_status(
            copy,
            cairn_issuer::StatusAction::Suspend,
            None,
            &Actor("t".into()),
        )
        .await
        .expect("suspend");
    assert_eq!(change.state, cairn_issuer::CredentialState::Suspended);
    assert_eq!(verify_received(&app, &ldp).await.0, Verdict::Invalid);
    let original = app
        .issuer
        .store()
        .credential(&app.credential_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(verify_received(&app, &original).await.0, Verdict::Invalid);
    drop(app);
    common::drop_schema(&schema).await;
}

#[tokio::test]
async fn a_draft_13_request_with_an_es256_jwk_proof_works() {
    let app = app().await;
    let key = p256::ecdsa::SigningKey::from_slice(&[9u8; 32]).unwrap();
    let point = key.verifying_key().to_encoded_point(false);
    let jwk = json!({
        "kty": "EC", "crv": "P-256",
        "x": b64(point.x().unwrap()), "y": b64(point.y().unwrap()),
    });
    let holder = HolderKey::P256(key);
    let claim = open_claim(&app, false).await;
    let offer = fetch_offer(&app, &claim).await;
    let (_, token) = redeem(&app, &pre_authorized_code(&offer), None).await;
    // Draft 13: the first c_nonce comes with the token; the request names a format and one proof.
    let nonce = token["c_nonce"].as_str().unwrap();
    let proof = proof_jwt(
        &holder,
        &json!({"alg": "ES256", "typ": "openid4vci-proof+jwt", "jwk": jwk}),
        &json!({"aud": BASE, "iat": Utc::now().timestamp(), "nonce": nonce}),
    );
    let (status, _, answer) = post_json(
        &app,
        "/oid4vci/credential",
        token["access_token"].as_str(),
        &json!({
            "format": "jwt_vc_json",
            "credential_definition": {"type": ["VerifiableCredential", "OpenBadgeCredential"]},
            "proof": {"proof_type": "jwt", "jwt": proof},
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["format"], "jwt_vc_json");
    assert!(answer["c_nonce"].is_string());
    let (verdict, doc) = verify_received(&app, &answer["credential"]).await;
    assert_eq!(verdict, Verdict::Valid);
    let did = doc["credentialSubject"]["id"].as_str().unwrap();
    let encoded = did.strip_prefix("did:jwk:").expect("did:jwk");
    let decoded: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(encoded)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(decoded, jwk);
}

#[tokio::test]
async fn the_token_endpoint_refuses_replayed_wrong_and_expired_codes() {
    let app = app().await;
    let grant = cairn_issuer::PRE_AUTHORIZED_GRANT;

    // Replayed code.
    let offer = fetch_offer(&app, &open_claim(&app, false).await).await;
    let code = pre_authorized_code(&offer);
    assert_eq!(redeem(&app, &code, None).await.0, StatusCode::OK);
    let (status, err) = redeem(&app, &code, None).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_grant"))
    );
    // The offer is gone once its code was used.
    let uri = offer_uri(&open_claim(&app, false).await);
    let claim_used = open_claim(&app, false).await;
    let used_offer = fetch_offer(&app, &claim_used).await;
    redeem(&app, &pre_authorized_code(&used_offer), None).await;
    let (status, _, _) = send(&app, "GET", &path_of(&offer_uri(&claim_used)), &[], None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = send(&app, "GET", &path_of(&uri), &[], None).await;
    assert_eq!(status, StatusCode::OK, "an unused offer still answers");

    // Unknown code, missing code, wrong grant type.
    assert_eq!(
        redeem(&app, "not-a-code", None).await.1["error"],
        "invalid_grant"
    );
    let (_, err) = post_form(&app, "/oid4vci/token", &[("grant_type", grant)]).await;
    assert_eq!(err["error"], "invalid_request");
    let (_, err) = post_form(
        &app,
        "/oid4vci/token",
        &[("grant_type", "authorization_code"), ("code", "x")],
    )
    .await;
    assert_eq!(err["error"], "unsupported_grant_type");

    // Transaction codes: missing, wrong, sent where none is expected; five wrong close the offer.
    let claim = open_claim(&app, true).await;
    let tx = claim["txCode"].as_str().unwrap().to_owned();
    assert_eq!(tx.len(), 6);
    let offer = fetch_offer(&app, &claim).await;
    assert_eq!(offer["grants"][grant]["tx_code"]["input_mode"], "numeric");
    let code = pre_authorized_code(&offer);
    assert_eq!(
        redeem(&app, &code, None).await.1["error"],
        "invalid_request"
    );
    let wrong = if tx == "000000" { "111111" } else { "000000" };
    assert_eq!(
        redeem(&app, &code, Some(wrong)).await.1["error"],
        "invalid_grant"
    );
    let (status, answer) = redeem(&app, &code, Some(&tx)).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a wrong code leaves the offer usable: {answer}"
    );
    let plain = fetch_offer(&app, &open_claim(&app, false).await).await;
    assert_eq!(
        redeem(&app, &pre_authorized_code(&plain), Some("123456"))
            .await
            .1["error"],
        "invalid_request"
    );
    let claim = open_claim(&app, true).await;
    let tx = claim["txCode"].as_str().unwrap().to_owned();
    let code = pre_authorized_code(&fetch_offer(&app, &claim).await);
    for _ in 0..5 {
        assert_eq!(
            redeem(&app, &code, Some(wrong)).await.1["error"],
            "invalid_grant"
        );
    }
    assert_eq!(
        redeem(&app, &code, Some(&tx)).await.1["error"],
        "invalid_grant",
        "closed"
    );
    assert_eq!(
        app.issuer
            .claim_state(claim["sessionId"].as_str().unwrap(), Utc::now())
            .await
            .unwrap()
            .state,
        "failed"
    );

    // An expired session (ten minutes later).
    let claim = open_claim(&app, false).await;
    let code = pre_authorized_code(&fetch_offer(&app, &claim).await);
    let later = Utc::now() + Duration::minutes(11);
    let form = [
        ("grant_type".to_owned(), grant.to_owned()),
        ("pre-authorized_code".to_owned(), code),
    ]
    .into_iter()
    .collect();
    let err = app.issuer.oid4vci_token(&form, later).await.unwrap_err();
    assert_eq!(err.code(), "invalid_grant");
    assert_eq!(
        app.issuer
            .claim_state(claim["sessionId"].as_str().unwrap(), later)
            .await
            .unwrap()
            .state,
        "expired"
    );
}

fn offer_uri(claim: &Value) -> String {
    claim["credentialOfferUri"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_credential_endpoint_refuses_bad_proofs_tokens_and_nonces() {
    let app = app().await;
    let holder = HolderKey::ed25519(3);
    let offer = fetch_offer(&app, &open_claim(&app, false).await).await;
    let (_, token) = redeem(&app, &pre_authorized_code(&offer), None).await;
    let access = token["access_token"].as_str().unwrap().to_owned();
    let request = |proof: String| {
        json!({
            "credential_configuration_id": cairn_issuer::CONFIG_LDP_VC,
            "proofs": {"jwt": [proof]},
        })
    };
    let did = holder.did_key();
    let kid = format!("{did}#{}", did.strip_prefix("did:key:").unwrap());
    let header = json!({"alg": "EdDSA", "typ": "openid4vci-proof+jwt", "kid": kid});
    let now = Utc::now().timestamp();
    let other = HolderKey::ed25519(4);
    let mut cases: Vec<(&str, Value, &str)> = Vec::new();
    let n = fresh_nonce(&app).await;
    cases.push((
        "another key signed it",
        request(proof_jwt(
            &other,
            &header,
            &json!({"aud": BASE, "iat": now, "nonce": n}),
        )),
        "invalid_proof",
    ));
    let n = fresh_nonce(&app).await;
    cases.push((
        "wrong aud",
        request(proof_jwt(
            &holder,
            &header,
            &json!({"aud": "https://evil.example", "iat": now, "nonce": n}),
        )),
        "invalid_proof",
    ));
    let n = fresh_nonce(&app).await;
    cases.push((
        "stale iat",
        request(proof_jwt(
            &holder,
            &header,
            &json!({"aud": BASE, "iat": now - 3600, "nonce": n}),
        )),
        "invalid_proof",
    ));
    cases.push((
        "no nonce",
        request(proof_jwt(
            &holder,
            &header,
            &json!({"aud": BASE, "iat": now}),
        )),
        "invalid_proof",
    ));
    let n = fresh_nonce(&app).await;
    let mut wrong_typ = header.clone();
    wrong_typ["typ"] = json!("JWT");
    cases.push((
        "wrong typ",
        request(proof_jwt(
            &holder,
            &wrong_typ,
            &json!({"aud": BASE, "iat": now, "nonce": n}),
        )),
        "invalid_proof",
    ));
    let mut none = header.clone();
    none["alg"] = json!("none");
    let n = fresh_nonce(&app).await;
    cases.push((
        "alg none",
        request(proof_jwt(
            &holder,
            &none,
            &json!({"aud": BASE, "iat": now, "nonce": n}),
        )),
        "invalid_proof",
    ));
    let mut hs = header.clone();
    hs["alg"] = json!("HS256");
    let n = fresh_nonce(&app).await;
    cases.push((
        "alg HS256",
        request(proof_jwt(
            &holder,
            &hs,
            &json!({"aud": BASE, "iat": now, "nonce": n}),
        )),
        "invalid_proof",
    ));
    let mut two_keys = header.clone();
    two_keys["jwk"] = json!({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"});
    let n = fresh_nonce(&app).await;
    cases.push((
        "kid and jwk",
        request(proof_jwt(
            &holder,
            &two_keys,
            &json!({"aud": BASE, "iat": now, "nonce": n}),
        )),
        "invalid_proof",
    ));
    cases.push((
        "unknown nonce",
        request(key_proof(&holder, "made-up")),
        "invalid_nonce",
    ));
    let old = app
        .issuer
        .oid4vci_nonce(Utc::now() - Duration::minutes(10))
        .await
        .unwrap();
    cases.push((
        "expired nonce",
        request(key_proof(&holder, &old)),
        "invalid_nonce",
    ));
    let mut forged = fresh_nonce(&app).await.into_bytes();
    forged[2] = if forged[2] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    cases.push((
        "forged nonce",
        request(key_proof(&holder, &forged)),
        "invalid_nonce",
    ));
    cases.push((
        "no proof",
        json!({"credential_configuration_id": cairn_issuer::CONFIG_LDP_VC}),
        "invalid_proof",
    ));
    let n = fresh_nonce(&app).await;
    cases.push((
        "unknown configuration",
        json!({"credential_configuration_id": "Transcript", "proofs": {"jwt": [key_proof(&holder, &n)]}}),
        "unknown_credential_configuration",
    ));
    for (what, body, code) in cases {
        let (status, _, err) = post_json(&app, "/oid4vci/credential", Some(&access), &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}: {err}");
        assert_eq!(err["error"], code, "{what}: {err}");
    }

    // A bad or missing token: 401 with WWW-Authenticate.
    let n = fresh_nonce(&app).await;
    for bearer in [Some("not-a-token"), None] {
        let (status, headers, err) = post_json(
            &app,
            "/oid4vci/credential",
            bearer,
            &request(key_proof(&holder, &n)),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(err["error"], "invalid_token");
        assert!(headers[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .starts_with("Bearer"));
    }

    // A nonce is used once: the first request succeeds, the same nonce again is refused; and the
    // session, now claimed, issues nothing more.
    let n = fresh_nonce(&app).await;
    let (status, _, answer) = post_json(
        &app,
        "/oid4vci/credential",
        Some(&access),
        &request(key_proof(&holder, &n)),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "refusals left the session usable: {answer}"
    );
    let (_, _, err) = post_json(
        &app,
        "/oid4vci/credential",
        Some(&access),
        &request(key_proof(&holder, &n)),
    )
    .await;
    assert_eq!(err["error"], "invalid_nonce");
    let n = fresh_nonce(&app).await;
    let (_, _, err) = post_json(
        &app,
        "/oid4vci/credential",
        Some(&access),
        &request(key_proof(&holder, &n)),
    )
    .await;
    assert_eq!(err["error"], "credential_request_denied");

    // Notifications: another session's id, an unknown event.
    let (_, _, err) = post_json(
        &app,
        "/oid4vci/notification",
        Some(&access),
        &json!({"notification_id": "nope", "event": "credential_accepted"}),
    )
    .await;
    assert_eq!(err["error"], "invalid_notification_id");
    let (_, _, err) = post_json(
        &app,
        "/oid4vci/notification",
        Some(&access),
        &json!({"notification_id": answer["notification_id"], "event": "liked"}),
    )
    .await;
    assert_eq!(err["error"], "invalid_notification_request");
}

/// The exchange URL's path, from the Learner Credential Wallet link.
fn exchange_path(claim: &Value) -> String {
    let link = url::Url::parse(claim["lcwLink"].as_str().unwrap()).unwrap();
    assert_eq!(
        (link.host_str(), link.path()),
        (Some("lcw.app"), "/request.html")
    );
    let request: Value = serde_json::from_str(
        &link
            .query_pairs()
            .find(|(k, _)| k == "request")
            .map(|(_, v)| v.into_owned())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(request["credentialRequestOrigin"], BASE);
    path_of(request["protocols"]["vcapi"].as_str().unwrap())
}

/// A DIDAuthentication presentation by `holder`, signed with `suite` for `challenge`/`domain`.
fn did_auth(holder: &HolderKey, suite: &str, challenge: &str, domain: &str) -> Value {
    let HolderKey::Ed25519(key) = holder else {
        unreachable!()
    };
    let did = holder.did_key();
    let vm = format!("{did}#{}", did.strip_prefix("did:key:").unwrap());
    let created = cairn_issuer::rfc3339(Utc::now());
    let canon = FastCanonicalizer::shared();
    match suite {
        "eddsa-rdfc-2022" => {
            let vp = json!({
                "@context": [cairn_verifier::VC_V2],
                "type": ["VerifiablePresentation"],
                "holder": did,
            });
            let pending = cairn_verifier::PendingProof::for_presentation(
                canon.as_ref(),
                &vp,
                &vm,
                &created,
                challenge,
                Some(domain),
            )
            .unwrap();
            let signature = key.sign(pending.signing_input()).to_bytes();
            pending.finish(&signature)
        }
        _ => {
            // Ed25519Signature2020 (as the Learner Credential Wallet signs, VC 1.1 context).
            let vp = json!({
                "@context": [cairn_verifier::VC_V1, "https://w3id.org/security/suites/ed25519-2020/v1"],
                "type": ["VerifiablePresentation"],
                "holder": did,
            });
            let config = json!({
                "@context": vp["@context"],
                "type": "Ed25519Signature2020",
                "created": created,
                "verificationMethod": vm,
                "proofPurpose": "authentication",
                "challenge": challenge,
                "domain": domain,
            });
            let mut data = Sha256::digest(canon.canonicalize(&config).unwrap().as_bytes()).to_vec();
            data.extend(Sha256::digest(canon.canonicalize(&vp).unwrap().as_bytes()));
            let mut proof = config;
            proof.as_object_mut().unwrap().remove("@context");
            proof["proofValue"] = json!(cairn_verifier::encode_proof_value(
                &key.sign(&data).to_bytes()
            ));
            let mut signed = vp;
            signed["proof"] = proof;
            signed
        }
    }
}

#[tokio::test]
async fn vc_api_exchange_with_both_presentation_suites() {
    let app = app().await;
    for (seed, suite) in [(11u8, "Ed25519Signature2020"), (12, "eddsa-rdfc-2022")] {
        let holder = HolderKey::ed25519(seed);
        let path = exchange_path(&open_claim(&app, false).await);
        let (status, _, request) = post_json(&app, &path, None, &json!({})).await;
        assert_eq!(status, StatusCode::OK, "{request}");
        let vpr = &request["verifiablePresentationRequest"];
        assert_eq!(vpr["query"][0]["type"], "DIDAuthentication");
        assert_eq!(vpr["domain"], BASE);
        assert_eq!(
            path_of(
                vpr["interact"]["service"][0]["serviceEndpoint"]
                    .as_str()
                    .unwrap()
            ),
            path
        );
        let challenge = vpr["challenge"].as_str().unwrap();

        // Refused, the exchange staying open: a wrong challenge, a wrong domain, a tampered
        // presentation, no proof.
        let wrong_challenge = did_auth(&holder, suite, "another", BASE);
        let wrong_domain = did_auth(&holder, suite, challenge, "https://evil.example");
        let mut tampered = did_auth(&holder, suite, challenge, BASE);
        tampered["holder"] = json!(HolderKey::ed25519(99).did_key());
        let mut unsigned = did_auth(&holder, suite, challenge, BASE);
        unsigned.as_object_mut().unwrap().remove("proof");
        let mut carrying = did_auth(&holder, suite, challenge, BASE);
        carrying["verifiableCredential"] = json!([{"type": ["VerifiableCredential"]}]);
        for (what, vp) in [
            ("carries credentials", carrying),
            ("wrong challenge", wrong_challenge),
            ("wrong domain", wrong_domain),
            ("tampered", tampered),
            ("unsigned", unsigned),
        ] {
            let (status, _, problem) =
                post_json(&app, &path, None, &json!({"verifiablePresentation": vp})).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{suite} {what}: {problem}");
            assert_eq!(problem["code"], "invalid_presentation", "{suite} {what}");
        }

        let vp = did_auth(&holder, suite, challenge, BASE);
        let (status, _, answer) =
            post_json(&app, &path, None, &json!({"verifiablePresentation": vp})).await;
        assert_eq!(status, StatusCode::OK, "{suite}: {answer}");
        let credential = &answer["verifiablePresentation"]["verifiableCredential"][0];
        let (verdict, doc) = verify_received(&app, credential).await;
        assert_eq!(verdict, Verdict::Valid, "{suite}");
        assert_eq!(doc["credentialSubject"]["id"], holder.did_key());

        // Claimed once.
        let (status, _, problem) = post_json(&app, &path, None, &json!({})).await;
        assert_eq!(status, StatusCode::GONE);
        assert_eq!(problem["code"], "exchange_complete");
    }
    let (status, _, problem) = post_json(&app, "/exchanges/unknown", None, &json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(problem["code"], "exchange_not_found");

    // An expired exchange (eleven minutes later).
    let path = exchange_path(&open_claim(&app, false).await);
    let id = path.rsplit('/').next().unwrap();
    let err = app
        .issuer
        .vc_api_exchange(id, &json!({}), Utc::now() + Duration::minutes(11))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "exchange_expired");
}

#[tokio::test]
async fn claims_need_the_issue_scope_and_an_https_issuer() {
    let app = app().await;
    let (status, _, _) = post_json(
        &app,
        "/api/v1/claims",
        Some(&app.read_token),
        &json!({"credentialId": app.credential_id}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, problem) = post_json(
        &app,
        "/api/v1/claims",
        Some(&app.issue_token),
        &json!({"credentialId": "urn:uuid:unknown"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");

    // An issuer without an https address offers nothing.
    let dir = tempfile::tempdir().unwrap();
    let plain = Issuer::init(
        &dir.path().join("p"),
        InitOptions {
            name: "Plain".into(),
            url: Some("http://credentials.plain.example".into()),
            identity: IdentityKind::DidKey,
            key: None,
            database_url: None,
        },
        &Actor("test".into()),
    )
    .await
    .unwrap();
    let err = plain
        .create_claim(&app.credential_id, false, Utc::now(), &Actor("t".into()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "wallet_unavailable");
    assert_eq!(
        plain.credential_issuer_metadata().unwrap_err().code(),
        "wallet_unavailable"
    );
}

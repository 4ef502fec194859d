//! The issuer service through its router (no socket): auth and scopes, problem details,
//! achievements, issuing with Idempotency-Key, identity documents with caching; and one real
//! socket run of `cairn serve` with graceful shutdown.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use cairn_issuer::{Actor, IdentityKind, InitOptions, Issuer, Scope};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

struct App {
    router: axum::Router,
    issuer: Arc<Issuer>,
    admin: String,
    issue: String,
    read: String,
    sign: String,
    _dir: tempfile::TempDir,
}

async fn app() -> App {
    let dir = tempfile::tempdir().expect("tmp");
    let actor = Actor("test".into());
    let issuer = Issuer::init(
        &dir.path().join("i"),
        InitOptions {
            name: "Service District".into(),
            url: Some("https://credentials.service.example".into()),
            identity: IdentityKind::DidWeb("credentials.service.example".into()),
            key: None,
            database_url: None,
        },
        &actor,
    )
    .await
    .expect("init");
    let (_, admin) = issuer
        .create_token("admin", &[Scope::Admin], &actor)
        .await
        .expect("token");
    let (_, issue) = issuer
        .create_token("LMS", &[Scope::Issue], &actor)
        .await
        .expect("token");
    let (_, read) = issuer
        .create_token("HR", &[Scope::Read], &actor)
        .await
        .expect("token");
    let (_, sign) = issuer
        .create_token("conformance", &[Scope::Sign], &actor)
        .await
        .expect("token");
    let issuer = Arc::new(issuer);
    App {
        router: cairn_issuer_http::router(issuer.clone()),
        issuer,
        admin,
        issue,
        read,
        sign,
        _dir: dir,
    }
}

async fn call(
    app: &App,
    method: &str,
    uri: &str,
    token: Option<&str>,
    body: Option<Value>,
    extra: &[(&str, &str)],
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let req = match body {
        Some(b) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .expect("request");
    let res = app.router.clone().oneshot(req).await.expect("response");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    let value = serde_json::from_slice(&bytes)
        .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    (status, headers, value)
}

fn achievement() -> Value {
    json!({"slug": "discourse", "name": "Facilitating Classroom Discourse", "description": "d", "criteria": {"narrative": "c"}})
}

#[tokio::test]
async fn auth_scopes_and_problem_details() {
    let app = app().await;
    let (s, h, body) = call(&app, "GET", "/api/v1/achievements", None, None, &[]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(h[header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(h[header::WWW_AUTHENTICATE], "Bearer");
    assert_eq!(body["code"], "unauthorized");
    let (s, _, body) = call(
        &app,
        "GET",
        "/api/v1/achievements",
        Some("cairn_0000000000000000_forged"),
        None,
        &[],
    )
    .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    let (s, _, body) = call(
        &app,
        "POST",
        "/api/v1/achievements",
        Some(&app.read),
        Some(achievement()),
        &[],
    )
    .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("insufficient_scope"))
    );
    let (s, _, _) = call(
        &app,
        "GET",
        "/api/v1/achievements",
        Some(&app.read),
        None,
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    // RFC 9110 §11.1: the scheme name is case-insensitive; another scheme is not a bearer token.
    for (value, want) in [
        (format!("bearer {}", app.read), StatusCode::OK),
        (format!("BEARER  {}", app.read), StatusCode::OK),
        (format!("Basic {}", app.read), StatusCode::UNAUTHORIZED),
        ("Bearer ".to_owned(), StatusCode::UNAUTHORIZED),
    ] {
        let (s, _, _) = call(
            &app,
            "GET",
            "/api/v1/achievements",
            None,
            None,
            &[("authorization", value.as_str())],
        )
        .await;
        assert_eq!(s, want, "{value}");
    }
    // Content types are matched exactly, parameters aside: application/jsonx is not JSON.
    for (content_type, want) in [
        ("application/jsonx", StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("text/json+json", StatusCode::UNSUPPORTED_MEDIA_TYPE),
        (
            "Application/JSON; charset=utf-8",
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        ("application/ld+json", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let req = Request::builder()
            .method("POST")
            .uri("/api/v1/credentials")
            .header(header::AUTHORIZATION, format!("Bearer {}", app.issue))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from("{}"))
            .expect("request");
        let res = app.router.clone().oneshot(req).await.expect("response");
        assert_eq!(res.status(), want, "{content_type}");
    }

    // A revoked token stops working.
    let tokens = app.issuer.store().tokens().await.expect("tokens");
    let read_id = tokens
        .iter()
        .find(|t| t.name == "HR")
        .expect("HR")
        .id
        .clone();
    app.issuer
        .revoke_token(&read_id, &Actor("test".into()))
        .await
        .expect("revoke");
    let (s, _, _) = call(
        &app,
        "GET",
        "/api/v1/achievements",
        Some(&app.read),
        None,
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    let (s, _, body) = call(&app, "GET", "/no/such/thing", None, None, &[]).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
}

#[tokio::test]
async fn achievements_and_issuing_with_idempotency() {
    let app = app().await;
    let (s, _, body) = call(
        &app,
        "POST",
        "/api/v1/achievements",
        Some(&app.admin),
        Some(achievement()),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let (s, _, body) = call(
        &app,
        "POST",
        "/api/v1/achievements",
        Some(&app.admin),
        Some(achievement()),
        &[],
    )
    .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("achievement_exists"))
    );
    let (s, _, body) = call(
        &app,
        "GET",
        "/api/v1/achievements/discourse",
        Some(&app.admin),
        None,
        &[],
    )
    .await;
    assert_eq!(
        (s, body["slug"].as_str()),
        (StatusCode::OK, Some("discourse"))
    );
    let id = body["achievement"]["id"].clone();
    let mut renamed = achievement();
    renamed["name"] = json!("Facilitating Discourse");
    let (s, _, body) = call(
        &app,
        "PUT",
        "/api/v1/achievements/discourse",
        Some(&app.admin),
        Some(renamed.clone()),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(
        (&body["achievement"]["name"], &body["achievement"]["id"]),
        (&json!("Facilitating Discourse"), &id)
    );
    renamed["slug"] = json!("other");
    let (s, _, body) = call(
        &app,
        "PUT",
        "/api/v1/achievements/discourse",
        Some(&app.admin),
        Some(renamed),
        &[],
    )
    .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_input"))
    );

    let req =
        json!({"achievement": "discourse", "recipientEmail": "t@service.example", "credits": 10});
    let key = [("idempotency-key", "row-17")];
    let (s, h1, first) = call(
        &app,
        "POST",
        "/api/v1/credentials",
        Some(&app.issue),
        Some(req.clone()),
        &key,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    assert!(h1.get("x-request-id").is_some());
    let (s, h2, again) = call(
        &app,
        "POST",
        "/api/v1/credentials",
        Some(&app.issue),
        Some(req.clone()),
        &key,
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(again, first, "a retry returns the first result");
    assert_eq!(h2["idempotent-replayed"], "true");
    let mut other = req.clone();
    other["credits"] = json!(11);
    let (s, _, body) = call(
        &app,
        "POST",
        "/api/v1/credentials",
        Some(&app.issue),
        Some(other),
        &key,
    )
    .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("idempotency_key_reused")
        )
    );

    // Exactly one credential exists for the recipient, and it verifies.
    let (s, _, list) = call(
        &app,
        "GET",
        "/api/v1/credentials?recipient=T@service.example",
        Some(&app.admin),
        None,
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["credentials"].as_array().map(Vec::len), Some(1));
    let id = first["credential"]["id"].as_str().expect("id");
    let (s, _, got) = call(
        &app,
        "GET",
        &format!("/api/v1/credentials/{id}"),
        Some(&app.admin),
        None,
        &[],
    )
    .await;
    assert_eq!(
        (s, &got["credential"]),
        (StatusCode::OK, &first["credential"])
    );

    // A JWT through the API.
    let jwt =
        json!({"achievement": "discourse", "recipientEmail": "j@service.example", "format": "jwt"});
    let (s, _, body) = call(
        &app,
        "POST",
        "/api/v1/credentials",
        Some(&app.issue),
        Some(jwt),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(body["jws"].as_str().map(|t| t.split('.').count()), Some(3));

    // Search by achievement, page by page.
    for i in 0..3 {
        let body =
            json!({"achievement": "discourse", "recipientEmail": format!("p{i}@service.example")});
        call(
            &app,
            "POST",
            "/api/v1/credentials",
            Some(&app.issue),
            Some(body),
            &[],
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut uri = "/api/v1/credentials?achievement=discourse&limit=2".to_owned();
    loop {
        let (s, _, page) = call(&app, "GET", &uri, Some(&app.read), None, &[]).await;
        assert_eq!(s, StatusCode::OK, "{page}");
        seen.extend(
            page["credentials"]
                .as_array()
                .expect("items")
                .iter()
                .map(|c| c["id"].clone()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => {
                uri = format!("/api/v1/credentials?achievement=discourse&limit=2&cursor={c}")
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 5, "{seen:?}");
    let (s, _, body) = call(
        &app,
        "GET",
        "/api/v1/credentials?cursor=bogus",
        Some(&app.read),
        None,
        &[],
    )
    .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_query"))
    );
    let (s, _, body) = call(
        &app,
        "GET",
        "/api/v1/credentials?issued_from=yesterday",
        Some(&app.read),
        None,
        &[],
    )
    .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_query"))
    );

    // An archived achievement is no longer issued.
    let (s, _, _) = call(
        &app,
        "POST",
        "/api/v1/achievements/discourse/archive",
        Some(&app.admin),
        None,
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let late = json!({"achievement": "discourse", "recipientEmail": "late@service.example"});
    let (s, _, body) = call(
        &app,
        "POST",
        "/api/v1/credentials",
        Some(&app.issue),
        Some(late),
        &[],
    )
    .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("achievement_archived"))
    );

    // The audit log names the token that acted.
    let (_, _, log) = call(&app, "GET", "/api/v1/audit", Some(&app.admin), None, &[]).await;
    let entries = log["entries"].as_array().expect("entries");
    let issues: Vec<&Value> = entries
        .iter()
        .filter(|e| e["action"] == "credential.issue")
        .collect();
    assert_eq!(issues.len(), 5);
    assert!(issues
        .iter()
        .all(|e| e["actor"].as_str().is_some_and(|a| a.starts_with("token:"))));
}

#[tokio::test]
async fn bad_requests_are_refused_and_store_nothing() {
    let app = app().await;
    call(
        &app,
        "POST",
        "/api/v1/achievements",
        Some(&app.admin),
        Some(achievement()),
        &[],
    )
    .await;
    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (
            json!({"achievement": "discourse", "recipientEmail": "not-an-email"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        ),
        (
            json!({"achievement": "nope", "recipientEmail": "a@b.example"}),
            StatusCode::NOT_FOUND,
            "achievement_not_found",
        ),
        (
            json!({"achievement": "discourse", "recipientEmail": "a@b.example", "surprise": 1}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            json!({"achievement": "discourse", "recipientEmail": "a@b.example", "format": "pdf"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
        ),
        (json!([1, 2]), StatusCode::BAD_REQUEST, "not_an_object"),
    ];
    for (body, status, code) in cases {
        let (s, h, res) = call(
            &app,
            "POST",
            "/api/v1/credentials",
            Some(&app.issue),
            Some(body.clone()),
            &[],
        )
        .await;
        assert_eq!((s, res["code"].as_str()), (status, Some(code)), "{body}");
        assert_eq!(h[header::CONTENT_TYPE], "application/problem+json");
    }
    // Not JSON, wrong media type, too deep, too large.
    let raw = |body: Vec<u8>, ct: &'static str| {
        Request::builder()
            .method("POST")
            .uri("/api/v1/credentials")
            .header(header::AUTHORIZATION, format!("Bearer {}", app.issue))
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .expect("request")
    };
    let deep = format!("{}{}", "[".repeat(100), "]".repeat(100)).into_bytes();
    for (body, ct, status) in [
        (
            b"{oops".to_vec(),
            "application/json",
            StatusCode::BAD_REQUEST,
        ),
        (
            b"{}".to_vec(),
            "text/plain",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (deep, "application/json", StatusCode::BAD_REQUEST),
        (
            vec![b' '; 2 * 1024 * 1024],
            "application/json",
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ] {
        let res = app
            .router
            .clone()
            .oneshot(raw(body, ct))
            .await
            .expect("response");
        assert_eq!(res.status(), status);
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
    }
    // The framework's refusals are problem details too: unknown path, wrong method.
    for (method, uri, status, code) in [
        ("GET", "/nowhere", StatusCode::NOT_FOUND, "not_found"),
        (
            "DELETE",
            "/api/v1/credentials",
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            "GET",
            "/assets/nothing.css",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ] {
        let (s, h, res) = call(&app, method, uri, Some(&app.issue), None, &[]).await;
        assert_eq!(
            (s, res["code"].as_str()),
            (status, Some(code)),
            "{method} {uri}"
        );
        assert_eq!(h[header::CONTENT_TYPE], "application/problem+json");
        assert_eq!(res["title"], status.canonical_reason().expect("reason"));
    }
    let ids = app
        .issuer
        .store()
        .credentials_for_recipient(&cairn_issuer::recipient_lookup("a@b.example"))
        .await
        .expect("search");
    assert!(ids.is_empty(), "a refused request stored a credential");
}

#[tokio::test]
async fn identity_documents_are_cacheable() {
    let app = app().await;
    let (s, h, doc) = call(&app, "GET", "/.well-known/did.json", None, None, &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(doc["id"], "did:web:credentials.service.example");
    assert_eq!(h[header::CACHE_CONTROL], "public, max-age=300");
    let etag = h[header::ETAG].to_str().expect("etag").to_owned();
    let (s, _, _) = call(
        &app,
        "GET",
        "/.well-known/did.json",
        None,
        None,
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(s, StatusCode::NOT_MODIFIED);
    let (s, h, jwks) = call(&app, "GET", "/.well-known/jwks.json", None, None, &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(h.get(header::ETAG).is_some());
    assert_eq!(jwks["keys"].as_array().map(Vec::len), Some(2));
    let (s, _, body) = call(&app, "GET", "/readyz", None, None, &[]).await;
    assert_eq!((s, body.as_str()), (StatusCode::OK, Some("ready")));
    let (s, h, text) = call(&app, "GET", "/metrics", None, None, &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(h[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = text.as_str().expect("text");
    assert!(text.contains(r#"cairn_http_requests_total{method="GET",route="/.well-known/did.json",status="304"} 1"#), "{text}");
    assert!(
        text.contains(r#"route="/readyz",status="200"} 1"#),
        "{text}"
    );
}

#[test]
fn serve_answers_on_a_real_socket_and_stops_gracefully() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = tempfile::tempdir().expect("tmp");
    let issuer_dir = dir.path().join("i");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args([
            "init",
            issuer_dir.to_str().expect("utf8"),
            "--name",
            "Socket District",
        ])
        .output()
        .expect("init");
    assert!(out.status.success());
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args([
            "serve",
            "--config",
            issuer_dir.join("cairn.toml").to_str().expect("utf8"),
            "--bind",
            "127.0.0.1:0",
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("serve");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines
            .next()
            .expect("server printed its address")
            .expect("line");
        if let Some(rest) = line.strip_prefix("cairn serve: listening on http://") {
            break rest.trim().to_owned();
        }
    };
    let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("ok"), "{response}");
    // SIGTERM: the server stops by itself, cleanly.
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = child.wait().expect("wait");
    assert!(exit.success(), "{exit:?}");
}

#[tokio::test]
async fn vc_api_issue_signs_our_credentials_and_refuses_others() {
    let app = app().await;
    let issuer_id = app.issuer.id().to_owned();
    let credential = |issuer: Value| {
        json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
            "id": "urn:uuid:5f3d8c1e-0000-4000-8000-000000000001",
            "type": ["VerifiableCredential", "ExampleAlumniCredential"],
            "issuer": issuer,
            "validFrom": "2026-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:abc", "alumniOf": "The School of Examples"}
        })
    };
    let (s, _, body) = call(
        &app,
        "POST",
        "/credentials/issue",
        None,
        Some(json!({"credential": credential(json!(issuer_id))})),
        &[],
    )
    .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );

    // The issue scope signs only badges of this issuer's own achievements; this type needs sign.
    let (s, _, body) = call(
        &app,
        "POST",
        "/credentials/issue",
        Some(&app.issue),
        Some(json!({"credential": credential(json!(issuer_id)), "options": {}})),
        &[],
    )
    .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("insufficient_scope")),
        "{body}"
    );
    let (s, _, body) = call(
        &app,
        "POST",
        "/credentials/issue",
        Some(&app.sign),
        Some(json!({"credential": credential(json!(issuer_id)), "options": {}})),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let vc = &body["verifiableCredential"];
    // A plain VC 2.0 credential carries its one proof as an object (an OpenBadgeCredential, as
    // its JSON Schema says, as an array).
    let proof = &vc["proof"];
    assert!(proof.is_object(), "{vc}");
    assert_eq!(
        (proof["type"].as_str(), proof["cryptosuite"].as_str()),
        (Some("DataIntegrityProof"), Some("eddsa-rdfc-2022"))
    );
    assert_eq!(proof["proofPurpose"], "assertionMethod");
    assert!(proof["proofValue"]
        .as_str()
        .is_some_and(|v| v.starts_with('z')));
    // The signature verifies with the issuer's published Ed25519 key.
    let jwks = app.issuer.jwks().await.expect("jwks");
    let ed = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .find(|k| k["kty"] == "OKP")
        .expect("ed25519");
    use base64::Engine;
    let x = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(ed["x"].as_str().expect("x"))
        .expect("b64");
    let key =
        ed25519_dalek::VerifyingKey::from_bytes(&x.try_into().expect("32 bytes")).expect("key");
    let canon = cairn_verifier::GeneralCanonicalizer::default();
    cairn_verifier::verify_signature_only(&canon, vc, &key).expect("signature");
    // An issuer given as an object without id is filled in.
    let (s, _, body) = call(
        &app,
        "POST",
        "/credentials/issue",
        Some(&app.sign),
        Some(json!({"credential": credential(json!({"name": "Us"}))})),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        body["verifiableCredential"]["issuer"]["id"],
        issuer_id.as_str()
    );
    // VC 1.1 input without the Data Integrity context (what the W3C Data Integrity issuer tests
    // send): the context the proof needs is added before signing, and the result verifies.
    let mut v1 = credential(json!(issuer_id));
    v1["@context"] = json!([
        "https://www.w3.org/2018/credentials/v1",
        "https://www.w3.org/ns/credentials/examples/v2"
    ]);
    let v1 = v1.as_object_mut().expect("object");
    v1.remove("validFrom");
    v1.insert("issuanceDate".into(), json!("2026-01-01T00:00:00Z"));
    let issue = |credential: Value| {
        call(
            &app,
            "POST",
            "/credentials/issue",
            Some(&app.sign),
            Some(json!({ "credential": credential })),
            &[],
        )
    };
    let (s, _, body) = issue(Value::Object(v1.clone())).await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let signed = &body["verifiableCredential"];
    assert_eq!(
        signed["@context"][2],
        "https://w3id.org/security/data-integrity/v2"
    );
    cairn_verifier::verify_signature_only(&canon, signed, &key).expect("VC 1.1 signature");

    // The VC Data Model's MUSTs are refused at issue, each with its own code.
    for (property, value, code) in [
        ("id", json!("not a url"), "id_not_url"),
        (
            "evidence",
            json!([{"id": "https://e.example/1"}]),
            "evidence_type_missing",
        ),
        (
            "credentialStatus",
            json!({"id": "not a url", "type": "X"}),
            "credential_status_id_not_url",
        ),
        (
            "relatedResource",
            json!([{"id": "https://e.example/r"}]),
            "related_resource_invalid",
        ),
    ] {
        let mut bad = credential(json!(issuer_id));
        bad[property] = value;
        let (s, _, body) = issue(bad).await;
        assert_eq!(
            (s, body["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(code)),
            "{body}"
        );
    }

    let mut no_subject = credential(json!(issuer_id));
    no_subject["credentialSubject"] = json!({});
    let mut not_vc = credential(json!(issuer_id));
    not_vc["type"] = json!(["ExampleAlumniCredential"]);
    let mut backwards = credential(json!(issuer_id));
    backwards["validUntil"] = json!("2025-01-01T00:00:00Z");
    let mut undefined = credential(json!(issuer_id));
    undefined["@context"] = json!(["https://www.w3.org/ns/credentials/v2"]);
    let mut wrong_context = credential(json!(issuer_id));
    wrong_context["@context"] = json!(["https://www.w3.org/ns/credentials/examples/v2"]);
    for bad in [
        credential(json!("did:key:z6MkSomeoneElse")),
        credential(json!("fake-issuer")),
        credential(Value::Null),
        no_subject,
        not_vc,
        backwards,
        undefined,
        wrong_context,
    ] {
        let (s, h, body) = issue(bad).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(h[header::CONTENT_TYPE], "application/problem+json");
    }
    let (s, _, _) = call(
        &app,
        "POST",
        "/credentials/issue",
        Some(&app.sign),
        Some(json!({"options": {}})),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn batch_issuing_streams_one_line_per_row() {
    let app = app().await;
    call(
        &app,
        "POST",
        "/api/v1/achievements",
        Some(&app.admin),
        Some(achievement()),
        &[],
    )
    .await;
    let send = |body: &'static str, ct: &'static str| {
        let req = Request::builder()
            .method("POST")
            .uri("/api/v1/credentials/batch")
            .header(header::AUTHORIZATION, format!("Bearer {}", app.issue))
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .expect("request");
        let router = app.router.clone();
        async move {
            let res = router.oneshot(req).await.expect("response");
            let status = res.status();
            let ct = res
                .headers()
                .get(header::CONTENT_TYPE)
                .map(|v| v.to_str().unwrap().to_owned());
            let bytes = res.into_body().collect().await.expect("body").to_bytes();
            let lines: Vec<Value> = String::from_utf8_lossy(&bytes)
                .lines()
                .map(|l| serde_json::from_str(l).unwrap_or(Value::Null))
                .collect();
            (status, ct, lines)
        }
    };
    let csv = "email,achievement,credits,row_key\nb1@service.example,discourse,3,b1\nnope,discourse,3,b2\nb3@service.example,discourse,3,b3\n";
    let (s, ct, lines) = send(csv, "text/csv").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ct.as_deref(), Some("application/x-ndjson"));
    let st: Vec<&str> = lines.iter().filter_map(|l| l["status"].as_str()).collect();
    assert_eq!(st, ["issued", "failed", "issued"]);
    assert_eq!(lines[1]["code"], "invalid_input");
    assert_eq!(
        lines[3]["summary"],
        json!({"issued": 2, "alreadyIssued": 0, "failed": 1})
    );
    // Sent again: nothing is issued twice.
    let (_, _, again) = send(csv, "text/csv").await;
    assert_eq!(
        again[3]["summary"],
        json!({"issued": 0, "alreadyIssued": 2, "failed": 1})
    );
    assert_eq!(again[0]["credentialId"], lines[0]["credentialId"]);

    let rows = r#"[{"achievement": "discourse", "recipientEmail": "j1@service.example"},
                   {"achievement": "discourse", "recipientEmail": "j2@service.example", "rowKey": "j2"},
                   {"achievement": "discourse", "recipientEmail": "j3@service.example", "surprise": true}]"#;
    let (s, _, lines) = send(rows, "application/json").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        lines[3]["summary"],
        json!({"issued": 2, "alreadyIssued": 0, "failed": 1})
    );
    assert!(lines[0]["rowKey"]
        .as_str()
        .is_some_and(|k| k.starts_with("auto:")));
    let (_, _, again) = send(rows, "application/json").await;
    assert_eq!(
        again[3]["summary"],
        json!({"issued": 0, "alreadyIssued": 2, "failed": 1})
    );

    let (s, _, _) = send("x", "text/plain").await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (s, _, _) = send("email,salary\n", "text/csv").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

#[test]
fn serve_over_tls_with_a_self_signed_certificate() {
    use std::io::{BufRead, BufReader};
    let dir = tempfile::tempdir().expect("tmp");
    let issuer_dir = dir.path().join("i");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args([
            "init",
            issuer_dir.to_str().unwrap(),
            "--name",
            "TLS District",
            "--self-signed",
        ])
        .output()
        .expect("init");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cert = issuer_dir.join("tls/cert.pem");
    let key = issuer_dir.join("tls/key.pem");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&key).expect("key").permissions().mode() & 0o777,
        0o600
    );
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args([
            "serve",
            "--config",
            issuer_dir.join("cairn.toml").to_str().unwrap(),
            "--bind",
            "127.0.0.1:0",
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("serve");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let addr = loop {
        let line = lines.next().expect("address").expect("line");
        if let Some(rest) = line.strip_prefix("cairn serve: listening on https://") {
            break rest.trim().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let curl = std::process::Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "10",
            "--cacert",
            cert.to_str().unwrap(),
            &format!("https://{addr}/healthz"),
        ])
        .output()
        .expect("curl");
    assert_eq!(
        String::from_utf8_lossy(&curl.stdout),
        "ok",
        "{}",
        String::from_utf8_lossy(&curl.stderr)
    );
    // An untrusted client is refused by the handshake, not answered.
    let untrusted = std::process::Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "10",
            &format!("https://{addr}/healthz"),
        ])
        .output()
        .expect("curl");
    assert!(!untrusted.status.success());
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(child.wait().expect("wait").success());
}

#[tokio::test]
async fn the_openapi_document_describes_the_routes_the_service_has() {
    let app = app().await;
    let (s, _, doc) = call(&app, "GET", "/api/v1/openapi.json", None, None, &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let paths = doc["paths"].as_object().expect("paths");
    let mut documented = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().expect("item").keys() {
            documented.push(format!("{} {path}", method.to_uppercase()));
            // Every documented operation is routed: the answer is never the fallback's.
            // One path template serves the files (GET) and the page's actions (POST).
            let file = if method == "post" {
                "verify"
            } else {
                "badge.png"
            };
            let uri = path
                .replace("{slug}", "x")
                .replace("{id}", "x")
                .replace("{purpose}", "revocation")
                .replace("{seq}", "1")
                .replace("{key}", "x")
                .replace("{file}", file)
                .replace("{code}", "x");
            let (s, _, body) = call(&app, &method.to_uppercase(), &uri, None, None, &[]).await;
            assert_ne!(s, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            assert_ne!(
                body["detail"], "no such resource",
                "{method} {path} is documented but not routed"
            );
        }
    }
    documented.sort();
    let expected = [
        "GET /",
        "GET /.well-known/did.json",
        "GET /.well-known/jwks.json",
        "GET /.well-known/oauth-authorization-server",
        "GET /.well-known/openid-credential-issuer",
        "GET /achievements/{slug}",
        "GET /achievements/{slug}/image",
        "GET /api/v1/achievements",
        "GET /api/v1/achievements/{slug}",
        "GET /api/v1/audit",
        "GET /api/v1/claims/{id}",
        "GET /api/v1/credentials",
        "GET /api/v1/credentials/{id}",
        "GET /api/v1/payroll",
        "GET /api/v1/preapprovals",
        "GET /api/v1/reports/evidence",
        "GET /api/v1/review-conflicts",
        "GET /api/v1/submissions",
        "GET /api/v1/submissions/{id}",
        "GET /claim/sessions/{id}",
        "GET /credentials/{key}",
        "GET /credentials/{key}/{file}",
        "GET /oid4vci/offers/{id}",
        "GET /readyz",
        "GET /s/{code}",
        "GET /status/{purpose}/{seq}",
        "POST /api/v1/achievements",
        "POST /api/v1/achievements/{slug}/archive",
        "POST /api/v1/claims",
        "POST /api/v1/credentials",
        "POST /api/v1/credentials/batch",
        "POST /api/v1/credentials/reinstate",
        "POST /api/v1/credentials/revoke",
        "POST /api/v1/credentials/suspend",
        "POST /api/v1/preapprovals",
        "POST /api/v1/preapprovals/{id}/decision",
        "POST /api/v1/review-conflicts",
        "POST /api/v1/reviews/{id}",
        "POST /api/v1/submissions",
        "POST /api/v1/submissions/{id}/award",
        "POST /api/v1/submissions/{id}/reviewers",
        "POST /api/v1/submissions/{id}/withdraw",
        "POST /credentials/issue",
        "POST /credentials/{key}/{file}",
        "POST /exchanges/{id}",
        "POST /oid4vci/credential",
        "POST /oid4vci/nonce",
        "POST /oid4vci/notification",
        "POST /oid4vci/token",
        "PUT /api/v1/achievements/{slug}",
    ];
    assert_eq!(documented, expected);
}

/// What a verifier fetches from the service: the DID document and both status lists.
async fn fetched_documents(app: &App, credential: &Value) -> cairn_verifier::OfflineResolver {
    let mut resolver = cairn_verifier::OfflineResolver::new();
    let (_, _, did) = call(app, "GET", "/.well-known/did.json", None, None, &[]).await;
    resolver.insert(
        "https://credentials.service.example/.well-known/did.json",
        did.to_string(),
    );
    for entry in credential["credentialStatus"].as_array().expect("entries") {
        let url = entry["statusListCredential"].as_str().expect("url");
        let path = url
            .strip_prefix("https://credentials.service.example")
            .expect("served here");
        let (s, _, list) = call(app, "GET", path, None, None, &[]).await;
        assert_eq!(s, StatusCode::OK);
        resolver.insert(url, list.to_string());
    }
    resolver
}

async fn verdict(app: &App, credential: &Value) -> (cairn_verifier::Verdict, Vec<String>) {
    let resolver = fetched_documents(app, credential).await;
    let report = cairn_verifier::verify_credential(
        credential.as_object().expect("object"),
        &cairn_verifier::VerifyOptions::new(chrono::Utc::now()),
        &resolver,
    )
    .await;
    let codes = report
        .failed_codes()
        .iter()
        .map(|c| c.to_string())
        .collect();
    (report.verdict, codes)
}

#[tokio::test]
async fn status_lists_are_served_and_changed_through_the_api() {
    let app = app().await;
    let (_, revoke) = app
        .issuer
        .create_token("registrar", &[Scope::Revoke], &Actor("test".into()))
        .await
        .expect("token");
    let (s, _, _) = call(
        &app,
        "POST",
        "/api/v1/achievements",
        Some(&app.admin),
        Some(achievement()),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _, body) = call(
        &app,
        "POST",
        "/api/v1/credentials",
        Some(&app.issue),
        Some(json!({"achievement": "discourse", "recipientEmail": "t@service.example"})),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let credential = body["credential"].clone();
    let entries = credential["credentialStatus"].as_array().expect("entries");
    assert_eq!(entries[0]["type"], "BitstringStatusListEntry");
    assert_eq!(entries[0]["statusPurpose"], "revocation");
    assert_eq!(entries[1]["statusPurpose"], "suspension");
    assert_eq!(
        verdict(&app, &credential).await.0,
        cairn_verifier::Verdict::Valid
    );

    // The list: signed, cacheable for its ttl, 304 while unchanged.
    let (s, h, list) = call(&app, "GET", "/status/revocation/1", None, None, &[]).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h[header::CACHE_CONTROL], "public, max-age=300");
    assert_eq!(
        list["type"],
        json!(["VerifiableCredential", "BitstringStatusListCredential"])
    );
    assert_eq!(list["credentialSubject"]["ttl"], 300_000);
    assert!(list["credentialSubject"]["encodedList"]
        .as_str()
        .is_some_and(|e| e.starts_with('u')));
    let etag = h[header::ETAG].to_str().expect("etag").to_owned();
    let (s, _, _) = call(
        &app,
        "GET",
        "/status/revocation/1",
        None,
        None,
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(s, StatusCode::NOT_MODIFIED);
    for missing in [
        "/status/revocation/2",
        "/status/message/1",
        "/status/revocation/x",
    ] {
        let (s, _, _) = call(&app, "GET", missing, None, None, &[]).await;
        assert!(
            s == StatusCode::NOT_FOUND || s == StatusCode::BAD_REQUEST,
            "{missing}: {s}"
        );
    }

    // Changing status needs the revoke scope.
    let id = credential["id"].as_str().expect("id").to_owned();
    let change = |action: &'static str, token: String, body: Value| {
        let app = &app;
        async move {
            let uri = format!("/api/v1/credentials/{action}");
            let (s, _, r) = call(app, "POST", &uri, Some(&token), Some(body), &[]).await;
            let field = if s == StatusCode::OK {
                "status"
            } else {
                "code"
            };
            (
                s,
                r[field].as_str().unwrap_or_default().to_owned(),
                r["changed"].as_bool(),
            )
        }
    };
    let body = |reason: Option<&str>| json!({"credentialId": id, "reason": reason});
    let forbidden = change("revoke", app.issue.clone(), body(None)).await;
    assert_eq!(forbidden.0, StatusCode::FORBIDDEN);
    assert_eq!(forbidden.1, "insufficient_scope");
    let suspended = change("suspend", revoke.clone(), body(Some("under review"))).await;
    assert_eq!(suspended, (StatusCode::OK, "suspended".into(), Some(true)));
    assert_eq!(verdict(&app, &credential).await.1, ["suspended"]);
    let active = change("reinstate", revoke.clone(), body(None)).await;
    assert_eq!(active, (StatusCode::OK, "active".into(), Some(true)));
    assert_eq!(
        verdict(&app, &credential).await.0,
        cairn_verifier::Verdict::Valid
    );
    let revoked = change("revoke", app.admin.clone(), body(Some("issued in error"))).await;
    assert_eq!(revoked, (StatusCode::OK, "revoked".into(), Some(true)));
    assert_eq!(verdict(&app, &credential).await.1, ["revoked"]);
    // The changed list has a new ETag: the old one no longer answers 304.
    let (s, _, _) = call(
        &app,
        "GET",
        "/status/revocation/1",
        None,
        None,
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let again = change("revoke", revoke.clone(), body(None)).await;
    assert_eq!(again, (StatusCode::OK, "revoked".into(), Some(false)));
    let refused = change("reinstate", revoke.clone(), body(None)).await;
    assert_eq!(
        refused,
        (StatusCode::CONFLICT, "credential_revoked".into(), None)
    );
    let unknown = change(
        "revoke",
        revoke.clone(),
        json!({"credentialId": "urn:uuid:nobody"}),
    )
    .await;
    assert_eq!(
        unknown,
        (StatusCode::NOT_FOUND, "credential_not_found".into(), None)
    );
    let malformed = change("revoke", revoke.clone(), json!({"id": id})).await;
    assert_eq!(
        malformed,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request".into(),
            None
        )
    );
    let (_, _, search) = call(
        &app,
        "GET",
        "/api/v1/credentials",
        Some(&app.read),
        None,
        &[],
    )
    .await;
    assert_eq!(search["credentials"][0]["status"], "revoked");
}

/// GET a path and return the status, the headers and the raw body.
async fn get_raw(app: &App, uri: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let req = Request::builder()
        .uri(uri)
        .body(Body::empty())
        .expect("request");
    let res = app.router.clone().oneshot(req).await.expect("response");
    let (status, headers) = (res.status(), res.headers().clone());
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    (status, headers, bytes.to_vec())
}

/// OB 3.0 §5.3: `/credentials/{key}/badge.png|svg` bake the stored credential (JSON, or its JWS
/// with `?format=jwt`) into the generated badge; what a verifier extracts verifies.
#[tokio::test]
async fn badges_are_baked_with_the_stored_credential() {
    let app = app().await;
    let (s, _, _) = call(
        &app,
        "POST",
        "/api/v1/achievements",
        Some(&app.admin),
        Some(achievement()),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::CREATED);
    let issue = |format: &'static str| json!({"achievement": "discourse", "recipientEmail": "t@service.example", "recipientName": "Edna <b>K</b>", "format": format});
    let (_, _, json_issued) = call(
        &app,
        "POST",
        "/api/v1/credentials",
        Some(&app.issue),
        Some(issue("json")),
        &[],
    )
    .await;
    let (_, _, jwt_issued) = call(
        &app,
        "POST",
        "/api/v1/credentials",
        Some(&app.issue),
        Some(issue("jwt")),
        &[],
    )
    .await;
    let key_of = |body: &Value| {
        body["credential"]["id"]
            .as_str()
            .expect("id")
            .rsplit('/')
            .next()
            .expect("key")
            .to_owned()
    };
    let limits = cairn_verifier::Limits::default();
    // (credential, file, query, content type, what must be baked in)
    let cases = [
        (&json_issued, "badge.png", "", "image/png", "json"),
        (&json_issued, "badge.svg", "", "image/svg+xml", "json"),
        (&jwt_issued, "badge.png", "?format=jwt", "image/png", "jwt"),
        (
            &jwt_issued,
            "badge.svg",
            "?format=jwt",
            "image/svg+xml",
            "jwt",
        ),
    ];
    for (issued, file, query, content_type, form) in cases {
        let credential = &issued["credential"];
        let uri = format!("/credentials/{}/{file}{query}", key_of(issued));
        let (s, h, image) = get_raw(&app, &uri).await;
        assert_eq!(s, StatusCode::OK, "{uri}");
        assert_eq!(h[header::CONTENT_TYPE], content_type);
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        let baked = cairn_verifier::extract(&image, &limits).expect("extract");
        match form {
            "jwt" => assert_eq!(Some(baked.as_str()), issued["jws"].as_str(), "{uri}"),
            _ => assert_eq!(
                serde_json::from_str::<Value>(&baked).expect("json"),
                *credential
            ),
        }
        let resolver = fetched_documents(&app, credential).await;
        let report = cairn_verifier::verify(
            &image,
            &cairn_verifier::VerifyOptions::new(chrono::Utc::now()),
            &resolver,
        )
        .await
        .expect("report");
        assert_eq!(report.verdict, cairn_verifier::Verdict::Valid, "{uri}");
    }
    // The SVG names the achievement (escaping: sharing.rs unit tests).
    let (_, _, svg) = get_raw(
        &app,
        &format!("/credentials/{}/badge.svg", key_of(&json_issued)),
    )
    .await;
    let svg = String::from_utf8(svg).expect("utf8");
    assert!(svg.contains(">Facilitating</text>") && svg.contains(">Classroom Discourse</text>"));
    // So does the PNG (rendered from that SVG): two achievements, two different images.
    let (_, h, png) = get_raw(
        &app,
        &format!("/credentials/{}/badge.png", key_of(&json_issued)),
    )
    .await;
    assert_eq!(
        h[header::CONTENT_DISPOSITION],
        "attachment; filename=\"facilitating-classroom-discourse-badge.png\""
    );
    assert!(png.len() > 10_000, "a drawn badge, not a blank one");
    // Refusals: a JSON-only credential has no JWS; unknown keys and files are 404.
    let key = key_of(&json_issued);
    for (uri, status) in [
        (
            format!("/credentials/{key}/badge.png?format=jwt"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            format!("/credentials/{key}/badge.png?format=xml"),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            format!("/credentials/{key}/badge.gif"),
            StatusCode::NOT_FOUND,
        ),
        (
            "/credentials/no-such-key/badge.png".to_owned(),
            StatusCode::NOT_FOUND,
        ),
        (
            "/credentials/..%2F..%2Fetc/badge.png".to_owned(),
            StatusCode::NOT_FOUND,
        ),
    ] {
        assert_eq!(get_raw(&app, &uri).await.0, status, "{uri}");
    }
}

/// The public page `/credentials/{key}`: HTML by default with the live status, Open Graph tags,
/// escaped credential text, LinkedIn and QR; JSON or JWS by `Accept`; "Verify now" runs the
/// verifier; a revoked credential stays visible with its notice.
#[tokio::test]
async fn the_public_credential_page() {
    let app = app().await;
    let (_, revoke) = app
        .issuer
        .create_token("registrar", &[Scope::Revoke], &Actor("test".into()))
        .await
        .expect("token");
    let hostile = json!({"slug": "x", "name": "<script>alert(1)</script>Discourse", "description": "d \" onmouseover=\"x", "criteria": {"narrative": "first\n\nsecond"}});
    let (s, _, body) = call(
        &app,
        "POST",
        "/api/v1/achievements",
        Some(&app.admin),
        Some(hostile),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let (_, _, issued) = call(&app, "POST", "/api/v1/credentials", Some(&app.issue), Some(json!({"achievement": "x", "recipientEmail": "edna@service.example", "recipientName": "Edna <i>K</i>"})), &[]).await;
    let id = issued["credential"]["id"].as_str().expect("id").to_owned();
    let key = id.rsplit('/').next().expect("key").to_owned();
    let page = format!("/credentials/{key}");
    // A GET of `uri` with this Accept header: (status, headers, body).
    let fetch_with_headers = |uri: String, accept: &'static str| {
        let router = app.router.clone();
        async move {
            let req = Request::builder()
                .uri(uri)
                .header(header::ACCEPT, accept)
                .body(Body::empty())
                .expect("req");
            let res = router.oneshot(req).await.expect("res");
            let (s, h) = (res.status(), res.headers().clone());
            let b = res.into_body().collect().await.expect("body").to_bytes();
            (s, h, String::from_utf8_lossy(&b).into_owned())
        }
    };
    let get = |accept: &'static str| fetch_with_headers(page.clone(), accept);
    // Content negotiation.
    let (s, h, html) = get("text/html,application/xhtml+xml,*/*;q=0.8").await;
    assert_eq!(
        (s, &h[header::CONTENT_TYPE]),
        (
            StatusCode::OK,
            &"text/html; charset=utf-8"
                .parse::<axum::http::HeaderValue>()
                .expect("v")
        )
    );
    assert!(h[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .expect("csp")
        .starts_with("default-src 'none'"));
    assert_eq!(h[header::VARY], "Accept");
    let (s, h, json_text) = get("application/ld+json").await;
    assert_eq!(
        (s, h[header::CONTENT_TYPE].to_str().expect("ct")),
        (StatusCode::OK, "application/ld+json")
    );
    assert_eq!(
        serde_json::from_str::<Value>(&json_text).expect("json"),
        issued["credential"]
    );
    assert_eq!(get("application/json").await.0, StatusCode::OK);
    assert_eq!(get("application/jwt").await.0, StatusCode::NOT_ACCEPTABLE);

    // What the page shows: escaped, never the email, the live status and the share tools.
    assert!(html.contains("data-status=\"valid\""));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;Discourse"));
    // The one script is the page's own copy-button file (CSP script-src 'self').
    assert_eq!(html.matches("<script").count(), 1);
    assert!(html.contains(r#"<script src="/assets/copy.js" defer></script>"#));
    assert!(html.contains(r#"id="li-name""#) && html.contains(r#"data-copy="li-url""#));
    assert!(html.contains(r#"download="script-alert-1-script-discourse-certificate.pdf""#));
    assert!(html.contains("Edna &lt;i&gt;K&lt;/i&gt;"));
    assert!(!html.contains("edna@service.example"));
    assert!(html.contains("<p>first</p><p>second</p>"));
    assert!(html.contains(&format!(r#"<meta property="og:image" content="https://credentials.service.example/credentials/{key}/badge.png">"#)));
    assert!(html.contains(r#"<meta name="twitter:card" content="summary">"#));
    assert!(html.contains("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&amp;name=%3Cscript%3Ealert%281%29%3C%2Fscript%3EDiscourse&amp;organizationName=Service+District"), "{html}");
    let (s, h, qr) = get_raw(&app, &format!("{page}/qr.svg")).await;
    assert_eq!(
        (s, h[header::CONTENT_TYPE].to_str().expect("ct")),
        (StatusCode::OK, "image/svg+xml")
    );
    assert!(String::from_utf8_lossy(&qr).contains("<svg"));
    let (s, _, file) = get_raw(&app, &format!("{page}/credential.json")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        serde_json::from_slice::<Value>(&file).expect("json"),
        issued["credential"]
    );

    // The short link: the same code every time, a redirect to the page, case-insensitive;
    // LinkedIn's certId is the code.
    let short = html
        .split("Short link for emails: <a href=\"https://credentials.service.example/s/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("short link")
        .to_owned();
    assert_eq!(short.len(), 8);
    assert!(html.contains(&format!("certId={}", short.to_ascii_uppercase())));
    let (_, _, again) = get("text/html").await;
    assert!(again.contains(&format!("/s/{short}\"")));
    for code in [short.clone(), short.to_ascii_uppercase()] {
        let (s, h, _) = get_raw(&app, &format!("/s/{code}")).await;
        assert_eq!(s, StatusCode::FOUND);
        assert_eq!(
            h[header::LOCATION],
            format!("https://credentials.service.example{page}").as_str()
        );
    }
    for bad in ["zzzzzzzz", "short", "../../etc"] {
        assert_eq!(
            get_raw(&app, &format!("/s/{bad}")).await.0,
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }

    // Downloads are named after the achievement; the certificate is a PDF.
    let (_, h, _) = get_raw(&app, &format!("{page}/credential.json")).await;
    assert_eq!(
        h[header::CONTENT_DISPOSITION],
        "attachment; filename=\"script-alert-1-script-discourse.json\""
    );
    let (s, h, pdf) = get_raw(&app, &format!("{page}/certificate.pdf")).await;
    assert_eq!(
        (s, &h[header::CONTENT_TYPE]),
        (
            StatusCode::OK,
            &"application/pdf"
                .parse::<axum::http::HeaderValue>()
                .expect("v")
        )
    );
    assert!(pdf.starts_with(b"%PDF-"));

    // Browsers get pages, API clients JSON: refusals, the district's home, achievement ids.
    // (status, content type, body)
    let fetch = |uri: String, accept: &'static str| {
        let answer = fetch_with_headers(uri, accept);
        async move {
            let (s, h, body) = answer.await;
            (
                s,
                h[header::CONTENT_TYPE].to_str().expect("ct").to_owned(),
                body,
            )
        }
    };
    const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    for uri in [
        "/s/zzzzzzzz",
        "/credentials/not-a-credential",
        "/achievements/nope",
        "/nowhere",
    ] {
        let (s, ct, body) = fetch(uri.to_owned(), BROWSER).await;
        assert_eq!(
            (s, ct.as_str()),
            (StatusCode::NOT_FOUND, "text/html; charset=utf-8"),
            "{uri}"
        );
        assert!(
            body.contains("We could not find that page") && body.contains("not_found)</span>"),
            "{body}"
        );
        let (s, ct, _) = fetch(uri.to_owned(), "application/json").await;
        assert_eq!(
            (s, ct.as_str()),
            (StatusCode::NOT_FOUND, "application/problem+json"),
            "{uri}"
        );
        assert_eq!(
            fetch(uri.to_owned(), "*/*").await.1,
            "application/problem+json",
            "{uri}"
        );
    }
    let (s, _, home) = fetch("/".to_owned(), BROWSER).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        home.contains("<h1>Service District</h1>") && home.contains(r#"href="/achievements/x""#),
        "{home}"
    );
    let (_, ct, profile) = fetch("/".to_owned(), "application/json").await;
    assert_eq!(ct, "application/ld+json");
    assert_eq!(
        serde_json::from_str::<Value>(&profile).expect("json")["name"],
        "Service District"
    );
    let (s, _, achievement) = fetch("/achievements/x".to_owned(), BROWSER).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        achievement.contains("&lt;script&gt;alert(1)&lt;/script&gt;Discourse")
            && achievement.contains("<p>first</p><p>second</p>")
    );
    let (_, _, achievement) = fetch("/achievements/x".to_owned(), "application/ld+json").await;
    assert_eq!(
        serde_json::from_str::<Value>(&achievement).expect("json")["criteria"]["narrative"],
        "first\n\nsecond"
    );

    // Verify now: the real verifier against the issuer's own documents; a GET, so reloading
    // the result checks again (the POST of earlier versions still answers).
    let (s, _, verified) = fetch(format!("{page}/verify"), BROWSER).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        verified.contains("data-verdict=\"valid\"") && verified.contains("autofocus"),
        "{verified}"
    );
    let post = Request::builder()
        .method("POST")
        .uri(format!("{page}/verify"))
        .body(Body::empty())
        .expect("req");
    let res = app.router.clone().oneshot(post).await.expect("res");
    let verified = String::from_utf8_lossy(&res.into_body().collect().await.expect("b").to_bytes())
        .into_owned();
    assert!(verified.contains("data-verdict=\"valid\""), "{verified}");

    // Revoked: still visible, with the notice; Verify now says not valid.
    let (s, _, _) = call(
        &app,
        "POST",
        "/api/v1/credentials/revoke",
        Some(&revoke),
        Some(json!({"credentialId": id})),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, html) = get("text/html").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("data-status=\"revoked\"") && html.contains("revoked this credential on "),
        "{html}"
    );
    // No longer offered: no LinkedIn, no wallet, no certificate; the badge greyed (body class).
    assert!(html.contains(r#"<body class="credential revoked">"#));
    assert!(
        !html.contains("linkedin")
            && !html.contains("certificate.pdf")
            && !html.contains("id=\"wallet\"")
    );
    assert_eq!(
        get_raw(&app, &format!("{page}/certificate.pdf")).await.0,
        StatusCode::GONE
    );
    let post = Request::builder()
        .method("POST")
        .uri(format!("{page}/verify"))
        .body(Body::empty())
        .expect("req");
    let res = app.router.clone().oneshot(post).await.expect("res");
    let verified = String::from_utf8_lossy(&res.into_body().collect().await.expect("b").to_bytes())
        .into_owned();
    assert!(verified.contains("data-verdict=\"invalid\""));
    assert_eq!(
        get_raw(&app, "/credentials/not-a-credential").await.0,
        StatusCode::NOT_FOUND
    );
}

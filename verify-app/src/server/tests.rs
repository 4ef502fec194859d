//! The verifier service driven through its router: VC-API status codes, every input format,
//! multipart and baked images, the page, limits, and SSRF through a real fetcher.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code.

use super::*;
use axum::body::Body;
use axum::http::{header, Request};
use cairn_verifier::OfflineResolver;
use http_body_util::BodyExt;
use tower::ServiceExt;

fn vectors() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(vectors().join(rel)).expect("vector")
}

/// The golden vectors' instant, and the documents the status vectors name.
pub(super) fn app() -> Router {
    let mut resolver = OfflineResolver::new();
    let base = "https://credentials.springfield.example/status";
    resolver.insert(
        &format!("{base}/revocation/1"),
        read("docs/status-revocation-set.json"),
    );
    resolver.insert(
        &format!("{base}/suspension/1"),
        read("docs/status-suspension-clear.json"),
    );
    resolver.insert(
        "https://credentials.springfield.example/share/edna",
        read("valid/did-key.json"),
    );
    router(Arc::new(AppState::new(
        VerifyOptions::new(chrono::Utc::now()),
        Arc::new(resolver),
        Some("2026-06-01T12:00:00Z".parse().expect("now")),
    )))
}

async fn call(app: &Router, uri: &str, content_type: &str, body: String) -> (StatusCode, Value) {
    let req = Request::builder()
        .method("POST")
        .uri(uri)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .expect("request");
    let res = app.clone().oneshot(req).await.expect("response");
    let status = res.status();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

fn vc_api(rel: &str) -> String {
    let credential: Value = serde_json::from_str(&read(rel)).expect("json");
    json!({"verifiableCredential": credential, "options": {"checks": ["proof"]}}).to_string()
}

#[tokio::test]
async fn vc_api_status_codes() {
    let app = app();
    // (vector, HTTP status, a problem code that must be reported)
    let cases = [
        ("valid/did-key.json", StatusCode::OK, None),
        (
            "invalid/tampered-credits.json",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("bad_signature"),
        ),
        (
            "invalid/expired.json",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("expired"),
        ),
        (
            "invalid/status-revoked.json",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("revoked"),
        ),
        (
            "indeterminate/did-web-document-unavailable.json",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("key_unresolved"),
        ),
    ];
    for (rel, status, code) in cases {
        if !vectors().join(rel).exists() {
            panic!("missing vector {rel}");
        }
        let (got, body) = call(&app, "/credentials/verify", "application/json", vc_api(rel)).await;
        assert_eq!(got, status, "{rel}: {body}");
        assert_eq!(body["verified"], status == StatusCode::OK, "{rel}");
        if let Some(code) = code {
            let titles: Vec<&str> = body["problemDetails"]
                .as_array()
                .expect("problems")
                .iter()
                .filter_map(|p| p["title"].as_str())
                .collect();
            assert!(titles.contains(&code), "{rel}: {titles:?}");
        }
    }
    // Presentations: unsigned and nothing asked is verified; a challenge asked of an unsigned
    // presentation is not.
    let vp = json!({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
        "verifiableCredential": [serde_json::from_str::<Value>(&read("valid/did-key.json")).expect("json")]});
    let (s, body) = call(
        &app,
        "/presentations/verify",
        "application/json",
        json!({"verifiablePresentation": vp}).to_string(),
    )
    .await;
    assert_eq!(
        (s, body["verified"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{body}"
    );
    let (s, body) = call(
        &app,
        "/presentations/verify",
        "application/json",
        json!({"verifiablePresentation": vp, "options": {"challenge": "c", "domain": "d"}})
            .to_string(),
    )
    .await;
    assert_eq!(
        (s, body["problemDetails"][0]["title"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("no_proof"))
    );
    let (s, _) = call(
        &app,
        "/presentations/verify",
        "application/json",
        "{}".into(),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // A credential sent as JSON text inside a string is not a credential, nor a JWS.
    let as_text = serde_json::to_string(&json!({
        "verifiableCredential": read("valid/did-key.json")
    }))
    .unwrap_or_default();
    for bad in ["not json", "{}", r#"{"verifiableCredential": 5}"#, &as_text] {
        let (got, body) = call(&app, "/credentials/verify", "application/json", bad.into()).await;
        assert_eq!(got, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(body["verified"], false);
    }
}

#[tokio::test]
async fn any_format_and_batch() {
    let app = app();
    let (s, report) = call(
        &app,
        "/verify",
        "application/json",
        read("valid/did-key.json"),
    )
    .await;
    assert_eq!(
        (s, report["verdict"].as_str()),
        (StatusCode::OK, Some("valid"))
    );
    // A payload credential, and a VC 2.0 credential inside a vc claim (no VC 1.1 mapping).
    for file in ["valid/jwt-eddsa-did-key.jwt", "valid/jwt-vc-claim-vc2.jwt"] {
        let (s, report) = call(&app, "/verify", "application/jwt", read(file)).await;
        assert_eq!(
            (s, report["verdict"].as_str()),
            (StatusCode::OK, Some("valid")),
            "{file}: {report}"
        );
    }
    let jwt = read("valid/jwt-eddsa-did-key.jwt");
    let (s, _, p) = send(
        &app,
        "POST",
        "/verify",
        "image/png",
        b"\x89PNG\r\n\x1a\n".to_vec(),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(p.contains("png_truncated"), "{p}");
    // A link (a "show credential" URL) is fetched through the resolver, then verified.
    let link = "# shared by the teacher\nhttps://credentials.springfield.example/share/edna\n";
    let (s, report) = call(&app, "/verify", "text/uri-list", link.into()).await;
    assert_eq!(
        (s, report["verdict"].as_str()),
        (StatusCode::OK, Some("valid")),
        "{report}"
    );
    let (s, p) = call(
        &app,
        "/verify",
        "text/uri-list",
        "https://elsewhere.example/x".into(),
    )
    .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("document_not_found"))
    );
    let (s, p) = call(&app, "/verify", "text/uri-list", "# nothing\n".into()).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_url"))
    );
    let (s, p) = call(&app, "/verify", "application/json", "[1]".into()).await;
    assert_eq!(
        (s, p["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("not_an_object"))
    );

    let items = json!({"items": [
        serde_json::from_str::<Value>(&read("valid/did-key.json")).expect("json"),
        jwt.trim(),
        serde_json::from_str::<Value>(&read("invalid/tampered-credits.json")).expect("json"),
        "not a credential",
    ]});
    let (s, body) = call(&app, "/verify/batch", "application/json", items.to_string()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        body["summary"],
        json!({"valid": 2, "invalid": 1, "indeterminate": 0, "unreadable": 1})
    );
    assert_eq!(body["items"][3]["code"], "invalid_json");
    let many = json!({"items": vec![json!({}); MAX_BATCH_ITEMS + 1]});
    let (s, _) = call(&app, "/verify/batch", "application/json", many.to_string()).await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
    // A body over the limit is refused before it is read, as problem details, on every route.
    let huge = " ".repeat(LIMITS.max_body_bytes + 1);
    for route in [
        "/credentials/verify",
        "/presentations/verify",
        "/verify/batch",
        "/verify",
    ] {
        let (s, body) = call(&app, route, "application/json", huge.clone()).await;
        assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE, "{route}");
        assert_eq!(body["code"], "body_too_large", "{route}");
        assert_eq!(body["title"], "Payload Too Large", "{route}");
    }
}

/// One form part: field name, file name (for a file), bytes.
pub(super) type Part<'a> = (&'a str, Option<&'a str>, &'a [u8]);

/// A multipart/form-data body with these parts.
pub(super) fn multipart(parts: &[Part]) -> (String, Vec<u8>) {
    let boundary = "cairn-test-boundary-7d3f";
    let mut body = Vec::new();
    for (name, filename, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match filename {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Sends a request and returns the status, the headers and the body as text.
pub(super) async fn send(
    app: &Router,
    method: &str,
    uri: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, axum::http::HeaderMap, String) {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .expect("request");
    let res = app.clone().oneshot(req).await.expect("response");
    let (status, headers) = (res.status(), res.headers().clone());
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

#[tokio::test]
async fn multipart_and_baked_images_through_verify() {
    let app = app();
    let png = std::fs::read(vectors().join("valid/baked-did-key.png")).expect("png");
    let svg = read("valid/baked-jwt-eddsa-did-key.svg");
    for (content_type, body) in [
        ("image/png", png.clone()),
        ("image/svg+xml", svg.clone().into_bytes()),
    ] {
        let (s, _, text) = send(&app, "POST", "/verify", content_type, body).await;
        assert_eq!(s, StatusCode::OK, "{content_type}: {text}");
    }
    // (parts, HTTP status, verdict or problem code)
    let tampered = read("invalid/tampered-credits.json");
    let cases: Vec<(Vec<Part>, StatusCode, &str)> = vec![
        (
            vec![("file", Some("badge.png"), &png)],
            StatusCode::OK,
            "valid",
        ),
        (
            vec![("file", Some("t.json"), tampered.as_bytes())],
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            vec![("file", Some(""), b""), ("text", None, svg.as_bytes())],
            StatusCode::OK,
            "valid",
        ),
        (
            vec![(
                "url",
                None,
                b"https://credentials.springfield.example/share/edna",
            )],
            StatusCode::OK,
            "valid",
        ),
        (
            vec![("file", Some(""), b""), ("text", None, b"  ")],
            StatusCode::BAD_REQUEST,
            "empty_input",
        ),
    ];
    for (parts, status, want) in cases {
        let (content_type, body) = multipart(&parts);
        let (s, _, text) = send(&app, "POST", "/verify", &content_type, body).await;
        let v: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(s, status, "{text}");
        let got = v["verdict"].as_str().or(v["code"].as_str());
        assert_eq!(got, Some(want), "{text}");
    }
}

#[tokio::test]
async fn the_page_shows_the_verdict_and_escapes_what_the_credential_says() {
    let app = app();
    let (s, headers, html) = send(&app, "GET", "/", "text/html", Vec::new()).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(headers[header::CONTENT_SECURITY_POLICY], crate::page::CSP);
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert!(
        html.starts_with("<!DOCTYPE html><html lang=\"en\">"),
        "{html}"
    );
    for needle in [
        r#"<label for="file">"#,
        r#"<label for="text">"#,
        r#"<label for="url">"#,
    ] {
        assert!(html.contains(needle), "{needle}");
    }
    // CSP 'self' only: no inline script or style anywhere.
    assert!(!html.contains("<script>") && !html.contains("style="));
    let (s, headers, css) = send(&app, "GET", "/assets/page.css", "", Vec::new()).await;
    assert_eq!(
        (s, &headers[header::CONTENT_TYPE]),
        (
            StatusCode::OK,
            &"text/css; charset=utf-8"
                .parse::<axum::http::HeaderValue>()
                .expect("value")
        )
    );
    assert!(css.contains(".banner.valid"));

    // (field, bytes, the verdict the page shows)
    let mut hostile: Value = serde_json::from_str(&read("valid/did-key.json")).expect("json");
    hostile["credentialSubject"]["achievement"]["name"] =
        json!("<script>alert(1)</script><img src=x onerror=alert(2)>");
    hostile["issuer"]["name"] = json!("\"><b>Trusted</b>");
    let hostile = hostile.to_string();
    let tampered = read("invalid/tampered-credits.json");
    let cases: [(&str, Option<&str>, &[u8], &str); 4] = [
        (
            "file",
            Some("good.json"),
            read("valid/did-key.json").into_bytes().leak(),
            "valid",
        ),
        (
            "file",
            Some("tampered.json"),
            tampered.as_bytes(),
            "invalid",
        ),
        ("text", None, hostile.as_bytes(), "invalid"),
        ("text", None, b"not a credential", "unreadable"),
    ];
    for (field, filename, bytes, verdict) in cases {
        let (content_type, body) = multipart(&[(field, filename, bytes)]);
        let (_, headers, html) = send(&app, "POST", "/", &content_type, body).await;
        assert_eq!(headers[header::CONTENT_SECURITY_POLICY], crate::page::CSP);
        assert!(
            html.contains(&format!("data-verdict=\"{verdict}\"")),
            "{verdict}: {html}"
        );
    }
    let (content_type, body) = multipart(&[("text", None, hostile.as_bytes())]);
    let (_, _, html) = send(&app, "POST", "/", &content_type, body).await;
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"),
        "{html}"
    );
    assert!(
        html.contains("&quot;&gt;&lt;b&gt;Trusted&lt;/b&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>alert") && !html.contains("<b>Trusted"));
    assert!(html.contains("name given by the credential itself, not confirmed"));
}

/// A local server on 127.0.0.1 (the only host these tests contact): a 3 MiB document and a
/// redirect to a private address.
async fn hostile_server() -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let n = stream.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).into_owned();
                let big = "x".repeat(3 * 1024 * 1024);
                let response = match head.split_whitespace().nth(1).unwrap_or("/") {
                    "/big" => format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{big}", big.len()),
                    "/to-private" => "HTTP/1.1 302 Found\r\nLocation: https://10.1.2.3/credential\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned(),
                    _ => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_owned(),
                };
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    port
}

#[tokio::test]
async fn ssrf_attempts_through_the_service_are_refused_with_their_codes() {
    let port = hostile_server().await;
    // The service's defaults, except that the test server itself may be reached over http
    // (for the redirect and size cases); every other address keeps the rules.
    let service = |allow_local: bool| {
        let policy = cairn_fetch::FetchPolicy {
            allow_http: allow_local,
            allow_hosts: if allow_local {
                vec!["127.0.0.1".into()]
            } else {
                Vec::new()
            },
            ..cairn_fetch::FetchPolicy::default()
        };
        router(Arc::new(AppState::new(
            VerifyOptions::new(chrono::Utc::now()),
            Arc::new(crate::CliResolver {
                docs: OfflineResolver::new(),
                fetcher: cairn_fetch::Fetcher::new(policy).expect("fetcher"),
            }),
            Some("2026-06-01T12:00:00Z".parse().expect("now")),
        )))
    };
    let strict = service(false);
    let local = service(true);
    // (service, link, refusal code)
    let cases = [
        (
            &strict,
            format!("https://127.0.0.1:{port}/credential"),
            "loopback_address",
        ),
        (
            &strict,
            "https://169.254.169.254/latest/meta-data/".to_owned(),
            "metadata_address",
        ),
        (
            &strict,
            "https://10.0.0.8/credential".to_owned(),
            "private_address",
        ),
        (
            &strict,
            "https://100.64.0.1/credential".to_owned(),
            "cgnat_address",
        ),
        (
            &strict,
            format!("https://localhost:{port}/credential"),
            "loopback_address",
        ),
        (
            &strict,
            "http://credentials.springfield.example/c".to_owned(),
            "https_required",
        ),
        (
            &local,
            format!("http://127.0.0.1:{port}/to-private"),
            "private_address",
        ),
        (
            &local,
            format!("http://127.0.0.1:{port}/big"),
            "response_too_large",
        ),
    ];
    for (app, link, code) in cases {
        let (s, p) = call(app, "/verify", "text/uri-list", link.clone()).await;
        assert_eq!(
            (s, p["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(code)),
            "{link}: {p}"
        );
    }
    // A did:web issuer on a loopback address: the key is never fetched; could not check.
    let mut cred: Value = serde_json::from_str(&read("valid/did-web.json")).expect("json");
    let did = format!("did:web:127.0.0.1%3A{port}");
    cred["issuer"]["id"] = json!(did);
    cred["proof"][0]["verificationMethod"] = json!(format!("{did}#key-1"));
    let (s, report) = call(&strict, "/verify", "application/json", cred.to_string()).await;
    assert_eq!(
        (s, report["verdict"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("indeterminate")),
        "{report}"
    );
    let reasons: Vec<&str> = report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .filter_map(|c| c["reason"].as_str())
        .collect();
    assert!(reasons.contains(&"loopback_address"), "{report}");
}

/// The input limits hold on every route, also where the credential arrives inside an envelope:
/// a body over the credential size limit, nesting past the depth limit and repeated member
/// names are refused with their codes before anything is verified.
#[tokio::test]
async fn every_route_reads_its_body_under_the_input_limits() {
    let app = app();
    // (route, the member that carries the credential or presentation)
    for (route, member) in [
        ("/credentials/verify", "verifiableCredential"),
        ("/presentations/verify", "verifiablePresentation"),
    ] {
        let big = json!({ member: {"name": "x".repeat(1024 * 1024 + 1)} }).to_string();
        let deep = format!(r#"{{"{member}":{}{}}}"#, "[".repeat(80), "]".repeat(80));
        let repeated = format!(r#"{{"{member}":{{"id":"urn:a","id":"urn:b"}}}}"#);
        for (body, code) in [
            (big, "input_too_large"),
            (deep, "too_deep"),
            (repeated, "duplicate_key"),
        ] {
            let (status, answer) = call(&app, route, "application/json", body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{route}: {answer}");
            assert_eq!(
                answer["problemDetails"][0]["title"], code,
                "{route}: {answer}"
            );
        }
    }
    let repeated = r#"{"items":[],"items":[{"a":1}]}"#.to_owned();
    let (status, answer) = call(&app, "/verify/batch", "application/json", repeated).await;
    assert_eq!(
        (status, answer["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("duplicate_key")),
        "{answer}"
    );
    // Each item is held to the credential limit on its own.
    let item = json!({"name": "x".repeat(1024 * 1024 + 1)});
    let batch = json!({"items": [item]}).to_string();
    let (status, answer) = call(&app, "/verify/batch", "application/json", batch).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["items"][0]["code"], "input_too_large", "{answer}");
}

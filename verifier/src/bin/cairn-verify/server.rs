//! `cairn-verify serve`: the stateless verifier service (axum). VC-API `POST /credentials/verify`
//! (200 when verified, 422 with the report when not, 400 for a malformed request — never
//! `200 {verified: false}`), `POST /verify` for a credential in any supported format in the raw
//! body, and `POST /verify/batch` for an HR office's stack of transfers.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use cairn_verifier::{Resolver, Verdict, VerifyOptions};
use serde_json::{json, Value};

/// Largest request body: one credential (1 MiB by default) with room for the envelope; a batch
/// may carry more.
const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Most items in one batch.
const MAX_BATCH_ITEMS: usize = 100;

/// What every request shares: the options (registries, policy, contexts, status cache) and the
/// resolver (the `--doc` documents, then safe fetching).
pub(crate) struct AppState {
    pub(crate) options: VerifyOptions,
    pub(crate) resolver: Arc<dyn Resolver>,
    /// Judge every request at this instant instead of the clock (tests).
    pub(crate) fixed_now: Option<chrono::DateTime<chrono::Utc>>,
}

type Shared = Arc<AppState>;

/// The service's routes, without a socket (tests drive it with `oneshot`).
pub(crate) fn router(state: Shared) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/credentials/verify", post(vc_api_verify))
        .route("/presentations/verify", post(vc_api_verify_presentation))
        .route("/verify", post(verify_any))
        .route("/verify/batch", post(verify_batch))
        .fallback(|| async { problem(StatusCode::NOT_FOUND, "not_found", "no such resource") })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            std::time::Duration::from_secs(30),
        ))
        .with_state(state)
}

/// Serves until ctrl-c or SIGTERM, over HTTPS when given `(certificate, key)`.
pub(crate) async fn serve(
    state: Shared,
    bind: &str,
    tls: Option<(&std::path::Path, &std::path::Path)>,
) -> Result<(), (&'static str, String)> {
    let io = |e: std::io::Error| ("io_error", format!("{bind}: {e}"));
    let app = router(state);
    match tls {
        None => {
            let listener = tokio::net::TcpListener::bind(bind).await.map_err(io)?;
            let addr = listener.local_addr().map_err(io)?;
            eprintln!("cairn-verify serve: listening on http://{addr}");
            axum::serve(listener, app)
                .with_graceful_shutdown(shutdown_signal())
                .await
                .map_err(io)
        }
        Some((cert, key)) => {
            let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .map_err(io)?;
            let addr: std::net::SocketAddr = bind
                .parse()
                .map_err(|_| ("invalid_bind", format!("{bind:?} is not an address:port")))?;
            let handle = axum_server::Handle::new();
            let stopper = handle.clone();
            tokio::spawn(async move {
                shutdown_signal().await;
                stopper.graceful_shutdown(Some(std::time::Duration::from_secs(30)));
            });
            let announcer = handle.clone();
            tokio::spawn(async move {
                if let Some(addr) = announcer.listening().await {
                    eprintln!("cairn-verify serve: listening on https://{addr}");
                }
            });
            axum_server::bind_rustls(addr, config)
                .handle(handle)
                .serve(app.into_make_service())
                .await
                .map_err(io)
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// RFC 9457 problem details.
fn problem(status: StatusCode, code: &str, detail: &str) -> Response {
    let body = json!({
        "type": format!("https://cairn.invalid/problems/{code}"),
        "title": code,
        "status": status.as_u16(),
        "code": code,
        "detail": detail,
    });
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

/// Options for this request: the shared ones, judged now.
fn options_now(state: &AppState) -> VerifyOptions {
    let mut options = state.options.clone();
    options.now = state.fixed_now.unwrap_or_else(chrono::Utc::now);
    options
}

/// VC-API problem details: one per failed or could-not-check check.
fn problem_details(checks: &[cairn_verifier::Check]) -> Vec<Value> {
    checks
        .iter()
        .filter(|c| {
            c.status == cairn_verifier::CheckStatus::Failed
                || c.status == cairn_verifier::CheckStatus::Error
                || c.unresolved
        })
        .map(|c| {
            json!({
                "type": format!("https://cairn.invalid/problems/{}", c.code),
                "title": c.code,
                "detail": c.message,
            })
        })
        .collect()
}

/// The VC-API answer: 200 verified, 422 not (invalid or could not check), with the report as
/// `results` and its problems.
fn vc_api_answer(
    verdict: Verdict,
    checks: &[cairn_verifier::Check],
    results: impl serde::Serialize,
) -> Response {
    let verified = verdict == Verdict::Valid;
    let body = json!({
        "verified": verified,
        "verdict": verdict,
        "results": results,
        "problemDetails": problem_details(checks),
    });
    (verdict_status(verdict), axum::Json(body)).into_response()
}

/// 200 for a valid verdict, 422 otherwise (never `200 {verified: false}`).
fn verdict_status(verdict: Verdict) -> StatusCode {
    if verdict == Verdict::Valid {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// W3C VC-API `POST /credentials/verify`: `{verifiableCredential, options?}`.
async fn vc_api_verify(State(state): State<Shared>, body: Bytes) -> Response {
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return vc_api_refusal("invalid_json", &e.to_string()),
    };
    let options = options_now(&state);
    let report = match request.get("verifiableCredential") {
        Some(Value::Object(credential)) => {
            cairn_verifier::verify_credential(credential, &options, state.resolver.as_ref()).await
        }
        // An enveloped credential (a compact JWS as a string).
        Some(Value::String(token)) => {
            match cairn_verifier::verify(token.as_bytes(), &options, state.resolver.as_ref()).await
            {
                Ok(r) => r,
                Err(e) => return vc_api_refusal(e.code(), &e.to_string()),
            }
        }
        _ => {
            return vc_api_refusal(
                "invalid_request",
                "the body needs a verifiableCredential object",
            )
        }
    };
    vc_api_answer(report.verdict, &report.checks, &report)
}

/// W3C VC-API `POST /presentations/verify`: `{verifiablePresentation, options?: {challenge,
/// domain}}`; the same status codes as for credentials.
async fn vc_api_verify_presentation(State(state): State<Shared>, body: Bytes) -> Response {
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return vc_api_refusal("invalid_json", &e.to_string()),
    };
    let Some(Value::Object(vp)) = request.get("verifiablePresentation") else {
        return vc_api_refusal(
            "invalid_request",
            "the body needs a verifiablePresentation object",
        );
    };
    let option = |name: &str| {
        request
            .get("options")
            .and_then(|o| o.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let asked = cairn_verifier::PresentationOptions {
        challenge: option("challenge"),
        domain: option("domain"),
    };
    let options = options_now(&state);
    let report =
        cairn_verifier::verify_presentation(vp, &asked, &options, state.resolver.as_ref()).await;
    vc_api_answer(report.verdict, &report.checks, &report)
}

fn vc_api_refusal(code: &str, detail: &str) -> Response {
    let body = json!({
        "verified": false,
        "problemDetails": [{"type": format!("https://cairn.invalid/problems/{code}"), "title": code, "detail": detail}],
    });
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// `POST /verify`: a credential as JSON (`application/json`, `application/ld+json`,
/// `application/vc+ld+json`) or a compact JWS (`application/jwt`, `text/plain`) in the body, or
/// a link to one (`text/uri-list`: the first URL), fetched under the service's fetch policy.
async fn verify_any(State(state): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let media = content_type.split(';').next().unwrap_or_default().trim();
    if media == "text/uri-list" {
        // RFC 2483: one URL per line, `#` lines are comments.
        let text = String::from_utf8_lossy(&body);
        let Some(url) = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
        else {
            return problem(
                StatusCode::BAD_REQUEST,
                "invalid_url",
                "the body holds no URL",
            );
        };
        let fetched = match state.resolver.fetch(url).await {
            Ok(bytes) => bytes,
            Err(e) => return problem(StatusCode::UNPROCESSABLE_ENTITY, e.code(), &e.to_string()),
        };
        return verify_bytes(&state, &fetched).await;
    }
    match media {
        "application/json"
        | "application/ld+json"
        | "application/vc+ld+json"
        | "application/vc"
        | "application/jwt"
        | "application/vc+jwt"
        | "text/plain" => {}
        "image/png" | "image/svg+xml" => {
            return problem(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_format",
                "baked badge images are not read by this version; send the credential JSON or JWS",
            )
        }
        _ => {
            return problem(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send application/json (a credential) or application/jwt (a compact JWS)",
            )
        }
    }
    verify_bytes(&state, &body).await
}

/// 200 with the report when valid, 422 with it when not, 400 when unreadable.
async fn verify_bytes(state: &AppState, bytes: &[u8]) -> Response {
    let options = options_now(state);
    match cairn_verifier::verify(bytes, &options, state.resolver.as_ref()).await {
        Ok(report) => (verdict_status(report.verdict), axum::Json(report)).into_response(),
        Err(e) => problem(StatusCode::BAD_REQUEST, e.code(), &e.to_string()),
    }
}

/// `POST /verify/batch`: `{"items": [credential object or compact JWS string, …]}` (at most
/// 100) → 200 `{items: [{index, verdict, report} | {index, code, message}], summary}`.
async fn verify_batch(State(state): State<Shared>, body: Bytes) -> Response {
    let request: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return problem(StatusCode::BAD_REQUEST, "invalid_json", &e.to_string()),
    };
    let Some(items) = request.get("items").and_then(Value::as_array) else {
        return problem(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            "the body needs an items array",
        );
    };
    if items.len() > MAX_BATCH_ITEMS {
        return problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_items",
            &format!("at most {MAX_BATCH_ITEMS} items per request"),
        );
    }
    let options = options_now(&state);
    let (mut valid, mut invalid, mut indeterminate, mut unreadable) = (0, 0, 0, 0);
    let mut out = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let bytes = match item {
            Value::String(s) => s.clone().into_bytes(),
            other => other.to_string().into_bytes(),
        };
        match cairn_verifier::verify(&bytes, &options, state.resolver.as_ref()).await {
            Ok(report) => {
                match report.verdict {
                    Verdict::Valid => valid += 1,
                    Verdict::Invalid => invalid += 1,
                    Verdict::Indeterminate => indeterminate += 1,
                }
                out.push(json!({"index": index, "verdict": report.verdict, "report": report}));
            }
            Err(e) => {
                unreadable += 1;
                out.push(json!({"index": index, "code": e.code(), "message": e.to_string()}));
            }
        }
    }
    axum::Json(json!({
        "items": out,
        "summary": {"valid": valid, "invalid": invalid, "indeterminate": indeterminate, "unreadable": unreadable},
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used, clippy::unwrap_used)] // Test code.

    use super::*;
    use axum::body::Body;
    use axum::http::Request;
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
    fn app() -> Router {
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
        router(Arc::new(AppState {
            options: VerifyOptions::new(chrono::Utc::now()),
            resolver: Arc::new(resolver),
            fixed_now: Some("2026-06-01T12:00:00Z".parse().expect("now")),
        }))
    }

    async fn call(
        app: &Router,
        uri: &str,
        content_type: &str,
        body: String,
    ) -> (StatusCode, Value) {
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
            let (got, body) =
                call(&app, "/credentials/verify", "application/json", vc_api(rel)).await;
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
        for bad in ["not json", "{}", r#"{"verifiableCredential": 5}"#] {
            let (got, body) =
                call(&app, "/credentials/verify", "application/json", bad.into()).await;
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
        let jwt = read("valid/jwt-eddsa-did-key.jwt");
        let (s, report) = call(&app, "/verify", "application/jwt", jwt.clone()).await;
        assert_eq!(
            (s, report["verdict"].as_str()),
            (StatusCode::OK, Some("valid")),
            "{report}"
        );
        let (s, _) = call(&app, "/verify", "image/png", "\u{89}PNG".into()).await;
        assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE);
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
    }
}

//! `cairn-verify serve`: the stateless verifier service (axum). VC-API `POST /credentials/verify`
//! (200 when verified, 422 with the report when not, 400 for a malformed request — never
//! `200 {verified: false}`), `POST /verify` for a credential in any supported format (raw body or
//! multipart upload), `POST /verify/batch` for an HR office's stack of transfers, and the page
//! for people at `GET /`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use cairn_verifier::{Resolver, Verdict, VerifyOptions};
use serde_json::{json, Value};

/// Every request's limits. The largest body: a baked image (8 MiB by default) with room for a
/// multipart envelope; a batch may carry as much. An answer within 30 s, else 408.
const LIMITS: cairn_http::Limits = cairn_http::Limits {
    max_body_bytes: 9 * 1024 * 1024,
    timeout: std::time::Duration::from_secs(30),
};
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
    let routes = Router::new()
        .route("/", get(page_form).post(page_submit))
        .route(
            "/assets/{name}",
            get(|Path(name): Path<String>| async move { crate::page::asset(&name) }),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route("/credentials/verify", post(vc_api_verify))
        .route("/presentations/verify", post(vc_api_verify_presentation))
        .route("/verify", post(verify_any))
        .route("/verify/batch", post(verify_batch))
        .fallback(|| async { problem(StatusCode::NOT_FOUND, "not_found", "no such resource") });
    cairn_http::with_limits(routes, LIMITS).with_state(state)
}

/// Serves until ctrl-c or SIGTERM, over HTTPS when given `(certificate, key)`.
pub(crate) async fn serve(
    state: Shared,
    bind: &str,
    tls: Option<(&std::path::Path, &std::path::Path)>,
) -> Result<(), (&'static str, String)> {
    let tls = tls.map(|(cert, key)| cairn_http::Tls { cert, key });
    cairn_http::serve(router(state), bind, tls, "cairn-verify serve")
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::InvalidInput => ("invalid_bind", e.to_string()),
            _ => ("io_error", format!("{bind}: {e}")),
        })
}

/// RFC 9457 problem details, by the writer both services share.
fn problem(status: StatusCode, code: &str, detail: &str) -> Response {
    cairn_http::problem_response(status, code, detail)
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
        // An enveloped credential (a compact JWS as a string). Any other string (JSON text of a
        // credential, say) is not a credential: VC-API §3.3 takes an object or a JWS.
        Some(Value::String(token)) if cairn_verifier::looks_like_compact_jws(token.trim()) => {
            match cairn_verifier::verify(token.as_bytes(), &options, state.resolver.as_ref()).await
            {
                Ok(r) => r,
                Err(e) => return vc_api_refusal(e.code(), &e.to_string()),
            }
        }
        _ => {
            return vc_api_refusal(
                "invalid_request",
                "the body needs a verifiableCredential object or a compact JWS",
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

/// What a person or a client submitted: the credential's bytes (JSON, JWS, PNG or SVG), or a
/// link to fetch it from.
enum Input {
    Bytes(Vec<u8>),
    Link(String),
}

/// Why a submission was not checked: the HTTP status, a stable code and a message.
struct Refusal {
    status: StatusCode,
    code: String,
    message: String,
}

impl Refusal {
    fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        Refusal {
            status,
            code: code.to_owned(),
            message: message.into(),
        }
    }

    fn into_problem(self) -> Response {
        problem(self.status, &self.code, &self.message)
    }
}

/// Checks a submission: fetches a link under the service's fetch policy, then verifies.
async fn check_input(state: &AppState, input: Input) -> Result<cairn_verifier::Report, Refusal> {
    let bytes =
        match input {
            Input::Bytes(b) => b,
            Input::Link(url) => state.resolver.fetch(url.trim()).await.map_err(|e| {
                Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string())
            })?,
        };
    let options = options_now(state);
    cairn_verifier::verify(&bytes, &options, state.resolver.as_ref())
        .await
        .map_err(|e| Refusal::new(StatusCode::BAD_REQUEST, e.code(), e.to_string()))
}

/// A form's fields (`file`, `text`, `url`): the first one filled in, in that order.
async fn read_form(mut form: Multipart) -> Result<Input, Refusal> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        Refusal::new(e.status(), "invalid_form", e.body_text())
    };
    let (mut file, mut text, mut url) = (None, None, None);
    while let Some(field) = form.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        let data = field.bytes().await.map_err(bad)?;
        if data.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match name.as_str() {
            "file" | "credential" => file = file.or(Some(data.to_vec())),
            "text" => text = text.or(Some(data.to_vec())),
            "url" => url = url.or(Some(String::from_utf8_lossy(&data).into_owned())),
            _ => {}
        }
    }
    match (file.or(text), url) {
        (Some(bytes), _) => Ok(Input::Bytes(bytes)),
        (None, Some(url)) => Ok(Input::Link(url)),
        (None, None) => Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "empty_input",
            "choose a file, paste a credential or enter a link",
        )),
    }
}

/// RFC 2483 `text/uri-list`: one URL per line, `#` lines are comments; the first URL.
fn first_uri(body: &[u8]) -> Result<Input, Refusal> {
    let text = String::from_utf8_lossy(body);
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|url| Input::Link(url.to_owned()))
        .ok_or_else(|| {
            Refusal::new(
                StatusCode::BAD_REQUEST,
                "invalid_url",
                "the body holds no URL",
            )
        })
}

/// The submission in a request to `POST /verify` or `POST /`.
async fn read_input(request: Request) -> Result<Input, Refusal> {
    let media = cairn_http::media_type(request.headers());
    let body = |request: Request| async move {
        Bytes::from_request(request, &())
            .await
            .map(|b| b.to_vec())
            .map_err(|e| {
                let code = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    "body_too_large"
                } else {
                    "invalid_body"
                };
                Refusal::new(e.status(), code, e.body_text())
            })
    };
    match media.as_str() {
        "multipart/form-data" => {
            let form = Multipart::from_request(request, &())
                .await
                .map_err(|e| Refusal::new(e.status(), "invalid_form", e.body_text()))?;
            read_form(form).await
        }
        "text/uri-list" => first_uri(&body(request).await?),
        "application/json"
        | "application/ld+json"
        | "application/vc+ld+json"
        | "application/vc"
        | "application/jwt"
        | "application/vc+jwt"
        | "text/plain"
        | "image/png"
        | "image/svg+xml" => Ok(Input::Bytes(body(request).await?)),
        _ => Err(Refusal::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send application/json (a credential), application/jwt (a compact JWS), image/png or \
             image/svg+xml (a baked badge), text/uri-list (a link) or multipart/form-data",
        )),
    }
}

/// `POST /verify`: a credential as JSON (`application/json`, `application/ld+json`,
/// `application/vc+ld+json`), a compact JWS (`application/jwt`, `text/plain`), a baked badge
/// (`image/png`, `image/svg+xml`), a link to one (`text/uri-list`), or a multipart upload
/// (`file`, `text` or `url` field). 200 with the report when valid, 422 with it when not, 400
/// when unreadable.
async fn verify_any(State(state): State<Shared>, request: Request) -> Response {
    let input = match read_input(request).await {
        Ok(input) => input,
        Err(refusal) => return refusal.into_problem(),
    };
    match check_input(&state, input).await {
        Ok(report) => (verdict_status(report.verdict), axum::Json(report)).into_response(),
        Err(refusal) => refusal.into_problem(),
    }
}

/// `GET /`: the page with an empty form.
async fn page_form(State(state): State<Shared>) -> Response {
    crate::page::render(None, state.options.registries.len())
}

/// `POST /` (the page's form): the page with the verdict above the form.
async fn page_submit(State(state): State<Shared>, request: Request) -> Response {
    let outcome = match read_input(request).await {
        Ok(input) => check_input(&state, input).await,
        Err(refusal) => Err(refusal),
    };
    let outcome = match outcome {
        Ok(report) => crate::page::Outcome::Checked(Box::new(report)),
        Err(r) => crate::page::Outcome::Unreadable {
            code: r.code,
            message: r.message,
        },
    };
    crate::page::render(Some(&outcome), state.options.registries.len())
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
    let inputs: Vec<Vec<u8>> = items
        .iter()
        .map(|item| match item {
            Value::String(s) => s.clone().into_bytes(),
            other => other.to_string().into_bytes(),
        })
        .collect();
    let refs: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
    // The items' Ed25519 signatures are checked together in one batch equation.
    let results = cairn_verifier::verify_batch(&refs, &options, state.resolver.as_ref()).await;
    let (mut valid, mut invalid, mut indeterminate, mut unreadable) = (0, 0, 0, 0);
    let mut out = Vec::new();
    for (index, result) in results.into_iter().enumerate() {
        match result {
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
        // A credential sent as JSON text inside a string is not a credential, nor a JWS.
        let as_text = serde_json::to_string(&json!({
            "verifiableCredential": read("valid/did-key.json")
        }))
        .unwrap_or_default();
        for bad in ["not json", "{}", r#"{"verifiableCredential": 5}"#, &as_text] {
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
    type Part<'a> = (&'a str, Option<&'a str>, &'a [u8]);

    /// A multipart/form-data body with these parts.
    fn multipart(parts: &[Part]) -> (String, Vec<u8>) {
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
    async fn send(
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
            html.contains(
                "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"
            ),
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
            router(Arc::new(AppState {
                options: VerifyOptions::new(chrono::Utc::now()),
                resolver: Arc::new(crate::CliResolver {
                    docs: OfflineResolver::new(),
                    fetcher: cairn_fetch::Fetcher::new(policy).expect("fetcher"),
                }),
                fixed_now: Some("2026-06-01T12:00:00Z".parse().expect("now")),
            }))
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
}

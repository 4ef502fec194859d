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
use work::off_workers;

/// Every request's limits. The largest body: a baked image (8 MiB by default) with room for a
/// multipart envelope; a batch may carry as much. An answer within 30 s, else 408 — and the
/// verification behind it is stopped (see `work::off_workers`).
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
    /// The body limit and the deadline of every request.
    pub(crate) limits: cairn_http::Limits,
    /// Where verifications run (off the async workers, in two lanes).
    pub(crate) lanes: work::Lanes,
    /// The verifier's own identity: with it, every check on the page comes with a signed record.
    pub(crate) identity: Option<Arc<crate::record::Identity>>,
    /// The district's time zone for dates people read.
    pub(crate) time_zone: cairn_render::Tz,
}

impl AppState {
    /// The service's state with the standard limits, judging at the clock unless `fixed_now`.
    pub(crate) fn new(
        options: VerifyOptions,
        resolver: Arc<dyn Resolver>,
        fixed_now: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Self {
        AppState {
            options,
            resolver,
            fixed_now,
            limits: LIMITS,
            lanes: work::Lanes::new(),
            identity: None,
            time_zone: cairn_render::Tz::UTC,
        }
    }
}

impl AppState {
    /// What the page needs to know about the service.
    pub(crate) fn view(&self) -> crate::page::View {
        crate::page::View {
            registries_loaded: self.options.registries.len(),
            tz: self.time_zone,
            signs_records: self.identity.is_some(),
        }
    }
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
        .route("/healthz", get(healthz))
        .route("/openapi.json", get(openapi_json))
        .route("/credentials/verify", post(vc_api_verify))
        .route("/presentations/verify", post(vc_api_verify_presentation))
        .route("/verify", post(verify_any))
        .route("/verify/batch", post(verify_batch))
        .route("/record", post(records::download))
        .route("/.well-known/did.json", get(records::did_document))
        .fallback(|| async { problem(StatusCode::NOT_FOUND, "not_found", "no such resource") });
    let limits = state.limits;
    cairn_http::with_limits(routes, limits).with_state(state)
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
pub(crate) fn problem(status: StatusCode, code: &str, detail: &str) -> Response {
    cairn_http::problem_response(status, code, detail)
}

/// Liveness.
#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200, description = "the service is up", body = String, content_type = "text/plain")))]
async fn healthz() -> &'static str {
    "ok"
}

/// This service's OpenAPI document.
#[utoipa::path(get, path = "/openapi.json", tag = "ops", responses((status = 200, description = "the OpenAPI 3.1 document", body = Object)))]
async fn openapi_json() -> Response {
    axum::Json(openapi::document()).into_response()
}

/// Options for a request: the shared ones, judged now.
pub(crate) fn options_now(state: &AppState) -> VerifyOptions {
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
#[utoipa::path(post, path = "/credentials/verify", tag = "vc-api", request_body(content = openapi::VerifyCredentialRequest, content_type = "application/json"), responses((status = 200, description = "verified", body = openapi::VcApiResult), (status = 422, description = "not valid, or could not be checked", body = openapi::VcApiResult), (status = 400, description = "a malformed request, or a credential over the input limits", body = openapi::VcApiRefusal), (status = 408, description = "not answered within 30 s", body = openapi::ProblemDoc, content_type = "application/problem+json"), (status = 413, description = "a body over 9 MiB", body = openapi::ProblemDoc, content_type = "application/problem+json")))]
async fn vc_api_verify(State(state): State<Shared>, body: Bytes) -> Response {
    off_workers(&state, body.len(), move |state, options| async move {
        verify_vc_api_credential(&state, &options, &body).await
    })
    .await
}

async fn verify_vc_api_credential(
    state: &AppState,
    options: &VerifyOptions,
    body: &[u8],
) -> Response {
    let request = match request_body(body, &options.limits) {
        Ok(v) => v,
        Err(e) => return vc_api_refusal(e.code(), &e.to_string()),
    };
    let report = match request.get("verifiableCredential") {
        Some(Value::Object(credential)) => {
            cairn_verifier::verify_credential(credential, options, state.resolver.as_ref()).await
        }
        // An enveloped credential (a compact JWS as a string). Any other string (JSON text of a
        // credential, say) is not a credential: VC-API §3.3 takes an object or a JWS.
        Some(Value::String(token)) if cairn_verifier::looks_like_compact_jws(token.trim()) => {
            match cairn_verifier::verify(token.as_bytes(), options, state.resolver.as_ref()).await {
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
#[utoipa::path(post, path = "/presentations/verify", tag = "vc-api", request_body(content = openapi::VerifyPresentationRequest, content_type = "application/json"), responses((status = 200, description = "verified", body = openapi::VcApiResult), (status = 422, description = "not valid, or could not be checked", body = openapi::VcApiResult), (status = 400, description = "a malformed request, or a presentation over the input limits", body = openapi::VcApiRefusal), (status = 408, description = "not answered within 30 s", body = openapi::ProblemDoc, content_type = "application/problem+json"), (status = 413, description = "a body over 9 MiB", body = openapi::ProblemDoc, content_type = "application/problem+json")))]
async fn vc_api_verify_presentation(State(state): State<Shared>, body: Bytes) -> Response {
    off_workers(&state, body.len(), move |state, options| async move {
        verify_vc_api_presentation(&state, &options, &body).await
    })
    .await
}

async fn verify_vc_api_presentation(
    state: &AppState,
    options: &VerifyOptions,
    body: &[u8],
) -> Response {
    let request = match request_body(body, &options.limits) {
        Ok(v) => v,
        Err(e) => return vc_api_refusal(e.code(), &e.to_string()),
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
    let report =
        cairn_verifier::verify_presentation(vp, &asked, options, state.resolver.as_ref()).await;
    vc_api_answer(report.verdict, &report.checks, &report)
}

/// A JSON request body read under the verifier's input limits (size, depth, repeated member
/// names), as every credential is.
fn request_body(
    body: &[u8],
    limits: &cairn_verifier::Limits,
) -> Result<Value, cairn_verifier::Error> {
    cairn_verifier::parse_json_object(body, limits).map(Value::Object)
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
    /// A photo of a QR code (the page's camera field).
    Photo(Vec<u8>),
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

/// A submission's bytes: as sent, or fetched from its link under the service's fetch policy.
async fn input_bytes(state: &AppState, input: Input) -> Result<Vec<u8>, Refusal> {
    let url = match input {
        Input::Bytes(b) => return Ok(b),
        Input::Link(url) => url,
        Input::Photo(photo) => {
            // Decoding a photo takes a blocking thread's time, not an async worker's.
            let found = tokio::task::spawn_blocking(move || crate::photo::read_qr(&photo))
                .await
                .map_err(|_| {
                    Refusal::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "internal",
                        "the photo could not be read",
                    )
                })?
                .map_err(|(code, message)| {
                    Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
                })?;
            match found {
                crate::photo::Found::Credential(bytes) => return Ok(bytes),
                crate::photo::Found::Link(url) => url,
            }
        }
    };
    state
        .resolver
        .fetch(url.trim())
        .await
        .map_err(|e| Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, e.code(), e.to_string()))
}

/// Verifies a submission's bytes.
async fn check_bytes(
    state: &AppState,
    options: &VerifyOptions,
    bytes: &[u8],
) -> Result<cairn_verifier::Report, Refusal> {
    cairn_verifier::verify(bytes, options, state.resolver.as_ref())
        .await
        .map_err(|e| Refusal::new(StatusCode::BAD_REQUEST, e.code(), e.to_string()))
}

/// A form's fields (`file`, `text`, `url`): the first one filled in, in that order.
async fn read_form(mut form: Multipart) -> Result<Input, Refusal> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        Refusal::new(e.status(), "invalid_form", e.body_text())
    };
    let (mut file, mut text, mut url, mut photo) = (None, None, None, None);
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
            "photo" => photo = photo.or(Some(data.to_vec())),
            _ => {}
        }
    }
    match (file.or(text), url, photo) {
        (Some(bytes), ..) => Ok(Input::Bytes(bytes)),
        (None, Some(url), _) => Ok(Input::Link(url)),
        (None, None, Some(photo)) => Ok(Input::Photo(photo)),
        (None, None, None) => Err(Refusal::new(
            StatusCode::BAD_REQUEST,
            "empty_input",
            "choose a file, paste a credential, enter a link or take a photo of its QR code",
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
/// (`file`, `text`, `url` or `photo` field). 200 with the report when valid, 422 with it when
/// not, 400 when unreadable.
#[utoipa::path(post, path = "/verify", tag = "verify", request_body(content((Object = "application/json"), (Object = "application/ld+json"), (Object = "application/vc+ld+json"), (String = "application/jwt"), (String = "application/vc+jwt"), (String = "text/plain"), (openapi::BinaryDoc = "image/png"), (String = "image/svg+xml"), (String = "text/uri-list"), (openapi::UploadForm = "multipart/form-data"))), responses((status = 200, description = "valid", body = openapi::ReportDoc), (status = 422, description = "not valid or could not be checked (a report), or a link that could not be fetched (a problem)", content((openapi::ReportDoc = "application/json"), (openapi::ProblemDoc = "application/problem+json"))), (status = 400, description = "unreadable", body = openapi::ProblemDoc, content_type = "application/problem+json"), (status = 415, description = "a media type not listed", body = openapi::ProblemDoc, content_type = "application/problem+json"), (status = 408, description = "not answered within 30 s", body = openapi::ProblemDoc, content_type = "application/problem+json"), (status = 413, description = "a body over 9 MiB", body = openapi::ProblemDoc, content_type = "application/problem+json")))]
async fn verify_any(State(state): State<Shared>, request: Request) -> Response {
    let bytes = match read_input(request).await {
        Ok(input) => input_bytes(&state, input).await,
        Err(refusal) => Err(refusal),
    };
    let bytes = match bytes {
        Ok(bytes) => bytes,
        Err(refusal) => return refusal.into_problem(),
    };
    off_workers(&state, bytes.len(), move |state, options| async move {
        match check_bytes(&state, &options, &bytes).await {
            Ok(report) => (verdict_status(report.verdict), axum::Json(report)).into_response(),
            Err(refusal) => refusal.into_problem(),
        }
    })
    .await
}

/// `GET /`: the page with an empty form.
async fn page_form(State(state): State<Shared>) -> Response {
    crate::page::render(None, state.view())
}

/// `POST /` (the page's form): the page with the verdict above the form.
async fn page_submit(State(state): State<Shared>, request: Request) -> Response {
    let bytes = match read_input(request).await {
        Ok(input) => input_bytes(&state, input).await,
        Err(refusal) => Err(refusal),
    };
    match bytes {
        Ok(bytes) => {
            off_workers(&state, bytes.len(), move |state, options| async move {
                let outcome = check_bytes(&state, &options, &bytes).await;
                let record = match (&outcome, &state.identity) {
                    (Ok(report), Some(identity)) => identity
                        .record(options.canonicalizer.as_ref(), report, &bytes)
                        .ok(),
                    _ => None,
                };
                page_verdict(&state, outcome, record)
            })
            .await
        }
        Err(refusal) => page_verdict(&state, Err(refusal), None),
    }
}

/// The page with a verdict, or with why the submission could not be read.
fn page_verdict(
    state: &AppState,
    outcome: Result<cairn_verifier::Report, Refusal>,
    record: Option<Value>,
) -> Response {
    let outcome = match outcome {
        Ok(report) => crate::page::Outcome::Checked {
            report: Box::new(report),
            record,
        },
        Err(r) => crate::page::Outcome::Unreadable {
            code: r.code,
            message: r.message,
        },
    };
    crate::page::render(Some(&outcome), state.view())
}

/// `POST /verify/batch`: `{"items": [credential object or compact JWS string, …]}` (at most
/// 100) → 200 `{items: [{index, verdict, report} | {index, code, message}], summary}`.
#[utoipa::path(post, path = "/verify/batch", tag = "verify", request_body(content = openapi::BatchRequest, content_type = "application/json"), responses((status = 200, description = "every item's verdict", body = openapi::BatchAnswer), (status = 400, description = "unreadable JSON", body = openapi::ProblemDoc, content_type = "application/problem+json"), (status = 422, description = "no items array", body = openapi::ProblemDoc, content_type = "application/problem+json"), (status = 408, description = "not answered within 30 s", body = openapi::ProblemDoc, content_type = "application/problem+json"), (status = 413, description = "a body over 9 MiB, or more than 100 items", body = openapi::ProblemDoc, content_type = "application/problem+json")))]
async fn verify_batch(State(state): State<Shared>, body: Bytes) -> Response {
    off_workers(&state, body.len(), move |state, options| async move {
        verify_items(&state, &options, &body).await
    })
    .await
}

async fn verify_items(state: &AppState, options: &VerifyOptions, body: &[u8]) -> Response {
    // The envelope may hold up to MAX_BATCH_ITEMS credentials; each is held to the input limits
    // again when it is verified.
    let envelope = cairn_verifier::Limits {
        max_input_bytes: LIMITS.max_body_bytes,
        ..options.limits
    };
    let request = match request_body(body, &envelope) {
        Ok(v) => v,
        Err(e) => return problem(StatusCode::BAD_REQUEST, e.code(), &e.to_string()),
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
    let inputs: Vec<Vec<u8>> = items
        .iter()
        .map(|item| match item {
            Value::String(s) => s.clone().into_bytes(),
            other => other.to_string().into_bytes(),
        })
        .collect();
    let refs: Vec<&[u8]> = inputs.iter().map(Vec::as_slice).collect();
    // The items' Ed25519 signatures are checked together in one batch equation.
    let results = cairn_verifier::verify_batch(&refs, options, state.resolver.as_ref()).await;
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

mod openapi;
mod records;
mod work;

#[cfg(test)]
mod deadline_tests;
#[cfg(test)]
mod photo_tests;
#[cfg(test)]
mod record_tests;
#[cfg(test)]
mod tests;

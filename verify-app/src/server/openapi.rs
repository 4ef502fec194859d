//! The OpenAPI document of `cairn-verify serve`, generated from the handlers' annotations
//! (utoipa) so that it cannot drift from the routes; served at `/openapi.json`.

use cairn_http::CommonRefusals;
use utoipa::OpenApi;

pub(super) use cairn_http::ProblemDoc;

/// VC-API `POST /credentials/verify`.
#[derive(Debug, utoipa::ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)] // Only its schema is used.
pub(super) struct VerifyCredentialRequest {
    /// The credential: a JSON object (Data Integrity), or a compact JWS (VC-JWT) as a string.
    verifiable_credential: serde_json::Value,
    /// VC-API verification options (none are needed).
    options: Option<serde_json::Map<String, serde_json::Value>>,
}

/// What a presentation's holder was asked to sign.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)] // Only its schema is used.
pub(super) struct PresentationChallenge {
    /// The challenge the holder's proof must carry.
    challenge: Option<String>,
    /// The domain the holder's proof must carry.
    domain: Option<String>,
}

/// VC-API `POST /presentations/verify`.
#[derive(Debug, utoipa::ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)] // Only its schema is used.
pub(super) struct VerifyPresentationRequest {
    /// The presentation, with its credentials.
    verifiable_presentation: serde_json::Map<String, serde_json::Value>,
    /// The challenge and domain asked for.
    options: Option<PresentationChallenge>,
}

/// One check of a report.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)] // Only its schema is used.
pub(super) struct CheckDoc {
    /// Which check (`context`, `proof`, `status`, …).
    check: String,
    /// `passed`, `failed`, `skipped` or `error` (could not check).
    status: String,
    /// The stable report code (docs/report-codes.md).
    code: String,
    /// What the check found, for people.
    message: String,
    /// The check could not be completed (a key or status list out of reach).
    unresolved: Option<bool>,
    /// Why it could not be completed, as a stable code.
    reason: Option<String>,
}

/// A verification report (docs/cairn-verify.md); more members may be present.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)] // Only its schema is used.
pub(super) struct ReportDoc {
    /// `valid`, `invalid` or `indeterminate`.
    verdict: String,
    /// When it was checked (RFC 3339).
    checked_at: String,
    /// Every check, in order.
    checks: Vec<CheckDoc>,
}

/// A VC-API problem.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)] // Only its schema is used.
pub(super) struct VcApiProblem {
    /// A URI naming the problem.
    r#type: String,
    /// The stable code.
    title: String,
    /// What happened, for people.
    detail: String,
}

/// The VC-API answer to a request that was checked.
#[derive(Debug, utoipa::ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)] // Only its schema is used.
pub(super) struct VcApiResult {
    /// Whether the credential or presentation is valid.
    verified: bool,
    /// `valid`, `invalid` or `indeterminate`.
    verdict: String,
    /// The report.
    results: serde_json::Map<String, serde_json::Value>,
    /// One entry per failed or could-not-check check.
    problem_details: Vec<VcApiProblem>,
}

/// The VC-API answer to a malformed request.
#[derive(Debug, utoipa::ToSchema)]
#[schema(rename_all = "camelCase")]
#[allow(dead_code)] // Only its schema is used.
pub(super) struct VcApiRefusal {
    /// Always false.
    verified: bool,
    /// Why the request was refused.
    problem_details: Vec<VcApiProblem>,
}

/// `POST /verify/batch`.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)] // Only its schema is used.
pub(super) struct BatchRequest {
    /// Up to 100 credentials: JSON objects or compact JWS strings.
    items: Vec<serde_json::Value>,
}

/// How many items of a batch got each verdict.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)] // Only its schema is used.
pub(super) struct BatchSummary {
    valid: usize,
    invalid: usize,
    indeterminate: usize,
    unreadable: usize,
}

/// The answer to a batch: one entry per item, in order.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)] // Only its schema is used.
pub(super) struct BatchAnswer {
    /// `{index, verdict, report}`, or `{index, code, message}` for an unreadable item.
    items: Vec<serde_json::Map<String, serde_json::Value>>,
    summary: BatchSummary,
}

/// A multipart upload: the first field filled in counts.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)] // Only its schema is used.
pub(super) struct UploadForm {
    /// A credential file: JSON, a JWT, or a baked PNG or SVG badge.
    #[schema(format = Binary, value_type = Option<String>)]
    file: Option<Vec<u8>>,
    /// A pasted credential (JSON or a JWT).
    text: Option<String>,
    /// A link to a credential.
    url: Option<String>,
    /// A photo (JPEG or PNG) of a QR code holding a link to a credential, or the credential.
    #[schema(format = Binary, value_type = Option<String>)]
    photo: Option<Vec<u8>>,
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Cairn verifier API",
        description = "Verify Open Badges 3.0 credentials and presentations: W3C VC-API, any format, batches."
    ),
    paths(
        super::healthz,
        super::vc_api_verify,
        super::vc_api_verify_presentation,
        super::verify_any,
        super::verify_batch,
        super::openapi_json,
        super::records::download,
        super::records::did_document,
    ),
    components(schemas(ProblemDoc, ReportDoc, CheckDoc, VcApiResult, VcApiRefusal, VcApiProblem)),
    modifiers(&CommonRefusals)
)]
struct ApiDoc;

/// The OpenAPI 3.1 document.
pub(super) fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// Bytes: a baked PNG badge.
#[derive(Debug, utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // Only its schema is used.
pub(super) struct BinaryDoc(Vec<u8>);

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used, clippy::unwrap_used)] // Test code.

    use std::sync::Arc;

    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::super::{router, AppState};

    /// Every documented operation is routed (the answer is never the fallback's), and every
    /// route but the page's is documented.
    #[tokio::test]
    async fn the_document_describes_the_routes_the_service_has() {
        let app = router(Arc::new(AppState::new(
            cairn_verifier::VerifyOptions::new(chrono::Utc::now()),
            Arc::new(cairn_verifier::OfflineResolver::new()),
            None,
        )));
        let doc = serde_json::to_value(super::document()).expect("json");
        let mut documented = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for method in item.as_object().expect("item").keys() {
                documented.push(format!("{} {path}", method.to_uppercase()));
                let request = Request::builder()
                    .method(method.to_uppercase().as_str())
                    .uri(path.as_str())
                    .body(Body::empty())
                    .expect("request");
                let res = app.clone().oneshot(request).await.expect("response");
                let status = res.status();
                let body = res.into_body().collect().await.expect("body").to_bytes();
                assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
                assert!(
                    !String::from_utf8_lossy(&body).contains("\"code\":\"not_found\""),
                    "{method} {path} is documented but not routed"
                );
            }
        }
        documented.sort();
        assert_eq!(
            documented,
            [
                "GET /.well-known/did.json",
                "GET /healthz",
                "GET /openapi.json",
                "POST /credentials/verify",
                "POST /presentations/verify",
                "POST /record",
                "POST /verify",
                "POST /verify/batch",
            ]
        );
    }
}

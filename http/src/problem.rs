//! RFC 9457 problem details: the one writer both services use, for their own errors and for the
//! framework's refusals (404, 405, 408, 413, 415, malformed bodies and queries).

use std::borrow::Cow;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Where a problem's `type` URI points: one page per stable code.
const TYPE_BASE: &str = "https://cairn.invalid/problems/";

/// An HTTP error answer (`application/problem+json`) with a stable snake_case `code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The HTTP status.
    pub status: StatusCode,
    /// The stable code (also the last segment of `type`).
    pub code: Cow<'static, str>,
    /// What went wrong, for a person; never internal detail on a 5xx.
    pub detail: String,
}

impl Problem {
    /// A problem with this status, code and detail.
    pub fn new(
        status: StatusCode,
        code: impl Into<Cow<'static, str>>,
        detail: impl Into<String>,
    ) -> Self {
        Problem {
            status,
            code: code.into(),
            detail: detail.into(),
        }
    }

    /// 401: RFC 6750 §3, a bearer token is required (the answer carries `WWW-Authenticate`).
    pub fn unauthorized() -> Self {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid bearer token is required",
        )
    }

    /// 403: RFC 6750 §3.1 `insufficient_scope`.
    pub fn forbidden(scope: &str) -> Self {
        Problem::new(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            format!("this call needs the {scope} scope"),
        )
    }

    /// 404 `not_found`.
    pub fn not_found(what: impl Into<String>) -> Self {
        Problem::new(StatusCode::NOT_FOUND, "not_found", what)
    }

    /// 415 `unsupported_media_type`, naming what to send.
    pub fn unsupported_media_type(expected: &str) -> Self {
        Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("send {expected}"),
        )
    }

    /// A refusal by its status alone, with the stable code every such refusal carries:
    /// 404 `not_found`, 405 `method_not_allowed`, 408 `request_timeout`, 413 `body_too_large`,
    /// 415 `unsupported_media_type`, 422 `invalid_request`, any 5xx `internal_error` (its detail
    /// replaced: a 5xx says nothing internal), any other 4xx `bad_request`.
    pub fn for_status(status: StatusCode, detail: impl Into<String>) -> Self {
        let code = match status {
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
            StatusCode::REQUEST_TIMEOUT => "request_timeout",
            StatusCode::PAYLOAD_TOO_LARGE => "body_too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            StatusCode::UNPROCESSABLE_ENTITY => "invalid_request",
            s if s.is_server_error() => {
                return Problem::new(
                    status,
                    "internal_error",
                    "the server could not complete the request",
                )
            }
            _ => "bad_request",
        };
        Problem::new(status, code, detail)
    }

    /// 413 `body_too_large`, naming the limit.
    pub fn too_large(limit_bytes: usize) -> Self {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the request body is larger than {limit_bytes} bytes"),
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        problem_response(self.status, &self.code, &self.detail)
    }
}

/// The problem+json answer: `type` (one URI per code), `title` (the status's reason phrase),
/// `status`, `code` and `detail` (RFC 9457 §3.1), and `WWW-Authenticate: Bearer` on a 401.
pub fn problem_response(status: StatusCode, code: &str, detail: &str) -> Response {
    let body = json!({
        "type": format!("{TYPE_BASE}{code}"),
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "code": code,
        "detail": detail,
    });
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    if status == StatusCode::UNAUTHORIZED {
        headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

/// RFC 9457 problem details as the services' OpenAPI documents describe every error answer (the
/// shape [`problem_response`] writes).
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)] // Only its schema is used.
pub struct ProblemDoc {
    /// A URI naming the problem type.
    #[schema(example = "https://cairn.invalid/problems/invalid_input")]
    r#type: String,
    /// A short summary of the problem type.
    title: String,
    /// The HTTP status.
    status: u16,
    /// The stable error code.
    #[schema(example = "invalid_input")]
    code: String,
    /// What happened, for people.
    detail: String,
}

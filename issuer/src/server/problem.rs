//! RFC 9457 problem details: every API error, with a stable code, in one place.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::Error;

/// An HTTP error answer (`application/problem+json`).
#[derive(Debug)]
pub struct Problem {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
}

impl Problem {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Problem {
            status,
            code,
            detail: detail.into(),
        }
    }

    pub fn unauthorized() -> Self {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid bearer token is required",
        )
    }

    pub fn forbidden(scope: &str) -> Self {
        Problem::new(
            StatusCode::FORBIDDEN,
            "insufficient_scope",
            format!("this call needs the {scope} scope"),
        )
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Problem::new(StatusCode::NOT_FOUND, "not_found", what)
    }
}

impl From<Error> for Problem {
    fn from(e: Error) -> Self {
        let status = match &e {
            Error::InvalidInput { .. }
            | Error::AchievementInvalid(_)
            | Error::Image { .. }
            | Error::DataModel { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Error::AchievementNotFound(_)
            | Error::TokenNotFound(_)
            | Error::CredentialNotFound(_)
            | Error::StatusListNotFound(_) => StatusCode::NOT_FOUND,
            Error::AchievementExists(_)
            | Error::AchievementArchived(_)
            | Error::KeyExists(_)
            | Error::CredentialHasNoStatus(_)
            | Error::CredentialRevoked(_) => StatusCode::CONFLICT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            // DESIGN invariant 5 / STYLE 7: a 5xx body carries no internal detail; the log does.
            tracing::error!(code = e.code(), error = %e, "request failed");
            return Problem::new(
                status,
                e.code(),
                "the server could not complete the request",
            );
        }
        Problem::new(status, e.code(), e.to_string())
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = json!({
            "type": format!("https://cairn.invalid/problems/{}", self.code),
            "title": self.status.canonical_reason().unwrap_or("error"),
            "status": self.status.as_u16(),
            "code": self.code,
            "detail": self.detail,
        });
        let mut response = (self.status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

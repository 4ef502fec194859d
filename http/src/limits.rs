//! The limits every request meets — the largest body, the longest time to an answer — and the
//! translation of the framework's own refusals (404, 405, 408, 413, 415, bad JSON or query) into
//! problem+json, so a client meets one error format whatever refused it.

use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::problem::Problem;

/// A service's request limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest request body read, in bytes; larger is 413 `body_too_large`.
    pub max_body_bytes: usize,
    /// How long a request may take to produce its answer; longer is 408 `request_timeout`.
    pub timeout: Duration,
}

/// The largest framework refusal text kept as a problem's detail.
const MAX_DETAIL: usize = 1024;

/// `router` with the body limit and the timeout applied, and every bare error answer (no body,
/// or plain text from an extractor) rewritten as problem+json.
pub fn with_limits<S: Clone + Send + Sync + 'static>(
    router: Router<S>,
    limits: Limits,
) -> Router<S> {
    let max = limits.max_body_bytes;
    let timeout = limits.timeout;
    router
        .layer(DefaultBodyLimit::max(max))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(axum::middleware::map_response(move |r: Response| {
            as_problem(r, max, timeout)
        }))
}

/// A bare 4xx/5xx answer (no content type, or text/plain) as problem+json; anything else as is.
async fn as_problem(response: Response, max: usize, timeout: Duration) -> Response {
    let status = response.status();
    let bare = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("text/plain"));
    if !(status.is_client_error() || status.is_server_error()) || !bare {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let text = axum::body::to_bytes(response.into_body(), MAX_DETAIL)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let problem = match status {
        StatusCode::NOT_FOUND => Problem::not_found("no such resource"),
        StatusCode::METHOD_NOT_ALLOWED => {
            Problem::for_status(status, "this resource does not answer that method")
        }
        StatusCode::REQUEST_TIMEOUT => Problem::for_status(
            status,
            format!("the request took longer than {} seconds", timeout.as_secs()),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => Problem::too_large(max),
        _ => Problem::for_status(status, text),
    };
    let mut answer = problem.into_response();
    if let Some(allow) = allow {
        answer.headers_mut().insert(header::ALLOW, allow);
    }
    answer
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Test code.
    use super::*;
    use axum::body::{Body, Bytes};
    use axum::http::Request;
    use axum::routing::post;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    #[tokio::test]
    async fn the_framework_refusals_are_problem_details() {
        let app = with_limits(
            Router::new()
                .route("/echo", post(|b: Bytes| async move { b }))
                .route(
                    "/json",
                    post(
                        |axum::Json(v): axum::Json<serde_json::Value>| async move { v.to_string() },
                    ),
                )
                .route(
                    "/slow",
                    post(|| async {
                        tokio::time::sleep(Duration::from_secs(5)).await;
                        "late"
                    }),
                ),
            Limits {
                max_body_bytes: 16,
                timeout: Duration::from_millis(100),
            },
        );
        // (method, path, content type, body, status, code)
        let cases = [
            ("POST", "/nowhere", "", "", 404, "not_found"),
            ("GET", "/echo", "", "", 405, "method_not_allowed"),
            (
                "POST",
                "/echo",
                "",
                "0123456789abcdefXYZ",
                413,
                "body_too_large",
            ),
            (
                "POST",
                "/json",
                "text/plain",
                "{}",
                415,
                "unsupported_media_type",
            ),
            ("POST", "/json", "application/json", "{", 400, "bad_request"),
            ("POST", "/slow", "", "", 408, "request_timeout"),
        ];
        for (method, path, kind, body, status, code) in cases {
            let mut request = Request::builder().method(method).uri(path);
            if !kind.is_empty() {
                request = request.header(header::CONTENT_TYPE, kind);
            }
            let response = app
                .clone()
                .oneshot(request.body(Body::from(body)).unwrap())
                .await
                .unwrap();
            assert_eq!(response.status().as_u16(), status, "{method} {path}");
            assert_eq!(
                response.headers()[header::CONTENT_TYPE],
                "application/problem+json",
                "{method} {path}"
            );
            let bytes = response.into_body().collect().await.unwrap().to_bytes();
            let problem: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(problem["code"], code, "{method} {path}");
            assert_eq!(problem["status"], status, "{method} {path}");
            assert_eq!(
                problem["title"],
                StatusCode::from_u16(status)
                    .unwrap()
                    .canonical_reason()
                    .unwrap()
            );
            assert!(!problem["detail"].as_str().unwrap().is_empty());
        }
        // A handler's own answer passes untouched.
        let ok = app
            .oneshot(Request::post("/echo").body(Body::from("hi")).unwrap())
            .await
            .unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
    }
}

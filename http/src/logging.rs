//! What a request is logged as: its method and the route pattern it matched, never the path or
//! query as sent (they carry recipient emails, wallet offer ids, claim tokens and share codes).

use axum::extract::MatchedPath;
use axum::http::Request;

/// The span a request's log lines belong to (for `TraceLayer::make_span_with`): `method`,
/// `route` — the pattern it matched, such as `/claim/{token}`, or `unmatched` — and the
/// `x-request-id` when one was set.
pub fn request_span<B>(request: &Request<B>) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        method = %request.method(),
        route,
        request_id,
    )
}

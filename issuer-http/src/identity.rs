//! The issuer's public identity documents — the did:web DID document and the JWK Set — and
//! the HTTP caching (ETag, max-age, 304) every public document shares.

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::openapi::ProblemDoc;
use crate::problem::Problem;
use crate::Shared;

#[utoipa::path(get, path = "/.well-known/did.json", tag = "identity", responses((status = 200, description = "The did:web DID document (ETag, Cache-Control)", body = Object), (status = 304, description = "Not modified"), (status = 404, description = "Not a did:web issuer", body = ProblemDoc)))]
pub(crate) async fn did_json(
    State(issuer): State<Shared>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    if !issuer.id().starts_with("did:web:") {
        return Err(Problem::not_found("this issuer is not a did:web issuer"));
    }
    Ok(cacheable(&headers, &issuer.did_document().await?))
}

#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "identity", responses((status = 200, description = "The public keys as a JWK Set (ETag, Cache-Control)", body = Object), (status = 304, description = "Not modified")))]
pub(crate) async fn jwks_json(
    State(issuer): State<Shared>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    Ok(cacheable(&headers, &issuer.jwks().await?))
}

/// A public document with an ETag and a 5-minute cache lifetime; 304 when the client has it.
fn cacheable(headers: &HeaderMap, body: &Value) -> Response {
    let text = body.to_string();
    let etag = format!(
        "\"{}\"",
        hex::encode(&Sha256::digest(text.as_bytes())[..16])
    );
    cached(headers, text, &etag, 300)
}

/// `text` with its ETag and `Cache-Control: public, max-age`; 304 on a matching
/// `If-None-Match` (RFC 9110 §13.1.2).
pub(crate) fn cached(headers: &HeaderMap, text: String, etag: &str, max_age: u32) -> Response {
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, "application/json")], text).into_response()
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
        h.insert(header::CACHE_CONTROL, v);
    }
    response
}

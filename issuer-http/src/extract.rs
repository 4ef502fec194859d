//! The request parts handlers take: the authenticated principal holding a route's scope, a JSON
//! body (media type checked exactly, parsed within the verifier's input limits), and the
//! `Idempotency-Key`. Every rejection is problem+json.

use std::marker::PhantomData;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use cairn_issuer::{Error, Issuer, Principal, Scope};
use serde_json::Value;

use crate::problem::Problem;
use crate::Shared;

/// A scope a route requires, as a type (`Auth<Read>`, `Auth<Admin>`, …).
pub(crate) trait RequiredScope {
    /// The scope.
    const SCOPE: Scope;
}

/// `read`: list and fetch.
#[derive(Debug)]
pub(crate) struct Read;
/// `issue`: sign credentials, create wallet offers.
#[derive(Debug)]
pub(crate) struct Issue;
/// `revoke`: revoke, suspend, reinstate.
#[derive(Debug)]
pub(crate) struct Revoke;
/// `admin`: achievements and the audit log.
#[derive(Debug)]
pub(crate) struct Admin;

impl RequiredScope for Read {
    const SCOPE: Scope = Scope::Read;
}
impl RequiredScope for Issue {
    const SCOPE: Scope = Scope::Issue;
}
impl RequiredScope for Revoke {
    const SCOPE: Scope = Scope::Revoke;
}
impl RequiredScope for Admin {
    const SCOPE: Scope = Scope::Admin;
}

/// The caller, authenticated by its bearer token, holding scope `S` (401 without a valid token,
/// 403 without the scope).
#[derive(Debug)]
pub(crate) struct Auth<S>(pub Principal, pub PhantomData<S>);

impl<S: RequiredScope + Send + Sync> FromRequestParts<Shared> for Auth<S> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, issuer: &Shared) -> Result<Self, Problem> {
        let principal = authorize(issuer, &parts.headers, S::SCOPE).await?;
        Ok(Auth(principal, PhantomData))
    }
}

/// The caller a valid bearer token stands for, whatever its scopes (401 without one).
pub(crate) async fn authenticate(
    issuer: &Issuer,
    headers: &HeaderMap,
) -> Result<Principal, Problem> {
    let token = cairn_http::bearer_token(headers).ok_or_else(Problem::unauthorized)?;
    issuer
        .authenticate(token)
        .await?
        .ok_or_else(Problem::unauthorized)
}

/// The bearer token's principal, which must hold `scope`.
pub(crate) async fn authorize(
    issuer: &Issuer,
    headers: &HeaderMap,
    scope: Scope,
) -> Result<Principal, Problem> {
    let principal = authenticate(issuer, headers).await?;
    if principal.allows(scope) {
        Ok(principal)
    } else {
        Err(Problem::forbidden(scope.name()))
    }
}

/// A JSON request body as `T`, with the bytes as sent (for hashing).
#[derive(Debug)]
pub(crate) struct JsonBody<T> {
    pub value: T,
    pub raw: Bytes,
}

impl<T: serde::de::DeserializeOwned> FromRequest<Shared> for JsonBody<T> {
    type Rejection = Problem;

    async fn from_request(request: Request, state: &Shared) -> Result<Self, Problem> {
        let headers = request.headers().clone();
        let raw = Bytes::from_request(request, state)
            .await
            .map_err(|e| Problem(cairn_http::Problem::for_status(e.status(), e.body_text())))?;
        let value = json_body(&headers, &raw)?;
        Ok(JsonBody { value, raw })
    }
}

/// A JSON body, refused as problem details when it is not JSON: 415 for another media type,
/// 400 when it does not parse (or breaks the input limits), 422 when it is not a `T`.
pub(crate) fn json_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<T, Problem> {
    if !cairn_http::is_json_media_type(&cairn_http::media_type(headers)) {
        return Err(Problem(cairn_http::Problem::unsupported_media_type(
            "application/json",
        )));
    }
    let value = cairn_verifier::parse_json_object(body, &cairn_verifier::Limits::default())
        .map_err(|e| Problem::new(StatusCode::BAD_REQUEST, e.code(), e.to_string()))?;
    serde_json::from_value(Value::Object(value)).map_err(|e| {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            e.to_string(),
        )
    })
}

/// The `Idempotency-Key` header, when sent (draft-ietf-httpapi-idempotency-key-header §2).
#[derive(Debug)]
pub(crate) struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        parts
            .headers
            .get("idempotency-key")
            .map(|v| v.to_str().map(str::to_owned))
            .transpose()
            .map(IdempotencyKey)
            .map_err(|_| Error::InvalidIdempotencyKey.into())
    }
}

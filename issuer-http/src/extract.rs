//! The request parts handlers take: the caller holding a route's permission, a JSON
//! body (media type checked exactly, parsed within the verifier's input limits), and the
//! `Idempotency-Key`. Every rejection is problem+json.

use std::marker::PhantomData;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode};
use cairn_issuer::{Caller, Error, Issuer, Permission, Principal};
use serde_json::Value;

use crate::problem::Problem;
use crate::Shared;

/// A permission a route requires, as a type (`Auth<ReadCredentials>`, …). Who holds it is the
/// issuer's permission table (`cairn_issuer::Permission`), for tokens and people alike.
pub(crate) trait Required {
    /// The permission.
    const PERMISSION: Permission;
}

macro_rules! permissions {
    ($($name:ident),* $(,)?) => {$(
        #[doc = concat!("Requires `Permission::", stringify!($name), "`.")]
        #[derive(Debug)]
        pub(crate) struct $name;
        impl Required for $name {
            const PERMISSION: Permission = Permission::$name;
        }
    )*};
}

permissions!(
    ReadCredentials,
    Issue,
    ChangeStatus,
    ManageAchievements,
    ManageKeys,
    ManageTokens,
    ReadAudit,
    ManageUsers,
    ManageSettings,
    Submit,
    Review,
    ManageReviews,
    ApprovePay,
);

/// The caller holding permission `P`: a bearer token, or a person signed in to the console
/// (whose unsafe requests must carry the session's CSRF token in `X-CSRF-Token`). 401 without
/// either, 403 without the permission.
#[derive(Debug)]
pub(crate) struct Auth<P>(pub Caller, pub PhantomData<P>);

impl<P: Required + Send + Sync> FromRequestParts<Shared> for Auth<P> {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, issuer: &Shared) -> Result<Self, Problem> {
        let caller = api_caller(issuer, &parts.method, &parts.headers).await?;
        permit(&caller, P::PERMISSION)?;
        Ok(Auth(caller, PhantomData))
    }
}

/// 403 unless `caller` holds `permission` (the permission table's answer).
pub(crate) fn permit(caller: &Caller, permission: Permission) -> Result<(), Problem> {
    if caller.may(permission) {
        return Ok(());
    }
    Err(match caller {
        Caller::Token(_) => Problem::forbidden(permission.scope().name()),
        Caller::Staff(s) => Problem::new(
            StatusCode::FORBIDDEN,
            "role_not_permitted",
            format!(
                "your role ({}) does not allow this: {}",
                s.member.role.label(),
                permission.label().to_lowercase()
            ),
        ),
    })
}

/// Who calls the API: the bearer token's principal, else the console session's person.
pub(crate) async fn api_caller(
    issuer: &Issuer,
    method: &Method,
    headers: &HeaderMap,
) -> Result<Caller, Problem> {
    if cairn_http::bearer_token(headers).is_some() {
        return Ok(Caller::Token(authenticate(issuer, headers).await?));
    }
    let Some(cookie) = crate::console::session_cookie(headers) else {
        return Err(Problem::unauthorized());
    };
    let signed_in = issuer
        .signed_in(&cookie)
        .await?
        .ok_or_else(Problem::unauthorized)?;
    if !matches!(*method, Method::GET | Method::HEAD) {
        let given = headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if !cairn_issuer::csrf_matches(&cookie, given) {
            return Err(crate::console::csrf_problem());
        }
    }
    Ok(Caller::Staff(signed_in))
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

/// The API's caller (token or session), which must hold `permission`.
pub(crate) async fn authorize(
    issuer: &Issuer,
    method: &Method,
    headers: &HeaderMap,
    permission: Permission,
) -> Result<Caller, Problem> {
    let caller = api_caller(issuer, method, headers).await?;
    permit(&caller, permission)?;
    Ok(caller)
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

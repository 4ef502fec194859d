//! The wallet hand-off routes: OpenID4VCI 1.0 metadata, offers, token, nonce, credential and
//! notification endpoints (errors as `{error, error_description}`, never cached), the VC-API
//! exchange, and the admin API that opens a claim and shows its state.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::{json, Value};

use super::openapi::ProblemDoc;
use super::problem::Problem;
use crate::extract::{authorize, json_body};
use crate::Shared;
use cairn_issuer::{Error, WalletRefusal};

use crate::problem::wallet_status;
use cairn_issuer::Permission;

/// The wallet routes, merged into the service's router.
pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route(
            "/.well-known/openid-credential-issuer",
            get(issuer_metadata),
        )
        .route(
            "/.well-known/openid-credential-issuer/{*path}",
            get(issuer_metadata),
        )
        .route("/.well-known/oauth-authorization-server", get(as_metadata))
        .route("/.well-known/openid-configuration", get(as_metadata))
        .route("/oid4vci/offers/{secret}", get(offer))
        .route("/oid4vci/token", post(token))
        .route("/oid4vci/nonce", post(nonce))
        .route("/oid4vci/credential", post(credential))
        .route("/oid4vci/notification", post(notification))
        .route("/exchanges/{id}", post(exchange))
        .route("/workflows/claim/exchanges/{id}", post(exchange))
        .route(
            "/claim/{token}",
            get(super::claim_page::claim_link_page).post(super::claim_page::claim_link_redeem),
        )
        .route(
            "/claim/sessions/{id}",
            get(super::claim_page::claim_received),
        )
        .route("/api/v1/claims", post(create_claim))
        .route("/api/v1/claims/{id}", get(claim_state))
}

/// An OAuth-style error answer (RFC 6749 §5.2, OpenID4VCI §6.3, §8.3.1, §11.3).
pub(super) struct OAuthError(Error);

impl From<Error> for OAuthError {
    fn from(e: Error) -> Self {
        OAuthError(e)
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let Error::Wallet { refusal, message } = &self.0 else {
            tracing::error!(code = self.0.code(), error = %self.0, "wallet request failed");
            return no_store(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({"error": "server_error", "error_description": "the server could not complete the request"}),
            );
        };
        let status = match refusal {
            // OpenID4VCI 1.0 §8.3.1.2: a Credential Error Response is a 400 (the VC-API
            // exchange answers the same refusal with 409).
            WalletRefusal::CredentialRequestDenied => StatusCode::BAD_REQUEST,
            other => wallet_status(*other),
        };
        let mut response = no_store(
            status,
            json!({"error": refusal.code(), "error_description": message}),
        );
        if status == StatusCode::UNAUTHORIZED {
            // RFC 6750 §3.
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        response
    }
}

/// A JSON answer that no cache may keep (OAuth 2.0 §5.1).
fn no_store(status: StatusCode, body: Value) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body.to_string(),
    )
        .into_response()
}

fn bearer(headers: &HeaderMap) -> Result<&str, OAuthError> {
    cairn_http::bearer_token(headers).ok_or_else(|| {
        OAuthError(Error::wallet(
            WalletRefusal::InvalidToken,
            "a bearer access token is required",
        ))
    })
}

fn json_request(body: &Bytes) -> Result<Value, OAuthError> {
    serde_json::from_slice(body).map_err(|_| {
        OAuthError(Error::wallet(
            WalletRefusal::InvalidCredentialRequest,
            "the body must be JSON",
        ))
    })
}

#[utoipa::path(get, path = "/.well-known/openid-credential-issuer", tag = "wallet", responses((status = 200, description = "OpenID4VCI 1.0 §12.2 credential issuer metadata (also under /.well-known/openid-credential-issuer/{path})", body = Object), (status = 404, description = "No https issuer.url: wallet hand-off is off", body = Object)))]
pub(super) async fn issuer_metadata(State(issuer): State<Shared>) -> Result<Response, OAuthError> {
    Ok(no_cache_json(issuer.credential_issuer_metadata()?))
}

#[utoipa::path(get, path = "/.well-known/oauth-authorization-server", tag = "wallet", responses((status = 200, description = "RFC 8414 authorization server metadata (the same at /.well-known/openid-configuration)", body = Object)))]
pub(super) async fn as_metadata(State(issuer): State<Shared>) -> Result<Response, OAuthError> {
    Ok(no_cache_json(issuer.authorization_server_metadata()?))
}

/// Metadata may be cached briefly.
fn no_cache_json(body: Value) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body.to_string(),
    )
        .into_response()
}

#[utoipa::path(get, path = "/oid4vci/offers/{id}", tag = "wallet", params(("id" = String, Path, description = "The offer URI's secret segment")), responses((status = 200, description = "OpenID4VCI §4.1 credential offer (while its code is unused)", body = Object), (status = 404, description = "{error: offer_not_found}", body = Object)))]
pub(super) async fn offer(
    State(issuer): State<Shared>,
    Path(secret): Path<String>,
) -> Result<Response, OAuthError> {
    let offer = issuer.credential_offer(&secret, issuer.now()).await?;
    Ok(no_store(StatusCode::OK, offer))
}

/// The token request's form (OpenID4VCI 1.0 §6.1, the pre-authorized code grant).
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)] // Only its schema is used.
pub(crate) struct TokenForm {
    /// `urn:ietf:params:oauth:grant-type:pre-authorized_code`.
    grant_type: String,
    /// The code from the credential offer.
    #[schema(rename = "pre-authorized_code")]
    pre_authorized_code: String,
    /// The transaction code, when the offer asks for one.
    tx_code: Option<String>,
}

#[utoipa::path(post, path = "/oid4vci/token", tag = "wallet", request_body(content = TokenForm, description = "grant_type=urn:ietf:params:oauth:grant-type:pre-authorized_code&pre-authorized_code=…[&tx_code=…]", content_type = "application/x-www-form-urlencoded"), responses((status = 200, description = "{access_token, token_type, expires_in, c_nonce, c_nonce_expires_in}", body = Object), (status = 400, description = "{error: invalid_request | invalid_grant | unsupported_grant_type}", body = Object)))]
pub(super) async fn token(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OAuthError> {
    // RFC 6749 §4.1.3 / OpenID4VCI §6.1: a form-encoded body.
    if cairn_http::media_type(&headers) != "application/x-www-form-urlencoded" {
        return Err(OAuthError(Error::wallet(
            WalletRefusal::InvalidRequest,
            "the token request must be application/x-www-form-urlencoded",
        )));
    }
    let mut form = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(&body) {
        // RFC 6749 §3.2: parameters must not repeat.
        if form.insert(k.into_owned(), v.into_owned()).is_some() {
            return Err(OAuthError(Error::wallet(
                WalletRefusal::InvalidRequest,
                "a parameter is repeated",
            )));
        }
    }
    let answer = issuer.oid4vci_token(&form, issuer.now()).await?;
    Ok(no_store(StatusCode::OK, answer))
}

#[utoipa::path(post, path = "/oid4vci/nonce", tag = "wallet", responses((status = 200, description = "{c_nonce}", body = Object)))]
pub(super) async fn nonce(State(issuer): State<Shared>) -> Result<Response, OAuthError> {
    let nonce = issuer.oid4vci_nonce(issuer.now()).await?;
    Ok(no_store(StatusCode::OK, json!({"c_nonce": nonce})))
}

#[utoipa::path(post, path = "/oid4vci/credential", tag = "wallet", security(("bearer" = [])), request_body(content = Object, description = "{credential_configuration_id, proofs: {jwt: [proof]}} (1.0) or {format, proof: {proof_type: jwt, jwt}} (draft 13)"), responses((status = 200, description = "{credentials: [{credential}], notification_id}", body = Object), (status = 400, description = "{error: invalid_proof | invalid_nonce | invalid_credential_request | unknown_credential_configuration | credential_request_denied | …}", body = Object), (status = 401, description = "{error: invalid_token}", body = Object)))]
pub(super) async fn credential(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OAuthError> {
    let token = bearer(&headers)?;
    let request = json_request(&body)?;
    let answer = issuer
        .oid4vci_credential(token, &request, issuer.now())
        .await?;
    Ok(no_store(StatusCode::OK, answer))
}

#[utoipa::path(post, path = "/oid4vci/notification", tag = "wallet", security(("bearer" = [])), request_body(content = Object, description = "{notification_id, event: credential_accepted | credential_failure | credential_deleted}"), responses((status = 204, description = "Recorded"), (status = 400, description = "{error: invalid_notification_id | invalid_notification_request}", body = Object), (status = 401, description = "{error: invalid_token}", body = Object)))]
pub(super) async fn notification(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, OAuthError> {
    let token = bearer(&headers)?;
    let request: Value = serde_json::from_slice(&body).map_err(|_| {
        OAuthError(Error::wallet(
            WalletRefusal::InvalidNotificationRequest,
            "the body must be JSON",
        ))
    })?;
    issuer
        .oid4vci_notification(token, &request, issuer.now())
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// VC-API exchanges answer errors as problem details with the exchange's codes.
#[utoipa::path(post, path = "/exchanges/{id}", tag = "wallet", params(("id" = String, Path, description = "The exchange id from the wallet link")), request_body(content = Object, description = "{} or {verifiablePresentation} (also at /workflows/claim/exchanges/{id})"), responses((status = 200, description = "{verifiablePresentationRequest} or {verifiablePresentation: {verifiableCredential: [credential]}}", body = Object), (status = 400, body = ProblemDoc), (status = 404, body = ProblemDoc), (status = 410, description = "exchange_complete or exchange_expired", body = ProblemDoc)))]
pub(super) async fn exchange(
    State(issuer): State<Shared>,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, Problem> {
    let message: Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(&body).map_err(|_| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid_message",
                "the exchange message must be JSON",
            )
        })?
    };
    match issuer.vc_api_exchange(&id, &message, issuer.now()).await {
        Ok(answer) => Ok(no_store(StatusCode::OK, answer)),
        Err(e) => Err(e.into()),
    }
}

/// `POST /api/v1/claims`: what "Send to wallet" needs.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(super) struct ClaimBody {
    credential_id: String,
    /// Also require a 6-digit transaction code in the OpenID4VCI flow.
    #[serde(default)]
    tx_code: bool,
}

#[utoipa::path(post, path = "/api/v1/claims", tag = "wallet", security(("bearer" = ["issue"])), request_body = ClaimBody, responses((status = 201, description = "{sessionId, expiresAt, oid4vciLink, oid4vciLinkByValue, credentialOfferUri, exchangeUrl, lcwLink, txCode?, oid4vciQrSvg, lcwQrSvg}", body = Object), (status = 404, body = ProblemDoc), (status = 409, body = ProblemDoc)))]
pub(super) async fn create_claim(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let caller = authorize(&issuer, &Method::POST, &headers, Permission::Issue).await?;
    let body: ClaimBody = json_body(&headers, &body)?;
    let offer = issuer
        .create_claim(
            &body.credential_id,
            body.tx_code,
            issuer.now(),
            &caller.actor(),
        )
        .await
        .map_err(wallet_problem)?;
    let mut answer = serde_json::to_value(&offer).map_err(|e| Error::Database(e.to_string()))?;
    answer["oid4vciQrSvg"] = json!(cairn_issuer::qr_svg(&offer.oid4vci_link)?);
    answer["lcwQrSvg"] = json!(cairn_issuer::qr_svg(&offer.lcw_link)?);
    Ok((
        StatusCode::CREATED,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        answer.to_string(),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/claims/{id}", tag = "wallet", security(("bearer" = ["read"])), params(("id" = String, Path, description = "The claim session id")), responses((status = 200, description = "{sessionId, credentialId, state (waiting|claimed|expired|failed), createdAt, expiresAt, claimedAt?, holder?, walletCredentialId?, walletEvent?}", body = Object), (status = 404, body = ProblemDoc)))]
pub(super) async fn claim_state(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    authorize(&issuer, &Method::GET, &headers, Permission::ReadCredentials).await?;
    let state = issuer
        .claim_state(&id, issuer.now())
        .await
        .map_err(wallet_problem)?;
    Ok(axum::Json(state).into_response())
}

/// Admin API refusals of the wallet module as problem details: as everywhere, except that an
/// issuer without an https address is a conflict with its configuration here (the wallet
/// routes themselves then do not exist: 404).
fn wallet_problem(e: Error) -> Problem {
    match e {
        Error::Wallet {
            refusal: WalletRefusal::WalletUnavailable,
            message,
        } => Problem::new(
            StatusCode::CONFLICT,
            WalletRefusal::WalletUnavailable.code(),
            message,
        ),
        other => other.into(),
    }
}

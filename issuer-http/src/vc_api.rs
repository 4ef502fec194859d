//! W3C VC-API `POST /credentials/issue`: `{credential, options}` → 201 `{verifiableCredential}`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cairn_issuer::{Actor, Caller, Error, Permission, VcApiGrant};
use serde_json::{json, Value};

use crate::extract::{authenticate, json_body};
use crate::openapi::ProblemDoc;
use crate::problem::Problem;
use crate::Shared;

/// The caller: a token with the `sign` scope (any credential type) or the `issue` scope (badges of
/// this issuer's achievements), unless `server.vc_api_requires_token = false` (local conformance
/// runs of the W3C suites only).
#[utoipa::path(post, path = "/credentials/issue", tag = "vc-api", security(("bearer" = ["issue"]), ("bearer" = ["sign"])), request_body(content = Object, description = "{credential, options}"), responses((status = 201, description = "{verifiableCredential}", body = Object), (status = 400, body = ProblemDoc)))]
pub(crate) async fn issue(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let (grant, actor) = if issuer.config().config.server.vc_api_requires_token {
        // Machines only: the VC-API takes a bearer token, never a console session.
        let caller = Caller::Token(authenticate(&issuer, &headers).await?);
        let grant = if caller.may(Permission::SignAny) {
            VcApiGrant::AnyType
        } else if caller.may(Permission::Issue) {
            VcApiGrant::OwnAchievements
        } else {
            return Err(Problem::forbidden(Permission::Issue.scope().name()));
        };
        (grant, caller.actor())
    } else {
        (
            VcApiGrant::AnyType,
            Actor("vc-api:unauthenticated".to_owned()),
        )
    };
    let request: Value = json_body(&headers, &body)?;
    let credential = request.get("credential").cloned().ok_or_else(|| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body needs a credential",
        )
    })?;
    // Canonicalising a caller's document is the costly part (held to the verifier library's work
    // budget): it runs on a blocking thread so the async workers keep answering other requests.
    let runtime = tokio::runtime::Handle::current();
    let signer = std::sync::Arc::clone(&issuer);
    let signed = tokio::task::spawn_blocking(move || {
        runtime.block_on(signer.issue_vc_api(credential, grant, signer.now(), &actor))
    })
    .await
    .map_err(|_| {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "signing failed unexpectedly",
        )
    })?
    .map_err(|e| match e {
        // VC-API: a credential the issuer cannot sign as given is a 400.
        Error::InvalidInput { .. } => {
            Problem::new(StatusCode::BAD_REQUEST, e.code(), e.to_string())
        }
        other => Problem::from(other),
    })?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({ "verifiableCredential": signed })),
    )
        .into_response())
}

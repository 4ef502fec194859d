//! Revocation and suspension: the admin calls that change a credential's status, and the
//! public, signed status lists verifiers fetch.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cairn_issuer::{Error, StatusAction};
use serde::Deserialize;
use serde_json::json;

use crate::extract::{Auth, ChangeStatus, JsonBody};
use crate::identity::cached;
use crate::openapi::ProblemDoc;
use crate::problem::Problem;
use crate::Shared;

/// The longest reason kept in the audit log.
const MAX_REASON_CHARS: usize = 2000;

/// The body of the revoke, suspend and reinstate requests.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct StatusBody {
    /// The credential's full id, its page id or its share code.
    credential_id: String,
    /// Kept in the audit log; never published.
    reason: Option<String>,
}

async fn change_status(
    issuer: &Shared,
    Auth(caller, _): Auth<ChangeStatus>,
    request: StatusBody,
    action: StatusAction,
) -> Result<Response, Problem> {
    if request
        .reason
        .as_ref()
        .is_some_and(|r| r.len() > MAX_REASON_CHARS)
    {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "a reason has at most 2000 characters",
        ));
    }
    let change = issuer
        .change_status(
            &request.credential_id,
            action,
            request.reason.as_deref(),
            &caller.actor(),
        )
        .await?;
    Ok(axum::Json(json!({
        "credentialId": request.credential_id,
        "status": change.state.name(),
        "changed": !change.changed_lists.is_empty(),
    }))
    .into_response())
}

#[utoipa::path(post, path = "/api/v1/credentials/revoke", tag = "status", security(("bearer" = ["revoke"])), request_body = StatusBody, responses((status = 200, description = "{credentialId, status, changed}; revoking twice is not an error", body = Object), (status = 404, body = ProblemDoc), (status = 409, body = ProblemDoc)))]
pub(crate) async fn revoke(
    State(issuer): State<Shared>,
    auth: Auth<ChangeStatus>,
    body: JsonBody<StatusBody>,
) -> Result<Response, Problem> {
    change_status(&issuer, auth, body.value, StatusAction::Revoke).await
}

#[utoipa::path(post, path = "/api/v1/credentials/suspend", tag = "status", security(("bearer" = ["revoke"])), request_body = StatusBody, responses((status = 200, description = "{credentialId, status, changed}", body = Object), (status = 404, body = ProblemDoc), (status = 409, description = "The credential is revoked", body = ProblemDoc)))]
pub(crate) async fn suspend(
    State(issuer): State<Shared>,
    auth: Auth<ChangeStatus>,
    body: JsonBody<StatusBody>,
) -> Result<Response, Problem> {
    change_status(&issuer, auth, body.value, StatusAction::Suspend).await
}

#[utoipa::path(post, path = "/api/v1/credentials/reinstate", tag = "status", security(("bearer" = ["revoke"])), request_body = StatusBody, responses((status = 200, description = "{credentialId, status, changed}", body = Object), (status = 404, body = ProblemDoc), (status = 409, description = "The credential is revoked", body = ProblemDoc)))]
pub(crate) async fn reinstate(
    State(issuer): State<Shared>,
    auth: Auth<ChangeStatus>,
    body: JsonBody<StatusBody>,
) -> Result<Response, Problem> {
    change_status(&issuer, auth, body.value, StatusAction::Reinstate).await
}

/// `GET /status/{purpose}/{seq}`: the signed BitstringStatusListCredential, re-signed when it
/// changed or half its validity has passed; ETag, `Cache-Control: max-age` = the list's ttl.
#[utoipa::path(get, path = "/status/{purpose}/{seq}", tag = "status", params(("purpose" = String, Path, description = "revocation or suspension"), ("seq" = u32, Path, description = "The list's number")), responses((status = 200, description = "The BitstringStatusListCredential (ETag, Cache-Control)", body = Object), (status = 304, description = "Not modified"), (status = 404, body = ProblemDoc)))]
pub(crate) async fn status_list(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    Path((purpose, seq)): Path<(String, u32)>,
) -> Result<Response, Problem> {
    let not_found = || Problem::not_found("no such status list");
    let base = issuer.status_base_url()?.ok_or_else(not_found)?;
    if purpose != "revocation" && purpose != "suspension" {
        return Err(not_found());
    }
    let list = match issuer
        .current_status_list(&format!("{base}/{purpose}/{seq}"), issuer.now())
        .await
    {
        Err(Error::StatusListNotFound(_)) => return Err(not_found()),
        other => other?,
    };
    Ok(cached(
        &headers,
        list.json,
        &list.etag,
        list.max_age_seconds,
    ))
}

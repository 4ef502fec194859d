//! `/api/v1/credentials`: issue one credential (with an optional idempotency key), find issued
//! credentials, fetch one; and `/api/v1/audit`.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use cairn_issuer::{
    CredentialQuery, Error, Format, IdempotentStart, IssueRequest, Issued, Issuer, JwtAlg,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::extract::{Auth, IdempotencyKey, Issue, JsonBody, ReadAudit, ReadCredentials};
use crate::openapi::ProblemDoc;
use crate::problem::Problem;
use crate::Shared;

/// The body of `POST /api/v1/credentials`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct IssueBody {
    achievement: String,
    recipient_email: String,
    recipient_did: Option<String>,
    recipient_name: Option<String>,
    #[serde(default)]
    evidence: Vec<String>,
    evidence_narrative: Option<String>,
    credits: Option<f64>,
    valid_until: Option<DateTime<Utc>>,
    /// `json` (default) or `jwt`.
    format: Option<String>,
    /// `rs256` or `eddsa`, for `jwt`.
    alg: Option<String>,
    /// `false` issues without status entries (default: with them, when the issuer publishes
    /// status lists).
    status: Option<bool>,
}

impl IssueBody {
    fn format(&self, issuer: &Issuer) -> Result<Format, Problem> {
        let bad = |m: &str| {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                m.to_owned(),
            )
        };
        match self.format.as_deref().unwrap_or("json") {
            "json" if self.alg.is_none() => Ok(Format::Json),
            "json" => Err(bad("alg goes with format jwt")),
            "jwt" => {
                let alg = match self.alg.as_deref() {
                    Some("rs256") => JwtAlg::Rs256,
                    Some("eddsa") => JwtAlg::EdDsa,
                    None if issuer.id().starts_with("did:web:") => JwtAlg::Rs256,
                    None => JwtAlg::EdDsa,
                    Some(_) => return Err(bad("alg is rs256 or eddsa")),
                };
                Ok(Format::Jwt {
                    alg,
                    embed_proof: false,
                })
            }
            _ => Err(bad("format is json or jwt")),
        }
    }

    fn into_request(self) -> IssueRequest {
        IssueRequest {
            achievement: self.achievement,
            recipient_email: self.recipient_email,
            recipient_did: self.recipient_did,
            recipient_name: self.recipient_name,
            evidence_urls: self.evidence,
            evidence_narrative: self.evidence_narrative,
            credits: self.credits,
            valid_until: self.valid_until,
            row_key: None,
            without_status: self.status == Some(false),
            lease: None,
            results: Vec::new(),
            evidence: Vec::new(),
        }
    }
}

/// A 201 with a JSON body already written.
fn created(text: String) -> Response {
    (
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/json")],
        text,
    )
        .into_response()
}

#[utoipa::path(post, path = "/api/v1/credentials", tag = "credentials", security(("bearer" = ["issue"])), params(("Idempotency-Key" = Option<String>, Header, description = "A retried request with the same key returns the first result")), request_body = IssueBody, responses((status = 201, description = "{credential, jws?}", body = Object), (status = 409, body = ProblemDoc), (status = 422, body = ProblemDoc)))]
pub(crate) async fn issue(
    State(issuer): State<Shared>,
    Auth(caller, _): Auth<Issue>,
    IdempotencyKey(key): IdempotencyKey,
    body: JsonBody<IssueBody>,
) -> Result<Response, Problem> {
    let format = body.value.format(&issuer)?;
    let owner = caller.idempotency_owner();
    let token = owner.as_str();
    let mut request = body.value.into_request();
    if let Some(key) = &key {
        match issuer.begin_idempotent(token, key, &body.raw).await? {
            IdempotentStart::Replay(response) => return Ok(replayed(response)),
            // The request that stored it died before it answered: answer with what it stored.
            IdempotentStart::Stored(ids) => {
                let id = ids.first().map(String::as_str).unwrap_or_default();
                let record = issuer.credential_record(id).await?;
                let text = issued_body(record.credential, record.jws);
                issuer.finish_idempotent(token, key, &text).await?;
                return Ok(replayed(text));
            }
            IdempotentStart::Proceed(lease) => request.lease = Some(lease),
        }
    }
    let issued = match issuer
        .issue_as(&request, format, issuer.now(), &caller.actor())
        .await
    {
        Ok(i) => i,
        Err(e) => {
            if let Some(lease) = &request.lease {
                issuer.abandon_idempotent(lease).await?;
            }
            return Err(e.into());
        }
    };
    let text = match issued {
        Issued::Json(credential) => issued_body(credential, None),
        Issued::Jwt { jws, credential } => issued_body(credential, Some(jws)),
    };
    if let Some(key) = &key {
        issuer.finish_idempotent(token, key, &text).await?;
    }
    Ok(created(text))
}

/// The answer to an issue request: `{credential, jws?}`.
fn issued_body(credential: Value, jws: Option<String>) -> String {
    match jws {
        None => json!({ "credential": credential }),
        Some(jws) => json!({ "credential": credential, "jws": jws }),
    }
    .to_string()
}

/// A 201 that repeats the answer to an earlier request with the same `Idempotency-Key`.
fn replayed(text: String) -> Response {
    let mut r = created(text);
    r.headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    r
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// The recipient's email (matched by hash).
    recipient: Option<String>,
    /// Achievement slug or id.
    achievement: Option<String>,
    /// A part of the recipient's name (any case).
    name: Option<String>,
    /// Issued at or after (RFC 3339).
    issued_from: Option<DateTime<Utc>>,
    /// Issued before (RFC 3339).
    issued_before: Option<DateTime<Utc>>,
    /// Page size, 1–500 (default 50).
    limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

fn bad_query(m: impl Into<String>) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_query", m)
}

#[utoipa::path(get, path = "/api/v1/credentials", tag = "credentials", security(("bearer" = ["read"])), params(ListQuery), responses((status = 200, description = "{credentials: [{id, achievementId, issuedAt, status}], next_cursor}", body = Object), (status = 422, body = ProblemDoc)))]
pub(crate) async fn list(
    State(issuer): State<Shared>,
    _: Auth<ReadCredentials>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let Query(q) = query.map_err(|e| bad_query(e.body_text()))?;
    let query = CredentialQuery {
        recipient_email: q.recipient,
        achievement: q.achievement,
        recipient_name: q.name,
        issued_from: q.issued_from,
        issued_before: q.issued_before,
        cursor: q.cursor,
        limit: q.limit.unwrap_or(50),
    };
    let page = issuer
        .search_credentials(&query)
        .await
        .map_err(|e| match e {
            Error::InvalidInput { .. } => bad_query(e.to_string()),
            Error::AchievementNotFound(a) => Problem::not_found(format!("no achievement {a:?}")),
            other => Problem::from(other),
        })?;
    let items: Vec<Value> = page
        .credentials
        .iter()
        .map(|h| json!({"id": h.id, "achievementId": h.achievement_id, "issuedAt": h.issued_at, "status": h.status}))
        .collect();
    Ok(
        axum::Json(json!({ "credentials": items, "next_cursor": page.next_cursor }))
            .into_response(),
    )
}

#[utoipa::path(get, path = "/api/v1/credentials/{id}", tag = "credentials", security(("bearer" = ["read"])), params(("id" = String, Path, description = "Credential id")), responses((status = 200, description = "{credential, jws}", body = Object), (status = 404, body = ProblemDoc)))]
pub(crate) async fn get(
    State(issuer): State<Shared>,
    _: Auth<ReadCredentials>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let record = issuer.credential_record(&id).await.map_err(|e| match e {
        Error::CredentialNotFound(_) => Problem::not_found(format!("no credential {id:?}")),
        other => other.into(),
    })?;
    Ok(axum::Json(json!({ "credential": record.credential, "jws": record.jws })).into_response())
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = ["admin"])), responses((status = 200, description = "{entries: [{at, actor, action, subject, detail}]}", body = Object)))]
pub(crate) async fn audit_log(
    State(issuer): State<Shared>,
    _: Auth<ReadAudit>,
) -> Result<Response, Problem> {
    let entries: Vec<Value> = issuer
        .audit_entries()
        .await?
        .into_iter()
        .map(|e| {
            json!({"at": e.at, "actor": e.actor, "action": e.action, "subject": e.subject, "detail": e.detail})
        })
        .collect();
    Ok(axum::Json(json!({ "entries": entries })).into_response())
}

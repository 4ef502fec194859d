//! `POST /api/v1/credentials/batch`: a roster issued over the API, answered row by row.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cairn_issuer::bulk::{self, RosterRequests, RowStatus};
use cairn_issuer::{Actor, IssueRequest, Issuer};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::extract::{Auth, Issue};
use crate::openapi::ProblemDoc;
use crate::problem::Problem;
use crate::Shared;

/// Most rows one batch request may carry.
const MAX_BATCH_ROWS: usize = 10_000;
/// Rows of a batch request issued together (one commit): small, because the service's one
/// thread waits while a group is signed.
const SERVER_BATCH_ROWS: usize = 32;

/// A batch row given as JSON: the single-issue body plus an optional `rowKey`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct BatchRow {
    achievement: String,
    recipient_email: String,
    recipient_did: Option<String>,
    recipient_name: Option<String>,
    #[serde(default)]
    evidence: Vec<String>,
    evidence_narrative: Option<String>,
    credits: Option<f64>,
    valid_until: Option<DateTime<Utc>>,
    row_key: Option<String>,
    status: Option<bool>,
}

fn batch_rows_from_json(body: &Bytes) -> Result<RosterRequests, Problem> {
    let rows: Vec<Value> = serde_json::from_slice(body)
        .map_err(|e| Problem::new(StatusCode::BAD_REQUEST, "invalid_json", e.to_string()))?;
    Ok(rows
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            // Without a rowKey the key is a hash of the row as sent: resending it issues nothing.
            let derived = format!(
                "auto:{}",
                hex::encode(&Sha256::digest(v.to_string().as_bytes())[..16])
            );
            let request = serde_json::from_value::<BatchRow>(v)
                .map_err(|e| cairn_issuer::Error::input("row", e.to_string()))
                .map(|r| IssueRequest {
                    achievement: r.achievement,
                    recipient_email: r.recipient_email,
                    recipient_did: r.recipient_did,
                    recipient_name: r.recipient_name,
                    evidence_urls: r.evidence,
                    evidence_narrative: r.evidence_narrative,
                    credits: r.credits,
                    valid_until: r.valid_until,
                    row_key: Some(r.row_key.unwrap_or(derived)),
                    without_status: r.status == Some(false),
                    lease: None,
                    results: Vec::new(),
                    evidence: Vec::new(),
                });
            (i + 1, request)
        })
        .collect())
}

/// `POST /api/v1/credentials/batch`: a roster as `text/csv` (the `cairn issue-bulk` columns) or a
/// JSON array of rows; answers with one NDJSON line per row as it is done, then a summary line.
/// Bad rows are reported while good rows are issued; a row key is never issued twice.
#[utoipa::path(post, path = "/api/v1/credentials/batch", tag = "credentials", security(("bearer" = ["issue"])), request_body(content = Vec<BatchRow>, description = "A JSON array of rows, or text/csv with the roster columns", content_type = "application/json"), responses((status = 200, description = "NDJSON: one line per row, then {summary}", content_type = "application/x-ndjson"), (status = 415, body = ProblemDoc)))]
pub(crate) async fn issue_batch(
    State(issuer): State<Shared>,
    Auth(caller, _): Auth<Issue>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let content_type = cairn_http::media_type(&headers);
    let rows = if content_type == "text/csv" {
        bulk::parse_roster(&body[..])?
    } else if cairn_http::is_json_media_type(&content_type) {
        batch_rows_from_json(&body)?
    } else {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send text/csv or application/json",
        ));
    };
    if rows.len() > MAX_BATCH_ROWS {
        return Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_rows",
            format!("at most {MAX_BATCH_ROWS} rows per request"),
        ));
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<String>(64);
    tokio::spawn(async move { issue_rows(&issuer, rows, &caller.actor(), tx).await });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|line| (Ok::<_, std::convert::Infallible>(line), rx))
    });
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        axum::body::Body::from_stream(stream),
    )
        .into_response())
}

/// Issues `rows` a few at a time (one commit each), sending each row's NDJSON line once it is
/// stored, then the summary line; stops when the client has gone or the database fails (say so:
/// re-sending the batch resumes).
async fn issue_rows(
    issuer: &Issuer,
    rows: RosterRequests,
    actor: &Actor,
    tx: tokio::sync::mpsc::Sender<String>,
) {
    let mut counts = [0usize; 3];
    for batch in rows.chunks(SERVER_BATCH_ROWS) {
        let usable: Vec<&IssueRequest> =
            batch.iter().filter_map(|(_, r)| r.as_ref().ok()).collect();
        let mut statuses = match bulk::issue_requests(issuer, &usable, actor).await {
            Ok(s) => s.into_iter(),
            Err(e) => {
                tracing::error!(code = e.code(), error = %e, "batch stopped");
                let message = "the batch stopped because the database failed; re-send it to \
                               resume (rows already issued are not issued again)";
                let _ = tx
                    .send(
                        json!({"error": {"code": e.code(), "message": message}}).to_string() + "\n",
                    )
                    .await;
                return;
            }
        };
        for (line, request) in batch {
            let status = match request {
                Err(e) => RowStatus::Failed {
                    code: e.code().into(),
                    message: e.to_string(),
                },
                Ok(_) => statuses.next().unwrap_or(RowStatus::Failed {
                    code: "database_error".into(),
                    message: "the row's outcome went missing".into(),
                }),
            };
            let key = request.as_ref().ok().and_then(|r| r.row_key.clone());
            if tx
                .send(row_line(*line, key, &status, &mut counts) + "\n")
                .await
                .is_err()
            {
                return;
            }
        }
    }
    let [issued, already, failed] = counts;
    let summary =
        json!({"summary": {"issued": issued, "alreadyIssued": already, "failed": failed}});
    let _ = tx.send(summary.to_string() + "\n").await;
}

/// One row's NDJSON line; `counts` (issued, already issued, failed) counts it.
fn row_line(
    line: usize,
    key: Option<String>,
    status: &RowStatus,
    counts: &mut [usize; 3],
) -> String {
    let item = match status {
        RowStatus::Issued(id) => {
            counts[0] += 1;
            json!({"line": line, "rowKey": key, "status": "issued", "credentialId": id})
        }
        RowStatus::AlreadyIssued(id) => {
            counts[1] += 1;
            json!({"line": line, "rowKey": key, "status": "already_issued", "credentialId": id})
        }
        RowStatus::Failed { code, message } => {
            counts[2] += 1;
            json!({"line": line, "rowKey": key, "status": "failed", "code": code, "message": message})
        }
    };
    item.to_string()
}

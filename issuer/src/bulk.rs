//! Bulk issuance from a roster CSV: one credential per row, bad rows reported while good rows are
//! still issued, and re-runs that never issue a row twice (each row has a key, unique in the
//! database, so a run killed halfway resumes where it stopped).

use std::io::{Read, Write};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::{Actor, IssueRequest, Issuer};

/// Roster columns (schemas/roster.schema.json). `email` and `achievement` are required.
pub const COLUMNS: &[&str] = &[
    "email",
    "name",
    "achievement",
    "evidence_url",
    "evidence_narrative",
    "credits",
    "valid_until",
    "row_key",
];

/// What happened to one row.
#[derive(Debug, Clone, PartialEq)]
pub enum RowStatus {
    /// A credential was issued: its id.
    Issued(String),
    /// The row was issued in an earlier run: the credential's id.
    AlreadyIssued(String),
    /// The row was refused: why.
    Failed {
        /// The error's stable code.
        code: String,
        /// What went wrong.
        message: String,
    },
}

/// Counts for a whole roster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Rows read from the roster.
    pub rows: usize,
    /// Credentials issued in this run.
    pub issued: usize,
    /// Rows issued in an earlier run, skipped.
    pub already_issued: usize,
    /// Rows refused (see the report for why).
    pub failed: usize,
}

/// A roster's rows, each read or the reason it could not be.
type Rows = Vec<Result<csv::StringRecord, String>>;

/// Reads the roster's header and rows; refuses a file whose columns are wrong.
fn read_rows(input: impl Read) -> Result<(Vec<String>, Rows), Error> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(input);
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| Error::input("roster", format!("cannot read the header: {e}")))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    for col in &header {
        if !COLUMNS.contains(&col.as_str()) {
            return Err(Error::input(
                "roster",
                format!("unknown column {col:?} (columns: {})", COLUMNS.join(", ")),
            ));
        }
    }
    for required in ["email", "achievement"] {
        if !header.iter().any(|h| h == required) {
            return Err(Error::input(
                "roster",
                format!("the {required} column is missing"),
            ));
        }
    }
    let rows = reader
        .records()
        .map(|r| r.map_err(|e| e.to_string()))
        .collect();
    Ok((header, rows))
}

fn field<'a>(header: &[String], record: &'a csv::StringRecord, name: &str) -> Option<&'a str> {
    header
        .iter()
        .position(|h| h == name)
        .and_then(|i| record.get(i))
        .filter(|v| !v.is_empty())
}

/// The request for one row, and its key: the `row_key` column, or a hash of what the row asks.
fn request_for(header: &[String], record: &csv::StringRecord) -> Result<IssueRequest, Error> {
    let get = |n| field(header, record, n);
    let credits = get("credits")
        .map(|c| {
            c.parse::<f64>()
                .map_err(|_| Error::input("credits", format!("{c:?} is not a number")))
        })
        .transpose()?;
    let valid_until = get("valid_until")
        .map(|v| {
            DateTime::parse_from_rfc3339(v)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|_| {
                    Error::input("valid-until", format!("{v:?} is not an RFC 3339 date-time"))
                })
        })
        .transpose()?;
    let email =
        get("email").ok_or_else(|| Error::input("recipient email", "the email is empty"))?;
    let achievement = get("achievement")
        .ok_or_else(|| Error::input("achievement", "the achievement is empty"))?;
    let row_key = match get("row_key") {
        Some(k) => k.to_owned(),
        None => {
            let mut h = Sha256::new();
            for part in [
                achievement,
                &cairn_verifier::identity::normalize_email(email),
                get("evidence_url").unwrap_or(""),
                get("credits").unwrap_or(""),
                get("valid_until").unwrap_or(""),
            ] {
                h.update(part.as_bytes());
                h.update([0x1f]);
            }
            format!("auto:{}", hex::encode(&h.finalize()[..16]))
        }
    };
    Ok(IssueRequest {
        achievement: achievement.to_owned(),
        recipient_email: email.to_owned(),
        recipient_did: None,
        recipient_name: get("name").map(str::to_owned),
        evidence_urls: get("evidence_url")
            .map(|u| vec![u.to_owned()])
            .unwrap_or_default(),
        evidence_narrative: get("evidence_narrative").map(str::to_owned),
        credits,
        valid_until,
        row_key: Some(row_key),
        without_status: false,
        lease: None,
        results: Vec::new(),
        evidence: Vec::new(),
    })
}

/// A roster's rows as requests: (line number, the request or why the row is unusable).
pub type RosterRequests = Vec<(usize, Result<IssueRequest, Error>)>;

/// Parses a roster CSV into requests; refuses a file whose columns are wrong.
pub fn parse_roster(roster: impl Read) -> Result<RosterRequests, Error> {
    let (header, rows) = read_rows(roster)?;
    Ok(rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let request = match row {
                Err(e) => Err(Error::input("row", e.clone())),
                Ok(record) => request_for(&header, record),
            };
            (i + 2, request)
        })
        .collect())
}

/// Rows `cairn issue-bulk` issues together by default: one transaction allocates their status
/// entries, one stores them, and their report lines are written after that commit.
pub const BATCH_ROWS: usize = 1024;

/// Issues requests of a roster (each with its `row_key` set) together, in order: a row whose key
/// was issued before is skipped. Errors that concern a row are its outcome; a failing database
/// is the error (then the rows not yet answered may or may not be stored: a re-run settles them).
pub async fn issue_requests(
    issuer: &Issuer,
    requests: &[&IssueRequest],
    actor: &Actor,
) -> Result<Vec<RowStatus>, Error> {
    let (statuses, fresh) = skip_issued(issuer, requests).await?;
    let outcomes = issuer
        .issue_many(&fresh, crate::Format::Json, issuer.now(), actor)
        .await?;
    row_statuses(issuer, statuses, outcomes).await
}

/// Each request's status when its row key was issued before (`None` for the others), and the
/// others.
async fn skip_issued<'a>(
    issuer: &Issuer,
    requests: &[&'a IssueRequest],
) -> Result<(Vec<Option<RowStatus>>, Vec<&'a IssueRequest>), Error> {
    let keys: Vec<&str> = requests
        .iter()
        .map(|r| r.row_key.as_deref().unwrap_or_default())
        .collect();
    let issued_before = issuer.store().credentials_for_rows(&keys).await?;
    let mut statuses = Vec::with_capacity(requests.len());
    let mut fresh = Vec::new();
    for (request, key) in requests.iter().zip(&keys) {
        match issued_before.get(*key) {
            Some(id) => statuses.push(Some(RowStatus::AlreadyIssued(id.clone()))),
            None => {
                statuses.push(None);
                fresh.push(*request);
            }
        }
    }
    Ok((statuses, fresh))
}

/// The rows' statuses: those known before, and the outcomes of the others in order.
async fn row_statuses(
    issuer: &Issuer,
    statuses: Vec<Option<RowStatus>>,
    outcomes: Vec<Result<crate::Issued, Error>>,
) -> Result<Vec<RowStatus>, Error> {
    let mut outcomes = outcomes.into_iter();
    let mut out = Vec::with_capacity(statuses.len());
    for status in statuses {
        if let Some(status) = status {
            out.push(status);
            continue;
        }
        let Some(outcome) = outcomes.next() else {
            return Err(Error::Database("an issued row went missing".into()));
        };
        out.push(match outcome {
            Ok(issued) => RowStatus::Issued(
                issued.credential()["id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            ),
            // The same key earlier in this batch or the one before, or a concurrent run.
            Err(Error::RowAlreadyIssued(key)) => {
                let id = issuer
                    .store()
                    .credential_for_row(&key)
                    .await?
                    .unwrap_or_default();
                RowStatus::AlreadyIssued(id)
            }
            Err(e @ (Error::Database(_) | Error::Io(..))) => return Err(e),
            Err(e) => RowStatus::Failed {
                code: e.code().into(),
                message: e.to_string(),
            },
        });
    }
    Ok(out)
}

/// Roster requests, each with its line number.
type Batch<'a> = &'a [(usize, Result<IssueRequest, Error>)];

/// A roster batch whose drafts are made and status entries allocated.
struct Ready<'a> {
    rows: Batch<'a>,
    statuses: Vec<Option<RowStatus>>,
    fresh: Vec<&'a IssueRequest>,
    now: chrono::DateTime<Utc>,
}

/// The first stage of a roster batch: rows issued before skipped, the rest prepared.
async fn prepare<'a>(
    issuer: &Issuer,
    rows: Batch<'a>,
) -> Result<(Ready<'a>, crate::issuance::Prepared), Error> {
    let usable: Vec<&IssueRequest> = rows.iter().filter_map(|(_, r)| r.as_ref().ok()).collect();
    let (statuses, fresh) = skip_issued(issuer, &usable).await?;
    let now = issuer.now();
    let prepared = issuer
        .prepare_batch(&fresh, crate::Format::Json, now)
        .await?;
    Ok((
        Ready {
            rows,
            statuses,
            fresh,
            now,
        },
        prepared,
    ))
}

/// The last stage of a roster batch: its signed credentials stored; every row's status.
async fn store_ready<'a>(
    issuer: &Issuer,
    ready: Ready<'a>,
    sealed: Vec<Result<crate::issuance::Sealed, Error>>,
    actor: &Actor,
) -> Result<(Batch<'a>, Vec<RowStatus>), Error> {
    let Ready {
        rows,
        statuses,
        fresh,
        now,
    } = ready;
    let outcomes = issuer.store_batch(&fresh, sealed, now, actor).await?;
    Ok((rows, row_statuses(issuer, statuses, outcomes).await?))
}

/// Issues every row of `roster` in batches of `batch_rows` (e.g. [`BATCH_ROWS`]), writing one
/// report line per row to `report` once its batch is stored
/// (`line,row_key,status,credential_id,code,message`) and calling `progress(done, total)`.
/// The batches overlap: while one is signed on the other threads, the one before is stored and
/// the one after is prepared.
pub async fn issue_roster(
    issuer: &Arc<Issuer>,
    roster: impl Read,
    report: &mut dyn Write,
    progress: &mut dyn FnMut(usize, usize, &RowStatus),
    actor: &Actor,
    batch_rows: usize,
) -> Result<Summary, Error> {
    let requests = parse_roster(roster)?;
    let io = |e: std::io::Error| Error::Io("report".into(), e.to_string());
    let csv_io = |e: csv::Error| Error::Io("report".into(), e.to_string());
    let mut out = csv::Writer::from_writer(report);
    out.write_record([
        "line",
        "row_key",
        "status",
        "credential_id",
        "code",
        "message",
    ])
    .map_err(csv_io)?;
    let total = requests.len();
    let mut summary = Summary {
        rows: total,
        ..Summary::default()
    };
    let mut done = 0;
    let mut write = |rows: Batch<'_>, statuses: Vec<RowStatus>| -> Result<(), Error> {
        let mut statuses = statuses.into_iter();
        for (line, request) in rows {
            let (key, status) = match request {
                Err(e) => (
                    String::new(),
                    RowStatus::Failed {
                        code: e.code().into(),
                        message: e.to_string(),
                    },
                ),
                Ok(r) => (
                    r.row_key.clone().unwrap_or_default(),
                    statuses
                        .next()
                        .ok_or_else(|| Error::Database("an issued row went missing".into()))?,
                ),
            };
            let (name, id, code, message) = match &status {
                RowStatus::Issued(id) => ("issued", id.as_str(), "", ""),
                RowStatus::AlreadyIssued(id) => ("already_issued", id.as_str(), "", ""),
                RowStatus::Failed { code, message } => {
                    ("failed", "", code.as_str(), message.as_str())
                }
            };
            match &status {
                RowStatus::Issued(_) => summary.issued += 1,
                RowStatus::AlreadyIssued(_) => summary.already_issued += 1,
                RowStatus::Failed { .. } => summary.failed += 1,
            }
            out.write_record([line.to_string().as_str(), &key, name, id, code, message])
                .map_err(csv_io)?;
            done += 1;
            progress(done, total, &status);
        }
        // Written batch by batch, after the batch's commit, so a run that is killed leaves a
        // true partial report.
        out.flush().map_err(io)
    };
    let mut batches = requests.chunks(batch_rows.max(1));
    let mut next = match batches.next() {
        Some(rows) => Some(prepare(issuer, rows).await?),
        None => None,
    };
    let mut sealed_before: Option<(Ready<'_>, Vec<Result<crate::issuance::Sealed, Error>>)> = None;
    while let Some((ready, prepared)) = next.take() {
        let signer = Arc::clone(issuer);
        let now = ready.now;
        let signing = tokio::task::spawn_blocking(move || {
            signer.seal_batch(prepared, crate::Format::Json, now)
        });
        if let Some((before, sealed)) = sealed_before.take() {
            let (rows, statuses) = store_ready(issuer, before, sealed, actor).await?;
            write(rows, statuses)?;
        }
        if let Some(rows) = batches.next() {
            next = Some(prepare(issuer, rows).await?);
        }
        let sealed = signing
            .await
            .map_err(|e| Error::Signing(format!("a signing worker stopped: {e}")))?;
        sealed_before = Some((ready, sealed));
    }
    if let Some((before, sealed)) = sealed_before.take() {
        let (rows, statuses) = store_ready(issuer, before, sealed, actor).await?;
        write(rows, statuses)?;
    }
    Ok(summary)
}

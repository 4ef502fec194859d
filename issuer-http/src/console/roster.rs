//! Awarding from a roster in the console: a CSV upload (the columns of
//! `schemas/roster.schema.json`) issued by the bulk engine (`cairn_issuer::bulk::issue_roster`,
//! as `cairn issue-bulk` does: batches, rows issued before skipped by their key, bad rows reported
//! while good ones are issued) in the background, its progress (a page that works without
//! JavaScript, kept current by `console.js` when scripts run), and the per-row results as a
//! table and as CSV.
//!
//! A run's progress and results are kept in this instance's memory (the most recent
//! `KEPT_RUNS`); the credentials themselves are in the database, and re-uploading the same roster
//! issues nothing twice.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};

use axum::extract::{Multipart, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use cairn_issuer::bulk::{RowStatus, Summary};
use cairn_issuer::Error;
use maud::html;
use serde::Deserialize;

use super::records::encode;
use super::{error_page, page, read_upload, Console};
use crate::extract::Issue;
use crate::Shared;

/// Runs kept for their pages, newest first.
const KEPT_RUNS: usize = 20;

/// One roster run.
#[derive(Debug, Default)]
struct Run {
    id: String,
    owner: String,
    file: String,
    started_at: String,
    total: usize,
    done: usize,
    /// (line, row key, outcome) per row, in the order they finished.
    rows: Vec<(usize, String, RowStatus)>,
    report: Vec<u8>,
    summary: Option<Summary>,
    error: Option<(String, String)>,
}

fn runs() -> &'static Mutex<VecDeque<Arc<Mutex<Run>>>> {
    static RUNS: OnceLock<Mutex<VecDeque<Arc<Mutex<Run>>>>> = OnceLock::new();
    RUNS.get_or_init(|| Mutex::new(VecDeque::new()))
}

fn find(id: &str, owner: &str) -> Option<Arc<Mutex<Run>>> {
    let runs = runs().lock().ok()?;
    runs.iter()
        .find(|r| r.lock().is_ok_and(|r| r.id == id && r.owner == owner))
        .cloned()
}

/// `GET /console/roster`: the upload form and this person's recent runs.
pub(crate) async fn form(
    State(issuer): State<Shared>,
    Console(staff, _): Console<Issue>,
) -> Response {
    let who = &staff.signed_in;
    // This person's runs: (id, file, started at, finished).
    let mut mine: Vec<(String, String, String, bool)> = Vec::new();
    if let Ok(all) = runs().lock() {
        for run in all.iter() {
            if let Ok(r) = run.lock() {
                if r.owner == who.member.email {
                    let finished = r.summary.is_some() || r.error.is_some();
                    mine.push((r.id.clone(), r.file.clone(), r.started_at.clone(), finished));
                }
            }
        }
    }
    let tz = issuer.time_zone();
    let body = html! {
        p { "Upload a CSV with a header row naming its columns: " span class="code" { (cairn_issuer::bulk::COLUMNS.join(", ")) } ". "
            span class="code" { "email" } " and " span class="code" { "achievement" } " (its short name) are needed; the rest may be empty." }
        p class="hint" { "A row whose key (the " span class="code" { "row_key" } " column, or one made from its contents) was issued before is skipped, so uploading the same file again issues nothing twice." }
        form method="post" action="/console/roster" enctype="multipart/form-data" class="stack" {
            input type="hidden" name="csrf" value=(who.csrf);
            label for="roster" { "Roster (CSV, up to 1 MiB)" }
            input id="roster" name="roster" type="file" accept=".csv,text/csv" required;
            button type="submit" { "Award to every row" }
        }
        @if !mine.is_empty() {
            h2 { "Your recent rosters" }
            ul {
                @for (id, file, at, finished) in &mine {
                    li { a href=(format!("/console/roster/run?id={}", encode(id))) { (file) } " — " (crate::html::moment(at, tz)) (if *finished { "" } else { " (running)" }) }
                }
            }
        }
    };
    page(
        &issuer,
        "Award from a roster",
        Some(who),
        "/console/roster",
        body,
    )
}

/// `POST /console/roster` (multipart: `csrf`, `roster`): starts the run, then its page.
pub(crate) async fn upload(
    State(issuer): State<Shared>,
    Console(staff, _): Console<Issue>,
    multipart: Multipart,
) -> Response {
    let who = staff.signed_in.clone();
    let upload = match read_upload(multipart, "roster").await {
        Ok(u) => u,
        Err(e) => return error_page(e, Some(&who)),
    };
    if let Some(refused) = staff.csrf_refusal(&upload.csrf) {
        return refused;
    }
    let file = upload.file_name.unwrap_or_else(|| "roster.csv".to_owned());
    let bytes = upload.bytes;
    // The columns are checked before anything runs; a wrong file is refused at once.
    let total = match cairn_issuer::bulk::parse_roster(bytes.as_slice()) {
        Ok(rows) if rows.is_empty() => {
            return error_page(Error::input("roster", "has no rows"), Some(&who))
        }
        Ok(rows) => rows.len(),
        Err(e) => return error_page(e, Some(&who)),
    };
    let id = cairn_issuer::new_secret();
    let run = Arc::new(Mutex::new(Run {
        id: id.clone(),
        owner: who.member.email.clone(),
        file,
        started_at: cairn_issuer::rfc3339(issuer.now()),
        total,
        ..Run::default()
    }));
    if let Ok(mut all) = runs().lock() {
        all.push_front(run.clone());
        all.truncate(KEPT_RUNS);
    }
    let actor = who.member.actor();
    // The bulk engine's future borrows a report writer and a progress callback that are not
    // Send; it runs to the end on a blocking thread of its own, driven by this runtime.
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        runtime.block_on(async move {
            let mut report = Vec::new();
            let progress_run = run.clone();
            let mut progress = move |done: usize, _total: usize, _status: &RowStatus| {
                if let Ok(mut r) = progress_run.lock() {
                    r.done = done;
                }
            };
            let outcome = cairn_issuer::bulk::issue_roster(
                &issuer,
                bytes.as_slice(),
                &mut report,
                &mut progress,
                &actor,
                cairn_issuer::bulk::BATCH_ROWS,
            )
            .await;
            if let Ok(mut r) = run.lock() {
                r.rows = report_rows(&report);
                r.report = report;
                match outcome {
                    Ok(summary) => {
                        r.done = r.total;
                        r.summary = Some(summary);
                    }
                    Err(e) => r.error = Some((e.code().to_owned(), e.to_string())),
                }
            }
        })
    });
    Redirect::to(&format!("/console/roster/run?id={}", encode(&id))).into_response()
}

/// The report's rows (`line,row_key,status,credential_id,code,message`) as outcomes.
fn report_rows(report: &[u8]) -> Vec<(usize, String, RowStatus)> {
    let mut reader = csv::Reader::from_reader(report);
    reader
        .records()
        .filter_map(Result::ok)
        .map(|r| {
            let get = |i: usize| r.get(i).unwrap_or_default().to_owned();
            let status = match get(2).as_str() {
                "issued" => RowStatus::Issued(get(3)),
                "already_issued" => RowStatus::AlreadyIssued(get(3)),
                _ => RowStatus::Failed {
                    code: get(4),
                    message: get(5),
                },
            };
            (get(0).parse().unwrap_or_default(), get(1), status)
        })
        .collect()
}

#[derive(Debug, Deserialize)]
pub(crate) struct RunQuery {
    id: String,
}

/// `GET /console/roster/run?id=…`: the run's progress, then its results.
pub(crate) async fn run_page(
    State(issuer): State<Shared>,
    Console(staff, _): Console<Issue>,
    Query(q): Query<RunQuery>,
) -> Response {
    let who = &staff.signed_in;
    let Some(run) = find(&q.id, &who.member.email) else {
        return error_page(
            Error::input("roster", "this roster run is not known here (runs are kept by the instance that ran them, the 20 most recent)"),
            Some(who),
        );
    };
    let Ok(run) = run.lock() else {
        return error_page(
            Error::Database("a roster run's state is unreadable".into()),
            Some(who),
        );
    };
    let finished = run.summary.is_some() || run.error.is_some();
    let json = format!("/console/roster/run.json?id={}", encode(&run.id));
    let body = html! {
        p { "Roster " strong { (run.file) } "." }
        @if !finished {
            p id="roster-progress" aria-live="polite" data-progress=(json) {
                (run.done) " of " (run.total) " rows done…"
            }
            progress max=(run.total) value=(run.done) aria-label="Rows done" {}
            p { a href=(format!("/console/roster/run?id={}", encode(&run.id))) { "Show the latest progress" } }
        }
        @if let Some((code, message)) = &run.error {
            div class="notice error" role="alert" { p { "The run stopped: " (message) " " span class="code" { "(" (code) ")" } ". Upload the same file again: rows already issued are skipped." } }
        }
        @if let Some(s) = &run.summary {
            div class="notice" role="status" {
                p { (s.issued) " issued, " (s.already_issued) " issued before (skipped), " (s.failed) " refused, of " (s.rows) " rows." }
            }
        }
        @if finished {
            p { a href=(format!("/console/roster/run.csv?id={}", encode(&run.id))) download="roster-results.csv" { "Download the results (CSV)" } }
            div class="table" {
                table {
                    thead { tr { th scope="col" { "Line" } th scope="col" { "Row key" } th scope="col" { "Result" } } }
                    tbody {
                        @for (line, key, status) in &run.rows {
                            tr {
                                td { (line) }
                                td class="code" { (key) }
                                td {
                                    @match status {
                                        RowStatus::Issued(id) => { "Issued — " a href=(format!("/console/credential?id={}", encode(id))) { "open" } }
                                        RowStatus::AlreadyIssued(id) => { "Issued before — " a href=(format!("/console/credential?id={}", encode(id))) { "open" } }
                                        RowStatus::Failed { code, message } => { "Refused: " (message) " " span class="code" { "(" (code) ")" } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    page(&issuer, "Roster", Some(who), "/console/roster", body)
}

/// `GET /console/roster/run.json?id=…`: `{done, total, finished}` for the progress script.
pub(crate) async fn run_json(
    Console(staff, _): Console<Issue>,
    Query(q): Query<RunQuery>,
) -> Response {
    let Some(run) = find(&q.id, &staff.signed_in.member.email) else {
        return (
            axum::http::StatusCode::NOT_FOUND,
            axum::Json(serde_json::json!({"code": "not_found"})),
        )
            .into_response();
    };
    let (done, total, finished) = run
        .lock()
        .map(|r| (r.done, r.total, r.summary.is_some() || r.error.is_some()))
        .unwrap_or_default();
    (
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(serde_json::json!({"done": done, "total": total, "finished": finished})),
    )
        .into_response()
}

/// `GET /console/roster/run.csv?id=…`: the per-row results as `cairn issue-bulk` writes them.
pub(crate) async fn run_csv(
    Console(staff, _): Console<Issue>,
    Query(q): Query<RunQuery>,
) -> Response {
    let who = &staff.signed_in;
    let report =
        find(&q.id, &who.member.email).and_then(|r| r.lock().ok().map(|r| r.report.clone()));
    match report {
        Some(report) if !report.is_empty() => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"roster-results.csv\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            report,
        )
            .into_response(),
        _ => error_page(Error::input("roster", "no results yet"), Some(who)),
    }
}

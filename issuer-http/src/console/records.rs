//! The console's records: finding credentials (by recipient email — matched by its hash —,
//! achievement and date), opening one with its history, revoking, suspending and reinstating
//! with a reason and a confirmation step, and the audit log filtered by actor, action and date,
//! on the page and as CSV.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use cairn_issuer::{
    AuditEntry, AuditFilter, CredentialQuery, Error, Issuer, LiveStatus, Permission, StatusAction,
};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use maud::{html, Markup};
use serde::Deserialize;

use super::{date_range, error_page, page, problem_notice, Console};
use crate::extract::{ChangeStatus, Issue, ReadAudit, ReadCredentials};
use crate::html::moment;
use crate::page::text;
use crate::Shared;

/// Credentials on one page of results.
const PAGE_SIZE: u32 = 50;
/// Audit entries on the page; the CSV export holds up to `MAX_EXPORT`.
const AUDIT_PAGE: u32 = 200;
const MAX_EXPORT: u32 = 100_000;
/// The longest reason kept in the audit log (as the API).
const MAX_REASON_CHARS: usize = 2000;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct FindQuery {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    achievement: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    cursor: Option<String>,
}

/// A date typed in a form (`YYYY-MM-DD`) as the instant that day starts in the district's zone;
/// `next_day` gives the start of the day after (for an inclusive "to").
pub(crate) fn day_start(
    date: &str,
    tz: cairn_render::Tz,
    next_day: bool,
    field: &'static str,
) -> Result<Option<DateTime<Utc>>, Error> {
    let date = date.trim();
    if date.is_empty() {
        return Ok(None);
    }
    let day = NaiveDate::parse_from_str(date, "%Y-%m-%d")
        .map_err(|_| Error::input(field, "is a date like 2026-09-01"))?;
    let day = if next_day {
        day.succ_opt().unwrap_or(day)
    } else {
        day
    };
    Ok(day
        .and_hms_opt(0, 0, 0)
        .and_then(|t| tz.from_local_datetime(&t).earliest())
        .map(|t| t.with_timezone(&Utc)))
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// `GET /console/credentials`: the search form and what it found.
pub(crate) async fn find(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ReadCredentials>,
    Query(q): Query<FindQuery>,
) -> Response {
    let who = &staff.signed_in;
    let tz = issuer.time_zone();
    let achievements = match issuer.achievements().await {
        Ok(a) => a,
        Err(e) => return error_page(e, Some(who)),
    };
    let results = search(&issuer, &q, tz, &achievements).await;
    let body = html! {
        form method="get" action="/console/credentials" class="filters" {
            div {
                label for="email" { "Recipient's email" }
                input id="email" name="email" type="email" value=(q.email) autocomplete="off";
            }
            div {
                label for="name" { "Name (or part of it)" }
                input id="name" name="name" value=(q.name) autocomplete="off";
            }
            div {
                label for="achievement" { "Achievement" }
                select id="achievement" name="achievement" {
                    option value="" { "Any" }
                    @for a in &achievements {
                        @let name = text(&a.achievement, "/name").unwrap_or(&a.slug);
                        @if a.slug == q.achievement {
                            option value=(a.slug) selected { (name) }
                        } @else {
                            option value=(a.slug) { (name) }
                        }
                    }
                }
            }
            (date_range("Issued from", "Issued until", &q.from, &q.to))
            div { button type="submit" { "Find" } }
        }
        p class="hint" { "Emails are not stored: a recipient is found by the hash of the address they were awarded at." }
        @match &results {
            Err(e) => (problem_notice(e)),
            Ok((rows, next)) => {
                h2 { (rows.len()) " credential(s)" }
                @if rows.is_empty() {
                    p { "No credential matches." }
                } @else {
                    div class="table" {
                        table {
                            thead { tr { th scope="col" { "Recipient" } th scope="col" { "Achievement" } th scope="col" { "Issued" } th scope="col" { "Status" } } }
                            tbody {
                                @for r in rows {
                                    tr {
                                        td { a href=(format!("/console/credential?id={}", encode(&r.id))) { (r.recipient) } }
                                        td { (r.achievement) }
                                        td { (moment(&r.issued_at, tz)) }
                                        td { (r.status) }
                                    }
                                }
                            }
                        }
                    }
                }
                @if let Some(cursor) = next {
                    p { a href=(format!("/console/credentials?email={}&name={}&achievement={}&from={}&to={}&cursor={}", encode(&q.email), encode(&q.name), encode(&q.achievement), encode(&q.from), encode(&q.to), encode(cursor))) { "More" } }
                }
            }
        }
    };
    page(
        &issuer,
        "Credentials",
        Some(who),
        "/console/credentials",
        body,
    )
}

struct Row {
    id: String,
    recipient: String,
    achievement: String,
    issued_at: String,
    status: String,
}

async fn search(
    issuer: &Issuer,
    q: &FindQuery,
    tz: cairn_render::Tz,
    achievements: &[cairn_issuer::StoredAchievement],
) -> Result<(Vec<Row>, Option<String>), Error> {
    let query = CredentialQuery {
        recipient_email: non_empty(&q.email),
        achievement: non_empty(&q.achievement),
        recipient_name: non_empty(&q.name),
        issued_from: day_start(&q.from, tz, false, "from")?,
        issued_before: day_start(&q.to, tz, true, "to")?,
        cursor: q.cursor.clone().filter(|c| !c.is_empty()),
        limit: PAGE_SIZE,
    };
    let found = issuer.search_credentials(&query).await?;
    let mut rows = Vec::with_capacity(found.credentials.len());
    for c in found.credentials {
        let record = issuer.credential_record(&c.id).await?;
        let recipient = recipient(&record.credential);
        let achievement = achievements
            .iter()
            .find(|a| a.id == c.achievement_id)
            .and_then(|a| text(&a.achievement, "/name"))
            .map(str::to_owned)
            .unwrap_or_else(|| c.achievement_id.clone());
        rows.push(Row {
            id: c.id,
            recipient,
            achievement,
            issued_at: c.issued_at,
            status: c.status,
        });
    }
    Ok((rows, found.next_cursor))
}

/// The recipient's name as the credential states it (OB 3.0 §B.1.4: an unhashed `name`
/// identifier).
fn recipient(doc: &serde_json::Value) -> String {
    doc.as_object()
        .and_then(cairn_verifier::identity::recipient_name)
        .unwrap_or("(no name given)")
        .to_owned()
}

pub(crate) fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[derive(Debug, Deserialize)]
pub(crate) struct OpenQuery {
    id: String,
    done: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CredentialForm {
    #[serde(default)]
    csrf: String,
    id: String,
    #[serde(default)]
    email: String,
}

/// `POST /console/credential/offer`: a wallet offer for the credential, its QR codes and links
/// (and the transaction code to read out to the teacher).
pub(crate) async fn offer(
    State(issuer): State<Shared>,
    Console(staff, _): Console<Issue>,
    Form(form): Form<CredentialForm>,
) -> Response {
    if let Some(refused) = staff.csrf_refusal(&form.csrf) {
        return refused;
    }
    let who = &staff.signed_in;
    let made = async {
        let id = issuer.find_credential(&form.id).await?;
        issuer
            .create_claim(&id, true, issuer.now(), &who.member.actor())
            .await
    }
    .await;
    let offer = match made {
        Ok(o) => o,
        Err(e) => return error_page(e, Some(who)),
    };
    let body = html! {
        @if let Some(code) = &offer.tx_code {
            div class="notice" role="status" {
                p { "Give the teacher this code when their wallet asks for it: " strong class="code" { (code) } }
            }
        }
        (crate::claim_page::wallet_codes(&offer, issuer.time_zone()))
        p { a href=(format!("/console/credential?id={}", encode(&form.id))) { "Back to the credential" } }
    };
    let mut response = page(
        &issuer,
        "Wallet codes",
        Some(who),
        "/console/credentials",
        body,
    );
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    response
}

/// `POST /console/credential/resend`: the award email again, to the address it was awarded to.
pub(crate) async fn resend(
    State(issuer): State<Shared>,
    Console(staff, _): Console<Issue>,
    Form(form): Form<CredentialForm>,
) -> Response {
    if let Some(refused) = staff.csrf_refusal(&form.csrf) {
        return refused;
    }
    let who = &staff.signed_in;
    match issuer
        .resend_award_email(&form.id, &form.email, &who.member.actor())
        .await
    {
        Ok(()) => Redirect::to(&format!(
            "/console/credential?id={}&done=resent",
            encode(&form.id)
        ))
        .into_response(),
        Err(e) => error_page(e, Some(who)),
    }
}

fn status_words(status: LiveStatus) -> &'static str {
    match status {
        LiveStatus::Valid => "Valid",
        LiveStatus::Revoked => "Revoked",
        LiveStatus::Suspended => "Suspended",
        LiveStatus::Expired => "Expired",
        LiveStatus::NotYetValid => "Not yet valid",
    }
}

/// `GET /console/credential?id=…`: one credential (named by its id, page link or share code),
/// its status, the status form and its history.
pub(crate) async fn open(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ReadCredentials>,
    Query(q): Query<OpenQuery>,
) -> Response {
    let who = &staff.signed_in;
    let tz = issuer.time_zone();
    let loaded = async {
        let id = issuer.find_credential(&q.id).await?;
        let record = issuer.credential_record(&id).await?;
        let status = issuer
            .live_status(&id, &record.credential, issuer.now())
            .await?;
        let history = issuer.credential_history(&id).await?;
        Ok::<_, Error>((id, record, status, history))
    }
    .await;
    let (id, record, status, history) = match loaded {
        Ok(l) => l,
        Err(e) => return error_page(e, Some(who)),
    };
    let doc = &record.credential;
    let done = match q.done.as_deref() {
        Some("revoke") => {
            Some("The credential is revoked. Verifiers see it at their next status check.")
        }
        Some("suspend") => Some("The credential is suspended until it is reinstated."),
        Some("reinstate") => Some("The credential is reinstated."),
        Some("issued") => Some(
            "The credential is signed and awarded. The teacher is emailed when email is set up.",
        ),
        Some("resent") => Some("The award email is on its way again."),
        _ => None,
    };
    let can_change = staff.may(Permission::ChangeStatus);
    let body = html! {
        @if let Some(done) = done {
            div class="notice" role="status" { p { (done) } }
        }
        dl class="facts" {
            dt { "Recipient" } dd { (recipient(doc)) }
            dt { "Achievement" } dd { (text(doc, "/credentialSubject/achievement/name").unwrap_or("")) }
            dt { "Issued" } dd { (text(doc, "/validFrom").map(|t| moment(t, tz)).unwrap_or_default()) }
            dt { "Status" } dd { strong { (status_words(status)) } }
            dt { "Format" } dd { (if record.jws.is_some() { "VC-JWT" } else { "Data Integrity (JSON-LD)" }) }
            dt { "Credential id" } dd class="code" { (id) }
        }
        @if id.starts_with("https://") || id.starts_with("http://") {
            p { a href=(id) { "The credential's public page" } }
        }
        @if staff.may(Permission::Issue) && status == LiveStatus::Valid {
            h2 { "Hand it to the teacher" }
            form method="post" action="/console/credential/offer" class="inline" {
                input type="hidden" name="csrf" value=(who.csrf);
                input type="hidden" name="id" value=(id);
                button type="submit" class="secondary" { "Show wallet codes (QR)" }
            }
            @if issuer.can_email() {
                form method="post" action="/console/credential/resend" class="stack" {
                    input type="hidden" name="csrf" value=(who.csrf);
                    input type="hidden" name="id" value=(id);
                    label for="resend-email" { "Email the award again to (the address it was awarded to)" }
                    input id="resend-email" name="email" type="email" required autocomplete="off";
                    button type="submit" class="secondary" { "Email the award again" }
                }
            }
        }
        @if can_change && status != LiveStatus::Revoked {
            h2 { "Change its status" }
            form method="post" action="/console/credential/status" class="stack" {
                input type="hidden" name="csrf" value=(who.csrf);
                input type="hidden" name="id" value=(id);
                fieldset {
                    legend { "What to do" }
                    @if status != LiveStatus::Suspended {
                        label { input type="radio" name="action" value="suspend" required; " Suspend (can be lifted)" }
                    }
                    @if status == LiveStatus::Suspended {
                        label { input type="radio" name="action" value="reinstate" required; " Reinstate" }
                    }
                    label { input type="radio" name="action" value="revoke" required; " Revoke (final)" }
                }
                label for="reason" { "Reason (kept in the audit log, never published)" }
                textarea id="reason" name="reason" rows="3" maxlength="2000" required {}
                button type="submit" { "Continue" }
            }
        }
        h2 { "History" }
        (audit_table(&history, tz))
    };
    page(
        &issuer,
        "Credential",
        Some(who),
        "/console/credentials",
        body,
    )
}

#[derive(Debug, Deserialize)]
pub(crate) struct StatusForm {
    #[serde(default)]
    csrf: String,
    id: String,
    action: String,
    #[serde(default)]
    reason: String,
    confirm: Option<String>,
}

/// `POST /console/credential/status`: first a page asking to confirm, then the change.
pub(crate) async fn change_status(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ChangeStatus>,
    Form(form): Form<StatusForm>,
) -> Response {
    if let Some(refused) = staff.csrf_refusal(&form.csrf) {
        return refused;
    }
    let who = &staff.signed_in;
    let action = match form.action.as_str() {
        "revoke" => StatusAction::Revoke,
        "suspend" => StatusAction::Suspend,
        "reinstate" => StatusAction::Reinstate,
        _ => {
            return error_page(
                Error::input("action", "is revoke, suspend or reinstate"),
                Some(who),
            )
        }
    };
    let reason = form.reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return error_page(
            Error::input("reason", "say why, in at most 2000 characters"),
            Some(who),
        );
    }
    if form.confirm.as_deref() != Some("yes") {
        let what = match action {
            StatusAction::Revoke => {
                "Revoke this credential? Revocation is final: it cannot be undone."
            }
            StatusAction::Suspend => {
                "Suspend this credential? It stops counting until it is reinstated."
            }
            StatusAction::Reinstate => "Reinstate this credential? It counts again at once.",
        };
        let body = html! {
            p { strong { (what) } }
            dl class="facts" {
                dt { "Credential" } dd class="code" { (form.id) }
                dt { "Reason" } dd { (reason) }
            }
            form method="post" action="/console/credential/status" {
                input type="hidden" name="csrf" value=(who.csrf);
                input type="hidden" name="id" value=(form.id);
                input type="hidden" name="action" value=(form.action);
                input type="hidden" name="reason" value=(reason);
                input type="hidden" name="confirm" value="yes";
                button type="submit" class=(if action == StatusAction::Revoke { "danger" } else { "" }) { "Yes, " (action.name()) }
                " "
                a href=(format!("/console/credential?id={}", encode(&form.id))) { "No, go back" }
            }
        };
        return page(
            &issuer,
            "Please confirm",
            Some(who),
            "/console/credentials",
            body,
        );
    }
    match issuer
        .change_status(&form.id, action, Some(reason), &who.member.actor())
        .await
    {
        Ok(_) => Redirect::to(&format!(
            "/console/credential?id={}&done={}",
            encode(&form.id),
            action.name()
        ))
        .into_response(),
        Err(e) => error_page(e, Some(who)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

fn audit_filter(q: &AuditQuery, tz: cairn_render::Tz, limit: u32) -> Result<AuditFilter, Error> {
    Ok(AuditFilter {
        actor: non_empty(&q.actor),
        action: non_empty(&q.action),
        from: day_start(&q.from, tz, false, "from")?.map(cairn_issuer::rfc3339),
        before: day_start(&q.to, tz, true, "to")?.map(cairn_issuer::rfc3339),
        limit,
    })
}

/// The audit entries as a table: when, who, what, about what.
pub(crate) fn audit_table(entries: &[AuditEntry], tz: cairn_render::Tz) -> Markup {
    html! {
        @if entries.is_empty() {
            p { "No entries." }
        } @else {
            div class="table" {
                table {
                    thead { tr { th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "What" } th scope="col" { "About" } } }
                    tbody {
                        @for e in entries {
                            tr {
                                td { (moment(&e.at, tz)) }
                                td { (e.actor) }
                                td class="code" { (e.action) }
                                td class="code" { (e.subject.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /console/audit`: the log, newest first, filtered.
pub(crate) async fn audit(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ReadAudit>,
    Query(q): Query<AuditQuery>,
) -> Response {
    let who = &staff.signed_in;
    let tz = issuer.time_zone();
    let entries = match audit_filter(&q, tz, AUDIT_PAGE) {
        Ok(filter) => issuer.search_audit(&filter).await,
        Err(e) => Err(e),
    };
    let csv_link = format!(
        "/console/audit.csv?actor={}&action={}&from={}&to={}",
        encode(&q.actor),
        encode(&q.action),
        encode(&q.from),
        encode(&q.to)
    );
    let body = html! {
        form method="get" action="/console/audit" class="filters" {
            div {
                label for="actor" { "Who" }
                input id="actor" name="actor" value=(q.actor) placeholder="staff:name@district.example";
            }
            div {
                label for="action" { "What (or how it starts)" }
                input id="action" name="action" value=(q.action) placeholder="credential.revoke";
            }
            (date_range("From", "Until", &q.from, &q.to))
            div { button type="submit" { "Filter" } }
        }
        @match &entries {
            Err(e) => (problem_notice(e)),
            Ok(entries) => {
                p { a href=(csv_link) download="audit-log.csv" { "Download these entries as CSV" } " (up to 100,000)" }
                (audit_table(entries, tz))
                @if entries.len() == AUDIT_PAGE as usize {
                    p class="hint" { "Only the newest 200 are shown; narrow the filter or download the CSV." }
                }
            }
        }
    };
    page(&issuer, "Audit log", Some(who), "/console/audit", body)
}

/// A CSV cell that a spreadsheet will not run as a formula (OWASP CSV injection).
pub(crate) fn spreadsheet_safe(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// `GET /console/audit.csv`: the filtered log as CSV (at, actor, action, subject, detail).
pub(crate) async fn audit_csv(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ReadAudit>,
    Query(q): Query<AuditQuery>,
) -> Response {
    let who = &staff.signed_in;
    let entries = match audit_filter(&q, issuer.time_zone(), MAX_EXPORT) {
        Ok(filter) => issuer.search_audit(&filter).await,
        Err(e) => Err(e),
    };
    let entries = match entries {
        Ok(e) => e,
        Err(e) => return error_page(e, Some(who)),
    };
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut rows = vec![["at", "actor", "action", "subject", "detail"].map(str::to_owned)];
    rows.extend(entries.iter().map(|e| {
        [
            spreadsheet_safe(&e.at),
            spreadsheet_safe(&e.actor),
            spreadsheet_safe(&e.action),
            spreadsheet_safe(e.subject.as_deref().unwrap_or("")),
            spreadsheet_safe(&e.detail.as_ref().map(|d| d.to_string()).unwrap_or_default()),
        ]
    }));
    for row in rows {
        if let Err(e) = out.write_record(&row) {
            return error_page(Error::Io("audit.csv".into(), e.to_string()), Some(who));
        }
    }
    let bytes = out.into_inner().unwrap_or_default();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit-log.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        bytes,
    )
        .into_response()
}

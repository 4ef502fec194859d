//! Pre-approval for pay and the review reports in the console: a teacher's requests (on their
//! submissions page), the requests staff decide, the payroll export, and the reports with their
//! CSV.

use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use cairn_issuer::{purpose_label, state_label, EvidenceReport, PreapprovalRow, PAY_PURPOSES};
use maud::{html, Markup};
use serde::Deserialize;

use super::{error_page, page, Console, Staff};
use crate::extract::{ApprovePay, ManageReviews, Submit};
use crate::page::text;
use crate::Shared;

/// A pre-approval's state in words.
fn preapproval_state(p: &PreapprovalRow) -> &'static str {
    match p.state.as_str() {
        "approved" => "Approved",
        "denied" => "Denied",
        _ => "Waiting for a decision",
    }
}

/// The teacher's pre-approval section: their requests and the form to ask.
pub(crate) fn teacher_section(
    staff: &Staff,
    achievements: &[(String, String)],
    mine: &[PreapprovalRow],
) -> Markup {
    let who = &staff.signed_in;
    let name_of = |slug: &str| {
        achievements
            .iter()
            .find(|(s, _)| s == slug)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| slug.to_owned())
    };
    html! {
        h2 { "Pre-approval for pay" }
        p { "Ask, before you earn it, that a micro-credential count toward a salary step or continuing-education hours. The district's credential office decides." }
        @if !mine.is_empty() {
            div class="table" {
                table {
                    thead { tr { th { "Achievement" } th { "For" } th { "State" } th { "Note" } } }
                    tbody {
                        @for p in mine {
                            tr {
                                td { (name_of(&p.achievement_slug)) }
                                td { (purpose_label(&p.purpose)) ": " (p.detail) }
                                td { (preapproval_state(p)) }
                                td { (p.note.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        }
        @if !achievements.is_empty() {
            form method="post" action="/console/preapprovals/request" class="stack" {
                input type="hidden" name="csrf" value=(who.csrf);
                label for="pa-achievement" { "Achievement" }
                select id="pa-achievement" name="achievement" {
                    @for (slug, name) in achievements { option value=(slug) { (name) } }
                }
                label for="pa-purpose" { "It should count toward" }
                select id="pa-purpose" name="purpose" {
                    @for (p, label) in PAY_PURPOSES { option value=(p) { (label) } }
                }
                label for="pa-detail" { "Which step, lane or how many hours" }
                input id="pa-detail" name="detail" required maxlength="200";
                button type="submit" class="secondary" { "Ask for pre-approval" }
            }
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct RequestForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    achievement: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    detail: String,
}

/// `POST /console/preapprovals/request`.
pub(crate) async fn request(
    State(issuer): State<Shared>,
    Console(staff, _): Console<Submit>,
    Form(form): Form<RequestForm>,
) -> Response {
    if let Some(refused) = staff.csrf_refusal(&form.csrf) {
        return refused;
    }
    let who = &staff.signed_in;
    match issuer
        .request_preapproval(
            &who.member.email,
            who.member.name.as_deref(),
            &form.achievement,
            &form.purpose,
            &form.detail,
            &who.member.actor(),
        )
        .await
    {
        Ok(_) => Redirect::to("/console/submissions?done=asked").into_response(),
        Err(e) => error_page(e, Some(who)),
    }
}

/// `GET /console/preapprovals`: requests waiting for a decision, those decided, the export.
pub(crate) async fn list(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ApprovePay>,
) -> Response {
    let who = &staff.signed_in;
    let all = match issuer.preapprovals(None).await {
        Ok(a) => a,
        Err(e) => return error_page(e, Some(who)),
    };
    let names = match issuer.achievements().await {
        Ok(a) => a
            .into_iter()
            .map(|a| {
                (
                    a.slug.clone(),
                    text(&a.achievement, "/name").unwrap_or(&a.slug).to_owned(),
                )
            })
            .collect::<std::collections::BTreeMap<_, _>>(),
        Err(e) => return error_page(e, Some(who)),
    };
    let name_of = |slug: &str| names.get(slug).cloned().unwrap_or_else(|| slug.to_owned());
    let (pending, decided): (Vec<_>, Vec<_>) = all.iter().partition(|p| p.state == "pending");
    let body = html! {
        p { a href="/console/payroll.csv" download { "Export approved awards for payroll (CSV)" } }
        h2 { "Waiting for a decision" }
        @if pending.is_empty() { p { "None." } }
        @for p in &pending {
            section class="review" {
                h3 { (p.teacher_name.as_deref().unwrap_or(&p.teacher_email)) " — " (name_of(&p.achievement_slug)) }
                p { (purpose_label(&p.purpose)) ": " (p.detail) ". Asked " (crate::html::moment(&p.requested_at, issuer.time_zone())) "." }
                form method="post" action="/console/preapprovals/decide" class="stack" {
                    input type="hidden" name="csrf" value=(who.csrf);
                    input type="hidden" name="id" value=(p.id);
                    label for=(format!("note-{}", p.id)) { "Note to the teacher (optional)" }
                    input id=(format!("note-{}", p.id)) name="note" maxlength="500";
                    div class="inline" {
                        button type="submit" name="decision" value="approve" { "Approve" }
                        button type="submit" name="decision" value="deny" class="secondary" { "Deny" }
                    }
                }
            }
        }
        h2 { "Decided" }
        @if decided.is_empty() { p { "None." } } @else {
            div class="table" {
                table {
                    thead { tr { th { "Teacher" } th { "Achievement" } th { "For" } th { "Decision" } th { "By" } } }
                    tbody {
                        @for p in &decided {
                            tr {
                                td { (p.teacher_name.as_deref().unwrap_or(&p.teacher_email)) }
                                td { (name_of(&p.achievement_slug)) }
                                td { (purpose_label(&p.purpose)) ": " (p.detail) }
                                td { (preapproval_state(p)) @if let Some(n) = &p.note { " — " (n) } }
                                td { (p.decided_by.as_deref().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        }
    };
    page(
        &issuer,
        "Pre-approvals for pay",
        Some(who),
        "/console/preapprovals",
        body,
    )
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DecideForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    note: String,
}

/// `POST /console/preapprovals/decide`.
pub(crate) async fn decide(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ApprovePay>,
    Form(form): Form<DecideForm>,
) -> Response {
    if let Some(refused) = staff.csrf_refusal(&form.csrf) {
        return refused;
    }
    let who = &staff.signed_in;
    match issuer
        .decide_preapproval(
            &form.id,
            form.decision == "approve",
            Some(&form.note),
            &who.member.actor(),
        )
        .await
    {
        Ok(()) => Redirect::to("/console/preapprovals").into_response(),
        Err(e) => error_page(e, Some(who)),
    }
}

fn csv_response(name: &str, writer: csv::Writer<Vec<u8>>) -> Response {
    let bytes = writer.into_inner().unwrap_or_default();
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    r
}

/// `GET /console/payroll.csv`: every issued award earned by evidence, with its pre-approval.
pub(crate) async fn payroll_csv(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ApprovePay>,
) -> Response {
    let who = &staff.signed_in;
    let lines = match issuer.payroll().await {
        Ok(l) => l,
        Err(e) => return error_page(e, Some(who)),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "teacher",
        "email",
        "achievement",
        "credits",
        "earned",
        "credential",
        "pre-approved",
        "counts toward",
        "detail",
        "approved by",
    ]);
    for l in &lines {
        let p = l.preapproval.as_ref();
        let credits = l.credits.map(|c| c.to_string()).unwrap_or_default();
        let record = [
            l.teacher_name.as_str(),
            &l.teacher_email,
            &l.achievement,
            &credits,
            l.earned_at.get(..10).unwrap_or(""),
            &l.credential_id,
            if p.is_some() { "yes" } else { "no" },
            p.map(|p| purpose_label(&p.purpose)).unwrap_or(""),
            p.map(|p| p.detail.as_str()).unwrap_or(""),
            p.and_then(|p| p.decided_by.as_deref()).unwrap_or(""),
        ];
        let _ = w.write_record(record.map(crate::console::records::spreadsheet_safe));
    }
    csv_response("payroll.csv", w)
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ReportQuery {
    #[serde(default)]
    achievement: String,
}

/// `GET /console/reports`: the evidence reports, for one achievement or all.
pub(crate) async fn reports(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ManageReviews>,
    Query(q): Query<ReportQuery>,
) -> Response {
    let who = &staff.signed_in;
    let slug = Some(q.achievement.trim()).filter(|s| !s.is_empty());
    let (report, achievements) = match (
        issuer.evidence_report(slug).await,
        issuer.evidence_achievements().await,
    ) {
        (Ok(r), Ok(a)) => (r, a),
        (Err(e), _) | (_, Err(e)) => return error_page(e, Some(who)),
    };
    let pct = |n: usize, d: usize| match (n * 100).checked_div(d) {
        Some(p) => format!("{p}%"),
        None => "—".to_owned(),
    };
    let body = html! {
        form method="get" action="/console/reports" class="filters" {
            div {
                label for="achievement" { "Achievement" }
                select id="achievement" name="achievement" {
                    option value="" { "All" }
                    @for (a, _) in &achievements {
                        @let name = text(&a.achievement, "/name").unwrap_or(&a.slug);
                        @if q.achievement == a.slug { option value=(a.slug) selected { (name) } } @else { option value=(a.slug) { (name) } }
                    }
                }
            }
            div { button type="submit" { "Show" } }
        }
        p { a href=(format!("/console/reports.csv?achievement={}", super::records::encode(&q.achievement))) download { "Download as CSV" } }
        dl class="stats" {
            div { dt { "Decided" } dd { (report.decided) } }
            div { dt { "Median days to a decision" } dd { (report.median_days_to_decision.map(|d| format!("{d:.1}")).unwrap_or_else(|| "—".into())) } }
            div { dt { "Two reviewers agreed" } dd { (pct(report.agreed, report.paired)) } }
            div { dt { "Tie-breaks needed" } dd { (report.tie_breaks) } }
        }
        h2 { "Submissions by state" }
        (table2("State", "Submissions", report.by_state.iter().map(|(s, n)| (state_label(s).to_owned(), n.to_string()))))
        h2 { "Pass rate by attempt" }
        (table2("Attempt", "Earned of decided", report.pass_rate_by_attempt.iter().map(|(a, (d, e))| (a.to_string(), format!("{e} of {d} ({})", pct(*e, *d))))))
        h2 { "Reviewers" }
        (table2("Reviewer", "Open, done, late", report.reviewers.iter().map(|(r, l)| (r.clone(), format!("{} open, {} done, {} late", l.open, l.done, l.late)))))
    };
    page(
        &issuer,
        "Review reports",
        Some(who),
        "/console/submissions?all=1",
        body,
    )
}

fn table2(a: &str, b: &str, rows: impl Iterator<Item = (String, String)>) -> Markup {
    let rows: Vec<(String, String)> = rows.collect();
    html! {
        @if rows.is_empty() { p { "None yet." } } @else {
            div class="table" {
                table {
                    thead { tr { th { (a) } th { (b) } } }
                    tbody { @for (x, y) in &rows { tr { td { (x) } td { (y) } } } }
                }
            }
        }
    }
}

/// `GET /console/reports.csv`.
pub(crate) async fn reports_csv(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ManageReviews>,
    Query(q): Query<ReportQuery>,
) -> Response {
    let who = &staff.signed_in;
    let slug = Some(q.achievement.trim()).filter(|s| !s.is_empty());
    let report: EvidenceReport = match issuer.evidence_report(slug).await {
        Ok(r) => r,
        Err(e) => return error_page(e, Some(who)),
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["section", "item", "value"]);
    for row in report.csv_rows() {
        let _ = w.write_record(
            row.each_ref()
                .map(|s| crate::console::records::spreadsheet_safe(s)),
        );
    }
    csv_response("review-report.csv", w)
}

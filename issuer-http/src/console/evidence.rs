//! Earning by evidence in the console: a teacher's submissions and the submission form (texts,
//! files, links, a note on what changed), one submission as its teacher, a reviewer or staff may
//! see it (files downloaded through an audited link), withdrawal, the reviewer's queue and
//! review form (a level and feedback per criterion, a recommendation), assignment by hand, the
//! staff signature of queued awards, and declared conflicts. Every rule is the issuer's.

use std::collections::BTreeMap;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use cairn_issuer::{
    accepted_extensions, is_open, state_label, Access, Caller, Permission, Recommendation,
    ReviewInput, ReviewRow, Rubric, Slot, SubmissionDraft, SubmissionFilter, SubmissionView,
};
use maud::{html, Markup};
use serde::Deserialize;

use super::records::encode;
use super::{error_page, page, read_upload, refusal_page, Console, SignedInOnly, Staff};
use crate::extract::{ManageReviews, Review, Submit};
use crate::page::text;
use crate::Shared;

/// The largest submission form (its files together): 64 MiB.
pub(crate) const UPLOAD_LIMIT: usize = 64 * 1024 * 1024;

/// How many link fields the form offers.
const LINK_FIELDS: usize = 3;

fn caller(staff: &Staff) -> Caller {
    Caller::Staff(staff.signed_in.clone())
}

fn achievement_name(a: &cairn_issuer::StoredAchievement) -> &str {
    text(&a.achievement, "/name").unwrap_or(&a.slug)
}

fn moment(issuer: &Shared, at: &str) -> String {
    crate::html::moment(at, issuer.time_zone())
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    all: Option<String>,
    #[serde(default)]
    state: String,
    #[serde(default)]
    achievement: String,
    done: Option<String>,
}

/// `GET /console/submissions`: a teacher's own submissions and what they can submit for; with
/// `?all=1`, every submission for staff who manage reviews (filtered by state and achievement).
pub(crate) async fn list(
    State(issuer): State<Shared>,
    Console(staff, _): Console<SignedInOnly>,
    Query(q): Query<ListQuery>,
) -> Response {
    let who = &staff.signed_in;
    let all = q.all.is_some() && staff.may(Permission::ManageReviews);
    if !all && !staff.may(Permission::Submit) {
        return refusal_page(
            StatusCode::FORBIDDEN,
            "Your role does not allow this",
            &format!(
                "Your role ({}) does not submit evidence.",
                who.member.role.label()
            ),
            "role_not_permitted",
            Some(who),
        );
    }
    let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let filter = SubmissionFilter {
        state: some(&q.state),
        achievement: some(&q.achievement),
        ..SubmissionFilter::default()
    };
    let rows = match issuer.submissions_for(&caller(&staff), &filter).await {
        Ok(r) if all => r,
        Ok(r) => r
            .into_iter()
            .filter(|s| s.teacher_email == who.member.email)
            .collect(),
        Err(e) => return error_page(e, Some(who)),
    };
    let open_to = match issuer.evidence_achievements().await {
        Ok(a) => a,
        Err(e) => return error_page(e, Some(who)),
    };
    let names: BTreeMap<String, String> = open_to
        .iter()
        .map(|(a, _)| (a.slug.clone(), achievement_name(a).to_owned()))
        .collect();
    let name_of = |slug: &str| names.get(slug).cloned().unwrap_or_else(|| slug.to_owned());
    let asked = if all {
        Vec::new()
    } else {
        match issuer.preapprovals(Some(&who.member.email)).await {
            Ok(p) => p,
            Err(e) => return error_page(e, Some(who)),
        }
    };
    let body = html! {
        @if q.done.as_deref() == Some("withdrawn") {
            div class="notice" role="status" { p { "The submission is withdrawn and its files are deleted." } }
        }
        @if q.done.as_deref() == Some("asked") {
            div class="notice" role="status" { p { "Your request for pre-approval is sent. The credential office decides; its answer appears below." } }
        }
        @if all {
            form method="get" action="/console/submissions" class="filters" {
                input type="hidden" name="all" value="1";
                div {
                    label for="state" { "State" }
                    select id="state" name="state" {
                        option value="" { "Any" }
                        @for s in ["in-review", "tie-break", "grantor", "earned", "not-yet", "incomplete", "withdrawn"] {
                            @if q.state == s { option value=(s) selected { (state_label(s)) } } @else { option value=(s) { (state_label(s)) } }
                        }
                    }
                }
                div {
                    label for="achievement" { "Achievement" }
                    select id="achievement" name="achievement" {
                        option value="" { "Any" }
                        @for (slug, name) in &names {
                            @if &q.achievement == slug { option value=(slug) selected { (name) } } @else { option value=(slug) { (name) } }
                        }
                    }
                }
                div { button type="submit" { "Show" } }
            }
            p { a href="/console/reports" { "Review reports" } " · " a href="/console/conflicts" { "Reviewer conflicts" } }
        } @else {
            h2 { "Submit evidence" }
            @if open_to.is_empty() {
                p { "No micro-credential is open for evidence yet." }
            } @else {
                ul {
                    @for (a, rubric) in &open_to {
                        li {
                            a href=(format!("/console/submit?achievement={}", encode(&a.slug))) { (achievement_name(a)) }
                            " — " (rubric.criteria.len()) " criteria"
                        }
                    }
                }
            }
            h2 { "Your submissions" }
        }
        @if rows.is_empty() {
            p { "No submissions." }
        } @else {
            div class="table" {
                table {
                    thead { tr { th { "Achievement" } th { "Attempt" } @if all { th { "Teacher" } } th { "Submitted" } th { "State" } } }
                    tbody {
                        @for s in &rows {
                            tr {
                                td { a href=(format!("/console/submissions/{}", s.id)) { (name_of(&s.achievement_slug)) } }
                                td { (s.attempt) }
                                @if all { td { (s.teacher_name.as_deref().unwrap_or(&s.teacher_email)) } }
                                td { (moment(&issuer, &s.submitted_at)) }
                                td { (state_label(&s.state)) }
                            }
                        }
                    }
                }
            }
        }
    };
    let body = html! {
        (body)
        @if !all {
            (super::pay::teacher_section(&staff, &names.iter().map(|(s, n)| (s.clone(), n.clone())).collect::<Vec<_>>(), &asked))
        }
    };
    let (title, current) = if all {
        ("Submissions", "/console/submissions?all=1")
    } else {
        ("My submissions", "/console/submissions")
    };
    page(&issuer, title, Some(who), current, body)
}

#[derive(Debug, Deserialize)]
pub(crate) struct FormQuery {
    achievement: String,
}

/// `GET /console/submit?achievement=…`: the submission form for one achievement: its
/// criteria, its prompts (with word limits), files, links, and from the second attempt a note
/// on what changed.
pub(crate) async fn form(
    State(issuer): State<Shared>,
    Console(staff, _): Console<Submit>,
    Query(q): Query<FormQuery>,
) -> Response {
    let who = &staff.signed_in;
    let (stored, rubric) = match issuer.rubric(&q.achievement).await {
        Ok(r) => r,
        Err(e) => return error_page(e, Some(who)),
    };
    let earlier = match issuer
        .submissions_for(
            &caller(&staff),
            &SubmissionFilter {
                achievement: Some(stored.slug.clone()),
                ..SubmissionFilter::default()
            },
        )
        .await
    {
        Ok(r) => r
            .into_iter()
            .filter(|s| s.teacher_email == who.member.email)
            .collect::<Vec<_>>(),
        Err(e) => return error_page(e, Some(who)),
    };
    let limits = &issuer.config().config.evidence;
    let body = html! {
        p { (text(&stored.achievement, "/description").unwrap_or("")) }
        h2 { "What the reviewers look for" }
        (criteria_list(&rubric))
        form method="post" action="/console/submit" enctype="multipart/form-data" class="stack" {
            input type="hidden" name="csrf" value=(who.csrf);
            input type="hidden" name="achievement" value=(stored.slug);
            label for="teacher_name" { "Your name (as the credential will show it)" }
            input id="teacher_name" name="teacher_name" required maxlength="200" value=(who.member.name.as_deref().unwrap_or("")) autocomplete="name";
            @for p in &rubric.prompts {
                label for=(format!("answer-{}", p.id)) { (p.label) }
                @let hint_id = format!("hint-{}", p.id);
                @if p.help.is_some() || p.max_words.is_some() {
                    p id=(hint_id) class="hint" {
                        (p.help.as_deref().unwrap_or(""))
                        @if let Some(m) = p.max_words { " At most " (m) " words." }
                    }
                }
                textarea id=(format!("answer-{}", p.id)) name=(format!("answer-{}", p.id)) rows="6" required aria-describedby=(hint_id) {}
            }
            label for="files" { "Files (optional)" }
            p id="files-hint" class="hint" { "Up to " (limits.max_files) " files and links, each at most " (limits.max_file_mib) " MiB: " (accepted_extensions().join(", ")) ". Remove students' names unless your district allows them; only you, your reviewers and the district's credential staff can open these files." }
            input id="files" name="files" type="file" multiple aria-describedby="files-hint" accept=(accepted_extensions().iter().map(|e| format!(".{e}")).collect::<Vec<_>>().join(","));
            fieldset {
                legend { "Links (optional, https)" }
                @for i in 1..=LINK_FIELDS {
                    label for=(format!("link-title-{i}")) { "Title of link " (i) }
                    input id=(format!("link-title-{i}")) name=(format!("link-title-{i}")) maxlength="120";
                    label for=(format!("link-url-{i}")) { "Address of link " (i) }
                    input id=(format!("link-url-{i}")) name=(format!("link-url-{i}")) type="url";
                }
            }
            @if !earlier.is_empty() {
                label for="change_note" { "What changed since your last attempt" }
                textarea id="change_note" name="change_note" rows="4" required {}
            }
            button type="submit" { "Submit for review" }
        }
    };
    let title = format!("Submit evidence: {}", achievement_name(&stored));
    page(&issuer, &title, Some(who), "/console/submissions", body)
}

fn criteria_list(rubric: &Rubric) -> Markup {
    html! {
        ol {
            @for c in &rubric.criteria {
                li {
                    strong { (c.name) }
                    @if let Some(d) = &c.description { " — " (d) }
                    br;
                    span class="hint" { "Levels: " (c.levels.iter().map(|(_, n, _)| n.as_str()).collect::<Vec<_>>().join(" · ")) ". Met at: " (c.level_name(&c.required)) "." }
                }
            }
        }
    }
}

/// `POST /console/submit` (multipart).
pub(crate) async fn submit(
    State(issuer): State<Shared>,
    Console(staff, _): Console<Submit>,
    multipart: Multipart,
) -> Response {
    let who = &staff.signed_in;
    let upload = match read_upload(multipart, "files").await {
        Ok(u) => u,
        Err(e) => return error_page(e, Some(who)),
    };
    if let Some(refused) = staff.csrf_refusal(&upload.csrf) {
        return refused;
    }
    let field = |k: &str| upload.fields.get(k).cloned().unwrap_or_default();
    let answers = upload
        .fields
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("answer-").map(|p| (p.to_owned(), v.clone())))
        .collect();
    let links = (1..=LINK_FIELDS)
        .map(|i| {
            (
                field(&format!("link-title-{i}")),
                field(&format!("link-url-{i}")),
            )
        })
        .filter(|(_, url)| !url.trim().is_empty())
        .map(|(t, u)| (t, u.trim().to_owned()))
        .collect();
    let draft = SubmissionDraft {
        achievement: field("achievement"),
        teacher_name: Some(field("teacher_name")),
        answers,
        files: upload.files.clone(),
        links,
        change_note: Some(field("change_note")),
    };
    match issuer
        .submit_evidence(&who.member.email, &draft, &who.member.actor())
        .await
    {
        Ok(s) => {
            Redirect::to(&format!("/console/submissions/{}?done=submitted", s.id)).into_response()
        }
        Err(e) => error_page(e, Some(who)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DoneQuery {
    done: Option<String>,
}

/// The submission's texts, files and links.
fn evidence_section(view: &SubmissionView) -> Markup {
    let s = &view.submission;
    html! {
        h2 { "The evidence" }
        @for p in &view.rubric.prompts {
            h3 { (p.label) }
            p class="answer" { (s.answers.get(&p.id).and_then(|v| v.as_str()).unwrap_or("")) }
        }
        @if let Some(note) = &s.change_note {
            h3 { "What changed since the attempt before" }
            p { (note) }
        }
        h3 { "Files and links" }
        @if view.artifacts.is_empty() {
            p { "None." }
        } @else {
            ul {
                @for a in &view.artifacts {
                    li {
                        @if let Some(url) = &a.url {
                            a href=(url) rel="noopener noreferrer nofollow" { (a.name) } " (link)"
                        } @else if a.deleted_at.is_some() {
                            (a.name) " — deleted " span class="hint" { "(SHA-256 " span class="code" { (a.sha256.as_deref().unwrap_or("")) } ")" }
                        } @else {
                            a href=(format!("/console/submissions/{}/files/{}", s.id, a.id)) download { (a.name) }
                            " (" (a.media_type.as_deref().unwrap_or("")) ", " (a.size / 1024 + 1) " KiB)"
                        }
                    }
                }
            }
        }
    }
}

/// A finished review: recommendation, level and feedback per criterion, overall feedback.
/// `named`: show who wrote it.
fn review_section(rubric: &Rubric, r: &ReviewRow, named: bool) -> Markup {
    let slot = Slot::parse(&r.slot).map(|s| s.label()).unwrap_or("Review");
    let rec = r
        .recommendation
        .as_deref()
        .and_then(|n| Recommendation::parse(n).ok());
    html! {
        section class="review" {
            h3 { (slot) @if named { " — " (r.reviewer_email) } }
            @match rec {
                Some(rec) => p { "Recommendation: " strong { (rec.label()) } },
                None => p { "Not submitted yet; due " (&r.due_at[..10]) "." },
            }
            @if rec.is_some() {
                div class="table" {
                    table {
                        thead { tr { th { "Criterion" } th { "Level" } th { "Feedback" } } }
                        tbody {
                            @for c in &rubric.criteria {
                                tr {
                                    td { (c.name) }
                                    td { (r.levels.get(&c.id).and_then(|v| v.as_str()).map(|l| c.level_name(l)).unwrap_or("—")) }
                                    td { (r.feedback.get(&c.id).and_then(|v| v.as_str()).unwrap_or("")) }
                                }
                            }
                        }
                    }
                }
                @if let Some(o) = &r.overall { p { strong { "Overall: " } (o) } }
            }
        }
    }
}

/// `GET /console/submissions/{id}`: the submission as this person may see it.
pub(crate) async fn open(
    State(issuer): State<Shared>,
    Console(staff, _): Console<SignedInOnly>,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let who = &staff.signed_in;
    let view = match issuer.submission_view(&caller(&staff), &id).await {
        Ok(v) => v,
        Err(e) => return error_page(e, Some(who)),
    };
    if let Access::Reviewer { review_id, .. } = &view.access {
        return Redirect::to(&format!("/console/reviews/{review_id}")).into_response();
    }
    let s = &view.submission;
    let attempts = match issuer
        .submissions_for(
            &caller(&staff),
            &SubmissionFilter {
                teacher: Some(s.teacher_email.clone()),
                achievement: Some(s.achievement_slug.clone()),
                ..SubmissionFilter::default()
            },
        )
        .await
    {
        Ok(r) => r,
        Err(e) => return error_page(e, Some(who)),
    };
    let manager = view.access == Access::Manager;
    let teacher = view.access == Access::Teacher;
    let preapproval = match issuer.preapprovals(Some(&s.teacher_email)).await {
        Ok(p) => p
            .into_iter()
            .find(|p| p.achievement_slug == s.achievement_slug && p.state == "approved"),
        Err(e) => return error_page(e, Some(who)),
    };
    let notice = match q.done.as_deref() {
        Some("submitted") => Some("Your evidence is submitted. Reviewers are assigned; you will get an email when it is decided."),
        Some("assigned") => Some("The reviewer is assigned and emailed."),
        Some("awarded") => Some("The credential is signed and the teacher is emailed."),
        _ => None,
    };
    let body = html! {
        @if let Some(n) = notice { div class="notice" role="status" { p { (n) } } }
        dl class="facts" {
            dt { "Achievement" } dd { (achievement_name(&view.achievement)) }
            @if manager { dt { "Teacher" } dd { (s.teacher_name.as_deref().unwrap_or("")) " (" (s.teacher_email) ")" } }
            dt { "Attempt" } dd { (s.attempt) }
            dt { "Submitted" } dd { (moment(&issuer, &s.submitted_at)) }
            dt { "State" } dd { strong { (state_label(&s.state)) } }
            @if let Some(d) = &s.decided_at { dt { "Decided" } dd { (moment(&issuer, d)) } }
            dt { "How it is decided" } dd { (view.rubric.review.rule.label()) @if view.rubric.review.blind { " (blind review)" } }
            dt { "Pre-approved for pay" } dd {
                @match &preapproval {
                    Some(p) => { "Yes: " (cairn_issuer::purpose_label(&p.purpose)) ", " (p.detail) }
                    None => "No",
                }
            }
        }
        @if let Some(cid) = &s.credential_id {
            p { "The credential is issued. " a href=(format!("/credentials/{}", encode(cid.rsplit(['/', ':']).next().unwrap_or_default()))) { "Open its page to share it" } }
        } @else if s.state == "earned" {
            p { "Earned; the credential waits for the district's signature." }
            @if manager {
                form method="post" action=(format!("/console/submissions/{}/award", s.id)) {
                    input type="hidden" name="csrf" value=(who.csrf);
                    button type="submit" { "Sign and award the credential" }
                }
            }
        }
        @if let Some(levels) = s.decision.as_ref().and_then(|d| d.get("levels")) {
            @if !is_open(&s.state) && s.state != "withdrawn" {
                h2 { "The decision per criterion" }
                ul {
                    @for c in &view.rubric.criteria {
                        li { (c.name) ": " strong { (levels.get(&c.id).and_then(|v| v.as_str()).map(|l| c.level_name(l)).unwrap_or("—")) } }
                    }
                }
            }
        }
        @if !view.reviews.is_empty() {
            h2 { @if teacher { "Feedback" } @else { "Reviews" } }
            @for r in &view.reviews { (review_section(&view.rubric, r, manager)) }
        }
        @if teacher && matches!(s.state.as_str(), "not-yet" | "incomplete") && attempts.first().is_some_and(|a| a.id == s.id) {
            p { a class="button" href=(format!("/console/submit?achievement={}", encode(&s.achievement_slug))) { "Submit again" } }
        }
        (evidence_section(&view))
        @if manager && is_open(&s.state) {
            h2 { "Assign a reviewer" }
            form method="post" action=(format!("/console/submissions/{}/assign", s.id)) class="stack" {
                input type="hidden" name="csrf" value=(who.csrf);
                label for="slot" { "Review" }
                select id="slot" name="slot" {
                    @for slot in [Slot::First, Slot::Second, Slot::TieBreak, Slot::Grantor] { option value=(slot.name()) { (slot.label()) } }
                }
                label for="reviewer" { "Reviewer's email" }
                input id="reviewer" name="reviewer" type="email" required;
                button type="submit" class="secondary" { "Assign" }
            }
        }
        @if (teacher || manager) && is_open(&s.state) {
            h2 { "Withdraw" }
            form method="post" action=(format!("/console/submissions/{}/withdraw", s.id)) class="stack" {
                input type="hidden" name="csrf" value=(who.csrf);
                label { input type="checkbox" name="confirm" value="yes" required; " Withdraw this submission and delete its files" }
                button type="submit" class="danger" { "Withdraw" }
            }
        }
        @if attempts.len() > 1 {
            h2 { "Every attempt" }
            ul {
                @for a in &attempts {
                    li {
                        @if a.id == s.id { "Attempt " (a.attempt) " (this one)" }
                        @else { a href=(format!("/console/submissions/{}", a.id)) { "Attempt " (a.attempt) } }
                        " — " (state_label(&a.state))
                    }
                }
            }
        }
    };
    let title = format!("Submission: {}", achievement_name(&view.achievement));
    let current = if teacher {
        "/console/submissions"
    } else {
        "/console/submissions?all=1"
    };
    page(&issuer, &title, Some(who), current, body)
}

/// `GET /console/submissions/{id}/files/{file}`: a file, to whoever may see the submission,
/// as a download of the type its content showed (audited).
pub(crate) async fn file(
    State(issuer): State<Shared>,
    Console(staff, _): Console<SignedInOnly>,
    Path((id, file)): Path<(String, String)>,
) -> Response {
    let who = &staff.signed_in;
    match issuer.evidence_file(&caller(&staff), &id, &file).await {
        Ok((row, bytes)) => {
            let mut r = bytes.into_response();
            let h = r.headers_mut();
            let media = row
                .media_type
                .unwrap_or_else(|| "application/octet-stream".into());
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_str(&media)
                    .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            );
            // RFC 6266: always a download, never rendered by the browser under our origin.
            let ascii: String = row
                .name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"")) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            h.insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            h.insert(
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; sandbox"),
            );
            r
        }
        Err(e) => error_page(e, Some(who)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /console/submissions/{id}/withdraw`.
pub(crate) async fn withdraw(
    State(issuer): State<Shared>,
    Console(staff, _): Console<SignedInOnly>,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = staff.csrf_refusal(&form.csrf) {
        return refused;
    }
    let who = &staff.signed_in;
    match issuer.withdraw_submission(&caller(&staff), &id).await {
        Ok(()) => Redirect::to("/console/submissions?done=withdrawn").into_response(),
        Err(e) => error_page(e, Some(who)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AssignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    slot: String,
    #[serde(default)]
    reviewer: String,
}

/// `POST /console/submissions/{id}/assign`: a reviewer by hand.
pub(crate) async fn assign(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ManageReviews>,
    Path(id): Path<String>,
    Form(form): Form<AssignForm>,
) -> Response {
    if let Some(refused) = staff.csrf_refusal(&form.csrf) {
        return refused;
    }
    let who = &staff.signed_in;
    let Some(slot) = Slot::parse(&form.slot) else {
        return error_page(
            cairn_issuer::Error::input("slot", "is not a review"),
            Some(who),
        );
    };
    match issuer
        .assign_reviewer(&id, slot, &form.reviewer, &who.member.actor())
        .await
    {
        Ok(()) => Redirect::to(&format!("/console/submissions/{id}?done=assigned")).into_response(),
        Err(e) => error_page(e, Some(who)),
    }
}

/// `POST /console/submissions/{id}/award`: signs a queued award.
pub(crate) async fn award(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ManageReviews>,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some(refused) = staff.csrf_refusal(&form.csrf) {
        return refused;
    }
    let who = &staff.signed_in;
    match issuer.award_submission(&id, &who.member.actor()).await {
        Ok(_) => Redirect::to(&format!("/console/submissions/{id}?done=awarded")).into_response(),
        Err(e) => error_page(e, Some(who)),
    }
}

/// `GET /console/reviews`: the reviews assigned to this person, open first.
pub(crate) async fn reviews(
    State(issuer): State<Shared>,
    Console(staff, _): Console<Review>,
) -> Response {
    let who = &staff.signed_in;
    let mut mine = match issuer.my_reviews(&who.member.email).await {
        Ok(r) => r,
        Err(e) => return error_page(e, Some(who)),
    };
    mine.sort_by_key(|(r, _)| (r.submitted_at.is_some(), r.due_at.clone()));
    let names: BTreeMap<String, String> = match issuer.achievements().await {
        Ok(a) => a
            .iter()
            .map(|a| (a.slug.clone(), achievement_name(a).to_owned()))
            .collect(),
        Err(e) => return error_page(e, Some(who)),
    };
    let body = html! {
        @if mine.is_empty() {
            p { "No reviews are assigned to you." }
        } @else {
            div class="table" {
                table {
                    thead { tr { th { "Achievement" } th { "Teacher" } th { "Review" } th { "Due" } th { "State" } } }
                    tbody {
                        @for (r, s) in &mine {
                            tr {
                                td { a href=(format!("/console/reviews/{}", r.id)) { (names.get(&s.achievement_slug).map(String::as_str).unwrap_or(&s.achievement_slug)) } }
                                td { @if s.teacher_email.is_empty() { "(blind review)" } @else { (s.teacher_name.as_deref().unwrap_or(&s.teacher_email)) } }
                                td { (Slot::parse(&r.slot).map(|x| x.label()).unwrap_or("")) }
                                td { (&r.due_at[..10]) }
                                td { @if r.submitted_at.is_some() { "Submitted" } @else if is_open(&s.state) { strong { "To do" } } @else { (state_label(&s.state)) } }
                            }
                        }
                    }
                }
            }
        }
    };
    page(&issuer, "My reviews", Some(who), "/console/reviews", body)
}

/// The review of `review_id` this reviewer holds, with its submission as they may see it.
async fn my_review(
    issuer: &Shared,
    staff: &Staff,
    review_id: &str,
) -> Result<(ReviewRow, SubmissionView), cairn_issuer::Error> {
    let review = issuer
        .assigned_review(&staff.signed_in.member.email, review_id)
        .await?;
    let view = issuer
        .submission_view(&caller(staff), &review.submission_id)
        .await?;
    Ok((review, view))
}

/// `GET /console/reviews/{id}`: the submission (blind when the achievement says so) and the
/// review form, or the review as submitted.
pub(crate) async fn review_form(
    State(issuer): State<Shared>,
    Console(staff, _): Console<Review>,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let who = &staff.signed_in;
    let (review, view) = match my_review(&issuer, &staff, &id).await {
        Ok(v) => v,
        Err(e) => return error_page(e, Some(who)),
    };
    let s = &view.submission;
    let others: Vec<&ReviewRow> = view
        .reviews
        .iter()
        .filter(|r| r.id != review.id && r.submitted_at.is_some())
        .collect();
    let body = html! {
        @if q.done.as_deref() == Some("submitted") {
            div class="notice" role="status" { p { "Your review is submitted. Thank you." } }
        }
        dl class="facts" {
            dt { "Achievement" } dd { (achievement_name(&view.achievement)) }
            dt { "Teacher" } dd { @if s.teacher_email.is_empty() { "Hidden: this is a blind review" } @else { (s.teacher_name.as_deref().unwrap_or("")) " (" (s.teacher_email) ")" } }
            dt { "Attempt" } dd { (s.attempt) }
            dt { "Your review" } dd { (Slot::parse(&review.slot).map(|x| x.label()).unwrap_or("")) ", due " (&review.due_at[..10]) }
            dt { "State" } dd { (state_label(&s.state)) }
        }
        h2 { "Criteria" }
        (criteria_list(&view.rubric))
        (evidence_section(&view))
        @if !others.is_empty() {
            h2 { "The other reviews" }
            @for r in &others { (review_section(&view.rubric, r, false)) }
        }
        @if review.submitted_at.is_some() {
            h2 { "Your review" }
            (review_section(&view.rubric, &review, false))
        } @else if is_open(&s.state) {
            h2 { "Your review" }
            form method="post" action=(format!("/console/reviews/{}", review.id)) class="stack" {
                input type="hidden" name="csrf" value=(who.csrf);
                @for c in &view.rubric.criteria {
                    fieldset {
                        legend { (c.name) }
                        @for (lid, lname, ldesc) in &c.levels {
                            label {
                                input type="radio" name=(format!("level-{}", c.id)) value=(lid);
                                " " (lname)
                                @if let Some(d) = ldesc { span class="hint" { " — " (d) } }
                                @if *lid == c.required { span class="hint" { " (meets the criterion)" } }
                            }
                        }
                        label for=(format!("feedback-{}", c.id)) { "Feedback on " (c.name) }
                        textarea id=(format!("feedback-{}", c.id)) name=(format!("feedback-{}", c.id)) rows="3" {}
                    }
                }
                label for="overall" { "Overall feedback" }
                textarea id="overall" name="overall" rows="4" {}
                fieldset {
                    legend { "Your recommendation" }
                    @for rec in Recommendation::ALL {
                        label { input type="radio" name="recommendation" value=(rec.name()) required; " " (rec.label()) }
                    }
                }
                button type="submit" { "Submit the review" }
            }
        } @else {
            p { "This submission is " (state_label(&s.state).to_lowercase()) "; it takes no more reviews." }
        }
    };
    page(&issuer, "Review", Some(who), "/console/reviews", body)
}

/// `POST /console/reviews/{id}`.
pub(crate) async fn review(
    State(issuer): State<Shared>,
    Console(staff, _): Console<Review>,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let who = &staff.signed_in;
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    if let Some(refused) = staff.csrf_refusal(&get("csrf").unwrap_or_default()) {
        return refused;
    }
    let recommendation = match Recommendation::parse(&get("recommendation").unwrap_or_default()) {
        Ok(r) => r,
        Err(e) => return error_page(e, Some(who)),
    };
    let prefixed = |prefix: &str| -> BTreeMap<String, String> {
        form.iter()
            .filter_map(|(k, v)| k.strip_prefix(prefix).map(|c| (c.to_owned(), v.clone())))
            .collect()
    };
    let input = ReviewInput {
        recommendation,
        levels: prefixed("level-"),
        feedback: prefixed("feedback-"),
        overall: get("overall"),
    };
    match issuer
        .submit_review(&who.member.email, &id, &input, &who.member.actor())
        .await
    {
        Ok(_) => Redirect::to(&format!("/console/reviews/{id}?done=submitted")).into_response(),
        Err(e) => error_page(e, Some(who)),
    }
}

/// `GET /console/conflicts`: declared conflicts and the form to declare one.
pub(crate) async fn conflicts(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ManageReviews>,
) -> Response {
    let who = &staff.signed_in;
    let list = match issuer.review_conflicts().await {
        Ok(l) => l,
        Err(e) => return error_page(e, Some(who)),
    };
    let body = html! {
        p { "A reviewer never reviews the submissions of a teacher they are in conflict with (a colleague at their school, a relative, someone they coach). Nobody reviews their own submissions." }
        form method="post" action="/console/conflicts" class="stack" {
            input type="hidden" name="csrf" value=(who.csrf);
            label for="reviewer" { "Reviewer's email" }
            input id="reviewer" name="reviewer" type="email" required;
            label for="teacher" { "Teacher's email" }
            input id="teacher" name="teacher" type="email" required;
            label for="note" { "Why (optional)" }
            input id="note" name="note" maxlength="200";
            button type="submit" { "Declare the conflict" }
        }
        h2 { "Declared conflicts" }
        @if list.is_empty() { p { "None." } } @else {
            div class="table" {
                table {
                    thead { tr { th { "Reviewer" } th { "Teacher" } th { "Why" } } }
                    tbody { @for (r, t, n) in &list { tr { td { (r) } td { (t) } td { (n.as_deref().unwrap_or("")) } } } }
                }
            }
        }
    };
    page(
        &issuer,
        "Reviewer conflicts",
        Some(who),
        "/console/submissions?all=1",
        body,
    )
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ConflictForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reviewer: String,
    #[serde(default)]
    teacher: String,
    #[serde(default)]
    note: String,
}

/// `POST /console/conflicts`.
pub(crate) async fn add_conflict(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ManageReviews>,
    Form(form): Form<ConflictForm>,
) -> Response {
    if let Some(refused) = staff.csrf_refusal(&form.csrf) {
        return refused;
    }
    let who = &staff.signed_in;
    let note = Some(form.note.trim()).filter(|n| !n.is_empty());
    match issuer
        .add_review_conflict(&form.reviewer, &form.teacher, note, &who.member.actor())
        .await
    {
        Ok(()) => Redirect::to("/console/conflicts").into_response(),
        Err(e) => error_page(e, Some(who)),
    }
}

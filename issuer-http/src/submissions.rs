//! `/api/v1/submissions` and `/api/v1/reviews`: evidence submissions and reviews for districts
//! that connect their learning-management system — the console's operations, with the same
//! rules (`Issuer::submit_evidence`, `submit_review`, …) and the same access checks.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use cairn_issuer::{
    Caller, Recommendation, ReviewInput, ReviewRow, Slot, SubmissionDraft, SubmissionFilter,
    SubmissionRow,
};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::extract::{ApprovePay, Auth, JsonBody, ManageReviews, Review, Submit};
use crate::openapi::ProblemDoc;
use crate::problem::Problem;
use crate::Shared;

/// The largest JSON body of a submission (its files in base64).
pub(crate) const BODY_LIMIT: usize = crate::console::EVIDENCE_UPLOAD_LIMIT / 3 * 4 + 64 * 1024;

/// Whom a call acts for: a signed-in person is always themselves (whatever the body says); an
/// API token names the person in `field` (`invalid_input` without it).
fn acting_for(
    caller: &Caller,
    given: Option<&str>,
    field: &'static str,
) -> Result<String, Problem> {
    match caller {
        Caller::Staff(s) => Ok(s.member.email.clone()),
        Caller::Token(_) => given.map(|g| g.trim().to_lowercase()).ok_or_else(|| {
            Problem::from(cairn_issuer::Error::input(
                field,
                format!("an API token acts for a {field}: give their email"),
            ))
        }),
    }
}

fn submission_json(s: &SubmissionRow) -> Value {
    json!({
        "id": s.id,
        "achievement": s.achievement_slug,
        "teacher": if s.teacher_email.is_empty() { Value::Null } else { s.teacher_email.clone().into() },
        "teacherName": s.teacher_name,
        "attempt": s.attempt,
        "state": s.state,
        "answers": s.answers,
        "changeNote": s.change_note,
        "submittedAt": s.submitted_at,
        "decidedAt": s.decided_at,
        "decision": s.decision,
        "credentialId": s.credential_id,
    })
}

fn review_json(r: &ReviewRow) -> Value {
    json!({
        "id": r.id,
        "slot": r.slot,
        "reviewer": if r.reviewer_email.is_empty() { Value::Null } else { r.reviewer_email.clone().into() },
        "assignedAt": r.assigned_at,
        "dueAt": r.due_at,
        "recommendation": r.recommendation,
        "levels": r.levels,
        "feedback": r.feedback,
        "overall": r.overall,
        "submittedAt": r.submitted_at,
    })
}

/// `?state=&achievement=&teacher=`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub(crate) struct ListQuery {
    /// `in-review`, `tie-break`, `grantor`, `earned`, `not-yet`, `incomplete`, `withdrawn`.
    state: Option<String>,
    /// An achievement's slug.
    achievement: Option<String>,
    /// A teacher's email address.
    teacher: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/submissions", tag = "evidence", security(("bearer" = ["admin"])), params(ListQuery), responses((status = 200, description = "Submissions, newest first (at most 500)", body = Object), (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc)))]
pub(crate) async fn list(
    State(issuer): State<Shared>,
    Auth(caller, _): Auth<ManageReviews>,
    Query(q): Query<ListQuery>,
) -> Result<Response, Problem> {
    let filter = SubmissionFilter {
        state: q.state,
        achievement: q.achievement,
        teacher: q.teacher.map(|t| t.trim().to_lowercase()),
        reviewer: None,
    };
    let items: Vec<Value> = issuer
        .submissions_for(&caller, &filter)
        .await?
        .iter()
        .map(submission_json)
        .collect();
    Ok(axum::Json(json!({ "submissions": items })).into_response())
}

#[utoipa::path(get, path = "/api/v1/submissions/{id}", tag = "evidence", security(("bearer" = ["admin"])), params(("id" = String, Path, description = "Submission id")), responses((status = 200, description = "The submission, its files and links (files at /console/submissions/{id}/files/{file}) and its reviews as the caller may see them; audited", body = Object), (status = 404, body = ProblemDoc)))]
pub(crate) async fn get(
    State(issuer): State<Shared>,
    Auth(caller, _): Auth<ManageReviews>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let view = issuer.submission_view(&caller, &id).await?;
    let files: Vec<Value> = view
        .artifacts
        .iter()
        .map(|a| {
            json!({"id": a.id, "name": a.name, "mediaType": a.media_type, "sha256": a.sha256,
                   "size": a.size, "url": a.url, "deletedAt": a.deleted_at})
        })
        .collect();
    let mut body = submission_json(&view.submission);
    body["files"] = Value::Array(files);
    body["reviews"] = Value::Array(view.reviews.iter().map(review_json).collect());
    Ok(axum::Json(body).into_response())
}

/// A file of a submission, in base64.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct FileBody {
    name: String,
    content_base64: String,
}

/// A link of a submission.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct LinkBody {
    #[serde(default)]
    title: String,
    url: String,
}

/// The body of `POST /api/v1/submissions`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct SubmitBody {
    achievement: String,
    /// The teacher's address (an API token submits for a teacher; a signed-in teacher's own
    /// address is used whatever this says).
    teacher: Option<String>,
    teacher_name: Option<String>,
    #[serde(default)]
    answers: BTreeMap<String, String>,
    #[serde(default)]
    files: Vec<FileBody>,
    #[serde(default)]
    links: Vec<LinkBody>,
    change_note: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/submissions", tag = "evidence", security(("bearer" = ["issue"])), request_body = SubmitBody, responses((status = 201, description = "Submitted; reviewers assigned", body = Object), (status = 404, body = ProblemDoc), (status = 409, body = ProblemDoc), (status = 422, body = ProblemDoc)))]
pub(crate) async fn submit(
    State(issuer): State<Shared>,
    Auth(caller, _): Auth<Submit>,
    body: JsonBody<SubmitBody>,
) -> Result<Response, Problem> {
    let b = body.value;
    let teacher = acting_for(&caller, b.teacher.as_deref(), "teacher")?;
    let mut files = Vec::new();
    for f in b.files {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(f.content_base64.as_bytes())
            .map_err(|e| {
                Problem::from(cairn_issuer::Error::input(
                    "contentBase64",
                    format!("{}: {e}", f.name),
                ))
            })?;
        files.push((f.name, bytes));
    }
    let draft = SubmissionDraft {
        achievement: b.achievement,
        teacher_name: b.teacher_name,
        answers: b.answers,
        files,
        links: b.links.into_iter().map(|l| (l.title, l.url)).collect(),
        change_note: b.change_note,
    };
    let s = issuer
        .submit_evidence(&teacher, &draft, &caller.actor())
        .await?;
    Ok((StatusCode::CREATED, axum::Json(submission_json(&s))).into_response())
}

#[utoipa::path(post, path = "/api/v1/submissions/{id}/withdraw", tag = "evidence", security(("bearer" = ["admin"])), params(("id" = String, Path, description = "Submission id")), responses((status = 204, description = "Withdrawn; its files are deleted"), (status = 404, body = ProblemDoc), (status = 409, body = ProblemDoc)))]
pub(crate) async fn withdraw(
    State(issuer): State<Shared>,
    Auth(caller, _): Auth<ManageReviews>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    issuer.withdraw_submission(&caller, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The body of `POST /api/v1/submissions/{id}/reviewers`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct AssignBody {
    /// `first`, `second`, `tie-break` or `grantor`.
    slot: String,
    /// The reviewer's email (a member of staff whose role reviews).
    reviewer: String,
}

#[utoipa::path(post, path = "/api/v1/submissions/{id}/reviewers", tag = "evidence", security(("bearer" = ["admin"])), params(("id" = String, Path, description = "Submission id")), request_body = AssignBody, responses((status = 204, description = "Assigned; the reviewer is emailed"), (status = 404, body = ProblemDoc), (status = 409, body = ProblemDoc), (status = 422, body = ProblemDoc)))]
pub(crate) async fn assign(
    State(issuer): State<Shared>,
    Auth(caller, _): Auth<ManageReviews>,
    Path(id): Path<String>,
    body: JsonBody<AssignBody>,
) -> Result<Response, Problem> {
    let slot = Slot::parse(&body.value.slot).ok_or_else(|| {
        Problem::from(cairn_issuer::Error::input(
            "slot",
            "is first, second, tie-break or grantor",
        ))
    })?;
    issuer
        .assign_reviewer(&id, slot, &body.value.reviewer, &caller.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(post, path = "/api/v1/submissions/{id}/award", tag = "evidence", security(("bearer" = ["admin"])), params(("id" = String, Path, description = "Submission id")), responses((status = 200, description = "The credential issued for an earned submission (once)", body = Object), (status = 404, body = ProblemDoc), (status = 409, body = ProblemDoc)))]
pub(crate) async fn award(
    State(issuer): State<Shared>,
    Auth(caller, _): Auth<ManageReviews>,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let cid = issuer.award_submission(&id, &caller.actor()).await?;
    Ok(axum::Json(json!({ "credentialId": cid })).into_response())
}

/// The body of `POST /api/v1/reviews/{id}`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReviewBody {
    /// The reviewer it is recorded for (an API token only; a signed-in reviewer is themselves).
    reviewer: Option<String>,
    /// `earned`, `not-yet` or `incomplete`.
    recommendation: String,
    /// Criterion id → level id.
    #[serde(default)]
    levels: BTreeMap<String, String>,
    /// Criterion id → feedback.
    #[serde(default)]
    feedback: BTreeMap<String, String>,
    overall: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/reviews/{id}", tag = "evidence", security(("bearer" = ["admin"])), params(("id" = String, Path, description = "Review id")), request_body = ReviewBody, responses((status = 200, description = "Recorded; the submission after the decision rule", body = Object), (status = 404, body = ProblemDoc), (status = 409, body = ProblemDoc), (status = 422, body = ProblemDoc)))]
pub(crate) async fn review(
    State(issuer): State<Shared>,
    Auth(caller, _): Auth<Review>,
    Path(id): Path<String>,
    body: JsonBody<ReviewBody>,
) -> Result<Response, Problem> {
    let b = body.value;
    let reviewer = acting_for(&caller, b.reviewer.as_deref(), "reviewer")?;
    let input = ReviewInput {
        recommendation: Recommendation::parse(&b.recommendation)?,
        levels: b.levels,
        feedback: b.feedback,
        overall: b.overall,
    };
    let s = issuer
        .submit_review(
            &reviewer.trim().to_lowercase(),
            &id,
            &input,
            &caller.actor(),
        )
        .await?;
    Ok(axum::Json(submission_json(&s)).into_response())
}

/// The body of `POST /api/v1/preapprovals`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct PreapprovalBody {
    achievement: String,
    /// The teacher's address (an API token asks for a teacher; a signed-in teacher is themselves).
    teacher: Option<String>,
    teacher_name: Option<String>,
    /// `salary-step` or `ce-hours`.
    purpose: String,
    /// The step, lane or hours.
    detail: String,
}

fn preapproval_json(p: &cairn_issuer::PreapprovalRow) -> Value {
    json!({
        "id": p.id, "teacher": p.teacher_email, "teacherName": p.teacher_name,
        "achievement": p.achievement_slug, "purpose": p.purpose, "detail": p.detail,
        "requestedAt": p.requested_at, "state": p.state, "decidedBy": p.decided_by,
        "decidedAt": p.decided_at, "note": p.note,
    })
}

#[utoipa::path(get, path = "/api/v1/preapprovals", tag = "evidence", security(("bearer" = ["admin"])), responses((status = 200, description = "Every pre-approval request for pay, newest first", body = Object), (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc)))]
pub(crate) async fn preapprovals(
    State(issuer): State<Shared>,
    _: Auth<ApprovePay>,
) -> Result<Response, Problem> {
    let items: Vec<Value> = issuer
        .preapprovals(None)
        .await?
        .iter()
        .map(preapproval_json)
        .collect();
    Ok(axum::Json(json!({ "preapprovals": items })).into_response())
}

#[utoipa::path(post, path = "/api/v1/preapprovals", tag = "evidence", security(("bearer" = ["issue"])), request_body = PreapprovalBody, responses((status = 201, description = "Asked; waiting for a decision", body = Object), (status = 404, body = ProblemDoc), (status = 409, body = ProblemDoc), (status = 422, body = ProblemDoc)))]
pub(crate) async fn request_preapproval(
    State(issuer): State<Shared>,
    Auth(caller, _): Auth<Submit>,
    body: JsonBody<PreapprovalBody>,
) -> Result<Response, Problem> {
    let b = body.value;
    let teacher = acting_for(&caller, b.teacher.as_deref(), "teacher")?;
    let p = issuer
        .request_preapproval(
            &teacher,
            b.teacher_name.as_deref(),
            &b.achievement,
            &b.purpose,
            &b.detail,
            &caller.actor(),
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(preapproval_json(&p))).into_response())
}

/// The body of `POST /api/v1/preapprovals/{id}/decision`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecisionBody {
    /// `true` approves, `false` denies.
    approve: bool,
    /// A note to the teacher.
    note: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/preapprovals/{id}/decision", tag = "evidence", security(("bearer" = ["admin"])), params(("id" = String, Path, description = "Pre-approval id")), request_body = DecisionBody, responses((status = 204, description = "Decided"), (status = 409, body = ProblemDoc), (status = 422, body = ProblemDoc)))]
pub(crate) async fn decide_preapproval(
    State(issuer): State<Shared>,
    Auth(caller, _): Auth<ApprovePay>,
    Path(id): Path<String>,
    body: JsonBody<DecisionBody>,
) -> Result<Response, Problem> {
    issuer
        .decide_preapproval(
            &id,
            body.value.approve,
            body.value.note.as_deref(),
            &caller.actor(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(get, path = "/api/v1/payroll", tag = "evidence", security(("bearer" = ["admin"])), responses((status = 200, description = "Every issued award earned by evidence, oldest first, with its approved pre-approval", body = Object), (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc)))]
pub(crate) async fn payroll(
    State(issuer): State<Shared>,
    _: Auth<ApprovePay>,
) -> Result<Response, Problem> {
    let lines: Vec<Value> = issuer
        .payroll()
        .await?
        .iter()
        .map(|l| {
            json!({
                "teacher": l.teacher_email, "teacherName": l.teacher_name,
                "achievement": l.achievement, "credits": l.credits, "earnedAt": l.earned_at,
                "credentialId": l.credential_id,
                "preapproval": l.preapproval.as_ref().map(preapproval_json),
            })
        })
        .collect();
    Ok(axum::Json(json!({ "awards": lines })).into_response())
}

/// `?achievement=`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub(crate) struct ReportQuery {
    /// An achievement's slug (all when absent).
    achievement: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/reports/evidence", tag = "evidence", security(("bearer" = ["admin"])), params(ReportQuery), responses((status = 200, description = "Submissions by state, median days to decision, pass rate per attempt, reviewer load, agreement", body = Object), (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc)))]
pub(crate) async fn report(
    State(issuer): State<Shared>,
    _: Auth<ManageReviews>,
    Query(q): Query<ReportQuery>,
) -> Result<Response, Problem> {
    let r = issuer.evidence_report(q.achievement.as_deref()).await?;
    let by_attempt: Vec<Value> = r
        .pass_rate_by_attempt
        .iter()
        .map(|(a, (decided, earned))| json!({"attempt": a, "decided": decided, "earned": earned}))
        .collect();
    let reviewers: Vec<Value> = r
        .reviewers
        .iter()
        .map(|(who, l)| json!({"reviewer": who, "open": l.open, "done": l.done, "late": l.late}))
        .collect();
    Ok(axum::Json(json!({
        "byState": r.by_state,
        "decided": r.decided,
        "medianDaysToDecision": r.median_days_to_decision,
        "passRateByAttempt": by_attempt,
        "reviewers": reviewers,
        "pairedReviews": r.paired,
        "agreed": r.agreed,
        "tieBreaks": r.tie_breaks,
    }))
    .into_response())
}

/// The body of `POST /api/v1/review-conflicts`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ConflictBody {
    /// The reviewer's address.
    reviewer: String,
    /// The teacher's address.
    teacher: String,
    /// Why.
    note: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/review-conflicts", tag = "evidence", security(("bearer" = ["admin"])), responses((status = 200, description = "Declared reviewer–teacher conflicts", body = Object), (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc)))]
pub(crate) async fn conflicts(
    State(issuer): State<Shared>,
    _: Auth<ManageReviews>,
) -> Result<Response, Problem> {
    let items: Vec<Value> = issuer
        .review_conflicts()
        .await?
        .into_iter()
        .map(|(reviewer, teacher, note)| json!({"reviewer": reviewer, "teacher": teacher, "note": note}))
        .collect();
    Ok(axum::Json(json!({ "conflicts": items })).into_response())
}

#[utoipa::path(post, path = "/api/v1/review-conflicts", tag = "evidence", security(("bearer" = ["admin"])), request_body = ConflictBody, responses((status = 204, description = "Declared: the reviewer is never assigned the teacher's submissions"), (status = 422, body = ProblemDoc)))]
pub(crate) async fn add_conflict(
    State(issuer): State<Shared>,
    Auth(caller, _): Auth<ManageReviews>,
    body: JsonBody<ConflictBody>,
) -> Result<Response, Problem> {
    let b = body.value;
    issuer
        .add_review_conflict(&b.reviewer, &b.teacher, b.note.as_deref(), &caller.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

//! Awarding one credential from the console: the form (achievement, recipient, evidence,
//! credits, an end date), a preview of exactly what will be signed, then the signing — the same
//! use case as the admin API's `POST /api/v1/credentials` (`Issuer::issue_as`).

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use cairn_issuer::{Error, Format, IssueRequest};
use maud::html;
use serde::Deserialize;

use super::records::{day_start, encode};
use super::{error_page, page, Console};
use crate::extract::Issue;
use crate::page::text;
use crate::Shared;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AwardForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    achievement: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    evidence_url: String,
    #[serde(default)]
    narrative: String,
    #[serde(default)]
    credits: String,
    #[serde(default)]
    valid_until: String,
    confirm: Option<String>,
}

impl AwardForm {
    /// The issuing request the form describes (checked again by the issuer).
    fn request(&self, tz: cairn_render::Tz) -> Result<IssueRequest, Error> {
        let trimmed = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let credits = match trimmed(&self.credits) {
            None => None,
            Some(c) => Some(
                c.parse::<f64>()
                    .map_err(|_| Error::input("credits", "is a number, like 15 or 1.5"))?,
            ),
        };
        Ok(IssueRequest {
            achievement: self.achievement.trim().to_owned(),
            recipient_email: self.email.trim().to_owned(),
            recipient_name: trimmed(&self.name),
            evidence_urls: trimmed(&self.evidence_url).into_iter().collect(),
            evidence_narrative: trimmed(&self.narrative),
            credits,
            valid_until: day_start(&self.valid_until, tz, true, "valid until")?,
            ..IssueRequest::default()
        })
    }
}

/// `GET /console/award`: the form.
pub(crate) async fn form(
    State(issuer): State<Shared>,
    Console(staff, _): Console<Issue>,
    Query(prefill): Query<AwardForm>,
) -> Response {
    let who = &staff.signed_in;
    let achievements = match issuer.achievements().await {
        Ok(a) => a.into_iter().filter(|a| !a.archived).collect::<Vec<_>>(),
        Err(e) => return error_page(e, Some(who)),
    };
    let body = html! {
        p { "The credential is signed with the district's key and emailed to the teacher" @if !issuer.can_email() { " (email is not set up, so share its page yourself)" } "." }
        form method="post" action="/console/award" class="stack" {
            input type="hidden" name="csrf" value=(who.csrf);
            label for="achievement" { "Achievement" }
            select id="achievement" name="achievement" required {
                @for a in &achievements {
                    @let name = text(&a.achievement, "/name").unwrap_or(&a.slug);
                    @if a.slug == prefill.achievement { option value=(a.slug) selected { (name) } }
                    @else { option value=(a.slug) { (name) } }
                }
            }
            label for="name" { "Teacher's name (as the credential will show it)" }
            input id="name" name="name" required maxlength="200" value=(prefill.name) autocomplete="off";
            label for="email" { "Teacher's email (stored only as a hash)" }
            input id="email" name="email" type="email" required value=(prefill.email) autocomplete="off";
            label for="evidence_url" { "Evidence link (optional, https)" }
            input id="evidence_url" name="evidence_url" type="url" value=(prefill.evidence_url);
            label for="narrative" { "What the teacher did (optional)" }
            textarea id="narrative" name="narrative" rows="3" maxlength="4000" { (prefill.narrative) }
            label for="credits" { "Credits earned (optional)" }
            input id="credits" name="credits" inputmode="decimal" value=(prefill.credits);
            label for="valid_until" { "Valid until (optional)" }
            input id="valid_until" name="valid_until" type="date" value=(prefill.valid_until);
            button type="submit" { "Preview" }
        }
    };
    page(
        &issuer,
        "Award a credential",
        Some(who),
        "/console/award",
        body,
    )
}

/// `POST /console/award`: the preview of what will be signed, then (confirmed) the signing.
pub(crate) async fn award(
    State(issuer): State<Shared>,
    Console(staff, _): Console<Issue>,
    Form(form): Form<AwardForm>,
) -> Response {
    if let Some(refused) = staff.csrf_refusal(&form.csrf) {
        return refused;
    }
    let who = &staff.signed_in;
    let request = match form.request(issuer.time_zone()) {
        Ok(r) => r,
        Err(e) => return error_page(e, Some(who)),
    };
    if form.confirm.as_deref() != Some("yes") {
        let preview = match issuer.preview_credential(&request, issuer.now()).await {
            Ok(p) => p,
            Err(e) => return error_page(e, Some(who)),
        };
        let pretty = serde_json::to_string_pretty(&preview).unwrap_or_default();
        let body = html! {
            p { strong { "Check what will be signed." } " Once signed, the credential cannot be edited; it can be revoked." }
            dl class="facts" {
                dt { "Achievement" } dd { (text(&preview, "/credentialSubject/achievement/name").unwrap_or("")) }
                dt { "Teacher" } dd { (form.name.trim()) }
                dt { "Email" } dd { (form.email.trim()) " (stored only as a hash)" }
                @if !form.credits.trim().is_empty() { dt { "Credits" } dd { (form.credits.trim()) } }
                @if !form.valid_until.trim().is_empty() { dt { "Valid until" } dd { (form.valid_until.trim()) } }
            }
            details open {
                summary { "The credential as it will be signed (a new id and email salt, the status entries and the proof are made at signing)" }
                pre tabindex="0" { (pretty) }
            }
            form method="post" action="/console/award" {
                input type="hidden" name="csrf" value=(who.csrf);
                @for (name, value) in [("achievement", &form.achievement), ("name", &form.name), ("email", &form.email), ("evidence_url", &form.evidence_url), ("narrative", &form.narrative), ("credits", &form.credits), ("valid_until", &form.valid_until)] {
                    input type="hidden" name=(name) value=(value);
                }
                input type="hidden" name="confirm" value="yes";
                button type="submit" { "Sign and award" }
                " "
                a href=(format!("/console/award?achievement={}&name={}&email={}&evidence_url={}&narrative={}&credits={}&valid_until={}", encode(&form.achievement), encode(&form.name), encode(&form.email), encode(&form.evidence_url), encode(&form.narrative), encode(&form.credits), encode(&form.valid_until))) { "Change something" }
            }
        };
        return page(&issuer, "Preview", Some(who), "/console/award", body);
    }
    match issuer
        .issue_as(&request, Format::Json, issuer.now(), &who.member.actor())
        .await
    {
        Ok(issued) => {
            let id = text(issued.credential(), "/id")
                .unwrap_or_default()
                .to_owned();
            Redirect::to(&format!(
                "/console/credential?id={}&done=issued",
                encode(&id)
            ))
            .into_response()
        }
        Err(e) => error_page(e, Some(who)),
    }
}

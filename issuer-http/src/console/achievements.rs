//! Achievements in the console: the list, a form to create one or edit one (a new definition
//! under the same id — credentials already issued keep the text they were signed with), and
//! archiving (no more awards; issued credentials stay valid). The same use cases as the admin
//! API's `/api/v1/achievements` (`Issuer::add_achievement`, `update_achievement`,
//! `archive_achievement`), and the definition is checked against the same schema.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use cairn_issuer::{
    AchievementDefinition, DecisionRule, Error, Permission, Rubric, StoredAchievement,
};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::records::encode;
use super::{error_page, page, problem_notice, read_upload, Console, Staff};
use crate::extract::{ManageAchievements, ReadCredentials};
use crate::page::text;
use crate::Shared;

/// The achievement types the form offers (OB 3.0 §B.2.2 AchievementType, the ones districts use).
const TYPES: [&str; 9] = [
    "MicroCredential",
    "Badge",
    "Certificate",
    "Certification",
    "Competency",
    "Course",
    "License",
    "Award",
    "Achievement",
];

/// Alignment rows the form shows.
const ALIGNMENTS: usize = 3;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AchievementForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    achievement_type: String,
    #[serde(default)]
    criteria: String,
    #[serde(default)]
    credits: String,
    #[serde(default)]
    field_of_study: String,
    #[serde(default)]
    validity_months: String,
    #[serde(default)]
    rubric: String,
    #[serde(default)]
    prompts: String,
    #[serde(default)]
    review_rule: String,
    review_blind: Option<String>,
    #[serde(default)]
    review_award: String,
    #[serde(default)]
    review_due_days: String,
    #[serde(default)]
    reviewers: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    a0_name: String,
    #[serde(default)]
    a0_url: String,
    #[serde(default)]
    a0_framework: String,
    #[serde(default)]
    a0_code: String,
    #[serde(default)]
    a1_name: String,
    #[serde(default)]
    a1_url: String,
    #[serde(default)]
    a1_framework: String,
    #[serde(default)]
    a1_code: String,
    #[serde(default)]
    a2_name: String,
    #[serde(default)]
    a2_url: String,
    #[serde(default)]
    a2_framework: String,
    #[serde(default)]
    a2_code: String,
}

impl AchievementForm {
    fn alignment(&self, i: usize) -> [&String; 4] {
        match i {
            0 => [
                &self.a0_name,
                &self.a0_url,
                &self.a0_framework,
                &self.a0_code,
            ],
            1 => [
                &self.a1_name,
                &self.a1_url,
                &self.a1_framework,
                &self.a1_code,
            ],
            _ => [
                &self.a2_name,
                &self.a2_url,
                &self.a2_framework,
                &self.a2_code,
            ],
        }
    }

    fn alignment_mut(&mut self, i: usize) -> [&mut String; 4] {
        match i {
            0 => [
                &mut self.a0_name,
                &mut self.a0_url,
                &mut self.a0_framework,
                &mut self.a0_code,
            ],
            1 => [
                &mut self.a1_name,
                &mut self.a1_url,
                &mut self.a1_framework,
                &mut self.a1_code,
            ],
            _ => [
                &mut self.a2_name,
                &mut self.a2_url,
                &mut self.a2_framework,
                &mut self.a2_code,
            ],
        }
    }

    /// The form filled from a stored achievement (OB 3.0 property names, as the definition's).
    fn from_stored(a: &StoredAchievement) -> Self {
        let t = |p: &str| text(&a.achievement, p).unwrap_or_default().to_owned();
        let mut form = AchievementForm {
            slug: a.slug.clone(),
            name: t("/name"),
            description: t("/description"),
            achievement_type: t("/achievementType"),
            criteria: t("/criteria/narrative"),
            credits: a
                .achievement
                .get("creditsAvailable")
                .map(Value::to_string)
                .unwrap_or_default(),
            field_of_study: t("/fieldOfStudy"),
            validity_months: a.validity_months.map(|m| m.to_string()).unwrap_or_default(),
            version: t("/version"),
            tags: a
                .achievement
                .get("tag")
                .and_then(Value::as_array)
                .map(|tags| {
                    tags.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default(),
            ..AchievementForm::default()
        };
        evidence_text(&a.definition, &mut form);
        let alignments = a
            .achievement
            .get("alignment")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for (i, al) in alignments.iter().take(ALIGNMENTS).enumerate() {
            let [name, url, framework, code] = form.alignment_mut(i);
            *name = text(al, "/targetName").unwrap_or_default().to_owned();
            *url = text(al, "/targetUrl").unwrap_or_default().to_owned();
            *framework = text(al, "/targetFramework").unwrap_or_default().to_owned();
            *code = text(al, "/targetCode").unwrap_or_default().to_owned();
        }
        form
    }

    /// The definition the form describes (`schemas/achievement-definition.schema.json`);
    /// `keep` carries over what the form does not edit (the image).
    fn definition(&self, keep: Option<&StoredAchievement>) -> Result<AchievementDefinition, Error> {
        let mut d = Map::new();
        let mut put = |k: &str, v: &str| {
            if !v.trim().is_empty() {
                d.insert(k.into(), json!(v.trim()));
            }
        };
        put("slug", &self.slug);
        put("name", &self.name);
        put("description", &self.description);
        put("achievementType", &self.achievement_type);
        put("fieldOfStudy", &self.field_of_study);
        put("version", &self.version);
        if !self.criteria.trim().is_empty() {
            d.insert(
                "criteria".into(),
                json!({"narrative": self.criteria.trim()}),
            );
        }
        if !self.validity_months.trim().is_empty() {
            let months: u32 = self.validity_months.trim().parse().map_err(|_| {
                Error::AchievementInvalid("valid for is a whole number of months, like 36".into())
            })?;
            d.insert("validityMonths".into(), json!(months));
        }
        if !self.credits.trim().is_empty() {
            let credits: f64 = self.credits.trim().parse().map_err(|_| {
                Error::AchievementInvalid("credits available is a number, like 15".into())
            })?;
            d.insert("creditsAvailable".into(), json!(credits));
        }
        let tags: Vec<&str> = self
            .tags
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .collect();
        if !tags.is_empty() {
            d.insert("tag".into(), json!(tags));
        }
        let mut alignments = Vec::new();
        for i in 0..ALIGNMENTS {
            let [name, url, framework, code] = self.alignment(i);
            if [name, url, framework, code]
                .iter()
                .all(|v| v.trim().is_empty())
            {
                continue;
            }
            let mut al = Map::new();
            for (k, v) in [
                ("targetName", name),
                ("targetUrl", url),
                ("targetFramework", framework),
                ("targetCode", code),
            ] {
                if !v.trim().is_empty() {
                    al.insert(k.into(), json!(v.trim()));
                }
            }
            alignments.push(Value::Object(al));
        }
        if !alignments.is_empty() {
            d.insert("alignment".into(), Value::Array(alignments));
        }
        // The definition names its image by URL (the Achievement carries it as an Image).
        if let Some(image) = keep.and_then(|a| text(&a.achievement, "/image/id")) {
            d.insert("image".into(), json!(image));
        }
        self.evidence_definition(keep, &mut d)?;
        AchievementDefinition::from_value(Value::Object(d))
    }

    /// The rubric, prompts and review plan the form's text fields describe. A rubric text
    /// unchanged from the stored one keeps the stored rubric (with its descriptions).
    fn evidence_definition(
        &self,
        keep: Option<&StoredAchievement>,
        d: &mut Map<String, Value>,
    ) -> Result<(), Error> {
        let mut stored = AchievementForm::default();
        if let Some(a) = keep {
            evidence_text(&a.definition, &mut stored);
        }
        let same = |a: &str, b: &str| a.trim().replace('\r', "") == b.trim().replace('\r', "");
        if self.rubric.trim().is_empty() {
            return Ok(());
        }
        let kept = keep.map(|a| &a.definition);
        match kept.and_then(|k| k.get("rubric")) {
            Some(r) if same(&self.rubric, &stored.rubric) => {
                d.insert("rubric".into(), r.clone());
            }
            _ => {
                d.insert("rubric".into(), parse_rubric(&self.rubric)?);
            }
        }
        match kept.and_then(|k| k.get("evidencePrompts")) {
            Some(p) if same(&self.prompts, &stored.prompts) => {
                d.insert("evidencePrompts".into(), p.clone());
            }
            _ => {
                d.insert("evidencePrompts".into(), parse_prompts(&self.prompts)?);
            }
        }
        let mut review = Map::new();
        review.insert(
            "rule".into(),
            json!(if self.review_rule.is_empty() {
                "one"
            } else {
                self.review_rule.as_str()
            }),
        );
        review.insert("blind".into(), json!(self.review_blind.is_some()));
        review.insert(
            "award".into(),
            json!(if self.review_award == "queued" {
                "queued"
            } else {
                "automatic"
            }),
        );
        if !self.review_due_days.trim().is_empty() {
            let days: u32 = self.review_due_days.trim().parse().map_err(|_| {
                Error::AchievementInvalid("days to review is a whole number, like 14".into())
            })?;
            review.insert("dueDays".into(), json!(days));
        }
        let reviewers: Vec<String> = self
            .reviewers
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|r| !r.is_empty())
            .map(str::to_lowercase)
            .collect();
        review.insert("reviewers".into(), json!(reviewers));
        d.insert("review".into(), Value::Object(review));
        Ok(())
    }
}

/// `GET /console/achievements`: every achievement.
pub(crate) async fn list(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ReadCredentials>,
) -> Response {
    let who = &staff.signed_in;
    let achievements = match issuer.achievements().await {
        Ok(a) => a,
        Err(e) => return error_page(e, Some(who)),
    };
    let manage = staff.may(Permission::ManageAchievements);
    let body = html! {
        @if manage { p { a class="button" href="/console/achievements/new" { "New achievement" } } }
        div class="table" {
            table {
                thead { tr { th scope="col" { "Achievement" } th scope="col" { "Type" } th scope="col" { "Credits" } th scope="col" { "State" } } }
                tbody {
                    @for a in &achievements {
                        tr {
                            td {
                                @if manage {
                                    a href=(format!("/console/achievements/edit?slug={}", encode(&a.slug))) { (text(&a.achievement, "/name").unwrap_or(&a.slug)) }
                                } @else {
                                    (text(&a.achievement, "/name").unwrap_or(&a.slug))
                                }
                                br; span class="code" { (a.slug) }
                            }
                            td { (text(&a.achievement, "/achievementType").unwrap_or("")) }
                            td { (a.achievement.get("creditsAvailable").map(Value::to_string).unwrap_or_default()) }
                            td { (if a.archived { "Archived" } else { "Awarded" }) }
                        }
                    }
                }
            }
        }
    };
    page(
        &issuer,
        "Achievements",
        Some(who),
        "/console/achievements",
        body,
    )
}

fn form_markup(
    staff: &Staff,
    form: &AchievementForm,
    editing: bool,
    problem: Option<&Error>,
) -> Markup {
    let who = &staff.signed_in;
    let field = |id: &str, label: &str, value: &str, required: bool| {
        html! {
            label for=(id) { (label) }
            @if required { input id=(id) name=(id) value=(value) required; }
            @else { input id=(id) name=(id) value=(value); }
        }
    };
    html! {
        @if let Some(e) = problem {
            (problem_notice(e))
        }
        @if editing {
            p class="hint" { "Saving makes a new version of the definition. Credentials already issued keep the text they were signed with." }
        }
        form method="post" action=(if editing { "/console/achievements/edit" } else { "/console/achievements" }) class="stack" {
            input type="hidden" name="csrf" value=(who.csrf);
            @if editing {
                input type="hidden" name="slug" value=(form.slug);
            } @else {
                label for="slug" { "Short name in links (optional; made from the name)" }
                input id="slug" name="slug" value=(form.slug) pattern="[a-z0-9]+(-[a-z0-9]+)*";
            }
            (field("name", "Name", &form.name, true))
            label for="description" { "Description" }
            textarea id="description" name="description" rows="3" required { (form.description) }
            label for="achievement_type" { "Type" }
            select id="achievement_type" name="achievement_type" {
                @for t in TYPES {
                    @if t == form.achievement_type { option value=(t) selected { (t) } }
                    @else { option value=(t) { (t) } }
                }
            }
            label for="criteria" { "Criteria: what a teacher must do to earn it" }
            textarea id="criteria" name="criteria" rows="4" required { (form.criteria) }
            (field("credits", "Credits available (optional)", &form.credits, false))
            (field("field_of_study", "Field of study (optional)", &form.field_of_study, false))
            (field("validity_months", "Credentials are valid for this many months (optional; empty: no end)", &form.validity_months, false))
            (field("version", "Version (optional, e.g. 2026-27)", &form.version, false))
            (field("tags", "Tags, separated by commas (optional)", &form.tags, false))
            fieldset {
                legend { "Earned by submitting evidence (optional)" }
                p class="hint" id="rubric-hint" { "One criterion per line: its name, a colon, then its levels from lowest to highest separated by |, with * before the level that meets it. For example: " span class="code" { "Feedback planned: Not yet | Developing | *Demonstrated" } ". Leave empty when the achievement is awarded by staff without a submission." }
                label for="rubric" { "Rubric" }
                textarea id="rubric" name="rubric" rows="4" aria-describedby="rubric-hint" { (form.rubric) }
                p class="hint" id="prompts-hint" { "One per line: what the teacher writes, optionally ending with a word limit in brackets, e.g. " span class="code" { "Reflection on students' use of feedback [600]" } "." }
                label for="prompts" { "What the teacher writes" }
                textarea id="prompts" name="prompts" rows="3" aria-describedby="prompts-hint" { (form.prompts) }
                label for="review_rule" { "How it is decided" }
                select id="review_rule" name="review_rule" {
                    @for r in DecisionRule::ALL {
                        @if r.name() == form.review_rule { option value=(r.name()) selected { (r.label()) } }
                        @else { option value=(r.name()) { (r.label()) } }
                    }
                }
                label { input type="checkbox" name="review_blind" value="yes" checked[form.review_blind.is_some()]; " Blind review: reviewers see neither the teacher's name nor the other reviews" }
                label for="review_award" { "When earned" }
                select id="review_award" name="review_award" {
                    option value="automatic" selected[form.review_award != "queued"] { "Issue the credential at once" }
                    option value="queued" selected[form.review_award == "queued"] { "Wait for staff to sign it" }
                }
                (field("review_due_days", "Days a reviewer has (default 14)", &form.review_due_days, false))
                label for="reviewers" { "Reviewers' emails, one per line (assigned in turn; each must be on the Staff page with the reviewer role)" }
                textarea id="reviewers" name="reviewers" rows="3" { (form.reviewers) }
            }
            @for i in 0..ALIGNMENTS {
                @let [name, url, framework, code] = form.alignment(i);
                fieldset {
                    legend { "Aligned standard " (i + 1) " (optional)" }
                    label for=(format!("a{i}_name")) { "Standard's name" }
                    input id=(format!("a{i}_name")) name=(format!("a{i}_name")) value=(name);
                    label for=(format!("a{i}_url")) { "Its web address" }
                    input id=(format!("a{i}_url")) name=(format!("a{i}_url")) type="url" value=(url);
                    label for=(format!("a{i}_framework")) { "Framework" }
                    input id=(format!("a{i}_framework")) name=(format!("a{i}_framework")) value=(framework);
                    label for=(format!("a{i}_code")) { "Code" }
                    input id=(format!("a{i}_code")) name=(format!("a{i}_code")) value=(code);
                }
            }
            button type="submit" { (if editing { "Save a new version" } else { "Create the achievement" }) }
        }
    }
}

/// `GET /console/achievements/new`.
pub(crate) async fn new(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ManageAchievements>,
) -> Response {
    let form = AchievementForm {
        achievement_type: "MicroCredential".into(),
        ..AchievementForm::default()
    };
    let body = form_markup(&staff, &form, false, None);
    page(
        &issuer,
        "New achievement",
        Some(&staff.signed_in),
        "/console/achievements",
        body,
    )
}

/// `POST /console/achievements`: creates one (the form again, with the problem, when the
/// definition is refused).
pub(crate) async fn create(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ManageAchievements>,
    Form(form): Form<AchievementForm>,
) -> Response {
    if let Some(refused) = staff.csrf_refusal(&form.csrf) {
        return refused;
    }
    let actor = staff.signed_in.member.actor();
    let made = match form.definition(None) {
        Ok(def) => issuer.add_achievement(&def, &actor).await,
        Err(e) => Err(e),
    };
    match made {
        Ok(a) => Redirect::to(&format!(
            "/console/achievements/edit?slug={}&done=created",
            encode(&a.slug)
        ))
        .into_response(),
        Err(
            e @ (Error::AchievementInvalid(_)
            | Error::AchievementExists(_)
            | Error::InvalidInput { .. }),
        ) => {
            let body = form_markup(&staff, &form, false, Some(&e));
            let mut response = page(
                &issuer,
                "New achievement",
                Some(&staff.signed_in),
                "/console/achievements",
                body,
            );
            *response.status_mut() = crate::status_of(&e);
            response
        }
        Err(e) => error_page(e, Some(&staff.signed_in)),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct EditQuery {
    slug: String,
    done: Option<String>,
}

/// `GET /console/achievements/edit?slug=…`: the form filled in, and archiving.
pub(crate) async fn edit(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ManageAchievements>,
    Query(q): Query<EditQuery>,
) -> Response {
    let who = &staff.signed_in;
    let stored = match issuer.achievement(&q.slug).await {
        Ok(a) => a,
        Err(e) => return error_page(e, Some(who)),
    };
    let done = match q.done.as_deref() {
        Some("created") => Some("The achievement is created. Staff can award it now."),
        Some("saved") => Some("A new version is saved. New awards use it."),
        Some("archived") => Some("The achievement is archived: it is no longer awarded. Credentials already issued stay valid."),
        Some("image") => Some("The image is uploaded. New awards show it; credentials already issued keep theirs."),
        _ => None,
    };
    let form = AchievementForm::from_stored(&stored);
    let body = html! {
        @if let Some(done) = done { div class="notice" role="status" { p { (done) } } }
        p { "Its public page: " a href=(format!("/achievements/{}", encode(&stored.slug))) { "/achievements/" (stored.slug) } }
        h2 { "Image" }
        @if text(&stored.achievement, "/image/id").is_some_and(|u| u.ends_with(&format!("/achievements/{}/image", stored.slug))) {
            p { img src=(format!("/achievements/{}/image", encode(&stored.slug))) alt=(format!("The image of {}", text(&stored.achievement, "/name").unwrap_or(&stored.slug))) width="160" height="160"; }
        } @else if let Some(url) = text(&stored.achievement, "/image/id") {
            p { "Its image is at " span class="code" { (url) } "." }
        } @else {
            p { "No image yet: badges are drawn with the achievement's and district's names." }
        }
        @if !stored.archived {
            form method="post" action="/console/achievements/image" enctype="multipart/form-data" class="stack" {
                input type="hidden" name="csrf" value=(who.csrf);
                input type="hidden" name="slug" value=(stored.slug);
                label for="image" { "A PNG or SVG, up to 512 KiB (it is cleaned: a PNG keeps only its pixels, an SVG loses scripts and links)" }
                input id="image" name="image" type="file" accept="image/png,image/svg+xml" required;
                button type="submit" class="secondary" { "Upload the image" }
            }
        }
        @if stored.archived {
            p { strong { "Archived:" } " it is no longer awarded." }
        } @else {
            (form_markup(&staff, &form, true, None))
            h2 { "Stop awarding it" }
            form method="post" action="/console/achievements/archive" class="stack" {
                input type="hidden" name="csrf" value=(who.csrf);
                input type="hidden" name="slug" value=(stored.slug);
                label { input type="checkbox" name="confirm" value="yes" required; " I understand it can no longer be awarded (issued credentials stay valid)" }
                button type="submit" class="danger" { "Archive" }
            }
        }
    };
    let title = text(&stored.achievement, "/name")
        .unwrap_or(&stored.slug)
        .to_owned();
    page(&issuer, &title, Some(who), "/console/achievements", body)
}

/// `POST /console/achievements/edit`: a new version of the definition.
pub(crate) async fn save(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ManageAchievements>,
    Form(form): Form<AchievementForm>,
) -> Response {
    if let Some(refused) = staff.csrf_refusal(&form.csrf) {
        return refused;
    }
    let who = &staff.signed_in;
    let stored = match issuer.achievement(&form.slug).await {
        Ok(a) => a,
        Err(e) => return error_page(e, Some(who)),
    };
    let saved = match form.definition(Some(&stored)) {
        Ok(def) => {
            issuer
                .update_achievement(&stored.slug, &def, &who.member.actor())
                .await
        }
        Err(e) => Err(e),
    };
    match saved {
        Ok(a) => Redirect::to(&format!(
            "/console/achievements/edit?slug={}&done=saved",
            encode(&a.slug)
        ))
        .into_response(),
        Err(e @ (Error::AchievementInvalid(_) | Error::InvalidInput { .. })) => {
            let body = form_markup(&staff, &form, true, Some(&e));
            let mut response = page(
                &issuer,
                "Edit the achievement",
                Some(who),
                "/console/achievements",
                body,
            );
            *response.status_mut() = crate::status_of(&e);
            response
        }
        Err(e) => error_page(e, Some(who)),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ArchiveForm {
    #[serde(default)]
    csrf: String,
    slug: String,
    confirm: Option<String>,
}

/// `POST /console/achievements/archive` (the confirmation box must be ticked).
pub(crate) async fn archive(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ManageAchievements>,
    Form(form): Form<ArchiveForm>,
) -> Response {
    if let Some(refused) = staff.csrf_refusal(&form.csrf) {
        return refused;
    }
    let who = &staff.signed_in;
    if form.confirm.as_deref() != Some("yes") {
        return error_page(
            Error::input("confirm", "tick the box to archive"),
            Some(who),
        );
    }
    match issuer
        .archive_achievement(&form.slug, &who.member.actor())
        .await
    {
        Ok(()) => Redirect::to(&format!(
            "/console/achievements/edit?slug={}&done=archived",
            encode(&form.slug)
        ))
        .into_response(),
        Err(e) => error_page(e, Some(who)),
    }
}

/// `POST /console/achievements/image` (multipart: `csrf`, `slug`, `image`): the achievement's
/// image, cleaned by the issuer (`Issuer::set_achievement_image`).
pub(crate) async fn image(
    State(issuer): State<Shared>,
    Console(staff, _): Console<ManageAchievements>,
    multipart: axum::extract::Multipart,
) -> Response {
    let who = &staff.signed_in;
    let upload = match read_upload(multipart, "image").await {
        Ok(u) => u,
        Err(e) => return error_page(e, Some(who)),
    };
    if let Some(refused) = staff.csrf_refusal(&upload.csrf) {
        return refused;
    }
    let slug = upload.fields.get("slug").cloned().unwrap_or_default();
    match issuer
        .set_achievement_image(&slug, &upload.bytes, &who.member.actor())
        .await
    {
        Ok(()) => Redirect::to(&format!(
            "/console/achievements/edit?slug={}&done=image",
            encode(&slug)
        ))
        .into_response(),
        Err(e) => error_page(e, Some(who)),
    }
}

/// Fills the form's evidence fields from a stored definition (the text forms of `parse_rubric`
/// and `parse_prompts`).
fn evidence_text(definition: &Value, form: &mut AchievementForm) {
    let Ok(Some(rubric)) = Rubric::of(definition) else {
        return;
    };
    form.rubric = rubric
        .criteria
        .iter()
        .map(|c| {
            let levels: Vec<String> = c
                .levels
                .iter()
                .map(|(id, name, _)| {
                    if *id == c.required {
                        format!("*{name}")
                    } else {
                        name.clone()
                    }
                })
                .collect();
            format!("{}: {}", c.name, levels.join(" | "))
        })
        .collect::<Vec<_>>()
        .join("\n");
    form.prompts = rubric
        .prompts
        .iter()
        .map(|p| match p.max_words {
            Some(m) => format!("{} [{m}]", p.label),
            None => p.label.clone(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    form.review_rule = rubric.review.rule.name().to_owned();
    form.review_blind = rubric.review.blind.then(|| "yes".to_owned());
    form.review_award = if rubric.review.automatic_award {
        "automatic"
    } else {
        "queued"
    }
    .into();
    form.review_due_days = rubric.review.due_days.to_string();
    form.reviewers = rubric.review.reviewers.join("\n");
}

/// An id from a name: lower-case letters and digits joined by hyphens (at most 40).
fn local_id(name: &str, n: usize) -> String {
    let mut id = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            id.push(c.to_ascii_lowercase());
        } else if !id.is_empty() && !id.ends_with('-') {
            id.push('-');
        }
    }
    let id: String = id.trim_end_matches('-').chars().take(40).collect();
    let id = id.trim_end_matches('-').to_owned();
    if id.is_empty() {
        format!("c{n}")
    } else {
        id
    }
}

/// `Name: Level | Level | *Level` lines as the definition's `rubric`.
fn parse_rubric(text: &str) -> Result<Value, Error> {
    let mut criteria = Vec::new();
    for (n, line) in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let bad = |m: &str| Error::AchievementInvalid(format!("rubric line {}: {m}", n + 1));
        let (name, levels) = line
            .split_once(':')
            .ok_or_else(|| bad("write the criterion's name, a colon, then its levels"))?;
        let mut required = None;
        let mut items = Vec::new();
        for (i, level) in levels
            .split('|')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .enumerate()
        {
            let (meets, name) = match level.strip_prefix('*') {
                Some(rest) => (true, rest.trim()),
                None => (false, level),
            };
            let id = local_id(name, i);
            if meets {
                required = Some(id.clone());
            }
            items.push(json!({"id": id, "name": name}));
        }
        let required =
            required.ok_or_else(|| bad("mark the level that meets the criterion with *"))?;
        criteria.push(json!({"id": local_id(name, n), "name": name.trim(), "levels": items, "required": required}));
    }
    Ok(Value::Array(criteria))
}

/// `Label [max words]` lines as the definition's `evidencePrompts`.
fn parse_prompts(text: &str) -> Result<Value, Error> {
    let mut prompts = Vec::new();
    for (n, line) in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
    {
        let (label, max) = match line.strip_suffix(']').and_then(|l| l.rsplit_once('[')) {
            Some((label, max)) => (
                label.trim(),
                Some(max.trim().parse::<u32>().map_err(|_| {
                    Error::AchievementInvalid(format!(
                        "prompt line {}: the word limit in brackets is a number",
                        n + 1
                    ))
                })?),
            ),
            None => (line, None),
        };
        let mut p = json!({"id": local_id(label, n), "label": label});
        if let Some(m) = max {
            p["maxWords"] = json!(m);
        }
        prompts.push(p);
    }
    Ok(Value::Array(prompts))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The text forms read back as the definition they were written from.
    #[test]
    fn rubric_text_round_trips() {
        let rubric = "Feedback planned: Not yet | Developing | *Demonstrated\nReflection: Not yet | *Developing | Demonstrated";
        let prompts = "Overview [300]\nReflection";
        let def = json!({
            "rubric": parse_rubric(rubric).expect("rubric"),
            "evidencePrompts": parse_prompts(prompts).expect("prompts"),
            "review": {"rule": "two-tiebreak", "reviewers": ["r@d.example"]}
        });
        let mut form = AchievementForm::default();
        evidence_text(&def, &mut form);
        assert_eq!(form.rubric, rubric);
        assert_eq!(form.prompts, "Overview [300]\nReflection");
        assert_eq!(def["rubric"][1]["required"], "developing");
        assert!(parse_rubric("No levels").is_err());
        assert!(parse_rubric("A: x | y").is_err(), "no level marked");
        assert!(parse_prompts("Overview [many]").is_err());
    }
}

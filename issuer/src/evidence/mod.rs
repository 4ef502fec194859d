//! Earning an achievement by evidence: a teacher submits (texts, files, links), reviewers are
//! assigned in turn (never the teacher, never someone in conflict with them), each review is
//! checked against the rubric, the achievement's decision rule decides (in the store's
//! transaction, so concurrent reviews give one decision), and "earned" issues the credential
//! with the rubric's results. Who may see what is decided here ([`Access`]); every view of a
//! file is audited. The rubric and rules live in `rubric.rs`, file types in `files.rs`.

mod files;
mod pay;
mod report;
mod rubric;

use std::collections::BTreeMap;

use chrono::Duration;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub use files::{accepted_extensions, sniff};
pub use pay::{purpose_label, PayrollLine, PAY_PURPOSES};
pub use report::{EvidenceReport, ReviewerLoad};
pub use rubric::{
    decide, Criterion, DecisionRule, Levels, Next, Prompt, Recommendation, ReviewPlan, Rubric,
    Scored, Slot,
};

use crate::credential::{check_url, rfc3339};
use crate::error::Error;
use crate::notify::Letter;
use crate::staff::{normal_email, Caller, Permission};
use crate::store::{
    Actor, ArtifactRow, NewSubmission, ReviewOutcome, ReviewRow, StoredAchievement,
    SubmissionFilter, SubmissionRow,
};
use crate::{IssueRequest, Issuer};

/// What a teacher sends.
#[derive(Debug, Clone, Default)]
pub struct SubmissionDraft {
    /// The achievement's slug.
    pub achievement: String,
    /// The teacher's name as the credential will show it.
    pub teacher_name: Option<String>,
    /// Prompt id → text.
    pub answers: BTreeMap<String, String>,
    /// Files: (name, bytes).
    pub files: Vec<(String, Vec<u8>)>,
    /// Links: (title, https address).
    pub links: Vec<(String, String)>,
    /// What changed since the attempt before (needed from the second attempt on).
    pub change_note: Option<String>,
}

/// A reviewer's finished review.
#[derive(Debug, Clone)]
pub struct ReviewInput {
    /// What they recommend.
    pub recommendation: Recommendation,
    /// Criterion id → level id.
    pub levels: Levels,
    /// Criterion id → feedback.
    pub feedback: BTreeMap<String, String>,
    /// Feedback on the whole submission.
    pub overall: Option<String>,
}

/// How a caller may see a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// The teacher who submitted it: everything, reviewers' feedback once decided, never the
    /// reviewers' names.
    Teacher,
    /// An assigned reviewer: their review, and whether the review is blind (no teacher name, no
    /// other reviews; without it the other reviews once their own is in).
    Reviewer {
        /// Their review's id.
        review_id: String,
        /// Blind review.
        blind: bool,
    },
    /// Staff who manage reviews (or an admin API token): everything.
    Manager,
}

/// A submission with what a caller may see of it.
#[derive(Debug, Clone)]
pub struct SubmissionView {
    /// The submission (the teacher's email and name blanked for a blind reviewer).
    pub submission: SubmissionRow,
    /// Its achievement.
    pub achievement: StoredAchievement,
    /// The achievement's rubric.
    pub rubric: Rubric,
    /// Its files and links.
    pub artifacts: Vec<ArtifactRow>,
    /// The reviews this caller may see.
    pub reviews: Vec<ReviewRow>,
    /// How the caller sees it.
    pub access: Access,
}

/// The open states of a submission.
pub fn is_open(state: &str) -> bool {
    matches!(state, "in-review" | "tie-break" | "grantor")
}

/// A submission's state in words.
pub fn state_label(state: &str) -> &'static str {
    match state {
        "in-review" => "In review",
        "tie-break" => "In review (a third reviewer decides)",
        "grantor" => "In review (awaiting the grantor)",
        "earned" => "Earned",
        "not-yet" => "Not yet",
        "incomplete" => "Returned incomplete",
        "withdrawn" => "Withdrawn",
        _ => "Unknown",
    }
}

/// The longest text accepted in one answer, note or feedback, in characters (prompts without a
/// word limit included).
const MAX_TEXT: usize = 100_000;

/// `invalid_input` when `text` is longer than `MAX_TEXT`.
fn check_length(field: &'static str, text: Option<&str>) -> Result<(), Error> {
    match text {
        Some(t) if t.chars().count() > MAX_TEXT => Err(Error::input(
            field,
            format!("is longer than {MAX_TEXT} characters"),
        )),
        _ => Ok(()),
    }
}

fn words(text: &str) -> usize {
    text.split_whitespace().count()
}

impl Issuer {
    /// The rubric of an achievement that is earned by evidence (`invalid_input` otherwise).
    pub async fn rubric(&self, slug: &str) -> Result<(StoredAchievement, Rubric), Error> {
        let stored = self.achievement(slug).await?;
        let rubric = Rubric::of(&stored.definition)?.ok_or_else(|| {
            Error::input(
                "achievement",
                format!("{slug:?} is not earned by submitting evidence (it has no rubric)"),
            )
        })?;
        Ok((stored, rubric))
    }

    /// The achievements a teacher can submit evidence for (not archived, with a rubric).
    pub async fn evidence_achievements(&self) -> Result<Vec<(StoredAchievement, Rubric)>, Error> {
        Ok(self
            .store
            .achievements()
            .await?
            .into_iter()
            .filter(|a| !a.archived)
            .filter_map(|a| match Rubric::of(&a.definition) {
                Ok(Some(r)) => Some((a, r)),
                _ => None,
            })
            .collect())
    }

    /// Submits evidence for `teacher` (their address): checks the texts against the prompts and
    /// their word limits, the files against `[evidence]` and their content, the links; opens
    /// the first reviews with reviewers chosen in turn; mails the reviewers.
    pub async fn submit_evidence(
        &self,
        teacher: &str,
        draft: &SubmissionDraft,
        actor: &Actor,
    ) -> Result<SubmissionRow, Error> {
        let teacher = normal_email(teacher)?;
        let (stored, rubric) = self.rubric(&draft.achievement).await?;
        if stored.archived {
            return Err(Error::AchievementArchived(stored.slug));
        }
        for prompt in &rubric.prompts {
            let text = draft
                .answers
                .get(&prompt.id)
                .map(|t| t.trim())
                .unwrap_or("");
            if text.is_empty() {
                return Err(Error::input(
                    "answers",
                    format!("answer \"{}\"", prompt.label),
                ));
            }
            if text.chars().count() > MAX_TEXT {
                return Err(Error::input(
                    "answers",
                    format!("\"{}\" is longer than {MAX_TEXT} characters", prompt.label),
                ));
            }
            if let Some(max) = prompt.max_words {
                let n = words(text);
                if n > max as usize {
                    return Err(Error::input(
                        "answers",
                        format!("\"{}\" has {n} words; at most {max}", prompt.label),
                    ));
                }
            }
        }
        if let Some(extra) = draft
            .answers
            .keys()
            .find(|k| !rubric.prompts.iter().any(|p| &p.id == *k))
        {
            return Err(Error::input(
                "answers",
                format!("{extra:?} is not a prompt"),
            ));
        }
        let limits = &self.config.config.evidence;
        if draft.files.len() + draft.links.len() > limits.max_files as usize {
            return Err(Error::ArtifactRefused(format!(
                "at most {} files and links per submission",
                limits.max_files
            )));
        }
        let now = self.now();
        let at = rfc3339(now);
        let id = uuid::Uuid::new_v4().to_string();
        let mut artifacts = Vec::new();
        for (name, bytes) in &draft.files {
            let max = u64::from(limits.max_file_mib) * 1024 * 1024;
            if bytes.len() as u64 > max {
                return Err(Error::ArtifactRefused(format!(
                    "{name} is larger than {} MiB",
                    limits.max_file_mib
                )));
            }
            if bytes.is_empty() {
                return Err(Error::ArtifactRefused(format!("{name} is empty")));
            }
            let media_type = sniff(name, bytes)?;
            artifacts.push((
                ArtifactRow {
                    id: uuid::Uuid::new_v4().to_string(),
                    submission_id: id.clone(),
                    position: artifacts.len() as i64,
                    name: clean_name(name),
                    media_type: Some(media_type.to_owned()),
                    sha256: Some(hex::encode(Sha256::digest(bytes))),
                    size: bytes.len() as i64,
                    url: None,
                    created_at: at.clone(),
                    deleted_at: None,
                },
                bytes.clone(),
            ));
        }
        for (title, url) in &draft.links {
            check_url("link", url)?;
            if !url.starts_with("https://") {
                return Err(Error::input("link", "links must be https"));
            }
            artifacts.push((
                ArtifactRow {
                    id: uuid::Uuid::new_v4().to_string(),
                    submission_id: id.clone(),
                    position: artifacts.len() as i64,
                    name: if title.trim().is_empty() {
                        url.clone()
                    } else {
                        clean_name(title)
                    },
                    media_type: None,
                    sha256: None,
                    size: 0,
                    url: Some(url.clone()),
                    created_at: at.clone(),
                    deleted_at: None,
                },
                Vec::new(),
            ));
        }
        let earlier = self
            .store
            .submissions(&SubmissionFilter {
                teacher: Some(teacher.clone()),
                achievement: Some(stored.slug.clone()),
                ..SubmissionFilter::default()
            })
            .await?;
        let note = draft
            .change_note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        check_length("change note", note)?;
        if !earlier.is_empty() && note.is_none() {
            return Err(Error::input(
                "change note",
                "say what changed since the attempt before",
            ));
        }
        let mut reviews = Vec::new();
        for slot in rubric.review.rule.first_slots() {
            let taken: Vec<String> = reviews
                .iter()
                .map(|r: &ReviewRow| r.reviewer_email.clone())
                .collect();
            let reviewer = self.next_reviewer(&rubric, &teacher, &taken).await?;
            reviews.push(self.new_review(&id, *slot, &reviewer, &rubric, now));
        }
        let row = SubmissionRow {
            id: id.clone(),
            achievement_slug: stored.slug.clone(),
            teacher_email: teacher.clone(),
            teacher_name: draft
                .teacher_name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
            attempt: 0,
            state: "in-review".into(),
            answers: json!(draft.answers),
            change_note: note.map(str::to_owned),
            submitted_at: at,
            decided_at: None,
            decision: None,
            credential_id: None,
        };
        let attempt = self
            .store
            .insert_submission(
                NewSubmission {
                    row: &row,
                    artifacts: &artifacts,
                    reviews: &reviews,
                },
                actor,
            )
            .await?;
        for r in &reviews {
            self.mail_review(r, &stored, false);
        }
        Ok(SubmissionRow { attempt, ..row })
    }

    fn new_review(
        &self,
        submission_id: &str,
        slot: Slot,
        reviewer: &str,
        rubric: &Rubric,
        now: chrono::DateTime<chrono::Utc>,
    ) -> ReviewRow {
        ReviewRow {
            id: uuid::Uuid::new_v4().to_string(),
            submission_id: submission_id.to_owned(),
            slot: slot.name().to_owned(),
            reviewer_email: reviewer.to_owned(),
            assigned_at: rfc3339(now),
            due_at: rfc3339(now + Duration::days(i64::from(rubric.review.due_days))),
            reminded_at: None,
            recommendation: None,
            levels: json!({}),
            feedback: json!({}),
            overall: None,
            submitted_at: None,
        }
    }

    /// Why `reviewer` may not review `teacher`'s work (`review_conflict`): themselves, a
    /// conflict among `conflicts`, or not a current member whose role reviews. `Ok(None)` when
    /// they may; `Err` only when the database fails.
    async fn reviewer_refusal(
        &self,
        reviewer: &str,
        teacher: &str,
        conflicts: &[(String, String, Option<String>)],
    ) -> Result<Option<Error>, Error> {
        if reviewer == teacher {
            return Ok(Some(Error::ReviewConflict(
                "nobody reviews their own submission".into(),
            )));
        }
        if conflicts
            .iter()
            .any(|(r, t, _)| r == reviewer && t == teacher)
        {
            return Ok(Some(Error::ReviewConflict(format!(
                "{reviewer} has a declared conflict with this teacher"
            ))));
        }
        Ok(match self.current_member(reviewer).await? {
            Some(m) if Permission::Review.roles().contains(&m.role) => None,
            _ => Some(Error::ReviewConflict(format!(
                "{reviewer} is not a reviewer: add them on the Staff page with the reviewer role"
            ))),
        })
    }

    /// The achievement's reviewer with the fewest open reviews (the list's order breaks ties:
    /// assignment goes round the list), leaving out `taken`, the teacher and conflicts.
    async fn next_reviewer(
        &self,
        rubric: &Rubric,
        teacher: &str,
        taken: &[String],
    ) -> Result<String, Error> {
        let load: BTreeMap<String, i64> =
            self.store.open_review_counts().await?.into_iter().collect();
        let conflicts = self.store.conflicts().await?;
        let mut best: Option<(i64, String)> = None;
        for r in &rubric.review.reviewers {
            if taken.contains(r)
                || self
                    .reviewer_refusal(r, teacher, &conflicts)
                    .await?
                    .is_some()
            {
                continue;
            }
            let n = load.get(r).copied().unwrap_or(0);
            if best.as_ref().is_none_or(|(m, _)| n < *m) {
                best = Some((n, r.clone()));
            }
        }
        best.map(|(_, r)| r).ok_or_else(|| {
            Error::ReviewConflict(
                "no reviewer of this achievement is free to review it; the district needs to add reviewers".into(),
            )
        })
    }

    /// Queues `letter` for `to` (audited under `subject`) when email is set up; `make` gets the
    /// console's base address.
    fn mail(&self, to: &str, subject: &str, make: impl FnOnce(&str) -> Letter) {
        let (Some(notifier), Ok(base)) = (&self.notifier, self.console_base()) else {
            return;
        };
        notifier.send_message(
            to,
            subject,
            make(&base),
            self.store.clone(),
            self.clock.clone(),
        );
    }

    /// The email to a reviewer: the assignment, or (`reminder`) a reminder that it is due soon.
    fn mail_review(&self, review: &ReviewRow, achievement: &StoredAchievement, reminder: bool) {
        let name = achievement_name(achievement);
        self.mail(&review.reviewer_email, &review.submission_id, |base| {
            Letter {
                subject: if reminder {
                    format!(
                        "Reminder: a review is due by {}: {name}",
                        &review.due_at[..10]
                    )
                } else {
                    format!("A submission to review: {name}")
                },
                paragraphs: vec![
                    format!(
                        "{} asks you to review a submission for the micro-credential \"{name}\".",
                        self.settings().name
                    ),
                    format!("It is due by {}.", &review.due_at[..10]),
                ],
                link: (
                    "Open the review".into(),
                    format!("{base}/console/reviews/{}", review.id),
                ),
            }
        });
    }

    /// How `caller` may see submission `id`; `submission_not_found` when they may not (another
    /// teacher's submission, another achievement's, one they were not assigned).
    pub async fn submission_access(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<(SubmissionRow, Access), Error> {
        let not_found = || Error::SubmissionNotFound(id.to_owned());
        let sub = self.store.submission(id).await?.ok_or_else(not_found)?;
        let access = match caller {
            Caller::Token(_) if caller.may(Permission::ManageReviews) => Access::Manager,
            Caller::Token(_) => return Err(not_found()),
            Caller::Staff(s) => {
                if s.member.email == sub.teacher_email {
                    Access::Teacher
                } else if s.may(Permission::ManageReviews) {
                    Access::Manager
                } else if s.may(Permission::Review) {
                    let review = self
                        .store
                        .reviews(id)
                        .await?
                        .into_iter()
                        .find(|r| r.reviewer_email == s.member.email)
                        .ok_or_else(not_found)?;
                    Access::Reviewer {
                        review_id: review.id,
                        blind: self.blind(&sub.achievement_slug).await?,
                    }
                } else {
                    return Err(not_found());
                }
            }
        };
        Ok((sub, access))
    }

    /// Submission `id` as `caller` may see it; a manager's or reviewer's look is audited
    /// (`evidence.view`).
    pub async fn submission_view(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<SubmissionView, Error> {
        let (mut submission, access) = self.submission_access(caller, id).await?;
        let (achievement, rubric) = self.rubric(&submission.achievement_slug).await?;
        let mut reviews = self.store.reviews(id).await?;
        match &access {
            Access::Teacher => {
                // The teacher sees the feedback of finished reviews once decided, never who
                // wrote it.
                if is_open(&submission.state) {
                    reviews.clear();
                }
                for r in &mut reviews {
                    r.reviewer_email = String::new();
                }
                reviews.retain(|r| r.submitted_at.is_some());
            }
            Access::Reviewer { review_id, blind } => {
                // Reviews are independent: the others' are shown only once this reviewer's own
                // is in, and never in a blind review, which also hides the teacher.
                let own_done = reviews
                    .iter()
                    .any(|r| &r.id == review_id && r.submitted_at.is_some());
                if *blind || !own_done {
                    reviews.retain(|r| &r.id == review_id);
                }
                if *blind {
                    submission.teacher_email = String::new();
                    submission.teacher_name = None;
                }
            }
            Access::Manager => {}
        }
        if access != Access::Teacher {
            self.store
                .record_event(
                    "evidence.view",
                    Some(id),
                    None,
                    &rfc3339(self.now()),
                    &caller.actor(),
                )
                .await?;
        }
        let artifacts = self.store.artifacts(id).await?;
        Ok(SubmissionView {
            submission,
            achievement,
            rubric,
            artifacts,
            reviews,
            access,
        })
    }

    /// One file of a submission, for a caller who may see the submission: (row, bytes). Every
    /// download is audited (`evidence.download`), the teacher's own included.
    pub async fn evidence_file(
        &self,
        caller: &Caller,
        submission_id: &str,
        artifact_id: &str,
    ) -> Result<(ArtifactRow, Vec<u8>), Error> {
        self.submission_access(caller, submission_id).await?;
        let gone = || Error::SubmissionNotFound(format!("{submission_id}/{artifact_id}"));
        let row = self
            .store
            .artifacts(submission_id)
            .await?
            .into_iter()
            .find(|a| a.id == artifact_id && a.url.is_none())
            .ok_or_else(gone)?;
        let bytes = self
            .store
            .artifact_bytes(artifact_id)
            .await?
            .ok_or_else(gone)?;
        let detail = json!({"file": row.name, "sha256": row.sha256});
        self.store
            .record_event(
                "evidence.download",
                Some(submission_id),
                Some(&detail),
                &rfc3339(self.now()),
                &caller.actor(),
            )
            .await?;
        Ok((row, bytes))
    }

    /// Submissions for a list: a teacher's own; the ones assigned to a reviewer; all (with
    /// `filter`) for a manager.
    pub async fn submissions_for(
        &self,
        caller: &Caller,
        filter: &SubmissionFilter,
    ) -> Result<Vec<SubmissionRow>, Error> {
        if caller.may(Permission::ManageReviews) {
            return self.store.submissions(filter).await;
        }
        let Caller::Staff(s) = caller else {
            return Ok(Vec::new());
        };
        let mine = SubmissionFilter {
            teacher: Some(s.member.email.clone()),
            ..filter.clone()
        };
        self.store.submissions(&mine).await
    }

    /// Whether the achievement `slug` is reviewed blind.
    async fn blind(&self, slug: &str) -> Result<bool, Error> {
        Ok(Rubric::of(&self.achievement(slug).await?.definition)?.is_some_and(|r| r.review.blind))
    }

    /// The review `review_id` if it is assigned to `reviewer` (`submission_not_found` otherwise).
    pub async fn assigned_review(
        &self,
        reviewer: &str,
        review_id: &str,
    ) -> Result<ReviewRow, Error> {
        self.store
            .reviews_of(reviewer)
            .await?
            .into_iter()
            .find(|r| r.id == review_id)
            .ok_or_else(|| Error::SubmissionNotFound(review_id.to_owned()))
    }

    /// The reviews assigned to `reviewer`, with their submissions (blind ones without the
    /// teacher's name).
    pub async fn my_reviews(
        &self,
        reviewer: &str,
    ) -> Result<Vec<(ReviewRow, SubmissionRow)>, Error> {
        let mut out = Vec::new();
        for r in self.store.reviews_of(reviewer).await? {
            if let Some(mut s) = self.store.submission(&r.submission_id).await? {
                if self.blind(&s.achievement_slug).await? {
                    s.teacher_email = String::new();
                    s.teacher_name = None;
                }
                out.push((r, s));
            }
        }
        Ok(out)
    }

    /// Records `reviewer`'s review `review_id`; the decision rule then decides in the same
    /// transaction. A disagreement opens the tie-break (an assessor's "earned" the grantor's
    /// review) with a reviewer chosen in turn; "earned" issues the credential (unless the
    /// achievement queues awards for a staff signature); any decision mails the teacher.
    pub async fn submit_review(
        &self,
        reviewer: &str,
        review_id: &str,
        input: &ReviewInput,
        actor: &Actor,
    ) -> Result<SubmissionRow, Error> {
        let not_found = || Error::SubmissionNotFound(review_id.to_owned());
        let review = self.assigned_review(reviewer, review_id).await?;
        let sub = self
            .store
            .submission(&review.submission_id)
            .await?
            .ok_or_else(not_found)?;
        let (stored, rubric) = self.rubric(&sub.achievement_slug).await?;
        rubric.check_review(input.recommendation, &input.levels)?;
        check_length("overall", input.overall.as_deref())?;
        for text in input.feedback.values() {
            check_length("feedback", Some(text))?;
        }
        let levels = if input.recommendation == Recommendation::Incomplete {
            Levels::new()
        } else {
            input.levels.clone()
        };
        let finished = ReviewRow {
            recommendation: Some(input.recommendation.name().to_owned()),
            levels: json!(levels),
            feedback: json!(input
                .feedback
                .iter()
                .filter(|(_, v)| !v.trim().is_empty())
                .collect::<BTreeMap<_, _>>()),
            overall: input
                .overall
                .as_deref()
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_owned),
            submitted_at: Some(rfc3339(self.now())),
            ..review
        };
        let rb = rubric.clone();
        let decide_in_tx = move |done: &[ReviewRow]| -> ReviewOutcome {
            let scored: Vec<Scored> = done.iter().filter_map(scored_of).collect();
            match decide(rb.review.rule, &rb, &scored) {
                Next::Wait => ReviewOutcome::Wait,
                Next::Open(slot) => ReviewOutcome::Open {
                    state: match slot {
                        Slot::Grantor => "grantor",
                        _ => "tie-break",
                    }
                    .into(),
                    slot: slot.name().into(),
                },
                Next::Decide(outcome, levels) => ReviewOutcome::Decide {
                    state: outcome.name().into(),
                    decision: json!({"outcome": outcome.name(), "levels": levels}),
                },
            }
        };
        let outcome = self
            .store
            .complete_review(&finished, &decide_in_tx, actor)
            .await?;
        match outcome {
            ReviewOutcome::Wait => {}
            ReviewOutcome::Open { slot, .. } => {
                let taken: Vec<String> = self
                    .store
                    .reviews(&sub.id)
                    .await?
                    .into_iter()
                    .map(|r| r.reviewer_email)
                    .collect();
                let slot = Slot::parse(&slot).unwrap_or(Slot::TieBreak);
                let who = self
                    .next_reviewer(&rubric, &sub.teacher_email, &taken)
                    .await?;
                let r = self.new_review(&sub.id, slot, &who, &rubric, self.now());
                self.store.assign_review(&r, actor).await?;
                self.mail_review(&r, &stored, false);
            }
            ReviewOutcome::Decide { ref state, .. } => {
                if state == "earned" && rubric.review.automatic_award {
                    self.award_submission(&sub.id, actor).await?;
                } else {
                    self.mail_decision(&sub, &stored, state);
                }
            }
        }
        self.store.submission(&sub.id).await?.ok_or_else(not_found)
    }

    fn mail_decision(&self, sub: &SubmissionRow, achievement: &StoredAchievement, state: &str) {
        let name = achievement_name(achievement);
        let what = match state {
            "earned" => "is earned; the district will sign your credential shortly".to_owned(),
            "incomplete" => "was returned: something is missing. The feedback says what; you can submit again".to_owned(),
            _ => "does not meet the criteria yet. The reviewers' feedback says what to work on; you can submit again".to_owned(),
        };
        self.mail(&sub.teacher_email, &sub.id, |base| Letter {
            subject: format!("Your submission for {name}: {}", state_label(state)),
            paragraphs: vec![format!(
                "Your submission (attempt {}) for the micro-credential \"{name}\" {what}.",
                sub.attempt
            )],
            link: (
                "See the feedback".into(),
                format!("{base}/console/submissions/{}", sub.id),
            ),
        });
    }

    /// Issues the credential of an earned submission: `result[]` with the achieved level of
    /// each criterion, `evidence[]` naming each file by its digest (student work never leaves
    /// the district) and the review in words. Exactly once (the submission is the row key);
    /// the teacher gets the award email.
    pub async fn award_submission(&self, id: &str, actor: &Actor) -> Result<String, Error> {
        let sub = self
            .store
            .submission(id)
            .await?
            .ok_or_else(|| Error::SubmissionNotFound(id.to_owned()))?;
        if sub.state != "earned" {
            return Err(Error::SubmissionClosed(format!(
                "this submission is {}, not earned",
                sub.state
            )));
        }
        if let Some(c) = &sub.credential_id {
            return Ok(c.clone());
        }
        let (stored, rubric) = self.rubric(&sub.achievement_slug).await?;
        let levels: Levels = sub
            .decision
            .as_ref()
            .and_then(|d| d.get("levels"))
            .and_then(|l| serde_json::from_value(l.clone()).ok())
            .unwrap_or_default();
        let mut evidence: Vec<Value> = self
            .store
            .artifacts(id)
            .await?
            .iter()
            .filter(|a| a.url.is_none())
            .map(|a| {
                json!({
                    "type": ["Evidence"],
                    "name": a.name,
                    "description": format!("Kept by the district, not published. SHA-256: {}", a.sha256.clone().unwrap_or_default()),
                    "genre": a.media_type,
                })
            })
            .collect();
        evidence.push(json!({
            "type": ["Evidence"],
            "name": "Review",
            "narrative": format!(
                "Evidence submitted {} (attempt {}) and reviewed against the achievement's rubric: {}.",
                &sub.submitted_at[..10],
                sub.attempt,
                rubric.review.rule.label().to_lowercase()
            ),
        }));
        let request = IssueRequest {
            achievement: stored.slug.clone(),
            recipient_email: sub.teacher_email.clone(),
            recipient_name: sub.teacher_name.clone(),
            row_key: Some(format!("submission:{id}")),
            results: rubric.results(&stored.id, &levels),
            evidence,
            ..IssueRequest::default()
        };
        let now = self.now();
        let credential = match self.issue(&request, now, actor).await {
            Ok(c) => c,
            Err(Error::RowAlreadyIssued(_)) => {
                // Another instance issued it a moment ago: record that one.
                let cid = self
                    .store
                    .credential_for_row(&format!("submission:{id}"))
                    .await?
                    .ok_or_else(|| Error::SubmissionNotFound(id.to_owned()))?;
                self.store
                    .set_submission_credential(id, &cid, &rfc3339(now), actor)
                    .await?;
                return Ok(cid);
            }
            Err(e) => return Err(e),
        };
        let cid = credential
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        self.store
            .set_submission_credential(id, &cid, &rfc3339(now), actor)
            .await?;
        self.notify(&request, &credential).await?;
        Ok(cid)
    }

    /// Withdraws `teacher`'s open submission `id`: it leaves review and its files are deleted.
    pub async fn withdraw_submission(&self, caller: &Caller, id: &str) -> Result<(), Error> {
        let (_, access) = self.submission_access(caller, id).await?;
        if matches!(access, Access::Reviewer { .. }) {
            return Err(Error::SubmissionNotFound(id.to_owned()));
        }
        if self
            .store
            .withdraw_submission(id, &rfc3339(self.now()), &caller.actor())
            .await?
        {
            Ok(())
        } else {
            Err(Error::SubmissionClosed(
                "only a submission under review can be withdrawn".into(),
            ))
        }
    }

    /// Gives the review in `slot` of submission `id` to `reviewer` (staff assigning by hand);
    /// `review_conflict` for the teacher, a declared conflict, or one of its other reviewers.
    pub async fn assign_reviewer(
        &self,
        id: &str,
        slot: Slot,
        reviewer: &str,
        actor: &Actor,
    ) -> Result<(), Error> {
        let reviewer = normal_email(reviewer)?;
        let sub = self
            .store
            .submission(id)
            .await?
            .ok_or_else(|| Error::SubmissionNotFound(id.to_owned()))?;
        let conflicts = self.store.conflicts().await?;
        if let Some(refusal) = self
            .reviewer_refusal(&reviewer, &sub.teacher_email, &conflicts)
            .await?
        {
            return Err(refusal);
        }
        if self
            .store
            .reviews(id)
            .await?
            .iter()
            .any(|r| r.reviewer_email == reviewer && r.slot != slot.name())
        {
            return Err(Error::ReviewConflict(format!(
                "{reviewer} already reviews this submission; the reviews must be independent"
            )));
        }
        let (stored, rubric) = self.rubric(&sub.achievement_slug).await?;
        let r = self.new_review(id, slot, &reviewer, &rubric, self.now());
        self.store.assign_review(&r, actor).await?;
        self.mail_review(&r, &stored, false);
        Ok(())
    }

    /// The review reports of one achievement's submissions, or of all.
    pub async fn evidence_report(
        &self,
        achievement: Option<&str>,
    ) -> Result<EvidenceReport, Error> {
        let (subs, reviews) = self.store.evidence_rows(achievement).await?;
        Ok(EvidenceReport::of(&subs, &reviews))
    }

    /// Declares that `reviewer` must not review `teacher`'s submissions.
    pub async fn add_review_conflict(
        &self,
        reviewer: &str,
        teacher: &str,
        note: Option<&str>,
        actor: &Actor,
    ) -> Result<(), Error> {
        let (reviewer, teacher) = (normal_email(reviewer)?, normal_email(teacher)?);
        self.store
            .add_conflict(&reviewer, &teacher, note, &rfc3339(self.now()), actor)
            .await
    }

    /// Every declared conflict: (reviewer, teacher, note).
    pub async fn review_conflicts(&self) -> Result<Vec<(String, String, Option<String>)>, Error> {
        self.store.conflicts().await
    }

    /// Deletes the files of submissions decided or withdrawn more than `evidence.retention_days`
    /// ago (`cairn evidence purge`); decisions, scores, feedback and digests stay.
    pub async fn purge_evidence(&self, actor: &Actor) -> Result<u64, Error> {
        let now = self.now();
        let days = i64::from(self.config.config.evidence.retention_days);
        self.store
            .purge_artifacts(&rfc3339(now - Duration::days(days)), &rfc3339(now), actor)
            .await
    }

    /// Mails the reviewers of open reviews due within two days, each at most once a day however
    /// many instances or commands run it (each reminder is claimed in the database first); how
    /// many were mailed. Nothing without `[smtp]`.
    pub async fn send_review_reminders(&self) -> Result<usize, Error> {
        if self.notifier.is_none() {
            return Ok(0);
        }
        let now = self.now();
        let soon = rfc3339(now + Duration::days(2));
        let day_ago = rfc3339(now - Duration::days(1));
        let mut sent = Vec::new();
        let (subs, reviews) = self.store.evidence_rows(None).await?;
        for sub in subs.into_iter().filter(|s| is_open(&s.state)) {
            for r in reviews.iter().filter(|r| r.submission_id == sub.id) {
                let due = r.submitted_at.is_none()
                    && r.due_at <= soon
                    && r.reminded_at
                        .as_deref()
                        .is_none_or(|t| t < day_ago.as_str());
                if due
                    && self
                        .store
                        .claim_reminder(&r.id, &rfc3339(now), &day_ago)
                        .await?
                {
                    if let Ok(stored) = self.achievement(&sub.achievement_slug).await {
                        self.mail_review(r, &stored, true);
                    }
                    sent.push(r.id.clone());
                }
            }
        }
        Ok(sent.len())
    }
}

/// An achievement's name (its slug when it has none).
fn achievement_name(a: &StoredAchievement) -> &str {
    a.achievement
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or(&a.slug)
}

/// A stored finished review as the decision rules read it.
fn scored_of(r: &ReviewRow) -> Option<Scored> {
    Some(Scored {
        slot: Slot::parse(&r.slot)?,
        recommendation: Recommendation::parse(r.recommendation.as_deref()?).ok()?,
        levels: serde_json::from_value(r.levels.clone()).unwrap_or_default(),
    })
}

/// A file or link name for pages and the credential: no control characters, at most 120
/// characters, no path.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    if clean.trim().is_empty() {
        "file".into()
    } else {
        clean
    }
}

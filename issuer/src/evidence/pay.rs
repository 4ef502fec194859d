//! Pre-approval for pay: a teacher asks, before earning it, that an achievement count toward a
//! salary step or continuing-education hours; staff approve or deny; awards note it; HR exports
//! the awards with their pay consequence for payroll.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::credential::rfc3339;
use crate::error::Error;
use crate::staff::normal_email;
use crate::store::{Actor, PreapprovalRow, StoredAchievement};
use crate::Issuer;

/// What a pre-approval is for.
pub const PAY_PURPOSES: [(&str, &str); 2] = [
    ("salary-step", "A salary step or lane change"),
    ("ce-hours", "Continuing-education hours"),
];

/// A pay purpose in words.
pub fn purpose_label(purpose: &str) -> &'static str {
    PAY_PURPOSES
        .iter()
        .find(|(p, _)| *p == purpose)
        .map(|(_, l)| *l)
        .unwrap_or("Other")
}

/// One line of the payroll export: an issued award and what it counts for.
#[derive(Debug, Clone, PartialEq)]
pub struct PayrollLine {
    /// The teacher's name.
    pub teacher_name: String,
    /// The teacher's address.
    pub teacher_email: String,
    /// The achievement's name.
    pub achievement: String,
    /// Its credits (`creditsAvailable`), when it has some.
    pub credits: Option<f64>,
    /// When it was earned (RFC 3339).
    pub earned_at: String,
    /// The credential's id.
    pub credential_id: String,
    /// The approved pre-approval, when there is one.
    pub preapproval: Option<PreapprovalRow>,
}

impl Issuer {
    /// A teacher asks that `achievement` count toward `purpose` (`detail`: the step, lane or
    /// hours). `submission_closed` when they already asked for it and it is not denied.
    pub async fn request_preapproval(
        &self,
        teacher: &str,
        teacher_name: Option<&str>,
        achievement: &str,
        purpose: &str,
        detail: &str,
        actor: &Actor,
    ) -> Result<PreapprovalRow, Error> {
        let teacher = normal_email(teacher)?;
        let (stored, _) = self.rubric(achievement).await?;
        if !PAY_PURPOSES.iter().any(|(p, _)| *p == purpose) {
            return Err(Error::input("purpose", "is salary-step or ce-hours"));
        }
        let detail = detail.trim();
        if detail.is_empty() || detail.chars().count() > 200 {
            return Err(Error::input(
                "detail",
                "say what it counts for (a step, a lane, hours), in at most 200 characters",
            ));
        }
        let row = PreapprovalRow {
            id: uuid::Uuid::new_v4().to_string(),
            teacher_email: teacher,
            teacher_name: teacher_name
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned),
            achievement_slug: stored.slug,
            purpose: purpose.to_owned(),
            detail: detail.to_owned(),
            requested_at: rfc3339(self.now()),
            state: "pending".into(),
            decided_by: None,
            decided_at: None,
            note: None,
        };
        self.store.insert_preapproval(&row, actor).await?;
        Ok(row)
    }

    /// Approves or denies a pending request, with a note (`submission_closed` when decided).
    pub async fn decide_preapproval(
        &self,
        id: &str,
        approve: bool,
        note: Option<&str>,
        actor: &Actor,
    ) -> Result<(), Error> {
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if self
            .store
            .decide_preapproval(id, approve, note, &rfc3339(self.now()), actor)
            .await?
        {
            Ok(())
        } else {
            Err(Error::SubmissionClosed(
                "this request is decided already, or unknown".into(),
            ))
        }
    }

    /// Pre-approval requests: one teacher's, or everyone's (`None`), newest first.
    pub async fn preapprovals(&self, teacher: Option<&str>) -> Result<Vec<PreapprovalRow>, Error> {
        self.store.preapprovals(teacher).await
    }

    /// Every issued award earned by evidence, with its approved pre-approval, oldest first:
    /// what HR hands to payroll.
    pub async fn payroll(&self) -> Result<Vec<PayrollLine>, Error> {
        let approvals: Vec<PreapprovalRow> = self
            .store
            .preapprovals(None)
            .await?
            .into_iter()
            .filter(|p| p.state == "approved")
            .collect();
        let achievements: BTreeMap<String, StoredAchievement> = self
            .store
            .achievements()
            .await?
            .into_iter()
            .map(|a| (a.slug.clone(), a))
            .collect();
        let mut lines = Vec::new();
        let (subs, _) = self.store.evidence_rows(None).await?;
        for s in subs.into_iter().filter(|s| s.state == "earned") {
            let (Some(credential_id), Some(achievement)) = (
                s.credential_id.clone(),
                achievements.get(&s.achievement_slug),
            ) else {
                continue;
            };
            lines.push(PayrollLine {
                teacher_name: s.teacher_name.clone().unwrap_or_default(),
                achievement: super::achievement_name(achievement).to_owned(),
                credits: achievement
                    .achievement
                    .get("creditsAvailable")
                    .and_then(Value::as_f64),
                earned_at: s.decided_at.clone().unwrap_or_default(),
                credential_id,
                preapproval: approvals
                    .iter()
                    .find(|p| {
                        p.teacher_email == s.teacher_email
                            && p.achievement_slug == s.achievement_slug
                    })
                    .cloned(),
                teacher_email: s.teacher_email,
            });
        }
        Ok(lines)
    }
}

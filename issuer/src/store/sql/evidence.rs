//! SQL for evidence: submissions (one row per attempt), their files and links, reviews (with the
//! decision taken under a lock on the submission) and reviewer conflicts.

use async_trait::async_trait;
use serde_json::{json, Value};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{audit, Backend, Conditions, SqlStore};
use crate::error::Error;
use crate::store::{
    Actor, ArtifactRow, DecisionFn, EvidenceStore, NewSubmission, PreapprovalRow, ReviewOutcome,
    ReviewRow, SubmissionFilter, SubmissionRow,
};

/// The states in which a submission is still being reviewed (`evidence::is_open`), for SQL.
const OPEN: &str = "('in-review', 'tie-break', 'grantor')";

const SUBMISSION_COLUMNS: &str = "id, achievement_slug, teacher_email, teacher_name, attempt, state, answers_json, change_note, submitted_at, decided_at, decision_json, credential_id";
const ARTIFACT_COLUMNS: &str =
    "id, submission_id, position, name, media_type, sha256, size, url, created_at, deleted_at";
const REVIEW_COLUMNS: &str = "id, submission_id, slot, reviewer_email, assigned_at, due_at, reminded_at, recommendation, levels_json, feedback_json, overall, submitted_at";

fn json_column(r: &AnyRow, column: &str) -> Result<Option<Value>, Error> {
    let text: Option<String> = r.try_get(column)?;
    text.map(|t| serde_json::from_str(&t).map_err(|e| Error::Database(e.to_string())))
        .transpose()
}

const PREAPPROVAL_COLUMNS: &str = "id, teacher_email, teacher_name, achievement_slug, purpose, detail, requested_at, state, decided_by, decided_at, note";

fn preapproval_from_row(r: &AnyRow) -> Result<PreapprovalRow, Error> {
    Ok(PreapprovalRow {
        id: r.try_get("id")?,
        teacher_email: r.try_get("teacher_email")?,
        teacher_name: r.try_get("teacher_name")?,
        achievement_slug: r.try_get("achievement_slug")?,
        purpose: r.try_get("purpose")?,
        detail: r.try_get("detail")?,
        requested_at: r.try_get("requested_at")?,
        state: r.try_get("state")?,
        decided_by: r.try_get("decided_by")?,
        decided_at: r.try_get("decided_at")?,
        note: r.try_get("note")?,
    })
}

fn submission_from_row(r: &AnyRow) -> Result<SubmissionRow, Error> {
    Ok(SubmissionRow {
        id: r.try_get("id")?,
        achievement_slug: r.try_get("achievement_slug")?,
        teacher_email: r.try_get("teacher_email")?,
        teacher_name: r.try_get("teacher_name")?,
        attempt: r.try_get("attempt")?,
        state: r.try_get("state")?,
        answers: json_column(r, "answers_json")?.unwrap_or(Value::Null),
        change_note: r.try_get("change_note")?,
        submitted_at: r.try_get("submitted_at")?,
        decided_at: r.try_get("decided_at")?,
        decision: json_column(r, "decision_json")?,
        credential_id: r.try_get("credential_id")?,
    })
}

fn artifact_from_row(r: &AnyRow) -> Result<ArtifactRow, Error> {
    Ok(ArtifactRow {
        id: r.try_get("id")?,
        submission_id: r.try_get("submission_id")?,
        position: r.try_get("position")?,
        name: r.try_get("name")?,
        media_type: r.try_get("media_type")?,
        sha256: r.try_get("sha256")?,
        size: r.try_get("size")?,
        url: r.try_get("url")?,
        created_at: r.try_get("created_at")?,
        deleted_at: r.try_get("deleted_at")?,
    })
}

fn review_from_row(r: &AnyRow) -> Result<ReviewRow, Error> {
    Ok(ReviewRow {
        id: r.try_get("id")?,
        submission_id: r.try_get("submission_id")?,
        slot: r.try_get("slot")?,
        reviewer_email: r.try_get("reviewer_email")?,
        assigned_at: r.try_get("assigned_at")?,
        due_at: r.try_get("due_at")?,
        reminded_at: r.try_get("reminded_at")?,
        recommendation: r.try_get("recommendation")?,
        levels: json_column(r, "levels_json")?.unwrap_or_else(|| json!({})),
        feedback: json_column(r, "feedback_json")?.unwrap_or_else(|| json!({})),
        overall: r.try_get("overall")?,
        submitted_at: r.try_get("submitted_at")?,
    })
}

async fn insert_review(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    v: &ReviewRow,
) -> Result<(), Error> {
    sqlx::query(&format!(
        "INSERT INTO reviews ({REVIEW_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, NULL, NULL, NULL, NULL)"
    ))
    .bind(&v.id)
    .bind(&v.submission_id)
    .bind(&v.slot)
    .bind(&v.reviewer_email)
    .bind(&v.assigned_at)
    .bind(&v.due_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl SqlStore {
    /// Takes the submission's row lock for the rest of the transaction (PostgreSQL; SQLite's
    /// `BEGIN IMMEDIATE` already holds the database's write lock) and reads its state.
    async fn lock_submission(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        id: &str,
    ) -> Result<Option<String>, Error> {
        let sql = match self.backend {
            Backend::Postgres => "SELECT state FROM submissions WHERE id = $1 FOR UPDATE",
            Backend::Sqlite => "SELECT state FROM submissions WHERE id = $1",
        };
        let row = sqlx::query(sql).bind(id).fetch_optional(&mut **tx).await?;
        Ok(row.map(|r| r.try_get("state")).transpose()?)
    }
}

#[async_trait]
impl EvidenceStore for SqlStore {
    async fn insert_submission(&self, new: NewSubmission<'_>, actor: &Actor) -> Result<i64, Error> {
        let s = new.row;
        let mut tx = self.write_tx().await?;
        // One attempt at a time, and none after the achievement is earned. PostgreSQL: the
        // UNIQUE (achievement, teacher, attempt) makes a racing second attempt fail.
        let earlier = sqlx::query(
            "SELECT state, attempt FROM submissions WHERE achievement_slug = $1 AND teacher_email = $2 ORDER BY attempt DESC",
        )
        .bind(&s.achievement_slug)
        .bind(&s.teacher_email)
        .fetch_all(&mut *tx)
        .await?;
        let mut attempt = 1;
        for r in &earlier {
            let state: String = r.try_get("state")?;
            let n: i64 = r.try_get("attempt")?;
            attempt = attempt.max(n + 1);
            if crate::evidence::is_open(&state) {
                return Err(Error::SubmissionClosed(
                    "an attempt at this achievement is already under review; withdraw it first"
                        .into(),
                ));
            }
            if state == "earned" {
                return Err(Error::SubmissionClosed(
                    "this achievement is already earned".into(),
                ));
            }
        }
        let inserted = sqlx::query(&format!(
            "INSERT INTO submissions ({SUBMISSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, NULL, NULL)"
        ))
        .bind(&s.id)
        .bind(&s.achievement_slug)
        .bind(&s.teacher_email)
        .bind(&s.teacher_name)
        .bind(attempt)
        .bind(&s.state)
        .bind(s.answers.to_string())
        .bind(&s.change_note)
        .bind(&s.submitted_at)
        .execute(&mut *tx)
        .await;
        match inserted {
            // The same attempt submitted twice at once (PostgreSQL reads before either wrote):
            // the second is refused like any attempt while one is under review.
            Err(sqlx::Error::Database(d)) if d.is_unique_violation() => {
                return Err(Error::SubmissionClosed(
                    "an attempt at this achievement is already under review; withdraw it first"
                        .into(),
                ));
            }
            other => {
                other?;
            }
        }
        for (a, bytes) in new.artifacts {
            sqlx::query(&format!(
                "INSERT INTO submission_artifacts ({ARTIFACT_COLUMNS}, bytes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10)"
            ))
            .bind(&a.id)
            .bind(&s.id)
            .bind(a.position)
            .bind(&a.name)
            .bind(&a.media_type)
            .bind(&a.sha256)
            .bind(a.size)
            .bind(&a.url)
            .bind(&a.created_at)
            .bind(if a.url.is_some() { None } else { Some(bytes.clone()) })
            .execute(&mut *tx)
            .await?;
        }
        for v in new.reviews {
            insert_review(&mut tx, v).await?;
        }
        let detail = json!({
            "achievement": s.achievement_slug,
            "attempt": attempt,
            "files": new.artifacts.iter().filter(|(a, _)| a.url.is_none()).map(|(a, _)| json!({"name": a.name, "sha256": a.sha256})).collect::<Vec<_>>(),
            "reviewers": new.reviews.iter().map(|v| json!({"slot": v.slot, "reviewer": v.reviewer_email})).collect::<Vec<_>>(),
        });
        audit(
            &mut tx,
            &s.submitted_at,
            actor,
            "submission.submit",
            Some(&s.id),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok(attempt)
    }

    async fn submission(&self, id: &str) -> Result<Option<SubmissionRow>, Error> {
        let row = sqlx::query(&format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| submission_from_row(&r)).transpose()
    }

    async fn submissions(&self, filter: &SubmissionFilter) -> Result<Vec<SubmissionRow>, Error> {
        let mut q = Conditions::new(&format!("SELECT {SUBMISSION_COLUMNS} FROM submissions"));
        if let Some(t) = &filter.teacher {
            q.and("teacher_email = ?", &[t]);
        }
        if let Some(a) = &filter.achievement {
            q.and("achievement_slug = ?", &[a]);
        }
        if let Some(s) = &filter.state {
            q.and("state = ?", &[s]);
        }
        if let Some(r) = &filter.reviewer {
            q.and(
                "id IN (SELECT submission_id FROM reviews WHERE reviewer_email = ?)",
                &[r],
            );
        }
        q.fetch_all(" ORDER BY submitted_at DESC, id LIMIT 500", &self.pool)
            .await?
            .iter()
            .map(submission_from_row)
            .collect()
    }

    async fn artifacts(&self, submission_id: &str) -> Result<Vec<ArtifactRow>, Error> {
        sqlx::query(&format!(
            "SELECT {ARTIFACT_COLUMNS} FROM submission_artifacts WHERE submission_id = $1 ORDER BY position"
        ))
        .bind(submission_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(artifact_from_row)
        .collect()
    }

    async fn artifact_bytes(&self, artifact_id: &str) -> Result<Option<Vec<u8>>, Error> {
        let row = sqlx::query(
            "SELECT bytes FROM submission_artifacts WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(artifact_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .map(|r| r.try_get::<Option<Vec<u8>>, _>("bytes"))
            .transpose()?
            .flatten())
    }

    async fn reviews(&self, submission_id: &str) -> Result<Vec<ReviewRow>, Error> {
        let mut rows: Vec<ReviewRow> = sqlx::query(&format!(
            "SELECT {REVIEW_COLUMNS} FROM reviews WHERE submission_id = $1"
        ))
        .bind(submission_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(review_from_row)
        .collect::<Result<_, _>>()?;
        rows.sort_by_key(|r| crate::evidence::Slot::parse(&r.slot));
        Ok(rows)
    }

    async fn reviews_of(&self, reviewer: &str) -> Result<Vec<ReviewRow>, Error> {
        sqlx::query(&format!(
            "SELECT {REVIEW_COLUMNS} FROM reviews WHERE reviewer_email = $1 ORDER BY assigned_at DESC, id LIMIT 500"
        ))
        .bind(reviewer)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(review_from_row)
        .collect()
    }

    async fn open_review_counts(&self) -> Result<Vec<(String, i64)>, Error> {
        let rows = sqlx::query(
            "SELECT reviewer_email, COUNT(*) AS n FROM reviews WHERE submitted_at IS NULL GROUP BY reviewer_email",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("reviewer_email")?, r.try_get("n")?)))
            .collect()
    }

    async fn complete_review(
        &self,
        review: &ReviewRow,
        rule: &DecisionFn,
        actor: &Actor,
    ) -> Result<ReviewOutcome, Error> {
        let at = review.submitted_at.clone().unwrap_or_default();
        let mut tx = self.write_tx().await?;
        let state = self
            .lock_submission(&mut tx, &review.submission_id)
            .await?
            .ok_or_else(|| Error::SubmissionNotFound(review.submission_id.clone()))?;
        if !crate::evidence::is_open(&state) {
            return Err(Error::SubmissionClosed(format!(
                "this submission is {state}; it takes no more reviews"
            )));
        }
        let done = sqlx::query(
            "UPDATE reviews SET recommendation = $1, levels_json = $2, feedback_json = $3, overall = $4, submitted_at = $5 \
             WHERE id = $6 AND submission_id = $7 AND reviewer_email = $8 AND submitted_at IS NULL",
        )
        .bind(&review.recommendation)
        .bind(review.levels.to_string())
        .bind(review.feedback.to_string())
        .bind(&review.overall)
        .bind(&at)
        .bind(&review.id)
        .bind(&review.submission_id)
        .bind(&review.reviewer_email)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Err(Error::SubmissionClosed(
                "this review is submitted already, or not yours".into(),
            ));
        }
        let finished: Vec<ReviewRow> = sqlx::query(&format!(
            "SELECT {REVIEW_COLUMNS} FROM reviews WHERE submission_id = $1 AND submitted_at IS NOT NULL"
        ))
        .bind(&review.submission_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(review_from_row)
        .collect::<Result<_, _>>()?;
        let outcome = rule(&finished);
        let detail = json!({"slot": review.slot, "recommendation": review.recommendation});
        audit(
            &mut tx,
            &at,
            actor,
            "review.submit",
            Some(&review.submission_id),
            Some(&detail),
        )
        .await?;
        match &outcome {
            ReviewOutcome::Wait => {}
            ReviewOutcome::Open { state, slot } => {
                sqlx::query("UPDATE submissions SET state = $1 WHERE id = $2")
                    .bind(state)
                    .bind(&review.submission_id)
                    .execute(&mut *tx)
                    .await?;
                let detail = json!({"state": state, "opens": slot});
                audit(
                    &mut tx,
                    &at,
                    actor,
                    "submission.escalate",
                    Some(&review.submission_id),
                    Some(&detail),
                )
                .await?;
            }
            ReviewOutcome::Decide { state, decision } => {
                sqlx::query(
                    "UPDATE submissions SET state = $1, decided_at = $2, decision_json = $3 WHERE id = $4",
                )
                .bind(state)
                .bind(&at)
                .bind(decision.to_string())
                .bind(&review.submission_id)
                .execute(&mut *tx)
                .await?;
                audit(
                    &mut tx,
                    &at,
                    actor,
                    "submission.decide",
                    Some(&review.submission_id),
                    Some(decision),
                )
                .await?;
            }
        }
        tx.commit().await?;
        Ok(outcome)
    }

    async fn assign_review(&self, review: &ReviewRow, actor: &Actor) -> Result<(), Error> {
        let mut tx = self.write_tx().await?;
        let state = self
            .lock_submission(&mut tx, &review.submission_id)
            .await?
            .ok_or_else(|| Error::SubmissionNotFound(review.submission_id.clone()))?;
        if !crate::evidence::is_open(&state) {
            return Err(Error::SubmissionClosed(format!(
                "this submission is {state}; it takes no more reviewers"
            )));
        }
        let current = sqlx::query(
            "SELECT reviewer_email, submitted_at FROM reviews WHERE submission_id = $1 AND slot = $2",
        )
        .bind(&review.submission_id)
        .bind(&review.slot)
        .fetch_optional(&mut *tx)
        .await?;
        match current {
            Some(row) => {
                let submitted: Option<String> = row.try_get("submitted_at")?;
                if submitted.is_some() {
                    return Err(Error::SubmissionClosed(
                        "this review is submitted already; it keeps its reviewer".into(),
                    ));
                }
                sqlx::query(
                    "UPDATE reviews SET reviewer_email = $1, assigned_at = $2, due_at = $3, reminded_at = NULL WHERE submission_id = $4 AND slot = $5",
                )
                .bind(&review.reviewer_email)
                .bind(&review.assigned_at)
                .bind(&review.due_at)
                .bind(&review.submission_id)
                .bind(&review.slot)
                .execute(&mut *tx)
                .await?;
            }
            None => insert_review(&mut tx, review).await?,
        }
        let detail =
            json!({"slot": review.slot, "reviewer": review.reviewer_email, "due": review.due_at});
        audit(
            &mut tx,
            &review.assigned_at,
            actor,
            "review.assign",
            Some(&review.submission_id),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn withdraw_submission(&self, id: &str, at: &str, actor: &Actor) -> Result<bool, Error> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(&format!(
            "UPDATE submissions SET state = 'withdrawn', decided_at = $1 WHERE id = $2 AND state IN {OPEN}"
        ))
        .bind(at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE submission_artifacts SET bytes = NULL, deleted_at = $1 WHERE submission_id = $2 AND deleted_at IS NULL",
        )
        .bind(at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, at, actor, "submission.withdraw", Some(id), None).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn set_submission_credential(
        &self,
        id: &str,
        credential_id: &str,
        at: &str,
        actor: &Actor,
    ) -> Result<(), Error> {
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE submissions SET credential_id = $1 WHERE id = $2")
            .bind(credential_id)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let detail = json!({"credential": credential_id});
        audit(
            &mut tx,
            at,
            actor,
            "submission.award",
            Some(id),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn purge_artifacts(&self, before: &str, at: &str, actor: &Actor) -> Result<u64, Error> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(&format!(
            "UPDATE submission_artifacts SET bytes = NULL, deleted_at = $1 WHERE deleted_at IS NULL AND url IS NULL \
             AND submission_id IN (SELECT id FROM submissions WHERE decided_at IS NOT NULL AND decided_at < $2 AND state NOT IN {OPEN})"
        ))
        .bind(at)
        .bind(before)
        .execute(&mut *tx)
        .await?;
        let n = done.rows_affected();
        let detail = json!({"files": n, "decidedBefore": before});
        audit(&mut tx, at, actor, "evidence.purge", None, Some(&detail)).await?;
        tx.commit().await?;
        Ok(n)
    }

    async fn claim_reminder(
        &self,
        review_id: &str,
        at: &str,
        not_since: &str,
    ) -> Result<bool, Error> {
        let done = sqlx::query(
            "UPDATE reviews SET reminded_at = $1 WHERE id = $2 AND submitted_at IS NULL \
             AND (reminded_at IS NULL OR reminded_at < $3)",
        )
        .bind(at)
        .bind(review_id)
        .bind(not_since)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn add_conflict(
        &self,
        reviewer: &str,
        teacher: &str,
        note: Option<&str>,
        at: &str,
        actor: &Actor,
    ) -> Result<(), Error> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO review_conflicts (reviewer_email, teacher_email, note, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (reviewer_email, teacher_email) DO NOTHING",
        )
        .bind(reviewer)
        .bind(teacher)
        .bind(note)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let detail = json!({"teacher": teacher});
        audit(
            &mut tx,
            at,
            actor,
            "review.conflict",
            Some(reviewer),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn conflicts(&self) -> Result<Vec<(String, String, Option<String>)>, Error> {
        let rows = sqlx::query(
            "SELECT reviewer_email, teacher_email, note FROM review_conflicts ORDER BY reviewer_email, teacher_email",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("reviewer_email")?,
                    r.try_get("teacher_email")?,
                    r.try_get("note")?,
                ))
            })
            .collect()
    }

    async fn evidence_rows(
        &self,
        achievement: Option<&str>,
    ) -> Result<(Vec<SubmissionRow>, Vec<ReviewRow>), Error> {
        let mut q = Conditions::new(&format!("SELECT {SUBMISSION_COLUMNS} FROM submissions"));
        if let Some(a) = achievement {
            q.and("achievement_slug = ?", &[a]);
        }
        let subs: Vec<SubmissionRow> = q
            .fetch_all(" ORDER BY submitted_at, id", &self.pool)
            .await?
            .iter()
            .map(submission_from_row)
            .collect::<Result<_, _>>()?;
        let mut q = Conditions::new(&format!("SELECT {REVIEW_COLUMNS} FROM reviews"));
        if let Some(a) = achievement {
            q.and(
                "submission_id IN (SELECT id FROM submissions WHERE achievement_slug = ?)",
                &[a],
            );
        }
        let reviews = q
            .fetch_all(" ORDER BY assigned_at, id", &self.pool)
            .await?
            .iter()
            .map(review_from_row)
            .collect::<Result<_, _>>()?;
        Ok((subs, reviews))
    }

    async fn insert_preapproval(&self, p: &PreapprovalRow, actor: &Actor) -> Result<(), Error> {
        let mut tx = self.write_tx().await?;
        let open = sqlx::query(
            "SELECT 1 FROM preapprovals WHERE teacher_email = $1 AND achievement_slug = $2 AND state IN ('pending', 'approved')",
        )
        .bind(&p.teacher_email)
        .bind(&p.achievement_slug)
        .fetch_optional(&mut *tx)
        .await?;
        if open.is_some() {
            return Err(Error::SubmissionClosed(
                "you have asked for this achievement already; its request is pending or approved"
                    .into(),
            ));
        }
        sqlx::query(&format!(
            "INSERT INTO preapprovals ({PREAPPROVAL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL, NULL)"
        ))
        .bind(&p.id)
        .bind(&p.teacher_email)
        .bind(&p.teacher_name)
        .bind(&p.achievement_slug)
        .bind(&p.purpose)
        .bind(&p.detail)
        .bind(&p.requested_at)
        .bind(&p.state)
        .execute(&mut *tx)
        .await?;
        let detail =
            json!({"achievement": p.achievement_slug, "purpose": p.purpose, "detail": p.detail});
        audit(
            &mut tx,
            &p.requested_at,
            actor,
            "preapproval.request",
            Some(&p.id),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn decide_preapproval(
        &self,
        id: &str,
        approve: bool,
        note: Option<&str>,
        at: &str,
        actor: &Actor,
    ) -> Result<bool, Error> {
        let state = if approve { "approved" } else { "denied" };
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE preapprovals SET state = $1, decided_by = $2, decided_at = $3, note = $4 WHERE id = $5 AND state = 'pending'",
        )
        .bind(state)
        .bind(&actor.0)
        .bind(at)
        .bind(note)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let action = if approve {
            "preapproval.approve"
        } else {
            "preapproval.deny"
        };
        let detail = json!({"note": note});
        audit(&mut tx, at, actor, action, Some(id), Some(&detail)).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn preapprovals(&self, teacher: Option<&str>) -> Result<Vec<PreapprovalRow>, Error> {
        let mut q = Conditions::new(&format!("SELECT {PREAPPROVAL_COLUMNS} FROM preapprovals"));
        if let Some(t) = teacher {
            q.and("teacher_email = ?", &[t]);
        }
        q.fetch_all(" ORDER BY requested_at DESC, id", &self.pool)
            .await?
            .iter()
            .map(preapproval_from_row)
            .collect()
    }
}

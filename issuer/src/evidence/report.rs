//! Evidence reports, computed from the submissions and reviews (sans-I/O): submissions by
//! state, time to decision, pass rate per attempt, each reviewer's load, and how often two
//! reviewers agreed (how often the tie-break was needed).

use std::collections::BTreeMap;

use chrono::DateTime;

use crate::store::{ReviewRow, SubmissionRow};

/// One reviewer's work.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewerLoad {
    /// Reviews assigned and not yet submitted.
    pub open: usize,
    /// Reviews submitted.
    pub done: usize,
    /// Submitted after their due date.
    pub late: usize,
}

/// What the reports show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvidenceReport {
    /// State → submissions in it.
    pub by_state: BTreeMap<String, usize>,
    /// Decided submissions (earned, not yet, incomplete).
    pub decided: usize,
    /// The median days from submission to decision (None without decisions).
    pub median_days_to_decision: Option<f64>,
    /// Attempt number → (decided, earned).
    pub pass_rate_by_attempt: BTreeMap<i64, (usize, usize)>,
    /// Reviewer → their load.
    pub reviewers: BTreeMap<String, ReviewerLoad>,
    /// Submissions whose first and second reviews are both in.
    pub paired: usize,
    /// Of those, how many agreed.
    pub agreed: usize,
    /// Tie-breaks opened.
    pub tie_breaks: usize,
}

fn days_between(from: &str, to: &str) -> Option<f64> {
    let (a, b) = (
        DateTime::parse_from_rfc3339(from).ok()?,
        DateTime::parse_from_rfc3339(to).ok()?,
    );
    Some((b - a).num_seconds() as f64 / 86_400.0)
}

impl EvidenceReport {
    /// The report of `submissions` and `reviews` (of one achievement, or all).
    pub fn of(submissions: &[SubmissionRow], reviews: &[ReviewRow]) -> Self {
        let mut r = EvidenceReport::default();
        let mut durations = Vec::new();
        for s in submissions {
            *r.by_state.entry(s.state.clone()).or_default() += 1;
            if matches!(s.state.as_str(), "earned" | "not-yet" | "incomplete") {
                r.decided += 1;
                let entry = r.pass_rate_by_attempt.entry(s.attempt).or_default();
                entry.0 += 1;
                if s.state == "earned" {
                    entry.1 += 1;
                }
                if let Some(d) = s
                    .decided_at
                    .as_deref()
                    .and_then(|at| days_between(&s.submitted_at, at))
                {
                    durations.push(d);
                }
            }
        }
        durations.sort_by(f64::total_cmp);
        r.median_days_to_decision = match durations.len() {
            0 => None,
            n if n % 2 == 1 => Some(durations[n / 2]),
            n => Some((durations[n / 2 - 1] + durations[n / 2]) / 2.0),
        };
        let mut by_submission: BTreeMap<&str, Vec<&ReviewRow>> = BTreeMap::new();
        for v in reviews {
            let load = r.reviewers.entry(v.reviewer_email.clone()).or_default();
            match &v.submitted_at {
                Some(at) => {
                    load.done += 1;
                    if at.as_str() > v.due_at.as_str() {
                        load.late += 1;
                    }
                }
                None => load.open += 1,
            }
            by_submission.entry(&v.submission_id).or_default().push(v);
        }
        for rows in by_submission.values() {
            let rec = |slot: &str| {
                rows.iter()
                    .find(|v| v.slot == slot)
                    .and_then(|v| v.recommendation.clone())
            };
            if let (Some(a), Some(b)) = (rec("first"), rec("second")) {
                r.paired += 1;
                if a == b {
                    r.agreed += 1;
                }
            }
            if rows.iter().any(|v| v.slot == "tie-break") {
                r.tie_breaks += 1;
            }
        }
        r
    }

    /// The report as CSV rows (section, item, value), for a spreadsheet.
    pub fn csv_rows(&self) -> Vec<[String; 3]> {
        let mut rows = Vec::new();
        for (state, n) in &self.by_state {
            rows.push(["submissions by state".into(), state.clone(), n.to_string()]);
        }
        rows.push([
            "time to decision".into(),
            "median days".into(),
            self.median_days_to_decision
                .map(|d| format!("{d:.1}"))
                .unwrap_or_default(),
        ]);
        for (attempt, (decided, earned)) in &self.pass_rate_by_attempt {
            rows.push([
                "pass rate by attempt".into(),
                format!("attempt {attempt}"),
                format!("{earned} of {decided}"),
            ]);
        }
        for (who, load) in &self.reviewers {
            rows.push([
                "reviewer load".into(),
                who.clone(),
                format!("{} open, {} done, {} late", load.open, load.done, load.late),
            ]);
        }
        rows.push([
            "agreement".into(),
            "two reviews agreed".into(),
            format!("{} of {}", self.agreed, self.paired),
        ]);
        rows.push([
            "agreement".into(),
            "tie-breaks opened".into(),
            self.tie_breaks.to_string(),
        ]);
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sub(id: &str, attempt: i64, state: &str, decided: Option<&str>) -> SubmissionRow {
        SubmissionRow {
            id: id.into(),
            achievement_slug: "a".into(),
            teacher_email: "t@d.example".into(),
            teacher_name: None,
            attempt,
            state: state.into(),
            answers: json!({}),
            change_note: None,
            submitted_at: "2026-12-01T00:00:00Z".into(),
            decided_at: decided.map(str::to_owned),
            decision: None,
            credential_id: None,
        }
    }

    fn rev(sub: &str, slot: &str, who: &str, rec: Option<&str>, at: Option<&str>) -> ReviewRow {
        ReviewRow {
            id: format!("{sub}-{slot}"),
            submission_id: sub.into(),
            slot: slot.into(),
            reviewer_email: who.into(),
            assigned_at: "2026-12-01T00:00:00Z".into(),
            due_at: "2026-12-05T00:00:00Z".into(),
            reminded_at: None,
            recommendation: rec.map(str::to_owned),
            levels: json!({}),
            feedback: json!({}),
            overall: None,
            submitted_at: at.map(str::to_owned),
        }
    }

    #[test]
    fn the_report_counts_what_happened() {
        let subs = [
            sub("1", 1, "not-yet", Some("2026-12-03T00:00:00Z")),
            sub("2", 2, "earned", Some("2026-12-05T00:00:00Z")),
            sub("3", 1, "in-review", None),
        ];
        let done = Some("2026-12-02T00:00:00Z");
        let late = Some("2026-12-06T00:00:00Z");
        let reviews = [
            rev("1", "first", "r@d", Some("earned"), done),
            rev("1", "second", "s@d", Some("not-yet"), done),
            rev("1", "tie-break", "t@d", Some("not-yet"), late),
            rev("2", "first", "r@d", Some("earned"), done),
            rev("2", "second", "s@d", Some("earned"), done),
            rev("3", "first", "r@d", None, None),
        ];
        let r = EvidenceReport::of(&subs, &reviews);
        assert_eq!(r.by_state.get("in-review"), Some(&1));
        assert_eq!(r.decided, 2);
        assert_eq!(r.median_days_to_decision, Some(3.0));
        assert_eq!(r.pass_rate_by_attempt.get(&1), Some(&(1, 0)));
        assert_eq!(r.pass_rate_by_attempt.get(&2), Some(&(1, 1)));
        assert_eq!(
            r.reviewers.get("r@d"),
            Some(&ReviewerLoad {
                open: 1,
                done: 2,
                late: 0
            })
        );
        assert_eq!(r.reviewers.get("t@d").map(|l| l.late), Some(1));
        assert_eq!((r.paired, r.agreed, r.tie_breaks), (2, 1, 1));
        assert!(r
            .csv_rows()
            .iter()
            .any(|row| row[1] == "two reviews agreed" && row[2] == "1 of 2"));
    }
}

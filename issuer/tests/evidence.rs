//! Earning by evidence on SQLite and PostgreSQL: a teacher submits, two blind reviewers
//! disagree, the tie-breaker decides "not yet", the teacher resubmits, both reviewers (at the
//! same moment) say "earned", and exactly one credential is issued with the rubric's results —
//! valid against the official OB 3.0 schema and verified. Around it: who may see what,
//! conflicts, files checked by content, withdrawal, and retention.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use cairn_issuer::{
    Actor, Caller, Clock, FixedClock, IdentityKind, InitOptions, Issuer, Recommendation,
    ReviewInput, Role, Slot, SubmissionDraft, SubmissionFilter,
};
use chrono::{Duration, TimeZone, Utc};
use serde_json::Value;

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n";

fn draft(change_note: Option<&str>) -> SubmissionDraft {
    SubmissionDraft {
        achievement: "feedback-that-moves-learning".into(),
        teacher_name: Some("Tina Teacher".into()),
        answers: [
            ("overview", "Grade 7 science, a unit on ecosystems."),
            (
                "reflection",
                "Students revised their models after my comments.",
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect(),
        files: vec![("unit-plan.pdf".into(), PDF.to_vec())],
        links: vec![(
            "Lesson video".into(),
            "https://video.district.example/lesson-4".into(),
        )],
        change_note: change_note.map(str::to_owned),
    }
}

fn review(rec: Recommendation, level: &str) -> ReviewInput {
    let levels: BTreeMap<String, String> = ["plan", "student-work", "reflection"]
        .into_iter()
        .map(|c| (c.to_owned(), level.to_owned()))
        .collect();
    ReviewInput {
        recommendation: rec,
        feedback: [("plan".to_owned(), format!("Plan feedback ({level})"))].into(),
        levels,
        overall: Some("Overall feedback".into()),
    }
}

async fn caller(issuer: &Issuer, email: &str) -> Caller {
    let member = issuer
        .staff_members()
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.email == email)
        .expect("member");
    let cookie = issuer.start_session(&member, "link").await.unwrap();
    Caller::Staff(issuer.signed_in(&cookie).await.unwrap().expect("session"))
}

/// The open review of `reviewer` for submission `id`.
async fn open_review(issuer: &Issuer, reviewer: &str, id: &str) -> String {
    issuer
        .my_reviews(reviewer)
        .await
        .unwrap()
        .into_iter()
        .find(|(r, s)| s.id == id && r.submitted_at.is_none())
        .map(|(r, _)| r.id)
        .expect("an open review")
}

async fn earning_by_evidence(database_url: Option<String>) {
    let dir = tempfile::tempdir().expect("tmp");
    let actor = Actor("test".into());
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap(),
    ));
    let issuer = Issuer::init(
        &dir.path().join("i"),
        InitOptions {
            name: "District".into(),
            url: Some("https://credentials.district.example".into()),
            identity: IdentityKind::DidKey,
            key: None,
            database_url,
        },
        &actor,
    )
    .await
    .expect("init")
    .with_clock(clock.clone());
    for (email, role) in [
        ("ada@district.example", Role::Admin),
        ("tina@district.example", Role::Teacher),
        ("tom@district.example", Role::Teacher),
        ("rita@district.example", Role::Reviewer),
        ("rob@district.example", Role::Reviewer),
        ("tess@district.example", Role::Reviewer),
        ("vic@other.example", Role::Reviewer),
    ] {
        issuer.add_staff(email, None, role, &actor).await.unwrap();
    }
    let def = common::example_achievement("student-feedback-evidence.toml");
    let stored = issuer.add_achievement(&def, &actor).await.unwrap();
    // OB 3.0 §4: the rubric is the achievement's resultDescription.
    let descriptions = stored.achievement["resultDescription"].as_array().unwrap();
    assert_eq!(descriptions.len(), 3);
    assert_eq!(descriptions[0]["resultType"], "RubricCriterionLevel");
    assert_eq!(
        descriptions[0]["requiredLevel"],
        descriptions[0]["rubricCriterionLevel"][2]["id"]
    );

    // Refused before anything is stored: a file whose content is not what its name says, a
    // text over its word limit, a submission with no reviewer free of conflict.
    let tina = "tina@district.example";
    let mut fake = draft(None);
    fake.files = vec![("plan.pdf".into(), b"MZ\x90\x00 not a pdf".to_vec())];
    let refused = issuer.submit_evidence(tina, &fake, &actor).await;
    assert_eq!(refused.err().map(|e| e.code()), Some("artifact_refused"));
    let mut long = draft(None);
    long.answers
        .insert("overview".into(), "word ".repeat(301).trim().to_owned());
    let refused = issuer.submit_evidence(tina, &long, &actor).await;
    assert_eq!(refused.err().map(|e| e.code()), Some("invalid_input"));
    assert!(issuer
        .store()
        .submissions(&SubmissionFilter::default())
        .await
        .unwrap()
        .is_empty());

    // Attempt 1: two reviewers, neither the teacher.
    let first = issuer
        .submit_evidence(tina, &draft(None), &actor)
        .await
        .unwrap();
    assert_eq!((first.attempt, first.state.as_str()), (1, "in-review"));
    let again = issuer
        .submit_evidence(tina, &draft(Some("x")), &actor)
        .await;
    assert_eq!(again.err().map(|e| e.code()), Some("submission_closed"));
    let reviews = issuer.store().reviews(&first.id).await.unwrap();
    assert_eq!(reviews.len(), 2);
    let (r1, r2) = (
        reviews[0].reviewer_email.clone(),
        reviews[1].reviewer_email.clone(),
    );
    assert_ne!(r1, r2);

    // Who may see it: the teacher, the assigned reviewers (blind: no name, no other review),
    // staff who manage reviews; not another teacher, not an unassigned reviewer.
    let tina_c = caller(&issuer, tina).await;
    let view = issuer.submission_view(&tina_c, &first.id).await.unwrap();
    assert_eq!(view.artifacts.len(), 2);
    let (row, bytes) = issuer
        .evidence_file(&tina_c, &first.id, &view.artifacts[0].id)
        .await
        .unwrap();
    assert_eq!(
        (row.media_type.as_deref(), bytes.as_slice()),
        (Some("application/pdf"), PDF)
    );
    let r1_c = caller(&issuer, &r1).await;
    let blind = issuer.submission_view(&r1_c, &first.id).await.unwrap();
    assert_eq!(blind.submission.teacher_email, "");
    assert_eq!(blind.submission.teacher_name, None);
    assert_eq!(blind.reviews.len(), 1);
    for outsider in ["tom@district.example", "vic@other.example"] {
        let c = caller(&issuer, outsider).await;
        assert_eq!(
            issuer
                .submission_view(&c, &first.id)
                .await
                .err()
                .map(|e| e.code()),
            Some("submission_not_found"),
            "{outsider}"
        );
        assert_eq!(
            issuer
                .evidence_file(&c, &first.id, &view.artifacts[0].id)
                .await
                .err()
                .map(|e| e.code()),
            Some("submission_not_found")
        );
    }
    let ada_c = caller(&issuer, "ada@district.example").await;
    assert_eq!(
        issuer
            .submission_view(&ada_c, &first.id)
            .await
            .unwrap()
            .submission
            .teacher_email,
        tina
    );
    let log = issuer.audit_entries().await.unwrap();
    assert!(log.iter().any(|e| e.action == "evidence.download"));
    assert!(log.iter().any(|e| e.action == "evidence.view"));

    // A review is checked against the rubric; a reviewer reviews only their own review.
    let rev1 = open_review(&issuer, &r1, &first.id).await;
    let bad = issuer
        .submit_review(
            &r1,
            &rev1,
            &review(Recommendation::Earned, "developing"),
            &actor,
        )
        .await;
    assert_eq!(bad.err().map(|e| e.code()), Some("invalid_input"));
    let theirs = issuer
        .submit_review(
            &r2,
            &rev1,
            &review(Recommendation::Earned, "demonstrated"),
            &actor,
        )
        .await;
    assert_eq!(theirs.err().map(|e| e.code()), Some("submission_not_found"));

    // The two disagree: the tie-break opens with the third reviewer.
    issuer
        .submit_review(
            &r1,
            &rev1,
            &review(Recommendation::Earned, "demonstrated"),
            &actor,
        )
        .await
        .unwrap();
    let rev2 = open_review(&issuer, &r2, &first.id).await;
    let after = issuer
        .submit_review(
            &r2,
            &rev2,
            &review(Recommendation::NotYet, "developing"),
            &actor,
        )
        .await
        .unwrap();
    assert_eq!(after.state, "tie-break");
    let reviews = issuer.store().reviews(&first.id).await.unwrap();
    let third = reviews
        .iter()
        .find(|r| r.slot == Slot::TieBreak.name())
        .expect("tie-break");
    assert!(![tina, r1.as_str(), r2.as_str()].contains(&third.reviewer_email.as_str()));
    let r3 = third.reviewer_email.clone();
    let decided = issuer
        .submit_review(
            &r3,
            &third.id,
            &review(Recommendation::NotYet, "developing"),
            &actor,
        )
        .await
        .unwrap();
    assert_eq!(decided.state, "not-yet");
    assert!(decided.credential_id.is_none());
    // The teacher sees the feedback now, without the reviewers' names.
    let view = issuer.submission_view(&tina_c, &first.id).await.unwrap();
    assert_eq!(view.reviews.len(), 3);
    assert!(view.reviews.iter().all(|r| r.reviewer_email.is_empty()));

    // Pre-approval for pay, asked before the award: once, decided once.
    let asked = issuer
        .request_preapproval(
            tina,
            Some("Tina Teacher"),
            &stored.slug,
            "salary-step",
            "BA+15 lane",
            &actor,
        )
        .await
        .unwrap();
    let again = issuer
        .request_preapproval(tina, None, &stored.slug, "ce-hours", "15 hours", &actor)
        .await;
    assert_eq!(again.err().map(|e| e.code()), Some("submission_closed"));
    let bad = issuer
        .request_preapproval(
            "tom@district.example",
            None,
            &stored.slug,
            "bonus",
            "x",
            &actor,
        )
        .await;
    assert_eq!(bad.err().map(|e| e.code()), Some("invalid_input"));
    issuer
        .decide_preapproval(&asked.id, true, Some("Counts for the lane"), &actor)
        .await
        .unwrap();
    let twice = issuer
        .decide_preapproval(&asked.id, false, None, &actor)
        .await;
    assert_eq!(twice.err().map(|e| e.code()), Some("submission_closed"));

    // Attempt 2 needs a note on what changed; both reviewers say "earned" at once.
    let no_note = issuer.submit_evidence(tina, &draft(None), &actor).await;
    assert_eq!(no_note.err().map(|e| e.code()), Some("invalid_input"));
    let second = issuer
        .submit_evidence(tina, &draft(Some("Added a second feedback cycle.")), &actor)
        .await
        .unwrap();
    assert_eq!(second.attempt, 2);
    let reviews = issuer.store().reviews(&second.id).await.unwrap();
    let (a, b) = (reviews[0].clone(), reviews[1].clone());
    let (ra, rb) = (
        review(Recommendation::Earned, "demonstrated"),
        review(Recommendation::Earned, "demonstrated"),
    );
    let (x, y) = tokio::join!(
        issuer.submit_review(&a.reviewer_email, &a.id, &ra, &actor),
        issuer.submit_review(&b.reviewer_email, &b.id, &rb, &actor),
    );
    x.unwrap();
    y.unwrap();
    let done = issuer
        .store()
        .submission(&second.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.state, "earned");
    let log = issuer.audit_entries().await.unwrap();
    let decisions: Vec<_> = log
        .iter()
        .filter(|e| e.action == "submission.decide" && e.subject.as_deref() == Some(&second.id))
        .collect();
    assert_eq!(decisions.len(), 1, "one decision");
    let cid = done.credential_id.clone().expect("issued");
    assert_eq!(
        issuer.award_submission(&second.id, &actor).await.unwrap(),
        cid,
        "awarded once"
    );

    // The credential: result[] per criterion naming the achievement's resultDescription,
    // evidence by digest only, the official schema, and it verifies.
    let credential = issuer.store().credential(&cid).await.unwrap().unwrap();
    let results = credential["credentialSubject"]["result"]
        .as_array()
        .unwrap();
    assert_eq!(results.len(), 3);
    let described: Vec<&Value> = credential["credentialSubject"]["achievement"]
        ["resultDescription"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &d["id"])
        .collect();
    for r in results {
        assert!(described.contains(&&r["resultDescription"]));
        assert!(r["achievedLevel"]
            .as_str()
            .unwrap()
            .ends_with("-level-demonstrated"));
    }
    let text = credential["evidence"].to_string();
    assert!(text.contains("unit-plan.pdf") && text.contains("SHA-256"));
    assert!(!text.contains("Grade 7 science"), "no answers in public");
    let errors = common::schema_errors(&common::ob_schema(), &credential);
    assert!(errors.is_empty(), "{errors:?}");
    let report = issuer.verify_stored(&cid, clock.now()).await.unwrap();
    assert_eq!(report.verdict, cairn_verifier::Verdict::Valid);

    // HR's payroll export: the award, pre-approved for the lane.
    let payroll = issuer.payroll().await.unwrap();
    assert_eq!(payroll.len(), 1);
    assert_eq!(payroll[0].credential_id, cid);
    assert_eq!(payroll[0].credits, Some(1.0));
    assert_eq!(
        payroll[0].preapproval.as_ref().map(|p| p.detail.as_str()),
        Some("BA+15 lane")
    );

    // The reports: two decided (attempt 1 not yet, attempt 2 earned), one disagreement of two
    // pairs, one tie-break.
    let report = issuer.evidence_report(Some(&stored.slug)).await.unwrap();
    assert_eq!(report.decided, 2);
    assert_eq!(report.pass_rate_by_attempt.get(&1), Some(&(1, 0)));
    assert_eq!(report.pass_rate_by_attempt.get(&2), Some(&(1, 1)));
    assert_eq!((report.paired, report.agreed, report.tie_breaks), (2, 1, 1));
    assert_eq!(report.reviewers.values().map(|l| l.done).sum::<usize>(), 5);

    // Conflicts: a declared one is never assigned, and refused by hand; so is the teacher.
    let tom = "tom@district.example";
    for r in ["rita@district.example", "rob@district.example"] {
        issuer
            .add_review_conflict(r, tom, Some("same school"), &actor)
            .await
            .unwrap();
    }
    let toms = issuer.submit_evidence(tom, &draft(None), &actor).await;
    assert_eq!(
        toms.err().map(|e| e.code()),
        Some("review_conflict"),
        "only tess is free"
    );
    issuer
        .add_staff("ray@district.example", None, Role::Reviewer, &actor)
        .await
        .unwrap();
    let mut plan = stored.definition.clone();
    plan["review"]["blind"] = serde_json::json!(false);
    plan["review"]["reviewers"] = serde_json::json!([
        "rita@district.example",
        "rob@district.example",
        "tess@district.example",
        "ray@district.example"
    ]);
    let def = cairn_issuer::AchievementDefinition::from_value(plan).unwrap();
    issuer
        .update_achievement(&stored.slug, &def, &actor)
        .await
        .unwrap();
    let toms = issuer
        .submit_evidence(tom, &draft(None), &actor)
        .await
        .unwrap();
    let assigned: Vec<String> = issuer
        .store()
        .reviews(&toms.id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.reviewer_email)
        .collect();
    assert!(assigned
        .iter()
        .all(|r| r == "tess@district.example" || r == "ray@district.example"));
    for (who, code) in [
        ("rita@district.example", "review_conflict"),
        (tom, "review_conflict"),
    ] {
        let refused = issuer
            .assign_reviewer(&toms.id, Slot::First, who, &actor)
            .await;
        assert_eq!(refused.err().map(|e| e.code()), Some(code), "{who}");
    }

    // Not blind: the teacher is named, but a reviewer sees another's review only after their own.
    let toms_reviews = issuer.store().reviews(&toms.id).await.unwrap();
    let (one, other) = (&toms_reviews[0], &toms_reviews[1]);
    issuer
        .submit_review(
            &one.reviewer_email,
            &one.id,
            &review(Recommendation::NotYet, "developing"),
            &actor,
        )
        .await
        .unwrap();
    let other_c = caller(&issuer, &other.reviewer_email).await;
    let seen = issuer.submission_view(&other_c, &toms.id).await.unwrap();
    assert_eq!(seen.submission.teacher_email, tom);
    assert_eq!(
        seen.reviews.len(),
        1,
        "only their own review before they submit"
    );
    let long = ReviewInput {
        overall: Some("x".repeat(100_001)),
        ..review(Recommendation::NotYet, "developing")
    };
    let refused = issuer
        .submit_review(&other.reviewer_email, &other.id, &long, &actor)
        .await;
    assert_eq!(refused.err().map(|e| e.code()), Some("invalid_input"));

    // Withdrawal deletes the files at once.
    let tom_c = caller(&issuer, tom).await;
    let file_id = issuer.store().artifacts(&toms.id).await.unwrap()[0]
        .id
        .clone();
    issuer.withdraw_submission(&tom_c, &toms.id).await.unwrap();
    assert_eq!(
        issuer
            .evidence_file(&tom_c, &toms.id, &file_id)
            .await
            .err()
            .map(|e| e.code()),
        Some("submission_not_found")
    );
    assert_eq!(
        issuer
            .withdraw_submission(&tom_c, &toms.id)
            .await
            .err()
            .map(|e| e.code()),
        Some("submission_closed")
    );

    // The same first attempt sent twice at once: one is stored, the other refused.
    let ursula = "ursula@district.example";
    let twice = draft(None);
    let (x, y) = tokio::join!(
        issuer.submit_evidence(ursula, &twice, &actor),
        issuer.submit_evidence(ursula, &twice, &actor),
    );
    let mut outcomes = [
        x.map(|_| "ok").unwrap_or_else(|e| e.code()),
        y.map(|_| "ok").unwrap_or_else(|e| e.code()),
    ];
    outcomes.sort_unstable();
    assert_eq!(outcomes, ["ok", "submission_closed"]);

    // Retention: files of decided submissions go after evidence.retention_days; digests stay.
    assert_eq!(issuer.purge_evidence(&actor).await.unwrap(), 0);
    clock.advance(Duration::days(366));
    assert_eq!(issuer.purge_evidence(&actor).await.unwrap(), 2);
    let files = issuer.store().artifacts(&first.id).await.unwrap();
    assert!(files[0].deleted_at.is_some() && files[0].sha256.is_some());
}

#[tokio::test]
async fn earning_by_evidence_on_sqlite() {
    earning_by_evidence(None).await;
}

#[tokio::test]
async fn earning_by_evidence_on_postgres() {
    let Some((url, schema)) = common::postgres_url().await else {
        return;
    };
    earning_by_evidence(Some(url)).await;
    common::drop_schema(&schema).await;
}

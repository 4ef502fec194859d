//! Library-level issuer tests: every issued credential validates against the official OB 3.0
//! JSON Schema, verifies, and is stored with its audit entry.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::PathBuf;

use cairn_issuer::{AchievementDefinition, Actor, IdentityKind, InitOptions, IssueRequest, Issuer};
use chrono::Utc;
mod common;

fn schema() -> jsonschema::Validator {
    common::ob_schema()
}

fn definition(file: &str) -> AchievementDefinition {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/achievements")
        .join(file);
    let text = std::fs::read_to_string(&path).expect("read");
    AchievementDefinition::parse(&text, path.extension().and_then(|e| e.to_str())).expect("valid")
}

#[tokio::test]
async fn issued_credentials_match_the_official_schema_and_verify() {
    let validator = schema();
    let actor = Actor("test".into());
    for (identity, url) in [
        (IdentityKind::DidKey, None),
        (
            IdentityKind::DidWeb("credentials.example.org".into()),
            Some("https://credentials.example.org".to_owned()),
        ),
    ] {
        let tmp = tempfile::tempdir().expect("tmp");
        let issuer = Issuer::init(
            &tmp.path().join("i"),
            InitOptions {
                name: "Example District".into(),
                url,
                identity,
                key: None,
                database_url: None,
            },
            &actor,
        )
        .await
        .expect("init");
        for file in ["formative-assessment.toml", "classroom-discourse.json"] {
            let def = definition(file);
            let achievement = issuer.add_achievement(&def, &actor).await.expect("add");
            let requests = [
                IssueRequest {
                    achievement: achievement.slug.clone(),
                    recipient_email: "t@example.org".into(),
                    ..Default::default()
                },
                IssueRequest {
                    achievement: achievement.id.clone(),
                    recipient_email: "t@example.org".into(),
                    recipient_did: Some("did:example:t".into()),
                    recipient_name: Some("Tess Teacher".into()),
                    evidence_urls: vec!["https://e.example/1".into(), "https://e.example/2".into()],
                    evidence_narrative: Some("Two observations".into()),
                    credits: Some(2.5),
                    valid_until: Some(Utc::now() + chrono::Duration::days(365)),
                    row_key: None,
                    without_status: false,
                    lease: None,
                    results: Vec::new(),
                    evidence: Vec::new(),
                },
            ];
            for req in &requests {
                let cred = issuer.issue(req, Utc::now(), &actor).await.expect("issue");
                let errors = common::schema_errors(&validator, &cred);
                assert!(errors.is_empty(), "{file}: {errors:?}\n{cred:#}");
                let id = cred["id"].as_str().expect("id");
                assert_eq!(
                    issuer.store().credential(id).await.expect("get"),
                    Some(cred.clone())
                );
            }
        }
        let lookup = cairn_issuer::recipient_lookup(" T@Example.org ");
        assert_eq!(
            issuer
                .store()
                .credentials_for_recipient(&lookup)
                .await
                .expect("search")
                .len(),
            4
        );
        let log = issuer.store().audit_log().await.expect("log");
        let actions: Vec<&str> = log.iter().map(|(_, _, a, _)| a.as_str()).collect();
        assert_eq!(
            actions.iter().filter(|a| **a == "credential.issue").count(),
            4
        );
        assert_eq!(actions[0], "issuer.init");
    }
}

/// With `status.purposes = ["revocation"]` the credential carries one `credentialStatus`
/// object, the form the OB 3.0 JSON Schema requires, and it validates completely.
#[tokio::test]
async fn single_status_purpose_matches_the_schema() {
    let validator = schema();
    let actor = Actor("test".into());
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("i");
    Issuer::init(
        &dir,
        InitOptions {
            name: "Example District".into(),
            url: Some("https://credentials.example.org".into()),
            identity: IdentityKind::DidKey,
            key: None,
            database_url: None,
        },
        &actor,
    )
    .await
    .expect("init");
    let config = dir.join("cairn.toml");
    let text = std::fs::read_to_string(&config).expect("read");
    std::fs::write(
        &config,
        format!("{text}\n[status]\npurposes = [\"revocation\"]\n"),
    )
    .expect("write");
    let issuer = Issuer::open(&config).await.expect("open");
    let a = issuer
        .add_achievement(&definition("formative-assessment.toml"), &actor)
        .await
        .expect("add");
    let cred = issuer
        .issue(
            &IssueRequest {
                achievement: a.slug,
                recipient_email: "t@example.org".into(),
                ..Default::default()
            },
            Utc::now(),
            &actor,
        )
        .await
        .expect("issue");
    assert_eq!(cred["credentialStatus"]["statusPurpose"], "revocation");
    let errors: Vec<String> = validator
        .iter_errors(&cred)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
}

/// The database, its WAL and shared-memory files and a new issuer folder are the owner's only,
/// as the keys are; a database left readable by others is tightened when it is opened.
#[tokio::test]
async fn the_database_and_a_new_issuer_folder_are_the_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("district");
    let issuer = common::did_key_issuer(&dir, "District", Some("https://d.example")).await;
    let actor = Actor("test".into());
    let def = common::example_achievement("classroom-discourse.json");
    issuer.add_achievement(&def, &actor).await.expect("add");
    let mode = |p: &std::path::Path| {
        std::fs::metadata(p)
            .map(|m| m.permissions().mode() & 0o777)
            .expect("metadata")
    };
    assert_eq!(mode(&dir), 0o700);
    for file in ["cairn.db", "cairn.db-wal", "cairn.db-shm"] {
        assert_eq!(mode(&dir.join(file)), 0o600, "{file}");
    }
    drop(issuer);
    let db = dir.join("cairn.db");
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let _reopened = Issuer::open(&dir.join("cairn.toml")).await.expect("open");
    assert_eq!(mode(&db), 0o600, "tightened on open");
}

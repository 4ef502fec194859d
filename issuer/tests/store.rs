//! The same storage suite against SQLite and PostgreSQL: issuing, finding and auditing through
//! the `Store` trait, append-only audit, duplicate refusal.
//!
//! PostgreSQL is used at `CAIRN_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`),
//! each run in a fresh schema. When no server answers the PostgreSQL half is skipped with a notice,
//! unless `CAIRN_REQUIRE_POSTGRES=1` (set by `.ci/run`), which makes it fail instead.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::{Path, PathBuf};

use cairn_issuer::{
    AchievementDefinition, Actor, Format, IdentityKind, InitOptions, IssueRequest, Issued, Issuer,
    JwtAlg,
};
use chrono::Utc;
use sqlx::Connection;

mod common;
use common::{drop_schema, postgres_url};

fn definition() -> AchievementDefinition {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/achievements/formative-assessment.toml");
    AchievementDefinition::parse(&std::fs::read_to_string(path).expect("read"), Some("toml"))
        .expect("def")
}

/// The suite, against the database at `url` (None: the embedded SQLite default).
async fn suite(dir: &Path, url: Option<String>, label: &str) {
    let actor = Actor(format!("test:{label}"));
    let issuer = Issuer::init(
        dir,
        InitOptions {
            name: "Store Suite District".into(),
            url: Some("https://credentials.store.example".into()),
            identity: IdentityKind::DidWeb("credentials.store.example".into()),
            key: None,
            database_url: url.clone(),
        },
        &actor,
    )
    .await
    .expect("init");
    let store = issuer.store();
    assert_eq!(store.public_keys().await.expect("keys").len(), 2, "{label}");

    let def = definition();
    let a = issuer.add_achievement(&def, &actor).await.expect("add");
    let dup = issuer
        .add_achievement(&def, &actor)
        .await
        .err()
        .map(|e| e.code());
    assert_eq!(dup, Some("achievement_exists"), "{label}");
    assert_eq!(
        store
            .achievement(&a.slug)
            .await
            .expect("by slug")
            .map(|x| x.id),
        Some(a.id.clone())
    );
    assert_eq!(
        store
            .achievement(&a.id)
            .await
            .expect("by id")
            .map(|x| x.slug),
        Some(a.slug.clone())
    );
    assert_eq!(store.achievements().await.expect("list").len(), 1);

    let req = |email: &str| IssueRequest {
        achievement: a.slug.clone(),
        recipient_email: email.into(),
        credits: Some(15.0),
        ..Default::default()
    };
    let one = issuer
        .issue(&req("a@store.example"), Utc::now(), &actor)
        .await
        .expect("issue");
    let jwt = issuer
        .issue_as(
            &req("A@Store.example"),
            Format::Jwt {
                alg: JwtAlg::Rs256,
                embed_proof: false,
            },
            Utc::now(),
            &actor,
        )
        .await
        .expect("issue jwt");
    let Issued::Jwt { jws, credential } = jwt else {
        panic!("not a JWT")
    };
    issuer
        .issue(&req("b@store.example"), Utc::now(), &actor)
        .await
        .expect("issue b");

    let id = one["id"].as_str().expect("id");
    assert_eq!(
        store.credential(id).await.expect("get"),
        Some(one.clone()),
        "{label}"
    );
    assert_eq!(store.credential_jws(id).await.expect("jws"), None);
    let jid = credential["id"].as_str().expect("id");
    assert_eq!(store.credential_jws(jid).await.expect("jws"), Some(jws));
    let found = store
        .credentials_for_recipient(&cairn_issuer::recipient_lookup("a@store.example"))
        .await
        .expect("search");
    assert_eq!(found, vec![id.to_owned(), jid.to_owned()], "{label}");
    assert_eq!(store.credential("urn:uuid:none").await.expect("get"), None);

    // Search with keyset pagination: three credentials for the achievement, two per page.
    let mut filter = cairn_issuer::CredentialFilter {
        achievement_id: Some(a.id.clone()),
        limit: 2,
        ..Default::default()
    };
    let page1 = store.search_credentials(&filter).await.expect("page 1");
    assert_eq!(page1.len(), 2, "{label}");
    let last = page1.last().expect("last");
    filter.after = Some((last.issued_at.clone(), last.id.clone()));
    let page2 = store.search_credentials(&filter).await.expect("page 2");
    assert_eq!(page2.len(), 1, "{label}");
    assert!(page1.iter().all(|p| p.id != page2[0].id));
    let future = cairn_issuer::CredentialFilter {
        issued_from: Some("2999-01-01T00:00:00Z".into()),
        limit: 10,
        ..Default::default()
    };
    assert!(store
        .search_credentials(&future)
        .await
        .expect("future")
        .is_empty());
    let mine = cairn_issuer::CredentialFilter {
        recipient_lookup: Some(cairn_issuer::recipient_lookup("b@store.example")),
        limit: 10,
        ..Default::default()
    };
    assert_eq!(
        store.search_credentials(&mine).await.expect("mine").len(),
        1
    );

    let log = store.audit_log().await.expect("log");
    let actions: Vec<&str> = log.iter().map(|(_, _, a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "issuer.init",
            "achievement.add",
            "credential.issue",
            "credential.issue",
            "credential.issue"
        ],
        "{label}"
    );
    assert!(log.iter().all(|(_, who, _, _)| who == &actor.0));

    // The audit log is append-only in the database itself.
    let db_url = url.unwrap_or_else(|| format!("sqlite:{}", dir.join("cairn.db").display()));
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&db_url)
        .await
        .expect("connect");
    assert!(
        sqlx::query("UPDATE audit_log SET action = 'x'")
            .execute(&mut conn)
            .await
            .is_err(),
        "{label}"
    );
    assert!(
        sqlx::query("DELETE FROM audit_log")
            .execute(&mut conn)
            .await
            .is_err(),
        "{label}"
    );
    assert_eq!(store.audit_log().await.expect("log").len(), 5);

    // Reopening finds everything.
    drop(issuer);
    let reopened = Issuer::open(&dir.join("cairn.toml")).await.expect("reopen");
    assert_eq!(
        reopened.store().credential(id).await.expect("get"),
        Some(one)
    );
}

#[tokio::test]
async fn sqlite_store() {
    let tmp = tempfile::tempdir().expect("tmp");
    suite(&tmp.path().join("i"), None, "sqlite").await;
}

#[tokio::test]
async fn postgres_store() {
    let Some((url, schema)) = postgres_url().await else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    suite(&tmp.path().join("i"), Some(url), "postgres").await;
    drop_schema(&schema).await;
}

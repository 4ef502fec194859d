//! The same storage suite against SQLite and PostgreSQL: issuing, finding and auditing through
//! the `Store` trait, append-only audit, duplicate refusal; status index allocation (random,
//! unique, new lists when one fills) and revocation, suspension and reinstatement.
//!
//! PostgreSQL is used at `CAIRN_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`),
//! each run in a fresh schema. When no server answers the PostgreSQL half is skipped with a notice,
//! unless `CAIRN_REQUIRE_POSTGRES=1` (set by `.ci/run`), which makes it fail instead.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::{Path, PathBuf};

use cairn_issuer::{
    AchievementDefinition, Actor, CredentialState, Format, IdentityKind, InitOptions, IssueRequest,
    Issued, Issuer, JwtAlg, StatusAction,
};
use cairn_verifier::Verdict;
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

    // Share codes: a credential keeps its first code; a code another credential holds is not
    // given out again.
    let at = "2026-03-01T00:00:00Z";
    assert_eq!(
        store.share_code(id, "aaaaaaaa", at).await.expect("code"),
        Some("aaaaaaaa".into()),
        "{label}"
    );
    assert_eq!(
        store.share_code(id, "bbbbbbbb", at).await.expect("code"),
        Some("aaaaaaaa".into()),
        "{label}"
    );
    assert_eq!(
        store
            .share_code("urn:uuid:other", "aaaaaaaa", at)
            .await
            .expect("code"),
        None,
        "{label}"
    );
    assert_eq!(
        store
            .credential_for_share_code("aaaaaaaa")
            .await
            .expect("get"),
        Some(id.to_owned())
    );
    assert_eq!(
        store
            .credential_for_share_code("cccccccc")
            .await
            .expect("get"),
        None
    );

    // Several credentials in one call: a row key repeated in the same call, or issued before,
    // stores nothing for that credential and does not undo the others.
    let doc = serde_json::json!({"id": "x"});
    let new = |id: &'static str, key: Option<&'static str>| cairn_issuer::NewCredential {
        id,
        achievement_id: &a.id,
        recipient_lookup: "lookup",
        recipient_did: None,
        document: &doc,
        valid_from: "2026-12-01T00:00:00Z",
        valid_until: None,
        issued_at: "2026-12-01T00:00:00Z",
        compact_jws: None,
        row_key: key,
        source_credential_id: None,
        lease: None,
    };
    let stored = store
        .insert_credentials(
            &[
                new("urn:m:1", Some("k1")),
                new("urn:m:2", Some("k1")),
                new("urn:m:3", None),
                new("urn:m:4", None),
            ],
            &actor,
        )
        .await
        .expect("insert many");
    assert_eq!(stored, [true, false, true, true], "{label}");
    let again = store
        .insert_credentials(
            &[new("urn:m:5", Some("k1")), new("urn:m:6", Some("k2"))],
            &actor,
        )
        .await
        .expect("insert again");
    assert_eq!(again, [false, true], "{label}");
    let found = store
        .credentials_for_rows(&["k1", "k2", "k3"])
        .await
        .expect("rows");
    assert_eq!(found.len(), 2, "{label}");
    assert_eq!(found["k1"], "urn:m:1");
    assert!(store.credential("urn:m:2").await.expect("get").is_none());
    let audited = store
        .audit_log()
        .await
        .expect("log")
        .iter()
        .filter(|(_, _, action, subject)| {
            action == "credential.issue"
                && subject.as_deref().is_some_and(|s| s.starts_with("urn:m:"))
        })
        .count();
    assert_eq!(audited, 4, "{label}: one audit entry per stored credential");

    // Reopening finds everything.
    drop(issuer);
    let reopened = Issuer::open(&dir.join("cairn.toml")).await.expect("reopen");
    assert_eq!(
        reopened.store().credential(id).await.expect("get"),
        Some(one)
    );
}

/// Status lists on the database at `url`: allocation, then every status change as a verifier
/// sees it in the re-published lists.
async fn status_suite(dir: &Path, url: Option<String>, label: &str) {
    let actor = Actor(format!("test:{label}"));
    let issuer = Issuer::init(
        dir,
        InitOptions {
            name: "Status District".into(),
            url: Some("https://credentials.status.example".into()),
            identity: IdentityKind::DidKey,
            key: None,
            database_url: url.clone(),
        },
        &actor,
    )
    .await
    .expect("init");
    let store = issuer.store();
    let base = "https://credentials.status.example/status";
    let at = "2026-12-01T00:00:00Z";

    // BSL v1.0 §6.1 (herd privacy): indexes are drawn at random, not handed out in order.
    let mut indexes = Vec::new();
    for i in 0..200 {
        let slot = store
            .allocate_status_indexes(
                base,
                &["revocation"],
                131_072,
                &[format!("urn:c:{i}").as_str()],
                at,
            )
            .await
            .expect("allocate")
            .remove(0)
            .remove(0);
        assert_eq!(slot.list_id, format!("{base}/revocation/1"), "{label}");
        indexes.push(slot.index);
    }
    let mut sorted = indexes.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), 200, "{label}: an index was handed out twice");
    assert_ne!(sorted, indexes, "{label}: indexes came in order");
    let ascending = indexes.windows(2).filter(|w| w[0] < w[1]).count();
    assert!(
        (50..150).contains(&ascending),
        "{label}: {ascending} of 199 steps ascend"
    );
    assert!(sorted[199] - sorted[0] > 100_000, "{label}: {sorted:?}");
    assert!(sorted.iter().all(|i| (0..131_072).contains(i)));

    // A full list is closed and the next one opened; no slot is ever given twice. (A purpose of
    // its own: tiny lists under "suspension" could take the issuer's next credential, whose
    // self-check would then refuse a list under 131,072 entries.)
    let mut slots = std::collections::HashSet::new();
    for i in 0..40 {
        let slot = store
            .allocate_status_indexes(
                base,
                &["rollover-test"],
                8,
                &[format!("urn:s:{i}").as_str()],
                at,
            )
            .await
            .expect("allocate")
            .remove(0)
            .remove(0);
        assert!((0..8).contains(&slot.index));
        assert!(
            slots.insert((slot.list_id, slot.index)),
            "{label}: slot reused"
        );
    }
    let lists: Vec<String> = slots.iter().map(|(l, _)| l.clone()).collect();
    assert!(
        lists.contains(&format!("{base}/rollover-test/5")),
        "{label}: {lists:?}"
    );

    // A whole batch in one call (as bulk issuance allocates): two purposes, every credential
    // its own slot, lists closed and opened within the batch.
    let ids: Vec<String> = (0..300).map(|i| format!("urn:batch:{i}")).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let batch = store
        .allocate_status_indexes(base, &["batch-a", "batch-b"], 64, &refs, at)
        .await
        .expect("allocate a batch");
    assert_eq!(batch.len(), 300, "{label}");
    let mut taken = std::collections::HashSet::new();
    for slots in &batch {
        assert_eq!(slots.len(), 2, "{label}: one slot per purpose");
        assert!(slots[0].list_id.starts_with(&format!("{base}/batch-a/")));
        assert!(slots[1].list_id.starts_with(&format!("{base}/batch-b/")));
        for slot in slots {
            assert!((0..64).contains(&slot.index));
            assert!(
                taken.insert((slot.list_id.clone(), slot.index)),
                "{label}: slot reused"
            );
        }
    }
    assert!(
        taken.iter().any(|(l, _)| l.ends_with("/batch-a/5")),
        "{label}: 300 credentials need at least five 64-entry lists"
    );

    // Through the issuer: revoke, suspend, reinstate, as a verifier sees them.
    let def = definition();
    issuer.add_achievement(&def, &actor).await.expect("add");
    let issue = || async {
        issuer
            .issue(
                &IssueRequest {
                    achievement: def.slug.clone(),
                    recipient_email: "t@status.example".into(),
                    ..Default::default()
                },
                Utc::now(),
                &actor,
            )
            .await
            .expect("issue")
    };
    let cred = issue().await;
    let id = cred["id"].as_str().expect("id").to_owned();
    let verify = |cred: serde_json::Value| {
        let issuer = &issuer;
        async move {
            let resolver = common::published_documents(issuer).await;
            let report = cairn_verifier::verify_credential(
                cred.as_object().expect("object"),
                &cairn_verifier::VerifyOptions::new(Utc::now()),
                &resolver,
            )
            .await;
            (report.verdict, report.failed_codes().join(","))
        }
    };
    assert_eq!(verify(cred.clone()).await, (Verdict::Valid, String::new()));
    let change = |action, reason| {
        let issuer = &issuer;
        let actor = &actor;
        let id = id.clone();
        async move { issuer.change_status(&id, action, reason, actor).await }
    };
    let suspended = change(StatusAction::Suspend, Some("under review"))
        .await
        .expect("suspend");
    assert_eq!(suspended.state, CredentialState::Suspended);
    assert_eq!(
        verify(cred.clone()).await,
        (Verdict::Invalid, "suspended".into())
    );
    let again = change(StatusAction::Suspend, None).await.expect("again");
    assert!(again.changed_lists.is_empty());
    change(StatusAction::Reinstate, None)
        .await
        .expect("reinstate");
    assert_eq!(verify(cred.clone()).await, (Verdict::Valid, String::new()));
    let secret_reason = "misconduct finding 2026-117";
    change(StatusAction::Revoke, Some(secret_reason))
        .await
        .expect("revoke");
    assert_eq!(
        verify(cred.clone()).await,
        (Verdict::Invalid, "revoked".into())
    );
    // Revoking twice is not an error; revocation is final.
    let twice = change(StatusAction::Revoke, None).await.expect("twice");
    assert_eq!(
        (twice.state, twice.changed_lists.len()),
        (CredentialState::Revoked, 0)
    );
    for action in [StatusAction::Reinstate, StatusAction::Suspend] {
        let err = change(action, None).await.err().map(|e| e.code());
        assert_eq!(err, Some("credential_revoked"), "{label}");
    }
    let unknown = issuer
        .change_status("urn:uuid:unknown", StatusAction::Revoke, None, &actor)
        .await
        .err()
        .map(|e| e.code());
    assert_eq!(unknown, Some("credential_not_found"));
    // The search shows the state; the reason is in the audit log and never in a public list.
    let hits = store
        .search_credentials(&cairn_issuer::CredentialFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .expect("search");
    assert_eq!(hits[0].status, "revoked");
    for list in store.status_lists().await.expect("lists") {
        let published = issuer
            .current_status_list(&list.id, Utc::now())
            .await
            .expect("list");
        assert!(!published.json.contains(secret_reason));
    }
    let db_url = url.unwrap_or_else(|| format!("sqlite:{}", dir.join("cairn.db").display()));
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(&db_url)
        .await
        .expect("connect");
    let details: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, detail_json FROM audit_log WHERE subject = $1 AND action LIKE 'credential.%' ORDER BY seq",
    )
    .bind(&id)
    .fetch_all(&mut conn)
    .await
    .expect("audit");
    let actions: Vec<&str> = details.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "credential.issue",
            "credential.suspend",
            "credential.suspend",
            "credential.reinstate",
            "credential.revoke",
            "credential.revoke"
        ],
        "{label}"
    );
    assert!(details[4].1.contains(secret_reason), "{label}");

    // A credential issued without status cannot be revoked publicly, and says so.
    let plain = issuer
        .issue(
            &IssueRequest {
                achievement: def.slug.clone(),
                recipient_email: "t@status.example".into(),
                without_status: true,
                ..Default::default()
            },
            Utc::now(),
            &actor,
        )
        .await
        .expect("issue");
    assert!(plain.get("credentialStatus").is_none());
    let err = issuer
        .change_status(
            plain["id"].as_str().expect("id"),
            StatusAction::Revoke,
            None,
            &actor,
        )
        .await
        .err()
        .map(|e| e.code());
    assert_eq!(err, Some("credential_has_no_status"));
}

/// Two pools (as two instances have) allocating at once from small lists, so that draws collide
/// and lists fill and roll over under contention: every slot is handed out once.
async fn concurrent_allocation(url: &str, label: &str) {
    use cairn_issuer::{SqlStore, StatusStore};
    let a = SqlStore::open(url, false).await.expect("open a");
    let b = SqlStore::open(url, false).await.expect("open b");
    let base = "https://credentials.race.example/status";
    let run = |store: SqlStore, who: &'static str| async move {
        let mut got = Vec::new();
        for i in 0..120 {
            let slot = store
                .allocate_status_indexes(
                    base,
                    &["race"],
                    16,
                    &[format!("urn:{who}:{i}").as_str()],
                    "2026-12-01T00:00:00Z",
                )
                .await
                .expect("allocate")
                .remove(0)
                .remove(0);
            got.push((slot.list_id, slot.index));
        }
        got
    };
    let (x, y) = tokio::join!(tokio::spawn(run(a, "a")), tokio::spawn(run(b, "b")));
    let all: Vec<_> = x.expect("a").into_iter().chain(y.expect("b")).collect();
    let unique: std::collections::HashSet<_> = all.iter().cloned().collect();
    assert_eq!(unique.len(), 240, "{label}: a slot was handed out twice");
    assert!(all.iter().all(|(_, i)| (0..16).contains(i)));
}

#[tokio::test]
async fn sqlite_store() {
    let tmp = tempfile::tempdir().expect("tmp");
    suite(&tmp.path().join("i"), None, "sqlite").await;
    status_suite(&tmp.path().join("s"), None, "sqlite").await;
    let db = format!("sqlite:{}", tmp.path().join("s/cairn.db").display());
    concurrent_allocation(&db, "sqlite").await;
}

#[tokio::test]
async fn postgres_store() {
    let Some((url, schema)) = postgres_url().await else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    suite(&tmp.path().join("i"), Some(url.clone()), "postgres").await;
    drop_schema(&schema).await;
    let Some((url, schema)) = postgres_url().await else {
        return;
    };
    status_suite(&tmp.path().join("s"), Some(url.clone()), "postgres").await;
    concurrent_allocation(&url, "postgres").await;
    drop_schema(&schema).await;
}

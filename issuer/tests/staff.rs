//! The console's people on SQLite and PostgreSQL: sessions that end when idle, at their absolute
//! limit, when signed out everywhere or when the person is removed; sessions seen by a second
//! instance on the same database; the last administrator kept; the permission table as callers
//! meet it; sign-in states used once and only by the browser that began them.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code.

mod common;

use std::sync::Arc;

use cairn_issuer::{
    csrf_matches, csrf_token, Actor, Caller, Clock, FixedClock, IdentityKind, InitOptions, Issuer,
    Permission, Role,
};
use chrono::{Duration, TimeZone, Utc};

async fn staff_sessions(database_url: Option<String>) {
    let dir = tempfile::tempdir().expect("tmp");
    let actor = Actor("test".into());
    let start = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
    let clock = Arc::new(FixedClock::new(start));
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
    let config = issuer.config().path.clone();

    let admin = issuer
        .add_staff(" Ada@District.example ", Some("Ada"), Role::Admin, &actor)
        .await
        .expect("admin");
    assert_eq!(admin.email, "ada@district.example");
    let auditor = issuer
        .add_staff("audrey@district.example", None, Role::Auditor, &actor)
        .await
        .expect("auditor");
    assert_eq!(
        issuer
            .add_staff("ADA@district.example", None, Role::Staff, &actor)
            .await
            .map_err(|e| e.code()),
        Err("staff_exists")
    );

    // A session is seen by another instance on the same database.
    let cookie = issuer.start_session(&admin, "oidc").await.expect("session");
    let other = Issuer::open(&config)
        .await
        .expect("open")
        .with_clock(clock.clone());
    let seen = other
        .signed_in(&cookie)
        .await
        .expect("read")
        .expect("signed in");
    assert_eq!(seen.member.email, "ada@district.example");
    assert_eq!(seen.csrf, csrf_token(&cookie));
    assert!(csrf_matches(&cookie, &seen.csrf));
    assert!(!csrf_matches(&cookie, &csrf_token("another cookie")));
    assert!(other
        .signed_in("not a session")
        .await
        .expect("read")
        .is_none());

    // The permission table as callers meet it.
    let admin_caller = Caller::Staff(seen.clone());
    assert!(Permission::ALL.iter().all(|p| admin_caller.may(*p)));
    let audrey = issuer
        .start_session(&auditor, "link")
        .await
        .expect("session");
    let audrey_caller = Caller::Staff(issuer.signed_in(&audrey).await.unwrap().unwrap());
    assert!(audrey_caller.may(Permission::ReadAudit));
    assert!(!audrey_caller.may(Permission::ChangeStatus));
    assert!(!audrey_caller.may(Permission::ManageTokens));

    // Idle: 29 minutes apart keeps it open (each use is recorded); 30 minutes idle ends it.
    for _ in 0..3 {
        clock.advance(Duration::minutes(29));
        assert!(
            issuer.signed_in(&cookie).await.unwrap().is_some(),
            "used within the idle time"
        );
    }
    clock.advance(Duration::minutes(30));
    assert!(
        issuer.signed_in(&cookie).await.unwrap().is_none(),
        "idle for 30 minutes"
    );
    assert!(issuer.signed_in(&audrey).await.unwrap().is_none());

    // Absolute: however busy, a session ends 12 hours after sign-in.
    let busy = issuer.start_session(&admin, "oidc").await.expect("session");
    for _ in 0..24 {
        clock.advance(Duration::minutes(29));
        assert!(issuer.signed_in(&busy).await.unwrap().is_some());
    }
    clock.advance(Duration::minutes(29));
    assert!(
        issuer.signed_in(&busy).await.unwrap().is_none(),
        "12 hours after sign-in"
    );

    // Signing out everywhere ends this person's sessions, not anyone else's.
    let a1 = issuer.start_session(&admin, "oidc").await.unwrap();
    let a2 = issuer.start_session(&admin, "link").await.unwrap();
    let au = issuer.start_session(&auditor, "oidc").await.unwrap();
    let signed = issuer.signed_in(&a1).await.unwrap().unwrap();
    assert_eq!(issuer.sign_out_everywhere(&signed).await.unwrap(), 2);
    assert!(issuer.signed_in(&a1).await.unwrap().is_none());
    assert!(issuer.signed_in(&a2).await.unwrap().is_none());
    assert!(issuer.signed_in(&au).await.unwrap().is_some());

    // The last administrator stays; a removed person's sessions end at once.
    let me = Actor("staff:ada@district.example".into());
    assert_eq!(
        issuer
            .remove_staff("ada@district.example", &me)
            .await
            .map_err(|e| e.code()),
        Err("last_administrator")
    );
    assert_eq!(
        issuer
            .set_staff_role("ada@district.example", Role::Staff, &me)
            .await
            .map_err(|e| e.code()),
        Err("last_administrator")
    );
    issuer
        .set_staff_role("audrey@district.example", Role::Admin, &me)
        .await
        .unwrap();
    issuer
        .remove_staff("audrey@district.example", &me)
        .await
        .unwrap();
    assert!(
        issuer.signed_in(&au).await.unwrap().is_none(),
        "removed: signed out"
    );
    assert_eq!(
        issuer
            .remove_staff("audrey@district.example", &me)
            .await
            .map_err(|e| e.code()),
        Err("staff_not_found")
    );
    let members = issuer.staff_members().await.unwrap();
    assert!(members
        .iter()
        .any(|m| m.email == "audrey@district.example" && m.removed_at.is_some()));

    // Every change is in the audit log with who made it.
    let log = issuer.audit_entries().await.unwrap();
    for action in [
        "staff.add",
        "staff.role",
        "staff.remove",
        "session.start",
        "session.end_all",
    ] {
        assert!(log.iter().any(|e| e.action == action), "{action} audited");
    }
    assert!(log
        .iter()
        .any(|e| e.action == "staff.remove" && e.actor == "staff:ada@district.example"));

    // A sign-in state is used once, and only by the browser that began it.
    let store = issuer.store();
    let at = cairn_issuer::rfc3339(clock.now());
    let until = cairn_issuer::rfc3339(clock.now() + Duration::minutes(10));
    store
        .insert_sign_in_flow("state-1", "browser-1", &at, &until)
        .await
        .unwrap();
    assert!(
        !store
            .use_sign_in_flow("state-1", "browser-2", &at)
            .await
            .unwrap(),
        "another browser"
    );
    assert!(
        !store
            .use_sign_in_flow("state-1", "browser-1", &at)
            .await
            .unwrap(),
        "used by that try"
    );
    store
        .insert_sign_in_flow("state-2", "browser-1", &at, &until)
        .await
        .unwrap();
    assert!(store
        .use_sign_in_flow("state-2", "browser-1", &at)
        .await
        .unwrap());
    assert!(
        !store
            .use_sign_in_flow("state-2", "browser-1", &at)
            .await
            .unwrap(),
        "replayed"
    );
    store
        .insert_sign_in_flow("state-3", "browser-1", &at, &at)
        .await
        .unwrap();
    assert!(
        !store
            .use_sign_in_flow("state-3", "browser-1", &at)
            .await
            .unwrap(),
        "expired"
    );
}

#[tokio::test]
async fn staff_sessions_on_sqlite() {
    staff_sessions(None).await;
}

#[tokio::test]
async fn staff_sessions_on_postgres() {
    let Some((url, schema)) = common::postgres_url().await else {
        return;
    };
    staff_sessions(Some(url)).await;
    common::drop_schema(&schema).await;
}

/// Settings changed at run time: checked, audited, in the profile credentials are signed with,
/// seen by another instance after a refresh, and cleared back to cairn.toml's values.
async fn settings_follow(database_url: Option<String>) {
    use cairn_issuer::{IssueRequest, SettingsChange};
    let dir = tempfile::tempdir().expect("tmp");
    let actor = Actor("staff:ada@district.example".into());
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
    .expect("init");
    let other = Issuer::open(&issuer.config().path).await.expect("open");
    let bad = SettingsChange {
        name: "District".into(),
        image: "http://logo.example/logo.png".into(),
        ..Default::default()
    };
    assert_eq!(
        issuer
            .change_settings(&bad, &actor)
            .await
            .map_err(|e| e.code()),
        Err("invalid_input"),
        "an image must be https"
    );
    let change = SettingsChange {
        name: "Springfield Public Schools".into(),
        email: "credentials@springfield.example".into(),
        homepage: "https://www.springfield.example".into(),
        ..Default::default()
    };
    issuer
        .change_settings(&change, &actor)
        .await
        .expect("change");
    assert_eq!(issuer.profile()["name"], "Springfield Public Schools");
    assert_eq!(issuer.profile()["url"], "https://www.springfield.example");
    let def = common::example_achievement("classroom-discourse.json");
    issuer.add_achievement(&def, &actor).await.expect("add");
    let request = IssueRequest {
        achievement: "classroom-discourse".into(),
        recipient_email: "t@district.example".into(),
        ..Default::default()
    };
    let issued = issuer
        .issue(&request, issuer.now(), &actor)
        .await
        .expect("issue");
    assert_eq!(issued["issuer"]["name"], "Springfield Public Schools");
    assert!(issued["id"]
        .as_str()
        .unwrap()
        .starts_with("https://credentials.district.example/"));
    assert_eq!(other.settings().name, "District", "not yet refreshed");
    other.refresh_settings().await.unwrap();
    assert_eq!(other.settings().name, "Springfield Public Schools");
    issuer
        .change_settings(&SettingsChange::default(), &actor)
        .await
        .unwrap();
    assert_eq!(
        issuer.settings().name,
        "District",
        "empty restores cairn.toml's"
    );
    let log = issuer.audit_entries().await.unwrap();
    assert_eq!(
        log.iter().filter(|e| e.action == "settings.change").count(),
        2
    );
}

#[tokio::test]
async fn settings_on_sqlite() {
    settings_follow(None).await;
}

#[tokio::test]
async fn settings_on_postgres() {
    let Some((url, schema)) = common::postgres_url().await else {
        return;
    };
    settings_follow(Some(url)).await;
    common::drop_schema(&schema).await;
}

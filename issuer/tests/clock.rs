//! The issuer reads the time from the clock it is given: with a fixed clock, what it records
//! (tokens, achievements, audit entries, a key rotation) carries that time, and moves with it.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::sync::Arc;

use cairn_issuer::{Actor, FixedClock, Scope};
use chrono::{Duration, TimeZone, Utc};

mod common;

#[tokio::test]
async fn what_the_issuer_records_carries_its_clocks_time() {
    let dir = tempfile::tempdir().expect("tmp");
    let start = Utc.with_ymd_and_hms(2031, 3, 4, 5, 6, 7).unwrap();
    let clock = Arc::new(FixedClock::new(start));
    let issuer = common::did_key_issuer(&dir.path().join("i"), "District", None)
        .await
        .with_clock(clock.clone());
    assert_eq!(issuer.now(), start);
    let actor = Actor("test".into());

    let (token_id, _) = issuer
        .create_token("lms", &[Scope::Issue], &actor)
        .await
        .expect("token");
    let token = issuer
        .store()
        .token(&token_id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(token.created_at, "2031-03-04T05:06:07Z");

    let def = common::example_achievement("classroom-discourse.json");
    issuer.add_achievement(&def, &actor).await.expect("add");

    clock.advance(Duration::hours(1));
    issuer
        .revoke_token(&token_id, &actor)
        .await
        .expect("revoke");
    let token = issuer
        .store()
        .token(&token_id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(token.revoked_at.as_deref(), Some("2031-03-04T06:06:07Z"));

    // Every audit entry after the issuer was created is at the clock's time.
    let audit = issuer.store().audit_log().await.expect("audit");
    let at = |action: &str| {
        audit
            .iter()
            .find(|(_, _, a, _)| a == action)
            .map(|(at, _, _, _)| at.clone())
            .unwrap_or_else(|| panic!("no {action} in {audit:?}"))
    };
    assert_eq!(at("token.create"), "2031-03-04T05:06:07Z");
    assert_eq!(at("achievement.add"), "2031-03-04T05:06:07Z");
    assert_eq!(at("token.revoke"), "2031-03-04T06:06:07Z");
}

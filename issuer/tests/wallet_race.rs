//! The OpenID4VCI transaction-code limit under concurrency (OpenID4VCI 1.0 §6.1; the issuer
//! allows five wrong codes): many wrong codes sent at once compare at most five, and the right
//! code afterwards gets no token. Run against SQLite and PostgreSQL.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::collections::HashMap;
use std::sync::Arc;

use cairn_issuer::{Actor, IdentityKind, InitOptions, IssueRequest, Issuer};
use chrono::{TimeZone, Utc};

mod common;

/// The pre-authorized code inside an offer given by value.
fn pre_authorized_code(link: &str) -> String {
    let url = url::Url::parse(link).expect("offer link");
    let offer = url
        .query_pairs()
        .find(|(k, _)| k == "credential_offer")
        .map(|(_, v)| v.into_owned())
        .expect("by value");
    let offer: serde_json::Value = serde_json::from_str(&offer).expect("offer json");
    offer["grants"][cairn_issuer::PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
        .as_str()
        .expect("code")
        .to_owned()
}

async fn concurrent_wrong_codes_close_the_offer(database_url: Option<String>) {
    let dir = tempfile::tempdir().expect("tmp");
    let actor = Actor("test".into());
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
    let def = common::example_achievement("classroom-discourse.json");
    issuer.add_achievement(&def, &actor).await.expect("add");
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    let request = IssueRequest {
        achievement: "classroom-discourse".into(),
        recipient_email: "t@district.example".into(),
        ..Default::default()
    };
    let issued = issuer.issue(&request, now, &actor).await.expect("issue");
    let offer = issuer
        .create_claim(issued["id"].as_str().unwrap(), true, now, &actor)
        .await
        .expect("claim");
    let right = offer.tx_code.clone().expect("a tx_code");
    let code = pre_authorized_code(&offer.oid4vci_link_by_value);
    let form = |tx_code: &str| -> HashMap<String, String> {
        [
            ("grant_type", cairn_issuer::PRE_AUTHORIZED_GRANT),
            ("pre-authorized_code", code.as_str()),
            ("tx_code", tx_code),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
    };
    let issuer = Arc::new(issuer);
    let wrong: Vec<String> = (0..19)
        .map(|i| format!("9{i:0width$}", width = right.len() - 1))
        .filter(|c| *c != right)
        .collect();
    let tasks: Vec<_> = wrong
        .iter()
        .map(|c| {
            let issuer = issuer.clone();
            let form = form(c);
            tokio::spawn(async move { issuer.oid4vci_token(&form, now).await })
        })
        .collect();
    for task in tasks {
        let answer = task.await.expect("task");
        assert_eq!(
            answer.map(|_| ()).map_err(|e| e.code()),
            Err("invalid_grant")
        );
    }
    let compared = issuer
        .audit_entries()
        .await
        .expect("audit")
        .into_iter()
        .filter(|e| e.action == "claim.tx_code_wrong")
        .count();
    assert_eq!(compared, 5, "at most five wrong codes are ever compared");
    let after = issuer.oid4vci_token(&form(&right), now).await;
    assert_eq!(
        after.map(|_| ()).map_err(|e| e.code()),
        Err("invalid_grant"),
        "the right code after five wrong ones gets no token"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_wrong_tx_codes_close_the_offer_on_sqlite() {
    concurrent_wrong_codes_close_the_offer(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_wrong_tx_codes_close_the_offer_on_postgres() {
    let Some((url, schema)) = common::postgres_url().await else {
        return;
    };
    concurrent_wrong_codes_close_the_offer(Some(url)).await;
    common::drop_schema(&schema).await;
}

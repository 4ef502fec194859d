//! Two `cairn serve` processes on one PostgreSQL, issuing concurrently (some requests sharing an
//! Idempotency-Key across both): nothing is lost, nothing is issued twice, and no two
//! credentials get the same status index.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

mod common;

use std::process::Command;

use common::cairn_ok as cairn;

fn post(addr: &str, token: &str, key: &str, body: &str) -> u16 {
    common::post_credential(addr, token, key, body)
        .expect("an answer")
        .0
}

#[test]
fn two_instances_on_one_postgres_lose_and_duplicate_nothing() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let Some((url, schema)) = rt.block_on(common::postgres_url()) else {
        return;
    };
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("i");
    cairn(&[
        "init",
        dir.to_str().unwrap(),
        "--name",
        "Shared District",
        "--url",
        "https://credentials.shared.example",
        "--database-url",
        &url,
    ]);
    let config = dir.join("cairn.toml").to_str().unwrap().to_owned();
    let token = common::achievement_and_issue_token(&config);

    let (mut a, addr_a) = common::serve(&config, "127.0.0.1:0");
    let (mut b, addr_b) = common::serve(&config, "127.0.0.1:0");
    let per_thread = 8;
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let addr = if t % 2 == 0 { addr_a.clone() } else { addr_b.clone() };
            let token = token.clone();
            std::thread::spawn(move || {
                let mut codes = Vec::new();
                for i in 0..per_thread {
                    let body = format!(r#"{{"achievement":"classroom-discourse","recipientEmail":"t{t}-{i}@shared.example"}}"#);
                    codes.push(post(&addr, &token, &format!("k-{t}-{i}"), &body));
                }
                // Every thread, on both instances, sends the same request with the same key.
                let shared = r#"{"achievement":"classroom-discourse","recipientEmail":"shared@shared.example"}"#;
                codes.push(post(&addr, &token, "shared-key", shared));
                codes
            })
        })
        .collect();
    let codes: Vec<u16> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("thread"))
        .collect();
    assert!(codes.iter().all(|c| *c == 201 || *c == 409), "{codes:?}");
    assert!(
        codes.iter().filter(|c| **c == 201).count() > 4 * per_thread,
        "{codes:?}"
    );

    let _ = Command::new("kill")
        .args(["-TERM", &a.id().to_string(), &b.id().to_string()])
        .status();
    assert!(a.wait().expect("wait").success());
    assert!(b.wait().expect("wait").success());

    let issuer = rt
        .block_on(cairn_issuer::Issuer::open(&dir.join("cairn.toml")))
        .expect("open");
    let count = |email: &str| {
        rt.block_on(
            issuer
                .store()
                .credentials_for_recipient(&cairn_issuer::recipient_lookup(email)),
        )
        .expect("search")
        .len()
    };
    for t in 0..4 {
        for i in 0..per_thread {
            assert_eq!(count(&format!("t{t}-{i}@shared.example")), 1, "t{t}-{i}");
        }
    }
    assert_eq!(
        count("shared@shared.example"),
        1,
        "one credential for the shared key"
    );
    let issued = rt
        .block_on(issuer.store().audit_log())
        .expect("log")
        .iter()
        .filter(|e| e.2 == "credential.issue")
        .count();
    assert_eq!(issued, 4 * per_thread + 1);

    // Every credential names its own revocation and suspension index.
    let ids: Vec<String> = rt
        .block_on(issuer.store().audit_log())
        .expect("log")
        .into_iter()
        .filter(|e| e.2 == "credential.issue")
        .filter_map(|e| e.3)
        .collect();
    let mut slots = std::collections::HashSet::new();
    for id in &ids {
        let doc = rt
            .block_on(issuer.store().credential(id))
            .expect("get")
            .expect("stored");
        let entries = doc["credentialStatus"].as_array().expect("entries");
        assert_eq!(entries.len(), 2);
        for e in entries {
            let slot = e["id"].as_str().expect("entry id").to_owned();
            assert!(slots.insert(slot.clone()), "{slot} was given twice");
        }
        let rows = rt
            .block_on(issuer.store().status_entries(id))
            .expect("entries");
        assert_eq!(rows.len(), 2);
    }
    assert_eq!(slots.len(), 2 * ids.len());
    drop(issuer);
    rt.block_on(common::drop_schema(&schema));
}

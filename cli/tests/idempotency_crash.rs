//! `cairn serve` killed with SIGKILL while 60 issue requests with Idempotency-Keys are in flight:
//! no key stays stuck and no key yields two credentials. After a restart, once the dead requests'
//! leases run out, every retry is answered 201 (the first answer replayed, the stored credential
//! returned, or the request processed afresh) and each key has exactly one credential.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

mod common;

use std::sync::mpsc;
use std::time::Duration;

use common::cairn_ok as cairn;
use common::Server;

/// One issue request: (status, credential id or the answer) or None when the connection died.
fn post(addr: &str, token: &str, key: &str, body: &str) -> Option<(u16, Result<String, String>)> {
    let (status, body) = common::post_credential(addr, token, key, body)?;
    let id = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["credential"]["id"].as_str().map(str::to_owned))
        .ok_or(body);
    Some((status, id))
}

fn body(i: usize) -> String {
    format!(r#"{{"achievement":"classroom-discourse","recipientEmail":"t{i}@crash.example"}}"#)
}

#[test]
fn a_killed_server_leaves_no_key_stuck_and_no_credential_twice() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("i");
    cairn(&[
        "init",
        dir.to_str().unwrap(),
        "--name",
        "Crash District",
        "--url",
        "https://credentials.crash.example",
    ]);
    let config_path = dir.join("cairn.toml");
    let mut toml = std::fs::read_to_string(&config_path).expect("config");
    toml.push_str("\n[server]\nidempotency_lease_seconds = 2\n");
    std::fs::write(&config_path, toml).expect("write config");
    let config = config_path.to_str().unwrap().to_owned();
    let token = common::achievement_and_issue_token(&config);

    let (child, addr) = common::serve(&config, "127.0.0.1:0");
    let mut server = Server(child);
    let (answered, first_answer) = mpsc::channel();
    let threads: Vec<_> = (0..60)
        .map(|i| {
            let (addr, token, answered) = (addr.clone(), token.clone(), answered.clone());
            std::thread::spawn(move || {
                let got = post(&addr, &token, &format!("k-{i}"), &body(i));
                let _ = answered.send(());
                got
            })
        })
        .collect();
    // SIGKILL as soon as the first answer arrives: the others are in flight.
    first_answer
        .recv_timeout(Duration::from_secs(60))
        .expect("an answer");
    server.0.kill().expect("kill -9");
    server.0.wait().expect("reaped");
    let first: Vec<Option<(u16, Result<String, String>)>> = threads
        .into_iter()
        .map(|t| t.join().expect("thread"))
        .collect();
    let answered_before = first.iter().filter(|r| r.is_some()).count();
    eprintln!("{answered_before} of 60 were answered before the kill");

    let (child, addr) = common::serve(&config, "127.0.0.1:0");
    let mut server = Server(child);
    // The 2 s leases, kept to the second, have run out after 3.5 s.
    std::thread::sleep(Duration::from_millis(3500));
    for (i, before) in first.iter().enumerate() {
        let (status, id) = post(&addr, &token, &format!("k-{i}"), &body(i)).expect("answer");
        assert_eq!(status, 201, "key k-{i} after the restart: {id:?}");
        let id = id.expect("a credential");
        if let Some((201, Ok(earlier))) = before {
            assert_eq!(&id, earlier, "k-{i} answers with its first credential");
        }
    }
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status();
    server.0.wait().expect("wait");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let issuer = rt
        .block_on(cairn_issuer::Issuer::open(&config_path))
        .expect("open");
    for i in 0..60 {
        let lookup = cairn_issuer::recipient_lookup(&format!("t{i}@crash.example"));
        let ids = rt
            .block_on(issuer.store().credentials_for_recipient(&lookup))
            .expect("search");
        assert_eq!(ids.len(), 1, "key k-{i} yielded {} credentials", ids.len());
    }
}

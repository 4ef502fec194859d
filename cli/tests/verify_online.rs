//! `cairn-verify` fetching over the network as a receiving district runs it: the issuer's status
//! lists from a running `cairn serve` (plain http on loopback, allowed explicitly), before and
//! after a revocation; and the same fetch refused under the default policy.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

mod common;

use std::process::Command;

use common::{cairn_ok as cairn, cairn_verify_online, serve};

#[test]
fn cairn_verify_fetches_status_lists_and_sees_a_revocation() {
    // A free port first: the lists' URLs are under the issuer's base URL.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("i");
    cairn(&[
        "init",
        dir.to_str().unwrap(),
        "--name",
        "Online District",
        "--url",
        &base,
    ]);
    let config = dir.join("cairn.toml");
    let config = config.to_str().unwrap();
    let def = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/achievements/classroom-discourse.json");
    cairn(&[
        "achievement",
        "add",
        "--config",
        config,
        def.to_str().unwrap(),
    ]);
    let file = tmp.path().join("c.json");
    cairn(&[
        "issue",
        "--config",
        config,
        "--achievement",
        "classroom-discourse",
        "--recipient-email",
        "t@online.example",
        "--out",
        file.to_str().unwrap(),
    ]);
    let (mut child, _) = serve(config, &format!("127.0.0.1:{port}"));
    let path = file.to_str().unwrap();
    let run = |extra: &[&str]| {
        let out = cairn_verify_online(&[&["verify", path, "--json"], extra].concat(), None);
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
        let status: Vec<(String, String)> = report["checks"]
            .as_array()
            .expect("checks")
            .iter()
            .filter(|c| c["check"] == "status")
            .map(|c| {
                let code = c["code"].as_str().unwrap_or_default().to_owned();
                let reason = c["reason"].as_str().unwrap_or_default().to_owned();
                (code, reason)
            })
            .collect();
        (out.status.code().unwrap_or(-1), status)
    };
    let allowed = ["--allow-http", "--allow-host", "127.0.0.1"];

    // The default policy refuses plain http, and loopback even over http.
    let (code, status) = run(&[]);
    assert_eq!(code, 2);
    assert!(
        status
            .iter()
            .all(|(c, r)| c == "status_unavailable" && r == "https_required"),
        "{status:?}"
    );
    let (code, status) = run(&["--allow-http"]);
    assert_eq!(code, 2);
    assert!(
        status.iter().all(|(_, r)| r == "loopback_address"),
        "{status:?}"
    );

    let (code, status) = run(&allowed);
    assert_eq!(code, 0, "{status:?}");
    assert_eq!(status.len(), 2);

    let id: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
    cairn(&["revoke", "--config", config, id["id"].as_str().unwrap()]);
    let (code, status) = run(&allowed);
    assert_eq!(code, 1);
    assert!(status.iter().any(|(c, _)| c == "revoked"), "{status:?}");

    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(child.wait().expect("wait").success());
}

/// `cairn-verify serve` on a real socket: the VC-API answers 200 for a valid credential and 422
/// for a tampered one, then SIGTERM stops it cleanly.
#[test]
fn the_verifier_service_answers_on_a_socket() {
    use std::io::{BufRead, BufReader};
    // Built by the verifier's package (`cargo test --workspace`); found beside `cairn`.
    let _ = cairn_verify_online(&["--version"], None);
    let mut child = Command::new(common::bin("cairn-verify"))
        .args(["serve", "--bind", "127.0.0.1:0", "--offline"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("serve");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let addr = loop {
        let line = lines.next().expect("address").expect("line");
        if let Some(rest) = line.strip_prefix("cairn-verify serve: listening on http://") {
            break rest.trim().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors");
    for (file, want) in [
        ("valid/did-key.json", "200"),
        ("invalid/tampered-name.json", "422"),
    ] {
        let credential = std::fs::read_to_string(root.join(file)).expect("vector");
        let body = format!(r#"{{"verifiableCredential": {credential}}}"#);
        let out = Command::new("curl")
            .args([
                "-sS",
                "--max-time",
                "20",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
            ])
            .args([
                "-H",
                "Content-Type: application/json",
                "--data-binary",
                &body,
            ])
            .arg(format!("http://{addr}/credentials/verify"))
            .output()
            .expect("curl");
        assert_eq!(String::from_utf8_lossy(&out.stdout), want, "{file}");
    }
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(child.wait().expect("wait").success());
}

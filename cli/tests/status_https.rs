//! The W3C bitstring-status-list suite's path over a real HTTPS socket (VC-API contract): issue
//! through `POST /credentials/issue`, fetch the list from its https URL (ETag, 304), revoke
//! through the admin API, fetch again, and see the verifier refuse the set bit.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use cairn_verifier::{OfflineResolver, Verdict, VerifyOptions};
use serde_json::{json, Value};

use common::cairn_ok as cairn;

/// curl over https, trusting only `cert`; returns (status, headers, body).
fn curl(cert: &Path, args: &[&str]) -> (u16, String, String) {
    let out: Output = Command::new("curl")
        .args([
            "-sS",
            "--max-time",
            "20",
            "--cacert",
            cert.to_str().unwrap(),
        ])
        .args(["-D", "-", "-o", "-", "-w", "\n%{http_code}"])
        .args(args)
        .output()
        .expect("curl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (rest, code) = text.rsplit_once('\n').expect("code");
    let (headers, body) = rest.split_once("\r\n\r\n").unwrap_or((rest, ""));
    (
        code.trim().parse().expect("status"),
        headers.to_ascii_lowercase(),
        body.to_owned(),
    )
}

fn header<'a>(headers: &'a str, name: &str) -> Option<&'a str> {
    headers
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .map(str::trim)
}

#[test]
fn issue_fetch_over_https_revoke_and_refuse() {
    // A free port first: the lists' URLs are under the issuer's https base URL.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let base = format!("https://127.0.0.1:{port}");
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("i");
    let did = cairn(&[
        "init",
        dir.to_str().unwrap(),
        "--name",
        "Conformance District",
        "--url",
        &base,
        "--self-signed",
    ]);
    let config = dir.join("cairn.toml");
    let text = std::fs::read_to_string(&config).expect("config");
    // As for a local conformance run: the VC-API issue endpoint without a token.
    std::fs::write(
        &config,
        format!("{text}\n[server]\nvc_api_requires_token = false\n"),
    )
    .expect("config");
    let config = config.to_str().unwrap();
    let token = cairn(&[
        "token",
        "create",
        "--config",
        config,
        "--scope",
        "revoke",
        "--name",
        "registrar",
    ]);
    let cert = dir.join("tls/cert.pem");
    let key = dir.join("tls/key.pem");
    let mut child = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args([
            "serve",
            "--config",
            config,
            "--bind",
            &format!("127.0.0.1:{port}"),
        ])
        .args([
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ])
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    loop {
        let line = lines.next().expect("address").expect("line");
        if line.starts_with("cairn serve: listening on https://") {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});

    let credential = json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": "urn:uuid:3b0c1b0e-5a7d-4c55-9d41-2f6a0f0c0001",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Conformance badge",
        "issuer": {"id": did, "type": ["Profile"], "name": "Conformance District"},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:teacher",
            "type": ["AchievementSubject"],
            "achievement": {"id": "urn:uuid:3b0c1b0e-5a7d-4c55-9d41-2f6a0f0c0002", "type": ["Achievement"],
                "name": "Conformance", "description": "d", "criteria": {"narrative": "n"}}
        }
    });
    let (status, _, body) = curl(
        &cert,
        &[
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
            "--data-binary",
            &json!({"credential": credential, "options": {}}).to_string(),
            &format!("{base}/credentials/issue"),
        ],
    );
    assert_eq!(status, 201, "{body}");
    let issued: Value = serde_json::from_str(&body).expect("json");
    let vc = issued["verifiableCredential"].clone();
    let entries = vc["credentialStatus"].as_array().expect("status entries");
    assert_eq!(entries.len(), 2);

    let fetch_all = |etag_check: bool| {
        let mut resolver = OfflineResolver::new();
        for e in entries {
            let url = e["statusListCredential"].as_str().expect("url");
            assert!(url.starts_with(&base), "{url}");
            let (status, headers, list) = curl(&cert, &[url]);
            assert_eq!(status, 200, "{url}");
            assert!(header(&headers, "cache-control").is_some_and(|c| c.contains("max-age=")));
            let etag = header(&headers, "etag").expect("etag").to_owned();
            if etag_check {
                let (status, _, _) = curl(&cert, &["-H", &format!("If-None-Match: {etag}"), url]);
                assert_eq!(status, 304, "{url}");
            }
            resolver.insert(url, list);
        }
        resolver
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let verify = |resolver: &OfflineResolver| {
        rt.block_on(cairn_verifier::verify_credential(
            vc.as_object().expect("object"),
            &VerifyOptions::new(chrono::Utc::now()),
            resolver,
        ))
    };
    let report = verify(&fetch_all(true));
    assert_eq!(report.verdict, Verdict::Valid, "{report:#?}");

    // The real verifier fetches the lists itself over https: trusting the issuer's certificate
    // with --ca-cert (as a district trusts its own CA), and not otherwise.
    let vc_file = tmp.path().join("vc.json");
    std::fs::write(&vc_file, vc.to_string()).expect("write");
    let online = |extra: &[&str]| {
        let mut args = vec![
            "verify",
            vc_file.to_str().unwrap(),
            "--allow-host",
            "127.0.0.1",
        ];
        args.extend_from_slice(extra);
        common::cairn_verify_online(&args, None)
    };
    let cert_arg = cert.to_str().unwrap();
    let trusted = online(&["--ca-cert", cert_arg]);
    assert_eq!(
        trusted.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&trusted.stdout)
    );
    let untrusted = online(&[]);
    assert_eq!(
        untrusted.status.code(),
        Some(2),
        "an unknown certificate authority"
    );

    let (status, _, body) = curl(
        &cert,
        &[
            "-X",
            "POST",
            "-H",
            "Content-Type: application/json",
            "-H",
            &format!("Authorization: Bearer {token}"),
            "--data-binary",
            &json!({"credentialId": vc["id"], "reason": "conformance"}).to_string(),
            &format!("{base}/api/v1/credentials/revoke"),
        ],
    );
    assert_eq!(status, 200, "{body}");
    let report = verify(&fetch_all(false));
    assert_eq!(report.verdict, Verdict::Invalid);
    assert_eq!(report.failed_codes(), ["revoked"]);
    let revoked = online(&["--ca-cert", cert_arg]);
    assert_eq!(revoked.status.code(), Some(1), "revoked");

    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    assert!(child.wait().expect("wait").success());
}

//! End-to-end through the binaries: `cairn init` → `achievement add` → `issue` →
//! `cairn-verify verify`, for did:key and did:web issuers, plus tampering and bad input.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod common;
use common::cairn_verify;

fn cairn(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .output()
        .expect("run cairn")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `--doc URL=FILE` arguments serving every status list of the issuer at `config`, as
/// `cairn status-list` prints them (files in `out_dir`, named with `tag`).
fn status_docs(config: &str, out_dir: &Path, tag: &str) -> Vec<String> {
    let listing = ok(&cairn(&["status-list", "--config", config]));
    let mut args = Vec::new();
    for (i, line) in listing.lines().enumerate() {
        let url = line.split_whitespace().last().expect("url");
        let file = out_dir.join(format!("list-{tag}-{i}.json"));
        ok(&cairn(&[
            "status-list",
            "--config",
            config,
            url,
            "--out",
            file.to_str().expect("utf8"),
        ]));
        args.push("--doc".to_owned());
        args.push(format!("{url}={}", file.display()));
    }
    assert_eq!(
        args.len(),
        4,
        "a revocation and a suspension list: {listing}"
    );
    args
}

fn examples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/achievements")
}

fn issue_one(dir: &Path, extra: &[&str]) -> PathBuf {
    let config = dir.join("cairn.toml");
    let config = config.to_str().expect("utf8");
    let def = examples().join("formative-assessment.toml");
    ok(&cairn(&[
        "achievement",
        "add",
        "--config",
        config,
        def.to_str().expect("utf8"),
    ]));
    let listed = ok(&cairn(&["achievement", "list", "--config", config]));
    assert!(listed.contains("formative-assessment"), "{listed}");
    let out = dir.join("credential.json");
    let mut args = vec![
        "issue",
        "--config",
        config,
        "--achievement",
        "formative-assessment",
        "--recipient-email",
        "Teacher@Springfield.example",
        "--recipient-name",
        "Edna Krabappel",
        "--evidence",
        "https://portfolio.example/ek/unit",
        "--evidence-narrative",
        "Unit plan and reflection",
        "--credits",
        "15",
        "--valid-until",
        "2099-01-01T00:00:00Z",
        "--out",
        out.to_str().expect("utf8"),
    ];
    args.extend_from_slice(extra);
    ok(&cairn(&args));
    out
}

/// `cairn init DIR --name NAME EXTRA…` then `achievement add` of an example; returns the config.
fn setup(dir: &Path, name: &str, extra: &[&str], achievement: &str) -> String {
    let mut args = vec!["init", dir.to_str().expect("utf8"), "--name", name];
    args.extend_from_slice(extra);
    ok(&cairn(&args));
    let config = dir.join("cairn.toml").to_str().expect("utf8").to_owned();
    let def = examples().join(achievement);
    ok(&cairn(&[
        "achievement",
        "add",
        "--config",
        &config,
        def.to_str().expect("utf8"),
    ]));
    config
}

fn exit_code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

#[test]
fn did_key_round_trip_and_tampering() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("springfield");
    let id = ok(&cairn(&[
        "init",
        dir.to_str().expect("utf8"),
        "--name",
        "Springfield Public Schools",
    ]));
    assert!(id.trim().starts_with("did:key:z6Mk"), "{id}");
    let file = issue_one(&dir, &["--recipient-did", "did:example:teacher-1"]);
    let path = file.to_str().expect("utf8");

    let out = cairn_verify(&["verify", path], None);
    assert_eq!(
        exit_code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("VALID"));

    let json_out = cairn_verify(&["verify", path, "--json"], None);
    let report: Value = serde_json::from_slice(&json_out.stdout).expect("json report");
    assert_eq!(report["verdict"], "valid");
    assert_eq!(
        report["proof_forms"][0],
        "DataIntegrityProof/eddsa-rdfc-2022"
    );

    // The credential carries the email only as a salted hash, and the name as an identifier.
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(!text.to_lowercase().contains("teacher@springfield.example"));
    let cred: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(cred["credentialSubject"]["id"], "did:example:teacher-1");

    // Tamper: one signed field changed → invalid, exit 1.
    let tampered = text.replace("\"creditsEarned\": 15.0", "\"creditsEarned\": 150.0");
    assert_ne!(tampered, text);
    let out = cairn_verify(&["verify", "-"], Some(tampered.as_bytes()));
    assert_eq!(exit_code(&out), 1);
    assert!(String::from_utf8_lossy(&out.stdout).contains("bad_signature"));

    // Judged at a later instant, it has expired.
    let out = cairn_verify(&["verify", path, "--now", "2100-01-01T00:00:00Z"], None);
    assert_eq!(exit_code(&out), 1);
    assert!(String::from_utf8_lossy(&out.stdout).contains("expired"));

    // A second init into the same directory is refused.
    let again = cairn(&["init", dir.to_str().expect("utf8"), "--name", "X"]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already_initialised"));
}

#[test]
fn did_web_round_trip_with_offline_document() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("shelbyville");
    let id = ok(&cairn(&[
        "init",
        dir.to_str().expect("utf8"),
        "--name",
        "Shelbyville Schools",
        "--url",
        "https://credentials.shelbyville.example",
        "--did-web",
        "credentials.shelbyville.example",
    ]));
    assert_eq!(id.trim(), "did:web:credentials.shelbyville.example");
    let file = issue_one(&dir, &[]);
    let config = dir.join("cairn.toml");
    let doc = ok(&cairn(&[
        "did-document",
        "--config",
        config.to_str().expect("utf8"),
    ]));
    let doc_path = tmp.path().join("did.json");
    std::fs::write(&doc_path, doc).expect("write");
    let path = file.to_str().expect("utf8");

    // Without the DID document the key cannot be confirmed: indeterminate, exit 2.
    let out = cairn_verify(&["verify", path], None);
    assert_eq!(
        exit_code(&out),
        2,
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let doc_arg = format!(
        "https://credentials.shelbyville.example/.well-known/did.json={}",
        doc_path.display()
    );
    // The key is confirmed, but the status lists are not at hand: still could not check.
    let out = cairn_verify(&["verify", path, "--doc", &doc_arg], None);
    assert_eq!(exit_code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stdout).contains("status_unavailable"));
    let lists = status_docs(config.to_str().expect("utf8"), tmp.path(), "a");
    let mut args = vec!["verify", path, "--doc", &doc_arg];
    args.extend(lists.iter().map(String::as_str));
    let out = cairn_verify(&args, None);
    assert_eq!(
        exit_code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let cred: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
    assert!(cred["id"]
        .as_str()
        .expect("id")
        .starts_with("https://credentials.shelbyville.example/credentials/"));
    assert!(cred["credentialSubject"]["achievement"]["id"]
        .as_str()
        .expect("id")
        .ends_with("/achievements/formative-assessment"));
}

#[test]
fn bad_input_exits_3_with_a_clear_message() {
    let tmp = tempfile::tempdir().expect("tmp");
    let deep = format!("{}{}", "[".repeat(70), "]".repeat(70));
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"{not json".to_vec(), "invalid_json"),
        (b"[1, 2, 3]".to_vec(), "not_an_object"),
        (deep.into_bytes(), "too_deep"),
        (vec![b'{', 0xc3, 0x28, b'}'], "invalid_utf8"),
        (vec![b' '; 1024 * 1024 + 10], "input_too_large"),
        (b"".to_vec(), "empty_input"),
    ];
    for (i, (bytes, code)) in cases.into_iter().enumerate() {
        let file = tmp.path().join(format!("bad-{i}.json"));
        std::fs::write(&file, &bytes).expect("write");
        let out = cairn_verify(&["verify", file.to_str().expect("utf8")], None);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(exit_code(&out), 3, "{code}: {stderr}");
        assert!(stderr.contains(code), "{code}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        // Same through stdin.
        let out = cairn_verify(&["verify", "-"], Some(&bytes));
        assert_eq!(exit_code(&out), 3, "stdin {code}");
    }
    let missing = cairn_verify(&["verify", "/nonexistent/file.json"], None);
    assert_eq!(exit_code(&missing), 3);
    let usage = cairn_verify(&["verify"], None);
    assert_eq!(exit_code(&usage), 3);
    let bad_now = cairn_verify(&["verify", "-", "--now", "yesterday"], Some(b"{}"));
    assert_eq!(exit_code(&bad_now), 3);
}

#[test]
fn bad_issue_requests_change_nothing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("d");
    let config = setup(&dir, "D", &[], "classroom-discourse.json");
    let config = config.as_str();
    let def = examples().join("classroom-discourse.json");
    let dup = cairn(&[
        "achievement",
        "add",
        "--config",
        config,
        def.to_str().expect("utf8"),
    ]);
    assert!(String::from_utf8_lossy(&dup.stderr).contains("achievement_exists"));
    for (args, code) in [
        (
            vec!["--achievement", "nope", "--recipient-email", "a@b.org"],
            "achievement_not_found",
        ),
        (
            vec![
                "--achievement",
                "classroom-discourse",
                "--recipient-email",
                "not-an-email",
            ],
            "invalid_input",
        ),
        (
            vec![
                "--achievement",
                "classroom-discourse",
                "--recipient-email",
                "a@b.org",
                "--evidence",
                "javascript:alert(1)",
            ],
            "invalid_input",
        ),
    ] {
        let mut full = vec!["issue", "--config", config];
        full.extend(args);
        let out = cairn(&full);
        assert!(!out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(code),
            "{code}"
        );
    }
    // A key file others can read is refused.
    let key = dir.join("keys/key-1.ed25519.pem");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let out = cairn(&[
        "issue",
        "--config",
        config,
        "--achievement",
        "classroom-discourse",
        "--recipient-email",
        "a@b.org",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("key_file_permissions"));
}

#[test]
fn jwt_through_the_command_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("web");
    let config = setup(
        &dir,
        "Ogdenville Schools",
        &[
            "--url",
            "https://credentials.ogdenville.example",
            "--did-web",
            "credentials.ogdenville.example",
        ],
        "classroom-discourse.json",
    );
    let config = config.as_str();
    let token = ok(&cairn(&[
        "issue",
        "--config",
        config,
        "--achievement",
        "classroom-discourse",
        "--recipient-email",
        "t@ogdenville.example",
        "--format",
        "jwt",
    ]));
    let token = token.trim();
    assert_eq!(token.split('.').count(), 3);
    let doc = tmp.path().join("did.json");
    std::fs::write(&doc, ok(&cairn(&["did-document", "--config", config]))).expect("write");
    let doc_arg = format!(
        "https://credentials.ogdenville.example/.well-known/did.json={}",
        doc.display()
    );

    let lists = status_docs(config, tmp.path(), "jwt");
    let mut args = vec!["verify", "-", "--doc", &doc_arg, "--json"];
    args.extend(lists.iter().map(String::as_str));
    let out = cairn_verify(&args, Some(token.as_bytes()));
    assert_eq!(
        exit_code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(report["proof_forms"][0], "VC-JWT/RS256");

    // A changed signature character fails; an unreadable token is a usage error.
    let at = token.len() - 10;
    let swap = if &token[at..=at] == "A" { "B" } else { "A" };
    let bad = format!("{}{swap}{}", &token[..at], &token[at + 1..]);
    let out = cairn_verify(&["verify", "-", "--doc", &doc_arg], Some(bad.as_bytes()));
    assert_eq!(exit_code(&out), 1);
    let out = cairn_verify(&["verify", "-"], Some(b"eyJhbGciOiJub25lIn0.$$$.x"));
    assert_eq!(exit_code(&out), 3);
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid_base64url"));

    let jwks: Value =
        serde_json::from_str(&ok(&cairn(&["jwks", "--config", config]))).expect("jwks");
    assert_eq!(jwks["keys"].as_array().map(Vec::len), Some(2));
    let again = cairn(&["key", "add", "--config", config, "--type", "rsa"]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("key_exists"));

    // did:key issuers sign EdDSA by default; RS256 is refused with a reason.
    let kdir = tmp.path().join("key");
    let kconfig = setup(&kdir, "K", &[], "classroom-discourse.json");
    let kconfig = kconfig.as_str();
    let token = ok(&cairn(&[
        "issue",
        "--config",
        kconfig,
        "--achievement",
        "classroom-discourse",
        "--recipient-email",
        "t@k.example",
        "--format",
        "jwt",
    ]));
    let out = cairn_verify(&["verify", "-"], Some(token.trim().as_bytes()));
    assert_eq!(
        exit_code(&out),
        0,
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let rs = cairn(&[
        "issue",
        "--config",
        kconfig,
        "--achievement",
        "classroom-discourse",
        "--recipient-email",
        "t@k.example",
        "--format",
        "jwt",
        "--alg",
        "rs256",
    ]);
    assert!(String::from_utf8_lossy(&rs.stderr).contains("did:web"));
}

/// Revoke, suspend and reinstate through the CLI, each seen by `cairn-verify` in the re-published
/// lists; revocation is final, repeating it is not an error, an unknown id is.
#[test]
fn revocation_and_suspension_through_the_command_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("ogden");
    let config = setup(
        &dir,
        "Ogdenville Schools",
        &["--url", "https://credentials.ogdenville.example"],
        "classroom-discourse.json",
    );
    let config = config.as_str();
    let file = tmp.path().join("c.json");
    ok(&cairn(&[
        "issue",
        "--config",
        config,
        "--achievement",
        "classroom-discourse",
        "--recipient-email",
        "t@ogdenville.example",
        "--out",
        file.to_str().expect("utf8"),
    ]));
    let cred: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
    let id = cred["id"].as_str().expect("id").to_owned();
    let path = file.to_str().expect("utf8");
    let verify = |tag: &str| {
        let lists = status_docs(config, tmp.path(), tag);
        let mut args = vec!["verify", path];
        args.extend(lists.iter().map(String::as_str));
        let out = cairn_verify(&args, None);
        (
            exit_code(&out),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let status = |cmd: &str, extra: &[&str]| {
        let mut args = vec![cmd, "--config", config, id.as_str()];
        args.extend(extra);
        cairn(&args)
    };

    // Unreachable lists: could not check (exit 2), never "valid".
    let out = cairn_verify(&["verify", path], None);
    assert_eq!(exit_code(&out), 2);
    assert_eq!(verify("fresh").0, 0);

    let out = status("suspend", &["--reason", "under review"]);
    assert_eq!(ok(&out).trim(), format!("{id} suspended"));
    let (code, text) = verify("suspended");
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("(suspended)"), "{text}");

    ok(&status("reinstate", &[]));
    assert_eq!(verify("reinstated").0, 0);

    ok(&status("revoke", &["--reason", "issued in error"]));
    let (code, text) = verify("revoked");
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("(revoked)"), "{text}");
    // Revoking again is not an error; revocation is final.
    assert!(ok(&status("revoke", &[])).contains("revoked (unchanged)"));
    let out = status("reinstate", &[]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[credential_revoked]"));
    let out = cairn(&["revoke", "--config", config, "urn:uuid:no-such-credential"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[credential_not_found]"));
}

/// `--registry` and `--policy`: the summary names the registry, the issuer as it names it, and
/// what the credential counts for; strict policy fails an unknown issuer; a bad registry is a
/// usage error.
#[test]
fn trust_registry_lines_in_the_summary() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let credential = root.join("tests/vectors/valid/did-key.json");
    let credential = credential.to_str().expect("utf8");
    let registry = root.join("examples/trust-registry.json");
    let registry = registry.to_str().expect("utf8");
    let now = ["--now", "2026-06-01T12:00:00Z"];
    let args = [&["verify", credential, "--registry", registry][..], &now].concat();
    let out = cairn_verify(&args, None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(exit_code(&out), 0, "{text}");
    assert!(text.contains("trust:       RECOGNISED — Lakeside Consortium of Districts (version 2026-11) as Springfield Public Schools"), "{text}");
    assert!(
        text.contains(
            "counts for:  15 CE hours; salary step Lane B, +1 step; pathways: teacher-leader"
        ),
        "{text}"
    );

    let tmp = tempfile::tempdir().expect("tmp");
    let other = tmp.path().join("other.json");
    std::fs::write(&other, r#"{"type": "CairnTrustRegistry", "name": "Elsewhere", "publisher": {"id": "did:web:e.example", "name": "E"}, "version": "1", "entries": []}"#).expect("write");
    let other = other.to_str().expect("utf8");
    let standard = [&["verify", credential, "--registry", other][..], &now].concat();
    let out = cairn_verify(&standard, None);
    assert_eq!(exit_code(&out), 0);
    assert!(String::from_utf8_lossy(&out.stdout).contains("UNKNOWN ISSUER"));
    let strict = [&standard[..], &["--policy", "strict"]].concat();
    let out = cairn_verify(&strict, None);
    assert_eq!(exit_code(&out), 1);
    assert!(String::from_utf8_lossy(&out.stdout).contains("(unknown_issuer)"));

    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, r#"{"type": "CairnTrustRegistry"}"#).expect("write");
    let out = cairn_verify(
        &[
            "verify",
            credential,
            "--registry",
            bad.to_str().expect("utf8"),
        ],
        None,
    );
    assert_eq!(exit_code(&out), 3);
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[invalid_registry]"));
}

/// `cairn sign-registry`: a consortium's issuer signs its registry; `cairn-verify --registry`
/// verifies it before use and says so; a registry naming another publisher is not signed, and a
/// tampered signed registry is refused.
#[test]
fn signed_trust_registry_round_trip() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let tmp = tempfile::tempdir().expect("tmp");
    let config = setup(
        &tmp.path().join("lakeside"),
        "Lakeside Consortium Office",
        &[],
        "formative-assessment.toml",
    );
    let toml = std::fs::read_to_string(&config).expect("config");
    let did = toml
        .lines()
        .find_map(|l| l.strip_prefix("id = \""))
        .and_then(|l| l.strip_suffix('"'))
        .expect("issuer id")
        .to_owned();
    let example = std::fs::read_to_string(root.join("examples/trust-registry.json")).expect("read");
    let mut registry: serde_json::Value = serde_json::from_str(&example).expect("json");
    let unsigned = tmp.path().join("registry.json");
    std::fs::write(&unsigned, registry.to_string()).expect("write");
    let out = cairn(&[
        "sign-registry",
        "--config",
        &config,
        unsigned.to_str().expect("utf8"),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[invalid_input]"));

    registry["publisher"]["id"] = serde_json::json!(did);
    std::fs::write(&unsigned, registry.to_string()).expect("write");
    let signed = tmp.path().join("registry.signed.json");
    ok(&cairn(&[
        "sign-registry",
        "--config",
        &config,
        unsigned.to_str().expect("utf8"),
        "--out",
        signed.to_str().expect("utf8"),
    ]));
    let credential = root.join("tests/vectors/valid/did-key.json");
    let verify = |registry: &Path| {
        cairn_verify(
            &[
                "verify",
                credential.to_str().expect("utf8"),
                "--registry",
                registry.to_str().expect("utf8"),
                "--now",
                "2026-12-15T12:00:00Z",
            ],
            None,
        )
    };
    let out = verify(&signed);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(exit_code(&out), 0, "{text}");
    assert!(
        text.contains(&format!("registry signed by {did}, verified")),
        "{text}"
    );
    let tampered = tmp.path().join("registry.tampered.json");
    let forged = std::fs::read_to_string(&signed)
        .expect("read")
        .replace("Lane B", "Lane D");
    std::fs::write(&tampered, forged).expect("write");
    let out = verify(&tampered);
    assert_eq!(exit_code(&out), 3);
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[registry_not_verified]"));
}

/// `cairn bake`: the golden credential baked into the generated PNG and SVG and into a given
/// image verifies with `cairn-verify`; a second bake is refused unless `--replace`.
#[test]
fn bake_then_verify_the_image() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let tmp = tempfile::tempdir().expect("tmp");
    let json = root.join("tests/vectors/valid/did-key.json");
    let jwt = root.join("tests/vectors/valid/jwt-eddsa-did-key.jwt");
    let path = |name: &str| tmp.path().join(name).to_str().expect("utf8").to_owned();
    for (credential, out) in [
        (&json, "a.png"),
        (&json, "a.svg"),
        (&jwt, "b.png"),
        (&jwt, "b.svg"),
    ] {
        ok(&cairn(&[
            "bake",
            "--credential",
            credential.to_str().expect("utf8"),
            "--out",
            &path(out),
        ]));
        let check = cairn_verify(
            &["verify", &path(out), "--now", "2026-06-01T12:00:00Z"],
            None,
        );
        assert_eq!(
            exit_code(&check),
            0,
            "{out}: {}",
            String::from_utf8_lossy(&check.stdout)
        );
    }
    let again = [
        "bake",
        "--credential",
        jwt.to_str().expect("utf8"),
        "--image",
        &path("a.png"),
        "--out",
        &path("c.png"),
    ];
    let out = cairn(&again);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[already_baked]"));
    ok(&cairn(&[&again[..], &["--replace"]].concat()));
    let check = cairn_verify(
        &[
            "verify",
            &path("c.png"),
            "--now",
            "2026-06-01T12:00:00Z",
            "--json",
        ],
        None,
    );
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).expect("json");
    assert_eq!(report["proof_forms"][0], "VC-JWT/EdDSA");
    let out = cairn(&[
        "bake",
        "--credential",
        json.to_str().expect("utf8"),
        "--out",
        &path("x.gif"),
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[invalid_input]"));
}

#[test]
fn send_to_wallet_from_the_command_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("cap");
    let config = setup(
        &dir,
        "Capital City Schools",
        &["--url", "https://credentials.capital.example"],
        "classroom-discourse.json",
    );
    let file = tmp.path().join("c.json");
    ok(&cairn(&[
        "issue",
        "--config",
        &config,
        "--achievement",
        "classroom-discourse",
        "--recipient-email",
        "t@capital.example",
        "--out",
        file.to_str().expect("utf8"),
    ]));
    let cred: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
    let id = cred["id"].as_str().expect("id");

    // Printed for people: both QR codes, both links, the transaction code apart.
    let qr_dir = tmp.path().join("qr");
    let text = ok(&cairn(&[
        "offer",
        "--config",
        &config,
        id,
        "--tx-code",
        "--qr-dir",
        qr_dir.to_str().expect("utf8"),
    ]));
    assert!(text.contains("openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fcredentials.capital.example%2Foid4vci%2Foffers%2F"), "{text}");
    assert!(text.contains("https://lcw.app/request.html?request="));
    assert!(
        text.matches('█').count() > 100,
        "QR codes drawn in the terminal"
    );
    let code_line = text
        .lines()
        .find(|l| l.starts_with("Transaction code"))
        .expect("tx code line");
    assert!(code_line.trim_end().rsplit(' ').next().unwrap().len() == 6);
    for svg in ["oid4vci.svg", "lcw.svg"] {
        let body = std::fs::read_to_string(qr_dir.join(svg)).expect("svg");
        assert!(body.contains("<svg"));
    }

    // As JSON, and its state through claim-status.
    let json: Value =
        serde_json::from_str(&ok(&cairn(&["offer", "--config", &config, id, "--json"])))
            .expect("json");
    assert!(json.get("txCode").is_none());
    let session = json["sessionId"].as_str().expect("session");
    let state: Value =
        serde_json::from_str(&ok(&cairn(&["claim-status", "--config", &config, session])))
            .expect("state");
    assert_eq!(state["state"], "waiting");
    assert_eq!(state["credentialId"], id);

    // Unknown credentials and sessions are clear errors.
    let out = cairn(&["offer", "--config", &config, "urn:uuid:none"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[credential_not_found]"));
    let out = cairn(&["claim-status", "--config", &config, "claim-none"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("error[claim_not_found]"));
}

/// `cairn credentials list|show` and the status commands naming a credential by its page key.
#[test]
fn finding_credentials_through_the_command_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("cap");
    let config = setup(
        &dir,
        "Capital City Schools",
        &["--url", "https://credentials.capital.example"],
        "classroom-discourse.json",
    );
    let config = config.as_str();
    let mut ids = Vec::new();
    for email in ["a@capital.example", "b@capital.example"] {
        let file = tmp.path().join(format!("{email}.json"));
        ok(&cairn(&[
            "issue",
            "--config",
            config,
            "--achievement",
            "classroom-discourse",
            "--recipient-email",
            email,
            "--out",
            file.to_str().expect("utf8"),
        ]));
        let cred: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("json");
        ids.push(cred["id"].as_str().expect("id").to_owned());
    }
    let list = |extra: &[&str]| {
        let mut args = vec!["credentials", "list", "--config", config, "--json"];
        args.extend_from_slice(extra);
        ok(&cairn(&args))
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).expect("json line");
                v["id"].as_str().expect("id").to_owned()
            })
            .collect::<Vec<_>>()
    };
    // Oldest first; credentials issued in the same second come in id order.
    let all = list(&[]);
    let mut sorted = all.clone();
    sorted.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(sorted, want);
    assert_eq!(list(&["--recipient", "B@Capital.example"]), ids[1..]);
    assert_eq!(list(&["--limit", "1"]), all[..1]);
    assert_eq!(list(&["--achievement", "classroom-discourse"]), all);
    let table = ok(&cairn(&["credentials", "list", "--config", config]));
    assert!(
        table.contains(&ids[0]) && table.contains("active"),
        "{table}"
    );

    // The page key (the last part of the page link) names the credential everywhere.
    let key = ids[0].rsplit(['/', ':']).next().expect("key").to_owned();
    let shown = ok(&cairn(&["credentials", "show", "--config", config, &key]));
    assert!(
        shown.contains(&format!("id:          {}", ids[0])),
        "{shown}"
    );
    assert!(shown.contains("status:      active"), "{shown}");
    let revoked = ok(&cairn(&["revoke", "--config", config, &key]));
    assert_eq!(revoked.trim(), format!("{} revoked", ids[0]));
    let shown = ok(&cairn(&[
        "credentials",
        "show",
        "--config",
        config,
        &ids[0],
    ]));
    assert!(shown.contains("status:      revoked"), "{shown}");
    let document = ok(&cairn(&[
        "credentials",
        "show",
        "--config",
        config,
        &key,
        "--json",
    ]));
    let document: Value = serde_json::from_str(&document).expect("json");
    assert_eq!(document["id"], ids[0].as_str());
    let missing = cairn(&["credentials", "show", "--config", config, "no-such-key"]);
    assert!(String::from_utf8_lossy(&missing.stderr).contains("error[credential_not_found]"));
}

/// `cairn`'s exit codes tell the failures apart (docs/errors.md): 1 input, 2 usage, 3 not found,
/// 4 conflict, 5 the environment.
#[test]
fn exit_codes_tell_the_failures_apart() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("district");
    let config = setup(&dir, "District", &[], "formative-assessment.toml");
    let def = examples().join("formative-assessment.toml");
    let def = def.to_str().expect("utf8");
    let missing = tmp.path().join("nowhere/cairn.toml");
    let cases: [(&[&str], i32, &str); 6] = [
        (
            &[
                "issue",
                "--config",
                &config,
                "--achievement",
                "formative-assessment",
                "--recipient-email",
                "not-an-email",
            ],
            1,
            "invalid_input",
        ),
        (&["issue", "--no-such-flag"], 2, ""),
        (
            &[
                "revoke",
                "--config",
                &config,
                "https://nowhere.example/credentials/x",
            ],
            3,
            "credential_not_found",
        ),
        (
            &["achievement", "add", "--config", &config, def],
            4,
            "achievement_exists",
        ),
        (
            &["init", dir.to_str().expect("utf8"), "--name", "Again"],
            4,
            "already_initialised",
        ),
        (
            &[
                "achievement",
                "list",
                "--config",
                missing.to_str().expect("utf8"),
            ],
            5,
            "config_unreadable",
        ),
    ];
    for (args, exit, code) in cases {
        let out = cairn(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(exit_code(&out), exit, "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("error[{code}]")) || code.is_empty(),
            "{args:?}: {stderr}"
        );
    }
}

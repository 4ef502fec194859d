//! Shared by the command-line and service tests: the issuer core's test helpers
//! (`issuer/tests/common`), and running the `cairn` and `cairn-verify` binaries.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)] // Test code.

#[path = "../../../issuer/tests/common/mod.rs"]
mod core;
#[allow(unused_imports)] // Some test files use only the binaries.
pub use core::*;

/// Runs the `cairn` binary, which must succeed; its trimmed stdout.
pub fn cairn_ok(args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .output()
        .expect("run cairn");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

pub fn bin(name: &str) -> std::path::PathBuf {
    // Test binaries live in target/<profile>/deps; the CLIs one level up.
    let mut p = std::env::current_exe().expect("exe");
    p.pop();
    if p.ends_with("deps") {
        p.pop();
    }
    p.join(name)
}

/// `cairn-verify` with `--offline` added: tests never touch the network.
pub fn cairn_verify(args: &[&str], stdin: Option<&[u8]>) -> std::process::Output {
    cairn_verify_online(&[args, &["--offline"]].concat(), stdin)
}

/// `cairn-verify` as given (it fetches what it needs; tests point it only at loopback).
///
/// Cargo hands a test only its own package's binaries, so this one is found beside `cairn`:
/// `cargo test --workspace` builds it (the verifier's package has integration tests) before any
/// test runs. A test never runs cargo itself.
pub fn cairn_verify_online(args: &[&str], stdin: Option<&[u8]>) -> std::process::Output {
    use std::process::Command;
    let path = bin("cairn-verify");
    assert!(
        path.exists(),
        "{} is missing: these tests drive both binaries; run them with `cargo test --workspace`, \
         or `cargo build -p cairn-verify` first",
        path.display()
    );
    let mut cmd = Command::new(path);
    cmd.args(args);
    match stdin {
        None => cmd.output().expect("run cairn-verify"),
        Some(bytes) => {
            use std::io::Write;
            let mut child = cmd
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("spawn");
            let mut input = child.stdin.take().expect("stdin");
            let bytes = bytes.to_vec();
            let writer = std::thread::spawn(move || {
                let _ = input.write_all(&bytes);
            });
            let out = child.wait_with_output().expect("wait");
            let _ = writer.join();
            out
        }
    }
}

/// Starts `cairn serve` (plain http) on `bind`; the child and the address it listens on.
/// A `cairn serve` process that is killed when the test ends, also when it fails (a live server
/// would hold the test's output open).
pub struct Server(pub std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn serve(config: &str, bind: &str) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(["serve", "--config", config, "--bind", bind])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("serve");
    let mut lines = std::io::BufReader::new(child.stderr.take().expect("stderr")).lines();
    let addr = loop {
        let line = lines.next().expect("address").expect("line");
        if let Some(rest) = line.strip_prefix("cairn serve: listening on http://") {
            break rest.trim().to_owned();
        }
    };
    // Keep draining the logs so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, addr)
}

/// Adds the example achievement `classroom-discourse` to the issuer at `config` and creates a
/// token with the issue scope; its secret.
pub fn achievement_and_issue_token(config: &str) -> String {
    let def = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/achievements/classroom-discourse.json");
    cairn_ok(&[
        "achievement",
        "add",
        "--config",
        config,
        def.to_str().unwrap(),
    ]);
    cairn_ok(&[
        "token", "create", "--config", config, "--scope", "issue", "--name", "lms",
    ])
}

/// `POST /api/v1/credentials` with an `Idempotency-Key` over a plain socket: (status, body), or
/// None when the connection died.
pub fn post_credential(addr: &str, token: &str, key: &str, body: &str) -> Option<(u16, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).ok()?;
    let req = format!(
        "POST /api/v1/credentials HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nIdempotency-Key: {key}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut response = String::new();
    s.read_to_string(&mut response).ok()?;
    let status = response.split_whitespace().nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
    Some((status, body))
}

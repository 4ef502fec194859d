//! The issuer on PostgreSQL while the database server restarts: a PostgreSQL server of the test's
//! own (initdb on a free port) is stopped and started again while eight clients issue
//! credentials through `cairn serve` with Idempotency-Keys. While it is down, requests are
//! answered 503 problem+json `database_unavailable`; the service recovers by itself; every key
//! yields exactly one credential (nothing lost, nothing twice). The same for a batch of 400 rows
//! during which the server is stopped: the answer ends with an `error` line
//! `database_unavailable` instead of the summary, and sending the batch again issues the rows
//! not yet stored, and no row twice.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::cairn_ok as cairn;

/// A PostgreSQL server in a folder of the test's, stopped at once when the test ends.
struct Postgres {
    bin: PathBuf,
    data: PathBuf,
    port: u16,
    /// Who runs the server (PostgreSQL refuses to run as root).
    user: Option<&'static str>,
}

impl Postgres {
    /// initdb and start on a free port, or None when this machine has no PostgreSQL server
    /// binaries (the storage suite's rule: CAIRN_REQUIRE_POSTGRES makes that a failure).
    fn start_new(dir: &Path) -> Option<Self> {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .flatten()
            .map(|e| e.path().join("bin"))
            .filter(|b| b.join("pg_ctl").exists())
            .max()?;
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        let data = dir.join("pg");
        std::fs::create_dir_all(&data).expect("data folder");
        let user = root.then_some("postgres");
        if root {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
            let chown = Command::new("chown")
                .args(["postgres:postgres", data.to_str().unwrap()])
                .status()
                .expect("chown");
            assert!(chown.success());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let pg = Postgres {
            bin,
            data,
            port,
            user,
        };
        pg.run(
            "initdb",
            &[
                "-D",
                pg.data(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
            ],
        );
        pg.start();
        Some(pg)
    }

    fn data(&self) -> &str {
        self.data.to_str().unwrap()
    }

    /// A PostgreSQL tool, run as the server's user.
    fn command(&self, tool: &str) -> Command {
        let tool = self.bin.join(tool);
        match self.user {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.args(["-u", user, "--"]).arg(tool);
                c
            }
            None => Command::new(tool),
        }
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let out = self
            .command(tool)
            .args(args)
            .output()
            .expect("PostgreSQL tool");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.data()
        );
        let log = self.data.join("server.log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                self.data(),
                "-l",
                log.to_str().unwrap(),
                "-o",
                &options,
                "-w",
                "start",
            ],
        );
    }

    /// Stops the server as an operator's restart does: every connection is cut, every open
    /// transaction rolled back.
    fn stop(&self) {
        self.run("pg_ctl", &["-D", self.data(), "-m", "fast", "-w", "stop"]);
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args(["-D", self.data(), "-m", "immediate", "stop"])
            .output();
    }
}

const CLIENTS: usize = 8;
const PER_CLIENT: usize = 15;

fn email(client: usize, n: usize) -> String {
    format!("t{client}-{n}@restart.example")
}

/// Issues `PER_CLIENT` credentials, each retried with its key until it is issued; counts the
/// 503 answers. Every other answer is a failure of the test.
fn client(addr: &str, token: &str, client: usize, issued: &AtomicUsize, unavailable: &AtomicUsize) {
    for n in 0..PER_CLIENT {
        let key = format!("k-{client}-{n}");
        let body = format!(
            r#"{{"achievement":"classroom-discourse","recipientEmail":"{}"}}"#,
            email(client, n)
        );
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            assert!(Instant::now() < deadline, "{key} was never issued");
            match common::post_credential(addr, token, &key, &body) {
                Some((201, _)) => {
                    issued.fetch_add(1, Ordering::SeqCst);
                    break;
                }
                Some((503, answer)) => {
                    let problem: serde_json::Value =
                        serde_json::from_str(&answer).expect("problem json");
                    assert_eq!(problem["code"], "database_unavailable", "{answer}");
                    assert_eq!(problem["status"], 503, "{answer}");
                    unavailable.fetch_add(1, Ordering::SeqCst);
                }
                // The key's lease from a request the restart cut off runs out (2 s).
                Some((409, answer)) if answer.contains("idempotency_in_progress") => {}
                Some((status, answer)) => panic!("{key}: {status} {answer}"),
                None => panic!("{key}: the connection failed; the service must answer"),
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// A PostgreSQL server of the test's own, or None (the test is skipped) when this machine has no
/// PostgreSQL server binaries and CAIRN_REQUIRE_POSTGRES is not set.
fn postgres(dir: &Path) -> Option<Postgres> {
    let pg = Postgres::start_new(dir);
    if pg.is_none() {
        assert!(
            std::env::var_os("CAIRN_REQUIRE_POSTGRES").is_none(),
            "CAIRN_REQUIRE_POSTGRES is set but no PostgreSQL server binaries were found"
        );
        eprintln!("no PostgreSQL server binaries under /usr/lib/postgresql: skipped");
    }
    pg
}

/// An issuer on `pg` with the example achievement, `cairn serve` running: its config, an issue
/// token and the server (with its address). `extra` is appended to its cairn.toml.
fn issuer(dir: &Path, pg: &Postgres, extra: &str) -> (PathBuf, String, common::Server, String) {
    let dir = dir.join("issuer");
    cairn(&[
        "init",
        dir.to_str().unwrap(),
        "--name",
        "Restart District",
        "--url",
        "https://credentials.restart.example",
        "--database-url",
        &pg.url(),
    ]);
    let config_path = dir.join("cairn.toml");
    let mut toml = std::fs::read_to_string(&config_path).expect("config");
    toml.push_str(extra);
    std::fs::write(&config_path, toml).expect("write config");
    let config = config_path.to_str().unwrap().to_owned();
    let token = common::achievement_and_issue_token(&config);
    let (child, addr) = common::serve(&config, "127.0.0.1:0");
    (config_path, token, common::Server(child), addr)
}

/// Asserts that each recipient has exactly one credential in the issuer's store.
fn one_credential_each(config_path: &Path, emails: impl Iterator<Item = String>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let issuer = rt
        .block_on(cairn_issuer::Issuer::open(config_path))
        .expect("open");
    for email in emails {
        let lookup = cairn_issuer::recipient_lookup(&email);
        let ids = rt
            .block_on(issuer.store().credentials_for_recipient(&lookup))
            .expect("search");
        assert_eq!(ids.len(), 1, "{email} has {} credentials", ids.len());
    }
}

#[test]
fn a_database_restart_loses_nothing_and_issues_nothing_twice() {
    let tmp = tempfile::tempdir().expect("tmp");
    let Some(pg) = postgres(tmp.path()) else {
        return;
    };
    let (config_path, token, server, addr) = issuer(
        tmp.path(),
        &pg,
        "\n[server]\nidempotency_lease_seconds = 2\n",
    );

    let issued = Arc::new(AtomicUsize::new(0));
    let unavailable = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (addr, token) = (addr.clone(), token.clone());
            let (issued, unavailable) = (issued.clone(), unavailable.clone());
            std::thread::spawn(move || client(&addr, &token, c, &issued, &unavailable))
        })
        .collect();
    // Restart the database once the clients are issuing, and keep it down longer than a request
    // waits for a connection (10 s), so that requests are refused while it is down.
    while issued.load(Ordering::SeqCst) < CLIENTS * 2 {
        std::thread::sleep(Duration::from_millis(10));
    }
    pg.stop();
    let issued_at_stop = issued.load(Ordering::SeqCst);
    std::thread::sleep(Duration::from_secs(12));
    let refused_while_down = unavailable.load(Ordering::SeqCst);
    pg.start();
    for c in clients {
        c.join().expect("client");
    }
    eprintln!(
        "{issued_at_stop} issued before the stop; {refused_while_down} answers 503 while down, {} in all",
        unavailable.load(Ordering::SeqCst)
    );
    assert!(
        refused_while_down > 0,
        "no request was answered 503 while the database was down"
    );
    assert!(
        issued_at_stop < CLIENTS * PER_CLIENT,
        "the restart came too late"
    );
    assert_eq!(issued.load(Ordering::SeqCst), CLIENTS * PER_CLIENT);

    // Every key yielded exactly one credential.
    drop(server);
    one_credential_each(
        &config_path,
        (0..CLIENTS).flat_map(|c| (0..PER_CLIENT).map(move |n| email(c, n))),
    );
}

/// Every NDJSON object a batch answer streams (the HTTP chunk framing between them skipped),
/// handing each to `each` as it arrives.
fn batch(
    addr: &str,
    token: &str,
    body: &str,
    mut each: impl FnMut(&serde_json::Value),
) -> Vec<serde_json::Value> {
    use std::io::{BufRead, Write};
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    let req = format!(
        "POST /api/v1/credentials/batch HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).expect("send");
    let mut lines = Vec::new();
    for line in std::io::BufReader::new(s).lines() {
        let Ok(line) = line else { break };
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(line.trim()) {
            if v.is_object() {
                each(&v);
                lines.push(v);
            }
        }
    }
    lines
}

#[test]
fn a_database_restart_during_a_batch_loses_no_row_and_issues_none_twice() {
    const ROWS: usize = 400;
    let tmp = tempfile::tempdir().expect("tmp");
    let Some(pg) = postgres(tmp.path()) else {
        return;
    };
    let (config_path, token, server, addr) = issuer(tmp.path(), &pg, "");
    let email = |i: usize| format!("b{i}@restart.example");
    let rows: Vec<serde_json::Value> = (0..ROWS)
        .map(|i| {
            serde_json::json!({
                "achievement": "classroom-discourse",
                "recipientEmail": email(i),
                "rowKey": format!("row-{i}"),
            })
        })
        .collect();
    let body = serde_json::Value::Array(rows).to_string();

    // The first run: the database is stopped once 64 rows are stored, and started again after
    // the answer ends.
    let mut stopped = false;
    let first = batch(&addr, &token, &body, |line| {
        let issued = line["status"] == "issued";
        if issued && !stopped && line["line"].as_u64().is_some_and(|l| l >= 64) {
            pg.stop();
            stopped = true;
        }
    });
    assert!(
        stopped,
        "the batch ended before 64 rows were issued: {first:?}"
    );
    let last = first.last().expect("lines");
    assert_eq!(last["error"]["code"], "database_unavailable", "{last}");
    assert!(
        first.iter().all(|l| l.get("summary").is_none()),
        "{first:?}"
    );
    eprintln!(
        "first run: {} rows answered before the database went",
        first.len() - 1
    );
    std::thread::sleep(Duration::from_secs(1));
    pg.start();

    // The second run, unchanged: what was stored is reported, the rest is issued.
    let second = batch(&addr, &token, &body, |_| {});
    let rows: Vec<_> = second.iter().filter(|l| l.get("line").is_some()).collect();
    assert_eq!(rows.len(), ROWS, "{second:?}");
    for row in rows {
        assert!(
            row["status"] == "issued" || row["status"] == "already_issued",
            "{row}"
        );
    }
    drop(server);
    one_credential_each(&config_path, (0..ROWS).map(email));
}

//! Bulk issuance: bad rows reported while good rows are issued, re-runs that issue nothing twice,
//! wrong columns refused, and a run killed with SIGKILL halfway that resumes to exactly-once.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::{Path, PathBuf};
use std::process::Command;

fn cairn(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .output()
        .expect("run cairn")
}

fn setup(dir: &Path) -> String {
    assert!(
        cairn(&["init", dir.to_str().unwrap(), "--name", "Bulk District"])
            .status
            .success()
    );
    let config = dir.join("cairn.toml").to_str().unwrap().to_owned();
    let examples = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/achievements");
    for def in ["formative-assessment.toml", "classroom-discourse.json"] {
        let out = cairn(&[
            "achievement",
            "add",
            "--config",
            &config,
            examples.join(def).to_str().unwrap(),
        ]);
        assert!(out.status.success());
    }
    config
}

fn report(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(path).expect("report");
    r.records()
        .map(|x| x.expect("row").iter().map(str::to_owned).collect())
        .collect()
}

fn statuses(rows: &[Vec<String>]) -> Vec<String> {
    rows.iter().map(|r| r[2].clone()).collect()
}

#[test]
fn good_rows_are_issued_bad_rows_reported_and_reruns_issue_nothing_twice() {
    let tmp = tempfile::tempdir().expect("tmp");
    let config = setup(&tmp.path().join("i"));
    let roster = tmp.path().join("roster.csv");
    std::fs::write(
        &roster,
        "email,name,achievement,credits,row_key\n\
         a@d.example,Ann,formative-assessment,15,r1\n\
         not-an-email,Bob,formative-assessment,15,r2\n\
         c@d.example,Cy,no-such-achievement,15,r3\n\
         d@d.example,Di,classroom-discourse,ten,r4\n\
         e@d.example,Ed,classroom-discourse,10,r5\n\
         f@d.example,,formative-assessment,,\n",
    )
    .expect("write");
    let rep = tmp.path().join("report.csv");
    let out = cairn(&[
        "issue-bulk",
        "--config",
        &config,
        roster.to_str().unwrap(),
        "--report",
        rep.to_str().unwrap(),
    ]);
    assert!(
        !out.status.success(),
        "failed rows make the run exit non-zero"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("6 rows: 3 issued, 0 already issued, 3 failed"),
        "{stderr}"
    );
    let rows = report(&rep);
    assert_eq!(
        statuses(&rows),
        ["issued", "failed", "failed", "failed", "issued", "issued"]
    );
    assert_eq!(rows[1][4], "invalid_input");
    assert_eq!(rows[2][4], "achievement_not_found");
    assert!(rows[5][1].starts_with("auto:"), "a derived row key");

    // Re-run: nothing is issued twice.
    let out = cairn(&[
        "issue-bulk",
        "--config",
        &config,
        roster.to_str().unwrap(),
        "--report",
        rep.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("0 issued, 3 already issued, 3 failed"),
        "{stderr}"
    );
    let again = report(&rep);
    assert_eq!(
        again[0][3], rows[0][3],
        "the same credential id is reported"
    );
}

#[test]
fn wrong_columns_are_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let config = setup(&tmp.path().join("i"));
    for (content, needle) in [
        (
            "email,achievement,salary\na@d.example,formative-assessment,1\n",
            "unknown column",
        ),
        (
            "name,achievement\nAnn,formative-assessment\n",
            "email column is missing",
        ),
    ] {
        let roster = tmp.path().join("r.csv");
        std::fs::write(&roster, content).expect("write");
        let out = cairn(&["issue-bulk", "--config", &config, roster.to_str().unwrap()]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains(needle));
    }
}

#[test]
fn a_run_killed_halfway_resumes_to_exactly_once() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("i");
    let config = setup(&dir);
    let roster = tmp.path().join("roster.csv");
    let mut text = String::from("email,achievement,row_key\n");
    let total = 40;
    for i in 0..total {
        text.push_str(&format!("t{i}@d.example,formative-assessment,k{i}\n"));
    }
    std::fs::write(&roster, text).expect("write");
    let rep = tmp.path().join("report.csv");
    let mut child = Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args([
            "issue-bulk",
            "--config",
            &config,
            roster.to_str().unwrap(),
            "--report",
            rep.to_str().unwrap(),
            "--batch",
            "4",
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    // Wait until some rows are done, then kill -9.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let lines = std::fs::read_to_string(&rep)
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if lines > 5 || std::time::Instant::now() > deadline {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().expect("kill -9");
    child.wait().expect("wait");
    let partial = report(&rep).len();
    assert!(
        partial > 0 && partial < total,
        "killed after {partial} of {total} rows"
    );

    let out = cairn(&[
        "issue-bulk",
        "--config",
        &config,
        roster.to_str().unwrap(),
        "--report",
        rep.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = report(&rep);
    assert_eq!(rows.len(), total);
    assert!(rows
        .iter()
        .all(|r| r[2] == "issued" || r[2] == "already_issued"));
    let ids: std::collections::HashSet<&String> = rows.iter().map(|r| &r[3]).collect();
    assert_eq!(ids.len(), total, "every row has its own credential");

    // Exactly one credential per teacher in the database.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let issuer = rt
        .block_on(cairn_issuer::Issuer::open(&dir.join("cairn.toml")))
        .expect("open");
    for i in 0..total {
        let found = rt
            .block_on(
                issuer
                    .store()
                    .credentials_for_recipient(&cairn_issuer::recipient_lookup(&format!(
                        "t{i}@d.example"
                    ))),
            )
            .expect("search");
        assert_eq!(found.len(), 1, "row k{i}");
    }
}

//! Recipient notification against a local SMTP listener started by the test (127.0.0.1 only):
//! one email per issued credential with the page, LinkedIn and download links in plain text and
//! HTML (escaped), bulk issuance sending them all, and a refused recipient audited as failed
//! without undoing the issuance.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use cairn_issuer::{AchievementDefinition, Actor, IdentityKind, InitOptions, IssueRequest, Issuer};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// A minimal SMTP server: accepts everything, or refuses recipients when `refuse` is set;
/// collects (RCPT TO, DATA) of each message.
async fn smtp_listener(refuse: bool) -> (u16, Arc<Mutex<Vec<(String, String)>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let inbox: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let store = inbox.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                let _ = write.write_all(b"220 test.local ESMTP\r\n").await;
                let mut rcpt = String::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250-test.local\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("RCPT TO") {
                        rcpt = line[8..].trim().to_owned();
                        if refuse {
                            b"550 5.1.1 no such user\r\n"
                        } else {
                            b"250 OK\r\n"
                        }
                    } else if upper.starts_with("DATA") {
                        let _ = write.write_all(b"354 go ahead\r\n").await;
                        let mut data = String::new();
                        while let Ok(Some(l)) = lines.next_line().await {
                            if l == "." {
                                break;
                            }
                            data.push_str(&l);
                            data.push('\n');
                        }
                        store.lock().unwrap().push((rcpt.clone(), data));
                        b"250 queued\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = write.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 OK\r\n"
                    };
                    let _ = write.write_all(reply).await;
                }
            });
        }
    });
    (port, inbox)
}

async fn issuer_with_smtp(dir: &std::path::Path, port: u16) -> Issuer {
    let actor = Actor("test".into());
    let issuer = Issuer::init(
        dir,
        InitOptions {
            name: "Springfield <Public> Schools".into(),
            url: Some("https://credentials.springfield.example".into()),
            identity: IdentityKind::DidKey,
            key: None,
            database_url: None,
        },
        &actor,
    )
    .await
    .expect("init");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    for file in ["formative-assessment.toml", "classroom-discourse.json"] {
        let path = root.join("examples/achievements").join(file);
        let text = std::fs::read_to_string(&path).expect("read");
        let def = AchievementDefinition::parse(&text, path.extension().and_then(|e| e.to_str()))
            .expect("definition");
        issuer
            .add_achievement(&def, &actor)
            .await
            .expect("achievement");
    }
    drop(issuer);
    let config = dir.join("cairn.toml");
    let mut text = std::fs::read_to_string(&config).expect("config");
    text.push_str(&format!(
        "\n[smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\nfrom = \"Springfield Credentials <credentials@springfield.example>\"\n"
    ));
    std::fs::write(&config, text).expect("write");
    Issuer::open(&config).await.expect("open with smtp")
}

fn request(email: &str) -> IssueRequest {
    IssueRequest {
        achievement: "formative-assessment".into(),
        recipient_email: email.into(),
        recipient_name: Some("Edna <b>K</b>".into()),
        ..IssueRequest::default()
    }
}

/// The decoded body of a message (quoted-printable soft breaks joined).
fn unfold(data: &str) -> String {
    data.replace("=\n", "").replace("=3D", "=")
}

#[tokio::test]
async fn issuing_emails_the_recipient() {
    let (port, inbox) = smtp_listener(false).await;
    let tmp = tempfile::tempdir().expect("tmp");
    let issuer = issuer_with_smtp(&tmp.path().join("i"), port).await;
    let issued = issuer
        .issue(
            &request("edna@springfield.example"),
            chrono::Utc::now(),
            &Actor("test".into()),
        )
        .await
        .expect("issue");
    issuer.flush_notifications().await;
    let id = issued["id"].as_str().expect("id").to_owned();
    let key = id.rsplit('/').next().expect("key");
    let messages = inbox.lock().unwrap().clone();
    assert_eq!(messages.len(), 1);
    let (rcpt, data) = &messages[0];
    assert_eq!(rcpt, "<edna@springfield.example>");
    let body = unfold(data);
    assert!(
        body.contains("Subject: Your micro-credential: Formative Assessment in Practice"),
        "{body}"
    );
    assert!(body.contains("Content-Type: multipart/alternative"));
    assert!(body.contains("Content-Type: text/plain") && body.contains("Content-Type: text/html"));
    let page = format!("https://credentials.springfield.example/credentials/{key}");
    assert!(
        body.contains(&format!("View, verify and share it: {page}")),
        "{body}"
    );
    assert!(body.contains(&format!("{page}/badge.png")));
    assert!(body.contains("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME"));
    // The HTML part escapes what came from the request and the issuer's name.
    assert!(body.contains("Dear Edna &lt;b&gt;K&lt;/b&gt;,"), "{body}");
    assert!(body.contains("Springfield &lt;Public&gt; Schools has awarded you"));
    let log = issuer.store().audit_log().await.expect("log");
    assert!(log
        .iter()
        .any(|(_, actor, action, subject)| action == "notification.sent"
            && actor == "notifier"
            && subject.as_deref() == Some(id.as_str())));

    // Bulk issuance: one email per issued row, sent while the rows are issued.
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let roster = std::fs::File::open(root.join("examples/roster.csv")).expect("roster");
    let mut report = Vec::new();
    let summary = cairn_issuer::bulk::issue_roster(
        &issuer,
        roster,
        &mut report,
        &mut |_, _, _| {},
        &Actor("test".into()),
    )
    .await
    .expect("bulk");
    issuer.flush_notifications().await;
    let recipients: Vec<String> = inbox
        .lock()
        .unwrap()
        .iter()
        .skip(1)
        .map(|(r, _)| r.clone())
        .collect();
    assert_eq!(recipients.len(), summary.issued, "{recipients:?}");
    assert!(recipients.contains(&"<dewey@springfield.example>".to_owned()));
}

#[tokio::test]
async fn a_refused_email_is_audited_and_the_credential_stays_issued() {
    let (port, inbox) = smtp_listener(true).await;
    let tmp = tempfile::tempdir().expect("tmp");
    let issuer = issuer_with_smtp(&tmp.path().join("i"), port).await;
    let issued = issuer
        .issue(
            &request("nobody@springfield.example"),
            chrono::Utc::now(),
            &Actor("test".into()),
        )
        .await
        .expect("issue");
    issuer.flush_notifications().await;
    let id = issued["id"].as_str().expect("id");
    assert!(inbox.lock().unwrap().is_empty());
    assert!(issuer.store().credential(id).await.expect("get").is_some());
    let log = issuer.store().audit_log().await.expect("log");
    assert!(log
        .iter()
        .any(|(_, _, action, subject)| action == "notification.failed"
            && subject.as_deref() == Some(id)));
}

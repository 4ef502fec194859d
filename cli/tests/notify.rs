//! Recipient notification against a local SMTP listener started by the test (127.0.0.1 only):
//! one email per issued credential with the page, LinkedIn and download links in plain text and
//! HTML (escaped), bulk issuance sending them all, and a refused recipient audited as failed
//! without undoing the issuance.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

mod common;

use cairn_issuer::{AchievementDefinition, Actor, IssueRequest, Issuer};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

type Inbox = Arc<Mutex<Vec<(String, String)>>>;

/// How one SMTP session ended: done, or asked to switch to TLS.
enum Ended<S> {
    Done,
    StartTls(S),
}

/// SMTP commands on `stream` until QUIT (or STARTTLS, when offered): accepts everything, or
/// refuses recipients when `refuse` is set; collects (RCPT TO, DATA) of each message.
async fn commands<S>(stream: S, offer_tls: bool, refuse: bool, inbox: &Inbox) -> Ended<S>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut s = BufReader::new(stream);
    let mut rcpt = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if s.read_line(&mut line).await.unwrap_or(0) == 0 {
            return Ended::Done;
        }
        let upper = line.trim_end().to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
            if offer_tls {
                b"250-test.local\r\n250 STARTTLS\r\n"
            } else {
                b"250-test.local\r\n250 8BITMIME\r\n"
            }
        } else if upper == "STARTTLS" && offer_tls {
            let _ = s.get_mut().write_all(b"220 ready for TLS\r\n").await;
            return Ended::StartTls(s.into_inner());
        } else if upper.starts_with("RCPT TO") {
            rcpt = line.trim_end()[8..].trim().to_owned();
            if refuse {
                b"550 5.1.1 no such user\r\n"
            } else {
                b"250 OK\r\n"
            }
        } else if upper.starts_with("DATA") {
            let _ = s.get_mut().write_all(b"354 go ahead\r\n").await;
            let mut data = String::new();
            loop {
                let mut l = String::new();
                if s.read_line(&mut l).await.unwrap_or(0) == 0 || l.trim_end() == "." {
                    break;
                }
                data.push_str(l.trim_end_matches(['\r', '\n']));
                data.push('\n');
            }
            inbox.lock().unwrap().push((rcpt.clone(), data));
            b"250 queued\r\n"
        } else if upper.starts_with("QUIT") {
            let _ = s.get_mut().write_all(b"221 bye\r\n").await;
            return Ended::Done;
        } else {
            b"250 OK\r\n"
        };
        let _ = s.get_mut().write_all(reply).await;
    }
}

/// A minimal SMTP server on 127.0.0.1; with `tls`, it offers STARTTLS with that certificate.
async fn smtp_listener(
    refuse: bool,
    tls: Option<Arc<tokio_rustls::rustls::ServerConfig>>,
) -> (u16, Inbox) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let inbox: Inbox = Arc::default();
    let store = inbox.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let (store, tls) = (store.clone(), tls.clone());
            tokio::spawn(async move {
                let _ = stream.write_all(b"220 test.local ESMTP\r\n").await;
                if let Ended::StartTls(plain) =
                    commands(stream, tls.is_some(), refuse, &store).await
                {
                    let acceptor = tokio_rustls::TlsAcceptor::from(tls.expect("tls"));
                    if let Ok(secure) = acceptor.accept(plain).await {
                        commands(secure, false, refuse, &store).await;
                    }
                }
            });
        }
    });
    (port, inbox)
}

async fn issuer_with_smtp(dir: &std::path::Path, port: u16) -> Issuer {
    issuer_with(
        dir,
        &format!("host = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\n"),
    )
    .await
}

/// An issuer whose `[smtp]` section starts with `smtp` (the sender is added).
async fn issuer_with(dir: &std::path::Path, smtp: &str) -> Issuer {
    let actor = Actor("test".into());
    let issuer = common::did_key_issuer(
        dir,
        "Springfield <Public> Schools",
        Some("https://credentials.springfield.example"),
    )
    .await;
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
        "\n[smtp]\n{smtp}from = \"Springfield Credentials <credentials@springfield.example>\"\n"
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
    let (port, inbox) = smtp_listener(false, None).await;
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
    let shared = Arc::new(issuer);
    let summary = cairn_issuer::bulk::issue_roster(
        &shared,
        roster,
        &mut report,
        &mut |_, _, _| {},
        &Actor("test".into()),
        cairn_issuer::bulk::BATCH_ROWS,
    )
    .await
    .expect("bulk");
    shared.flush_notifications().await;
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
    let (port, inbox) = smtp_listener(true, None).await;
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

/// STARTTLS to a relay whose certificate comes from the district's own CA (`ca_file`): the email
/// is delivered over TLS; without the CA the relay's certificate is refused and the failure is
/// audited.
#[tokio::test]
async fn starttls_with_the_districts_ca() {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("cert");
    let chain = vec![cert.cert.der().clone()];
    let key = tokio_rustls::rustls::pki_types::PrivateKeyDer::Pkcs8(
        cert.signing_key.serialize_der().into(),
    );
    let server = tokio_rustls::rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server config");
    let (port, inbox) = smtp_listener(false, Some(Arc::new(server))).await;
    let tmp = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(tmp.path().join("i")).expect("dir");
    // (with the CA file, messages delivered)
    for (with_ca, delivered) in [(true, 1), (false, 0)] {
        let dir = tmp.path().join(format!("i-{with_ca}"));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("ca.pem"), cert.cert.pem()).expect("ca");
        let ca = if with_ca {
            format!("ca_file = \"{}\"\n", dir.join("ca.pem").display())
        } else {
            String::new()
        };
        let issuer = issuer_with(
            &dir.join("issuer"),
            &format!("host = \"localhost\"\nport = {port}\nsecurity = \"starttls\"\n{ca}"),
        )
        .await;
        let before = inbox.lock().unwrap().len();
        let issued = issuer
            .issue(
                &request("tls@springfield.example"),
                chrono::Utc::now(),
                &Actor("test".into()),
            )
            .await
            .expect("issue");
        issuer.flush_notifications().await;
        assert_eq!(
            inbox.lock().unwrap().len() - before,
            delivered,
            "with_ca = {with_ca}"
        );
        let action = if with_ca {
            "notification.sent"
        } else {
            "notification.failed"
        };
        let log = issuer.store().audit_log().await.expect("log");
        assert!(log
            .iter()
            .any(|(_, _, a, s)| a == action && s.as_deref() == issued["id"].as_str()));
    }
}

/// The first `https://…/claim/TOKEN` link in a message body.
fn claim_link(body: &str) -> String {
    let start = body.find("/claim/").expect("a claim link");
    let token: String = body[start + 7..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    format!("/claim/{token}")
}

async fn page(
    router: &axum::Router,
    method: &str,
    uri: &str,
    form: Option<&str>,
) -> (axum::http::StatusCode, axum::http::HeaderMap, String) {
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let mut req = axum::http::Request::builder().method(method).uri(uri);
    if form.is_some() {
        req = req.header("content-type", "application/x-www-form-urlencoded");
    }
    let req = req
        .body(axum::body::Body::from(form.unwrap_or("").to_owned()))
        .expect("request");
    let res = router.clone().oneshot(req).await.expect("response");
    let (status, headers) = (res.status(), res.headers().clone());
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    (
        status,
        headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

/// The recipient's way into a wallet: a one-time claim link in the award email (and on request
/// from the credential's page, only to the address it was awarded to). Opening the link shows a
/// button (a mail scanner's GET uses nothing up); pressing it shows the wallet codes, once.
#[tokio::test]
async fn the_recipient_gets_wallet_codes_through_a_mailed_one_time_link() {
    let (port, inbox) = smtp_listener(false, None).await;
    let tmp = tempfile::tempdir().expect("tmp");
    let issuer = Arc::new(issuer_with_smtp(&tmp.path().join("i"), port).await);
    let router = cairn_issuer_http::router(issuer.clone());
    let issued = issuer
        .issue(
            &request("edna@springfield.example"),
            chrono::Utc::now(),
            &Actor("test".into()),
        )
        .await
        .expect("issue");
    issuer.flush_notifications().await;
    let body = unfold(&inbox.lock().unwrap()[0].1);
    assert!(body.contains("Send it to your digital wallet"), "{body}");
    let link = claim_link(&body);

    for _ in 0..2 {
        let (status, headers, html) = page(&router, "GET", &link, None).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("Show the wallet codes"));
        assert_eq!(headers["cache-control"], "no-store");
    }
    let (status, headers, html) = page(&router, "POST", &link, Some("")).await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(headers["cache-control"], "no-store");
    assert!(headers["content-security-policy"]
        .to_str()
        .unwrap()
        .starts_with("default-src 'none'"));
    assert!(
        html.contains("href=\"https://lcw.app/request.html?request="),
        "{html}"
    );
    assert!(html.contains("data-link=\"vcapi\""));
    assert!(html.contains("href=\"openid-credential-offer://?credential_offer_uri="));
    assert_eq!(html.matches("<svg").count(), 2, "two QR codes");
    assert!(!html.contains("<?xml"));
    // The codes page names the credential, writes the expiry for people (the district's zone,
    // UTC by default) and leads to a page that says whether the wallet has collected it.
    let name = issued["credentialSubject"]["achievement"]["name"]
        .as_str()
        .unwrap();
    assert!(
        html.contains(&format!("For <strong>{name}</strong>")),
        "{html}"
    );
    let expires = html
        .split("<span data-expires>")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .expect("expiry");
    assert!(
        expires.ends_with(" UTC") && !expires.contains('Z'),
        "{expires}"
    );
    let check = html
        .split("href=\"/claim/sessions/")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("check link");
    let (status, _, received) =
        page(&router, "GET", &format!("/claim/sessions/{check}"), None).await;
    assert_eq!(status, 200);
    assert!(received.contains("Not received yet"), "{received}");
    assert_eq!(
        page(&router, "GET", "/claim/sessions/claim-nope", None)
            .await
            .0,
        404
    );
    let (status, _, html) = page(&router, "POST", &link, Some("")).await;
    assert_eq!(status, 410, "used once: {html}");
    assert!(html.contains("used or has expired"));
    // A used link leads back to the credential, to ask for a new one.
    let key = issued["id"].as_str().unwrap().rsplit('/').next().unwrap();
    assert!(
        html.contains(&format!("href=\"/credentials/{key}#wallet\"")),
        "{html}"
    );
    assert_eq!(page(&router, "GET", "/claim/forged", None).await.0, 410);

    // The page offers it again, mailing only the recipient's own address.
    let key = issued["id"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();
    let (_, _, html) = page(&router, "GET", &format!("/credentials/{key}"), None).await;
    assert!(
        html.contains(&format!("action=\"/credentials/{key}/wallet\"")),
        "{html}"
    );
    let ask = |email: &str| {
        format!(
            "email={}",
            url::form_urlencoded::byte_serialize(email.as_bytes()).collect::<String>()
        )
    };
    let before = inbox.lock().unwrap().len();
    let (status, _, wrong) = page(
        &router,
        "POST",
        &format!("/credentials/{key}/wallet"),
        Some(&ask("mallory@evil.example")),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _, right) = page(
        &router,
        "POST",
        &format!("/credentials/{key}/wallet"),
        Some(&ask(" Edna@Springfield.example ")),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(wrong, right, "the answer says nothing about the address");
    // Asked again at once: throttled.
    page(
        &router,
        "POST",
        &format!("/credentials/{key}/wallet"),
        Some(&ask("edna@springfield.example")),
    )
    .await;
    issuer.flush_notifications().await;
    let sent: Vec<(String, String)> = inbox.lock().unwrap()[before..].to_vec();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].0, "<Edna@Springfield.example>");
    let body = unfold(&sent[0].1);
    assert!(
        body.contains("Subject: Send your micro-credential to your wallet"),
        "{body}"
    );
    let (status, _, html) = page(&router, "POST", &claim_link(&body), Some("")).await;
    assert_eq!(status, 200, "{html}");
    let log = issuer.store().audit_log().await.expect("log");
    for action in [
        "claim.link_refused",
        "claim.link_mailed",
        "claim.link_throttled",
        "claim.offer",
    ] {
        assert!(log.iter().any(|(_, _, a, _)| a == action), "{action}");
    }
}

//! The signed verification record through the router: the page carries it with its reference
//! number and checked-at time in the district's zone; `POST /record` hands back only records this
//! service signed (JSON that the verifier verifies, or a PDF); a did:web identity's DID document.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code.

use super::tests::{multipart, send};
use super::*;

fn app(identity: Option<crate::record::Identity>) -> Router {
    let mut state = AppState::new(
        VerifyOptions::new(chrono::Utc::now()),
        Arc::new(cairn_verifier::OfflineResolver::new()),
        Some("2026-06-01T12:00:00Z".parse().expect("now")),
    );
    state.time_zone = cairn_render::time_zone("America/Chicago").expect("zone");
    state.identity = identity.map(Arc::new);
    router(Arc::new(state))
}

fn form(record: &str, format: &str) -> Vec<u8> {
    url::form_urlencoded::Serializer::new(String::new())
        .append_pair("record", record)
        .append_pair("format", format)
        .finish()
        .into_bytes()
}

const FORM: &str = "application/x-www-form-urlencoded";

#[tokio::test]
async fn the_page_gives_a_signed_record_that_verifies_later() {
    let dir = tempfile::tempdir().expect("tmp");
    let config = crate::record::init(
        dir.path(),
        "Shelbyville — HR",
        Some("hr.shelbyville.example"),
    )
    .expect("init");
    let app = app(Some(crate::record::Identity::load(&config).expect("load")));
    let credential = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/vectors/valid/did-key.json"),
    )
    .expect("vector");
    let (content_type, body) = multipart(&[("file", Some("c.json"), &credential)]);
    let (_, _, html) = send(&app, "POST", "/", &content_type, body).await;
    // 12:00 UTC is 07:00 in Chicago (CDT) on 1 June.
    assert!(
        html.contains(r#"<dd data-checked-at="2026-06-01T12:00:00Z">1 June 2026, 07:00 CDT</dd>"#),
        "{html}"
    );
    assert!(html.contains("<dd data-reference>CV-"), "{html}");
    let record = html
        .split(r#"name="record" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the record in the form");
    let record = record
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">");

    let (s, h, json) = send(&app, "POST", "/record", FORM, form(&record, "json")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(h[axum::http::header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"verification-record-CV-"));
    let signed: Value = serde_json::from_str(&json).expect("json");
    assert_eq!(signed["issuer"]["id"], "did:web:hr.shelbyville.example");
    assert_eq!(signed["credentialSubject"]["check"]["verdict"], "valid");
    // The DID document the service publishes is what verifies the record.
    let (s, _, did) = send(&app, "GET", "/.well-known/did.json", "", Vec::new()).await;
    assert_eq!(s, StatusCode::OK);
    let mut resolver = cairn_verifier::OfflineResolver::new();
    resolver.insert("https://hr.shelbyville.example/.well-known/did.json", did);
    let report = cairn_verifier::verify(
        json.as_bytes(),
        &VerifyOptions::new(chrono::Utc::now()),
        &resolver,
    )
    .await
    .expect("report");
    assert_eq!(report.verdict, Verdict::Valid, "{:?}", report.checks);

    let (s, h, pdf) = send(&app, "POST", "/record", FORM, form(&record, "pdf")).await;
    assert_eq!(
        (s, &h[axum::http::header::CONTENT_TYPE]),
        (
            StatusCode::OK,
            &"application/pdf"
                .parse::<axum::http::HeaderValue>()
                .unwrap()
        )
    );
    assert!(pdf.starts_with("%PDF-"));

    // Changed, or not ours: refused, nothing printed.
    let changed = record.replace("\"verdict\":\"valid\"", "\"verdict\":\"invalid\"");
    for (body, code) in [
        (form(&changed, "pdf"), "record_not_ours"),
        (
            form(
                &credential.iter().map(|&b| b as char).collect::<String>(),
                "pdf",
            ),
            "record_not_ours",
        ),
        (form(&record, "docx"), "invalid_input"),
        (b"format=pdf".to_vec(), "invalid_input"),
    ] {
        let (s, _, problem) = send(&app, "POST", "/record", FORM, body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            problem.contains(&format!("\"code\":\"{code}\"")),
            "{problem}"
        );
    }
}

#[tokio::test]
async fn without_an_identity_there_is_no_record_and_the_page_says_so() {
    let app = app(None);
    let (content_type, body) = multipart(&[("text", None, b"{}")]);
    let (_, _, html) = send(&app, "POST", "/", &content_type, body).await;
    assert!(!html.contains("name=\"record\""));
    let (s, _, problem) = send(&app, "POST", "/record", FORM, form("{}", "pdf")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(problem.contains("no_identity"));
    assert_eq!(
        send(&app, "GET", "/.well-known/did.json", "", Vec::new())
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}

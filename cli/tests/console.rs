//! The console's pages and the admin API are one use-case layer: on SQLite and PostgreSQL, what
//! one changes the other reads (a revocation made in the console is what the API lists, one made
//! through the API with the console's session is what the console shows, an achievement created
//! in the console is the API's), and a role refused in one is refused in the other.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code.

mod common;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use cairn_issuer::{
    csrf_token, Actor, IdentityKind, InitOptions, IssueRequest, Issuer, Role, Scope,
};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

struct Answer {
    status: StatusCode,
    location: Option<String>,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

async fn send(router: &axum::Router, req: Request<Body>) -> Answer {
    let res = router.clone().oneshot(req).await.expect("response");
    let status = res.status();
    let location = res
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    Answer {
        status,
        location,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn form(uri: &str, cookie: &str, fields: &[(&str, &str)]) -> Request<Body> {
    let body: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    Request::post(uri)
        .header(header::COOKIE, format!("cairn-session={cookie}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

fn page(uri: &str, cookie: &str) -> Request<Body> {
    Request::get(uri)
        .header(header::COOKIE, format!("cairn-session={cookie}"))
        .body(Body::empty())
        .unwrap()
}

fn api(
    method: &str,
    uri: &str,
    token: Option<&str>,
    cookie: Option<&str>,
    body: Option<Value>,
) -> Request<Body> {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    if let Some(c) = cookie {
        req = req
            .header(header::COOKIE, format!("cairn-session={c}"))
            .header("x-csrf-token", csrf_token(c));
    }
    match body {
        Some(b) => req
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(b.to_string())),
        None => req.body(Body::empty()),
    }
    .unwrap()
}

fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn console_and_api_agree(database_url: Option<String>) {
    let dir = tempfile::tempdir().expect("tmp");
    let actor = Actor("test".into());
    let issuer = Issuer::init(
        &dir.path().join("i"),
        InitOptions {
            name: "District".into(),
            url: Some("https://credentials.district.example".into()),
            identity: IdentityKind::DidKey,
            key: None,
            database_url,
        },
        &actor,
    )
    .await
    .expect("init");
    let def = common::example_achievement("classroom-discourse.json");
    issuer.add_achievement(&def, &actor).await.expect("add");
    let mut ids = Vec::new();
    for who in ["a", "b"] {
        let request = IssueRequest {
            achievement: "classroom-discourse".into(),
            recipient_email: format!("{who}@district.example"),
            recipient_name: Some(format!("Teacher {who}")),
            ..Default::default()
        };
        let issued = issuer
            .issue(&request, issuer.now(), &actor)
            .await
            .expect("issue");
        ids.push(issued["id"].as_str().unwrap().to_owned());
    }
    let (_, token) = issuer
        .create_token("HR", &[Scope::Read], &actor)
        .await
        .unwrap();
    let admin = issuer
        .add_staff("ada@district.example", None, Role::Admin, &actor)
        .await
        .unwrap();
    let auditor = issuer
        .add_staff("audrey@district.example", None, Role::Auditor, &actor)
        .await
        .unwrap();
    let ada = issuer.start_session(&admin, "oidc").await.unwrap();
    let audrey = issuer.start_session(&auditor, "oidc").await.unwrap();
    let router = cairn_issuer_http::router(Arc::new(issuer));

    // Revoked in the console: the API lists it revoked.
    let done = send(
        &router,
        form(
            "/console/credential/status",
            &ada,
            &[
                ("csrf", &csrf_token(&ada)),
                ("id", &ids[0]),
                ("action", "revoke"),
                ("reason", "wrong teacher"),
                ("confirm", "yes"),
            ],
        ),
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    assert!(done.location.unwrap().contains("done=revoke"));
    let listed = send(
        &router,
        api(
            "GET",
            "/api/v1/credentials?recipient=a%40district.example",
            Some(&token),
            None,
            None,
        ),
    )
    .await;
    assert_eq!(
        listed.json()["credentials"][0]["status"],
        "revoked",
        "{}",
        listed.text
    );

    // A part of the name finds the same credentials in the API and the console.
    let by_name = send(
        &router,
        api(
            "GET",
            "/api/v1/credentials?name=TEACHER%20a",
            Some(&token),
            None,
            None,
        ),
    )
    .await;
    assert_eq!(
        by_name.json()["credentials"].as_array().map(Vec::len),
        Some(1),
        "{}",
        by_name.text
    );
    let found = send(&router, page("/console/credentials?name=teacher", &ada)).await;
    assert!(found.text.contains("2 credential(s)"), "{}", found.text);

    // Suspended through the API with the console's session: the console shows it.
    let suspended = send(
        &router,
        api(
            "POST",
            "/api/v1/credentials/suspend",
            None,
            Some(&ada),
            Some(json!({"credentialId": ids[1], "reason": "under review"})),
        ),
    )
    .await;
    assert_eq!(suspended.status, StatusCode::OK, "{}", suspended.text);
    let shown = send(
        &router,
        page(&format!("/console/credential?id={}", encode(&ids[1])), &ada),
    )
    .await;
    assert_eq!(shown.status, StatusCode::OK);
    assert!(shown.text.contains("Suspended"), "{}", shown.text);
    assert!(shown.text.contains("under review") || shown.text.contains("credential.suspend"));

    // An achievement created in the console is the API's.
    let created = send(
        &router,
        form(
            "/console/achievements",
            &ada,
            &[
                ("csrf", &csrf_token(&ada)),
                ("name", "Family Partnerships"),
                ("description", "Works with families on learning goals."),
                ("achievement_type", "MicroCredential"),
                ("criteria", "A log of family conferences."),
                ("credits", "5"),
            ],
        ),
    )
    .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
    let read = send(
        &router,
        api(
            "GET",
            "/api/v1/achievements/family-partnerships",
            Some(&token),
            None,
            None,
        ),
    )
    .await;
    assert_eq!(read.status, StatusCode::OK, "{}", read.text);
    assert!(read.text.contains("Works with families on learning goals."));

    // The auditor is refused the same change in both.
    let page_refused = send(
        &router,
        form(
            "/console/credential/status",
            &audrey,
            &[
                ("csrf", &csrf_token(&audrey)),
                ("id", &ids[1]),
                ("action", "reinstate"),
                ("reason", "x"),
                ("confirm", "yes"),
            ],
        ),
    )
    .await;
    assert_eq!(page_refused.status, StatusCode::FORBIDDEN);
    let api_refused = send(
        &router,
        api(
            "POST",
            "/api/v1/credentials/reinstate",
            None,
            Some(&audrey),
            Some(json!({"credentialId": ids[1]})),
        ),
    )
    .await;
    assert_eq!(api_refused.status, StatusCode::FORBIDDEN);
    assert_eq!(api_refused.json()["code"], "role_not_permitted");
    // Without the session's CSRF token, the signed-in administrator is refused too.
    let no_token = send(
        &router,
        form(
            "/console/credential/status",
            &ada,
            &[
                ("id", &ids[1]),
                ("action", "reinstate"),
                ("reason", "x"),
                ("confirm", "yes"),
            ],
        ),
    )
    .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    let still = send(
        &router,
        api(
            "GET",
            "/api/v1/credentials?recipient=b%40district.example",
            Some(&token),
            None,
            None,
        ),
    )
    .await;
    assert_eq!(still.json()["credentials"][0]["status"], "suspended");
    // Not signed in: the console sends the browser to sign in; the API answers 401.
    let anonymous = send(
        &router,
        Request::get("/console/credentials")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.location.as_deref(), Some("/console/sign-in"));
}

#[tokio::test]
async fn console_and_api_agree_on_sqlite() {
    console_and_api_agree(None).await;
}

#[tokio::test]
async fn console_and_api_agree_on_postgres() {
    let Some((url, schema)) = common::postgres_url().await else {
        return;
    };
    console_and_api_agree(Some(url)).await;
    common::drop_schema(&schema).await;
}

/// The signing key rotated from the console (after a confirmation page): published beside the
/// retired one, used at once by this process and, after `follow_key_rotation`, by another
/// instance sharing the database and key folder; an auditor cannot rotate.
async fn rotation_from_the_console(database_url: Option<String>) {
    let dir = tempfile::tempdir().expect("tmp");
    let actor = Actor("test".into());
    let issuer = Issuer::init(
        &dir.path().join("i"),
        InitOptions {
            name: "District".into(),
            url: Some("https://credentials.district.example".into()),
            identity: IdentityKind::DidWeb("credentials.district.example".into()),
            key: None,
            database_url,
        },
        &actor,
    )
    .await
    .expect("init");
    let other = Issuer::open(&issuer.config().path)
        .await
        .expect("second instance");
    let admin = issuer
        .add_staff("ada@district.example", None, Role::Admin, &actor)
        .await
        .unwrap();
    let auditor = issuer
        .add_staff("audrey@district.example", None, Role::Auditor, &actor)
        .await
        .unwrap();
    let ada = issuer.start_session(&admin, "oidc").await.unwrap();
    let audrey = issuer.start_session(&auditor, "oidc").await.unwrap();
    let issuer = Arc::new(issuer);
    let router = cairn_issuer_http::router(issuer.clone());

    let refused = send(
        &router,
        form(
            "/console/keys/rotate",
            &audrey,
            &[("csrf", &csrf_token(&audrey)), ("confirm", "yes")],
        ),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let confirm = send(
        &router,
        form("/console/keys/rotate", &ada, &[("csrf", &csrf_token(&ada))]),
    )
    .await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(confirm.text.contains("Yes, rotate"));
    assert!(
        issuer.verification_method().ends_with("#key-1"),
        "nothing changes before confirming"
    );
    let done = send(
        &router,
        form(
            "/console/keys/rotate",
            &ada,
            &[("csrf", &csrf_token(&ada)), ("confirm", "yes")],
        ),
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    assert!(issuer.verification_method().ends_with("#key-2"));
    let did = send(
        &router,
        Request::get("/.well-known/did.json")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert!(
        did.text.contains("#key-1") && did.text.contains("#key-2"),
        "{}",
        did.text
    );
    assert!(other.verification_method().ends_with("#key-1"));
    assert!(other.follow_key_rotation().await.unwrap());
    assert!(other.verification_method().ends_with("#key-2"));
    assert!(!other.follow_key_rotation().await.unwrap(), "once");
    let log = issuer.audit_entries().await.unwrap();
    assert!(
        log.iter()
            .any(|e| e.actor == "staff:ada@district.example" && e.action.starts_with("key.")),
        "{log:?}"
    );
}

#[tokio::test]
async fn rotation_from_the_console_on_sqlite() {
    rotation_from_the_console(None).await;
}

#[tokio::test]
async fn rotation_from_the_console_on_postgres() {
    let Some((url, schema)) = common::postgres_url().await else {
        return;
    };
    rotation_from_the_console(Some(url)).await;
    common::drop_schema(&schema).await;
}

/// The evidence workflow through the admin API, as a learning-management system drives it: a
/// token with `issue` submits for a teacher (a PDF in base64), the reviews are recorded for
/// their reviewers with an `admin` token, the decision issues the credential; a token without
/// `admin` cannot list submissions; a reviewer's session can record only its own review.
async fn evidence_through_the_api(database_url: Option<String>) {
    use base64::Engine;
    let dir = tempfile::tempdir().expect("tmp");
    let actor = Actor("test".into());
    let issuer = Issuer::init(
        &dir.path().join("i"),
        InitOptions {
            name: "District".into(),
            url: Some("https://credentials.district.example".into()),
            identity: IdentityKind::DidKey,
            key: None,
            database_url,
        },
        &actor,
    )
    .await
    .expect("init");
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/achievements/student-feedback-evidence.toml");
    let mut def = cairn_issuer::AchievementDefinition::parse(
        &std::fs::read_to_string(path).unwrap(),
        Some("toml"),
    )
    .unwrap()
    .to_value();
    def["review"]["rule"] = json!("two-agree");
    let def = cairn_issuer::AchievementDefinition::from_value(def).unwrap();
    issuer.add_achievement(&def, &actor).await.unwrap();
    let mut sessions = Vec::new();
    for who in ["rita", "rob"] {
        let m = issuer
            .add_staff(
                &format!("{who}@district.example"),
                None,
                Role::Reviewer,
                &actor,
            )
            .await
            .unwrap();
        sessions.push(issuer.start_session(&m, "oidc").await.unwrap());
    }
    let (_, lms) = issuer
        .create_token("LMS", &[Scope::Issue], &actor)
        .await
        .unwrap();
    let (_, admin) = issuer
        .create_token("LMS admin", &[Scope::Admin], &actor)
        .await
        .unwrap();
    let router = cairn_issuer_http::router(Arc::new(issuer));

    let pdf = base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.7\n1 0 obj\n");
    let body = json!({
        "achievement": "feedback-that-moves-learning",
        "teacher": "Tina@District.example",
        "teacherName": "Tina Teacher",
        "answers": {"overview": "Grade 7 science.", "reflection": "They used it."},
        "files": [{"name": "plan.pdf", "contentBase64": pdf}],
        "links": [{"title": "Video", "url": "https://video.district.example/1"}],
    });
    let created = send(
        &router,
        api(
            "POST",
            "/api/v1/submissions",
            Some(&lms),
            None,
            Some(body.clone()),
        ),
    )
    .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(created.json()["teacher"], "tina@district.example");
    // A renamed executable is refused by content; nothing is stored.
    let mut fake = body.clone();
    fake["teacher"] = json!("tom@district.example");
    fake["files"][0]["contentBase64"] =
        json!(base64::engine::general_purpose::STANDARD.encode(b"MZ\x90\x00"));
    let refused = send(
        &router,
        api("POST", "/api/v1/submissions", Some(&lms), None, Some(fake)),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.json()["code"], "artifact_refused");

    // Listing needs ManageReviews (admin scope): the issue token is refused.
    let listed = send(
        &router,
        api("GET", "/api/v1/submissions", Some(&lms), None, None),
    )
    .await;
    assert_eq!(listed.status, StatusCode::FORBIDDEN);
    let one = send(
        &router,
        api(
            "GET",
            &format!("/api/v1/submissions/{id}"),
            Some(&admin),
            None,
            None,
        ),
    )
    .await;
    assert_eq!(one.status, StatusCode::OK);
    let reviews = one.json()["reviews"].as_array().unwrap().clone();
    assert_eq!(reviews.len(), 2);
    assert_eq!(one.json()["files"][0]["mediaType"], "application/pdf");

    let levels = json!({"plan": "demonstrated", "student-work": "demonstrated", "reflection": "demonstrated"});
    // A reviewer's session records only its own review.
    let (first, second) = (&reviews[0], &reviews[1]);
    let first_session = if first["reviewer"] == "rita@district.example" {
        &sessions[0]
    } else {
        &sessions[1]
    };
    let theirs = send(
        &router,
        api(
            "POST",
            &format!("/api/v1/reviews/{}", second["id"].as_str().unwrap()),
            None,
            Some(first_session),
            Some(json!({"recommendation": "earned", "levels": levels})),
        ),
    )
    .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let mine = send(
        &router,
        api(
            "POST",
            &format!("/api/v1/reviews/{}", first["id"].as_str().unwrap()),
            None,
            Some(first_session),
            Some(json!({"recommendation": "earned", "levels": levels, "overall": "Good"})),
        ),
    )
    .await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text);
    assert_eq!(mine.json()["state"], "in-review");
    let last = send(&router, api("POST", &format!("/api/v1/reviews/{}", second["id"].as_str().unwrap()), Some(&admin), None,
        Some(json!({"reviewer": second["reviewer"], "recommendation": "earned", "levels": levels})))).await;
    assert_eq!(last.status, StatusCode::OK, "{}", last.text);
    assert_eq!(last.json()["state"], "earned");
    let credential = last.json()["credentialId"].as_str().unwrap().to_owned();
    let got = send(
        &router,
        api(
            "GET",
            &format!("/api/v1/credentials/{}", encode(&credential)),
            Some(&admin),
            None,
            None,
        ),
    )
    .await;
    assert_eq!(
        got.json()["credential"]["credentialSubject"]["result"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    // Pre-approval, payroll, reports and conflicts through the API.
    let asked = send(
        &router,
        api(
            "POST",
            "/api/v1/preapprovals",
            Some(&lms),
            None,
            Some(json!({
        "achievement": "feedback-that-moves-learning", "teacher": "tina@district.example",
        "purpose": "ce-hours", "detail": "15 hours"})),
        ),
    )
    .await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text);
    let pid = asked.json()["id"].as_str().unwrap().to_owned();
    let decided = send(
        &router,
        api(
            "POST",
            &format!("/api/v1/preapprovals/{pid}/decision"),
            Some(&admin),
            None,
            Some(json!({"approve": true, "note": "Counts"})),
        ),
    )
    .await;
    assert_eq!(decided.status, StatusCode::NO_CONTENT);
    let again = send(
        &router,
        api(
            "POST",
            &format!("/api/v1/preapprovals/{pid}/decision"),
            Some(&admin),
            None,
            Some(json!({"approve": false})),
        ),
    )
    .await;
    assert_eq!(again.json()["code"], "submission_closed");
    let payroll = send(
        &router,
        api("GET", "/api/v1/payroll", Some(&admin), None, None),
    )
    .await;
    assert_eq!(
        payroll.json()["awards"][0]["preapproval"]["detail"],
        "15 hours"
    );
    assert_eq!(payroll.json()["awards"][0]["credentialId"], credential);
    let report = send(
        &router,
        api("GET", "/api/v1/reports/evidence", Some(&admin), None, None),
    )
    .await;
    assert_eq!(
        (
            report.json()["decided"].clone(),
            report.json()["agreed"].clone()
        ),
        (json!(1), json!(1))
    );
    let declared = send(
        &router,
        api(
            "POST",
            "/api/v1/review-conflicts",
            Some(&admin),
            None,
            Some(json!({"reviewer": "rita@district.example", "teacher": "tom@district.example"})),
        ),
    )
    .await;
    assert_eq!(declared.status, StatusCode::NO_CONTENT);
    let listed = send(
        &router,
        api("GET", "/api/v1/review-conflicts", Some(&admin), None, None),
    )
    .await;
    assert_eq!(
        listed.json()["conflicts"][0]["teacher"],
        "tom@district.example"
    );
    let payroll_denied = send(
        &router,
        api("GET", "/api/v1/payroll", Some(&lms), None, None),
    )
    .await;
    assert_eq!(payroll_denied.status, StatusCode::FORBIDDEN);

    // Decided: no more reviews, no withdrawal.
    let closed = send(
        &router,
        api(
            "POST",
            &format!("/api/v1/submissions/{id}/withdraw"),
            Some(&admin),
            None,
            None,
        ),
    )
    .await;
    assert_eq!(closed.status, StatusCode::CONFLICT);
    assert_eq!(closed.json()["code"], "submission_closed");
}

#[tokio::test]
async fn evidence_through_the_api_on_sqlite() {
    evidence_through_the_api(None).await;
}

#[tokio::test]
async fn evidence_through_the_api_on_postgres() {
    let Some((url, schema)) = common::postgres_url().await else {
        return;
    };
    evidence_through_the_api(Some(url)).await;
    common::drop_schema(&schema).await;
}

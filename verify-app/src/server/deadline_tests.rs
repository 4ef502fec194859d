//! Verifications run off the async workers and stop at their deadline: a batch of credentials
//! that are each just under the canonicalisation budget, sent with a short deadline, is answered
//! 408 problem+json and stops before most of its items are canonicalised; `/healthz` answers
//! while such a batch is being checked on a runtime with one async worker.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code.

use super::*;
use axum::body::Body;
use axum::http::{header, Request};
use cairn_verifier::{Contexts, FastCanonicalizer, OfflineResolver};
use http_body_util::BodyExt;
use std::sync::atomic::Ordering;
use tower::ServiceExt;

/// Items in the heavy batch; each is ~200 KB, so the batch stays under the 9 MiB body limit.
const ITEMS: usize = 40;

/// A batch of `ITEMS` credentials, each with 4,000 anonymous evidence objects: under the work
/// budget (so each is canonicalised), and together many times the test's deadline.
fn heavy_batch() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors/valid/did-key.json");
    let mut credential: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("vector")).expect("json");
    credential["evidence"] = (0..4_000)
        .map(|_| json!({"type": ["Evidence"], "narrative": "x"}))
        .collect();
    json!({ "items": vec![credential; ITEMS] }).to_string()
}

/// The service with its own fast canonicaliser (to count what it did) and `deadline`.
fn service(deadline: std::time::Duration) -> (Shared, Arc<FastCanonicalizer>) {
    let canonicalizer = Arc::new(FastCanonicalizer::new(Contexts::default()));
    let mut options = VerifyOptions::new(chrono::Utc::now());
    options.canonicalizer = canonicalizer.clone();
    let mut state = AppState::new(
        options,
        Arc::new(OfflineResolver::new()),
        Some("2026-06-01T12:00:00Z".parse().expect("now")),
    );
    state.limits.timeout = deadline;
    (Arc::new(state), canonicalizer)
}

fn post_batch(body: String) -> Request<Body> {
    Request::builder()
        .method("POST")
        .uri("/verify/batch")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .expect("request")
}

/// Waits (yielding to the runtime) until no verification is running.
async fn until_idle(state: &AppState) {
    while state.lanes.running.load(Ordering::SeqCst) > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_its_deadline_is_408_and_its_work_stops() {
    let (state, canonicalizer) = service(std::time::Duration::from_millis(300));
    let app = router(Arc::clone(&state));
    let res = app
        .oneshot(post_batch(heavy_batch()))
        .await
        .expect("response");
    assert_eq!(res.status(), StatusCode::REQUEST_TIMEOUT);
    assert_eq!(
        res.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
    let body: Value =
        serde_json::from_slice(&res.into_body().collect().await.expect("body").to_bytes())
            .expect("problem");
    assert_eq!(body["code"], "request_timeout", "{body}");
    // The abandoned verification stops at its next canonicalisation instead of checking the
    // rest of the batch.
    until_idle(&state).await;
    let (fast, general) = canonicalizer.counts();
    assert!(
        fast + general < (ITEMS / 2) as u64,
        "{fast} + {general} of {ITEMS} items were canonicalised after the deadline"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn healthz_answers_while_the_worst_inputs_are_checked() {
    let (state, _) = service(std::time::Duration::from_secs(600));
    let app = router(Arc::clone(&state));
    // The batch is sent from a task, which the one async worker runs.
    let heavy = tokio::spawn(app.clone().oneshot(post_batch(heavy_batch())));
    while state.lanes.running.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    // So is the health check: it is answered while the batch is still being verified, which it
    // could not be if the verification held that worker.
    let health = tokio::spawn(
        app.oneshot(
            Request::builder()
                .uri("/healthz")
                .body(Body::empty())
                .expect("request"),
        ),
    );
    let res = health.await.expect("task").expect("response");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        state.lanes.running.load(Ordering::SeqCst) > 0,
        "the batch finished before the health check was answered"
    );
    // A client that goes away stops its verification too.
    heavy.abort();
    until_idle(&state).await;
}

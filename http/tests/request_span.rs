//! Request logs name the route pattern, never the path or query as sent: the secrets in them
//! (claim tokens, offer ids, recipient emails) stay out of the logs at every level.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use axum::Router;
use tower::ServiceExt;
use tower_http::trace::TraceLayer;

/// Log output collected in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn request_logs_carry_the_route_pattern_not_the_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = Router::new()
        .route("/claim/{token}", get(|| async { "ok" }))
        .layer(TraceLayer::new_for_http().make_span_with(cairn_http::request_span));
    for uri in [
        "/claim/s3cr3t-claim-token?email=teacher%40district.example",
        "/no/such/s3cr3t-path",
    ] {
        let request = Request::get(uri)
            .header("x-request-id", "req-1")
            .body(Body::empty())
            .unwrap();
        app.clone().oneshot(request).await.expect("answer");
    }
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains(r#"route="/claim/{token}""#), "{logs}");
    assert!(logs.contains(r#"route="unmatched""#), "{logs}");
    assert!(logs.contains(r#"request_id="req-1""#), "{logs}");
    for secret in ["s3cr3t", "teacher", "email="] {
        assert!(!logs.contains(secret), "{secret} was logged:\n{logs}");
    }
}

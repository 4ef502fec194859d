//! Prometheus metrics for `/metrics`: requests by method, route and status, and their total
//! duration, in the text exposition format. Routes are the matched patterns, never raw paths, so
//! credential ids cannot blow up the label set.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

/// (method, route, status) → (count, seconds).
type Series = BTreeMap<(String, String, u16), (u64, f64)>;

/// Counters shared by all requests.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    requests: Mutex<Series>,
}

impl Metrics {
    fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut map) = self.requests.lock() {
            let entry = map
                .entry((method.to_owned(), route.to_owned(), status))
                .or_insert((0, 0.0));
            entry.0 += 1;
            entry.1 += seconds;
        }
    }

    /// The text exposition format (Prometheus 0.0.4).
    pub(crate) fn render(&self) -> String {
        let mut out = String::from(
            "# HELP cairn_http_requests_total HTTP requests by method, route and status.\n\
             # TYPE cairn_http_requests_total counter\n",
        );
        let map = self.requests.lock().map(|m| m.clone()).unwrap_or_default();
        for ((method, route, status), (count, _)) in &map {
            out.push_str(&format!(
                "cairn_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {count}\n"
            ));
        }
        out.push_str(
            "# HELP cairn_http_request_duration_seconds_total Time spent answering, by method, route and status.\n\
             # TYPE cairn_http_request_duration_seconds_total counter\n",
        );
        for ((method, route, status), (_, seconds)) in &map {
            out.push_str(&format!(
                "cairn_http_request_duration_seconds_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {seconds:.6}\n"
            ));
        }
        out.push_str(&format!(
            "# HELP cairn_build_info Build information.\n# TYPE cairn_build_info gauge\ncairn_build_info{{version=\"{}\"}} 1\n",
            env!("CARGO_PKG_VERSION")
        ));
        out
    }
}

/// Middleware: times each request and counts it under its matched route.
pub(crate) async fn track(
    State(metrics): State<std::sync::Arc<Metrics>>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().as_str().to_owned();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let start = Instant::now();
    let response = next.run(request).await;
    metrics.record(
        &method,
        &route,
        response.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    response
}

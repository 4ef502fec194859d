//! `cairn serve`: the issuer's HTTP service (axum). One route table below; handlers grouped by
//! resource, each one parsing (extractors in `extract.rs`), calling one use case of the
//! [`cairn_issuer::Issuer`] and answering; errors are RFC 9457 problem details with one
//! exhaustive status mapping ([`status_of`]). No database here: handlers never see rows.

#![warn(missing_docs, unreachable_pub)]

mod achievements;
mod batch;
mod claim_page;
mod console;
mod credential_view;
mod credentials;
mod extract;
mod files;
mod html;
mod identity;
mod metrics;
mod openapi;
mod ops;
mod page;
mod problem;
mod public;
mod status;
mod submissions;
mod tls;
mod vc_api;
mod wallet;

use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, HeaderName};
use axum::routing::{get, post};
use axum::Router;
use cairn_issuer::{Error, Issuer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

pub use problem::{sign_in_status, status_of, wallet_status, Problem};
pub use tls::write_self_signed;

/// Every request's limits: bodies up to 1 MiB, an answer within 30 s (else 408).
const LIMITS: cairn_http::Limits = cairn_http::Limits {
    max_body_bytes: 1024 * 1024,
    timeout: Duration::from_secs(30),
};

type Shared = Arc<Issuer>;

/// The route table: path, methods and handlers, and the permission each needs (the handler's
/// `Auth<…>` argument enforces it through the issuer's one permission table; "public" routes
/// take none).
#[rustfmt::skip]
fn routes() -> Router<Shared> {
    Router::new()
        // Operations and identity: public.
        .route("/healthz",                              get(ops::healthz))
        .route("/readyz",                               get(ops::readyz))
        .route("/api/v1/openapi.json",                  get(ops::openapi))
        .route("/.well-known/did.json",                 get(identity::did_json))
        .route("/.well-known/jwks.json",                get(identity::jwks_json))
        // Admin API.                                      scope:
        // Admin API: a bearer token, or a console session     permission (token scope):
        // with its X-CSRF-Token on unsafe methods.
        .route("/api/v1/achievements",                  get(achievements::list)             // read credentials (read)
                                                        .post(achievements::create))        // manage achievements (admin)
        .route("/api/v1/achievements/{slug}",           get(achievements::get)              // read credentials (read)
                                                        .put(achievements::update))         // manage achievements (admin)
        .route("/api/v1/achievements/{slug}/archive",   post(achievements::archive))        // manage achievements (admin)
        .route("/api/v1/credentials",                   get(credentials::list)              // read credentials (read)
                                                        .post(credentials::issue))          // issue (issue)
        .route("/api/v1/credentials/batch",             post(batch::issue_batch))           // issue (issue)
        .route("/api/v1/credentials/revoke",            post(status::revoke))               // change status (revoke)
        .route("/api/v1/credentials/suspend",           post(status::suspend))              // change status (revoke)
        .route("/api/v1/credentials/reinstate",         post(status::reinstate))            // change status (revoke)
        .route("/api/v1/credentials/{*id}",             get(credentials::get))              // read credentials (read)
        .route("/api/v1/submissions",                   get(submissions::list)              // manage reviews (admin)
                                                        .post(submissions::submit)          // submit (issue)
                                                        .layer(axum::extract::DefaultBodyLimit::max(submissions::BODY_LIMIT)))
        .route("/api/v1/submissions/{id}",              get(submissions::get))              // manage reviews (admin)
        .route("/api/v1/submissions/{id}/withdraw",     post(submissions::withdraw))        // manage reviews (admin)
        .route("/api/v1/submissions/{id}/reviewers",    post(submissions::assign))          // manage reviews (admin)
        .route("/api/v1/submissions/{id}/award",        post(submissions::award))           // manage reviews (admin)
        .route("/api/v1/reviews/{id}",                  post(submissions::review))          // review (admin)
        .route("/api/v1/review-conflicts",              get(submissions::conflicts)         // manage reviews (admin)
                                                        .post(submissions::add_conflict))   // manage reviews (admin)
        .route("/api/v1/reports/evidence",              get(submissions::report))           // manage reviews (admin)
        .route("/api/v1/preapprovals",                  get(submissions::preapprovals)      // approve pay (admin)
                                                        .post(submissions::request_preapproval)) // submit (issue)
        .route("/api/v1/preapprovals/{id}/decision",    post(submissions::decide_preapproval)) // approve pay (admin)
        .route("/api/v1/payroll",                       get(submissions::payroll))          // approve pay (admin)
        .route("/api/v1/audit",                         get(credentials::audit_log))        // read audit (admin)
        // W3C VC-API issuing.                             issue (unless configured open)
        .route("/credentials/issue",                    post(vc_api::issue))
        // Public: status lists, credential pages and their files, share links.
        .route("/status/{purpose}/{seq}",               get(status::status_list))
        .route("/credentials/{key}",                    get(page::credential_page))
        .route("/credentials/{key}/{file}",             get(files::credential_file)
                                                        .post(page::verify_route))
        .route("/assets/{name}",                        get(page::asset))
        .route("/s/{code}",                             get(page::share_link))
        .route("/",                                     get(public::home))
        .route("/achievements/{slug}",                  get(public::achievement))
        .route("/achievements/{slug}/image",            get(public::achievement_image))
        // Wallets: OpenID4VCI and the VC-API exchange (wallet.rs has its own table).
        .merge(wallet::routes())
        // The staff console (console/mod.rs has its own table).
        .merge(console::routes())
}

/// The service: the route table with metrics, request ids, tracing, the request limits and
/// problem+json for every refusal; without a socket (tests drive it with `oneshot`).
pub fn router(issuer: Arc<Issuer>) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let metrics = Arc::new(metrics::Metrics::default());
    let exposition = metrics.clone();
    let app = routes()
        .route(
            "/metrics",
            get(move || async move {
                (
                    [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                    exposition.render(),
                )
            }),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            metrics,
            metrics::track,
        ));
    cairn_http::with_limits(app, LIMITS)
        .layer(axum::middleware::from_fn(public::html_errors))
        .layer(TraceLayer::new_for_http().make_span_with(cairn_http::request_span))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(issuer)
}

/// How often a running service follows what other instances changed: the settings and the
/// signing key.
const SETTINGS_REFRESH: Duration = Duration::from_secs(15);

/// Review reminders are looked for every this many settings refreshes (an hour).
const REMINDERS_EVERY: u32 = 240;

/// Reloads the run-time settings and follows a key rotation every `SETTINGS_REFRESH` while the
/// service runs, and mails review reminders every hour.
fn follow_settings(issuer: &Arc<Issuer>) {
    let issuer = Arc::downgrade(issuer);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SETTINGS_REFRESH);
        tick.tick().await;
        let mut ticks: u32 = 0;
        loop {
            tick.tick().await;
            let Some(issuer) = issuer.upgrade() else {
                return;
            };
            if ticks.is_multiple_of(REMINDERS_EVERY) {
                if let Err(e) = issuer.send_review_reminders().await {
                    tracing::warn!(code = e.code(), "could not send review reminders");
                }
            }
            ticks = ticks.wrapping_add(1);
            if let Err(e) = issuer.refresh_settings().await {
                tracing::warn!(code = e.code(), "could not reload the settings");
            }
            match issuer.follow_key_rotation().await {
                Ok(true) => tracing::info!("signing with the key another instance rotated to"),
                Ok(false) => {}
                Err(e) => tracing::warn!(code = e.code(), "could not follow a key rotation"),
            }
        }
    });
}

/// Serves plain HTTP until ctrl-c or SIGTERM; requests in flight finish first.
pub async fn serve(issuer: Arc<Issuer>, bind: &str) -> Result<(), Error> {
    tracing::info!(issuer = issuer.id(), "starting");
    follow_settings(&issuer);
    cairn_http::serve(router(issuer), bind, None, "cairn serve")
        .await
        .map_err(|e| Error::Io(bind.into(), e.to_string()))
}

/// Serves HTTPS (rustls) with the PEM certificate chain and key until ctrl-c or SIGTERM.
pub async fn serve_tls(
    issuer: Arc<Issuer>,
    bind: &str,
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<(), Error> {
    tracing::info!(issuer = issuer.id(), "starting (TLS)");
    follow_settings(&issuer);
    let tls = cairn_http::Tls { cert, key };
    cairn_http::serve(router(issuer), bind, Some(tls), "cairn serve")
        .await
        .map_err(|e| Error::Io(bind.into(), e.to_string()))
}

//! Operations: liveness, readiness (the database answers), and the OpenAPI document.

use axum::extract::State;
use axum::http::StatusCode;

use crate::openapi::ProblemDoc;
use crate::problem::Problem;
use crate::Shared;

/// Liveness: the process answers.
pub(crate) async fn healthz() -> &'static str {
    "ok"
}

#[utoipa::path(get, path = "/readyz", tag = "operations", responses((status = 200, description = "The database answers", body = String), (status = 503, description = "The database is not reachable", body = ProblemDoc)))]
pub(crate) async fn readyz(State(issuer): State<Shared>) -> Result<&'static str, Problem> {
    issuer.ready().await.map(|()| "ready").map_err(|_| {
        Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "the database is not reachable",
        )
    })
}

/// The OpenAPI 3.1 document.
pub(crate) async fn openapi() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(crate::openapi::document())
}

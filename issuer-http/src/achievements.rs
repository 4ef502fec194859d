//! `/api/v1/achievements`: list, fetch, create, update (a new version; what was issued is never
//! rewritten) and archive the achievements credentials are issued for.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cairn_issuer::{AchievementDefinition, StoredAchievement};
use serde_json::{json, Value};

use crate::extract::{Auth, JsonBody, ManageAchievements, ReadCredentials};
use crate::openapi::ProblemDoc;
use crate::problem::Problem;
use crate::Shared;

/// How the API shows an achievement.
fn achievement_json(a: &StoredAchievement) -> Value {
    json!({"slug": a.slug, "archived": a.archived, "achievement": a.achievement})
}

#[utoipa::path(get, path = "/api/v1/achievements", tag = "achievements", security(("bearer" = ["read"])), responses((status = 200, description = "All achievements", body = Object), (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc)))]
pub(crate) async fn list(
    State(issuer): State<Shared>,
    _: Auth<ReadCredentials>,
) -> Result<Response, Problem> {
    let items: Vec<Value> = issuer
        .achievements()
        .await?
        .iter()
        .map(achievement_json)
        .collect();
    Ok(axum::Json(json!({ "achievements": items })).into_response())
}

#[utoipa::path(get, path = "/api/v1/achievements/{slug}", tag = "achievements", security(("bearer" = ["read"])), params(("slug" = String, Path, description = "Achievement slug or id")), responses((status = 200, body = Object), (status = 404, body = ProblemDoc)))]
pub(crate) async fn get(
    State(issuer): State<Shared>,
    _: Auth<ReadCredentials>,
    Path(slug): Path<String>,
) -> Result<Response, Problem> {
    let a = issuer.achievement(&slug).await.map_err(|e| match e {
        cairn_issuer::Error::AchievementNotFound(_) => {
            Problem::not_found(format!("no achievement {slug:?}"))
        }
        other => other.into(),
    })?;
    Ok(axum::Json(achievement_json(&a)).into_response())
}

#[utoipa::path(post, path = "/api/v1/achievements", tag = "achievements", security(("bearer" = ["admin"])), request_body(content = Object, description = "An achievement definition (schemas/achievement-definition.schema.json)"), responses((status = 201, body = Object), (status = 409, body = ProblemDoc), (status = 422, body = ProblemDoc)))]
pub(crate) async fn create(
    State(issuer): State<Shared>,
    Auth(caller, _): Auth<ManageAchievements>,
    body: JsonBody<Value>,
) -> Result<Response, Problem> {
    let def = AchievementDefinition::from_value(body.value)?;
    let stored = issuer.add_achievement(&def, &caller.actor()).await?;
    Ok((StatusCode::CREATED, axum::Json(achievement_json(&stored))).into_response())
}

#[utoipa::path(put, path = "/api/v1/achievements/{slug}", tag = "achievements", security(("bearer" = ["admin"])), params(("slug" = String, Path, description = "Achievement slug or id")), request_body(content = Object, description = "The new definition; the slug cannot change"), responses((status = 200, body = Object), (status = 404, body = ProblemDoc), (status = 422, body = ProblemDoc)))]
pub(crate) async fn update(
    State(issuer): State<Shared>,
    Auth(caller, _): Auth<ManageAchievements>,
    Path(slug): Path<String>,
    body: JsonBody<Value>,
) -> Result<Response, Problem> {
    let def = AchievementDefinition::from_value(body.value)?;
    let stored = issuer
        .update_achievement(&slug, &def, &caller.actor())
        .await?;
    Ok(axum::Json(achievement_json(&stored)).into_response())
}

#[utoipa::path(post, path = "/api/v1/achievements/{slug}/archive", tag = "achievements", security(("bearer" = ["admin"])), params(("slug" = String, Path, description = "Achievement slug or id")), responses((status = 204, description = "Archived"), (status = 404, body = ProblemDoc)))]
pub(crate) async fn archive(
    State(issuer): State<Shared>,
    Auth(caller, _): Auth<ManageAchievements>,
    Path(slug): Path<String>,
) -> Result<Response, Problem> {
    issuer.archive_achievement(&slug, &caller.actor()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

//! `cairn serve`: the issuer's HTTP service (axum). Thin handlers: parse, authorise, call the
//! [`Issuer`], answer; errors are RFC 9457 problem details.

mod metrics;
mod openapi;
mod page;
mod problem;
mod wallet;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use openapi::ProblemDoc;
pub use problem::Problem;

use crate::auth::{Principal, Scope};
use crate::store::Idempotency;
use crate::{AchievementDefinition, Format, IssueRequest, Issued, Issuer, JwtAlg};

/// Largest request body accepted.
const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Longest a request may take to produce its answer.
const REQUEST_TIMEOUT_SECS: u64 = 30;

type Shared = Arc<Issuer>;

/// The service's routes, without a socket (tests drive it with `oneshot`).
pub fn router(issuer: Arc<Issuer>) -> Router {
    let request_id = axum::http::HeaderName::from_static("x-request-id");
    let metrics = Arc::new(metrics::Metrics::default());
    let exposition = metrics.clone();
    Router::new()
        .route(
            "/metrics",
            get(move || async move {
                (
                    [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
                    exposition.render(),
                )
            }),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route(
            "/api/v1/openapi.json",
            get(|| async { axum::Json(openapi::document()) }),
        )
        .route("/.well-known/did.json", get(did_json))
        .route("/.well-known/jwks.json", get(jwks_json))
        .route(
            "/api/v1/achievements",
            get(list_achievements).post(create_achievement),
        )
        .route(
            "/api/v1/achievements/{slug}",
            get(get_achievement).put(update_achievement),
        )
        .route(
            "/api/v1/achievements/{slug}/archive",
            axum::routing::post(archive_achievement),
        )
        .route(
            "/api/v1/credentials",
            get(list_credentials).post(issue_credential),
        )
        .route(
            "/api/v1/credentials/batch",
            axum::routing::post(issue_batch),
        )
        .route("/api/v1/credentials/{*id}", get(get_credential))
        .route("/api/v1/audit", get(audit_log))
        .route("/credentials/issue", axum::routing::post(vc_api_issue))
        .route("/status/{purpose}/{seq}", get(status_list))
        .route("/credentials/{key}", get(page::credential_page))
        .route(
            "/credentials/{key}/{file}",
            get(credential_file).post(page::verify_route),
        )
        .route("/assets/{name}", get(page::asset))
        .route("/s/{code}", get(page::share_link))
        .route(
            "/api/v1/credentials/revoke",
            axum::routing::post(revoke_credential),
        )
        .route(
            "/api/v1/credentials/suspend",
            axum::routing::post(suspend_credential),
        )
        .route(
            "/api/v1/credentials/reinstate",
            axum::routing::post(reinstate_credential),
        )
        .merge(wallet::routes())
        .fallback(|| async { Problem::not_found("no such resource") })
        .route_layer(axum::middleware::from_fn_with_state(
            metrics,
            metrics::track,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // A request that has not produced its answer in time gets 408, not a hung connection.
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            std::time::Duration::from_secs(REQUEST_TIMEOUT_SECS),
        ))
        .layer(TraceLayer::new_for_http())
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(issuer)
}

/// Serves until ctrl-c or SIGTERM; requests in flight finish first.
pub async fn serve(issuer: Arc<Issuer>, bind: &str) -> Result<(), crate::Error> {
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| crate::Error::Io(bind.into(), e.to_string()))?;
    let addr = listener
        .local_addr()
        .map_err(|e| crate::Error::Io(bind.into(), e.to_string()))?;
    tracing::info!(%addr, issuer = issuer.id(), "listening");
    eprintln!("cairn serve: listening on http://{addr}");
    axum::serve(listener, router(issuer))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| crate::Error::Io(bind.into(), e.to_string()))
}

/// Serves HTTPS (rustls) with the PEM certificate chain and key until ctrl-c or SIGTERM.
pub async fn serve_tls(
    issuer: Arc<Issuer>,
    bind: &str,
    cert: &std::path::Path,
    key: &std::path::Path,
) -> Result<(), crate::Error> {
    let io = |what: &std::path::Path, e: std::io::Error| {
        crate::Error::Io(what.to_path_buf(), e.to_string())
    };
    let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
        .await
        .map_err(|e| io(cert, e))?;
    let addr: std::net::SocketAddr = bind
        .parse()
        .map_err(|_| crate::Error::input("bind", format!("{bind:?} is not an address:port")))?;
    let handle = axum_server::Handle::new();
    let stopper = handle.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        stopper.graceful_shutdown(Some(std::time::Duration::from_secs(30)));
    });
    let announcer = handle.clone();
    let issuer_id = issuer.id().to_owned();
    tokio::spawn(async move {
        if let Some(addr) = announcer.listening().await {
            tracing::info!(%addr, issuer = issuer_id, "listening (TLS)");
            eprintln!("cairn serve: listening on https://{addr}");
        }
    });
    axum_server::bind_rustls(addr, config)
        .handle(handle)
        .serve(router(issuer).into_make_service())
        .await
        .map_err(|e| io(std::path::Path::new(bind), e))
}

/// Writes a self-signed certificate and its key (0600) into `dir` for local HTTPS, naming
/// `localhost`, `127.0.0.1` and `extra_host` (e.g. the did:web host).
pub fn write_self_signed(
    dir: &std::path::Path,
    extra_host: Option<&str>,
) -> Result<(std::path::PathBuf, std::path::PathBuf), crate::Error> {
    let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    if let Some(h) = extra_host {
        names.push(h.split(':').next().unwrap_or(h).to_owned());
    }
    let certified = rcgen::generate_simple_self_signed(names)
        .map_err(|e| crate::Error::Signing(format!("cannot make a certificate: {e}")))?;
    let cert_path = dir.join("cert.pem");
    let key_path = dir.join("key.pem");
    crate::keys::write_secret_file(&key_path, certified.signing_key.serialize_pem().as_bytes())?;
    std::fs::write(&cert_path, certified.cert.pem())
        .map_err(|e| crate::Error::Io(cert_path.clone(), e.to_string()))?;
    Ok((cert_path, key_path))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

/// The bearer token's principal, which must hold `scope`.
/// RFC 6750 §2.1: the token of an `Authorization: Bearer TOKEN` header. The scheme name is
/// case-insensitive (RFC 9110 §11.1).
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim_start().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The media type of the request body, lower case, without parameters (RFC 9110 §8.3.1):
/// `application/json; charset=utf-8` is `application/json`; none is "".
pub(crate) fn media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// JSON by its media type: `application/json`, or a `+json` structured syntax suffix
/// (RFC 6839 §3.1, e.g. `application/vc+ld+json`); `application/jsonx` is not JSON.
fn is_json_media_type(media_type: &str) -> bool {
    media_type == "application/json"
        || (media_type.starts_with("application/") && media_type.ends_with("+json"))
}

async fn authorize(
    issuer: &Issuer,
    headers: &HeaderMap,
    scope: Scope,
) -> Result<Principal, Problem> {
    let token = bearer_token(headers).ok_or_else(Problem::unauthorized)?;
    let principal = issuer
        .authenticate(token)
        .await?
        .ok_or_else(Problem::unauthorized)?;
    if principal.allows(scope) {
        Ok(principal)
    } else {
        Err(Problem::forbidden(scope.name()))
    }
}

/// A JSON body, refused as problem details when it is not JSON.
fn json_body<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<T, Problem> {
    if !is_json_media_type(&media_type(headers)) {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send application/json",
        ));
    }
    let value = cairn_verifier::parse_json_object(body, &cairn_verifier::Limits::default())
        .map_err(|e| Problem::new(StatusCode::BAD_REQUEST, e.code(), e.to_string()))?;
    serde_json::from_value(Value::Object(value)).map_err(|e| {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            e.to_string(),
        )
    })
}

/// A public document with an ETag and a 5-minute cache lifetime; 304 when the client has it.
fn cacheable(headers: &HeaderMap, body: &Value) -> Response {
    let text = body.to_string();
    let etag = format!(
        "\"{}\"",
        hex::encode(&Sha256::digest(text.as_bytes())[..16])
    );
    cached(headers, text, &etag, 300)
}

/// `text` with its ETag and `Cache-Control: public, max-age`; 304 on a matching
/// `If-None-Match` (RFC 9110 §13.1.2).
fn cached(headers: &HeaderMap, text: String, etag: &str, max_age: u32) -> Response {
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        ([(header::CONTENT_TYPE, "application/json")], text).into_response()
    };
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
        h.insert(header::CACHE_CONTROL, v);
    }
    response
}

#[utoipa::path(get, path = "/readyz", tag = "operations", responses((status = 200, description = "The database answers", body = String), (status = 503, description = "The database is not reachable", body = ProblemDoc)))]
async fn readyz(State(issuer): State<Shared>) -> Result<&'static str, Problem> {
    issuer
        .store()
        .public_keys()
        .await
        .map(|_| "ready")
        .map_err(|_| {
            Problem::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "the database is not reachable",
            )
        })
}

#[utoipa::path(get, path = "/.well-known/did.json", tag = "identity", responses((status = 200, description = "The did:web DID document (ETag, Cache-Control)", body = Object), (status = 304, description = "Not modified"), (status = 404, description = "Not a did:web issuer", body = ProblemDoc)))]
async fn did_json(State(issuer): State<Shared>, headers: HeaderMap) -> Result<Response, Problem> {
    if !issuer.id().starts_with("did:web:") {
        return Err(Problem::not_found("this issuer is not a did:web issuer"));
    }
    Ok(cacheable(&headers, &issuer.did_document().await?))
}

#[utoipa::path(get, path = "/.well-known/jwks.json", tag = "identity", responses((status = 200, description = "The public keys as a JWK Set (ETag, Cache-Control)", body = Object), (status = 304, description = "Not modified")))]
async fn jwks_json(State(issuer): State<Shared>, headers: HeaderMap) -> Result<Response, Problem> {
    Ok(cacheable(&headers, &issuer.jwks().await?))
}

#[utoipa::path(get, path = "/api/v1/achievements", tag = "achievements", security(("bearer" = ["read"])), responses((status = 200, description = "All achievements", body = Object), (status = 401, body = ProblemDoc), (status = 403, body = ProblemDoc)))]
async fn list_achievements(
    State(issuer): State<Shared>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    authorize(&issuer, &headers, Scope::Read).await?;
    let items: Vec<Value> = issuer
        .store()
        .achievements()
        .await?
        .into_iter()
        .map(|a| achievement_json(&a))
        .collect();
    Ok(axum::Json(json!({ "achievements": items })).into_response())
}

#[utoipa::path(get, path = "/api/v1/achievements/{slug}", tag = "achievements", security(("bearer" = ["read"])), params(("slug" = String, Path, description = "Achievement slug or id")), responses((status = 200, body = Object), (status = 404, body = ProblemDoc)))]
async fn get_achievement(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, Problem> {
    authorize(&issuer, &headers, Scope::Read).await?;
    let a = issuer
        .store()
        .achievement(&slug)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no achievement {slug:?}")))?;
    Ok(axum::Json(achievement_json(&a)).into_response())
}

#[utoipa::path(post, path = "/api/v1/achievements", tag = "achievements", security(("bearer" = ["admin"])), request_body(content = Object, description = "An achievement definition (schemas/achievement-definition.schema.json)"), responses((status = 201, body = Object), (status = 409, body = ProblemDoc), (status = 422, body = ProblemDoc)))]
async fn create_achievement(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let principal = authorize(&issuer, &headers, Scope::Admin).await?;
    let value: Value = json_body(&headers, &body)?;
    let def = AchievementDefinition::from_value(value)?;
    let stored = issuer.add_achievement(&def, &principal.actor()).await?;
    let body = achievement_json(&stored);
    Ok((StatusCode::CREATED, axum::Json(body)).into_response())
}

#[utoipa::path(put, path = "/api/v1/achievements/{slug}", tag = "achievements", security(("bearer" = ["admin"])), params(("slug" = String, Path, description = "Achievement slug or id")), request_body(content = Object, description = "The new definition; the slug cannot change"), responses((status = 200, body = Object), (status = 404, body = ProblemDoc), (status = 422, body = ProblemDoc)))]
async fn update_achievement(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    Path(slug): Path<String>,
    body: Bytes,
) -> Result<Response, Problem> {
    let principal = authorize(&issuer, &headers, Scope::Admin).await?;
    let value: Value = json_body(&headers, &body)?;
    let def = AchievementDefinition::from_value(value)?;
    let stored = issuer
        .update_achievement(&slug, &def, &principal.actor())
        .await?;
    Ok(axum::Json(achievement_json(&stored)).into_response())
}

#[utoipa::path(post, path = "/api/v1/achievements/{slug}/archive", tag = "achievements", security(("bearer" = ["admin"])), params(("slug" = String, Path, description = "Achievement slug or id")), responses((status = 204, description = "Archived"), (status = 404, body = ProblemDoc)))]
async fn archive_achievement(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> Result<Response, Problem> {
    let principal = authorize(&issuer, &headers, Scope::Admin).await?;
    issuer
        .archive_achievement(&slug, &principal.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// How the API shows an achievement.
fn achievement_json(a: &crate::StoredAchievement) -> Value {
    json!({"slug": a.slug, "archived": a.archived, "achievement": a.achievement})
}

/// The body of `POST /api/v1/credentials`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct IssueBody {
    achievement: String,
    recipient_email: String,
    recipient_did: Option<String>,
    recipient_name: Option<String>,
    #[serde(default)]
    evidence: Vec<String>,
    evidence_narrative: Option<String>,
    credits: Option<f64>,
    valid_until: Option<DateTime<Utc>>,
    /// `json` (default) or `jwt`.
    format: Option<String>,
    /// `rs256` or `eddsa`, for `jwt`.
    alg: Option<String>,
    /// `false` issues without status entries (default: with them, when the issuer publishes
    /// status lists).
    status: Option<bool>,
}

impl IssueBody {
    fn format(&self, issuer: &Issuer) -> Result<Format, Problem> {
        let bad = |m: &str| {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                m.to_owned(),
            )
        };
        match self.format.as_deref().unwrap_or("json") {
            "json" if self.alg.is_none() => Ok(Format::Json),
            "json" => Err(bad("alg goes with format jwt")),
            "jwt" => {
                let alg = match self.alg.as_deref() {
                    Some("rs256") => JwtAlg::Rs256,
                    Some("eddsa") => JwtAlg::EdDsa,
                    None if issuer.id().starts_with("did:web:") => JwtAlg::Rs256,
                    None => JwtAlg::EdDsa,
                    Some(_) => return Err(bad("alg is rs256 or eddsa")),
                };
                Ok(Format::Jwt {
                    alg,
                    embed_proof: false,
                })
            }
            _ => Err(bad("format is json or jwt")),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/credentials", tag = "credentials", security(("bearer" = ["issue"])), params(("Idempotency-Key" = Option<String>, Header, description = "A retried request with the same key returns the first result")), request_body = IssueBody, responses((status = 201, description = "{credential, jws?}", body = Object), (status = 409, body = ProblemDoc), (status = 422, body = ProblemDoc)))]
async fn issue_credential(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let principal = authorize(&issuer, &headers, Scope::Issue).await?;
    let request: IssueBody = json_body(&headers, &body)?;
    let format = request.format(&issuer)?;
    let idem_key = headers
        .get("idempotency-key")
        .map(|v| v.to_str().map(str::to_owned))
        .transpose()
        .map_err(|_| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid_idempotency_key",
                "the Idempotency-Key is not text",
            )
        })?;
    if let Some(key) = &idem_key {
        if key.is_empty() || key.len() > 255 {
            return Err(Problem::new(
                StatusCode::BAD_REQUEST,
                "invalid_idempotency_key",
                "an Idempotency-Key has 1 to 255 characters",
            ));
        }
        let request_hash = hex::encode(Sha256::digest(&body));
        let now = crate::rfc3339(issuer.now());
        match issuer
            .store()
            .reserve_idempotency(&principal.token_id, key, &request_hash, &now)
            .await?
        {
            Idempotency::Reserved => {}
            Idempotency::Done {
                request_hash: h,
                response,
            } if h == request_hash => {
                let mut r = (
                    StatusCode::CREATED,
                    [(header::CONTENT_TYPE, "application/json")],
                    response,
                )
                    .into_response();
                r.headers_mut()
                    .insert("idempotent-replayed", HeaderValue::from_static("true"));
                return Ok(r);
            }
            Idempotency::InProgress { request_hash: h } if h == request_hash => {
                return Err(Problem::new(
                    StatusCode::CONFLICT,
                    "idempotency_in_progress",
                    "a request with this Idempotency-Key is still being processed",
                ));
            }
            _ => {
                return Err(Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency_key_reused",
                    "this Idempotency-Key was used for a different request",
                ));
            }
        }
    }
    let issue = IssueRequest {
        achievement: request.achievement,
        recipient_email: request.recipient_email,
        recipient_did: request.recipient_did,
        recipient_name: request.recipient_name,
        evidence_urls: request.evidence,
        evidence_narrative: request.evidence_narrative,
        credits: request.credits,
        valid_until: request.valid_until,
        row_key: None,
        without_status: request.status == Some(false),
    };
    let result = issuer
        .issue_as(&issue, format, issuer.now(), &principal.actor())
        .await;
    let issued = match result {
        Ok(i) => i,
        Err(e) => {
            if let Some(key) = &idem_key {
                issuer
                    .store()
                    .release_idempotency(&principal.token_id, key)
                    .await?;
            }
            return Err(e.into());
        }
    };
    let body = match issued {
        Issued::Json(credential) => json!({ "credential": credential }),
        Issued::Jwt { jws, credential } => json!({ "credential": credential, "jws": jws }),
    };
    let text = body.to_string();
    if let Some(key) = &idem_key {
        issuer
            .store()
            .complete_idempotency(&principal.token_id, key, &text)
            .await?;
    }
    Ok((
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/json")],
        text,
    )
        .into_response())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// The recipient's email (matched by hash).
    recipient: Option<String>,
    /// Achievement slug or id.
    achievement: Option<String>,
    /// Issued at or after (RFC 3339).
    issued_from: Option<DateTime<Utc>>,
    /// Issued before (RFC 3339).
    issued_before: Option<DateTime<Utc>>,
    /// Page size, 1–500 (default 50).
    limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

fn bad_query(m: impl Into<String>) -> Problem {
    Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_query", m)
}

#[utoipa::path(get, path = "/api/v1/credentials", tag = "credentials", security(("bearer" = ["read"])), params(ListQuery), responses((status = 200, description = "{credentials: [{id, achievementId, issuedAt, status}], next_cursor}", body = Object), (status = 422, body = ProblemDoc)))]
async fn list_credentials(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    authorize(&issuer, &headers, Scope::Read).await?;
    let Query(q) = query.map_err(|e| bad_query(e.body_text()))?;
    let query = crate::CredentialQuery {
        recipient_email: q.recipient,
        achievement: q.achievement,
        issued_from: q.issued_from,
        issued_before: q.issued_before,
        cursor: q.cursor,
        limit: q.limit.unwrap_or(50),
    };
    let page = issuer
        .search_credentials(&query)
        .await
        .map_err(|e| match e {
            crate::Error::InvalidInput { .. } => bad_query(e.to_string()),
            crate::Error::AchievementNotFound(a) => {
                Problem::not_found(format!("no achievement {a:?}"))
            }
            other => Problem::from(other),
        })?;
    let next = page.next_cursor;
    let items: Vec<Value> = page
        .credentials
        .iter()
        .map(|h| json!({"id": h.id, "achievementId": h.achievement_id, "issuedAt": h.issued_at, "status": h.status}))
        .collect();
    Ok(axum::Json(json!({ "credentials": items, "next_cursor": next })).into_response())
}

#[utoipa::path(get, path = "/api/v1/credentials/{id}", tag = "credentials", security(("bearer" = ["read"])), params(("id" = String, Path, description = "Credential id")), responses((status = 200, description = "{credential, jws}", body = Object), (status = 404, body = ProblemDoc)))]
async fn get_credential(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    authorize(&issuer, &headers, Scope::Read).await?;
    let credential = issuer
        .store()
        .credential(&id)
        .await?
        .ok_or_else(|| Problem::not_found(format!("no credential {id:?}")))?;
    let jws = issuer.store().credential_jws(&id).await?;
    Ok(axum::Json(json!({ "credential": credential, "jws": jws })).into_response())
}

#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", security(("bearer" = ["admin"])), responses((status = 200, description = "{entries: [{at, actor, action, subject}]}", body = Object)))]
async fn audit_log(State(issuer): State<Shared>, headers: HeaderMap) -> Result<Response, Problem> {
    authorize(&issuer, &headers, Scope::Admin).await?;
    let entries: Vec<Value> = issuer
        .store()
        .audit_log()
        .await?
        .into_iter()
        .map(|(at, actor, action, subject)| json!({"at": at, "actor": actor, "action": action, "subject": subject}))
        .collect();
    Ok(axum::Json(json!({ "entries": entries })).into_response())
}

/// W3C VC-API `POST /credentials/issue`: `{credential, options}` → 201 `{verifiableCredential}`.
#[utoipa::path(post, path = "/credentials/issue", tag = "vc-api", security(("bearer" = ["issue"])), request_body(content = Object, description = "{credential, options}"), responses((status = 201, description = "{verifiableCredential}", body = Object), (status = 400, body = ProblemDoc)))]
async fn vc_api_issue(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let actor = if issuer.config().config.server.vc_api_requires_token {
        authorize(&issuer, &headers, Scope::Issue).await?.actor()
    } else {
        crate::Actor("vc-api:unauthenticated".to_owned())
    };
    let request: Value = json_body(&headers, &body)?;
    let credential = request.get("credential").cloned().ok_or_else(|| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "the body needs a credential",
        )
    })?;
    let signed = issuer
        .issue_vc_api(credential, issuer.now(), &actor)
        .await
        .map_err(|e| match e {
            crate::Error::InvalidInput { .. } => {
                Problem::new(StatusCode::BAD_REQUEST, e.code(), e.to_string())
            }
            other => Problem::from(other),
        })?;
    Ok((
        StatusCode::CREATED,
        axum::Json(json!({ "verifiableCredential": signed })),
    )
        .into_response())
}

/// `GET /status/{purpose}/{seq}`: the signed BitstringStatusListCredential, re-signed when it
/// changed or half its validity has passed; ETag, `Cache-Control: max-age` = the list's ttl.
#[utoipa::path(get, path = "/status/{purpose}/{seq}", tag = "status", params(("purpose" = String, Path, description = "revocation or suspension"), ("seq" = u32, Path, description = "The list's number")), responses((status = 200, description = "The BitstringStatusListCredential (ETag, Cache-Control)", body = Object), (status = 304, description = "Not modified"), (status = 404, body = ProblemDoc)))]
async fn status_list(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    Path((purpose, seq)): Path<(String, u32)>,
) -> Result<Response, Problem> {
    let not_found = || Problem::not_found("no such status list");
    let base = issuer.status_base_url()?.ok_or_else(not_found)?;
    if purpose != "revocation" && purpose != "suspension" {
        return Err(not_found());
    }
    let list = match issuer
        .current_status_list(&format!("{base}/{purpose}/{seq}"), issuer.now())
        .await
    {
        Err(crate::Error::StatusListNotFound(_)) => return Err(not_found()),
        other => other?,
    };
    Ok(cached(
        &headers,
        list.json,
        &list.etag,
        list.max_age_seconds,
    ))
}

/// The files beside a public credential page: `badge.png` and `badge.svg` (the credential — or
/// its JWS with `?format=jwt` — baked into the issuer's generated badge, OB 3.0 §5.3),
/// `credential.json`, `credential.jwt` and `qr.svg` (the page's link). Public, like the page.
#[utoipa::path(get, path = "/credentials/{key}/{file}", tag = "sharing", params(("key" = String, Path, description = "The credential's last path segment"), ("file" = String, Path, description = "badge.png, badge.svg, credential.json, credential.jwt or qr.svg"), ("format" = Option<String>, Query, description = "badges: jwt bakes the compact JWS")), responses((status = 200, description = "The file"), (status = 404, body = ProblemDoc), (status = 422, body = ProblemDoc)))]
async fn credential_file(
    State(issuer): State<Shared>,
    Path((key, file)): Path<(String, String)>,
    axum::extract::Query(query): axum::extract::Query<page::FileQuery>,
) -> Result<Response, Problem> {
    let (format, content_type) = match file.as_str() {
        "badge.png" => (crate::ImageFormat::Png, "image/png"),
        "badge.svg" => (crate::ImageFormat::Svg, "image/svg+xml"),
        "qr.svg" => return page::qr(&issuer, &key).await,
        "credential.json" => {
            let (_, credential) = issuer.public_credential(&key).await?;
            return Ok(page::json_response(&credential));
        }
        "credential.jwt" => {
            let (id, _) = issuer.public_credential(&key).await?;
            return page::jwt_response(&issuer, &id).await;
        }
        _ => return Err(Problem::not_found("no such resource")),
    };
    let jwt = match query.format.as_deref() {
        None | Some("json") => false,
        Some("jwt") => true,
        Some(other) => {
            return Err(crate::Error::input(
                "format",
                format!("format {other:?} is not json or jwt"),
            )
            .into())
        }
    };
    let (id, credential) = issuer.public_credential(&key).await?;
    let image = issuer.bake_document(&id, &credential, format, jwt).await?;
    let extension = if format == crate::ImageFormat::Png {
        "png"
    } else {
        "svg"
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"badge-{key}.{extension}\""),
            ),
            // An SVG opened directly must not run anything (it has no script; this makes sure).
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'".to_owned(),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "no-cache".to_owned()),
        ],
        image,
    )
        .into_response())
}

/// The body of the revoke, suspend and reinstate requests.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct StatusBody {
    credential_id: String,
    /// Kept in the audit log; never published.
    reason: Option<String>,
}

async fn change_status(
    issuer: &Issuer,
    headers: &HeaderMap,
    body: &Bytes,
    action: crate::StatusAction,
) -> Result<Response, Problem> {
    let principal = authorize(issuer, headers, Scope::Revoke).await?;
    let request: StatusBody = json_body(headers, body)?;
    if request.reason.as_ref().is_some_and(|r| r.len() > 2000) {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            "a reason has at most 2000 characters",
        ));
    }
    let change = issuer
        .change_status(
            &request.credential_id,
            action,
            request.reason.as_deref(),
            &principal.actor(),
        )
        .await?;
    Ok(axum::Json(json!({
        "credentialId": request.credential_id,
        "status": change.state.name(),
        "changed": !change.changed_lists.is_empty(),
    }))
    .into_response())
}

#[utoipa::path(post, path = "/api/v1/credentials/revoke", tag = "status", security(("bearer" = ["revoke"])), request_body = StatusBody, responses((status = 200, description = "{credentialId, status, changed}; revoking twice is not an error", body = Object), (status = 404, body = ProblemDoc), (status = 409, body = ProblemDoc)))]
async fn revoke_credential(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    change_status(&issuer, &headers, &body, crate::StatusAction::Revoke).await
}

#[utoipa::path(post, path = "/api/v1/credentials/suspend", tag = "status", security(("bearer" = ["revoke"])), request_body = StatusBody, responses((status = 200, description = "{credentialId, status, changed}", body = Object), (status = 404, body = ProblemDoc), (status = 409, description = "The credential is revoked", body = ProblemDoc)))]
async fn suspend_credential(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    change_status(&issuer, &headers, &body, crate::StatusAction::Suspend).await
}

#[utoipa::path(post, path = "/api/v1/credentials/reinstate", tag = "status", security(("bearer" = ["revoke"])), request_body = StatusBody, responses((status = 200, description = "{credentialId, status, changed}", body = Object), (status = 404, body = ProblemDoc), (status = 409, description = "The credential is revoked", body = ProblemDoc)))]
async fn reinstate_credential(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    change_status(&issuer, &headers, &body, crate::StatusAction::Reinstate).await
}

/// Most rows one batch request may carry.
const MAX_BATCH_ROWS: usize = 10_000;
/// Rows of a batch request issued together (one commit): small, because the service's one
/// thread waits while a group is signed.
const SERVER_BATCH_ROWS: usize = 32;

/// A batch row given as JSON: the single-issue body plus an optional `rowKey`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BatchRow {
    achievement: String,
    recipient_email: String,
    recipient_did: Option<String>,
    recipient_name: Option<String>,
    #[serde(default)]
    evidence: Vec<String>,
    evidence_narrative: Option<String>,
    credits: Option<f64>,
    valid_until: Option<DateTime<Utc>>,
    row_key: Option<String>,
    status: Option<bool>,
}

fn batch_rows_from_json(body: &Bytes) -> Result<crate::bulk::RosterRequests, Problem> {
    let rows: Vec<Value> = serde_json::from_slice(body)
        .map_err(|e| Problem::new(StatusCode::BAD_REQUEST, "invalid_json", e.to_string()))?;
    Ok(rows
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            // Without a rowKey the key is a hash of the row as sent: resending it issues nothing.
            let derived = format!(
                "auto:{}",
                hex::encode(&Sha256::digest(v.to_string().as_bytes())[..16])
            );
            let request = serde_json::from_value::<BatchRow>(v)
                .map_err(|e| crate::Error::input("row", e.to_string()))
                .map(|r| IssueRequest {
                    achievement: r.achievement,
                    recipient_email: r.recipient_email,
                    recipient_did: r.recipient_did,
                    recipient_name: r.recipient_name,
                    evidence_urls: r.evidence,
                    evidence_narrative: r.evidence_narrative,
                    credits: r.credits,
                    valid_until: r.valid_until,
                    row_key: Some(r.row_key.unwrap_or(derived)),
                    without_status: r.status == Some(false),
                });
            (i + 1, request)
        })
        .collect())
}

/// `POST /api/v1/credentials/batch`: a roster as `text/csv` (the `cairn issue-bulk` columns) or a
/// JSON array of rows; answers with one NDJSON line per row as it is done, then a summary line.
/// Bad rows are reported while good rows are issued; a row key is never issued twice.
#[utoipa::path(post, path = "/api/v1/credentials/batch", tag = "credentials", security(("bearer" = ["issue"])), request_body(content = Vec<BatchRow>, description = "A JSON array of rows, or text/csv with the roster columns", content_type = "application/json"), responses((status = 200, description = "NDJSON: one line per row, then {summary}", content_type = "application/x-ndjson"), (status = 415, body = ProblemDoc)))]
async fn issue_batch(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    use crate::bulk::RowStatus;
    let principal = authorize(&issuer, &headers, Scope::Issue).await?;
    let content_type = media_type(&headers);
    let rows = if content_type == "text/csv" {
        crate::bulk::parse_roster(&body[..])?
    } else if is_json_media_type(&content_type) {
        batch_rows_from_json(&body)?
    } else {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send text/csv or application/json",
        ));
    };
    if rows.len() > MAX_BATCH_ROWS {
        return Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_rows",
            format!("at most {MAX_BATCH_ROWS} rows per request"),
        ));
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<String>(64);
    tokio::spawn(async move {
        let actor = principal.actor();
        let (mut issued, mut already, mut failed) = (0usize, 0usize, 0usize);
        // Rows are issued a few at a time (one commit each); each line is sent once its row is
        // stored.
        for batch in rows.chunks(SERVER_BATCH_ROWS) {
            let usable: Vec<&crate::IssueRequest> =
                batch.iter().filter_map(|(_, r)| r.as_ref().ok()).collect();
            let mut statuses = match crate::bulk::issue_requests(&issuer, &usable, &actor).await {
                Ok(s) => s.into_iter(),
                Err(e) => {
                    // The database failed: say so and stop; re-sending the batch resumes.
                    tracing::error!(code = e.code(), error = %e, "batch stopped");
                    let _ = tx
                        .send(json!({"error": {"code": e.code()}}).to_string() + "\n")
                        .await;
                    return;
                }
            };
            for (line, request) in batch {
                let key = request.as_ref().ok().and_then(|r| r.row_key.clone());
                let status = match request {
                    Err(e) => RowStatus::Failed {
                        code: e.code().into(),
                        message: e.to_string(),
                    },
                    Ok(_) => statuses.next().unwrap_or(RowStatus::Failed {
                        code: "database_error".into(),
                        message: "the row's outcome went missing".into(),
                    }),
                };
                let item = match &status {
                    RowStatus::Issued(id) => {
                        issued += 1;
                        json!({"line": line, "rowKey": key, "status": "issued", "credentialId": id})
                    }
                    RowStatus::AlreadyIssued(id) => {
                        already += 1;
                        json!({"line": line, "rowKey": key, "status": "already_issued", "credentialId": id})
                    }
                    RowStatus::Failed { code, message } => {
                        failed += 1;
                        json!({"line": line, "rowKey": key, "status": "failed", "code": code, "message": message})
                    }
                };
                if tx.send(item.to_string() + "\n").await.is_err() {
                    return;
                }
            }
        }
        let summary =
            json!({"summary": {"issued": issued, "alreadyIssued": already, "failed": failed}});
        let _ = tx.send(summary.to_string() + "\n").await;
    });
    let stream = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|line| (Ok::<_, std::convert::Infallible>(line), rx))
    });
    Ok((
        [(header::CONTENT_TYPE, "application/x-ndjson")],
        axum::body::Body::from_stream(stream),
    )
        .into_response())
}

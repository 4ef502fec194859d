//! The district's public pages besides a credential's: the issuer's home (`/`: its profile and
//! the achievements it awards) and each achievement's page (`/achievements/{slug}`, the address
//! credentials carry as the achievement id) — HTML for browsers, the OB 3.0 `Profile` or
//! `Achievement` JSON for API clients — and the HTML page a browser gets instead of a
//! problem+json refusal (a mistyped short link, an unknown credential).

use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use maud::html;
use serde_json::Value;

use super::html::{html_response, simple_page};
use super::page::{accepted, json_response, safe_link, text, wants_json};
use super::problem::Problem;
use super::Shared;

/// Whether a request's `Accept` names an HTML type before any JSON type (RFC 9110 §12.5.1;
/// `*/*` alone is not a preference, so `curl` and API clients keep problem+json).
fn prefers_html(headers: &HeaderMap) -> bool {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    for media in accepted(accept) {
        match media.as_str() {
            "text/html" | "application/xhtml+xml" => return true,
            m if m.ends_with("json") => return false,
            _ => {}
        }
    }
    false
}

/// Largest refusal body read back to be shown as a page.
const MAX_PROBLEM: usize = 64 * 1024;

/// A refusal (problem+json) to a browser's GET becomes a page in plain words, with the same
/// status and the code in a details section; everything else passes as it is.
pub(crate) async fn html_errors(request: Request, next: Next) -> Response {
    let browser =
        matches!(*request.method(), Method::GET | Method::HEAD) && prefers_html(request.headers());
    let response = next.run(request).await;
    let problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !browser || !problem {
        return response;
    }
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), MAX_PROBLEM)
        .await
        .ok()
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .unwrap_or(Value::Null);
    let code = text(&body, "/code").unwrap_or("error");
    let detail = text(&body, "/detail").unwrap_or_default();
    let (title, advice) = match status {
        StatusCode::NOT_FOUND => (
            "We could not find that page",
            "The link may be mistyped or cut short. Check it against the message you were sent, or ask the person who shared it for the link again.",
        ),
        StatusCode::GONE => (
            "This is no longer available",
            "It was used, has expired or no longer applies. Go back to the credential's page for what is current.",
        ),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => (
            "This page is for district staff",
            "It needs a sign-in or an access token. If you were sent here to check a credential, use the credential's own link.",
        ),
        s if s.is_server_error() => (
            "Something went wrong on our side",
            "Nothing was changed. Try again in a few minutes; if it keeps happening, tell the district's IT staff.",
        ),
        _ => (
            "This request could not be completed",
            "Go back and try again.",
        ),
    };
    let mut page = html_response(simple_page(
        title,
        html! {
            p { (advice) }
            p { a href="/" { "The district's home page" } }
            details {
                summary { "Technical details" }
                p { (detail) " " span class="code" { "(" (code) ")" } }
            }
        },
    ));
    *page.status_mut() = status;
    page.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    page
}

/// `GET /`: the district's public home page, or its OB 3.0 Profile as JSON.
#[utoipa::path(get, path = "/", tag = "sharing", responses((status = 200, description = "HTML page; the issuer's OB 3.0 Profile for Accept: application/json or application/ld+json")))]
pub(crate) async fn home(
    State(issuer): State<Shared>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let profile = issuer.profile();
    if wants_json(&headers) {
        return Ok(json_response(&profile));
    }
    let achievements = issuer.achievements().await?;
    let name = text(&profile, "/name").unwrap_or(issuer.id()).to_owned();
    let mut page = html_response(simple_page(
        &name,
        html! {
            @if let Some(d) = text(&profile, "/description") { p class="lead" { (d) } }
            dl class="facts" {
                @if let Some(url) = text(&profile, "/url").and_then(safe_link) {
                    dt { "Website" } dd { a href=(url) rel="noopener noreferrer" { (url) } }
                }
                @if let Some(email) = text(&profile, "/email") {
                    dt { "Contact" } dd { (email) }
                }
                dt { "Issuer identifier" } dd { code { (issuer.id()) } }
            }
            h2 { "Micro-credentials we award" }
            @if achievements.iter().all(|a| a.archived) {
                p { "None at the moment." }
            }
            ul {
                @for a in achievements.iter().filter(|a| !a.archived) {
                    li { a href={ "/achievements/" (a.slug) } { (text(&a.achievement, "/name").unwrap_or(&a.slug)) } }
                }
            }
            h2 { "For verifiers" }
            p { "Credentials from this district are signed Open Badges 3.0 credentials. Check one with any Open Badges 3.0 verifier, or open its link: every credential page checks it live." }
            ul {
                li { a href="/.well-known/did.json" { "DID document (public keys)" } }
                li { a href="/.well-known/jwks.json" { "JSON Web Key Set" } }
            }
        },
    ));
    page.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    Ok(page)
}

/// `GET /achievements/{slug}`: the achievement's public page, or its OB 3.0 Achievement JSON.
#[utoipa::path(get, path = "/achievements/{slug}", tag = "sharing", params(("slug" = String, Path, description = "The achievement's slug (the last segment of its id)")), responses((status = 200, description = "HTML page; the OB 3.0 Achievement for Accept: application/json or application/ld+json"), (status = 404, body = super::openapi::ProblemDoc)))]
pub(crate) async fn achievement(
    State(issuer): State<Shared>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let stored = issuer
        .achievement(&slug)
        .await
        .map_err(|_| Problem::not_found("no such achievement"))?;
    let a = &stored.achievement;
    if wants_json(&headers) {
        return Ok(json_response(a));
    }
    let name = text(a, "/name").unwrap_or(&stored.slug).to_owned();
    let issuer_name = text(&issuer.profile(), "/name")
        .unwrap_or(issuer.id())
        .to_owned();
    // The page shows the achievement as a credential would: its criteria and alignments.
    let as_credential = serde_json::json!({"credentialSubject": {"achievement": a}});
    let mut page = html_response(simple_page(
        &name,
        html! {
            @if stored.archived { div class="status expired" role="status" { strong { "No longer awarded." } " Credentials already issued for it still count." } }
            @if let Some(d) = text(a, "/description") { p class="lead" { (d) } }
            dl class="facts" {
                dt { "Awarded by" } dd { a href="/" { (issuer_name) } }
                @if let Some(c) = a.get("creditsAvailable").and_then(Value::as_f64) { dt { "Credits" } dd { (c) } }
            }
            (super::credential_view::what_it_took(&as_credential))
        },
    ));
    page.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("Accept"));
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_explicit_html_preference_gets_pages() {
        let accept = |v: &'static str| {
            let mut h = HeaderMap::new();
            h.insert(header::ACCEPT, HeaderValue::from_static(v));
            prefers_html(&h)
        };
        assert!(accept(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        ));
        assert!(!accept("*/*"));
        assert!(!accept("application/json, text/html"));
        assert!(!accept("text/html;q=0, application/problem+json"));
        assert!(!prefers_html(&HeaderMap::new()));
    }
}

/// `GET /achievements/{slug}/image`: the image uploaded for an achievement in the console (PNG
/// or sanitised SVG); an SVG is served so that it can run nothing even when opened directly.
#[utoipa::path(get, path = "/achievements/{slug}/image", tag = "sharing", params(("slug" = String, Path, description = "The achievement's slug")), responses((status = 200, description = "image/png or image/svg+xml"), (status = 404, body = super::openapi::ProblemDoc)))]
pub(crate) async fn achievement_image(
    State(issuer): State<Shared>,
    Path(slug): Path<String>,
) -> Result<Response, Problem> {
    let (media_type, bytes) = issuer.achievement_image(&slug).await?;
    let mut response = axum::response::IntoResponse::into_response(bytes);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&media_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
    );
    Ok(response)
}

//! The chrome every page of the issuer's service shares: the security headers, the head with the
//! stylesheet and icon, a page of its own (title and body) and a short message page; the dates
//! people read, in the district's time zone.

use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{html, Markup, DOCTYPE};

/// No inline script or style, nothing from elsewhere; the page's own script file may run (the
/// copy buttons; everything works without it).
pub(crate) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// An HTML page with the security headers every page carries.
pub(crate) fn html_response(markup: Markup) -> Response {
    html_response_with(markup, CSP)
}

/// An HTML page with the security headers and the content security policy `csp`.
pub(crate) fn html_response_with(markup: Markup, csp: &'static str) -> Response {
    let mut response = markup.into_string().into_response();
    cairn_http::secure_page_headers(response.headers_mut(), csp);
    response
}

/// A page of its own (not a credential's): the title as heading, then `body`.
pub(crate) fn simple_page(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="icon" href="/assets/favicon.svg" type="image/svg+xml";
                link rel="stylesheet" href="/assets/credential.css";
            }
            body { main { h1 { (title) } (body) } }
        }
    }
}

/// A short page: a title, paragraphs, and a link back.
pub(crate) fn message_page(title: &str, paragraphs: &[&str], back: Option<(&str, &str)>) -> Markup {
    simple_page(
        title,
        html! {
            @for p in paragraphs { p { (p) } }
            @if let Some((href, label)) = back { p { a href=(href) { (label) } } }
        },
    )
}

/// An RFC 3339 time (as stored) for people, in the district's zone: `3 December 2026, 14:05 CST`.
pub(crate) fn moment(rfc3339: &str, tz: cairn_render::Tz) -> String {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|at| cairn_render::moment(at.with_timezone(&Utc), tz))
        .unwrap_or_else(|_| rfc3339.to_owned())
}

//! Signing in and out of the console: the sign-in page (the district's provider, or a mailed
//! link), the OpenID Connect start and callback, the link's confirmation (a GET only shows a
//! button, so a mail scanner that opens links signs nobody in), and signing out here or
//! everywhere. Every form carries a CSRF token; the pages before sign-in derive it from the
//! sign-in cookie.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use cairn_issuer::{csrf_matches, csrf_token, Error, Issuer};
use maud::html;
use serde::Deserialize;

use super::{
    cookie_value, error_page, page, refusal_page, session_set_cookie, sign_in_set_cookie, Console,
    SignedInOnly, SIGN_IN,
};
use crate::Shared;

/// The sign-in cookie this browser holds, or a new one to set.
fn sign_in_secret(headers: &HeaderMap) -> (String, bool) {
    match cookie_value(headers, SIGN_IN).filter(|v| v.len() >= 40) {
        Some(v) => (v, false),
        None => (cairn_issuer::new_secret(), true),
    }
}

fn with_cookie(issuer: &Issuer, mut response: Response, secret: &str, new: bool) -> Response {
    if new {
        response
            .headers_mut()
            .append(header::SET_COOKIE, sign_in_set_cookie(issuer, Some(secret)));
    }
    response
}

#[derive(Debug, Deserialize)]
pub(crate) struct SentQuery {
    sent: Option<String>,
}

/// `GET /console/sign-in`: the district's provider, and the mailed-link form.
pub(crate) async fn sign_in_page(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<SentQuery>,
) -> Response {
    let sent = q.sent.is_some();
    let (secret, new) = sign_in_secret(&headers);
    let provider = issuer.oidc_display_name();
    let links = issuer.sign_in_links_available();
    let body = html! {
        @if sent {
            div class="notice" role="status" {
                p { "If that address belongs to a member of staff, a sign-in link is on its way. It works once, for 15 minutes." }
            }
        }
        @if let Some(name) = &provider {
            p { "Staff of the district sign in with their district account." }
            p { a class="button" href="/console/sign-in/oidc" { "Sign in with " (name) } }
        }
        @if links {
            h2 { "No district account?" }
            p { "Reviewers from a partner district and other invited staff can sign in with a link sent by email." }
            form method="post" action="/console/sign-in/email" class="stack" {
                input type="hidden" name="csrf" value=(csrf_token(&secret));
                label for="email" { "Your email address" }
                input id="email" name="email" type="email" autocomplete="email" required;
                button type="submit" { "Email me a sign-in link" }
            }
        }
        @if provider.is_none() && !links {
            p { "Sign-in is not set up yet. The district's IT staff can connect the district's identity provider ([oidc] in cairn.toml) or email ([smtp]); see the README." }
        }
    };
    with_cookie(
        &issuer,
        page(&issuer, "Sign in", None, "", body),
        &secret,
        new,
    )
}

/// `GET /console/sign-in/oidc`: begins a sign-in at the provider.
pub(crate) async fn start_oidc(State(issuer): State<Shared>) -> Response {
    match issuer.begin_oidc_sign_in().await {
        Ok(start) => {
            let mut response = Redirect::to(&start.authorize_url).into_response();
            response.headers_mut().append(
                header::SET_COOKIE,
                sign_in_set_cookie(&issuer, Some(&start.browser_secret)),
            );
            response
        }
        Err(e) => sign_in_error(e),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /console/sign-in/callback`: the provider sends the browser back here.
pub(crate) async fn callback(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<Callback>,
) -> Response {
    if let Some(error) = &q.error {
        // RFC 6749 §4.1.2.1: the provider refused (the person cancelled, say).
        let detail = q.error_description.as_deref().unwrap_or(error);
        return refusal_page(
            StatusCode::UNAUTHORIZED,
            "Sign-in was not completed",
            &format!("The identity provider did not sign you in ({detail}). Try again."),
            "oidc_provider_refused",
            None,
        );
    }
    let (Some(code), Some(state)) = (&q.code, &q.state) else {
        return refusal_page(
            StatusCode::BAD_REQUEST,
            "Sign-in was not completed",
            "The identity provider's answer is incomplete. Start again from the sign-in page.",
            "sign_in_state_invalid",
            None,
        );
    };
    let browser = cookie_value(&headers, SIGN_IN).unwrap_or_default();
    match issuer.finish_oidc_sign_in(state, code, &browser).await {
        Ok(session) => signed_in_response(&issuer, &session),
        Err(e) => sign_in_error(e),
    }
}

/// The answer to a finished sign-in: the new session cookie, the sign-in cookie cleared, and on
/// to the console.
fn signed_in_response(issuer: &Issuer, session: &str) -> Response {
    let mut response = Redirect::to("/console").into_response();
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        session_set_cookie(issuer, Some(session)),
    );
    headers.append(header::SET_COOKIE, sign_in_set_cookie(issuer, None));
    response
}

fn sign_in_error(e: Error) -> Response {
    match &e {
        Error::SignIn { message, .. } => refusal_page(
            crate::status_of(&e),
            "You could not be signed in",
            message,
            e.code(),
            None,
        ),
        _ => error_page(e, None),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct LinkRequest {
    email: String,
    #[serde(default)]
    csrf: String,
}

/// `POST /console/sign-in/email`: mails a sign-in link when the address is staff; the answer is
/// the same either way.
pub(crate) async fn request_link(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<LinkRequest>,
) -> Response {
    let browser = cookie_value(&headers, SIGN_IN).unwrap_or_default();
    if browser.is_empty() || !csrf_matches(&browser, &form.csrf) {
        return expired_form();
    }
    match issuer.request_sign_in_link(&form.email).await {
        Ok(()) => Redirect::to("/console/sign-in?sent=1").into_response(),
        Err(e) => sign_in_error(e),
    }
}

fn expired_form() -> Response {
    refusal_page(
        StatusCode::FORBIDDEN,
        "This form has expired",
        "For your safety the form was not sent: it did not carry this browser's security token. Go back to the sign-in page and try again.",
        "csrf_token_invalid",
        None,
    )
}

/// `GET /console/sign-in/link/{token}`: a button that signs in (the link is used by the POST).
pub(crate) async fn link_page(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let (secret, new) = sign_in_secret(&headers);
    let body = html! {
        p { "Press the button to sign in to the console. The link then stops working." }
        form method="post" action=(format!("/console/sign-in/link/{token}")) {
            input type="hidden" name="csrf" value=(csrf_token(&secret));
            button type="submit" { "Sign in" }
        }
    };
    with_cookie(
        &issuer,
        page(&issuer, "Sign in with your link", None, "", body),
        &secret,
        new,
    )
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /console/sign-in/link/{token}`: signs in with the mailed link.
pub(crate) async fn use_link(
    State(issuer): State<Shared>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    let browser = cookie_value(&headers, SIGN_IN).unwrap_or_default();
    if browser.is_empty() || !csrf_matches(&browser, &form.csrf) {
        return expired_form();
    }
    match issuer.sign_in_with_link(&token).await {
        Ok(session) => signed_in_response(&issuer, &session),
        Err(e) => sign_in_error(e),
    }
}

/// `POST /console/sign-out`: ends this session.
pub(crate) async fn sign_out(
    State(issuer): State<Shared>,
    Console(staff, _): Console<SignedInOnly>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    if let Some(refused) = staff.csrf_refusal(&form.csrf) {
        return refused;
    }
    if let Err(e) = issuer.sign_out(&staff.signed_in).await {
        return error_page(e, Some(&staff.signed_in));
    }
    signed_out(&issuer, "You are signed out.")
}

/// `POST /console/sign-out-everywhere`: ends every session of this person.
pub(crate) async fn sign_out_everywhere(
    State(issuer): State<Shared>,
    Console(staff, _): Console<SignedInOnly>,
    Form(form): Form<CsrfOnly>,
) -> Response {
    if let Some(refused) = staff.csrf_refusal(&form.csrf) {
        return refused;
    }
    match issuer.sign_out_everywhere(&staff.signed_in).await {
        Ok(n) => signed_out(
            &issuer,
            &format!(
                "You are signed out on every device ({n} session{}).",
                if n == 1 { "" } else { "s" }
            ),
        ),
        Err(e) => error_page(e, Some(&staff.signed_in)),
    }
}

fn signed_out(issuer: &Issuer, said: &str) -> Response {
    let body = html! {
        p role="status" { (said) }
        p { a href="/console/sign-in" { "Sign in again" } }
    };
    let mut response = page(issuer, "Signed out", None, "", body);
    response
        .headers_mut()
        .append(header::SET_COOKIE, session_set_cookie(issuer, None));
    response
}

//! The staff console (`/console`): who is signed in (the session cookie, its CSRF token), the
//! extractor every console page takes (`Console<P>`: signed in, holding permission `P` of the
//! issuer's one permission table), the page chrome and navigation, and the route table.
//! Sign-in lives in `sign_in.rs`, the pages in `pages.rs`, `records.rs` and `admin.rs`.

mod achievements;
mod admin;
mod award;
mod evidence;
mod pages;
mod pay;
mod records;
mod roster;
mod settings;
mod sign_in;

pub(crate) use evidence::UPLOAD_LIMIT as EVIDENCE_UPLOAD_LIMIT;

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use cairn_issuer::{Issuer, Permission, SignedIn};
use cookie::{Cookie, SameSite};
use maud::{html, Markup, DOCTYPE};

use crate::extract::Required;
/// The console's pages: the public pages' policy, and `connect-src 'self'` for the one script's
/// progress requests.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; \
     connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// A console page with its security headers.
fn html_response(markup: Markup) -> Response {
    crate::html::html_response_with(markup, CSP)
}
use crate::problem::Problem;
use crate::Shared;

/// The console's route table; every page takes a `Console<…>` naming the permission it needs
/// (sign-in pages take none).
#[rustfmt::skip]
pub(crate) fn routes() -> Router<Shared> {
    Router::new()
        .route("/console/sign-in",                   get(sign_in::sign_in_page))
        .route("/console/sign-in/oidc",              get(sign_in::start_oidc))
        .route("/console/sign-in/callback",          get(sign_in::callback))
        .route("/console/sign-in/email",             post(sign_in::request_link))
        .route("/console/sign-in/link/{token}",      get(sign_in::link_page).post(sign_in::use_link))
        .route("/console/sign-out",                  post(sign_in::sign_out))
        .route("/console/sign-out-everywhere",       post(sign_in::sign_out_everywhere))
        .route("/console",                           get(pages::dashboard))                 // signed in
        .route("/console/credentials",               get(records::find))                    // read credentials
        .route("/console/credential",                get(records::open))                    // read credentials
        .route("/console/credential/status",         post(records::change_status))          // change status
        .route("/console/credential/offer",          post(records::offer))                  // issue
        .route("/console/credential/resend",         post(records::resend))                 // issue
        .route("/console/achievements",              get(achievements::list).post(achievements::create)) // read credentials; manage achievements
        .route("/console/achievements/new",          get(achievements::new))                // manage achievements
        .route("/console/achievements/edit",         get(achievements::edit).post(achievements::save)) // manage achievements
        .route("/console/achievements/archive",      post(achievements::archive))           // manage achievements
        .route("/console/achievements/image",        post(achievements::image))             // manage achievements
        .route("/console/roster",                    get(roster::form).post(roster::upload)) // issue
        .route("/console/roster/run",                get(roster::run_page))                 // issue
        .route("/console/roster/run.json",           get(roster::run_json))                 // issue
        .route("/console/roster/run.csv",            get(roster::run_csv))                  // issue
        .route("/console/award",                     get(award::form).post(award::award))   // issue
        .route("/console/audit",                     get(records::audit))                   // read audit
        .route("/console/audit.csv",                 get(records::audit_csv))               // read audit
        .route("/console/tokens",                    get(admin::tokens).post(admin::create_token)) // manage tokens
        .route("/console/tokens/revoke",             post(admin::revoke_token))             // manage tokens
        .route("/console/keys",                      get(admin::keys))                      // read credentials
        .route("/console/keys/rotate",               post(admin::rotate))                   // manage keys
        .route("/console/settings",                  get(settings::form).post(settings::save)) // manage settings
        .route("/console/staff",                     get(admin::staff).post(admin::add_staff)) // manage users
        .route("/console/staff/role",                post(admin::set_role))                 // manage users
        .route("/console/staff/remove",              post(admin::remove_staff))             // manage users
        .route("/console/submissions",               get(evidence::list))                   // submit, review or manage reviews
        .route("/console/submit",                    get(evidence::form).post(evidence::submit)
                                                     .layer(axum::extract::DefaultBodyLimit::max(evidence::UPLOAD_LIMIT))) // submit
        .route("/console/submissions/{id}",          get(evidence::open))                   // its teacher, its reviewers, manage reviews
        .route("/console/submissions/{id}/files/{file}", get(evidence::file))               // the same
        .route("/console/submissions/{id}/withdraw", post(evidence::withdraw))              // its teacher, manage reviews
        .route("/console/submissions/{id}/assign",   post(evidence::assign))                // manage reviews
        .route("/console/submissions/{id}/award",    post(evidence::award))                 // manage reviews
        .route("/console/reviews",                   get(evidence::reviews))                // review
        .route("/console/reviews/{id}",              get(evidence::review_form).post(evidence::review)) // review
        .route("/console/conflicts",                 get(evidence::conflicts).post(evidence::add_conflict)) // manage reviews
        .route("/console/reports",                   get(pay::reports))                     // manage reviews
        .route("/console/reports.csv",               get(pay::reports_csv))                 // manage reviews
        .route("/console/preapprovals",              get(pay::list))                        // approve pay
        .route("/console/preapprovals/request",      post(pay::request))                    // submit
        .route("/console/preapprovals/decide",       post(pay::decide))                     // approve pay
        .route("/console/payroll.csv",               get(pay::payroll_csv))                 // approve pay
}

/// Whether cookies are marked `Secure` (and the session cookie takes the `__Host-` prefix): when
/// the issuer's public address is https. A plain-http address is for local use only.
fn secure(issuer: &Issuer) -> bool {
    issuer
        .config()
        .config
        .issuer
        .url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"))
}

const SESSION: &str = "cairn-session";
const SECURE_SESSION: &str = "__Host-cairn-session";
/// The sign-in cookie: binds an OpenID sign-in's `state`, and the sign-in forms' CSRF token.
const SIGN_IN: &str = "cairn-sign-in";

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// The session cookie's secret, under either name.
pub(crate) fn session_cookie(headers: &HeaderMap) -> Option<String> {
    cookie_value(headers, SECURE_SESSION).or_else(|| cookie_value(headers, SESSION))
}

/// `Set-Cookie` for a new session (HttpOnly, SameSite=Lax so the provider's redirect back
/// arrives signed in; `Secure` and `__Host-` over https). `None` clears it.
fn session_set_cookie(issuer: &Issuer, secret: Option<&str>) -> HeaderValue {
    let name = if secure(issuer) {
        SECURE_SESSION
    } else {
        SESSION
    };
    let mut c = Cookie::build((name, secret.unwrap_or("").to_owned()))
        .path("/")
        .http_only(true)
        .secure(secure(issuer))
        .same_site(SameSite::Lax);
    if secret.is_none() {
        c = c.max_age(cookie::time::Duration::ZERO);
    }
    header_value(&c.build())
}

/// `Set-Cookie` for the sign-in cookie (ten minutes, only under /console/sign-in).
fn sign_in_set_cookie(issuer: &Issuer, secret: Option<&str>) -> HeaderValue {
    let age = if secret.is_some() { 600 } else { 0 };
    let c = Cookie::build((SIGN_IN, secret.unwrap_or("").to_owned()))
        .path("/console/sign-in")
        .http_only(true)
        .secure(secure(issuer))
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::seconds(age))
        .build();
    header_value(&c)
}

fn header_value(c: &Cookie<'_>) -> HeaderValue {
    // A cookie's text is ASCII (values are base64url); an impossible failure clears nothing.
    HeaderValue::from_str(&c.to_string()).unwrap_or(HeaderValue::from_static(""))
}

/// 403 `csrf_token_invalid`: a form or API call from a signed-in browser without its token.
pub(crate) fn csrf_problem() -> Problem {
    Problem::new(
        StatusCode::FORBIDDEN,
        "csrf_token_invalid",
        "the form's security token is missing or does not match this session; reload the page and try again",
    )
}

/// A person signed in to the console, with their cookie (for CSRF checks).
#[derive(Debug)]
pub(crate) struct Staff {
    pub signed_in: SignedIn,
    cookie: String,
}

impl Staff {
    /// The refusal of a form whose CSRF token is not this session's (None: it is).
    pub(crate) fn csrf_refusal(&self, given: &str) -> Option<Response> {
        if cairn_issuer::csrf_matches(&self.cookie, given) {
            None
        } else {
            Some(refusal_page(StatusCode::FORBIDDEN, "This form has expired", "For your safety the form was not sent: it did not carry this session's security token. Go back, reload the page and try again.", "csrf_token_invalid", Some(&self.signed_in)))
        }
    }

    /// Whether this person may do `permission` (the issuer's permission table).
    pub(crate) fn may(&self, permission: Permission) -> bool {
        self.signed_in.may(permission)
    }
}

/// A console page's caller: signed in (else sent to the sign-in page) and holding `P` (else a
/// 403 page naming their role).
#[derive(Debug)]
pub(crate) struct Console<P>(pub Staff, PhantomData<P>);

/// Any signed-in person, whatever their role.
#[derive(Debug)]
pub(crate) struct SignedInOnly;

impl<P: Gate + Send + Sync> FromRequestParts<Shared> for Console<P> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, issuer: &Shared) -> Result<Self, Response> {
        let signed_in = match session_cookie(&parts.headers) {
            Some(cookie) => issuer
                .signed_in(&cookie)
                .await
                .map_err(|e| Problem::from(e).into_response())?
                .map(|s| (s, cookie)),
            None => None,
        };
        let Some((signed_in, cookie)) = signed_in else {
            return Err(Redirect::to("/console/sign-in").into_response());
        };
        if let Some(permission) = P::permission() {
            if !signed_in.may(permission) {
                let why = format!(
                    "Your role ({}) does not allow this: {}.",
                    signed_in.member.role.label(),
                    permission.label().to_lowercase()
                );
                return Err(refusal_page(
                    StatusCode::FORBIDDEN,
                    "Your role does not allow this",
                    &why,
                    "role_not_permitted",
                    Some(&signed_in),
                ));
            }
        }
        Ok(Console(Staff { signed_in, cookie }, PhantomData))
    }
}

/// What a console page requires: a permission, or only a sign-in.
pub(crate) trait Gate {
    fn permission() -> Option<Permission>;
}

impl<P: Required> Gate for P {
    fn permission() -> Option<Permission> {
        Some(P::PERMISSION)
    }
}

impl Gate for SignedInOnly {
    fn permission() -> Option<Permission> {
        None
    }
}

/// The console's sections: (path, label, the permission that shows it).
const SECTIONS: [(&str, &str, Option<Permission>); 14] = [
    ("/console", "Overview", None),
    (
        "/console/submissions",
        "My submissions",
        Some(Permission::Submit),
    ),
    ("/console/reviews", "My reviews", Some(Permission::Review)),
    (
        "/console/submissions?all=1",
        "Submissions",
        Some(Permission::ManageReviews),
    ),
    (
        "/console/credentials",
        "Credentials",
        Some(Permission::ReadCredentials),
    ),
    (
        "/console/preapprovals",
        "Pre-approvals",
        Some(Permission::ApprovePay),
    ),
    ("/console/award", "Award", Some(Permission::Issue)),
    ("/console/roster", "Roster", Some(Permission::Issue)),
    (
        "/console/achievements",
        "Achievements",
        Some(Permission::ReadCredentials),
    ),
    ("/console/audit", "Audit log", Some(Permission::ReadAudit)),
    (
        "/console/tokens",
        "API tokens",
        Some(Permission::ManageTokens),
    ),
    ("/console/keys", "Keys", Some(Permission::ReadCredentials)),
    ("/console/staff", "Staff", Some(Permission::ManageUsers)),
    (
        "/console/settings",
        "Settings",
        Some(Permission::ManageSettings),
    ),
];

/// A console page: skip link, the district's name, the sections this person may open, who is
/// signed in with the sign-out buttons, then `body` under the title.
pub(crate) fn page(
    issuer: &Issuer,
    title: &str,
    who: Option<&SignedIn>,
    current: &str,
    body: Markup,
) -> Response {
    let district = &issuer.settings().name;
    html_response(html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — " (district) " credential console" }
                link rel="icon" href="/assets/favicon.svg" type="image/svg+xml";
                link rel="stylesheet" href="/assets/console.css";
                script src="/assets/console.js" defer {}
            }
            body {
                a class="skip" href="#main" { "Skip to the content" }
                header {
                    p class="district" { (district) " · credential console" }
                    @if let Some(s) = who {
                        nav aria-label="Console" {
                            ul {
                                @for (href, label, needs) in SECTIONS {
                                    @if needs.is_none_or(|p| s.may(p)) {
                                        li {
                                            @if href == current {
                                                a href=(href) aria-current="page" { (label) }
                                            } @else {
                                                a href=(href) { (label) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        div class="who" {
                            span { "Signed in as " strong { (s.member.email) } " (" (s.member.role.label()) ")" }
                            form method="post" action="/console/sign-out" {
                                input type="hidden" name="csrf" value=(s.csrf);
                                button type="submit" class="secondary" { "Sign out" }
                            }
                        }
                    }
                }
                main id="main" tabindex="-1" {
                    h1 { (title) }
                    (body)
                }
            }
        }
    })
}

/// A refusal as a console page: what happened in plain words, the code in the details.
pub(crate) fn refusal_page(
    status: StatusCode,
    title: &str,
    advice: &str,
    code: &str,
    who: Option<&SignedIn>,
) -> Response {
    // The chrome needs the issuer only for the district's name, which a refusal can do without.
    let mut response = html_response(html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="icon" href="/assets/favicon.svg" type="image/svg+xml";
                link rel="stylesheet" href="/assets/console.css";
            }
            body {
                main id="main" {
                    h1 { (title) }
                    p { (advice) }
                    p {
                        @if who.is_some() { a href="/console" { "Back to the console" } }
                        @else { a href="/console/sign-in" { "Sign in" } }
                    }
                    details {
                        summary { "Technical details" }
                        p class="code" { (code) }
                    }
                }
            }
        }
    });
    *response.status_mut() = status;
    response
}

/// An issuer error on a console page: its plain message and code, with the status the API
/// would answer.
pub(crate) fn error_page(e: cairn_issuer::Error, who: Option<&SignedIn>) -> Response {
    let status = crate::status_of(&e);
    let (title, advice) = if status.is_server_error() {
        tracing::error!(code = e.code(), error = %e, "console request failed");
        (
            "Something went wrong on our side",
            "Nothing was changed. Try again in a few minutes; if it keeps happening, tell the district's IT staff.".to_owned(),
        )
    } else {
        ("This could not be done", e.to_string())
    };
    refusal_page(status, title, &advice, e.code(), who)
}

/// A refused value on a page: what is wrong, and its code.
pub(crate) fn problem_notice(e: &cairn_issuer::Error) -> Markup {
    html! {
        div class="notice error" role="alert" { p { (e.to_string()) " " span class="code" { "(" (e.code()) ")" } } }
    }
}

/// A filter form's two date fields (`from`, `to`: the days in the district's time zone).
pub(crate) fn date_range(from_label: &str, to_label: &str, from: &str, to: &str) -> Markup {
    html! {
        div {
            label for="from" { (from_label) }
            input id="from" name="from" type="date" value=(from);
        }
        div {
            label for="to" { (to_label) }
            input id="to" name="to" type="date" value=(to);
        }
    }
}

/// A multipart form: its CSRF token, its other text fields, and its file (the last one chosen)
/// and every file chosen (a field may hold several; empty choices are left out).
#[derive(Debug, Default)]
pub(crate) struct Upload {
    pub csrf: String,
    pub fields: std::collections::HashMap<String, String>,
    pub file_name: Option<String>,
    pub bytes: Vec<u8>,
    pub files: Vec<(String, Vec<u8>)>,
}

/// Reads a multipart form whose file is the field `file` (`invalid_input` when it cannot be
/// read, e.g. over the request size limit).
pub(crate) async fn read_upload(
    mut multipart: axum::extract::Multipart,
    file: &'static str,
) -> Result<Upload, cairn_issuer::Error> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        cairn_issuer::Error::input(file, e.body_text())
    };
    let mut upload = Upload::default();
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == file {
            upload.file_name = field
                .file_name()
                .map(|n| n.chars().filter(|c| !c.is_control()).take(120).collect());
            upload.bytes = field.bytes().await.map_err(bad)?.to_vec();
            if let Some(n) = upload.file_name.clone().filter(|n| !n.is_empty()) {
                upload.files.push((n, upload.bytes.clone()));
            }
        } else {
            let text = field.text().await.map_err(bad)?;
            if name == "csrf" {
                upload.csrf = text;
            } else {
                upload.fields.insert(name, text);
            }
        }
    }
    Ok(upload)
}

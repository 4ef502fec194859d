//! The public credential page `/credentials/{key}`: HTML for people (live status with its date,
//! badge, what the credential says, "Verify now", downloads named after the achievement, the
//! certificate, LinkedIn with each field to copy, short link, QR, wallet), the credential JSON or
//! JWS for machines by `Accept`. Escaping by maud; one script file, for the copy buttons only.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};
use serde::Deserialize;
use serde_json::Value;

use super::claim_page::wallet_request;
use super::credential_view;
use super::html::{html_response, moment};
use super::problem::Problem;
use super::Shared;
use cairn_issuer::{Issuer, LiveStatus};

const CSS: &str = include_str!("credential.css");
const ICON: &str = include_str!("favicon.svg");
const COPY_JS: &str = include_str!("copy.js");
const CONSOLE_CSS: &str = include_str!("console.css");
const CONSOLE_JS: &str = include_str!("console.js");

/// What an `Accept` header asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wanted {
    Html,
    Json,
    Jwt,
}

/// The first of the listed media types the client accepts (RFC 9110 §12.5.1, q-values ignored
/// except `q=0`); browsers' `text/html` wins, an absent header gets HTML.
fn negotiate(headers: &HeaderMap) -> Wanted {
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("text/html");
    for media in accepted(accept) {
        match media.as_str() {
            "text/html" | "application/xhtml+xml" | "*/*" | "text/*" => return Wanted::Html,
            "application/ld+json"
            | "application/json"
            | "application/vc+ld+json"
            | "application/vc" => return Wanted::Json,
            "application/jwt" | "application/vc+jwt" => return Wanted::Jwt,
            _ => {}
        }
    }
    Wanted::Html
}

/// The media types an `Accept` value lists, in its order, lower-cased, without those refused
/// with `q=0` (other q-values are not weighed).
pub(crate) fn accepted(accept: &str) -> impl Iterator<Item = String> + '_ {
    accept.split(',').filter_map(|part| {
        let mut fields = part.split(';').map(str::trim);
        let media = fields.next().unwrap_or_default().to_ascii_lowercase();
        (!fields.any(|f| f.replace(' ', "") == "q=0")).then_some(media)
    })
}

/// Whether the request asks for the JSON form (of a page that has one).
pub(crate) fn wants_json(headers: &HeaderMap) -> bool {
    negotiate(headers) == Wanted::Json
}

/// `GET /credentials/{key}`.
#[utoipa::path(get, path = "/credentials/{key}", tag = "sharing", params(("key" = String, Path, description = "The credential's last path segment")), responses((status = 200, description = "HTML page; the credential JSON for Accept: application/ld+json or application/json; the compact JWS for application/jwt"), (status = 404, body = super::openapi::ProblemDoc), (status = 406, body = super::openapi::ProblemDoc)))]
pub(crate) async fn credential_page(
    State(issuer): State<Shared>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let (id, credential) = issuer.public_credential(&key).await?;
    match negotiate(&headers) {
        Wanted::Json => Ok(json_response(&credential)),
        Wanted::Jwt => jwt_response(&issuer, &id).await,
        Wanted::Html => render(&issuer, &key, &id, &credential, None).await,
    }
}

/// `GET /credentials/{key}/verify` ("Verify now"; reloading it checks again): the page with the
/// verifier's report at the top.
pub(crate) async fn verify_now(issuer: &Issuer, key: &str) -> Result<Response, Problem> {
    let (id, credential) = issuer.public_credential(key).await?;
    let report = issuer.verify_stored(&id, issuer.now()).await?;
    render(issuer, key, &id, &credential, Some(&report)).await
}

pub(crate) fn json_response(credential: &Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/ld+json")],
        credential.to_string(),
    )
        .into_response()
}

pub(crate) async fn jwt_response(issuer: &Issuer, id: &str) -> Result<Response, Problem> {
    match issuer.credential_jws(id).await? {
        Some(jws) => Ok(([(header::CONTENT_TYPE, "application/jwt")], jws).into_response()),
        None => Ok(Problem::new(
            StatusCode::NOT_ACCEPTABLE,
            "not_acceptable",
            "this credential was not issued as a VC-JWT; ask for application/ld+json",
        )
        .into_response()),
    }
}

/// `GET /assets/{name}`: the page's stylesheet and icon.
pub(crate) async fn asset(Path(name): Path<String>) -> Response {
    cairn_http::static_asset(
        &[
            ("credential.css", CSS, "text/css; charset=utf-8"),
            ("favicon.svg", ICON, "image/svg+xml"),
            ("copy.js", COPY_JS, "text/javascript; charset=utf-8"),
            ("console.css", CONSOLE_CSS, "text/css; charset=utf-8"),
            ("console.js", CONSOLE_JS, "text/javascript; charset=utf-8"),
        ],
        &name,
    )
}

/// `GET /credentials/{key}/qr.svg`: a QR code of the page's public link.
pub(crate) async fn qr(issuer: &Issuer, key: &str) -> Result<Response, Problem> {
    issuer.public_credential(key).await?;
    let svg = cairn_issuer::qr_svg(&page_url(issuer, key))?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        svg,
    )
        .into_response())
}

/// The page's public address.
fn page_url(issuer: &Issuer, key: &str) -> String {
    issuer.public_url(&format!("/credentials/{key}"))
}

/// `GET /s/{code}`: the short share link, redirecting to the credential's page.
#[utoipa::path(get, path = "/s/{code}", tag = "sharing", params(("code" = String, Path, description = "The credential's share code")), responses((status = 302, description = "Location: the credential's page"), (status = 404, body = super::openapi::ProblemDoc)))]
pub(crate) async fn share_link(
    State(issuer): State<Shared>,
    Path(code): Path<String>,
) -> Result<Response, Problem> {
    let id = issuer
        .credential_for_share_code(&code)
        .await?
        .ok_or_else(|| Problem::not_found("no such share link"))?;
    let key = id.rsplit(['/', ':']).next().unwrap_or_default();
    let location = HeaderValue::from_str(&page_url(&issuer, key))
        .map_err(|_| Problem::not_found("no such share link"))?;
    Ok((StatusCode::FOUND, [(header::LOCATION, location)]).into_response())
}

/// A non-blank string at `pointer`.
pub(crate) fn text<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// Only http(s) links from a credential become links; anything else (`javascript:`, `data:`) is
/// shown as text.
pub(crate) fn safe_link(url: &str) -> Option<&str> {
    let lower = url.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(url.trim())
}

/// A file name for downloads: the achievement's name in lower case, letters and digits joined
/// by hyphens (`facilitating-classroom-discourse`), at most 60 characters.
pub(crate) fn file_stem(name: &str) -> String {
    let mut stem = String::new();
    for word in name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if stem.len() + word.len() + 1 > 60 {
            break;
        }
        if !stem.is_empty() {
            stem.push('-');
        }
        stem.push_str(&word.to_ascii_lowercase());
    }
    if stem.is_empty() {
        "credential".to_owned()
    } else {
        stem
    }
}

async fn render(
    issuer: &Issuer,
    key: &str,
    id: &str,
    credential: &Value,
    report: Option<&cairn_verifier::Report>,
) -> Result<Response, Problem> {
    let has_jwt = issuer.credential_jws(id).await?.is_some();
    let now = issuer.now();
    let tz = issuer.time_zone();
    let status = issuer.live_status(id, credential, now).await?;
    let since = issuer
        .status_changed_at(id, status)
        .await?
        .map(|at| cairn_render::day(at, tz));
    let achievement_name = text(credential, "/credentialSubject/achievement/name")
        .unwrap_or("Credential")
        .to_owned();
    let issuer_name = text(credential, "/issuer/name")
        .unwrap_or(issuer.id())
        .to_owned();
    let description = text(credential, "/credentialSubject/achievement/description");
    let page = page_url(issuer, key);
    let base = format!("/credentials/{key}");
    let image_url = issuer.public_url(&format!("{base}/badge.png"));
    let code = issuer.share_code(id).await?;
    let short = issuer.public_url(&format!("/s/{code}"));
    let summary = format!("{achievement_name}, issued by {issuer_name}");
    let counts = status == LiveStatus::Valid;
    // A credential that no longer counts is not offered for a profile, a wallet or printing.
    let sharing = counts.then(|| Sharing {
        linkedin: issuer.linkedin_link(credential, &page, &code),
        fields: linkedin_fields(credential, &achievement_name, &issuer_name, &code, &page),
        short: short.clone(),
        page: page.clone(),
        // Wallet hand-off from the page needs an https issuer and email (the recipient's proof).
        wallet: issuer.wallet_base().is_ok() && issuer.can_email(),
    });
    let stem = file_stem(&achievement_name);
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (page_head(&achievement_name, &issuer_name, description.unwrap_or(&summary), &summary, &page, &image_url))
            body class={ "credential " (status.code()) } {
                main {
                    (status_banner(status, &issuer_name, since.as_deref()))
                    @if let Some(report) = report { (report_section(report, tz)) }
                    div class="card" {
                        img class="badge" src={ (base) "/badge.svg" } width="160" height="160" alt={ "Badge: " (achievement_name) };
                        div {
                            h1 { (achievement_name) }
                            @if let Some(d) = description { p class="lead" { (d) } }
                        }
                    }
                    (credential_view::details(credential, &issuer_name, tz))
                    (credential_view::what_it_took(credential))
                    form method="get" action={ (base) "/verify" } class="verify" {
                        button type="submit" { "Verify now" }
                        span class="hint" { " Runs the full check — signature, issuer key, revocation and suspension lists, dates — and shows every result at the top of the page." }
                    }
                    (downloads(&base, &stem, has_jwt, counts))
                    @if let Some(sharing) = &sharing { (sharing.markup(&base)) }
                }
                footer { p { "Issued with Cairn. Anyone can check this credential with any Open Badges 3.0 verifier." } }
                script src="/assets/copy.js" defer {}
            }
        }
    };
    let mut response = html_response(markup);
    // The live status changes; a cache must ask again.
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::VARY, HeaderValue::from_static("Accept"));
    Ok(response)
}

/// The page's `<head>`: title, description, Open Graph and Twitter card tags (so a shared link
/// previews with the badge), icon and stylesheet.
fn page_head(
    achievement_name: &str,
    issuer_name: &str,
    description: &str,
    summary: &str,
    page: &str,
    image_url: &str,
) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (achievement_name) " — " (issuer_name) }
            meta name="description" content=(description);
            meta property="og:type" content="website";
            meta property="og:title" content=(achievement_name);
            meta property="og:description" content=(summary);
            meta property="og:url" content=(page);
            meta property="og:image" content=(image_url);
            meta property="og:image:alt" content={ "Badge: " (achievement_name) };
            meta name="twitter:card" content="summary";
            meta name="twitter:title" content=(achievement_name);
            meta name="twitter:description" content=(summary);
            meta name="twitter:image" content=(image_url);
            link rel="icon" href="/assets/favicon.svg" type="image/svg+xml";
            link rel="stylesheet" href="/assets/credential.css";
        }
    }
}

/// The downloads, named after the achievement; the certificate only while the credential counts.
fn downloads(base: &str, stem: &str, has_jwt: bool, certificate: bool) -> Markup {
    html! {
        h2 { "Download" }
        ul class="downloads" {
            @if certificate {
                li { a href={ (base) "/certificate.pdf" } download={ (stem) "-certificate.pdf" } data-file="certificate" { "Printable certificate (PDF)" } }
            }
            li { a href={ (base) "/credential.json" } download={ (stem) ".json" } { "Credential (JSON)" } }
            @if has_jwt { li { a href={ (base) "/credential.jwt" } download={ (stem) ".jwt" } { "Credential (JWT)" } } }
            li { a href={ (base) "/badge.png" } download={ (stem) "-badge.png" } { "Badge image with the credential (PNG)" } }
            li { a href={ (base) "/badge.svg" } download={ (stem) "-badge.svg" } { "Badge image with the credential (SVG)" } }
        }
    }
}

/// What LinkedIn's "Add licence or certification" form asks for, each with a copy button.
fn linkedin_fields(
    credential: &Value,
    achievement_name: &str,
    issuer_name: &str,
    code: &str,
    page: &str,
) -> Vec<(&'static str, &'static str, String)> {
    let month = |p: &str| {
        text(credential, p)
            .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
            .map(|d| d.format("%B %Y").to_string())
    };
    let mut fields = vec![
        ("li-name", "Name", achievement_name.to_owned()),
        ("li-org", "Issuing organisation", issuer_name.to_owned()),
    ];
    fields.extend(month("/validFrom").map(|d| ("li-issued", "Issue date", d)));
    fields.extend(month("/validUntil").map(|d| ("li-expires", "Expiration date", d)));
    fields.push(("li-id", "Credential ID", code.to_ascii_uppercase()));
    fields.push(("li-url", "Credential URL", page.to_owned()));
    fields
}

/// Sharing, offered while the credential counts.
struct Sharing {
    linkedin: Option<String>,
    fields: Vec<(&'static str, &'static str, String)>,
    short: String,
    page: String,
    wallet: bool,
}

impl Sharing {
    /// LinkedIn (the add-to-profile link and each field to copy), the short link, the QR code
    /// and, when offered, the wallet form. The copy buttons appear only when the script runs;
    /// without it the values are plain text to select.
    fn markup(&self, base: &str) -> Markup {
        html! {
            h2 { "Share" }
            section class="linkedin" aria-labelledby="linkedin-title" {
                h3 id="linkedin-title" { "Add it to your LinkedIn profile" }
                @if let Some(link) = &self.linkedin {
                    p { a href=(link) rel="noopener noreferrer" target="_blank" { "Open LinkedIn's form, filled in" } }
                }
                p class="hint" { "If LinkedIn leaves a field empty, copy it from here." }
                dl class="copy-fields" {
                    @for (id, label, value) in &self.fields {
                        div {
                            dt { (label) }
                            dd {
                                span id=(id) class="value" { (value) }
                                " "
                                button type="button" class="copy" data-copy=(id) hidden aria-label={ "Copy " (label) } { "Copy" }
                            }
                        }
                    }
                }
                p class="copied" role="status" aria-live="polite" {}
            }
            ul class="share" {
                li { "Short link for emails: " a href=(self.short) { (self.short) } }
                li { "Link to this page: " a href=(self.page) { (self.page) } }
            }
            img class="qr" src={ (base) "/qr.svg" } width="160" height="160" alt={ "QR code linking to this page: " (self.page) };
            @if self.wallet {
                h2 id="wallet" { "Send to your wallet" }
                p { "Keep this credential in a digital wallet you control: the Learner Credential Wallet, or any wallet that speaks OpenID4VCI. To show it is yours, enter the email address it was awarded to; a one-time link goes to that address." }
                form method="post" action={ (base) "/wallet" } class="wallet" {
                    label for="wallet-email" { "Your email address" }
                    input id="wallet-email" type="email" name="email" required autocomplete="email";
                    button type="submit" { "Email me a wallet link" }
                }
            }
        }
    }
}

fn status_banner(status: LiveStatus, issuer_name: &str, since: Option<&str>) -> Markup {
    let on = since.map(|d| format!(" on {d}")).unwrap_or_default();
    let (class, title, body) = match status {
        LiveStatus::Valid => ("valid", "Valid", format!("{issuer_name} issued this credential and has not revoked or suspended it.")),
        LiveStatus::Revoked => ("revoked", "Revoked", format!("{issuer_name} revoked this credential{on}. It no longer counts, and verifiers will reject it.")),
        LiveStatus::Suspended => ("suspended", "Suspended", format!("{issuer_name} suspended this credential{on}. Verifiers will not accept it while it is suspended.")),
        LiveStatus::Expired => ("expired", "Expired", "This credential's validity period has ended.".to_owned()),
        LiveStatus::NotYetValid => ("expired", "Not yet valid", "This credential's validity period has not started yet.".to_owned()),
    };
    html! {
        div class={ "status " (class) } role="status" data-status=(status.code()) {
            strong { (title) } " " (body)
        }
    }
}

fn report_section(report: &cairn_verifier::Report, tz: cairn_render::Tz) -> Markup {
    use cairn_verifier::Verdict;
    let (class, title) = match report.verdict {
        Verdict::Valid => ("valid", "Verified: the credential is genuine and current"),
        Verdict::Invalid => ("revoked", "Not valid"),
        Verdict::Indeterminate => ("expired", "Could not check every part"),
    };
    html! {
        section class="report" aria-labelledby="report-title" {
            // The result takes the focus (and the screen) when the page loads, on a phone too.
            h2 id="report-title" class={ "verdict " (class) } data-verdict=(format!("{:?}", report.verdict).to_lowercase()) tabindex="-1" autofocus { (title) }
            p class="hint" { "Checked " (moment(&report.checked_at, tz)) " with Cairn's verifier against this issuer's published key and status lists." }
            table {
                thead { tr { th scope="col" { "Check" } th scope="col" { "Result" } th scope="col" { "Details" } } }
                tbody {
                    // One row per check, under its worst result (the same table as the verifier's).
                    @for row in report.rows() {
                        tr class=(row.class) {
                            th scope="row" { (cairn_verifier::check_label(row.check)) }
                            td { (row.word) }
                            td {
                                @for (i, c) in row.results.iter().enumerate() {
                                    @if i > 0 { br; }
                                    (c.message)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /credentials/{key}/{file}` query: which form a baked badge holds.
#[derive(Debug, Deserialize)]
pub(crate) struct FileQuery {
    /// `jwt`: the compact JWS; default: the JSON.
    pub(crate) format: Option<String>,
}

/// `POST /credentials/{key}/verify` and `POST /credentials/{key}/wallet`.
#[utoipa::path(post, path = "/credentials/{key}/{file}", tag = "sharing", params(("key" = String, Path, description = "The credential's last path segment"), ("file" = String, Path, description = "The action (one path template with the files' GET): verify, or wallet (form field email: mails the recipient a one-time claim link)")), responses((status = 200, description = "The page with the verifier's report, or the \"check your email\" page"), (status = 404, body = super::openapi::ProblemDoc)))]
pub(crate) async fn verify_route(
    State(issuer): State<Shared>,
    Path((key, action)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    match action.as_str() {
        "verify" => verify_now(&issuer, &key).await,
        "wallet" => wallet_request(&issuer, &key, &body).await,
        _ => Err(Problem::not_found("no such resource")),
    }
}

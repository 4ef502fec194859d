//! The public credential page `/credentials/{key}`: HTML for people (badge, achievement,
//! criteria, alignment, credits, issuer, recipient name — never the email —, dates, live status,
//! "Verify now", downloads, LinkedIn, QR), the credential JSON or JWS for machines by `Accept`,
//! and the files beside it (baked badges, QR code). Escaping by maud; no script at all.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use maud::{html, Markup, DOCTYPE};
use serde::Deserialize;
use serde_json::Value;

use super::problem::Problem;
use super::Shared;
use cairn_issuer::{Issuer, LiveStatus};

/// No script, no inline style, nothing from elsewhere.
pub(crate) const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const CSS: &str = include_str!("credential.css");
const ICON: &str = include_str!("favicon.svg");

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
    for part in accept.split(',') {
        let mut fields = part.split(';').map(str::trim);
        let media = fields.next().unwrap_or_default().to_ascii_lowercase();
        if fields.any(|f| f.replace(' ', "") == "q=0") {
            continue;
        }
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

/// `POST /credentials/{key}/verify`: the page with the verifier's report.
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

fn text<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// Only http(s) links from a credential become links; anything else (`javascript:`, `data:`) is
/// shown as text.
fn safe_link(url: &str) -> Option<&str> {
    let lower = url.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then_some(url.trim())
}

fn readable_date(d: Option<&str>) -> Option<String> {
    let d = DateTime::parse_from_rfc3339(d?).ok()?;
    Some(d.with_timezone(&Utc).format("%-d %B %Y").to_string())
}

async fn render(
    issuer: &Issuer,
    key: &str,
    id: &str,
    credential: &Value,
    report: Option<&cairn_verifier::Report>,
) -> Result<Response, Problem> {
    let has_jwt = issuer.credential_jws(id).await?.is_some();
    let status = issuer.live_status(id, credential, issuer.now()).await?;
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
    // A credential that no longer counts is not offered for a profile.
    let linkedin = (status == LiveStatus::Valid)
        .then(|| issuer.linkedin_link(credential, &page, &code))
        .flatten();
    let summary = format!("{achievement_name}, issued by {issuer_name}");
    // Wallet hand-off from the page needs an https issuer and email (the recipient's proof).
    let wallet = status == LiveStatus::Valid && issuer.wallet_base().is_ok() && issuer.can_email();
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            (page_head(&achievement_name, &issuer_name, description.unwrap_or(&summary), &summary, &page, &image_url))
            body {
                main {
                    (status_banner(status, &issuer_name))
                    div class="card" {
                        img class="badge" src={ (base) "/badge.svg" } width="160" height="160" alt={ "Badge: " (achievement_name) };
                        div {
                            h1 { (achievement_name) }
                            @if let Some(d) = description { p class="lead" { (d) } }
                        }
                    }
                    (details(credential, &issuer_name))
                    @if let Some(report) = report { (report_section(report)) }
                    form method="post" action={ (base) "/verify" } class="verify" {
                        button type="submit" { "Verify now" }
                        span class="hint" { " Runs the full check — signature, issuer key, revocation and suspension lists, dates — and shows every result." }
                    }
                    (downloads_and_sharing(&base, has_jwt, linkedin.as_deref(), &short, &page, wallet))
                }
                footer { p { "Issued with Cairn. Anyone can check this credential with any Open Badges 3.0 verifier." } }
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

/// Downloads, sharing (LinkedIn, short link, QR code) and, when offered, the wallet form.
fn downloads_and_sharing(
    base: &str,
    has_jwt: bool,
    linkedin: Option<&str>,
    short: &str,
    page: &str,
    wallet: bool,
) -> Markup {
    html! {
        h2 { "Download" }
        ul class="downloads" {
            li { a href={ (base) "/credential.json" } download { "Credential (JSON)" } }
            @if has_jwt { li { a href={ (base) "/credential.jwt" } download { "Credential (JWT)" } } }
            li { a href={ (base) "/badge.png" } download { "Badge image with the credential (PNG)" } }
            li { a href={ (base) "/badge.svg" } download { "Badge image with the credential (SVG)" } }
        }
        h2 { "Share" }
        ul class="share" {
            @if let Some(link) = linkedin {
                li { a href=(link) rel="noopener noreferrer" target="_blank" { "Add to LinkedIn profile" } }
            }
            li { "Short link for emails: " a href=(short) { (short) } }
            li { "Link to this page: " a href=(page) { (page) } }
        }
        img class="qr" src={ (base) "/qr.svg" } width="160" height="160" alt={ "QR code linking to this page: " (page) };
        @if wallet {
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

/// An HTML page with the security headers every page carries (and no caching unless the
/// caller says otherwise).
fn html_response(markup: Markup) -> Response {
    let mut response = markup.into_string().into_response();
    cairn_http::secure_page_headers(response.headers_mut(), CSP);
    response
}

/// A page of its own (not a credential's): the title as heading, then `body`.
fn simple_page(title: &str, body: Markup) -> Markup {
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
fn message_page(title: &str, paragraphs: &[&str], back: Option<(&str, &str)>) -> Markup {
    simple_page(
        title,
        html! {
            @for p in paragraphs { p { (p) } }
            @if let Some((href, label)) = back { p { a href=(href) { (label) } } }
        },
    )
}

/// `POST /credentials/{key}/wallet` (form field `email`): mails a claim link when the address
/// is the recipient's; the answer is the same either way.
async fn wallet_request(issuer: &Issuer, key: &str, body: &[u8]) -> Result<Response, Problem> {
    let (id, _) = issuer.public_credential(key).await?;
    let email = url::form_urlencoded::parse(body)
        .find(|(k, _)| k == "email")
        .map(|(_, v)| v.trim().to_owned())
        .filter(|e| !e.is_empty() && e.len() <= 254)
        .ok_or_else(|| {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                "enter the email address the credential was awarded to",
            )
        })?;
    issuer
        .request_claim_link(&id, &email, issuer.now())
        .await
        .map_err(|e| match e {
            cairn_issuer::Error::Wallet { refusal, message } => {
                Problem::new(StatusCode::NOT_FOUND, refusal.code(), message)
            }
            other => other.into(),
        })?;
    let back = format!("/credentials/{key}");
    Ok(html_response(message_page(
        "Check your email",
        &[
            "If that is the address this credential was awarded to, a one-time link to send it to your wallet is on its way.",
            "The link works once. If nothing arrives in a few minutes, check your spam folder or ask again.",
        ],
        Some((&back, "Back to the credential")),
    )))
}

/// `GET /claim/{token}`: the page a mailed claim link opens. It only offers a button, so that
/// a mail scanner following the link does not use it up.
pub(crate) async fn claim_link_page(
    State(issuer): State<Shared>,
    Path(token): Path<String>,
) -> Response {
    match issuer.claim_link_credential(&token, issuer.now()).await {
        Ok(_) => html_response(simple_page(
            "Send your credential to your wallet",
            html! {
                p { "Have your wallet app ready. The codes work for 10 minutes, once." }
                form method="post" {
                    button type="submit" { "Show the wallet codes" }
                }
            },
        )),
        Err(e) => claim_link_refused(e),
    }
}

fn claim_link_refused(e: cairn_issuer::Error) -> Response {
    let (status, text) = match &e {
        cairn_issuer::Error::Wallet { message, .. } => (StatusCode::GONE, message.clone()),
        _ => {
            tracing::error!(code = e.code(), error = %e, "claim link failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the server could not complete the request".to_owned(),
            )
        }
    };
    let mut response = html_response(message_page("This link does not work", &[&text], None));
    *response.status_mut() = status;
    response
}

/// `POST /claim/{token}`: uses the link up and shows the QR codes and links of both flows.
pub(crate) async fn claim_link_redeem(
    State(issuer): State<Shared>,
    Path(token): Path<String>,
) -> Response {
    let offer = match issuer.redeem_claim_link(&token, issuer.now()).await {
        Ok(o) => o,
        Err(e) => return claim_link_refused(e),
    };
    let qr = |link: &str| {
        cairn_issuer::qr_svg(link)
            .map(|svg| {
                svg.find("<svg")
                    .map(|i| svg[i..].to_owned())
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    };
    html_response(simple_page(
        "Your wallet codes",
        html! {
            p { "Scan one code with your wallet app, or open the link on the phone that has the wallet. They work once, until " (offer.expires_at) "." }
            h2 { "Learner Credential Wallet" }
            // Our own QR SVG of our own link: nothing from the request.
            div class="qr" role="img" aria-label="QR code for the Learner Credential Wallet" data-flow="vcapi" { (maud::PreEscaped(qr(&offer.lcw_link))) }
            p { a href=(offer.lcw_link) data-link="vcapi" { "Open in the Learner Credential Wallet" } }
            h2 { "Other wallets (OpenID4VCI)" }
            div class="qr" role="img" aria-label="QR code for OpenID4VCI wallets" data-flow="oid4vci" { (maud::PreEscaped(qr(&offer.oid4vci_link))) }
            p { a href=(offer.oid4vci_link) data-link="oid4vci" { "Open in your wallet app" } }
        },
    ))
}

fn status_banner(status: LiveStatus, issuer_name: &str) -> Markup {
    let (class, title, body) = match status {
        LiveStatus::Valid => ("valid", "Valid", format!("{issuer_name} issued this credential and has not revoked or suspended it.")),
        LiveStatus::Revoked => ("revoked", "Revoked", format!("{issuer_name} has revoked this credential. It no longer counts, and verifiers will reject it.")),
        LiveStatus::Suspended => ("suspended", "Suspended", format!("{issuer_name} has suspended this credential for now. Verifiers will not accept it while it is suspended.")),
        LiveStatus::Expired => ("expired", "Expired", "This credential's validity period has ended.".to_owned()),
        LiveStatus::NotYetValid => ("expired", "Not yet valid", "This credential's validity period has not started yet.".to_owned()),
    };
    html! {
        div class={ "status " (class) } role="status" data-status=(status.code()) {
            strong { (title) } " " (body)
        }
    }
}

fn details(credential: &Value, issuer_name: &str) -> Markup {
    let achievement = credential
        .pointer("/credentialSubject/achievement")
        .cloned()
        .unwrap_or(Value::Null);
    let criteria = text(&achievement, "/criteria/narrative");
    let criteria_url = text(&achievement, "/criteria/id").and_then(safe_link);
    let alignments = achievement
        .get("alignment")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let earned = credential
        .pointer("/credentialSubject/creditsEarned")
        .and_then(Value::as_f64);
    let available = achievement.get("creditsAvailable").and_then(Value::as_f64);
    let issuer_url = text(credential, "/issuer/url").and_then(safe_link);
    html! {
        dl class="facts" {
            dt { "Issued by" }
            dd {
                @match issuer_url {
                    Some(url) => a href=(url) rel="noopener noreferrer" { (issuer_name) },
                    None => (issuer_name),
                }
            }
            @if let Some(name) = credential.as_object().and_then(cairn_verifier::identity::recipient_name) {
                dt { "Awarded to" }
                dd { (name) }
            }
            @if let Some(d) = readable_date(text(credential, "/validFrom")) {
                dt { "Issued" }
                dd { (d) }
            }
            dt { "Expires" }
            dd { (readable_date(text(credential, "/validUntil")).unwrap_or_else(|| "Does not expire".to_owned())) }
            @if let Some(e) = earned {
                dt { "Credits" }
                dd {
                    (e)
                    @if let Some(a) = available { " of " (a) }
                }
            }
        }
        @if criteria.is_some() || criteria_url.is_some() {
            h2 { "What it took" }
            @if let Some(c) = criteria {
                @for para in c.split("\n\n") { p { (para) } }
            }
            @if let Some(url) = criteria_url { p { a href=(url) rel="noopener noreferrer" { "Full criteria" } } }
        }
        @if !alignments.is_empty() {
            h2 { "Aligned to" }
            ul {
                @for a in &alignments {
                    @let name = text(a, "/targetName").unwrap_or("(unnamed)");
                    li {
                        @match text(a, "/targetUrl").and_then(safe_link) {
                            Some(url) => a href=(url) rel="noopener noreferrer" { (name) },
                            None => (name),
                        }
                        @if let Some(code) = text(a, "/targetCode") { " (" (code) ")" }
                    }
                }
            }
        }
    }
}

fn report_section(report: &cairn_verifier::Report) -> Markup {
    use cairn_verifier::{CheckStatus, Verdict};
    let (class, title) = match report.verdict {
        Verdict::Valid => ("valid", "Verified: the credential is genuine and current"),
        Verdict::Invalid => ("revoked", "Not valid"),
        Verdict::Indeterminate => ("expired", "Could not check every part"),
    };
    html! {
        section class="report" aria-labelledby="report-title" {
            h2 id="report-title" class={ "verdict " (class) } data-verdict=(format!("{:?}", report.verdict).to_lowercase()) { (title) }
            p class="hint" { "Checked " (report.checked_at) " with Cairn's verifier against this issuer's published key and status lists." }
            table {
                thead { tr { th scope="col" { "Check" } th scope="col" { "Result" } th scope="col" { "Details" } } }
                tbody {
                    @for c in &report.checks {
                        tr {
                            th scope="row" { (cairn_verifier::check_label(&c.check)) }
                            td { (match c.status { CheckStatus::Passed => "Passed", CheckStatus::Failed => "Failed", CheckStatus::Error => "Could not check", CheckStatus::Skipped => "Not applicable" }) }
                            td { (c.message) }
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

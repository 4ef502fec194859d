//! The page for HR and credentialing staff at `GET /`: drop a file, paste text or enter a link,
//! and read the verdict in plain words. Server-rendered (a form post works without JavaScript;
//! the script only adds drag and drop), every credential-supplied string escaped by maud, and a
//! Content-Security-Policy that allows nothing but this service's own stylesheet and script.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cairn_render::Tz;
use cairn_verifier::{CheckStatus, IssuerIdentity, Report, TrustReport, TrustStatus, Verdict};
use maud::{html, Markup, DOCTYPE};
use serde_json::Value;

/// Only this service's stylesheet and script; no inline code, frames, plugins or remote fetches.
/// Images: this service's own, and a badge image the credential itself embeds as a `data:` URI
/// (an `<img>` runs no script, SVG included); never one from elsewhere.
pub(crate) const CSP: &str = "default-src 'none'; style-src 'self'; script-src 'self'; \
     img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Largest embedded badge image the page shows.
const MAX_SHOWN_IMAGE: usize = 512 * 1024;

/// The credential's badge image when it embeds one the page can show (a raster or SVG `data:`
/// URI, within the size limit); a link is never loaded.
fn embedded_image(image: Option<&str>) -> Option<&str> {
    let image = image?;
    let shown = ["png", "jpeg", "gif", "webp", "svg+xml"]
        .iter()
        .any(|t| image.starts_with(&format!("data:image/{t};base64,")));
    (shown && image.len() <= MAX_SHOWN_IMAGE).then_some(image)
}

const CSS: &str = include_str!("page.css");
const JS: &str = include_str!("page.js");
const ICON: &str = include_str!("favicon.svg");

/// What a check of the submitted input came to.
pub(crate) enum Outcome {
    /// The input was read and checked; the signed record when the service has an identity.
    Checked {
        report: Box<Report>,
        record: Option<Value>,
    },
    /// The input could not be read or fetched at all.
    Unreadable { code: String, message: String },
}

/// What the page needs to know about the service.
#[derive(Debug, Clone, Copy)]
pub(crate) struct View {
    /// How many trust registries are loaded.
    pub(crate) registries_loaded: usize,
    /// The district's time zone for dates.
    pub(crate) tz: Tz,
    /// Whether the service signs records (`--identity`).
    pub(crate) signs_records: bool,
}

/// The page, with the outcome of a submission when there is one.
pub(crate) fn render(outcome: Option<&Outcome>, view: View) -> Response {
    let status = match outcome {
        Some(Outcome::Unreadable { .. }) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Check a credential — Cairn" }
                link rel="icon" href="/assets/favicon.svg" type="image/svg+xml";
                link rel="stylesheet" href="/assets/page.css";
                script src="/assets/page.js" defer {}
            }
            body {
                a class="skip" href="#main" { "Skip to the form" }
                header {
                    p class="brand" { "Cairn verifier" }
                    h1 { "Check a teacher's credential" }
                    p { "Open Badges 3.0 micro-credentials: a JSON file, a JWT, a baked PNG or SVG badge, or a link to one." }
                }
                main id="main" {
                    @if let Some(outcome) = outcome {
                        (result(outcome, view))
                    }
                    (form())
                }
                footer {
                    p { "Nothing you submit is stored. Links are fetched over HTTPS from public addresses only." }
                }
            }
        }
    };
    page_response(status, markup)
}

/// The security headers every page response carries.
fn page_response(status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, markup.into_string()).into_response();
    // A result names a person; no cache keeps it.
    cairn_http::secure_page_headers(response.headers_mut(), CSP);
    response
}

/// The stylesheet, the drag-and-drop script and the icon.
pub(crate) fn asset(name: &str) -> Response {
    cairn_http::static_asset(
        &[
            ("page.css", CSS, "text/css; charset=utf-8"),
            ("page.js", JS, "text/javascript; charset=utf-8"),
            ("favicon.svg", ICON, "image/svg+xml"),
        ],
        name,
    )
}

fn form() -> Markup {
    html! {
        form method="post" action="/" enctype="multipart/form-data" class="check" {
            h2 { "Check a credential" }
            p class="hint" { "Use one of the three ways below. The first one filled in is checked." }
            div class="field drop" id="drop" {
                label for="file" { "1. A file from the teacher" }
                p class="hint" id="file-hint" { "JSON, JWT, or a baked PNG or SVG badge image. You can also drop the file here." }
                input type="file" id="file" name="file" aria-describedby="file-hint"
                    accept=".json,.jsonld,.jwt,.txt,.png,.svg,application/json,application/ld+json,image/png,image/svg+xml";
                p class="picked" id="picked" aria-live="polite" {}
            }
            div class="field" {
                label for="text" { "2. Or paste the credential" }
                p class="hint" id="text-hint" { "The credential JSON or the JWT text (starting with eyJ)." }
                textarea id="text" name="text" rows="6" aria-describedby="text-hint" spellcheck="false" {}
            }
            div class="field" {
                label for="url" { "3. Or enter a link" }
                p class="hint" id="url-hint" { "A \"show credential\" link, e.g. from LinkedIn or an email (https only)." }
                input type="url" id="url" name="url" inputmode="url" aria-describedby="url-hint" placeholder="https://";
            }
            div class="field" {
                label for="photo" { "4. Or take a photo of its QR code" }
                p class="hint" id="photo-hint" { "On a phone this opens the camera: photograph the QR code on a printed certificate. The link it holds is then checked." }
                input type="file" id="photo" name="photo" accept="image/jpeg,image/png,image/*" capture="environment" aria-describedby="photo-hint";
            }
            button type="submit" { "Check credential" }
        }
    }
}

fn result(outcome: &Outcome, view: View) -> Markup {
    match outcome {
        Outcome::Unreadable { code, message } => html! {
            section class="result" aria-labelledby="verdict" {
                div class="banner indeterminate" role="alert" {
                    h2 id="verdict" data-verdict="unreadable" tabindex="-1" autofocus { "Could not read this input" }
                    p { (message) " " span class="code" { "(" (code) ")" } }
                    (check_another())
                }
            }
        },
        Outcome::Checked { report, record } => {
            let (class, headline, explain) = banner(report, view.tz);
            let identity = match &report.issuer_identity {
                IssuerIdentity::Registry { .. } => "registry",
                IssuerIdentity::Domain { .. } => "domain",
                IssuerIdentity::Unconfirmed => "unconfirmed",
            };
            html! {
                section class="result" aria-labelledby="verdict" {
                    div class={ "banner " (class) } role="alert" {
                        // The verdict takes the focus when the page loads (no script needed), so a
                        // keyboard or screen reader user starts at the answer.
                        h2 id="verdict" data-verdict=(verdict_word(report.verdict)) data-identity=(identity) tabindex="-1" autofocus { (headline) }
                        p { (explain) }
                        @if let Some(problem) = report.first_problem() {
                            @if report.verdict != Verdict::Valid {
                                p class="reason" { "Main reason: " (problem.message) }
                            }
                        }
                        (check_another())
                    }
                    (record_section(report, record.as_ref(), view))
                    (details(report, view.tz))
                    (recognition(report, view.registries_loaded))
                    (checks(report))
                }
            }
        }
    }
}

/// A way back to an empty form, beside the verdict.
fn check_another() -> Markup {
    html! { p class="again" { a href="/" class="button" { "Check another credential" } } }
}

/// The verdict as the page's tests read it.
fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Valid => "valid",
        Verdict::Invalid => "invalid",
        Verdict::Indeterminate => "indeterminate",
    }
}

/// The banner's class, headline and first sentence. A valid credential says who vouches for its
/// issuer; one whose issuer nothing confirms is never called genuine (issue 19: a borrowed
/// district name must not pass for the district).
pub(crate) fn banner(report: &Report, tz: Tz) -> (&'static str, String, String) {
    const CURRENT: &str = "The signature matches the issuer's key, it has not been revoked or suspended, and it is within its dates.";
    match (report.verdict, &report.issuer_identity) {
        (Verdict::Valid, IssuerIdentity::Registry { registry, name }) => (
            "valid",
            "Valid".to_owned(),
            format!("Issued by {name}, as {registry} names this issuer. {CURRENT}"),
        ),
        (Verdict::Valid, IssuerIdentity::Domain { domain }) => (
            "valid",
            "Valid".to_owned(),
            format!("Issued by whoever controls {domain}; this district's trust registry does not list that issuer. {CURRENT}"),
        ),
        (Verdict::Valid, IssuerIdentity::Unconfirmed) => (
            "unconfirmed",
            "Signature intact — issuer not confirmed".to_owned(),
            match &report.issuer_name {
                Some(name) => format!("The signature is intact, but nothing confirms who the issuer is: the name \u{201c}{name}\u{201d} is the credential's own claim. Confirm with the issuing district before you accept it."),
                None => "The signature is intact, but nothing confirms who the issuer is. Confirm with the issuing district before you accept it.".to_owned(),
            },
        ),
        (Verdict::Invalid, _) => {
            let (headline, explain) = why_not_valid(report, tz);
            ("invalid", headline.to_owned(), explain)
        }
        (Verdict::Indeterminate, _) => (
            "indeterminate",
            "Could not check".to_owned(),
            why_not_checked(report),
        ),
    }
}

/// A not-valid verdict in plain words, by its most telling reason: a forgery first (nothing
/// else a forged credential says can be believed), then the issuer's own word (revoked,
/// suspended), then its dates. Expired is not forged, and says so.
fn why_not_valid(report: &Report, tz: Tz) -> (&'static str, String) {
    let failed = report.failed_codes();
    let has = |codes: &[&str]| failed.iter().any(|c| codes.contains(c));
    let date = |d: &Option<String>| {
        d.as_deref()
            .map(|d| readable_date(d, tz))
            .unwrap_or_default()
    };
    if has(&[
        "bad_signature",
        "key_not_issuers",
        "no_proof",
        "alg_key_mismatch",
    ]) {
        return ("Not valid — altered or not signed by its issuer", "Do not accept this credential: its contents do not match the issuer's signature. It was changed after it was issued, or it was not signed by the issuer it names.".to_owned());
    }
    if has(&["revoked"]) {
        return ("Revoked", "The issuer has revoked this credential: it no longer counts. Ask the teacher or the issuing district if you think this is a mistake.".to_owned());
    }
    if has(&["suspended"]) {
        return ("Suspended", "The issuer has suspended this credential: do not accept it until the issuer reinstates it. Ask the issuing district why.".to_owned());
    }
    if has(&["expired"]) {
        return ("Expired", format!("The signature is intact, but the credential expired on {}. Ask the teacher whether the district has issued a renewed one.", date(&report.valid_until)));
    }
    if has(&["not_yet_valid"]) {
        return (
            "Not valid yet",
            format!(
                "The credential only becomes valid on {}.",
                date(&report.valid_from)
            ),
        );
    }
    ("Not valid", "Do not accept this credential: it breaks the rules a credential must follow (see the checks below).".to_owned())
}

/// A could-not-check verdict in plain words: what could not be reached, and what to do.
fn why_not_checked(report: &Report) -> String {
    let unresolved: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| c.status == CheckStatus::Error || c.unresolved)
        .map(|c| c.code.as_str())
        .collect();
    if unresolved.contains(&"status_unavailable") {
        "The district's revocation list could not be reached or read, so nobody can tell whether the credential was revoked. Try again later, or ask the teacher for a newer copy.".to_owned()
    } else if unresolved.contains(&"key_unresolved") {
        "The issuer's public key could not be fetched, so the signature could not be checked. Try again later.".to_owned()
    } else if unresolved.contains(&"verification_interrupted") {
        "The check took too long and was stopped. Try again later.".to_owned()
    } else {
        "Some checks could not be completed, so this credential is neither confirmed nor rejected. Try again later or ask the issuer.".to_owned()
    }
}

fn details(report: &Report, tz: Tz) -> Markup {
    // The registry's name for the issuer is shown only once the signature proved who issued it.
    let registry_name = report
        .trust
        .as_ref()
        .filter(|t| t.status == TrustStatus::Recognized && report.verdict == Verdict::Valid)
        .and_then(|t| Some((t.issuer_name.as_deref()?, t.registry.as_deref()?)));
    let image = report.achievement_image.as_deref();
    html! {
        h3 { "The credential" }
        @if report.verdict == Verdict::Invalid {
            p class="caution" { "Caution: these details come from a credential that failed its checks. They may have been changed and cannot be relied on." }
        }
        @if let Some(src) = embedded_image(image) {
            img class="credential-badge" src=(src) width="120" height="120" alt={ "Badge image: " (report.achievement_name.as_deref().unwrap_or("the achievement")) };
        }
        dl class="facts" {
            dt { "Issuer" }
            dd {
                @if let Some((name, registry)) = registry_name {
                    strong { (name) } " "
                    span class="label confirmed" { "as named by " (registry) }
                    br;
                }
                @if let Some(name) = &report.issuer_name {
                    (name) " "
                    span class="label self" { "name given by the credential itself, not confirmed" }
                    br;
                }
                @if let Some(id) = &report.issuer_id {
                    span class="id" { (id) }
                }
                @if let Some(url) = &report.issuer_url {
                    br; "Website (as stated): " span class="id" { (url) }
                }
                @if let Some(email) = &report.issuer_email {
                    br; "Email (as stated): " (email)
                }
            }
            @if let Some(a) = &report.achievement_name {
                dt { "Achievement" }
                dd { (a) }
            }
            @if let Some(r) = &report.recipient_name {
                dt { "Recipient" }
                dd { (r) }
            }
            @if let (Some(url), None) = (image, embedded_image(image)) {
                dt { "Badge image" }
                dd { span class="id" { (url) } " (a link in the credential; not opened)" }
            }
            @if let Some(d) = &report.achievement_description {
                dt { "Description" }
                dd { (d) }
            }
            @if let Some(c) = &report.criteria {
                dt { "Criteria" }
                dd { (c) }
            }
            @if let Some(c) = report.credits {
                dt { "Credits" }
                dd { (c) }
            }
            @if !report.evidence.is_empty() {
                dt { "Evidence" }
                dd {
                    ul class="evidence" {
                        @for e in &report.evidence {
                            li {
                                @if let Some(name) = &e.name { strong { (name) } " " }
                                @if let Some(narrative) = &e.narrative { (narrative) " " }
                                // Shown, not linked: the link is the credential's claim, and the
                                // clerk decides whether to open it.
                                @if let Some(url) = &e.url { span class="id" { (url) } }
                            }
                        }
                    }
                }
            }
            @if let Some(d) = &report.valid_from {
                dt { "Issued" }
                dd { (readable_date(d, tz)) }
            }
            dt { "Expires" }
            dd {
                @match &report.valid_until {
                    Some(d) => (readable_date(d, tz)),
                    None => "No expiry date",
                }
            }
            @if let Some(id) = &report.credential_id {
                dt { "Credential id" }
                dd { span class="id" { (id) } }
            }
        }
    }
}

fn recognition(report: &Report, registries_loaded: usize) -> Markup {
    let trust: Option<&TrustReport> = report.trust.as_ref();
    html! {
        h3 { "Recognition here" }
        @match trust {
            Some(_) if report.verdict != Verdict::Valid => p class="trust none" data-trust="not_applied" {
                "Not applied: a credential counts for something here only once it is valid."
            },
            None if registries_loaded == 0 => p class="trust none" { "No trust registry is loaded on this service, so local recognition was not checked." },
            None => p class="trust none" { "Local recognition applies to Open Badges credentials only." },
            Some(t) => {
                @match t.status {
                    TrustStatus::Recognized => {
                        p class="trust recognized" data-trust="recognized" {
                            strong { "Recognised" } " by " (t.registry.as_deref().unwrap_or("a trust registry")) ". "
                            @match &t.registry_signed_by {
                                Some(by) => span class="label confirmed" { "registry signed by its publisher " (by) ", signature verified" },
                                None => span class="label self" { "registry loaded from a local file (unsigned)" },
                            }
                        }
                        @if let Some(r) = &t.recognition {
                            @let phrases = r.phrases();
                            @if !phrases.is_empty() {
                                p { "It counts for:" }
                                ul { @for p in &phrases { li { (p) } } }
                            }
                        }
                    }
                    TrustStatus::UnknownIssuer => p class="trust unknown" data-trust="unknown_issuer" {
                        strong { "Unknown issuer. " } (t.message)
                    },
                    TrustStatus::NotRecognizedForThisAchievement => p class="trust unknown" data-trust="not_recognized_for_this_achievement" {
                        strong { "Issuer known, achievement not recognised. " } (t.message)
                    },
                }
            }
        }
    }
}

/// "15 January 2026, 03:00 CST" for an RFC 3339 date in the district's zone; the text as given
/// when it is not one.
pub(crate) fn readable_date(text: &str, tz: Tz) -> String {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|d| cairn_render::moment(d.with_timezone(&chrono::Utc), tz))
        .unwrap_or_else(|_| text.to_owned())
}

/// The record for the clerk's files: when it was checked, the reference number, and the signed
/// record to download (JSON, and a PDF of it); without an identity, the time and the advice to
/// print.
fn record_section(report: &Report, record: Option<&Value>, view: View) -> Markup {
    let checked = readable_date(&report.checked_at, view.tz);
    html! {
        section class="record" aria-labelledby="record-title" {
            h3 id="record-title" { "Record for your files" }
            dl class="facts" {
                dt { "Checked" }
                dd data-checked-at=(report.checked_at) { (checked) }
                @if let Some(record) = record {
                    dt { "Reference number" }
                    dd data-reference { (record.pointer("/credentialSubject/check/referenceNumber").and_then(Value::as_str).unwrap_or_default()) }
                    dt { "Checked by" }
                    dd { (record.pointer("/issuer/name").and_then(Value::as_str).unwrap_or_default()) " " span class="id" { (record.pointer("/issuer/id").and_then(Value::as_str).unwrap_or_default()) } }
                }
            }
            @match record {
                Some(record) => {
                    form method="post" action="/record" class="record-downloads" {
                        input type="hidden" name="record" value=(record.to_string());
                        button type="submit" name="format" value="pdf" { "Download the record (PDF)" }
                        " "
                        button type="submit" name="format" value="json" class="secondary" { "Download the signed record (JSON)" }
                    }
                    p class="hint" { "The signed record is the proof of this check: this service signed it, and anyone can verify it later with cairn-verify verify. Print this page for a paper copy." }
                },
                None if view.signs_records => p class="hint" {
                    "Print this page for a paper copy. A signed record could not be made for this input."
                },
                None => p class="hint" {
                    "Print this page for a paper copy. This service has no key of its own, so it gives no signed record (its administrator can add one with cairn-verify init)."
                },
            }
        }
    }
}

fn checks(report: &Report) -> Markup {
    html! {
        h3 { "Every check" }
        table class="checks" {
            caption class="visually-hidden" { "Each check the verifier ran and its result" }
            thead { tr { th scope="col" { "Check" } th scope="col" { "Result" } th scope="col" { "What it means" } } }
            tbody {
                @for row in report.rows() {
                    tr class=(row.class) {
                        th scope="row" { (cairn_verifier::check_label(row.check)) }
                        td { span class={ "mark " (row.class) } { (row.word) } }
                        td {
                            @for (i, c) in row.results.iter().enumerate() {
                                @if i > 0 { br; }
                                (c.message) " " span class="code" { "(" (c.code) ")" }
                            }
                        }
                    }
                }
            }
        }
        @for (i, e) in report.endorsements.iter().enumerate() {
            p class="endorsement" { "Endorsement " (i + 1) ": " (match e.verdict { Verdict::Valid => "valid", Verdict::Invalid => "not valid", Verdict::Indeterminate => "could not check" }) }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)] // Test code.

    use super::*;

    /// A report with these checks (check, status, code) and dates.
    fn report(verdict: &str, checks: &[(&str, &str, &str)]) -> Report {
        serde_json::from_value(serde_json::json!({
            "verdict": verdict,
            "checked_at": "2026-06-01T12:00:00Z",
            "valid_from": "2026-01-15T09:00:00Z",
            "valid_until": "2026-03-01T00:00:00Z",
            "checks": checks.iter().map(|(check, status, code)| serde_json::json!({
                "check": check, "status": status, "code": code, "message": "m",
            })).collect::<Vec<_>>(),
        }))
        .expect("report")
    }

    /// Expired, revoked, suspended, tampered and could-not-check each get their own words
    /// (issue 19 item 3); a forgery's other failures do not soften it.
    #[test]
    fn each_kind_of_refusal_has_its_own_words() {
        let cases = [
            (
                report("invalid", &[("validity_window", "failed", "expired")]),
                "Expired",
                "expired on 1 March 2026",
            ),
            (
                report("invalid", &[("status", "failed", "revoked")]),
                "Revoked",
                "has revoked this credential",
            ),
            (
                report("invalid", &[("status", "failed", "suspended")]),
                "Suspended",
                "has suspended",
            ),
            (
                report(
                    "invalid",
                    &[
                        ("proof", "failed", "bad_signature"),
                        ("validity_window", "failed", "expired"),
                    ],
                ),
                "Not valid — altered or not signed by its issuer",
                "do not match the issuer's signature",
            ),
            (
                report("invalid", &[("validity_window", "failed", "not_yet_valid")]),
                "Not valid yet",
                "15 January 2026",
            ),
            (
                report(
                    "indeterminate",
                    &[("status", "error", "status_unavailable")],
                ),
                "Could not check",
                "revocation list could not be reached",
            ),
            (
                report("indeterminate", &[("proof", "error", "key_unresolved")]),
                "Could not check",
                "public key could not be fetched",
            ),
        ];
        for (report, headline, says) in cases {
            let (_, got_headline, explain) = banner(&report, Tz::UTC);
            assert_eq!(got_headline, headline);
            assert!(explain.contains(says), "{headline}: {explain}");
        }
    }

    /// The table agrees with the verdict: one row per check (a revocation and a suspension list
    /// are one row, under the worse result), no "Passed" trust row under a forged verdict, an
    /// unknown issuer "Not recognised", no status list "Cannot be revoked".
    #[test]
    fn the_table_agrees_with_the_verdict() {
        let forged = report(
            "invalid",
            &[
                ("proof", "failed", "bad_signature"),
                ("status", "passed", "not_revoked"),
                ("status", "passed", "not_suspended"),
                ("trust", "passed", "recognized"),
            ],
        );
        let words: Vec<(&str, &str)> = forged.rows().iter().map(|r| (r.check, r.word)).collect();
        assert_eq!(
            words,
            [
                ("proof", "Failed"),
                ("status", "Passed"),
                ("trust", "Not applied")
            ]
        );
        let html = checks(&forged).into_string();
        assert_eq!(html.matches("<tr class=").count(), 3, "{html}");
        let unknown = report(
            "valid",
            &[
                ("status", "skipped", "no_status"),
                ("trust", "skipped", "unknown_issuer"),
            ],
        );
        let words: Vec<(&str, &str)> = unknown.rows().iter().map(|r| (r.check, r.word)).collect();
        assert_eq!(
            words,
            [("status", "Cannot be revoked"), ("trust", "Not recognised")]
        );
        assert!(details(&forged, Tz::UTC).into_string().contains("Caution"));
        // An embedded badge image is shown; a link is text, never loaded; anything else neither.
        let mut with_image = unknown.clone();
        with_image.achievement_image = Some("data:image/png;base64,iVBORw0KGgo=".into());
        assert!(details(&with_image, Tz::UTC)
            .into_string()
            .contains(r#"<img class="credential-badge" src="data:image/png;base64,iVBORw0KGgo=""#));
        with_image.achievement_image = Some("https://tracker.example/pixel.png".into());
        let html = details(&with_image, Tz::UTC).into_string();
        assert!(!html.contains("<img") && html.contains("https://tracker.example/pixel.png"));
        with_image.achievement_image = Some("data:text/html;base64,PHNjcmlwdD4=".into());
        assert!(!details(&with_image, Tz::UTC).into_string().contains("<img"));
        assert!(!details(&unknown, Tz::UTC).into_string().contains("Caution"));
    }
}

//! The wallet hand-off pages a recipient sees: the "Email me a wallet link" answer, the page a
//! mailed claim link opens, the wallet codes (naming the credential, with the expiry in the
//! district's time zone) and the page that confirms the wallet collected it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::html;
use serde_json::Value;

use super::html::{html_response, message_page, moment, simple_page};
use super::problem::Problem;
use super::Shared;
use cairn_issuer::Issuer;

/// `POST /credentials/{key}/wallet` (form field `email`): mails a claim link when the address
/// is the recipient's; the answer is the same either way.
pub(crate) async fn wallet_request(
    issuer: &Issuer,
    key: &str,
    body: &[u8],
) -> Result<Response, Problem> {
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
        .map_err(not_found)?;
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

/// A wallet refusal on these pages is a 404 with its code (the page names nothing it should not);
/// any other error keeps its own status.
fn not_found(e: cairn_issuer::Error) -> Problem {
    match e {
        cairn_issuer::Error::Wallet { refusal, message } => {
            Problem::new(StatusCode::NOT_FOUND, refusal.code(), message)
        }
        other => other.into(),
    }
}

/// The credential's page path and its achievement's name, for the wallet pages.
async fn credential_named(issuer: &Issuer, credential_id: &str) -> Option<(String, String)> {
    let key = credential_id.rsplit(['/', ':']).next()?.to_owned();
    let (_, credential) = issuer.public_credential(&key).await.ok()?;
    let name = credential
        .pointer("/credentialSubject/achievement/name")
        .and_then(Value::as_str)
        .unwrap_or("your credential")
        .to_owned();
    Some((format!("/credentials/{key}"), name))
}

/// `GET /claim/{token}`: the page a mailed claim link opens. It only offers a button, so that
/// a mail scanner following the link does not use it up.
pub(crate) async fn claim_link_page(
    State(issuer): State<Shared>,
    Path(token): Path<String>,
) -> Response {
    match issuer.claim_link_credential(&token, issuer.now()).await {
        Ok(id) => {
            let named = credential_named(&issuer, &id).await;
            html_response(simple_page(
                "Send your credential to your wallet",
                html! {
                    @if let Some((_, name)) = &named { p { "Credential: " strong { (name) } } }
                    p { "Have your wallet app ready. The codes work for 10 minutes, once." }
                    form method="post" {
                        button type="submit" { "Show the wallet codes" }
                    }
                },
            ))
        }
        Err(e) => claim_link_refused(&issuer, &token, e).await,
    }
}

async fn claim_link_refused(issuer: &Issuer, token: &str, e: cairn_issuer::Error) -> Response {
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
    // A used or expired link still knows its credential: the way back is to ask again there.
    let owner = match issuer.claim_link_owner(token).await {
        Ok(Some(id)) => credential_named(issuer, &id).await,
        _ => None,
    };
    let back = owner.as_ref().map(|(path, name)| {
        (
            format!("{path}#wallet"),
            format!("Back to {name}, to ask for a new link"),
        )
    });
    let mut response = html_response(message_page(
        "This link does not work",
        &[&text],
        back.as_ref().map(|(h, l)| (h.as_str(), l.as_str())),
    ));
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
        Err(e) => return claim_link_refused(&issuer, &token, e).await,
    };
    let named = match issuer.claim_link_owner(&token).await {
        Ok(Some(id)) => credential_named(&issuer, &id).await,
        _ => None,
    };
    html_response(simple_page(
        "Your wallet codes",
        html! {
            @if let Some((_, name)) = &named { p class="lead" { "For " strong { (name) } } }
            (wallet_codes(&offer, issuer.time_zone()))
        },
    ))
}

/// The QR codes and links of both wallet flows for an offer, until when they work, and where to
/// check it was received (the teacher's claim page and the console show the same).
pub(crate) fn wallet_codes(offer: &cairn_issuer::ClaimOffer, tz: cairn_render::Tz) -> maud::Markup {
    let qr = |link: &str| {
        cairn_issuer::qr_svg(link)
            .map(|svg| {
                svg.find("<svg")
                    .map(|i| svg[i..].to_owned())
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    };
    let until = moment(&offer.expires_at, tz);
    let done = format!("/claim/sessions/{}", offer.session_id);
    html! {
        p { "Scan one code with your wallet app, or open the link on the phone that has the wallet. They work once, until " span data-expires { (until) } "." }
        h2 { "Learner Credential Wallet" }
        // Our own QR SVG of our own link: nothing from the request.
        div class="qr" role="img" aria-label="QR code for the Learner Credential Wallet" data-flow="vcapi" { (maud::PreEscaped(qr(&offer.lcw_link))) }
        p { a href=(offer.lcw_link) data-link="vcapi" { "Open in the Learner Credential Wallet" } }
        h2 { "Other wallets (OpenID4VCI)" }
        div class="qr" role="img" aria-label="QR code for OpenID4VCI wallets" data-flow="oid4vci" { (maud::PreEscaped(qr(&offer.oid4vci_link))) }
        p { a href=(offer.oid4vci_link) data-link="oid4vci" { "Open in your wallet app" } }
        h2 { "Done?" }
        p { a href=(done) data-check { "Check that your wallet received it" } }
    }
}

/// `GET /claim/sessions/{id}`: whether the wallet has collected the credential yet.
#[utoipa::path(get, path = "/claim/sessions/{id}", tag = "wallet", params(("id" = String, Path, description = "The claim session's public id")), responses((status = 200, description = "HTML page: received (with when) or not yet"), (status = 404, body = super::openapi::ProblemDoc)))]
pub(crate) async fn claim_received(
    State(issuer): State<Shared>,
    Path(session_id): Path<String>,
) -> Result<Response, Problem> {
    let received = issuer
        .claim_received_at(&session_id)
        .await
        .map_err(not_found)?;
    let this = format!("/claim/sessions/{session_id}");
    let mut response = match received {
        Some(at) => html_response(message_page(
            "Your wallet has the credential",
            &[&format!(
                "Your wallet collected it on {}. You can close this page.",
                moment(&at, issuer.time_zone())
            )],
            None,
        )),
        None => html_response(message_page(
            "Not received yet",
            &["Your wallet has not collected the credential yet. Scan a code on the previous page, accept the credential in the wallet, then check again."],
            Some((&this, "Check again")),
        )),
    };
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response.into_response())
}

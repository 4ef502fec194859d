//! Staff sign-in through the district's OpenID Connect provider (OpenID Connect Core 1.0 §3.1,
//! the authorization code flow) by the `openidconnect` crate: discovery (cached ten minutes),
//! PKCE (RFC 7636, S256), `state` bound to the browser that started the sign-in and used once,
//! `nonce`, and the ID token validated (signature by the provider's published keys, issuer,
//! audience, expiry against the issuer's clock, nonce, the access-token hash) before the email
//! is checked against the allowed domains and addresses and the staff list.
//!
//! Nothing needed to finish a sign-in is stored: the PKCE verifier and the nonce are derived
//! from the browser's sign-in cookie, and the database keeps only hashes of it and of `state`.

use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use base64::Engine;
use chrono::Duration;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, HttpRequest,
    HttpResponse, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, Scope, TokenResponse,
};
use sha2::{Digest, Sha256};

use super::{normal_email, Role};
use crate::auth::{hash_secret, random_secret};
use crate::config::{OidcSection, ENV_OIDC_CLIENT_SECRET};
use crate::credential::rfc3339;
use crate::error::{Error, SignInRefusal};
use crate::store::Actor;
use crate::Issuer;

/// How long someone has to sign in at the provider.
const FLOW_MINUTES: i64 = 10;

/// How long the provider's discovery document and keys are kept.
const METADATA_TTL: StdDuration = StdDuration::from_secs(600);

/// The most a provider's answer may hold.
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// Where the provider sends people back, under `issuer.url`.
pub const CALLBACK_PATH: &str = "/console/sign-in/callback";

/// A sign-in begun: send the browser to `authorize_url`, and keep `browser_secret` in its
/// sign-in cookie until it comes back.
#[derive(Debug, Clone)]
pub struct OidcStart {
    /// The provider's authorization URL with this sign-in's parameters.
    pub authorize_url: String,
    /// The sign-in cookie's value: binds the returning `state` to this browser.
    pub browser_secret: String,
}

/// The configured provider, its client secret and the cached discovery document.
pub(crate) struct Oidc {
    section: OidcSection,
    secret: Option<ClientSecret>,
    http: reqwest::Client,
    metadata: tokio::sync::Mutex<Option<(Instant, CoreProviderMetadata)>>,
}

impl std::fmt::Debug for Oidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The client secret is never shown.
        f.debug_struct("Oidc")
            .field("issuer", &self.section.issuer)
            .field("client_id", &self.section.client_id)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct HttpError(String);

impl Oidc {
    /// The provider of `section`; the client secret from its file (0600) or the environment.
    pub(crate) fn new(section: &OidcSection, dir: &std::path::Path) -> Result<Self, Error> {
        let secret = match (
            &section.client_secret_file,
            std::env::var(ENV_OIDC_CLIENT_SECRET),
        ) {
            (_, Ok(value)) if !value.trim().is_empty() => Some(value.trim().to_owned()),
            (Some(file), _) => {
                let bytes = crate::keys::read_secret_file(&dir.join(file))?;
                Some(String::from_utf8_lossy(&bytes).trim().to_owned())
            }
            (None, _) => None,
        };
        // Following redirects would let the provider's answers point the issuer elsewhere.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(StdDuration::from_secs(5))
            .timeout(StdDuration::from_secs(15))
            .build()
            .map_err(|e| Error::input("oidc", e.to_string()))?;
        Ok(Oidc {
            section: section.clone(),
            secret: secret.map(ClientSecret::new),
            http,
            metadata: tokio::sync::Mutex::new(None),
        })
    }

    /// The provider's discovery document, fetched again after `METADATA_TTL` (or `fresh`).
    async fn metadata(&self, fresh: bool) -> Result<CoreProviderMetadata, Error> {
        let mut cached = self.metadata.lock().await;
        if let Some((at, metadata)) = cached.as_ref() {
            if !fresh && at.elapsed() < METADATA_TTL {
                return Ok(metadata.clone());
            }
        }
        let issuer = IssuerUrl::new(self.section.issuer.clone())
            .map_err(|e| unavailable(format!("oidc.issuer: {e}")))?;
        let http = self.http.clone();
        let call = move |request: HttpRequest| send(http.clone(), request);
        let metadata = CoreProviderMetadata::discover_async(issuer, &call)
            .await
            .map_err(|e| unavailable(format!("discovery: {}", error_chain(&e))))?;
        *cached = Some((Instant::now(), metadata.clone()));
        Ok(metadata)
    }
}

/// One HTTP exchange with the provider through reqwest, the answer capped.
async fn send(http: reqwest::Client, request: HttpRequest) -> Result<HttpResponse, HttpError> {
    let (parts, body) = request.into_parts();
    let response = http
        .request(parts.method, parts.uri.to_string())
        .headers(parts.headers)
        .body(body)
        .send()
        .await
        .map_err(|e| HttpError(error_chain(&e)))?;
    let mut answer = http::Response::builder().status(response.status());
    if let Some(headers) = answer.headers_mut() {
        headers.extend(response.headers().clone());
    }
    let mut body = Vec::new();
    let mut response = response;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| HttpError(error_chain(&e)))?
    {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(HttpError(
                "the provider's answer is larger than 1 MiB".into(),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    answer.body(body).map_err(|e| HttpError(e.to_string()))
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

fn refused(refusal: SignInRefusal, message: impl Into<String>) -> Error {
    Error::SignIn {
        refusal,
        message: message.into(),
    }
}

fn unavailable(message: String) -> Error {
    refused(SignInRefusal::ProviderUnavailable, message)
}

/// A value derived from the browser's sign-in cookie for `purpose` (base64url, 43 characters:
/// a valid PKCE verifier, RFC 7636 §4.1).
fn derived(browser_secret: &str, purpose: &str) -> String {
    let digest = Sha256::new()
        .chain_update(purpose.as_bytes())
        .chain_update(b"\0")
        .chain_update(browser_secret.as_bytes())
        .finalize();
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
}

/// Whether `email` may sign in: its domain is allowed, or it is listed itself.
fn allowed(section: &OidcSection, email: &str) -> bool {
    let listed = section
        .allowed_emails
        .iter()
        .any(|e| e.trim().eq_ignore_ascii_case(email));
    let domain = email.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
    listed
        || section.allowed_domains.iter().any(|d| {
            d.trim()
                .trim_start_matches('@')
                .eq_ignore_ascii_case(domain)
        })
}

impl Issuer {
    fn oidc(&self) -> Result<&Arc<Oidc>, Error> {
        self.oidc.as_ref().ok_or_else(|| {
            refused(
                SignInRefusal::NotConfigured,
                "sign-in with an identity provider is not set up: add [oidc] to cairn.toml",
            )
        })
    }

    /// What the sign-in button calls the provider, when one is configured.
    pub fn oidc_display_name(&self) -> Option<String> {
        self.config.config.oidc.as_ref().map(|o| {
            o.display_name
                .clone()
                .unwrap_or_else(|| "your district account".to_owned())
        })
    }

    /// Whether sign-in links can be mailed (`[smtp]` is configured).
    pub fn sign_in_links_available(&self) -> bool {
        self.notifier.is_some()
    }

    fn oidc_client(
        &self,
        oidc: &Oidc,
        metadata: CoreProviderMetadata,
    ) -> Result<OidcClient, Error> {
        let redirect = RedirectUrl::new(format!("{}{CALLBACK_PATH}", self.console_base()?))
            .map_err(|e| Error::input("issuer.url", e.to_string()))?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(oidc.section.client_id.clone()),
            oidc.secret.clone(),
        )
        .set_redirect_uri(redirect))
    }

    /// Begins a sign-in at the provider: a new `state`, PKCE challenge and nonce.
    pub async fn begin_oidc_sign_in(&self) -> Result<OidcStart, Error> {
        let oidc = self.oidc()?;
        let client = self.oidc_client(oidc, oidc.metadata(false).await?)?;
        let browser_secret = random_secret();
        let state = random_secret();
        let verifier = PkceCodeVerifier::new(derived(&browser_secret, "pkce"));
        let nonce = derived(&browser_secret, "nonce");
        let sent_state = state.clone();
        let (url, ..) = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(sent_state.clone()),
                move || Nonce::new(nonce.clone()),
            )
            .add_scope(Scope::new("email".into()))
            .add_scope(Scope::new("profile".into()))
            .set_pkce_challenge(PkceCodeChallenge::from_code_verifier_sha256(&verifier))
            .url();
        let now = self.now();
        self.store
            .insert_sign_in_flow(
                &hash_secret(&state),
                &hash_secret(&browser_secret),
                &rfc3339(now),
                &rfc3339(now + Duration::minutes(FLOW_MINUTES)),
            )
            .await?;
        Ok(OidcStart {
            authorize_url: url.to_string(),
            browser_secret,
        })
    }

    /// Finishes a sign-in when the provider sends the browser back with `code` and `state`:
    /// the state must be this browser's and unused, the code is exchanged (with the PKCE
    /// verifier), the ID token validated, and the email allowed and staff. Returns the new
    /// session's cookie secret. Every refusal is audited with its code.
    pub async fn finish_oidc_sign_in(
        &self,
        state: &str,
        code: &str,
        browser_secret: &str,
    ) -> Result<String, Error> {
        let outcome = self.finish_oidc(state, code, browser_secret).await;
        if let Err(Error::SignIn { refusal, message }) = &outcome {
            let detail = serde_json::json!({"code": refusal.code(), "message": message});
            self.store
                .record_event(
                    "sign_in.refused",
                    None,
                    Some(&detail),
                    &rfc3339(self.now()),
                    &Actor("console:sign-in".into()),
                )
                .await?;
        }
        outcome
    }

    async fn finish_oidc(
        &self,
        state: &str,
        code: &str,
        browser_secret: &str,
    ) -> Result<String, Error> {
        let oidc = self.oidc()?;
        let now = self.now();
        if !self
            .store
            .use_sign_in_flow(
                &hash_secret(state),
                &hash_secret(browser_secret),
                &rfc3339(now),
            )
            .await?
        {
            return Err(refused(
                SignInRefusal::StateInvalid,
                "this sign-in was already finished, has expired, or was started in another browser; start again",
            ));
        }
        let client = self.oidc_client(oidc, oidc.metadata(false).await?)?;
        let http = oidc.http.clone();
        let call = move |request: HttpRequest| send(http.clone(), request);
        let tokens = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|e| unavailable(format!("token endpoint: {e}")))?
            .set_pkce_verifier(PkceCodeVerifier::new(derived(browser_secret, "pkce")))
            .request_async(&call)
            .await
            .map_err(|e| {
                refused(
                    SignInRefusal::ProviderRefused,
                    format!("the provider refused the sign-in: {}", error_chain(&e)),
                )
            })?;
        let invalid = |m: String| refused(SignInRefusal::IdTokenInvalid, m);
        let id_token = tokens
            .id_token()
            .ok_or_else(|| invalid("the provider sent no ID token".into()))?;
        let verifier = client.id_token_verifier().set_time_fn(move || now);
        let nonce = Nonce::new(derived(browser_secret, "nonce"));
        let claims = id_token
            .claims(&verifier, &nonce)
            .map_err(|e| invalid(format!("the ID token is not valid: {}", error_chain(&e))))?;
        // OpenID Connect Core §3.1.3.8: at_hash, when present, binds the access token.
        if let Some(expected) = claims.access_token_hash() {
            let alg = id_token
                .signing_alg()
                .map_err(|e| invalid(format!("ID token algorithm: {e}")))?;
            let key = id_token
                .signing_key(&verifier)
                .map_err(|e| invalid(format!("ID token key: {e}")))?;
            let actual = AccessTokenHash::from_token(tokens.access_token(), alg, key)
                .map_err(|e| invalid(format!("at_hash: {e}")))?;
            if actual != *expected {
                return Err(invalid(
                    "the access token does not match the ID token's at_hash".into(),
                ));
            }
        }
        // OpenID Connect Core §5.4: a provider may return the email scope's claims only from
        // the UserInfo endpoint (for the same subject, §5.3.2) rather than in the ID token.
        let (email, verified, name) = match claims.email() {
            Some(email) => (
                Some(email.as_str().to_owned()),
                claims.email_verified(),
                claims
                    .name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.as_str().to_owned()),
            ),
            None => {
                let info: openidconnect::core::CoreUserInfoClaims = client
                    .user_info(
                        tokens.access_token().clone(),
                        Some(claims.subject().clone()),
                    )
                    .map_err(|e| unavailable(format!("userinfo endpoint: {e}")))?
                    .request_async(&call)
                    .await
                    .map_err(|e| unavailable(format!("userinfo: {}", error_chain(&e))))?;
                (
                    info.email().map(|e| e.as_str().to_owned()),
                    info.email_verified(),
                    info.name()
                        .and_then(|n| n.get(None))
                        .map(|n| n.as_str().to_owned()),
                )
            }
        };
        let email = email.ok_or_else(|| {
            refused(
                SignInRefusal::EmailNotAllowed,
                "the provider did not say the account's email address (ask for the email scope)",
            )
        })?;
        let email = normal_email(&email).map_err(|_| {
            refused(
                SignInRefusal::EmailNotAllowed,
                format!("{email:?} is not an email address"),
            )
        })?;
        if verified == Some(false) {
            return Err(refused(
                SignInRefusal::EmailUnverified,
                format!("the provider has not verified {email}"),
            ));
        }
        if !allowed(&oidc.section, &email) {
            return Err(refused(
                SignInRefusal::EmailNotAllowed,
                format!("{email} is not in a domain or list allowed to sign in"),
            ));
        }
        let member = match self.current_member(&email).await? {
            Some(member) => member,
            None => {
                let role = oidc
                    .section
                    .default_role
                    .as_deref()
                    .map(Role::parse)
                    .transpose()?;
                let known = self.store.staff(&email).await?.is_some();
                match role {
                    Some(role) if !known => {
                        self.add_staff(&email, name.as_deref(), role, &Actor("oidc:first-sign-in".into()))
                            .await?
                    }
                    _ => {
                        return Err(refused(
                            SignInRefusal::NotStaff,
                            format!("{email} is not on the console's staff list; ask an administrator to add you"),
                        ))
                    }
                }
            }
        };
        self.start_session(&member, "oidc").await
    }
}

type OidcClient = openidconnect::Client<
    openidconnect::EmptyAdditionalClaims,
    openidconnect::core::CoreAuthDisplay,
    openidconnect::core::CoreGenderClaim,
    openidconnect::core::CoreJweContentEncryptionAlgorithm,
    openidconnect::core::CoreJsonWebKey,
    openidconnect::core::CoreAuthPrompt,
    openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    openidconnect::core::CoreTokenResponse,
    openidconnect::core::CoreTokenIntrospectionResponse,
    openidconnect::core::CoreRevocableToken,
    openidconnect::core::CoreRevocationErrorResponse,
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

#[cfg(test)]
mod tests {
    use super::*;

    fn section() -> OidcSection {
        OidcSection {
            issuer: "https://idp.example".into(),
            client_id: "cairn".into(),
            client_secret_file: None,
            display_name: None,
            allowed_domains: vec!["district.example".into()],
            allowed_emails: vec!["partner@other.example".into()],
            default_role: None,
        }
    }

    #[test]
    fn only_allowed_domains_and_addresses_sign_in() {
        let s = section();
        assert!(allowed(&s, "ada@district.example"));
        assert!(allowed(&s, "partner@other.example"));
        assert!(!allowed(&s, "eve@other.example"));
        assert!(!allowed(&s, "eve@evil-district.example"));
        assert!(!allowed(&s, "eve@district.example.evil"));
    }

    #[test]
    fn derived_values_are_valid_pkce_verifiers_and_differ_by_purpose() {
        let secret = random_secret();
        let pkce = derived(&secret, "pkce");
        assert_eq!(pkce.len(), 43);
        assert_ne!(pkce, derived(&secret, "nonce"));
        assert_ne!(pkce, derived(&random_secret(), "pkce"));
    }
}

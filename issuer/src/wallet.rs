//! Wallet hand-off: claim sessions shared by OpenID4VCI 1.0 (pre-authorized code flow) and the
//! VC-API exchange the Learner Credential Wallet drives; the offers, tokens, nonces and
//! exchange messages of both; and the wallet copy of a credential, bound to the holder's DID.
//!
//! Every secret handed out (the offer URI's last segment, the pre-authorized code, the exchange
//! id, the transaction code, access tokens, nonces) is random or derived from 256 random bits
//! and stored only as its SHA-256. Sessions expire after [`SESSION_MINUTES`] and are claimed
//! once, by whichever flow comes first.

use std::collections::HashMap;

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::auth::{hash_secret, random_secret};
use crate::credential::rfc3339;
use crate::error::Error;
use crate::holder_proof::verify_proof_jwt;
use crate::jwt::JwtAlg;
use crate::store::{Actor, ClaimLookup, ClaimSession, ClaimUpdate, NewClaimSession, NewCredential};
use crate::{Format, Issued, Issuer};

/// The credential configuration for the JSON-LD credential with an eddsa-rdfc-2022 proof.
pub const CONFIG_LDP_VC: &str = "OpenBadgeCredential_ldp_vc";
/// The credential configuration for the OB 3.0 VC-JWT.
pub const CONFIG_JWT_VC: &str = "OpenBadgeCredential_jwt_vc_json";
/// OpenID4VCI 1.0 §4.1.1: the pre-authorized code grant type.
pub const PRE_AUTHORIZED_GRANT: &str = "urn:ietf:params:oauth:grant-type:pre-authorized_code";
/// How long a claim session (its offer, code and exchange) lives.
const SESSION_MINUTES: i64 = 10;
/// How long an access token lives.
const TOKEN_SECONDS: i64 = 300;
/// How long a c_nonce lives.
const NONCE_SECONDS: i64 = 300;
/// Wrong transaction codes after which a session is closed.
const MAX_TX_CODE_FAILURES: i64 = 5;
/// Digits of a transaction code.
const TX_CODE_DIGITS: usize = 6;
/// How long a mailed claim link works.
pub(crate) const CLAIM_LINK_HOURS: i64 = 72;
/// The least time between two claim links mailed on request for one credential.
const CLAIM_LINK_INTERVAL_MINUTES: i64 = 5;

/// What "Send to wallet" hands the holder: links (and QR codes of them) for both flows. The
/// transaction code, when there is one, must reach the holder another way than the QR code.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimOffer {
    pub session_id: String,
    pub expires_at: String,
    /// `openid-credential-offer://?credential_offer_uri=…` (for QR codes: short).
    pub oid4vci_link: String,
    /// The same offer by value (`credential_offer=…`), for wallets that want it.
    pub oid4vci_link_by_value: String,
    pub credential_offer_uri: String,
    /// The VC-API exchange the Learner Credential Wallet posts to.
    pub exchange_url: String,
    /// `https://lcw.app/request.html?request=…`.
    pub lcw_link: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tx_code: Option<String>,
}

/// The claim session's state as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimState {
    pub session_id: String,
    pub credential_id: String,
    /// `waiting` (offered or token issued), `claimed`, `expired` or `failed`.
    pub state: &'static str,
    pub created_at: String,
    pub expires_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wallet_credential_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wallet_event: Option<String>,
}

/// A secret derived from a session's master secret (which is never stored).
fn derive(label: &str, master: &str) -> String {
    let mut h = Sha256::new();
    h.update(label.as_bytes());
    h.update([0]);
    h.update(master.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(h.finalize())
}

fn pre_authorized_code(master: &str) -> String {
    derive("cairn pre-authorized code", master)
}

fn exchange_id(master: &str) -> String {
    derive("cairn vc-api exchange", master)
}

fn tx_code_digest(session_id: &str, tx_code: &str) -> String {
    hash_secret(&format!("{session_id}:{tx_code}"))
}

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn expired(expires_at: &str, now: DateTime<Utc>) -> bool {
    DateTime::parse_from_rfc3339(expires_at).map_or(true, |t| t <= now)
}

impl Issuer {
    /// The credential issuer identifier (OpenID4VCI §12.2.1): `issuer.url`, which must be https
    /// (plain http only for a loopback host, for a wallet on the same machine).
    pub fn wallet_base(&self) -> Result<String, Error> {
        let url = self.config.config.issuer.url.as_deref().ok_or_else(|| {
            Error::wallet(
                "wallet_unavailable",
                "wallet hand-off needs the issuer's public https address: set issuer.url in cairn.toml",
            )
        })?;
        let parsed = url::Url::parse(url)
            .map_err(|e| Error::wallet("wallet_unavailable", format!("issuer.url: {e}")))?;
        let loopback = matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
        if parsed.scheme() != "https" && !(parsed.scheme() == "http" && loopback) {
            return Err(Error::wallet(
                "wallet_unavailable",
                "wallets accept only https issuers: issuer.url must start with https://",
            ));
        }
        Ok(url.trim_end_matches('/').to_owned())
    }

    /// OpenID4VCI 1.0 §12.2: the credential issuer metadata, with both OB 3.0 formats. `display`
    /// is given both under `credential_metadata` (1.0) and in the configuration (drafts ≤ 15);
    /// `token_endpoint` is repeated here for draft-era wallets.
    pub fn credential_issuer_metadata(&self) -> Result<Value, Error> {
        let base = self.wallet_base()?;
        let name = &self.config.config.issuer.name;
        let display = json!([{ "name": format!("{name}: Open Badge"), "locale": "en-US" }]);
        let proof_types =
            json!({ "jwt": { "proof_signing_alg_values_supported": ["EdDSA", "ES256"] } });
        let types = json!(["VerifiableCredential", "OpenBadgeCredential"]);
        Ok(json!({
            "credential_issuer": base,
            "credential_endpoint": format!("{base}/oid4vci/credential"),
            "nonce_endpoint": format!("{base}/oid4vci/nonce"),
            "notification_endpoint": format!("{base}/oid4vci/notification"),
            "token_endpoint": format!("{base}/oid4vci/token"),
            "display": [{ "name": name, "locale": "en-US" }],
            "credential_configurations_supported": {
                CONFIG_LDP_VC: {
                    "format": "ldp_vc",
                    "scope": "OpenBadgeCredential",
                    "cryptographic_binding_methods_supported": ["did:key", "did:jwk"],
                    "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"],
                    "proof_types_supported": proof_types,
                    "credential_definition": {
                        "@context": [cairn_verifier::VC_V2, cairn_verifier::OB_V3P0_3_0_3],
                        "type": types,
                    },
                    "credential_metadata": { "display": display },
                    "display": display,
                },
                CONFIG_JWT_VC: {
                    "format": "jwt_vc_json",
                    "scope": "OpenBadgeCredentialJwt",
                    "cryptographic_binding_methods_supported": ["did:key", "did:jwk"],
                    "credential_signing_alg_values_supported": ["EdDSA"],
                    "proof_types_supported": proof_types,
                    "credential_definition": { "type": types },
                    "credential_metadata": { "display": display },
                    "display": display,
                },
            },
        }))
    }

    /// OpenID4VCI 1.0 §12.3 and RFC 8414: this issuer is its own authorization server, for the
    /// pre-authorized code grant only, without client authentication.
    pub fn authorization_server_metadata(&self) -> Result<Value, Error> {
        let base = self.wallet_base()?;
        Ok(json!({
            "issuer": base,
            "token_endpoint": format!("{base}/oid4vci/token"),
            "grant_types_supported": [PRE_AUTHORIZED_GRANT],
            "response_types_supported": [],
            "token_endpoint_auth_methods_supported": ["none"],
            "pre-authorized_grant_anonymous_access_supported": true,
        }))
    }

    /// Opens a claim session for a stored credential: the holder's wallet gets a copy bound to
    /// the holder's DID. With `tx_code`, the OpenID4VCI flow also needs a 6-digit code that is
    /// returned here once, to be given to the holder apart from the QR code.
    pub async fn create_claim(
        &self,
        credential_id: &str,
        tx_code: bool,
        now: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<ClaimOffer, Error> {
        let base = self.wallet_base()?;
        let document = self
            .store
            .credential(credential_id)
            .await?
            .ok_or_else(|| Error::CredentialNotFound(credential_id.to_owned()))?;
        if self.live_status(credential_id, &document, now).await? == crate::LiveStatus::Revoked {
            return Err(Error::CredentialRevoked(credential_id.to_owned()));
        }
        let session_id = format!("claim-{}", uuid::Uuid::new_v4().simple());
        let master = random_secret();
        let code = tx_code.then(|| {
            use rand::Rng;
            let mut rng = rand::thread_rng();
            (0..TX_CODE_DIGITS)
                .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
                .collect::<String>()
        });
        let expires_at = rfc3339(now + Duration::minutes(SESSION_MINUTES));
        let tx_hash = code.as_deref().map(|c| tx_code_digest(&session_id, c));
        self.store
            .insert_claim_session(
                &NewClaimSession {
                    id: &session_id,
                    credential_id,
                    offer_hash: &hash_secret(&master),
                    pre_authorized_code_hash: &hash_secret(&pre_authorized_code(&master)),
                    exchange_hash: &hash_secret(&exchange_id(&master)),
                    tx_code_hash: tx_hash.as_deref(),
                    challenge: &uuid::Uuid::new_v4().to_string(),
                    created_at: &rfc3339(now),
                    expires_at: &expires_at,
                },
                actor,
            )
            .await?;
        let offer_uri = format!("{base}/oid4vci/offers/{master}");
        let exchange_url = format!("{base}/exchanges/{}", exchange_id(&master));
        let lcw_request = json!({
            "credentialRequestOrigin": base,
            "protocols": { "vcapi": exchange_url },
        });
        let offer = self.offer_document(&master, code.is_some())?;
        Ok(ClaimOffer {
            session_id,
            expires_at,
            oid4vci_link: format!(
                "openid-credential-offer://?credential_offer_uri={}",
                url_encode(&offer_uri)
            ),
            oid4vci_link_by_value: format!(
                "openid-credential-offer://?credential_offer={}",
                url_encode(&offer.to_string())
            ),
            credential_offer_uri: offer_uri,
            lcw_link: format!(
                "https://lcw.app/request.html?request={}",
                url_encode(&lcw_request.to_string())
            ),
            exchange_url,
            tx_code: code,
        })
    }

    /// A new one-time claim link (`/claim/{token}`) for a credential. It is how a recipient
    /// proves who they are: it is mailed only to the address the credential was awarded to.
    pub(crate) async fn new_claim_link(
        &self,
        credential_id: &str,
        requested: bool,
        now: DateTime<Utc>,
    ) -> Result<String, Error> {
        let base = self.wallet_base()?;
        let token = random_secret();
        self.store
            .insert_claim_link(
                &hash_secret(&token),
                credential_id,
                &rfc3339(now),
                &rfc3339(now + Duration::hours(CLAIM_LINK_HOURS)),
                requested,
            )
            .await?;
        Ok(format!("{base}/claim/{token}"))
    }

    /// The credential page's "Email me a wallet link": when `email` is the address the
    /// credential was awarded to (compared by its lookup hash), a claim link is mailed to it, at
    /// most one per `CLAIM_LINK_INTERVAL_MINUTES` minutes. The caller learns nothing either way.
    pub async fn request_claim_link(
        &self,
        credential_id: &str,
        email: &str,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        self.wallet_base()?;
        let Some(meta) = self.store.credential_meta(credential_id).await? else {
            return Ok(());
        };
        let matches = {
            use subtle::ConstantTimeEq;
            let given = crate::recipient_lookup(email);
            bool::from(given.as_bytes().ct_eq(meta.recipient_lookup.as_bytes()))
        };
        let actor = Actor("recipient:email-link".into());
        if !matches {
            return self
                .store
                .record_event(
                    "claim.link_refused",
                    Some(credential_id),
                    &rfc3339(now),
                    &actor,
                )
                .await;
        }
        let recent = self
            .store
            .latest_claim_link(credential_id)
            .await?
            .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .is_some_and(|t| t > now - Duration::minutes(CLAIM_LINK_INTERVAL_MINUTES));
        if recent {
            return self
                .store
                .record_event(
                    "claim.link_throttled",
                    Some(credential_id),
                    &rfc3339(now),
                    &actor,
                )
                .await;
        }
        let Some(document) = self.store.credential(credential_id).await? else {
            return Ok(());
        };
        let link = self.new_claim_link(credential_id, true, now).await?;
        if self.send_wallet_link(email, &document, link) {
            self.store
                .record_event(
                    "claim.link_mailed",
                    Some(credential_id),
                    &rfc3339(now),
                    &actor,
                )
                .await?;
        }
        Ok(())
    }

    /// The credential a claim link names while it works (`claim_link_invalid` otherwise).
    pub async fn claim_link_credential(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<String, Error> {
        self.store
            .claim_link(&hash_secret(token))
            .await?
            .filter(|l| l.used_at.is_none() && !expired(&l.expires_at, now))
            .map(|l| l.credential_id)
            .ok_or_else(|| {
                Error::wallet(
                    "claim_link_invalid",
                    "this link was used or has expired; ask for a new one on the credential's page",
                )
            })
    }

    /// Uses a claim link up and opens a claim session for its credential.
    pub async fn redeem_claim_link(
        &self,
        token: &str,
        now: DateTime<Utc>,
    ) -> Result<ClaimOffer, Error> {
        let credential_id = self.claim_link_credential(token, now).await?;
        if !self
            .store
            .use_claim_link(&hash_secret(token), &rfc3339(now))
            .await?
        {
            return Err(Error::wallet(
                "claim_link_invalid",
                "this link was used or has expired; ask for a new one on the credential's page",
            ));
        }
        self.create_claim(
            &credential_id,
            false,
            now,
            &Actor("recipient:email-link".into()),
        )
        .await
    }

    /// OpenID4VCI 1.0 §4.1.1: the credential offer for a session's master secret.
    fn offer_document(&self, master: &str, tx_code: bool) -> Result<Value, Error> {
        let mut grant = json!({ "pre-authorized_code": pre_authorized_code(master) });
        if tx_code {
            grant["tx_code"] = json!({
                "input_mode": "numeric",
                "length": TX_CODE_DIGITS,
                "description": "The code your district gave you with this offer",
            });
        }
        Ok(json!({
            "credential_issuer": self.wallet_base()?,
            "credential_configuration_ids": [CONFIG_LDP_VC, CONFIG_JWT_VC],
            "grants": { PRE_AUTHORIZED_GRANT: grant },
        }))
    }

    /// OpenID4VCI 1.0 §4.1.3: the offer a `credential_offer_uri` names, while its session waits
    /// for its code to be redeemed.
    pub async fn credential_offer(&self, master: &str, now: DateTime<Utc>) -> Result<Value, Error> {
        let session = self
            .store
            .claim_session(ClaimLookup::Offer(&hash_secret(master)))
            .await?
            .filter(|s| s.state == "offered" && !expired(&s.expires_at, now))
            .ok_or_else(|| {
                Error::wallet(
                    "offer_not_found",
                    "no such offer, or it expired or was used",
                )
            })?;
        self.offer_document(master, session.has_tx_code)
    }

    /// A claim session's state, for the admin API.
    pub async fn claim_state(
        &self,
        session_id: &str,
        now: DateTime<Utc>,
    ) -> Result<ClaimState, Error> {
        let s = self
            .store
            .claim_session(ClaimLookup::Id(session_id))
            .await?
            .ok_or_else(|| {
                Error::wallet(
                    "claim_not_found",
                    format!("no claim session {session_id:?}"),
                )
            })?;
        let state = match s.state.as_str() {
            "claimed" => "claimed",
            "failed" => "failed",
            _ if expired(&s.expires_at, now) => "expired",
            _ => "waiting",
        };
        Ok(ClaimState {
            session_id: s.id,
            credential_id: s.credential_id,
            state,
            created_at: s.created_at,
            expires_at: s.expires_at,
            claimed_at: s.claimed_at,
            holder: s.holder_did,
            wallet_credential_id: s.issued_credential_id,
            wallet_event: s.notification_event,
        })
    }

    /// OpenID4VCI 1.0 §6: the token endpoint for the pre-authorized code grant (form fields in
    /// `form`). Refusals are RFC 6749 §5.2 errors as §6.3 refines them.
    pub async fn oid4vci_token(
        &self,
        form: &HashMap<String, String>,
        now: DateTime<Utc>,
    ) -> Result<Value, Error> {
        let actor = Actor("wallet".into());
        match form.get("grant_type").map(String::as_str) {
            Some(PRE_AUTHORIZED_GRANT) => {}
            Some(_) => {
                return Err(Error::wallet(
                    "unsupported_grant_type",
                    "only the pre-authorized code grant is supported",
                ))
            }
            None => return Err(Error::wallet("invalid_request", "grant_type is missing")),
        }
        let code = form
            .get("pre-authorized_code")
            .ok_or_else(|| Error::wallet("invalid_request", "pre-authorized_code is missing"))?;
        let session = self
            .store
            .claim_session(ClaimLookup::PreAuthorizedCode(&hash_secret(code)))
            .await?
            .ok_or_else(|| {
                Error::wallet("invalid_grant", "the pre-authorized code is not valid")
            })?;
        if session.state != "offered" {
            self.store
                .record_event(
                    "claim.code_replayed",
                    Some(&session.id),
                    &rfc3339(now),
                    &actor,
                )
                .await?;
            return Err(Error::wallet(
                "invalid_grant",
                "the pre-authorized code was already used",
            ));
        }
        if expired(&session.expires_at, now) {
            return Err(Error::wallet(
                "invalid_grant",
                "the pre-authorized code expired",
            ));
        }
        // §6.1: tx_code (draft 11/12: user_pin) exactly when the offer asked for one.
        let sent = form.get("tx_code").or_else(|| form.get("user_pin"));
        match (session.has_tx_code, sent) {
            (true, None) => {
                return Err(Error::wallet(
                    "invalid_request",
                    "this offer needs its tx_code",
                ))
            }
            (false, Some(_)) => {
                return Err(Error::wallet(
                    "invalid_request",
                    "this offer has no tx_code",
                ))
            }
            (true, Some(given)) => {
                let matches = self
                    .store
                    .claim_tx_code_matches(&session.id, &tx_code_digest(&session.id, given))
                    .await?;
                if !matches {
                    let last = session.tx_code_failures + 1 >= MAX_TX_CODE_FAILURES;
                    self.store
                        .update_claim_session(
                            &session.id,
                            &ClaimUpdate {
                                from: &["offered"],
                                tx_code_failure: true,
                                state: last.then_some("failed"),
                                ..ClaimUpdate::default()
                            },
                            "claim.tx_code_wrong",
                            &rfc3339(now),
                            &actor,
                        )
                        .await?;
                    return Err(Error::wallet("invalid_grant", "the tx_code is wrong"));
                }
            }
            (false, None) => {}
        }
        let token = random_secret();
        let redeemed = self
            .store
            .update_claim_session(
                &session.id,
                &ClaimUpdate {
                    from: &["offered"],
                    unexpired_at: Some(&rfc3339(now)),
                    state: Some("token_issued"),
                    access_token_hash: Some(&hash_secret(&token)),
                    access_token_expires_at: Some(&rfc3339(now + Duration::seconds(TOKEN_SECONDS))),
                    ..ClaimUpdate::default()
                },
                "claim.token",
                &rfc3339(now),
                &actor,
            )
            .await?;
        if !redeemed {
            return Err(Error::wallet(
                "invalid_grant",
                "the pre-authorized code was already used",
            ));
        }
        // Draft 13 wallets take their first c_nonce from the token response.
        let nonce = self.oid4vci_nonce(now).await?;
        Ok(json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": TOKEN_SECONDS,
            "c_nonce": nonce,
            "c_nonce_expires_in": NONCE_SECONDS,
        }))
    }

    /// OpenID4VCI 1.0 §7: a fresh, unpredictable c_nonce, accepted once. It is
    /// base64url(expiry ‖ 128 random bits ‖ MAC): nothing is stored until it is used, so asking
    /// for nonces costs the database nothing.
    pub async fn oid4vci_nonce(&self, now: DateTime<Utc>) -> Result<String, Error> {
        let expires = (now + Duration::seconds(NONCE_SECONDS)).timestamp();
        let mut nonce = expires.to_be_bytes().to_vec();
        nonce.extend(rand::random::<[u8; 16]>());
        let mac = self.nonce_mac(&nonce)?;
        nonce.extend(mac);
        Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(nonce))
    }

    /// HMAC-SHA-256 (first 128 bits) of a nonce's expiry and random part.
    fn nonce_mac(&self, payload: &[u8]) -> Result<[u8; 16], Error> {
        use hmac::Mac;
        let secret = self.issuer_secret()?;
        let mut mac = hmac::Hmac::<Sha256>::new_from_slice(secret)
            .map_err(|e| Error::Signing(e.to_string()))?;
        mac.update(b"cairn oid4vci c_nonce\0");
        mac.update(payload);
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; 16];
        out.copy_from_slice(&full[..16]);
        Ok(out)
    }

    /// Uses a c_nonce up: true when it is one of ours, unexpired and not used before.
    async fn use_nonce(&self, nonce: &str, now: DateTime<Utc>) -> Result<bool, Error> {
        let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(nonce) else {
            return Ok(false);
        };
        if bytes.len() != 40 {
            return Ok(false);
        }
        let (payload, mac) = bytes.split_at(24);
        let genuine = {
            use subtle::ConstantTimeEq;
            bool::from(self.nonce_mac(payload)?.ct_eq(mac))
        };
        let mut expiry = [0u8; 8];
        expiry.copy_from_slice(&payload[..8]);
        let Some(expires) = DateTime::from_timestamp(i64::from_be_bytes(expiry), 0) else {
            return Ok(false);
        };
        if !genuine || expires <= now {
            return Ok(false);
        }
        self.store
            .use_nonce(&hash_secret(nonce), &rfc3339(expires), &rfc3339(now))
            .await
    }

    /// The session an access token opens, while the token is valid (RFC 6750 §3.1
    /// `invalid_token` otherwise).
    async fn session_for_token(
        &self,
        bearer: &str,
        now: DateTime<Utc>,
    ) -> Result<ClaimSession, Error> {
        self.store
            .claim_session(ClaimLookup::AccessToken(&hash_secret(bearer)))
            .await?
            .filter(|s| {
                !s.access_token_expires_at
                    .as_deref()
                    .is_none_or(|t| expired(t, now))
            })
            .ok_or_else(|| {
                Error::wallet("invalid_token", "the access token is not valid or expired")
            })
    }

    /// OpenID4VCI 1.0 §8: the credential endpoint. Accepts the 1.0 request
    /// (`credential_configuration_id`, `proofs.jwt`) and the draft-13 one (`format`, `proof`),
    /// and answers in the shape asked.
    pub async fn oid4vci_credential(
        &self,
        bearer: &str,
        request: &Value,
        now: DateTime<Utc>,
    ) -> Result<Value, Error> {
        let session = self.session_for_token(bearer, now).await?;
        let bad = |m: &str| Error::wallet("invalid_credential_request", m.to_owned());
        let request = request
            .as_object()
            .ok_or_else(|| bad("the request is not a JSON object"))?;
        if request.contains_key("credential_identifier") {
            return Err(Error::wallet(
                "unknown_credential_identifier",
                "this issuer hands out no credential identifiers; send credential_configuration_id",
            ));
        }
        let draft = !request.contains_key("credential_configuration_id");
        let format = match (
            request
                .get("credential_configuration_id")
                .and_then(Value::as_str),
            request.get("format").and_then(Value::as_str),
        ) {
            (Some(CONFIG_LDP_VC), _) | (None, Some("ldp_vc")) => Format::Json,
            (Some(CONFIG_JWT_VC), _) | (None, Some("jwt_vc_json")) => Format::Jwt {
                alg: JwtAlg::EdDsa,
                embed_proof: false,
            },
            (Some(other), _) => {
                return Err(Error::wallet(
                    "unknown_credential_configuration",
                    format!("no credential configuration {other:?}"),
                ))
            }
            (None, Some(other)) => {
                return Err(Error::wallet(
                    "unsupported_credential_format",
                    format!("the format {other:?} is not offered (ldp_vc, jwt_vc_json)"),
                ))
            }
            (None, None) => return Err(bad("send credential_configuration_id")),
        };
        let jwt = match (request.get("proofs"), request.get("proof")) {
            (Some(_), Some(_)) => return Err(bad("send proofs or proof, not both")),
            (Some(Value::Object(proofs)), None) => match proofs.get("jwt") {
                Some(Value::Array(list)) if list.len() == 1 && proofs.len() == 1 => {
                    list[0].as_str()
                }
                Some(Value::Array(list)) if list.len() > 1 => {
                    return Err(Error::wallet(
                        "invalid_proof",
                        "one credential is issued per offer: send one proof",
                    ))
                }
                _ => None,
            },
            (None, Some(Value::Object(proof))) => {
                match proof.get("proof_type").and_then(Value::as_str) {
                    Some("jwt") => proof.get("jwt").and_then(Value::as_str),
                    _ => None,
                }
            }
            _ => None,
        }
        .ok_or_else(|| Error::wallet("invalid_proof", "a jwt key proof is required"))?;
        let holder = verify_proof_jwt(jwt, &self.wallet_base()?, now)?;
        let nonce = holder.nonce.as_deref().ok_or_else(|| {
            Error::wallet(
                "invalid_proof",
                "the key proof must carry a c_nonce from the nonce endpoint",
            )
        })?;
        if !self.use_nonce(nonce, now).await? {
            return Err(Error::wallet(
                "invalid_nonce",
                "the c_nonce is unknown, used or expired; get a new one from the nonce endpoint",
            ));
        }
        let (credential, notification_id) = self
            .claim_for_holder(&session, &["token_issued"], &holder.did, format, now)
            .await?;
        let mut answer = json!({
            "credentials": [{ "credential": credential }],
            "notification_id": notification_id,
        });
        if draft {
            // Draft 13's response: one credential at the top level, and the next c_nonce.
            answer["credential"] = credential;
            answer["format"] = json!(if matches!(format, Format::Json) {
                "ldp_vc"
            } else {
                "jwt_vc_json"
            });
            answer["c_nonce"] = json!(self.oid4vci_nonce(now).await?);
            answer["c_nonce_expires_in"] = json!(NONCE_SECONDS);
        }
        Ok(answer)
    }

    /// OpenID4VCI 1.0 §11: the wallet says what became of the credential (idempotent).
    pub async fn oid4vci_notification(
        &self,
        bearer: &str,
        request: &Value,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let session = self.session_for_token(bearer, now).await?;
        let id = request
            .get("notification_id")
            .and_then(Value::as_str)
            .ok_or_else(|| {
                Error::wallet("invalid_notification_request", "notification_id is missing")
            })?;
        let named = self
            .store
            .claim_session(ClaimLookup::Notification(id))
            .await?;
        if named.is_none_or(|n| n.id != session.id) {
            return Err(Error::wallet(
                "invalid_notification_id",
                "the notification_id is not this token's",
            ));
        }
        let event = match request.get("event").and_then(Value::as_str) {
            Some(e @ ("credential_accepted" | "credential_failure" | "credential_deleted")) => e,
            _ => {
                return Err(Error::wallet(
                    "invalid_notification_request",
                    "event must be credential_accepted, credential_failure or credential_deleted",
                ))
            }
        };
        self.store
            .update_claim_session(
                &session.id,
                &ClaimUpdate {
                    from: &["claimed"],
                    notification_event: Some(event),
                    ..ClaimUpdate::default()
                },
                "claim.notification",
                &rfc3339(now),
                &Actor("wallet".into()),
            )
            .await?;
        Ok(())
    }

    /// The VC-API exchange (as the Learner Credential Wallet drives it): a message without a
    /// presentation gets the DIDAuthentication request; a presentation signed by the holder
    /// (`authentication`, this session's challenge, this issuer's domain) gets the credential,
    /// bound to the holder's DID, in an unsigned presentation.
    pub async fn vc_api_exchange(
        &self,
        exchange: &str,
        message: &Value,
        now: DateTime<Utc>,
    ) -> Result<Value, Error> {
        let base = self.wallet_base()?;
        let session = self
            .store
            .claim_session(ClaimLookup::Exchange(&hash_secret(exchange)))
            .await?
            .filter(|s| s.state != "failed")
            .ok_or_else(|| Error::wallet("exchange_not_found", "no such exchange"))?;
        if matches!(session.state.as_str(), "claiming" | "claimed") {
            return Err(Error::wallet(
                "exchange_complete",
                "this exchange was completed",
            ));
        }
        if expired(&session.expires_at, now) {
            return Err(Error::wallet("exchange_expired", "this exchange expired"));
        }
        let exchange_url = format!("{base}/exchanges/{exchange}");
        let Some(vp) = message.get("verifiablePresentation") else {
            return Ok(json!({
                "verifiablePresentationRequest": {
                    "query": [{
                        "type": "DIDAuthentication",
                        "acceptedMethods": [{ "method": "key" }],
                        "acceptedCryptosuites": [
                            { "cryptosuite": "Ed25519Signature2020" },
                            { "cryptosuite": "eddsa-rdfc-2022" },
                        ],
                    }],
                    "challenge": session.challenge,
                    "domain": base,
                    "interact": { "service": [{
                        "type": "UnmediatedPresentationService2021",
                        "serviceEndpoint": exchange_url,
                    }] },
                }
            }));
        };
        let vp = vp.as_object().ok_or_else(|| {
            Error::wallet(
                "invalid_presentation",
                "the presentation is not a JSON object",
            )
        })?;
        // DIDAuthentication asks for no credentials: verifying embedded ones would only be work.
        let carries = match vp.get("verifiableCredential") {
            None => false,
            Some(Value::Array(a)) => !a.is_empty(),
            Some(_) => true,
        };
        if carries {
            return Err(Error::wallet(
                "invalid_presentation",
                "a DIDAuthentication presentation carries no credentials",
            ));
        }
        let asked = cairn_verifier::PresentationOptions {
            challenge: Some(session.challenge.clone()),
            domain: Some(base.clone()),
        };
        // The holder is a did:key: resolved offline, nothing fetched.
        let options = cairn_verifier::VerifyOptions::new(now);
        let report = cairn_verifier::verify_presentation(
            vp,
            &asked,
            &options,
            &cairn_verifier::OfflineResolver::new(),
        )
        .await;
        let holder = report.holder.clone().unwrap_or_default();
        let signed = vp.contains_key("proof");
        if report.verdict != cairn_verifier::Verdict::Valid || !signed {
            let reason = report
                .checks
                .iter()
                .find(|c| c.status != cairn_verifier::CheckStatus::Passed)
                .map_or("the presentation has no proof".to_owned(), |c| {
                    format!("{}: {}", c.code, c.message)
                });
            self.store
                .record_event(
                    "claim.presentation_refused",
                    Some(&session.id),
                    &rfc3339(now),
                    &Actor("wallet".into()),
                )
                .await?;
            return Err(Error::wallet("invalid_presentation", reason));
        }
        if !holder.starts_with("did:key:") {
            return Err(Error::wallet(
                "invalid_presentation",
                "the holder must be a did:key",
            ));
        }
        let (credential, _) = self
            .claim_for_holder(
                &session,
                &["offered", "token_issued"],
                &holder,
                Format::Json,
                now,
            )
            .await?;
        Ok(json!({
            "verifiablePresentation": {
                "@context": [cairn_verifier::VC_V2],
                "type": ["VerifiablePresentation"],
                "verifiableCredential": [credential],
            }
        }))
    }

    /// Claims `session` (in one of `from`) for `holder` and issues the wallet copy; answers the
    /// credential as the format delivers it and the notification id. A session is claimed once:
    /// a second claimant gets `credential_request_denied`.
    async fn claim_for_holder(
        &self,
        session: &ClaimSession,
        from: &[&str],
        holder: &str,
        format: Format,
        now: DateTime<Utc>,
    ) -> Result<(Value, String), Error> {
        let actor = Actor(format!("holder:{holder}"));
        let at = rfc3339(now);
        let took = self
            .store
            .update_claim_session(
                &session.id,
                &ClaimUpdate {
                    from,
                    unexpired_at: Some(&at),
                    state: Some("claiming"),
                    holder_did: Some(holder),
                    ..ClaimUpdate::default()
                },
                "claim.start",
                &at,
                &actor,
            )
            .await?;
        if !took {
            return Err(Error::wallet(
                "credential_request_denied",
                "this offer was claimed or expired",
            ));
        }
        let issued = match self
            .issue_wallet_copy(&session.credential_id, holder, format, now, &actor)
            .await
        {
            Ok(issued) => issued,
            Err(e) => {
                // Nothing was stored: the session waits again (a revoked credential stays refused).
                self.store
                    .update_claim_session(
                        &session.id,
                        &ClaimUpdate {
                            from: &["claiming"],
                            state: Some(&session.state),
                            ..ClaimUpdate::default()
                        },
                        "claim.abandoned",
                        &at,
                        &actor,
                    )
                    .await?;
                return Err(match e {
                    Error::CredentialRevoked(_) => {
                        Error::wallet("credential_request_denied", "the credential was revoked")
                    }
                    other => other,
                });
            }
        };
        let wallet_id = issued.credential()["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        // What the format delivers: the credential itself, or the compact JWS.
        let credential = match issued {
            Issued::Json(c) => c,
            Issued::Jwt { jws, .. } => Value::String(jws),
        };
        let notification_id = random_secret();
        self.store
            .update_claim_session(
                &session.id,
                &ClaimUpdate {
                    from: &["claiming"],
                    state: Some("claimed"),
                    claimed_at: Some(&at),
                    issued_credential_id: Some(&wallet_id),
                    notification_id: Some(&notification_id),
                    ..ClaimUpdate::default()
                },
                "claim.complete",
                &at,
                &actor,
            )
            .await?;
        Ok((credential, notification_id))
    }

    /// The wallet copy of a stored credential: the same claims and status entries (so revoking
    /// either revokes both), a new id, `credentialSubject.id` = the holder's DID, signed now,
    /// self-checked and stored.
    async fn issue_wallet_copy(
        &self,
        credential_id: &str,
        holder: &str,
        format: Format,
        now: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<Issued, Error> {
        let original = self
            .store
            .credential(credential_id)
            .await?
            .ok_or_else(|| Error::CredentialNotFound(credential_id.to_owned()))?;
        if self.live_status(credential_id, &original, now).await? == crate::LiveStatus::Revoked {
            return Err(Error::CredentialRevoked(credential_id.to_owned()));
        }
        let meta = self
            .store
            .credential_meta(credential_id)
            .await?
            .ok_or_else(|| Error::CredentialNotFound(credential_id.to_owned()))?;
        let mut unsigned: Map<String, Value> = original
            .as_object()
            .cloned()
            .ok_or_else(|| Error::Database("stored credential is not an object".into()))?;
        unsigned.remove("proof");
        let copy_id = self.new_credential_id();
        unsigned.insert("id".into(), Value::String(copy_id.clone()));
        match unsigned.get_mut("credentialSubject") {
            Some(Value::Object(subject)) => {
                subject.insert("id".into(), Value::String(holder.to_owned()));
            }
            _ => {
                return Err(Error::Database(
                    "stored credential has no single subject".into(),
                ))
            }
        }
        let unsigned = Value::Object(unsigned);
        let mut lists = Vec::new();
        for url in crate::status::list_urls(&unsigned) {
            lists.push((
                url.to_owned(),
                self.current_status_list(url, now).await?.json,
            ));
        }
        let (signed, jws) = self.seal(unsigned, format, now)?;
        let resolver = self.own_documents(&lists).await?;
        self.self_check(&signed, jws.as_deref(), &resolver, now)
            .await?;
        let at = rfc3339(now);
        let source = meta
            .source_credential_id
            .clone()
            .unwrap_or_else(|| credential_id.to_owned());
        let stored = self
            .store
            .insert_credentials(
                &[NewCredential {
                    id: &copy_id,
                    achievement_id: &meta.achievement_id,
                    recipient_lookup: &meta.recipient_lookup,
                    recipient_did: Some(holder),
                    document: &signed,
                    valid_from: signed["validFrom"].as_str().unwrap_or(&at),
                    valid_until: signed["validUntil"].as_str(),
                    issued_at: &at,
                    compact_jws: jws.as_deref(),
                    row_key: None,
                    source_credential_id: Some(&source),
                }],
                actor,
            )
            .await?;
        if stored.first() != Some(&true) {
            return Err(Error::Database("the wallet copy was not stored".into()));
        }
        Ok(Issued::new(signed, jws))
    }
}

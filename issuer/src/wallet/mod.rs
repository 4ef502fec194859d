//! Wallet hand-off: claim sessions shared by OpenID4VCI 1.0 (pre-authorized code flow) and the
//! VC-API exchange the Learner Credential Wallet drives; the offers, tokens, nonces and
//! exchange messages of both; and the wallet copy of a credential, bound to the holder's DID.
//!
//! Every secret handed out (the offer URI's last segment, the pre-authorized code, the exchange
//! id, the transaction code, access tokens, nonces) is random or derived from 256 random bits
//! and stored only as its SHA-256. Sessions expire after [`SESSION_MINUTES`] and are claimed
//! once, by whichever flow comes first.

mod exchange;
mod links;
mod oid4vci;

use std::collections::HashMap;

use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::auth::{hash_secret, random_secret};
use crate::credential::rfc3339;
use crate::error::{Error, WalletRefusal};
use crate::holder_proof::verify_proof_jwt;
use crate::jwt::JwtAlg;
use crate::store::{
    Actor, ClaimLookup, ClaimSession, ClaimUpdate, NewClaimSession, NewCredential, TxCodeCheck,
};
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
    /// The claim session's id (for the admin API).
    pub session_id: String,
    /// When the offer expires.
    pub expires_at: String,
    /// `openid-credential-offer://?credential_offer_uri=…` (for QR codes: short).
    pub oid4vci_link: String,
    /// The same offer by value (`credential_offer=…`), for wallets that want it.
    pub oid4vci_link_by_value: String,
    /// Where the wallet fetches the offer (OID4VCI §4.1.3).
    pub credential_offer_uri: String,
    /// The VC-API exchange the Learner Credential Wallet posts to.
    pub exchange_url: String,
    /// `https://lcw.app/request.html?request=…`.
    pub lcw_link: String,
    /// The transaction code the holder types into the wallet, when the offer needs one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tx_code: Option<String>,
}

/// The claim session's state as the admin API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimState {
    /// The claim session's id.
    pub session_id: String,
    /// The credential offered.
    pub credential_id: String,
    /// `waiting` (offered or token issued), `claimed`, `expired` or `failed`.
    pub state: &'static str,
    /// When the offer was made.
    pub created_at: String,
    /// When the offer expires.
    pub expires_at: String,
    /// When the holder received the credential.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed_at: Option<String>,
    /// The holder's DID.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holder: Option<String>,
    /// The wallet copy issued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wallet_credential_id: Option<String>,
    /// The wallet's last notification event.
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
                WalletRefusal::WalletUnavailable,
                "wallet hand-off needs the issuer's public https address: set issuer.url in cairn.toml",
            )
        })?;
        let parsed = url::Url::parse(url).map_err(|e| {
            Error::wallet(WalletRefusal::WalletUnavailable, format!("issuer.url: {e}"))
        })?;
        let loopback = matches!(parsed.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
        if parsed.scheme() != "https" && !(parsed.scheme() == "http" && loopback) {
            return Err(Error::wallet(
                WalletRefusal::WalletUnavailable,
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
        let name = &self.settings().name;
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
                    WalletRefusal::OfferNotFound,
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
                    WalletRefusal::ClaimNotFound,
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
}

//! The rows the store traits take and give: plain data, no I/O.

use serde_json::Value;

/// An achievement as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAchievement {
    pub id: String,
    pub slug: String,
    pub achievement: Value,
    pub archived: bool,
    pub created_at: String,
}

/// A public key as stored (the private half stays in its key file).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredKey {
    pub key_id: String,
    /// `Ed25519` (public key: multibase) or `RS256` (public key: JWK JSON).
    pub algorithm: String,
    pub verification_method: String,
    pub public_key: String,
    pub status: String,
}

/// A credential ready to store.
#[derive(Debug, Clone)]
pub struct NewCredential<'a> {
    pub id: &'a str,
    pub achievement_id: &'a str,
    pub recipient_lookup: &'a str,
    pub recipient_did: Option<&'a str>,
    pub document: &'a Value,
    pub valid_from: &'a str,
    pub valid_until: Option<&'a str>,
    pub issued_at: &'a str,
    pub compact_jws: Option<&'a str>,
    /// The roster row this credential was issued for (unique).
    pub row_key: Option<&'a str>,
    /// The credential this one is a wallet copy of (it shares that one's status entries).
    pub source_credential_id: Option<&'a str>,
}

/// What the database knows of a stored credential besides its document.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialMeta {
    pub achievement_id: String,
    pub recipient_lookup: String,
    /// Set for a wallet copy: the credential it copies.
    pub source_credential_id: Option<String>,
}

/// A wallet claim session as stored (secrets only as hashes, which are not read back).
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimSession {
    pub id: String,
    pub credential_id: String,
    pub has_tx_code: bool,
    pub tx_code_failures: i64,
    pub access_token_expires_at: Option<String>,
    pub challenge: String,
    pub created_at: String,
    pub expires_at: String,
    /// `offered`, `token_issued`, `claiming`, `claimed` or `failed`.
    pub state: String,
    pub claimed_at: Option<String>,
    pub holder_did: Option<String>,
    pub issued_credential_id: Option<String>,
    pub notification_event: Option<String>,
}

/// A new claim session: each secret as its SHA-256 (hex).
#[derive(Debug, Clone)]
pub struct NewClaimSession<'a> {
    pub id: &'a str,
    pub credential_id: &'a str,
    pub offer_hash: &'a str,
    pub pre_authorized_code_hash: &'a str,
    pub exchange_hash: &'a str,
    pub tx_code_hash: Option<&'a str>,
    pub challenge: &'a str,
    pub created_at: &'a str,
    pub expires_at: &'a str,
}

/// A one-time claim link mailed to a credential's recipient.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimLink {
    pub credential_id: String,
    pub expires_at: String,
    pub used_at: Option<String>,
}

/// How a claim session is found: by its public id or by the hash of one of its secrets.
#[derive(Debug, Clone, Copy)]
pub enum ClaimLookup<'a> {
    Id(&'a str),
    Offer(&'a str),
    PreAuthorizedCode(&'a str),
    AccessToken(&'a str),
    Exchange(&'a str),
    Notification(&'a str),
}

/// A change to a claim session, made only while it is in one of `from` (and, when
/// `unexpired_at` is set, not expired then); unset fields are kept.
#[derive(Debug, Clone, Default)]
pub struct ClaimUpdate<'a> {
    pub from: &'a [&'a str],
    pub unexpired_at: Option<&'a str>,
    pub state: Option<&'a str>,
    pub access_token_hash: Option<&'a str>,
    pub access_token_expires_at: Option<&'a str>,
    pub holder_did: Option<&'a str>,
    pub issued_credential_id: Option<&'a str>,
    pub notification_id: Option<&'a str>,
    pub notification_event: Option<&'a str>,
    pub claimed_at: Option<&'a str>,
    /// Counts one more wrong transaction code.
    pub tx_code_failure: bool,
}

/// Who did something, for the audit log.
#[derive(Debug, Clone)]
pub struct Actor(pub String);

/// An API token as stored: the secret itself is never kept, only its SHA-256.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredToken {
    pub id: String,
    pub name: String,
    /// Space-separated scopes.
    pub scopes: String,
    pub secret_hash: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// The state of an idempotency key.
#[derive(Debug, Clone, PartialEq)]
pub enum Idempotency {
    /// This request is the first with the key: go ahead, then complete it.
    Reserved,
    /// A request with the key finished: its response, and the hash of its request.
    Done {
        request_hash: String,
        response: String,
    },
    /// A request with the key is still being processed.
    InProgress { request_hash: String },
}

/// What to look for among issued credentials; all given conditions must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CredentialFilter {
    /// The recipient lookup hash (see `recipient_lookup`).
    pub recipient_lookup: Option<String>,
    pub achievement_id: Option<String>,
    /// Issued at or after (RFC 3339, UTC).
    pub issued_from: Option<String>,
    /// Issued before (RFC 3339, UTC).
    pub issued_before: Option<String>,
    /// Continue after this (issued_at, id).
    pub after: Option<(String, String)>,
    pub limit: u32,
}

/// One search hit.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialSummary {
    pub id: String,
    pub achievement_id: String,
    pub issued_at: String,
    pub status: String,
}

/// A status list as stored: its identity, size, change counter and the signed list last published.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredStatusList {
    /// The list credential's URL.
    pub id: String,
    /// `revocation` or `suspension`.
    pub purpose: String,
    /// 1, 2, … for each purpose.
    pub seq: i64,
    /// Number of entries.
    pub size: i64,
    /// Counts changes to the list's bits.
    pub version: i64,
    /// The version the published document reflects.
    pub published_version: Option<i64>,
    pub published_json: Option<String>,
    pub etag: Option<String>,
    pub published_at: Option<String>,
    pub valid_until: Option<String>,
}

/// One credential's entry in a status list.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusEntryRow {
    pub list_id: String,
    pub index: i64,
    pub purpose: String,
    pub set: bool,
}

/// A status index handed to one credential.
#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    pub list_id: String,
    pub index: i64,
}

/// A change to a credential's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusAction {
    /// Final: sets the revocation bit.
    Revoke,
    /// Sets the suspension bit; can be lifted.
    Suspend,
    /// Clears the suspension bit.
    Reinstate,
}

impl StatusAction {
    pub fn name(self) -> &'static str {
        match self {
            StatusAction::Revoke => "revoke",
            StatusAction::Suspend => "suspend",
            StatusAction::Reinstate => "reinstate",
        }
    }
}

/// A credential's status as its entries say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialState {
    Active,
    Suspended,
    Revoked,
}

impl CredentialState {
    pub fn name(self) -> &'static str {
        match self {
            CredentialState::Active => "active",
            CredentialState::Suspended => "suspended",
            CredentialState::Revoked => "revoked",
        }
    }
}

/// What a status change did.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    /// The state after the change.
    pub state: CredentialState,
    /// The lists whose bits changed (empty when the credential already had that state).
    pub changed_lists: Vec<String>,
}

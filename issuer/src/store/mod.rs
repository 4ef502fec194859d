//! Storage: the [`Store`] trait the issuer works through, and its SQL implementation.
//!
//! Every state change and its audit entry are written in one transaction.

mod sql;

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use crate::error::Error;

pub use sql::{Backend, SqlStore};

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

/// What the issuer needs from a database.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// Records the issuer's profile and first keys.
    async fn insert_issuer(
        &self,
        profile: &Value,
        keys: &[StoredKey],
        at: &str,
        actor: &Actor,
    ) -> Result<(), Error>;
    /// Adds a public key (e.g. a new RSA key, a rotated signing key).
    async fn insert_public_key(
        &self,
        issuer_id: &str,
        key: &StoredKey,
        at: &str,
        actor: &Actor,
    ) -> Result<(), Error>;
    /// Adds `new` as the active signing key and retires `old_key_id` (kept and still published).
    async fn rotate_key(
        &self,
        issuer_id: &str,
        new: &StoredKey,
        old_key_id: &str,
        at: &str,
        actor: &Actor,
    ) -> Result<(), Error>;
    /// Every key of the issuer, oldest first (retired keys stay, so old credentials verify).
    async fn public_keys(&self) -> Result<Vec<StoredKey>, Error>;
    /// Adds an achievement; its slug must be new.
    async fn insert_achievement(
        &self,
        a: &StoredAchievement,
        definition: &Value,
        actor: &Actor,
    ) -> Result<(), Error>;
    /// Replaces an achievement's definition (its id and slug stay).
    async fn update_achievement(
        &self,
        a: &StoredAchievement,
        definition: &Value,
        at: &str,
        actor: &Actor,
    ) -> Result<(), Error>;
    /// Archives an achievement: it stays (credentials name it) but no longer issues.
    async fn archive_achievement(&self, id: &str, at: &str, actor: &Actor) -> Result<(), Error>;
    /// Finds an achievement by slug or id.
    async fn achievement(&self, slug_or_id: &str) -> Result<Option<StoredAchievement>, Error>;
    /// All achievements, in the order they were added.
    async fn achievements(&self) -> Result<Vec<StoredAchievement>, Error>;
    /// Stores an issued credential.
    /// Stores credentials, each with its audit entry, in one transaction (one commit for a whole
    /// batch). Says for each whether it was stored: `false` when its row key was issued before,
    /// by an earlier run or by an earlier credential of the same batch (nothing is stored for it).
    async fn insert_credentials(
        &self,
        credentials: &[NewCredential<'_>],
        actor: &Actor,
    ) -> Result<Vec<bool>, Error>;
    /// The id of the credential issued for a roster row key, if any.
    async fn credential_for_row(&self, row_key: &str) -> Result<Option<String>, Error>;
    /// The credentials issued for any of `row_keys`, as row key → credential id.
    async fn credentials_for_rows(
        &self,
        row_keys: &[&str],
    ) -> Result<std::collections::HashMap<String, String>, Error>;
    /// Credentials matching `filter`, oldest first, at most `filter.limit`.
    async fn search_credentials(
        &self,
        filter: &CredentialFilter,
    ) -> Result<Vec<CredentialSummary>, Error>;
    /// A stored credential document by id.
    async fn credential(&self, id: &str) -> Result<Option<Value>, Error>;
    /// Up to `limit` stored credentials with an id after `after` (all when `None`), in id order:
    /// (id, document, whether it was issued as a compact JWS). Pages through the whole table.
    async fn credential_documents(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(String, Value, bool)>, Error>;
    /// Replaces a stored credential's document (same id, a new proof) with its audit entry
    /// `action` (detail: `detail`) in one transaction. `false` when there is no such credential.
    async fn replace_credential_document(
        &self,
        id: &str,
        document: &Value,
        action: &str,
        detail: &Value,
        at: &str,
        actor: &Actor,
    ) -> Result<bool, Error>;
    /// The credential's share code: the one it has, else `candidate` when no other credential
    /// holds it (`None`: taken, try another).
    async fn share_code(
        &self,
        credential_id: &str,
        candidate: &str,
        at: &str,
    ) -> Result<Option<String>, Error>;
    /// The credential a share code names.
    async fn credential_for_share_code(&self, code: &str) -> Result<Option<String>, Error>;
    /// A stored credential's compact JWS, if it was issued as VC-JWT.
    async fn credential_jws(&self, id: &str) -> Result<Option<String>, Error>;
    /// Ids of credentials whose recipient lookup hash is `lookup`.
    async fn credentials_for_recipient(&self, lookup: &str) -> Result<Vec<String>, Error>;
    /// The audit log, oldest first: (at, actor, action, subject).
    async fn audit_log(&self) -> Result<Vec<(String, String, String, Option<String>)>, Error>;
    /// Writes an audit entry for an event that changes no other table.
    async fn record_event(
        &self,
        action: &str,
        subject: Option<&str>,
        at: &str,
        actor: &Actor,
    ) -> Result<(), Error>;
    /// Records a new API token.
    async fn insert_token(&self, token: &StoredToken, actor: &Actor) -> Result<(), Error>;
    /// A token by id.
    async fn token(&self, id: &str) -> Result<Option<StoredToken>, Error>;
    /// All tokens, oldest first.
    async fn tokens(&self) -> Result<Vec<StoredToken>, Error>;
    /// Revokes a token; false when there is no such token.
    async fn revoke_token(&self, id: &str, at: &str, actor: &Actor) -> Result<bool, Error>;
    /// Claims `key` for `token_id` (atomically), or reports what an earlier request left.
    async fn reserve_idempotency(
        &self,
        token_id: &str,
        key: &str,
        request_hash: &str,
        at: &str,
    ) -> Result<Idempotency, Error>;
    /// Stores the response of a reserved request.
    async fn complete_idempotency(
        &self,
        token_id: &str,
        key: &str,
        response: &str,
    ) -> Result<(), Error>;
    /// Releases a reservation whose request failed, so a retry can run again.
    async fn release_idempotency(&self, token_id: &str, key: &str) -> Result<(), Error>;
    /// Hands each of `credential_ids` an unused index, drawn at random, for each of `purposes`,
    /// in the first list of that purpose under `base_url` that is not full, opening a new list of
    /// `size` entries when none has room; all in one transaction (one commit for a whole batch).
    /// Concurrent callers (also other instances on the same database) never get the same index.
    /// The answer has one entry per credential id, each in the order of `purposes`.
    async fn allocate_status_indexes(
        &self,
        base_url: &str,
        purposes: &[&str],
        size: i64,
        credential_ids: &[&str],
        at: &str,
    ) -> Result<Vec<Vec<Allocation>>, Error>;
    /// The status entries of a credential.
    async fn status_entries(&self, credential_id: &str) -> Result<Vec<StatusEntryRow>, Error>;
    /// Revokes, suspends or reinstates a credential (its entries' bits, its row's status and the
    /// audit entry, with `reason`, in one transaction). Revocation is final; repeating a change
    /// is not an error.
    async fn change_status(
        &self,
        credential_id: &str,
        action: StatusAction,
        reason: Option<&str>,
        at: &str,
        actor: &Actor,
    ) -> Result<StatusChange, Error>;
    /// A status list by URL.
    async fn status_list(&self, id: &str) -> Result<Option<StoredStatusList>, Error>;
    /// Every status list, by purpose and sequence.
    async fn status_lists(&self) -> Result<Vec<StoredStatusList>, Error>;
    /// The indexes set in a list.
    async fn status_list_set_indexes(&self, id: &str) -> Result<Vec<i64>, Error>;
    /// A stored credential's achievement, recipient lookup and source.
    async fn credential_meta(&self, id: &str) -> Result<Option<CredentialMeta>, Error>;
    /// Records a new claim session (and its audit entry).
    async fn insert_claim_session(
        &self,
        session: &NewClaimSession<'_>,
        actor: &Actor,
    ) -> Result<(), Error>;
    /// A claim session.
    async fn claim_session(&self, by: ClaimLookup<'_>) -> Result<Option<ClaimSession>, Error>;
    /// Whether `tx_code_hash` is session `id`'s transaction code (compared in constant time).
    async fn claim_tx_code_matches(&self, id: &str, tx_code_hash: &str) -> Result<bool, Error>;
    /// Applies `update` to session `id` if it is in one of `update.from`; says whether it was.
    /// A change that happened is audited as `action` at `at`, in the same transaction.
    async fn update_claim_session(
        &self,
        id: &str,
        update: &ClaimUpdate<'_>,
        action: &str,
        at: &str,
        actor: &Actor,
    ) -> Result<bool, Error>;
    /// Records a claim link (its token's hash) for a credential; `requested`: asked for on the
    /// credential's page rather than sent with the award.
    async fn insert_claim_link(
        &self,
        token_hash: &str,
        credential_id: &str,
        created_at: &str,
        expires_at: &str,
        requested: bool,
    ) -> Result<(), Error>;
    /// A claim link by its token's hash.
    async fn claim_link(&self, token_hash: &str) -> Result<Option<ClaimLink>, Error>;
    /// When the newest claim link asked for on a credential's page was made.
    async fn latest_claim_link(&self, credential_id: &str) -> Result<Option<String>, Error>;
    /// Uses a claim link up: true when it was unused and unexpired at `at`.
    async fn use_claim_link(&self, token_hash: &str, at: &str) -> Result<bool, Error>;
    /// Records the use of a nonce (its hash) valid until `expires_at`: true the first time,
    /// false when it was used before. Records of expired nonces are removed.
    async fn use_nonce(&self, nonce_hash: &str, expires_at: &str, at: &str) -> Result<bool, Error>;
    /// Stores a signed list made from `version`; ignored (false) when a newer version was
    /// published meanwhile.
    async fn store_published_list(
        &self,
        id: &str,
        version: i64,
        json: &str,
        etag: &str,
        published_at: &str,
        valid_until: &str,
    ) -> Result<bool, Error>;
}

/// Opens the store for `url` (`sqlite:FILE` or `postgres://…`), creating an SQLite file if asked.
pub(crate) async fn open(url: &str, create: bool) -> Result<Arc<dyn Store>, Error> {
    Ok(Arc::new(SqlStore::open(url, create).await?))
}

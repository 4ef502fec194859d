//! The rows the store traits take and give: plain data, no I/O.

use serde_json::Value;

/// An achievement as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAchievement {
    /// The achievement's URL id.
    pub id: String,
    /// Its short name in URLs.
    pub slug: String,
    /// The achievement as credentials carry it (OB 3.0 `Achievement`).
    pub achievement: Value,
    /// Archived achievements issue no more credentials.
    pub archived: bool,
    /// When it was created (RFC 3339).
    pub created_at: String,
    /// The definition's `validityMonths`: credentials end this many months after issue unless
    /// the award gives an end.
    pub validity_months: Option<u32>,
    /// The definition as written (with Cairn's own properties: rubric, prompts, review plan).
    pub definition: Value,
}

/// A public key as stored (the private half stays in its key file).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredKey {
    /// The key's id (the verification method's fragment).
    pub key_id: String,
    /// `Ed25519` (public key: multibase) or `RS256` (public key: JWK JSON).
    pub algorithm: String,
    /// The verification method's full id (`did…#key`).
    pub verification_method: String,
    /// The public key (multibase or JWK JSON).
    pub public_key: String,
    /// `active` (signs new credentials) or `retired` (still published).
    pub status: String,
}

/// A credential ready to store.
#[derive(Debug, Clone)]
pub struct NewCredential<'a> {
    /// The credential's id (its URL).
    pub id: &'a str,
    /// The achievement it is for.
    pub achievement_id: &'a str,
    /// The recipient's lookup hash (the email is never stored).
    pub recipient_lookup: &'a str,
    /// The recipient's DID, if given.
    pub recipient_did: Option<&'a str>,
    /// The signed credential.
    pub document: &'a Value,
    /// `validFrom` (RFC 3339).
    pub valid_from: &'a str,
    /// `validUntil`, if any.
    pub valid_until: Option<&'a str>,
    /// When it was issued (RFC 3339).
    pub issued_at: &'a str,
    /// The VC-JWT, when issued as one.
    pub compact_jws: Option<&'a str>,
    /// The roster row this credential was issued for (unique).
    pub row_key: Option<&'a str>,
    /// The credential this one is a wallet copy of (it shares that one's status entries).
    pub source_credential_id: Option<&'a str>,
    /// The `Idempotency-Key` lease of the request that issues it: the credential is stored only
    /// while the lease is held, and recorded with the key in the same transaction.
    pub lease: Option<&'a IdempotencyLease>,
}

/// A request's hold on an `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyLease {
    /// The token the key belongs to.
    pub token_id: String,
    /// The key.
    pub key: String,
    /// This reservation's random id: a later request that takes the key over gets another.
    pub lease_id: String,
}

/// What the database knows of a stored credential besides its document.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialMeta {
    /// The achievement it is for.
    pub achievement_id: String,
    /// The recipient's lookup hash.
    pub recipient_lookup: String,
    /// Set for a wallet copy: the credential it copies.
    pub source_credential_id: Option<String>,
}

/// A wallet claim session as stored (secrets only as hashes, which are not read back).
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimSession {
    /// The session's public id.
    pub id: String,
    /// The credential offered.
    pub credential_id: String,
    /// Whether a transaction code protects the offer.
    pub has_tx_code: bool,
    /// Wrong transaction codes entered so far.
    pub tx_code_failures: i64,
    /// When the access token expires, once one is issued.
    pub access_token_expires_at: Option<String>,
    /// The challenge the holder's presentation must answer (VC-API exchange).
    pub challenge: String,
    /// When the session was created.
    pub created_at: String,
    /// When the offer expires.
    pub expires_at: String,
    /// `offered`, `token_issued`, `claiming`, `claimed` or `failed`.
    pub state: String,
    /// When the holder received the credential.
    pub claimed_at: Option<String>,
    /// The holder's DID.
    pub holder_did: Option<String>,
    /// The wallet copy issued to the holder.
    pub issued_credential_id: Option<String>,
    /// The wallet's last notification (`credential_accepted`, …).
    pub notification_event: Option<String>,
}

/// A new claim session: each secret as its SHA-256 (hex).
#[derive(Debug, Clone)]
pub struct NewClaimSession<'a> {
    /// The session's public id.
    pub id: &'a str,
    /// The credential offered.
    pub credential_id: &'a str,
    /// SHA-256 of the offer id.
    pub offer_hash: &'a str,
    /// SHA-256 of the pre-authorized code.
    pub pre_authorized_code_hash: &'a str,
    /// SHA-256 of the exchange id.
    pub exchange_hash: &'a str,
    /// SHA-256 of the transaction code, if there is one.
    pub tx_code_hash: Option<&'a str>,
    /// The challenge for the VC-API exchange.
    pub challenge: &'a str,
    /// When the session is created.
    pub created_at: &'a str,
    /// When the offer expires.
    pub expires_at: &'a str,
}

/// A one-time claim link mailed to a credential's recipient.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimLink {
    /// The credential the link claims.
    pub credential_id: String,
    /// When the link expires.
    pub expires_at: String,
    /// When it was used; a link works once.
    pub used_at: Option<String>,
}

/// How a claim session is found: by its public id or by the hash of one of its secrets.
#[derive(Debug, Clone, Copy)]
pub enum ClaimLookup<'a> {
    /// The session's public id.
    Id(&'a str),
    /// SHA-256 of the offer id.
    Offer(&'a str),
    /// SHA-256 of the pre-authorized code.
    PreAuthorizedCode(&'a str),
    /// SHA-256 of the access token.
    AccessToken(&'a str),
    /// SHA-256 of the exchange id.
    Exchange(&'a str),
    /// SHA-256 of the notification id.
    Notification(&'a str),
}

/// A change to a claim session, made only while it is in one of `from` (and, when
/// `unexpired_at` is set, not expired then); unset fields are kept.
#[derive(Debug, Clone, Default)]
pub struct ClaimUpdate<'a> {
    /// The states the session must be in for the change to apply.
    pub from: &'a [&'a str],
    /// When set, the session must not have expired at this time.
    pub unexpired_at: Option<&'a str>,
    /// The new state.
    pub state: Option<&'a str>,
    /// SHA-256 of a newly issued access token.
    pub access_token_hash: Option<&'a str>,
    /// When that access token expires.
    pub access_token_expires_at: Option<&'a str>,
    /// The holder's DID.
    pub holder_did: Option<&'a str>,
    /// The wallet copy issued.
    pub issued_credential_id: Option<&'a str>,
    /// SHA-256 of the notification id handed to the wallet.
    pub notification_id: Option<&'a str>,
    /// The wallet's notification event.
    pub notification_event: Option<&'a str>,
    /// When the holder received the credential.
    pub claimed_at: Option<&'a str>,
}

/// What checking a transaction code found (OpenID4VCI 1.0 §6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxCodeCheck {
    /// The code is right.
    Matches,
    /// The code is wrong; `closed` when this was the last attempt allowed (the session failed).
    Wrong {
        /// The session is now `failed`.
        closed: bool,
    },
    /// No attempt is left, or the session is no longer waiting for its code: nothing was compared.
    Closed,
}

/// One audit-log entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEntry {
    /// When (RFC 3339).
    pub at: String,
    /// Who: `token:<id>`, `cli:<user>`, …
    pub actor: String,
    /// What, e.g. `credential.issue`.
    pub action: String,
    /// What it was done to, e.g. a credential id.
    pub subject: Option<String>,
    /// What else the entry records (e.g. the types of a credential signed through the VC-API).
    pub detail: Option<Value>,
}

/// Who did something, for the audit log.
#[derive(Debug, Clone)]
pub struct Actor(pub String);

/// An API token as stored: the secret itself is never kept, only its SHA-256.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredToken {
    /// The token's public id.
    pub id: String,
    /// Who or what uses it.
    pub name: String,
    /// Space-separated scopes.
    pub scopes: String,
    /// SHA-256 of the secret.
    pub secret_hash: String,
    /// When it was created.
    pub created_at: String,
    /// When it was revoked; a revoked token authenticates no one.
    pub revoked_at: Option<String>,
}

/// The state of an idempotency key.
#[derive(Debug, Clone, PartialEq)]
pub enum Idempotency {
    /// This request is the first with the key: go ahead, then complete it.
    Reserved,
    /// A request with the key finished: its response, and the hash of its request.
    Done {
        /// SHA-256 of the first request's body.
        request_hash: String,
        /// The response the first request got, replayed.
        response: String,
    },
    /// A request with the key stored these credentials but died before it answered.
    Stored {
        /// SHA-256 of that request's body.
        request_hash: String,
        /// The credentials it stored, in order.
        credential_ids: Vec<String>,
    },
    /// A request with the key is still being processed (its lease has not run out).
    InProgress {
        /// SHA-256 of that request's body.
        request_hash: String,
    },
}

/// What to look for among issued credentials; all given conditions must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CredentialFilter {
    /// The recipient lookup hash (see `recipient_lookup`).
    pub recipient_lookup: Option<String>,
    /// The achievement's id.
    pub achievement_id: Option<String>,
    /// A part of the recipient's name (any case; spaces collapsed).
    pub recipient_name: Option<String>,
    /// Issued at or after (RFC 3339, UTC).
    pub issued_from: Option<String>,
    /// Issued before (RFC 3339, UTC).
    pub issued_before: Option<String>,
    /// Continue after this (issued_at, id).
    pub after: Option<(String, String)>,
    /// At most this many hits.
    pub limit: u32,
}

/// One search hit.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialSummary {
    /// The credential's id.
    pub id: String,
    /// The achievement's id.
    pub achievement_id: String,
    /// When it was issued.
    pub issued_at: String,
    /// `active`, `suspended` or `revoked`.
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
    /// The signed list last published (JSON).
    pub published_json: Option<String>,
    /// Its entity tag.
    pub etag: Option<String>,
    /// When it was published.
    pub published_at: Option<String>,
    /// When it stops being valid (`validUntil`); it is re-signed before.
    pub valid_until: Option<String>,
}

/// One credential's entry in a status list.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusEntryRow {
    /// The list's URL.
    pub list_id: String,
    /// The credential's index in it.
    pub index: i64,
    /// `revocation` or `suspension`.
    pub purpose: String,
    /// Whether the credential's bit is set.
    pub set: bool,
}

/// A status index handed to one credential.
#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    /// The list's URL.
    pub list_id: String,
    /// The index in it.
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
    /// The action's name (`revoke`, `suspend`, `reinstate`), as the audit log writes it.
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
    /// Neither revoked nor suspended.
    Active,
    /// The suspension bit is set.
    Suspended,
    /// The revocation bit is set.
    Revoked,
}

impl CredentialState {
    /// The state's name (`active`, `suspended`, `revoked`).
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

/// A member of staff as stored (`staff_users`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffUserRow {
    /// Lower-cased email address: who this is.
    pub email: String,
    /// The name to greet them by, when known.
    pub name: Option<String>,
    /// Their role's name (`cairn_issuer::Role::name`).
    pub role: String,
    /// When they were added (RFC 3339).
    pub created_at: String,
    /// When they were removed (RFC 3339); a removed person cannot sign in.
    pub disabled_at: Option<String>,
}

/// A console session as stored (`staff_sessions`): the cookie's secret is only hashed here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffSessionRow {
    /// SHA-256 of the cookie's secret.
    pub id_hash: String,
    /// Whose session.
    pub email: String,
    /// `oidc` or `link`.
    pub method: String,
    /// When it began.
    pub created_at: String,
    /// When it was last used (kept to the minute).
    pub last_seen_at: String,
    /// Its absolute end.
    pub expires_at: String,
    /// When it was signed out, if it was.
    pub ended_at: Option<String>,
}

/// Which audit entries to read: every given condition must hold; newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Entries by this actor (exactly, e.g. `staff:ada@district.example`).
    pub actor: Option<String>,
    /// Entries whose action starts with this (e.g. `credential.` or `credential.revoke`).
    pub action: Option<String>,
    /// At or after this instant (RFC 3339).
    pub from: Option<String>,
    /// Before this instant (RFC 3339).
    pub before: Option<String>,
    /// At most this many.
    pub limit: u32,
}

/// One attempt of a teacher at an achievement, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmissionRow {
    /// Its id (a UUID).
    pub id: String,
    /// The achievement's slug.
    pub achievement_slug: String,
    /// The teacher's (lower-cased) address.
    pub teacher_email: String,
    /// The teacher's name, for the credential.
    pub teacher_name: Option<String>,
    /// 1 for the first attempt.
    pub attempt: i64,
    /// `in-review`, `tie-break`, `grantor`, `earned`, `not-yet`, `incomplete`, `withdrawn`.
    pub state: String,
    /// Prompt id → the teacher's text.
    pub answers: Value,
    /// What changed since the attempt before.
    pub change_note: Option<String>,
    /// When it was submitted (RFC 3339).
    pub submitted_at: String,
    /// When it was decided or withdrawn.
    pub decided_at: Option<String>,
    /// `{"outcome", "levels"}` once decided.
    pub decision: Option<Value>,
    /// The credential issued for it.
    pub credential_id: Option<String>,
}

/// A file or link attached to a submission (bytes are read separately).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactRow {
    /// Its id (a UUID).
    pub id: String,
    /// Its submission.
    pub submission_id: String,
    /// Its order in the submission.
    pub position: i64,
    /// The file's name, or the link's title.
    pub name: String,
    /// The type its content shows (files).
    pub media_type: Option<String>,
    /// The SHA-256 of its bytes, hex (files).
    pub sha256: Option<String>,
    /// Its size in bytes (0 for links).
    pub size: i64,
    /// The link (links).
    pub url: Option<String>,
    /// When it was attached.
    pub created_at: String,
    /// When its bytes were deleted (withdrawal, retention).
    pub deleted_at: Option<String>,
}

/// A review of a submission, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRow {
    /// Its id (a UUID).
    pub id: String,
    /// Its submission.
    pub submission_id: String,
    /// `first`, `second`, `tie-break`, `grantor`.
    pub slot: String,
    /// The reviewer's (lower-cased) address.
    pub reviewer_email: String,
    /// When it was assigned.
    pub assigned_at: String,
    /// When it is due.
    pub due_at: String,
    /// When the reviewer was last reminded.
    pub reminded_at: Option<String>,
    /// `earned`, `not-yet`, `incomplete` once submitted.
    pub recommendation: Option<String>,
    /// Criterion id → level id.
    pub levels: Value,
    /// Criterion id → feedback.
    pub feedback: Value,
    /// Feedback on the whole submission.
    pub overall: Option<String>,
    /// When it was submitted.
    pub submitted_at: Option<String>,
}

/// A new submission with its files (bytes) and links, and the reviews it opens.
#[derive(Debug)]
pub struct NewSubmission<'a> {
    /// The submission (its `attempt` is set by the store: one more than the teacher's last).
    pub row: &'a SubmissionRow,
    /// Its files and links, with the bytes of the files.
    pub artifacts: &'a [(ArtifactRow, Vec<u8>)],
    /// The reviews opened at once.
    pub reviews: &'a [ReviewRow],
}

/// What a finished review leads to, as the decision rules compute it in the store's
/// transaction (so two reviews finishing at once give one decision).
#[derive(Debug, Clone, PartialEq)]
pub enum ReviewOutcome {
    /// More reviews are under way.
    Wait,
    /// The submission moves to `state` and waits for the review in `slot`.
    Open {
        /// The new state (`tie-break`, `grantor`).
        state: String,
        /// The slot to fill.
        slot: String,
    },
    /// Decided.
    Decide {
        /// The final state (`earned`, `not-yet`, `incomplete`).
        state: String,
        /// `{"outcome", "levels"}`.
        decision: Value,
    },
}

/// Which submissions a list shows.
#[derive(Debug, Clone, Default)]
pub struct SubmissionFilter {
    /// One teacher's.
    pub teacher: Option<String>,
    /// One achievement's.
    pub achievement: Option<String>,
    /// In one state.
    pub state: Option<String>,
    /// Those with a review assigned to this address.
    pub reviewer: Option<String>,
}

/// A request that an achievement count toward pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreapprovalRow {
    /// Its id (a UUID).
    pub id: String,
    /// The teacher's address.
    pub teacher_email: String,
    /// The teacher's name.
    pub teacher_name: Option<String>,
    /// The achievement's slug.
    pub achievement_slug: String,
    /// `salary-step` or `ce-hours`.
    pub purpose: String,
    /// The step, lane or hours.
    pub detail: String,
    /// When it was asked for.
    pub requested_at: String,
    /// `pending`, `approved`, `denied`.
    pub state: String,
    /// Who decided (the audit log's name).
    pub decided_by: Option<String>,
    /// When.
    pub decided_at: Option<String>,
    /// The decider's note.
    pub note: Option<String>,
}

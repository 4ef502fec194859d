//! Storage: one trait per aggregate (keys, achievements, credentials, audit, tokens, status,
//! wallet claims), [`Store`] for all of them together, and their SQL implementation.
//!
//! Every state change and its audit entry are written in one transaction. Each use case imports
//! the aggregate traits it works through, so a module's imports say which data it touches.

mod rows;
mod sql;

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::Value;

use crate::error::Error;

pub use rows::*;
pub use sql::{Backend, SqlStore};

/// The issuer profile and its public keys.
#[async_trait]
pub trait KeyStore: Send + Sync {
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
}

/// Achievement definitions.
#[async_trait]
pub trait AchievementStore: Send + Sync {
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
    /// Stores (replaces) an achievement's uploaded image, audited `achievement.image`.
    async fn put_achievement_image(
        &self,
        slug: &str,
        media_type: &str,
        bytes: &[u8],
        at: &str,
        actor: &Actor,
    ) -> Result<(), Error>;
    /// An achievement's uploaded image: (media type, bytes).
    async fn achievement_image(&self, slug: &str) -> Result<Option<(String, Vec<u8>)>, Error>;
}

/// Issued credentials, their documents, share codes and recipient lookups.
#[async_trait]
pub trait CredentialStore: Send + Sync {
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
    /// A stored credential's achievement, recipient lookup and source.
    async fn credential_meta(&self, id: &str) -> Result<Option<CredentialMeta>, Error>;
}

/// The audit log.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// The audit log, oldest first, with each entry's detail.
    async fn audit_entries(&self) -> Result<Vec<AuditEntry>, Error>;
    /// The audit entries about one subject (a credential's id), oldest first.
    async fn audit_entries_for(&self, subject: &str) -> Result<Vec<AuditEntry>, Error>;
    /// The audit log, oldest first: (at, actor, action, subject).
    async fn audit_log(&self) -> Result<Vec<(String, String, String, Option<String>)>, Error> {
        Ok(self
            .audit_entries()
            .await?
            .into_iter()
            .map(|e| (e.at, e.actor, e.action, e.subject))
            .collect())
    }
    /// Writes an audit entry (with an optional `detail`) for an event that changes no other
    /// table.
    async fn record_event(
        &self,
        action: &str,
        subject: Option<&str>,
        detail: Option<&Value>,
        at: &str,
        actor: &Actor,
    ) -> Result<(), Error>;
    /// Audit entries matching `filter`, newest first.
    async fn search_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, Error>;
    /// How many entries with `action` were written at or after `from`.
    async fn count_audit(&self, action: &str, from: &str) -> Result<i64, Error>;
}

/// Settings the district changes at run time (they override cairn.toml).
#[async_trait]
pub trait SettingsStore: Send + Sync {
    /// Every stored setting, as (name, value).
    async fn settings(&self) -> Result<Vec<(String, String)>, Error>;
    /// Sets (`Some`) or clears (`None`) each named setting, with one audit entry
    /// `settings.change` naming them, in one transaction.
    async fn put_settings(
        &self,
        changes: &[(&str, Option<&str>)],
        at: &str,
        actor: &Actor,
    ) -> Result<(), Error>;
}

/// The console's people: staff, their sessions, and sign-ins under way.
#[async_trait]
pub trait StaffStore: Send + Sync {
    /// Adds a member of staff (`staff_exists` when the address is already there, removed or
    /// not).
    async fn insert_staff(&self, user: &StaffUserRow, actor: &Actor) -> Result<(), Error>;
    /// Changes a member's role; false when there is no such (current) member.
    async fn set_staff_role(
        &self,
        email: &str,
        role: &str,
        at: &str,
        actor: &Actor,
    ) -> Result<bool, Error>;
    /// Removes a member (kept, marked disabled) and ends their sessions; false when there is no
    /// such current member.
    async fn disable_staff(&self, email: &str, at: &str, actor: &Actor) -> Result<bool, Error>;
    /// A member by (lower-cased) email, removed or not.
    async fn staff(&self, email: &str) -> Result<Option<StaffUserRow>, Error>;
    /// Every member, by email.
    async fn staff_list(&self) -> Result<Vec<StaffUserRow>, Error>;
    /// How many current members hold `role`.
    async fn count_staff_with_role(&self, role: &str) -> Result<i64, Error>;
    /// Starts a session (audited `session.start` by the person).
    async fn insert_session(&self, session: &StaffSessionRow) -> Result<(), Error>;
    /// A session by its secret's hash, ended or not.
    async fn session(&self, id_hash: &str) -> Result<Option<StaffSessionRow>, Error>;
    /// Records a session's use at `at`.
    async fn touch_session(&self, id_hash: &str, at: &str) -> Result<(), Error>;
    /// Ends one session; false when it had ended already.
    async fn end_session(&self, id_hash: &str, at: &str, actor: &Actor) -> Result<bool, Error>;
    /// Ends every session of `email` (audited once); says how many were still live: not past
    /// their absolute end at `at` and used at or after `live_since`.
    async fn end_sessions_of(
        &self,
        email: &str,
        at: &str,
        live_since: &str,
        actor: &Actor,
    ) -> Result<u64, Error>;
    /// Records an OpenID Connect sign-in under way (expired ones are removed).
    async fn insert_sign_in_flow(
        &self,
        state_hash: &str,
        browser_hash: &str,
        at: &str,
        expires_at: &str,
    ) -> Result<(), Error>;
    /// Uses a sign-in flow up: true when `state_hash` names an unused, unexpired flow started
    /// by the browser whose cookie hashes to `browser_hash`. A flow is used once, even when
    /// this answers false because of the browser.
    async fn use_sign_in_flow(
        &self,
        state_hash: &str,
        browser_hash: &str,
        at: &str,
    ) -> Result<bool, Error>;
    /// Records a mailed sign-in link (expired ones are removed).
    async fn insert_sign_in_link(
        &self,
        token_hash: &str,
        email: &str,
        at: &str,
        expires_at: &str,
    ) -> Result<(), Error>;
    /// How many sign-in links were mailed to `email` at or after `since`.
    async fn count_sign_in_links(&self, email: &str, since: &str) -> Result<i64, Error>;
    /// Uses a sign-in link up: its email when it was unused and unexpired at `at`.
    async fn use_sign_in_link(&self, token_hash: &str, at: &str) -> Result<Option<String>, Error>;
}

/// API tokens and their idempotency records.
#[async_trait]
pub trait TokenStore: Send + Sync {
    /// Records a new API token.
    async fn insert_token(&self, token: &StoredToken, actor: &Actor) -> Result<(), Error>;
    /// A token by id.
    async fn token(&self, id: &str) -> Result<Option<StoredToken>, Error>;
    /// All tokens, oldest first.
    async fn tokens(&self) -> Result<Vec<StoredToken>, Error>;
    /// Revokes a token; false when there is no such token.
    async fn revoke_token(&self, id: &str, at: &str, actor: &Actor) -> Result<bool, Error>;
    /// Claims `key` for `token_id` (atomically) as `lease`, held until `lease_until`: a new key,
    /// or one whose earlier request with the same `request_hash` stored nothing and whose lease
    /// ran out before `at` (that request died). Otherwise reports what the earlier request left.
    async fn reserve_idempotency(
        &self,
        lease: &IdempotencyLease,
        request_hash: &str,
        at: &str,
        lease_until: &str,
    ) -> Result<Idempotency, Error>;
    /// Stores the response of a reserved request.
    async fn complete_idempotency(
        &self,
        token_id: &str,
        key: &str,
        response: &str,
    ) -> Result<(), Error>;
    /// Releases a reservation whose request failed (while `lease` still holds it and nothing
    /// was stored), so a retry can run again.
    async fn release_idempotency(&self, lease: &IdempotencyLease) -> Result<(), Error>;
}

/// Status lists: entries, changes and published lists.
#[async_trait]
pub trait StatusStore: Send + Sync {
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

/// Wallet claims: claim sessions, claim links and nonces.
#[async_trait]
pub trait WalletStore: Send + Sync {
    /// Records a new claim session (and its audit entry).
    async fn insert_claim_session(
        &self,
        session: &NewClaimSession<'_>,
        actor: &Actor,
    ) -> Result<(), Error>;
    /// A claim session.
    async fn claim_session(&self, by: ClaimLookup<'_>) -> Result<Option<ClaimSession>, Error>;
    /// Checks `tx_code_hash` against session `id`'s transaction code (in constant time) as one
    /// atomic step: the attempt is counted before the comparison, in the same transaction, and
    /// only while the session is `offered` with fewer than `max_failures` wrong codes, so
    /// concurrent attempts can never compare more than `max_failures` wrong codes. The attempt
    /// that reaches `max_failures` fails the session. A wrong code is audited as
    /// `claim.tx_code_wrong` at `at`.
    async fn check_tx_code(
        &self,
        id: &str,
        tx_code_hash: &str,
        max_failures: i64,
        at: &str,
        actor: &Actor,
    ) -> Result<TxCodeCheck, Error>;
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
}

/// The decision rules as the store calls them, inside its transaction: a submission's finished
/// reviews in, what follows out.
pub type DecisionFn = dyn Fn(&[ReviewRow]) -> ReviewOutcome + Send + Sync;

/// Evidence submissions, their files and links, reviews and reviewer conflicts.
#[async_trait]
pub trait EvidenceStore: Send + Sync {
    /// Stores a new attempt with its files and opened reviews, audited `submission.submit`;
    /// returns its attempt number. `submission_closed` when the teacher has an attempt at this
    /// achievement under review or earned.
    async fn insert_submission(&self, new: NewSubmission<'_>, actor: &Actor) -> Result<i64, Error>;
    /// A submission by id.
    async fn submission(&self, id: &str) -> Result<Option<SubmissionRow>, Error>;
    /// Submissions matching `filter`, newest first.
    async fn submissions(&self, filter: &SubmissionFilter) -> Result<Vec<SubmissionRow>, Error>;
    /// A submission's files and links, in order.
    async fn artifacts(&self, submission_id: &str) -> Result<Vec<ArtifactRow>, Error>;
    /// One file's bytes (None when deleted or a link).
    async fn artifact_bytes(&self, artifact_id: &str) -> Result<Option<Vec<u8>>, Error>;
    /// A submission's reviews, by slot.
    async fn reviews(&self, submission_id: &str) -> Result<Vec<ReviewRow>, Error>;
    /// Every review assigned to `reviewer`, newest first.
    async fn reviews_of(&self, reviewer: &str) -> Result<Vec<ReviewRow>, Error>;
    /// Reviewer address → reviews not yet submitted.
    async fn open_review_counts(&self) -> Result<Vec<(String, i64)>, Error>;
    /// Records `review` (its recommendation, levels and feedback) by its reviewer, then, under a
    /// lock on the submission, gives every finished review of it to `rule` and applies what it
    /// returns; audited `review.submit` (and `submission.decide`). `submission_closed` when the
    /// submission or this review is closed.
    async fn complete_review(
        &self,
        review: &ReviewRow,
        rule: &DecisionFn,
        actor: &Actor,
    ) -> Result<ReviewOutcome, Error>;
    /// Opens the review `review.slot` (or gives an unsubmitted one another reviewer), audited
    /// `review.assign`.
    async fn assign_review(&self, review: &ReviewRow, actor: &Actor) -> Result<(), Error>;
    /// Withdraws an open submission and deletes its files' bytes; false when it is not open.
    async fn withdraw_submission(&self, id: &str, at: &str, actor: &Actor) -> Result<bool, Error>;
    /// Records the credential issued for a submission, audited `submission.award`.
    async fn set_submission_credential(
        &self,
        id: &str,
        credential_id: &str,
        at: &str,
        actor: &Actor,
    ) -> Result<(), Error>;
    /// Deletes the bytes of files whose submission was decided or withdrawn before `before`;
    /// how many were deleted (audited `evidence.purge`).
    async fn purge_artifacts(&self, before: &str, at: &str, actor: &Actor) -> Result<u64, Error>;
    /// Claims the reminder of an open review: true (and `reminded_at` set to `at`) when it was
    /// never reminded or last before `not_since`; false when another run claimed it.
    async fn claim_reminder(
        &self,
        review_id: &str,
        at: &str,
        not_since: &str,
    ) -> Result<bool, Error>;
    /// Declares a conflict: `reviewer` never reviews `teacher`'s submissions.
    async fn add_conflict(
        &self,
        reviewer: &str,
        teacher: &str,
        note: Option<&str>,
        at: &str,
        actor: &Actor,
    ) -> Result<(), Error>;
    /// Every declared conflict: (reviewer, teacher, note).
    async fn conflicts(&self) -> Result<Vec<(String, String, Option<String>)>, Error>;
    /// Every submission and every review (for reports), of one achievement or all.
    async fn evidence_rows(
        &self,
        achievement: Option<&str>,
    ) -> Result<(Vec<SubmissionRow>, Vec<ReviewRow>), Error>;
    /// Stores a pre-approval request, audited `preapproval.request`; `submission_closed` when
    /// the teacher has one pending or approved for the achievement.
    async fn insert_preapproval(&self, row: &PreapprovalRow, actor: &Actor) -> Result<(), Error>;
    /// Decides a pending request (audited `preapproval.approve` / `.deny`); false when it is
    /// not pending.
    async fn decide_preapproval(
        &self,
        id: &str,
        approve: bool,
        note: Option<&str>,
        at: &str,
        actor: &Actor,
    ) -> Result<bool, Error>;
    /// Pre-approval requests, one teacher's or all, newest first.
    async fn preapprovals(&self, teacher: Option<&str>) -> Result<Vec<PreapprovalRow>, Error>;
}

/// What the issuer needs from a database: every aggregate's store.
pub trait Store:
    KeyStore
    + AchievementStore
    + CredentialStore
    + AuditStore
    + TokenStore
    + StatusStore
    + WalletStore
    + StaffStore
    + SettingsStore
    + EvidenceStore
    + std::fmt::Debug
{
}

impl<T> Store for T where
    T: KeyStore
        + AchievementStore
        + CredentialStore
        + AuditStore
        + TokenStore
        + StatusStore
        + WalletStore
        + StaffStore
        + SettingsStore
        + EvidenceStore
        + std::fmt::Debug
{
}

/// Opens the store for `url` (`sqlite:FILE` or `postgres://…`), creating an SQLite file if asked.
pub(crate) async fn open(url: &str, create: bool) -> Result<Arc<dyn Store>, Error> {
    Ok(Arc::new(SqlStore::open(url, create).await?))
}

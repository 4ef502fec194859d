//! The issuer's error enum: every failure has a stable snake_case code.

use std::path::PathBuf;

use cairn_verifier::{DataModelRule, ImageRefusal};

/// Why an issuer operation failed. Nothing is written when one is returned.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The config file cannot be read.
    #[error("cannot read config {0}: {1}")]
    ConfigUnreadable(PathBuf, String),
    /// The config file cannot be parsed or breaks a rule.
    #[error("config {0} is invalid: {1}")]
    ConfigInvalid(PathBuf, String),
    /// `cairn init` found an issuer already there.
    #[error("{0} already holds an issuer (cairn.toml exists)")]
    AlreadyInitialised(PathBuf),
    /// A key file others can read.
    #[error("key file {0} is readable by group or others; run chmod 600 on it")]
    KeyFilePermissions(PathBuf),
    /// A key file that cannot be read as a key.
    #[error("key file {0} is invalid: {1}")]
    KeyInvalid(PathBuf, String),
    /// A roster row that was issued before (exactly once across re-runs).
    #[error("roster row {0:?} was already issued")]
    RowAlreadyIssued(String),
    /// No API token with this id.
    #[error("no API token {0:?}")]
    TokenNotFound(String),
    /// A key with this id exists already.
    #[error("the issuer already has the key {0}")]
    KeyExists(String),
    /// The database failed.
    #[error("database error: {0}")]
    Database(String),
    /// The database cannot be reached (down, restarting, or every connection busy): nothing was
    /// changed, and the same request can be tried again.
    #[error("the database cannot be reached; try again shortly ({0})")]
    DatabaseUnavailable(String),
    /// An achievement definition that breaks the schema or a rule.
    #[error("achievement definition is invalid: {0}")]
    AchievementInvalid(String),
    /// An achievement with this slug exists already.
    #[error("an achievement with slug {0:?} already exists")]
    AchievementExists(String),
    /// No achievement with this slug or id.
    #[error("no achievement {0:?}")]
    AchievementNotFound(String),
    /// An archived achievement, which issues no more credentials.
    #[error("achievement {0:?} is archived")]
    AchievementArchived(String),
    /// A request field that is invalid.
    #[error("invalid {field}: {message}")]
    InvalidInput {
        /// Which field.
        field: &'static str,
        /// Why it is invalid.
        message: String,
    },
    /// A generated image or document could not be rendered.
    #[error("a badge, certificate or record could not be drawn: {0}")]
    Render(String),
    /// Signing failed.
    #[error("signing failed: {0}")]
    Signing(String),
    /// The issuer's own verification of a credential it just signed failed; nothing was stored.
    #[error("the signed credential did not verify ({0}); nothing was stored")]
    SelfCheckFailed(String),
    /// A file could not be read or written.
    #[error("i/o error on {0}: {1}")]
    Io(PathBuf, String),
    /// No credential with this id, page id or share code.
    #[error("no credential {0:?}")]
    CredentialNotFound(String),
    /// A credential issued without status entries (status lists were off).
    #[error(
        "credential {0:?} was issued without a status entry, so it cannot be revoked or suspended"
    )]
    CredentialHasNoStatus(String),
    /// A revoked credential: revocation is final.
    #[error("credential {0:?} is revoked; revocation is final")]
    CredentialRevoked(String),
    /// No status list with this id.
    #[error("no status list {0:?}")]
    StatusListNotFound(String),
    /// Status lists were asked for without the issuer's public URL.
    #[error("status lists need the issuer's public base URL: set issuer.url in cairn.toml (or status.enabled = false)")]
    StatusNeedsUrl,
    /// An image that cannot be baked (OB 3.0 §5.3): why (the verifier's [`ImageRefusal`], so
    /// baking and reading name the same rule) and what was found.
    #[error("image: {message}")]
    Image {
        /// Why.
        refusal: ImageRefusal,
        /// What was found.
        message: String,
    },
    /// A wallet hand-off refusal: why ([`WalletRefusal`], whose code is the protocol's own) and
    /// what the wallet is told.
    #[error("{message}")]
    Wallet {
        /// Why, as the protocol names it.
        refusal: WalletRefusal,
        /// What the wallet is told.
        message: String,
    },
    /// A credential that breaks a structural MUST of the VC Data Model: the verifier's
    /// [`DataModelRule`], so a refusal at issue and a failure at verify name the same rule.
    #[error("the credential breaks the VC data model: {message}")]
    DataModel {
        /// The rule broken.
        rule: DataModelRule,
        /// Where it is broken.
        message: String,
    },
    /// A credential the caller's scope may not have signed: with `issue` alone, the VC-API signs
    /// only badges of this issuer's own achievements; anything else needs `sign`.
    #[error("{0}; signing it needs the sign scope")]
    SignScopeRequired(String),
    /// A credential that is never signed through the API: trust registries, status lists and
    /// anything under the issuer's own URLs are signed by the issuer's own commands only.
    #[error("{0} is never signed through the API")]
    NotSignable(String),
    /// An `Idempotency-Key` header that is empty or too long.
    #[error("an Idempotency-Key has 1 to 255 characters")]
    InvalidIdempotencyKey,
    /// A request with the same key is still running.
    #[error("a request with this Idempotency-Key is still being processed")]
    IdempotencyInProgress,
    /// The key was used before for a different request.
    #[error("this Idempotency-Key was used for a different request")]
    IdempotencyKeyReused,
    /// A console sign-in was refused (the refusal says why, with its own code).
    #[error("{message}")]
    SignIn {
        /// Why.
        refusal: SignInRefusal,
        /// What to tell the person.
        message: String,
    },
    /// `cairn user add` or the console: this address is on the staff list already.
    #[error("{0} is already on the staff list")]
    StaffExists(String),
    /// No current member of staff with this address.
    #[error("{0} is not on the staff list")]
    StaffNotFound(String),
    /// The last administrator cannot be removed or given another role.
    #[error("the console needs an administrator: add another one first")]
    LastAdministrator,
    /// No submission with this id that the caller may see (another teacher's is not found).
    #[error("no submission {0:?}")]
    SubmissionNotFound(String),
    /// The submission or review is closed to this change: decided, withdrawn, already reviewed,
    /// or another attempt is open.
    #[error("{0}")]
    SubmissionClosed(String),
    /// A reviewer who may not review this submission: its teacher, in a declared conflict with
    /// them, or already one of its reviewers.
    #[error("{0}")]
    ReviewConflict(String),
    /// An evidence file refused: too large, too many, or not a type its content shows it to be.
    #[error("evidence file refused: {0}")]
    ArtifactRefused(String),
}

/// Why a console sign-in was refused; each has a stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInRefusal {
    /// No `[oidc]` section: sign-in with a provider is not set up.
    NotConfigured,
    /// The provider's discovery document or token endpoint could not be reached or read.
    ProviderUnavailable,
    /// The provider answered with an error (the person cancelled, the code was refused).
    ProviderRefused,
    /// The `state` is unknown, used, expired, or was started by another browser.
    StateInvalid,
    /// The ID token failed validation: signature, issuer, audience, expiry, nonce or at_hash.
    IdTokenInvalid,
    /// The email is outside the allowed domains and addresses, or missing.
    EmailNotAllowed,
    /// The provider says the email is not verified.
    EmailUnverified,
    /// The person is allowed by the provider but not on the staff list.
    NotStaff,
    /// The mailed sign-in link is unknown, used or expired.
    LinkInvalid,
    /// Sign-in links need `[smtp]`.
    NoEmail,
}

impl SignInRefusal {
    /// Every refusal (for documentation and tests).
    pub const ALL: [SignInRefusal; 10] = [
        SignInRefusal::NotConfigured,
        SignInRefusal::ProviderUnavailable,
        SignInRefusal::ProviderRefused,
        SignInRefusal::StateInvalid,
        SignInRefusal::IdTokenInvalid,
        SignInRefusal::EmailNotAllowed,
        SignInRefusal::EmailUnverified,
        SignInRefusal::NotStaff,
        SignInRefusal::LinkInvalid,
        SignInRefusal::NoEmail,
    ];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            SignInRefusal::NotConfigured => "oidc_not_configured",
            SignInRefusal::ProviderUnavailable => "oidc_provider_unavailable",
            SignInRefusal::ProviderRefused => "oidc_provider_refused",
            SignInRefusal::StateInvalid => "sign_in_state_invalid",
            SignInRefusal::IdTokenInvalid => "id_token_invalid",
            SignInRefusal::EmailNotAllowed => "email_not_allowed",
            SignInRefusal::EmailUnverified => "email_unverified",
            SignInRefusal::NotStaff => "not_staff",
            SignInRefusal::LinkInvalid => "sign_in_link_invalid",
            SignInRefusal::NoEmail => "sign_in_links_unavailable",
        }
    }
}

impl Error {
    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Error::ConfigUnreadable(..) => "config_unreadable",
            Error::ConfigInvalid(..) => "config_invalid",
            Error::AlreadyInitialised(_) => "already_initialised",
            Error::KeyFilePermissions(_) => "key_file_permissions",
            Error::KeyInvalid(..) => "key_invalid",
            Error::RowAlreadyIssued(_) => "row_already_issued",
            Error::TokenNotFound(_) => "token_not_found",
            Error::KeyExists(_) => "key_exists",
            Error::Database(_) => "database_error",
            Error::DatabaseUnavailable(_) => "database_unavailable",
            Error::AchievementInvalid(_) => "achievement_invalid",
            Error::AchievementExists(_) => "achievement_exists",
            Error::AchievementNotFound(_) => "achievement_not_found",
            Error::AchievementArchived(_) => "achievement_archived",
            Error::InvalidInput { .. } => "invalid_input",
            Error::Signing(_) => "signing_failed",
            Error::Render(_) => "render_failed",
            Error::SelfCheckFailed(_) => "self_check_failed",
            Error::Io(..) => "io_error",
            Error::CredentialNotFound(_) => "credential_not_found",
            Error::CredentialHasNoStatus(_) => "credential_has_no_status",
            Error::CredentialRevoked(_) => "credential_revoked",
            Error::StatusListNotFound(_) => "status_list_not_found",
            Error::StatusNeedsUrl => "status_needs_url",
            Error::SignScopeRequired(_) => "insufficient_scope",
            Error::NotSignable(_) => "not_signable",
            Error::InvalidIdempotencyKey => "invalid_idempotency_key",
            Error::IdempotencyInProgress => "idempotency_in_progress",
            Error::IdempotencyKeyReused => "idempotency_key_reused",
            Error::Image { refusal, .. } => refusal.code(),
            Error::DataModel { rule, .. } => rule.code(),
            Error::Wallet { refusal, .. } => refusal.code(),
            Error::SignIn { refusal, .. } => refusal.code(),
            Error::StaffExists(_) => "staff_exists",
            Error::StaffNotFound(_) => "staff_not_found",
            Error::LastAdministrator => "last_administrator",
            Error::SubmissionNotFound(_) => "submission_not_found",
            Error::SubmissionClosed(_) => "submission_closed",
            Error::ReviewConflict(_) => "review_conflict",
            Error::ArtifactRefused(_) => "artifact_refused",
        }
    }

    /// A verifier error met while baking: image refusals keep their codes, anything else
    /// (an oversized credential) is invalid input.
    pub fn from_image(e: cairn_verifier::Error) -> Self {
        match e {
            cairn_verifier::Error::Image { refusal, message } => Error::Image { refusal, message },
            other => Error::input("credential", other.to_string()),
        }
    }

    /// A wallet hand-off refusal with the protocol's error `code`.
    pub fn wallet(refusal: WalletRefusal, message: impl Into<String>) -> Self {
        Error::Wallet {
            refusal,
            message: message.into(),
        }
    }

    /// An `invalid_input` error about `field`.
    pub fn input(field: &'static str, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            field,
            message: message.into(),
        }
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match e {
            // The connection, not the statement, failed: the server is down or restarting, or
            // every connection is busy. A transaction cut off this way is rolled back by the
            // server, so the request changed nothing and can be retried.
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => Error::DatabaseUnavailable(e.to_string()),
            // PostgreSQL's class 57P (operator intervention: admin_shutdown, crash_shutdown,
            // cannot_connect_now) and 08 (connection exception).
            sqlx::Error::Database(ref d)
                if d.code()
                    .is_some_and(|c| c.starts_with("57P") || c.starts_with("08")) =>
            {
                Error::DatabaseUnavailable(e.to_string())
            }
            _ => Error::Database(e.to_string()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        Error::Database(e.to_string())
    }
}

/// Why a wallet hand-off was refused. The codes are the protocols' own (OpenID4VCI 1.0 §6.3,
/// §8.3.1.2, §11.3; RFC 6749 §5.2; RFC 6750 §3.1) or, for the VC-API exchange, offers and claim
/// links, Cairn's; the HTTP layer decides each one's status in one exhaustive mapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalletRefusal {
    /// The mailed claim link is unknown, used or expired.
    ClaimLinkInvalid,
    /// No claim session with this id.
    ClaimNotFound,
    /// OpenID4VCI §8.3.1.2: the credential cannot be handed out (revoked).
    CredentialRequestDenied,
    /// VC-API exchange: the exchange is already complete.
    ExchangeComplete,
    /// VC-API exchange: the exchange has expired.
    ExchangeExpired,
    /// VC-API exchange: unknown exchange.
    ExchangeNotFound,
    /// OpenID4VCI §8.3.1.2: the credential request is malformed.
    InvalidCredentialRequest,
    /// RFC 6749 §5.2: the pre-authorized code (or transaction code) is wrong, used or expired.
    InvalidGrant,
    /// OpenID4VCI §8.3.1.2: the key proof carries a nonce that is unknown or used.
    InvalidNonce,
    /// OpenID4VCI §11.3: an unknown notification id.
    InvalidNotificationId,
    /// OpenID4VCI §11.3: a malformed notification.
    InvalidNotificationRequest,
    /// VC-API exchange: the holder's presentation does not verify or does not answer the request.
    InvalidPresentation,
    /// OpenID4VCI §8.3.1.2: the key proof is missing or does not verify.
    InvalidProof,
    /// OpenID4VCI §6.3 / RFC 6749 §5.2: a malformed request.
    InvalidRequest,
    /// RFC 6750 §3.1: the access token is wrong or expired.
    InvalidToken,
    /// The credential offer is unknown, used or expired.
    OfferNotFound,
    /// OpenID4VCI §8.3.1.2: a configuration this issuer does not offer.
    UnknownCredentialConfiguration,
    /// OpenID4VCI §8.3.1.2: a credential identifier this issuer did not give.
    UnknownCredentialIdentifier,
    /// OpenID4VCI (draft 13): a format this issuer does not offer.
    UnsupportedCredentialFormat,
    /// RFC 6749 §5.2: not the pre-authorized code grant.
    UnsupportedGrantType,
    /// Wallet hand-off needs an https `issuer.url`.
    WalletUnavailable,
}

impl WalletRefusal {
    /// Every refusal (for documentation and tests).
    pub const ALL: [WalletRefusal; 21] = [
        WalletRefusal::ClaimLinkInvalid,
        WalletRefusal::ClaimNotFound,
        WalletRefusal::CredentialRequestDenied,
        WalletRefusal::ExchangeComplete,
        WalletRefusal::ExchangeExpired,
        WalletRefusal::ExchangeNotFound,
        WalletRefusal::InvalidCredentialRequest,
        WalletRefusal::InvalidGrant,
        WalletRefusal::InvalidNonce,
        WalletRefusal::InvalidNotificationId,
        WalletRefusal::InvalidNotificationRequest,
        WalletRefusal::InvalidPresentation,
        WalletRefusal::InvalidProof,
        WalletRefusal::InvalidRequest,
        WalletRefusal::InvalidToken,
        WalletRefusal::OfferNotFound,
        WalletRefusal::UnknownCredentialConfiguration,
        WalletRefusal::UnknownCredentialIdentifier,
        WalletRefusal::UnsupportedCredentialFormat,
        WalletRefusal::UnsupportedGrantType,
        WalletRefusal::WalletUnavailable,
    ];

    /// The protocol's error code.
    pub fn code(self) -> &'static str {
        match self {
            WalletRefusal::ClaimLinkInvalid => "claim_link_invalid",
            WalletRefusal::ClaimNotFound => "claim_not_found",
            WalletRefusal::CredentialRequestDenied => "credential_request_denied",
            WalletRefusal::ExchangeComplete => "exchange_complete",
            WalletRefusal::ExchangeExpired => "exchange_expired",
            WalletRefusal::ExchangeNotFound => "exchange_not_found",
            WalletRefusal::InvalidCredentialRequest => "invalid_credential_request",
            WalletRefusal::InvalidGrant => "invalid_grant",
            WalletRefusal::InvalidNonce => "invalid_nonce",
            WalletRefusal::InvalidNotificationId => "invalid_notification_id",
            WalletRefusal::InvalidNotificationRequest => "invalid_notification_request",
            WalletRefusal::InvalidPresentation => "invalid_presentation",
            WalletRefusal::InvalidProof => "invalid_proof",
            WalletRefusal::InvalidRequest => "invalid_request",
            WalletRefusal::InvalidToken => "invalid_token",
            WalletRefusal::OfferNotFound => "offer_not_found",
            WalletRefusal::UnknownCredentialConfiguration => "unknown_credential_configuration",
            WalletRefusal::UnknownCredentialIdentifier => "unknown_credential_identifier",
            WalletRefusal::UnsupportedCredentialFormat => "unsupported_credential_format",
            WalletRefusal::UnsupportedGrantType => "unsupported_grant_type",
            WalletRefusal::WalletUnavailable => "wallet_unavailable",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_has_a_stable_code_and_message() {
        let p = || PathBuf::from("f");
        let all = [
            (
                Error::ConfigUnreadable(p(), "m".into()),
                "config_unreadable",
                "cannot read config f: m",
            ),
            (
                Error::ConfigInvalid(p(), "m".into()),
                "config_invalid",
                "config f is invalid: m",
            ),
            (
                Error::AlreadyInitialised(p()),
                "already_initialised",
                "f already holds an issuer (cairn.toml exists)",
            ),
            (
                Error::KeyFilePermissions(p()),
                "key_file_permissions",
                "key file f is readable by group or others; run chmod 600 on it",
            ),
            (
                Error::KeyInvalid(p(), "m".into()),
                "key_invalid",
                "key file f is invalid: m",
            ),
            (
                Error::Database("m".into()),
                "database_error",
                "database error: m",
            ),
            (
                Error::KeyExists("rsa-1".into()),
                "key_exists",
                "the issuer already has the key rsa-1",
            ),
            (
                Error::TokenNotFound("t".into()),
                "token_not_found",
                "no API token \"t\"",
            ),
            (
                Error::RowAlreadyIssued("r".into()),
                "row_already_issued",
                "roster row \"r\" was already issued",
            ),
            (
                Error::AchievementInvalid("m".into()),
                "achievement_invalid",
                "achievement definition is invalid: m",
            ),
            (
                Error::AchievementExists("s".into()),
                "achievement_exists",
                "an achievement with slug \"s\" already exists",
            ),
            (
                Error::AchievementNotFound("s".into()),
                "achievement_not_found",
                "no achievement \"s\"",
            ),
            (
                Error::AchievementArchived("s".into()),
                "achievement_archived",
                "achievement \"s\" is archived",
            ),
            (
                Error::input("email", "m"),
                "invalid_input",
                "invalid email: m",
            ),
            (
                Error::Signing("m".into()),
                "signing_failed",
                "signing failed: m",
            ),
            (
                Error::SelfCheckFailed("c".into()),
                "self_check_failed",
                "the signed credential did not verify (c); nothing was stored",
            ),
            (Error::Io(p(), "m".into()), "io_error", "i/o error on f: m"),
            (
                Error::CredentialNotFound("c".into()),
                "credential_not_found",
                "no credential \"c\"",
            ),
            (
                Error::CredentialHasNoStatus("c".into()),
                "credential_has_no_status",
                "credential \"c\" was issued without a status entry, so it cannot be revoked or suspended",
            ),
            (
                Error::CredentialRevoked("c".into()),
                "credential_revoked",
                "credential \"c\" is revoked; revocation is final",
            ),
            (
                Error::StatusListNotFound("l".into()),
                "status_list_not_found",
                "no status list \"l\"",
            ),
            (
                Error::StatusNeedsUrl,
                "status_needs_url",
                "status lists need the issuer's public base URL: set issuer.url in cairn.toml (or status.enabled = false)",
            ),
            (
                Error::Image {
                    refusal: ImageRefusal::AlreadyBaked,
                    message: "m".into(),
                },
                "already_baked",
                "image: m",
            ),
            (
                Error::wallet(WalletRefusal::InvalidGrant, "m"),
                "invalid_grant",
                "m",
            ),
            (
                Error::DataModel {
                    rule: DataModelRule::IdNotUrl,
                    message: "m".into(),
                },
                "id_not_url",
                "the credential breaks the VC data model: m",
            ),
            (
                Error::InvalidIdempotencyKey,
                "invalid_idempotency_key",
                "an Idempotency-Key has 1 to 255 characters",
            ),
            (
                Error::IdempotencyInProgress,
                "idempotency_in_progress",
                "a request with this Idempotency-Key is still being processed",
            ),
            (
                Error::IdempotencyKeyReused,
                "idempotency_key_reused",
                "this Idempotency-Key was used for a different request",
            ),
            (
                Error::SignScopeRequired("an ExampleCredential".into()),
                "insufficient_scope",
                "an ExampleCredential; signing it needs the sign scope",
            ),
            (
                Error::NotSignable("a status list".into()),
                "not_signable",
                "a status list is never signed through the API",
            ),
        ];
        for (err, code, message) in all {
            assert_eq!(err.code(), code);
            assert_eq!(err.to_string(), message);
        }
    }
}

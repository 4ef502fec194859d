//! The issuer's errors as RFC 9457 problem details: one exhaustive mapping from
//! [`cairn_issuer::Error`] to an HTTP status, written by the shared problem+json writer.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cairn_issuer::{Error, SignInRefusal, WalletRefusal};

/// An HTTP error answer of the issuer's service (`application/problem+json`).
#[derive(Debug)]
pub struct Problem(pub cairn_http::Problem);

impl Problem {
    /// A problem with this status, stable code and detail.
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Problem(cairn_http::Problem::new(status, code, detail))
    }

    /// 401: a bearer token is required.
    pub fn unauthorized() -> Self {
        Problem(cairn_http::Problem::unauthorized())
    }

    /// 403: the token lacks `scope`.
    pub fn forbidden(scope: &str) -> Self {
        Problem(cairn_http::Problem::forbidden(scope))
    }

    /// 404 `not_found`.
    pub fn not_found(what: impl Into<String>) -> Self {
        Problem(cairn_http::Problem::not_found(what))
    }

    /// The stable code.
    pub fn code(&self) -> &str {
        &self.0.code
    }
}

/// The HTTP status of every issuer error. Exhaustive: a new variant does not compile until it
/// is given one here.
pub fn status_of(e: &Error) -> StatusCode {
    match e {
        Error::InvalidIdempotencyKey => StatusCode::BAD_REQUEST,
        Error::InvalidInput { .. }
        | Error::AchievementInvalid(_)
        | Error::Image { .. }
        | Error::DataModel { .. }
        | Error::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
        Error::AchievementNotFound(_)
        | Error::TokenNotFound(_)
        | Error::CredentialNotFound(_)
        | Error::StatusListNotFound(_) => StatusCode::NOT_FOUND,
        Error::AchievementExists(_)
        | Error::AchievementArchived(_)
        | Error::KeyExists(_)
        | Error::CredentialHasNoStatus(_)
        | Error::CredentialRevoked(_)
        | Error::RowAlreadyIssued(_)
        | Error::AlreadyInitialised(_)
        | Error::IdempotencyInProgress => StatusCode::CONFLICT,
        Error::SignScopeRequired(_) | Error::NotSignable(_) => StatusCode::FORBIDDEN,
        Error::Wallet { refusal, .. } => wallet_status(*refusal),
        Error::SignIn { refusal, .. } => sign_in_status(*refusal),
        Error::StaffNotFound(_) | Error::SubmissionNotFound(_) => StatusCode::NOT_FOUND,
        Error::StaffExists(_)
        | Error::LastAdministrator
        | Error::SubmissionClosed(_)
        | Error::ReviewConflict(_) => StatusCode::CONFLICT,
        Error::ArtifactRefused(_) => StatusCode::UNPROCESSABLE_ENTITY,
        Error::DatabaseUnavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        Error::Database(_)
        | Error::ConfigUnreadable(..)
        | Error::ConfigInvalid(..)
        | Error::KeyFilePermissions(_)
        | Error::KeyInvalid(..)
        | Error::Signing(_)
        | Error::Render(_)
        | Error::SelfCheckFailed(_)
        | Error::Io(..)
        | Error::StatusNeedsUrl => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The HTTP status of every sign-in refusal: the provider's failures are a bad gateway, a
/// person who may not sign in is forbidden, a token that does not validate is unauthorized.
pub fn sign_in_status(refusal: SignInRefusal) -> StatusCode {
    match refusal {
        SignInRefusal::NotConfigured | SignInRefusal::NoEmail => StatusCode::NOT_FOUND,
        SignInRefusal::ProviderUnavailable => StatusCode::BAD_GATEWAY,
        SignInRefusal::ProviderRefused | SignInRefusal::IdTokenInvalid => StatusCode::UNAUTHORIZED,
        SignInRefusal::StateInvalid => StatusCode::BAD_REQUEST,
        SignInRefusal::LinkInvalid => StatusCode::GONE,
        SignInRefusal::EmailNotAllowed
        | SignInRefusal::EmailUnverified
        | SignInRefusal::NotStaff => StatusCode::FORBIDDEN,
    }
}

/// The HTTP status of every wallet refusal, on the OpenID4VCI, VC-API exchange and claim routes
/// alike (RFC 6749 §5.2 and OpenID4VCI §8.3.1.2: 400 unless said otherwise; RFC 6750 §3.1: 401
/// for a bad access token). Exhaustive, like [`status_of`].
pub fn wallet_status(refusal: WalletRefusal) -> StatusCode {
    match refusal {
        WalletRefusal::InvalidToken => StatusCode::UNAUTHORIZED,
        WalletRefusal::OfferNotFound
        | WalletRefusal::ExchangeNotFound
        | WalletRefusal::ClaimNotFound
        | WalletRefusal::WalletUnavailable => StatusCode::NOT_FOUND,
        WalletRefusal::ExchangeComplete
        | WalletRefusal::ExchangeExpired
        | WalletRefusal::ClaimLinkInvalid => StatusCode::GONE,
        WalletRefusal::CredentialRequestDenied => StatusCode::CONFLICT,
        WalletRefusal::InvalidRequest
        | WalletRefusal::InvalidGrant
        | WalletRefusal::UnsupportedGrantType
        | WalletRefusal::InvalidProof
        | WalletRefusal::InvalidNonce
        | WalletRefusal::InvalidCredentialRequest
        | WalletRefusal::UnknownCredentialConfiguration
        | WalletRefusal::UnknownCredentialIdentifier
        | WalletRefusal::UnsupportedCredentialFormat
        | WalletRefusal::InvalidNotificationId
        | WalletRefusal::InvalidNotificationRequest
        | WalletRefusal::InvalidPresentation => StatusCode::BAD_REQUEST,
    }
}

impl From<Error> for Problem {
    fn from(e: Error) -> Self {
        let status = status_of(&e);
        if status.is_server_error() {
            // DESIGN invariant 5 / STYLE 7: a 5xx body carries no internal detail; the log does.
            tracing::error!(code = e.code(), error = %e, "request failed");
            let detail = if status == StatusCode::SERVICE_UNAVAILABLE {
                "the database cannot be reached; nothing was changed, try again shortly"
            } else {
                "the server could not complete the request"
            };
            return Problem::new(status, e.code(), detail);
        }
        Problem::new(status, e.code(), e.to_string())
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        self.0.into_response()
    }
}

//! Idempotency keys for issuing through the API (draft-ietf-httpapi-idempotency-key-header): the
//! first request with a key is processed, a retry of the same request gets the first answer, a
//! different request with the key is refused. Keys belong to the token that sent them.

use chrono::Duration;
use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::store::{Idempotency, IdempotencyLease};
use crate::Issuer;

/// The longest idempotency key accepted, in bytes.
const MAX_KEY_BYTES: usize = 255;

/// What to do with a request that carries an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotentStart {
    /// The first request with this key (or the retry of one that died without storing
    /// anything): process it holding the lease (put it in [`crate::IssueRequest::lease`]), then
    /// [`Issuer::finish_idempotent`] (or [`Issuer::abandon_idempotent`] when it fails).
    Proceed(IdempotencyLease),
    /// The same request finished before: answer with its response again.
    Replay(String),
    /// The same request stored these credentials but died before it answered: answer with them
    /// (and keep that answer with [`Issuer::finish_idempotent`]).
    Stored(Vec<String>),
}

impl Issuer {
    /// Claims `key` for the token `token_id` and the request `body`, atomically, as a lease of
    /// `[server] idempotency_lease_seconds`. Errors: `invalid_idempotency_key` (empty or over 255
    /// bytes), `idempotency_in_progress` (the same request is still being processed),
    /// `idempotency_key_reused` (another request).
    pub async fn begin_idempotent(
        &self,
        token_id: &str,
        key: &str,
        body: &[u8],
    ) -> Result<IdempotentStart, Error> {
        if key.is_empty() || key.len() > MAX_KEY_BYTES {
            return Err(Error::InvalidIdempotencyKey);
        }
        let request_hash = hex::encode(Sha256::digest(body));
        let now = self.now();
        let lease_seconds = self.config().config.server.idempotency_lease_seconds;
        let until = now + Duration::seconds(i64::from(lease_seconds));
        let lease = IdempotencyLease {
            token_id: token_id.to_owned(),
            key: key.to_owned(),
            lease_id: crate::auth::random_secret(),
        };
        match self
            .store()
            .reserve_idempotency(
                &lease,
                &request_hash,
                &crate::rfc3339(now),
                &crate::rfc3339(until),
            )
            .await?
        {
            Idempotency::Reserved => Ok(IdempotentStart::Proceed(lease)),
            Idempotency::Stored {
                request_hash: h,
                credential_ids,
            } if h == request_hash => Ok(IdempotentStart::Stored(credential_ids)),
            Idempotency::Done {
                request_hash: h,
                response,
            } if h == request_hash => Ok(IdempotentStart::Replay(response)),
            Idempotency::InProgress { request_hash: h } if h == request_hash => {
                Err(Error::IdempotencyInProgress)
            }
            Idempotency::Done { .. }
            | Idempotency::Stored { .. }
            | Idempotency::InProgress { .. } => Err(Error::IdempotencyKeyReused),
        }
    }

    /// Keeps `response` as the answer to every retry with `key`.
    pub async fn finish_idempotent(
        &self,
        token_id: &str,
        key: &str,
        response: &str,
    ) -> Result<(), Error> {
        self.store()
            .complete_idempotency(token_id, key, response)
            .await
    }

    /// Frees the key after its request failed, so a retry is processed afresh.
    pub async fn abandon_idempotent(&self, lease: &IdempotencyLease) -> Result<(), Error> {
        self.store().release_idempotency(lease).await
    }
}

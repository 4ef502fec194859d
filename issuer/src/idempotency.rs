//! Idempotency keys for issuing through the API (draft-ietf-httpapi-idempotency-key-header): the
//! first request with a key is processed, a retry of the same request gets the first answer, a
//! different request with the key is refused. Keys belong to the token that sent them.

use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::store::Idempotency;
use crate::Issuer;

/// The longest idempotency key accepted, in bytes.
const MAX_KEY_BYTES: usize = 255;

/// What to do with a request that carries an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotentStart {
    /// The first request with this key: process it, then [`Issuer::finish_idempotent`] (or
    /// [`Issuer::abandon_idempotent`] when it fails).
    Proceed,
    /// The same request finished before: answer with its response again.
    Replay(String),
}

impl Issuer {
    /// Claims `key` for the token `token_id` and the request `body`, atomically.
    /// Errors: `invalid_idempotency_key` (empty or over 255 bytes), `idempotency_in_progress`
    /// (the same request is still being processed), `idempotency_key_reused` (another request).
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
        let now = crate::rfc3339(self.now());
        match self
            .store()
            .reserve_idempotency(token_id, key, &request_hash, &now)
            .await?
        {
            Idempotency::Reserved => Ok(IdempotentStart::Proceed),
            Idempotency::Done {
                request_hash: h,
                response,
            } if h == request_hash => Ok(IdempotentStart::Replay(response)),
            Idempotency::InProgress { request_hash: h } if h == request_hash => {
                Err(Error::IdempotencyInProgress)
            }
            Idempotency::Done { .. } | Idempotency::InProgress { .. } => {
                Err(Error::IdempotencyKeyReused)
            }
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

    /// Frees `key` after its request failed, so a retry is processed afresh.
    pub async fn abandon_idempotent(&self, token_id: &str, key: &str) -> Result<(), Error> {
        self.store().release_idempotency(token_id, key).await
    }
}

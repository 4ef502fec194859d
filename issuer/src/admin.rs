//! What the admin API (and, later, the staff console) reads: achievements, one stored credential
//! with its compact JWS, the audit log, and whether the database answers.

use serde_json::Value;

use crate::error::Error;
use crate::store::{AuditEntry, StoredAchievement};
use crate::Issuer;

/// A stored credential as issued: the document and, when it was issued as a VC-JWT, the JWS.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialRecord {
    /// The credential document.
    pub credential: Value,
    /// The compact JWS, for a credential issued as a VC-JWT.
    pub jws: Option<String>,
}

impl Issuer {
    /// Every achievement, in the order they were added.
    pub async fn achievements(&self) -> Result<Vec<StoredAchievement>, Error> {
        self.store().achievements().await
    }

    /// One achievement by slug or id.
    pub async fn achievement(&self, slug_or_id: &str) -> Result<StoredAchievement, Error> {
        self.store()
            .achievement(slug_or_id)
            .await?
            .ok_or_else(|| Error::AchievementNotFound(slug_or_id.to_owned()))
    }

    /// A stored credential by its full id.
    pub async fn credential_record(&self, id: &str) -> Result<CredentialRecord, Error> {
        let credential = self
            .store()
            .credential(id)
            .await?
            .ok_or_else(|| Error::CredentialNotFound(id.to_owned()))?;
        let jws = self.store().credential_jws(id).await?;
        Ok(CredentialRecord { credential, jws })
    }

    /// The compact JWS of a credential issued as a VC-JWT; None for a Data Integrity credential.
    pub async fn credential_jws(&self, id: &str) -> Result<Option<String>, Error> {
        self.store().credential_jws(id).await
    }

    /// The audit log, oldest first.
    pub async fn audit_entries(&self) -> Result<Vec<AuditEntry>, Error> {
        self.store().audit_entries().await
    }

    /// Whether the database answers (for a readiness probe).
    pub async fn ready(&self) -> Result<(), Error> {
        self.store().public_keys().await.map(|_| ())
    }
}

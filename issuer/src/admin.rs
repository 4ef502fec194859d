//! What the admin API and the staff console read: achievements, one stored credential with its
//! compact JWS and history, the audit log (whole or filtered), the console's overview, API
//! tokens, public keys, and whether the database answers.

use serde_json::Value;

use crate::error::Error;
use crate::store::{AuditEntry, AuditFilter, StoredAchievement, StoredKey, StoredToken};
use crate::Issuer;

/// A stored credential as issued: the document and, when it was issued as a VC-JWT, the JWS.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialRecord {
    /// The credential document.
    pub credential: Value,
    /// The compact JWS, for a credential issued as a VC-JWT.
    pub jws: Option<String>,
}

/// The console's overview: what happened lately.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    /// Credentials issued since the first of this month (in the district's time zone).
    pub issued_this_month: i64,
    /// Revocations and suspensions since the first of this month.
    pub status_changes_this_month: i64,
    /// Emails (awards, wallet and sign-in links) that could not be sent in the last 30 days.
    pub failed_emails_30_days: i64,
    /// The first of this month, as an instant (RFC 3339).
    pub month_start: String,
}

impl Issuer {
    /// The console's overview at the issuer's clock.
    pub async fn overview(&self) -> Result<Overview, Error> {
        use chrono::{Datelike, TimeZone};
        let tz = self.time_zone();
        let now = self.now();
        let local = now.with_timezone(&tz);
        let month_start = tz
            .with_ymd_and_hms(local.year(), local.month(), 1, 0, 0, 0)
            .earliest()
            .map(|t| t.with_timezone(&chrono::Utc))
            .unwrap_or(now);
        let month = crate::rfc3339(month_start);
        let store = self.store();
        let since_30 = crate::rfc3339(now - chrono::Duration::days(30));
        Ok(Overview {
            issued_this_month: store.count_audit("credential.issue", &month).await?,
            status_changes_this_month: store.count_audit("credential.revoke", &month).await?
                + store.count_audit("credential.suspend", &month).await?,
            failed_emails_30_days: store.count_audit("notification.failed", &since_30).await?,
            month_start: month,
        })
    }

    /// Audit entries matching `filter`, newest first (the console's audit page and export).
    pub async fn search_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, Error> {
        self.store().search_audit(filter).await
    }

    /// What happened to one credential, oldest first.
    pub async fn credential_history(&self, id: &str) -> Result<Vec<AuditEntry>, Error> {
        self.store().audit_entries_for(id).await
    }

    /// Every API token, oldest first (never a secret: only hashes are stored).
    pub async fn api_tokens(&self) -> Result<Vec<StoredToken>, Error> {
        self.store().tokens().await
    }

    /// Every public key of the issuer, oldest first (retired keys stay published).
    pub async fn public_keys(&self) -> Result<Vec<StoredKey>, Error> {
        self.store().public_keys().await
    }

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

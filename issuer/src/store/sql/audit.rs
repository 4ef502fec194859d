//! SQL for the audit log as a store aggregate (reading it, recording events that change nothing else).

use async_trait::async_trait;
use sqlx::Row;

use super::{audit, SqlStore};
use crate::error::Error;
use crate::store::{Actor, AuditStore};

#[async_trait]
impl AuditStore for SqlStore {
    /// The audit log, oldest first: (at, actor, action, subject).
    async fn audit_log(&self) -> Result<Vec<(String, String, String, Option<String>)>, Error> {
        let rows = sqlx::query("SELECT at, actor, action, subject FROM audit_log ORDER BY seq")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("at")?,
                    r.try_get("actor")?,
                    r.try_get("action")?,
                    r.try_get("subject")?,
                ))
            })
            .collect()
    }

    async fn record_event(
        &self,
        action: &str,
        subject: Option<&str>,
        at: &str,
        actor: &Actor,
    ) -> Result<(), Error> {
        let mut tx = self.write_tx().await?;
        audit(&mut tx, at, actor, action, subject, None).await?;
        tx.commit().await?;
        Ok(())
    }
}

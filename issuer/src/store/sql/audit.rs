//! SQL for the audit log as a store aggregate (reading it, recording events that change nothing else).

use async_trait::async_trait;
use serde_json::Value;
use sqlx::Row;

use super::{audit, SqlStore};
use crate::error::Error;
use crate::store::{Actor, AuditEntry, AuditStore};

#[async_trait]
impl AuditStore for SqlStore {
    async fn audit_entries(&self) -> Result<Vec<AuditEntry>, Error> {
        let rows = sqlx::query(
            "SELECT at, actor, action, subject, detail_json FROM audit_log ORDER BY seq",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit_entry).collect()
    }

    async fn audit_entries_for(&self, subject: &str) -> Result<Vec<AuditEntry>, Error> {
        let rows = sqlx::query(
            "SELECT at, actor, action, subject, detail_json FROM audit_log WHERE subject = $1 ORDER BY seq",
        )
        .bind(subject)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(audit_entry).collect()
    }

    async fn record_event(
        &self,
        action: &str,
        subject: Option<&str>,
        detail: Option<&Value>,
        at: &str,
        actor: &Actor,
    ) -> Result<(), Error> {
        let mut tx = self.write_tx().await?;
        audit(&mut tx, at, actor, action, subject, detail).await?;
        tx.commit().await?;
        Ok(())
    }
}

fn audit_entry(r: &sqlx::any::AnyRow) -> Result<AuditEntry, Error> {
    let detail: Option<String> = r.try_get("detail_json")?;
    Ok(AuditEntry {
        at: r.try_get("at")?,
        actor: r.try_get("actor")?,
        action: r.try_get("action")?,
        subject: r.try_get("subject")?,
        detail: detail.and_then(|d| serde_json::from_str(&d).ok()),
    })
}

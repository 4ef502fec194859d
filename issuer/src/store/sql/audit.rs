//! SQL for the audit log as a store aggregate (reading it, recording events that change nothing else).

use async_trait::async_trait;
use serde_json::Value;
use sqlx::Row;

use super::{audit, Conditions, SqlStore};
use crate::error::Error;
use crate::store::{Actor, AuditEntry, AuditFilter, AuditStore};

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

    async fn search_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, Error> {
        let mut sql =
            Conditions::new("SELECT at, actor, action, subject, detail_json FROM audit_log");
        if let Some(actor) = &filter.actor {
            sql.and("actor = ?", &[actor]);
        }
        if let Some(action) = &filter.action {
            sql.and("substr(action, 1, length(?)) = ?", &[action, action]);
        }
        if let Some(from) = &filter.from {
            sql.and("at >= ?", &[from]);
        }
        if let Some(before) = &filter.before {
            sql.and("at < ?", &[before]);
        }
        let tail = format!(" ORDER BY seq DESC LIMIT {}", filter.limit);
        let rows = sql.fetch_all(&tail, &self.pool).await?;
        rows.iter().map(audit_entry).collect()
    }

    async fn count_audit(&self, action: &str, from: &str) -> Result<i64, Error> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE action = $1 AND at >= $2")
            .bind(action)
            .bind(from)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get("n")?)
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

//! SQL for the settings the district changes at run time.

use async_trait::async_trait;
use sqlx::Row;

use super::{audit, SqlStore};
use crate::error::Error;
use crate::store::{Actor, SettingsStore};

#[async_trait]
impl SettingsStore for SqlStore {
    async fn settings(&self) -> Result<Vec<(String, String)>, Error> {
        let rows = sqlx::query("SELECT name, value FROM settings ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("name")?, r.try_get("value")?)))
            .collect()
    }

    async fn put_settings(
        &self,
        changes: &[(&str, Option<&str>)],
        at: &str,
        actor: &Actor,
    ) -> Result<(), Error> {
        let mut tx = self.write_tx().await?;
        for (name, value) in changes {
            sqlx::query("DELETE FROM settings WHERE name = $1")
                .bind(*name)
                .execute(&mut *tx)
                .await?;
            if let Some(value) = value {
                sqlx::query("INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)")
                    .bind(*name)
                    .bind(*value)
                    .bind(at)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let detail: serde_json::Map<String, serde_json::Value> = changes
            .iter()
            .map(|(name, value)| ((*name).to_owned(), serde_json::json!(value)))
            .collect();
        audit(
            &mut tx,
            at,
            actor,
            "settings.change",
            None,
            Some(&serde_json::Value::Object(detail)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

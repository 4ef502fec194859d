//! SQL for achievement definitions (created, edited, archived, looked up).

use async_trait::async_trait;
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{audit, SqlStore};
use crate::error::Error;
use crate::store::{AchievementStore, Actor, StoredAchievement};

#[async_trait]
impl AchievementStore for SqlStore {
    async fn put_achievement_image(
        &self,
        slug: &str,
        media_type: &str,
        bytes: &[u8],
        at: &str,
        actor: &Actor,
    ) -> Result<(), Error> {
        use sha2::Digest;
        let digest = hex::encode(sha2::Sha256::digest(bytes));
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM achievement_images WHERE slug = $1")
            .bind(slug)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO achievement_images (slug, media_type, bytes, sha256, updated_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(slug)
        .bind(media_type)
        .bind(bytes.to_vec())
        .bind(&digest)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        let detail =
            serde_json::json!({"mediaType": media_type, "sha256": digest, "bytes": bytes.len()});
        audit(
            &mut tx,
            at,
            actor,
            "achievement.image",
            Some(slug),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn achievement_image(&self, slug: &str) -> Result<Option<(String, Vec<u8>)>, Error> {
        let row = sqlx::query("SELECT media_type, bytes FROM achievement_images WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok((r.try_get("media_type")?, r.try_get("bytes")?)))
            .transpose()
    }

    async fn insert_achievement(
        &self,
        a: &StoredAchievement,
        definition: &Value,
        actor: &Actor,
    ) -> Result<(), Error> {
        let mut tx = self.write_tx().await?;
        let exists = sqlx::query("SELECT 1 FROM achievements WHERE slug = $1")
            .bind(&a.slug)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_some() {
            return Err(Error::AchievementExists(a.slug.clone()));
        }
        sqlx::query(
            "INSERT INTO achievements (id, slug, definition_json, achievement_json, archived, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 0, $5, $6)",
        )
        .bind(&a.id)
        .bind(&a.slug)
        .bind(definition.to_string())
        .bind(a.achievement.to_string())
        .bind(&a.created_at)
        .bind(&a.created_at)
        .execute(&mut *tx)
        .await?;
        audit(
            &mut tx,
            &a.created_at,
            actor,
            "achievement.add",
            Some(&a.id),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn update_achievement(
        &self,
        a: &StoredAchievement,
        definition: &Value,
        at: &str,
        actor: &Actor,
    ) -> Result<(), Error> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "UPDATE achievements SET definition_json = $1, achievement_json = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(definition.to_string())
        .bind(a.achievement.to_string())
        .bind(at)
        .bind(&a.id)
        .execute(&mut *tx)
        .await?;
        audit(&mut tx, at, actor, "achievement.update", Some(&a.id), None).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn archive_achievement(&self, id: &str, at: &str, actor: &Actor) -> Result<(), Error> {
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE achievements SET archived = 1, updated_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        audit(&mut tx, at, actor, "achievement.archive", Some(id), None).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Finds an achievement by slug or id.
    async fn achievement(&self, slug_or_id: &str) -> Result<Option<StoredAchievement>, Error> {
        let row = sqlx::query(
            "SELECT id, slug, achievement_json, definition_json, archived, created_at FROM achievements WHERE slug = $1 OR id = $2",
        )
        .bind(slug_or_id)
        .bind(slug_or_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| achievement_from_row(&r)).transpose()
    }

    /// All achievements, in the order they were added.
    async fn achievements(&self) -> Result<Vec<StoredAchievement>, Error> {
        let rows = sqlx::query(
            "SELECT id, slug, achievement_json, definition_json, archived, created_at FROM achievements ORDER BY created_at, slug",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(achievement_from_row).collect()
    }
}

fn achievement_from_row(r: &AnyRow) -> Result<StoredAchievement, Error> {
    let json: String = r.try_get("achievement_json")?;
    let archived: i64 = r.try_get("archived")?;
    let definition: String = r.try_get("definition_json")?;
    let definition: Value =
        serde_json::from_str(&definition).map_err(|e| Error::Database(e.to_string()))?;
    let validity_months = definition
        .get("validityMonths")
        .and_then(Value::as_u64)
        .and_then(|m| u32::try_from(m).ok());
    Ok(StoredAchievement {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        achievement: serde_json::from_str(&json).map_err(|e| Error::Database(e.to_string()))?,
        archived: archived != 0,
        created_at: r.try_get("created_at")?,
        validity_months,
        definition,
    })
}

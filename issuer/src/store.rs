//! The issuer database (sqlx): profile, public keys, achievements, credentials, audit log.
//!
//! The embedded default is an SQLite file in WAL mode. Every state change writes its audit entry
//! in the same transaction.

use std::str::FromStr;

use serde_json::Value;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{Row, SqlitePool};

use crate::error::Error;

/// An achievement as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAchievement {
    pub id: String,
    pub slug: String,
    pub achievement: Value,
    pub archived: bool,
    pub created_at: String,
}

/// A public key as stored (the private half stays in its key file).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredKey {
    pub key_id: String,
    /// `Ed25519` (public key: multibase) or `RS256` (public key: JWK JSON).
    pub algorithm: String,
    pub verification_method: String,
    pub public_key: String,
    pub status: String,
}

/// A credential ready to store.
#[derive(Debug, Clone)]
pub(crate) struct NewCredential<'a> {
    pub id: &'a str,
    pub achievement_id: &'a str,
    pub recipient_lookup: &'a str,
    pub recipient_did: Option<&'a str>,
    pub document: &'a Value,
    pub valid_from: &'a str,
    pub valid_until: Option<&'a str>,
    pub issued_at: &'a str,
    pub compact_jws: Option<&'a str>,
}

/// Who did something, for the audit log.
#[derive(Debug, Clone)]
pub struct Actor(pub String);

/// The database behind one issuer.
#[derive(Debug, Clone)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating if asked) the database at `url` and applies migrations.
    pub async fn open(url: &str, create: bool) -> Result<Self, Error> {
        if !url.starts_with("sqlite:") {
            return Err(Error::Database(format!(
                "unsupported database url {url:?}: this version stores data in SQLite (sqlite:FILE)"
            )));
        }
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(create)
            .journal_mode(SqliteJournalMode::Wal)
            .foreign_keys(true)
            .busy_timeout(std::time::Duration::from_secs(5));
        // Each connection to an in-memory database is a separate database: keep one.
        let max = if url.contains(":memory:") { 1 } else { 4 };
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
        Ok(Store { pool })
    }

    pub(crate) async fn insert_issuer(
        &self,
        profile: &Value,
        keys: &[StoredKey],
        at: &str,
        actor: &Actor,
    ) -> Result<(), Error> {
        let id = profile["id"].as_str().unwrap_or_default();
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO issuer_profile (id, profile_json, created_at) VALUES (?, ?, ?)")
            .bind(id)
            .bind(profile.to_string())
            .bind(at)
            .execute(&mut *tx)
            .await?;
        for key in keys {
            insert_key(&mut tx, id, key, at).await?;
        }
        audit(&mut tx, at, actor, "issuer.init", Some(id), None).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds a public key (e.g. a new RSA key) to the issuer.
    pub(crate) async fn insert_public_key(
        &self,
        issuer_id: &str,
        key: &StoredKey,
        at: &str,
        actor: &Actor,
    ) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        insert_key(&mut tx, issuer_id, key, at).await?;
        let detail = serde_json::json!({"algorithm": key.algorithm});
        audit(
            &mut tx,
            at,
            actor,
            "key.add",
            Some(&key.key_id),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every key of the issuer, oldest first (retired keys stay, so old credentials verify).
    pub async fn public_keys(&self) -> Result<Vec<StoredKey>, Error> {
        let rows = sqlx::query(
            "SELECT key_id, algorithm, verification_method, public_key, status FROM public_keys ORDER BY created_at, key_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(StoredKey {
                    key_id: r.try_get("key_id")?,
                    algorithm: r.try_get("algorithm")?,
                    verification_method: r.try_get("verification_method")?,
                    public_key: r.try_get("public_key")?,
                    status: r.try_get("status")?,
                })
            })
            .collect()
    }

    pub(crate) async fn insert_achievement(
        &self,
        a: &StoredAchievement,
        definition: &Value,
        actor: &Actor,
    ) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        let exists = sqlx::query("SELECT 1 FROM achievements WHERE slug = ?")
            .bind(&a.slug)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_some() {
            return Err(Error::AchievementExists(a.slug.clone()));
        }
        sqlx::query(
            "INSERT INTO achievements (id, slug, definition_json, achievement_json, archived, created_at, updated_at) \
             VALUES (?, ?, ?, ?, 0, ?, ?)",
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

    /// Finds an achievement by slug or id.
    pub async fn achievement(&self, slug_or_id: &str) -> Result<Option<StoredAchievement>, Error> {
        let row = sqlx::query(
            "SELECT id, slug, achievement_json, archived, created_at FROM achievements WHERE slug = ? OR id = ?",
        )
        .bind(slug_or_id)
        .bind(slug_or_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| achievement_from_row(&r)).transpose()
    }

    /// All achievements, in the order they were added.
    pub async fn achievements(&self) -> Result<Vec<StoredAchievement>, Error> {
        let rows = sqlx::query(
            "SELECT id, slug, achievement_json, archived, created_at FROM achievements ORDER BY created_at, slug",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(achievement_from_row).collect()
    }

    pub(crate) async fn insert_credential(
        &self,
        c: &NewCredential<'_>,
        actor: &Actor,
    ) -> Result<(), Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO credentials (id, achievement_id, recipient_lookup, recipient_did, document_json, status, valid_from, valid_until, issued_at, compact_jws) \
             VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?, ?)",
        )
        .bind(c.id)
        .bind(c.achievement_id)
        .bind(c.recipient_lookup)
        .bind(c.recipient_did)
        .bind(c.document.to_string())
        .bind(c.valid_from)
        .bind(c.valid_until)
        .bind(c.issued_at)
        .bind(c.compact_jws)
        .execute(&mut *tx)
        .await?;
        let format = if c.compact_jws.is_some() {
            "jwt"
        } else {
            "json"
        };
        let detail = serde_json::json!({"achievement": c.achievement_id, "format": format});
        audit(
            &mut tx,
            c.issued_at,
            actor,
            "credential.issue",
            Some(c.id),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A stored credential document by id.
    pub async fn credential(&self, id: &str) -> Result<Option<Value>, Error> {
        let row = sqlx::query("SELECT document_json FROM credentials WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            let text: String = r.try_get("document_json")?;
            serde_json::from_str(&text).map_err(|e| Error::Database(e.to_string()))
        })
        .transpose()
    }

    /// A stored credential's compact JWS, if it was issued as VC-JWT.
    pub async fn credential_jws(&self, id: &str) -> Result<Option<String>, Error> {
        let row = sqlx::query("SELECT compact_jws FROM credentials WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .map(|r| r.try_get::<Option<String>, _>("compact_jws"))
            .transpose()?
            .flatten())
    }

    /// Ids of credentials whose recipient lookup hash is `lookup`.
    pub async fn credentials_for_recipient(&self, lookup: &str) -> Result<Vec<String>, Error> {
        let rows =
            sqlx::query("SELECT id FROM credentials WHERE recipient_lookup = ? ORDER BY issued_at")
                .bind(lookup)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }

    /// The audit log, oldest first: (at, actor, action, subject).
    pub async fn audit_log(&self) -> Result<Vec<(String, String, String, Option<String>)>, Error> {
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

    #[cfg(test)]
    pub(crate) fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

async fn insert_key(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    issuer_id: &str,
    key: &StoredKey,
    at: &str,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO public_keys (key_id, issuer_id, algorithm, verification_method, public_key, status, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&key.key_id)
    .bind(issuer_id)
    .bind(&key.algorithm)
    .bind(&key.verification_method)
    .bind(&key.public_key)
    .bind(&key.status)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn achievement_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<StoredAchievement, Error> {
    let json: String = r.try_get("achievement_json")?;
    let archived: i64 = r.try_get("archived")?;
    Ok(StoredAchievement {
        id: r.try_get("id")?,
        slug: r.try_get("slug")?,
        achievement: serde_json::from_str(&json).map_err(|e| Error::Database(e.to_string()))?,
        archived: archived != 0,
        created_at: r.try_get("created_at")?,
    })
}

async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    at: &str,
    actor: &Actor,
    action: &str,
    subject: Option<&str>,
    detail: Option<&Value>,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, subject, detail_json) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(at)
    .bind(&actor.0)
    .bind(action)
    .bind(subject)
    .bind(detail.map(Value::to_string))
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn audit_log_is_append_only() {
        let store = Store::open("sqlite::memory:", true).await.expect("open");
        let mut tx = store.pool().begin().await.expect("tx");
        audit(
            &mut tx,
            "2026-01-01T00:00:00Z",
            &Actor("t".into()),
            "x",
            None,
            None,
        )
        .await
        .expect("insert");
        tx.commit().await.expect("commit");
        let update = sqlx::query("UPDATE audit_log SET action = 'y'")
            .execute(store.pool())
            .await;
        assert!(update.is_err());
        let delete = sqlx::query("DELETE FROM audit_log")
            .execute(store.pool())
            .await;
        assert!(delete.is_err());
        assert_eq!(store.audit_log().await.expect("log").len(), 1);
    }
}

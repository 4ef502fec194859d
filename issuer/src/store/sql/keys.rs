//! SQL for the issuer profile and its public keys (added, rotated, listed).

use async_trait::async_trait;
use serde_json::Value;
use sqlx::Row;

use super::{audit, SqlStore};
use crate::error::Error;
use crate::store::{Actor, KeyStore, StoredKey};

#[async_trait]
impl KeyStore for SqlStore {
    async fn insert_issuer(
        &self,
        profile: &Value,
        keys: &[StoredKey],
        at: &str,
        actor: &Actor,
    ) -> Result<(), Error> {
        let id = profile["id"].as_str().unwrap_or_default();
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO issuer_profile (id, profile_json, created_at) VALUES ($1, $2, $3)",
        )
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
    async fn insert_public_key(
        &self,
        issuer_id: &str,
        key: &StoredKey,
        at: &str,
        actor: &Actor,
    ) -> Result<(), Error> {
        let mut tx = self.write_tx().await?;
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

    async fn rotate_key(
        &self,
        issuer_id: &str,
        new: &StoredKey,
        old_key_id: &str,
        at: &str,
        actor: &Actor,
    ) -> Result<(), Error> {
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE public_keys SET status = 'retired', retired_at = $1 WHERE key_id = $2")
            .bind(at)
            .bind(old_key_id)
            .execute(&mut *tx)
            .await?;
        insert_key(&mut tx, issuer_id, new, at).await?;
        let detail = serde_json::json!({"retired": old_key_id});
        audit(
            &mut tx,
            at,
            actor,
            "key.rotate",
            Some(&new.key_id),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every key of the issuer, oldest first (retired keys stay, so old credentials verify).
    async fn public_keys(&self) -> Result<Vec<StoredKey>, Error> {
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
}

async fn insert_key(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    issuer_id: &str,
    key: &StoredKey,
    at: &str,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO public_keys (key_id, issuer_id, algorithm, verification_method, public_key, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
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

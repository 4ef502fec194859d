//! SQL for API tokens and the idempotency records kept per token.

use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{audit, SqlStore};
use crate::error::Error;
use crate::store::{Actor, Idempotency, IdempotencyLease, StoredToken, TokenStore};

#[async_trait]
impl TokenStore for SqlStore {
    async fn insert_token(&self, t: &StoredToken, actor: &Actor) -> Result<(), Error> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO api_tokens (id, name, scopes, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&t.id)
        .bind(&t.name)
        .bind(&t.scopes)
        .bind(&t.secret_hash)
        .bind(&t.created_at)
        .execute(&mut *tx)
        .await?;
        let detail = serde_json::json!({"name": t.name, "scopes": t.scopes});
        audit(
            &mut tx,
            &t.created_at,
            actor,
            "token.create",
            Some(&t.id),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn token(&self, id: &str) -> Result<Option<StoredToken>, Error> {
        let row = sqlx::query(
            "SELECT id, name, scopes, secret_hash, created_at, revoked_at FROM api_tokens WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| token_from_row(&r)).transpose()
    }

    async fn tokens(&self) -> Result<Vec<StoredToken>, Error> {
        let rows = sqlx::query(
            "SELECT id, name, scopes, secret_hash, created_at, revoked_at FROM api_tokens ORDER BY created_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(token_from_row).collect()
    }

    async fn revoke_token(&self, id: &str, at: &str, actor: &Actor) -> Result<bool, Error> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(at)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let exists = sqlx::query("SELECT 1 FROM api_tokens WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .is_some();
        if done.rows_affected() > 0 {
            audit(&mut tx, at, actor, "token.revoke", Some(id), None).await?;
        }
        tx.commit().await?;
        Ok(exists)
    }

    async fn reserve_idempotency(
        &self,
        lease: &IdempotencyLease,
        request_hash: &str,
        at: &str,
        lease_until: &str,
    ) -> Result<Idempotency, Error> {
        // The primary key makes the first insert win; a later one finds the earlier row.
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (token_id, idem_key, request_hash, created_at, lease_id, lease_until) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (token_id, idem_key) DO NOTHING",
        )
        .bind(&lease.token_id)
        .bind(&lease.key)
        .bind(request_hash)
        .bind(at)
        .bind(&lease.lease_id)
        .bind(lease_until)
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(Idempotency::Reserved);
        }
        // A request that died holding the key (its lease ran out; keys reserved before leases
        // existed have none) stored nothing: the same request may take the key over.
        let taken = sqlx::query(
            "UPDATE idempotency_keys SET lease_id = $1, lease_until = $2 \
             WHERE token_id = $3 AND idem_key = $4 AND request_hash = $5 \
             AND response_json IS NULL AND credential_ids IS NULL \
             AND (lease_until IS NULL OR lease_until < $6)",
        )
        .bind(&lease.lease_id)
        .bind(lease_until)
        .bind(&lease.token_id)
        .bind(&lease.key)
        .bind(request_hash)
        .bind(at)
        .execute(&self.pool)
        .await?;
        if taken.rows_affected() == 1 {
            return Ok(Idempotency::Reserved);
        }
        let row = sqlx::query(
            "SELECT request_hash, response_json, credential_ids FROM idempotency_keys WHERE token_id = $1 AND idem_key = $2",
        )
        .bind(&lease.token_id)
        .bind(&lease.key)
        .fetch_one(&self.pool)
        .await?;
        let request_hash: String = row.try_get("request_hash")?;
        let stored: Option<String> = row.try_get("credential_ids")?;
        Ok(match row.try_get::<Option<String>, _>("response_json")? {
            Some(response) => Idempotency::Done {
                request_hash,
                response,
            },
            None => match stored {
                Some(ids) => Idempotency::Stored {
                    request_hash,
                    credential_ids: serde_json::from_str(&ids)
                        .map_err(|e| Error::Database(format!("credential_ids: {e}")))?,
                },
                None => Idempotency::InProgress { request_hash },
            },
        })
    }

    async fn complete_idempotency(
        &self,
        token_id: &str,
        key: &str,
        response: &str,
    ) -> Result<(), Error> {
        sqlx::query(
            "UPDATE idempotency_keys SET response_json = $1 WHERE token_id = $2 AND idem_key = $3",
        )
        .bind(response)
        .bind(token_id)
        .bind(key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn release_idempotency(&self, lease: &IdempotencyLease) -> Result<(), Error> {
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE token_id = $1 AND idem_key = $2 AND lease_id = $3 \
             AND response_json IS NULL AND credential_ids IS NULL",
        )
        .bind(&lease.token_id)
        .bind(&lease.key)
        .bind(&lease.lease_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

fn token_from_row(r: &AnyRow) -> Result<StoredToken, Error> {
    Ok(StoredToken {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        scopes: r.try_get("scopes")?,
        secret_hash: r.try_get("secret_hash")?,
        created_at: r.try_get("created_at")?,
        revoked_at: r.try_get("revoked_at")?,
    })
}

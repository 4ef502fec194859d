//! SQL for wallet claims: OID4VCI claim sessions, claim links and used nonces.

use async_trait::async_trait;
use sqlx::Row;

use super::{audit, SqlStore};
use crate::error::Error;
use crate::store::{
    Actor, ClaimLink, ClaimLookup, ClaimSession, ClaimUpdate, NewClaimSession, TxCodeCheck,
    WalletStore,
};

#[async_trait]
impl WalletStore for SqlStore {
    async fn insert_claim_session(
        &self,
        c: &NewClaimSession<'_>,
        actor: &Actor,
    ) -> Result<(), Error> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO claim_sessions (id, credential_id, offer_hash, pre_authorized_code_hash, exchange_hash, tx_code_hash, challenge, created_at, expires_at, state, created_by) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'offered', $10)",
        )
        .bind(c.id)
        .bind(c.credential_id)
        .bind(c.offer_hash)
        .bind(c.pre_authorized_code_hash)
        .bind(c.exchange_hash)
        .bind(c.tx_code_hash)
        .bind(c.challenge)
        .bind(c.created_at)
        .bind(c.expires_at)
        .bind(&actor.0)
        .execute(&mut *tx)
        .await?;
        let detail = serde_json::json!({
            "credential": c.credential_id,
            "txCode": c.tx_code_hash.is_some(),
            "expiresAt": c.expires_at,
        });
        audit(
            &mut tx,
            c.created_at,
            actor,
            "claim.offer",
            Some(c.id),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn claim_session(&self, by: ClaimLookup<'_>) -> Result<Option<ClaimSession>, Error> {
        let (column, value) = match by {
            ClaimLookup::Id(v) => ("id", v),
            ClaimLookup::Offer(v) => ("offer_hash", v),
            ClaimLookup::PreAuthorizedCode(v) => ("pre_authorized_code_hash", v),
            ClaimLookup::AccessToken(v) => ("access_token_hash", v),
            ClaimLookup::Exchange(v) => ("exchange_hash", v),
            ClaimLookup::Notification(v) => ("notification_id", v),
        };
        // `column` is one of the fixed names above, never input.
        let row = sqlx::query(&format!(
            "SELECT id, credential_id, tx_code_hash, tx_code_failures, access_token_expires_at, challenge, created_at, expires_at, state, claimed_at, holder_did, issued_credential_id, notification_event \
             FROM claim_sessions WHERE {column} = $1"
        ))
        .bind(value)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(ClaimSession {
                id: r.try_get("id")?,
                credential_id: r.try_get("credential_id")?,
                has_tx_code: r.try_get::<Option<String>, _>("tx_code_hash")?.is_some(),
                tx_code_failures: r.try_get("tx_code_failures")?,
                access_token_expires_at: r.try_get("access_token_expires_at")?,
                challenge: r.try_get("challenge")?,
                created_at: r.try_get("created_at")?,
                expires_at: r.try_get("expires_at")?,
                state: r.try_get("state")?,
                claimed_at: r.try_get("claimed_at")?,
                holder_did: r.try_get("holder_did")?,
                issued_credential_id: r.try_get("issued_credential_id")?,
                notification_event: r.try_get("notification_event")?,
            })
        })
        .transpose()
        .map_err(|e: sqlx::Error| Error::from(e))
    }

    async fn check_tx_code(
        &self,
        id: &str,
        tx_code_hash: &str,
        max_failures: i64,
        at: &str,
        actor: &Actor,
    ) -> Result<TxCodeCheck, Error> {
        let mut tx = self.write_tx().await?;
        // Counting first takes the row's write lock (PostgreSQL) or the database's (SQLite,
        // BEGIN IMMEDIATE) until commit: concurrent attempts run one after another.
        let row = sqlx::query(
            "UPDATE claim_sessions SET tx_code_failures = tx_code_failures + 1 \
             WHERE id = $1 AND state = 'offered' AND tx_code_failures < $2 \
             RETURNING tx_code_hash, tx_code_failures",
        )
        .bind(id)
        .bind(max_failures)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            tx.commit().await?;
            return Ok(TxCodeCheck::Closed);
        };
        let stored: Option<String> = row.try_get("tx_code_hash")?;
        let failures: i64 = row.try_get("tx_code_failures")?;
        let matches = stored.is_some_and(|s| {
            use subtle::ConstantTimeEq;
            bool::from(s.as_bytes().ct_eq(tx_code_hash.as_bytes()))
        });
        if matches {
            // The right code is not a failure: the attempt is given back.
            sqlx::query(
                "UPDATE claim_sessions SET tx_code_failures = tx_code_failures - 1 WHERE id = $1",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(TxCodeCheck::Matches);
        }
        let closed = failures >= max_failures;
        if closed {
            sqlx::query("UPDATE claim_sessions SET state = 'failed' WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        let detail = serde_json::json!({
            "failures": failures,
            "state": if closed { "failed" } else { "offered" },
        });
        audit(
            &mut tx,
            at,
            actor,
            "claim.tx_code_wrong",
            Some(id),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok(TxCodeCheck::Wrong { closed })
    }

    async fn update_claim_session(
        &self,
        id: &str,
        u: &ClaimUpdate<'_>,
        action: &str,
        at: &str,
        actor: &Actor,
    ) -> Result<bool, Error> {
        let mut tx = self.write_tx().await?;
        let from = |i: usize| u.from.get(i).or(u.from.first()).copied().unwrap_or("");
        let changed = sqlx::query(
            "UPDATE claim_sessions SET state = COALESCE($1, state), \
             access_token_hash = COALESCE($2, access_token_hash), \
             access_token_expires_at = COALESCE($3, access_token_expires_at), \
             holder_did = COALESCE($4, holder_did), \
             issued_credential_id = COALESCE($5, issued_credential_id), \
             notification_id = COALESCE($6, notification_id), \
             notification_event = COALESCE($7, notification_event), \
             claimed_at = COALESCE($8, claimed_at) \
             WHERE id = $9 AND state IN ($10, $11, $12) AND (CAST($13 AS TEXT) IS NULL OR expires_at > $13)",
        )
        .bind(u.state)
        .bind(u.access_token_hash)
        .bind(u.access_token_expires_at)
        .bind(u.holder_did)
        .bind(u.issued_credential_id)
        .bind(u.notification_id)
        .bind(u.notification_event)
        .bind(u.claimed_at)
        .bind(id)
        .bind(from(0))
        .bind(from(1))
        .bind(from(2))
        .bind(u.unexpired_at)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if changed {
            let detail = serde_json::json!({
                "state": u.state,
                "holder": u.holder_did,
                "credential": u.issued_credential_id,
                "event": u.notification_event,
            });
            audit(&mut tx, at, actor, action, Some(id), Some(&detail)).await?;
        }
        tx.commit().await?;
        Ok(changed)
    }

    async fn insert_claim_link(
        &self,
        token_hash: &str,
        credential_id: &str,
        created_at: &str,
        expires_at: &str,
        requested: bool,
    ) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO claim_links (token_hash, credential_id, created_at, expires_at, requested) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(credential_id)
        .bind(created_at)
        .bind(expires_at)
        .bind(i64::from(requested))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn claim_link(&self, token_hash: &str) -> Result<Option<ClaimLink>, Error> {
        let row = sqlx::query(
            "SELECT credential_id, expires_at, used_at FROM claim_links WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(ClaimLink {
                credential_id: r.try_get("credential_id")?,
                expires_at: r.try_get("expires_at")?,
                used_at: r.try_get("used_at")?,
            })
        })
        .transpose()
        .map_err(|e: sqlx::Error| Error::from(e))
    }

    async fn latest_claim_link(&self, credential_id: &str) -> Result<Option<String>, Error> {
        let row = sqlx::query(
            "SELECT MAX(created_at) AS latest FROM claim_links WHERE credential_id = $1 AND requested = 1",
        )
        .bind(credential_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get("latest")?)
    }

    async fn use_claim_link(&self, token_hash: &str, at: &str) -> Result<bool, Error> {
        let used = sqlx::query(
            "UPDATE claim_links SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(token_hash)
        .bind(at)
        .execute(&self.pool)
        .await?;
        Ok(used.rows_affected() == 1)
    }

    async fn use_nonce(&self, nonce_hash: &str, expires_at: &str, at: &str) -> Result<bool, Error> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM claim_nonces WHERE expires_at <= $1")
            .bind(at)
            .execute(&mut *tx)
            .await?;
        let first = sqlx::query(
            "INSERT INTO claim_nonces (nonce_hash, expires_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(nonce_hash)
        .bind(expires_at)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        tx.commit().await?;
        Ok(first)
    }
}

//! SQL for issued credentials: stored documents, search, share codes, recipient lookups.

use async_trait::async_trait;
use serde_json::Value;
use sqlx::Row;

use super::{
    audit, audit_many, placeholders, value_rows, Conditions, SqlStore, ROWS_PER_STATEMENT,
};
use crate::error::Error;
use crate::store::{
    Actor, CredentialFilter, CredentialMeta, CredentialStore, CredentialSummary, IdempotencyLease,
    NewCredential,
};

#[async_trait]
impl CredentialStore for SqlStore {
    async fn insert_credentials(
        &self,
        credentials: &[NewCredential<'_>],
        actor: &Actor,
    ) -> Result<Vec<bool>, Error> {
        let mut tx = self.write_tx().await?;
        let mut stored = Vec::with_capacity(credentials.len());
        for chunk in credentials.chunks(ROWS_PER_STATEMENT) {
            // One statement per chunk; a row key issued before (or earlier in the chunk) inserts
            // nothing and does not end the transaction.
            let sql = format!(
                "INSERT INTO credentials (id, achievement_id, recipient_lookup, recipient_did, document_json, valid_from, valid_until, issued_at, compact_jws, row_key, source_credential_id, recipient_name_key) \
                 VALUES {} ON CONFLICT (row_key) DO NOTHING RETURNING id",
                value_rows(chunk.len(), 12)
            );
            let mut query = sqlx::query(&sql);
            for c in chunk {
                query = query
                    .bind(c.id)
                    .bind(c.achievement_id)
                    .bind(c.recipient_lookup)
                    .bind(c.recipient_did)
                    .bind(c.document.to_string())
                    .bind(c.valid_from)
                    .bind(c.valid_until)
                    .bind(c.issued_at)
                    .bind(c.compact_jws)
                    .bind(c.row_key)
                    .bind(c.source_credential_id)
                    .bind(name_key(c.document));
            }
            let inserted: std::collections::HashSet<String> = query
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|r| r.try_get::<String, _>("id"))
                .collect::<Result<_, _>>()?;
            let mut entries = Vec::new();
            for c in chunk {
                let is_new = inserted.contains(c.id);
                stored.push(is_new);
                if is_new {
                    let format = if c.compact_jws.is_some() {
                        "jwt"
                    } else {
                        "json"
                    };
                    let mut detail =
                        serde_json::json!({"achievement": c.achievement_id, "format": format});
                    if let Some(source) = c.source_credential_id {
                        detail["copyOf"] = Value::String(source.to_owned());
                    }
                    entries.push((c.issued_at, "credential.issue", c.id, detail));
                }
            }
            audit_many(&mut tx, actor, &entries).await?;
        }
        // The credentials a request stored are recorded with its Idempotency-Key, in this
        // transaction and only while its lease holds: a request whose lease was taken over (it
        // ran past it) stores nothing, so a key never yields two credentials.
        let mut by_lease: Vec<(&IdempotencyLease, Vec<&str>)> = Vec::new();
        for (c, _) in credentials.iter().zip(&stored).filter(|(_, s)| **s) {
            let Some(lease) = c.lease else { continue };
            match by_lease.iter_mut().find(|(l, _)| *l == lease) {
                Some((_, ids)) => ids.push(c.id),
                None => by_lease.push((lease, vec![c.id])),
            }
        }
        for (lease, ids) in by_lease {
            let held = sqlx::query(
                "UPDATE idempotency_keys SET credential_ids = $1 \
                 WHERE token_id = $2 AND idem_key = $3 AND lease_id = $4 AND response_json IS NULL",
            )
            .bind(serde_json::json!(ids).to_string())
            .bind(&lease.token_id)
            .bind(&lease.key)
            .bind(&lease.lease_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if held != 1 {
                tx.rollback().await?;
                return Err(Error::IdempotencyInProgress);
            }
        }
        tx.commit().await?;
        Ok(stored)
    }

    async fn credential_for_row(&self, row_key: &str) -> Result<Option<String>, Error> {
        let row = sqlx::query("SELECT id FROM credentials WHERE row_key = $1")
            .bind(row_key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get("id")).transpose()?)
    }

    async fn credentials_for_rows(
        &self,
        row_keys: &[&str],
    ) -> Result<std::collections::HashMap<String, String>, Error> {
        let mut found = std::collections::HashMap::new();
        for chunk in row_keys.chunks(ROWS_PER_STATEMENT) {
            let sql = format!(
                "SELECT row_key, id FROM credentials WHERE row_key IN ({})",
                placeholders(1, chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for key in chunk {
                query = query.bind(*key);
            }
            for row in query.fetch_all(&self.pool).await? {
                found.insert(row.try_get("row_key")?, row.try_get("id")?);
            }
        }
        Ok(found)
    }

    async fn search_credentials(
        &self,
        f: &CredentialFilter,
    ) -> Result<Vec<CredentialSummary>, Error> {
        // Keyset pagination on (issued_at, id); every condition is a bound parameter.
        let mut sql =
            Conditions::new("SELECT id, achievement_id, issued_at, status FROM credentials");
        if let Some(r) = &f.recipient_lookup {
            sql.and("recipient_lookup = ?", &[r]);
        }
        if let Some(a) = &f.achievement_id {
            sql.and("achievement_id = ?", &[a]);
        }
        if let Some(name) = &f.recipient_name {
            // A part of the name, its LIKE wildcards escaped.
            let escaped = name_key_of(name)
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            sql.and(
                "recipient_name_key LIKE ? ESCAPE '\\'",
                &[&format!("%{escaped}%")],
            );
        }
        if let Some(from) = &f.issued_from {
            sql.and("issued_at >= ?", &[from]);
        }
        if let Some(before) = &f.issued_before {
            sql.and("issued_at < ?", &[before]);
        }
        if let Some((at, id)) = &f.after {
            sql.and(
                "(issued_at > ? OR (issued_at = ? AND id > ?))",
                &[at, at, id],
            );
        }
        let tail = format!(" ORDER BY issued_at, id LIMIT {}", f.limit.clamp(1, 500));
        let rows = sql.fetch_all(&tail, &self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(CredentialSummary {
                    id: r.try_get("id")?,
                    achievement_id: r.try_get("achievement_id")?,
                    issued_at: r.try_get("issued_at")?,
                    status: r.try_get("status")?,
                })
            })
            .collect()
    }

    async fn credential(&self, id: &str) -> Result<Option<Value>, Error> {
        let row = sqlx::query("SELECT document_json FROM credentials WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| {
            let text: String = r.try_get("document_json")?;
            serde_json::from_str(&text).map_err(|e| Error::Database(e.to_string()))
        })
        .transpose()
    }

    async fn credential_documents(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<(String, Value, bool)>, Error> {
        let rows = sqlx::query(
            "SELECT id, document_json, compact_jws FROM credentials WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let text: String = r.try_get("document_json")?;
                let document =
                    serde_json::from_str(&text).map_err(|e| Error::Database(e.to_string()))?;
                let jws: Option<String> = r.try_get("compact_jws")?;
                Ok((r.try_get("id")?, document, jws.is_some()))
            })
            .collect()
    }

    async fn replace_credential_document(
        &self,
        id: &str,
        document: &Value,
        action: &str,
        detail: &Value,
        at: &str,
        actor: &Actor,
    ) -> Result<bool, Error> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query("UPDATE credentials SET document_json = $1 WHERE id = $2")
            .bind(document.to_string())
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        if done {
            audit(&mut tx, at, actor, action, Some(id), Some(detail)).await?;
        }
        tx.commit().await?;
        Ok(done)
    }

    /// A stored credential's compact JWS, if it was issued as VC-JWT.
    async fn share_code(
        &self,
        credential_id: &str,
        candidate: &str,
        at: &str,
    ) -> Result<Option<String>, Error> {
        let existing = || async {
            let row = sqlx::query("SELECT code FROM share_links WHERE credential_id = $1")
                .bind(credential_id)
                .fetch_optional(&self.pool)
                .await?;
            Ok::<_, Error>(row.map(|r| r.try_get::<String, _>("code")).transpose()?)
        };
        // Every page view asks; only the first one writes.
        if let Some(code) = existing().await? {
            return Ok(Some(code));
        }
        // A credential keeps its first code (a racing writer's wins); a code taken by another
        // credential inserts nothing.
        sqlx::query(
            "INSERT INTO share_links (code, credential_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(candidate)
        .bind(credential_id)
        .bind(at)
        .execute(&self.pool)
        .await?;
        existing().await
    }

    async fn credential_for_share_code(&self, code: &str) -> Result<Option<String>, Error> {
        let row = sqlx::query("SELECT credential_id FROM share_links WHERE code = $1")
            .bind(code)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .map(|r| r.try_get::<String, _>("credential_id"))
            .transpose()?)
    }

    async fn credential_jws(&self, id: &str) -> Result<Option<String>, Error> {
        let row = sqlx::query("SELECT compact_jws FROM credentials WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .map(|r| r.try_get::<Option<String>, _>("compact_jws"))
            .transpose()?
            .flatten())
    }

    /// Ids of credentials whose recipient lookup hash is `lookup`.
    async fn credentials_for_recipient(&self, lookup: &str) -> Result<Vec<String>, Error> {
        let rows = sqlx::query(
            "SELECT id FROM credentials WHERE recipient_lookup = $1 ORDER BY issued_at",
        )
        .bind(lookup)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(r.try_get("id")?)).collect()
    }

    async fn credential_meta(&self, id: &str) -> Result<Option<CredentialMeta>, Error> {
        let row = sqlx::query(
            "SELECT achievement_id, recipient_lookup, source_credential_id FROM credentials WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(CredentialMeta {
                achievement_id: r.try_get("achievement_id")?,
                recipient_lookup: r.try_get("recipient_lookup")?,
                source_credential_id: r.try_get("source_credential_id")?,
            })
        })
        .transpose()
        .map_err(|e: sqlx::Error| Error::from(e))
    }
}

/// How a name is kept for searching: lower-cased, spaces collapsed.
fn name_key_of(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The searchable form of the name a credential states ('' when it states none).
pub(super) fn name_key(document: &Value) -> String {
    document
        .as_object()
        .and_then(cairn_verifier::identity::recipient_name)
        .map(name_key_of)
        .unwrap_or_default()
}

/// Fills `recipient_name_key` for credentials stored before the column existed (a few hundred
/// per statement round; nothing to do once every row has one).
pub(super) async fn backfill_name_keys(pool: &sqlx::AnyPool) -> Result<(), Error> {
    loop {
        let rows = sqlx::query(
            "SELECT id, document_json FROM credentials WHERE recipient_name_key IS NULL LIMIT 500",
        )
        .fetch_all(pool)
        .await?;
        if rows.is_empty() {
            return Ok(());
        }
        for r in &rows {
            let id: String = r.try_get("id")?;
            let text: String = r.try_get("document_json")?;
            let key = serde_json::from_str::<Value>(&text)
                .map(|d| name_key(&d))
                .unwrap_or_default();
            sqlx::query("UPDATE credentials SET recipient_name_key = $1 WHERE id = $2")
                .bind(key)
                .bind(id)
                .execute(pool)
                .await?;
        }
    }
}

//! SQL for status lists: index allocation, status changes and published lists.

use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{audit, SqlStore, ROWS_PER_STATEMENT};
use crate::error::Error;
use crate::store::{
    Actor, Allocation, CredentialState, StatusAction, StatusChange, StatusEntryRow, StatusStore,
    StoredStatusList,
};

#[async_trait]
impl StatusStore for SqlStore {
    async fn allocate_status_indexes(
        &self,
        base_url: &str,
        purposes: &[&str],
        size: i64,
        credential_ids: &[&str],
        at: &str,
    ) -> Result<Vec<Vec<Allocation>>, Error> {
        // One transaction for all credentials and purposes: one commit per batch, and either
        // every entry or none. PostgreSQL may end one of two racing transactions (deadlock, when both close a
        // full list at once); that attempt is simply run again.
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self
                .try_allocate(base_url, purposes, size, credential_ids, at)
                .await
            {
                Err(sqlx::Error::Database(e))
                    if attempt < 4 && matches!(e.code().as_deref(), Some("40P01" | "40001")) => {}
                other => return Ok(other?),
            }
        }
    }

    async fn status_entries(&self, credential_id: &str) -> Result<Vec<StatusEntryRow>, Error> {
        let rows = sqlx::query(&format!(
            "SELECT list_id, idx, purpose, is_set FROM status_entries WHERE credential_id = {} ORDER BY purpose",
            status_owner("$1")
        ))
        .bind(credential_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(status_entry_from_row).collect()
    }

    async fn change_status(
        &self,
        credential_id: &str,
        action: StatusAction,
        reason: Option<&str>,
        at: &str,
        actor: &Actor,
    ) -> Result<StatusChange, Error> {
        let mut tx = self.write_tx().await?;
        let rows = sqlx::query(&format!(
            "SELECT list_id, idx, purpose, is_set FROM status_entries WHERE credential_id = {}",
            status_owner("$1")
        ))
        .bind(credential_id)
        .fetch_all(&mut *tx)
        .await?;
        let entries: Vec<StatusEntryRow> = rows
            .iter()
            .map(status_entry_from_row)
            .collect::<Result<_, _>>()?;
        if entries.is_empty() {
            let stored = sqlx::query("SELECT 1 FROM credentials WHERE id = $1")
                .bind(credential_id)
                .fetch_optional(&mut *tx)
                .await?;
            return Err(match stored {
                Some(_) => Error::CredentialHasNoStatus(credential_id.to_owned()),
                None => Error::CredentialNotFound(credential_id.to_owned()),
            });
        }
        let is_set = |p: &str| entries.iter().any(|e| e.purpose == p && e.set);
        let before = if is_set("revocation") {
            CredentialState::Revoked
        } else if is_set("suspension") {
            CredentialState::Suspended
        } else {
            CredentialState::Active
        };
        // (purpose whose bit changes, new bit, state after)
        let change = match (action, before) {
            (StatusAction::Revoke, CredentialState::Revoked) => None,
            (StatusAction::Revoke, _) => Some(("revocation", true, CredentialState::Revoked)),
            (_, CredentialState::Revoked) => {
                return Err(Error::CredentialRevoked(credential_id.to_owned()))
            }
            (StatusAction::Suspend, CredentialState::Suspended)
            | (StatusAction::Reinstate, CredentialState::Active) => None,
            (StatusAction::Suspend, _) => Some(("suspension", true, CredentialState::Suspended)),
            (StatusAction::Reinstate, _) => Some(("suspension", false, CredentialState::Active)),
        };
        let mut changed_lists = Vec::new();
        let after = match change {
            None => before,
            Some((purpose, bit, after)) => {
                // Every entry of that purpose: a credential id signed twice (VC-API) has two.
                for StatusEntryRow { list_id, index, .. } in
                    entries.iter().filter(|e| e.purpose == purpose)
                {
                    sqlx::query(
                        "UPDATE status_entries SET is_set = $1 WHERE list_id = $2 AND idx = $3",
                    )
                    .bind(i64::from(bit))
                    .bind(list_id)
                    .bind(*index)
                    .execute(&mut *tx)
                    .await?;
                    sqlx::query("UPDATE status_lists SET version = version + 1 WHERE id = $1")
                        .bind(list_id)
                        .execute(&mut *tx)
                        .await?;
                    if !changed_lists.contains(list_id) {
                        changed_lists.push(list_id.clone());
                    }
                }
                if changed_lists.is_empty() {
                    return Err(Error::CredentialHasNoStatus(credential_id.to_owned()));
                }
                // A wallet copy shares its source's entries: the source and every copy change.
                let owner = status_owner("$2");
                sqlx::query(&format!(
                    "UPDATE credentials SET status = $1 WHERE id = {owner} OR source_credential_id = {owner}"
                ))
                .bind(after.name())
                    .bind(credential_id)
                    .execute(&mut *tx)
                    .await?;
                after
            }
        };
        // The reason stays here, in the audit log; the public list carries only the bit.
        let detail = serde_json::json!({
            "reason": reason,
            "from": before.name(),
            "to": after.name(),
            "changed": !changed_lists.is_empty(),
        });
        audit(
            &mut tx,
            at,
            actor,
            &format!("credential.{}", action.name()),
            Some(credential_id),
            Some(&detail),
        )
        .await?;
        tx.commit().await?;
        Ok(StatusChange {
            state: after,
            changed_lists,
        })
    }

    async fn status_list(&self, id: &str) -> Result<Option<StoredStatusList>, Error> {
        let row = sqlx::query(&format!(
            "SELECT {STATUS_LIST_COLUMNS} FROM status_lists WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| status_list_from_row(&r)).transpose()
    }

    async fn status_lists(&self) -> Result<Vec<StoredStatusList>, Error> {
        let rows = sqlx::query(&format!(
            "SELECT {STATUS_LIST_COLUMNS} FROM status_lists ORDER BY purpose, seq"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(status_list_from_row).collect()
    }

    async fn status_list_set_indexes(&self, id: &str) -> Result<Vec<i64>, Error> {
        let rows = sqlx::query("SELECT idx FROM status_entries WHERE list_id = $1 AND is_set = 1")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(|r| Ok(r.try_get("idx")?)).collect()
    }

    async fn store_published_list(
        &self,
        id: &str,
        version: i64,
        json: &str,
        etag: &str,
        published_at: &str,
        valid_until: &str,
    ) -> Result<bool, Error> {
        let done = sqlx::query(
            "UPDATE status_lists SET published_version = $1, published_json = $2, etag = $3, published_at = $4, valid_until = $5 \
             WHERE id = $6 AND (published_version IS NULL OR published_version <= $1)",
        )
        .bind(version)
        .bind(json)
        .bind(etag)
        .bind(published_at)
        .bind(valid_until)
        .bind(id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

/// SQL for the credential whose status entries the credential `param` names uses: the source
/// of a wallet copy (copies always name the original), otherwise itself.
fn status_owner(param: &str) -> String {
    format!(
        "(SELECT COALESCE(MAX(source_credential_id), {param}) FROM credentials WHERE id = {param})"
    )
}

/// Random draws for a free index before a list counts as full: at a fill ratio f all of them
/// collide with probability f^64, so a list fills to about 95 % before the next one opens.
const INDEX_DRAWS: usize = 64;

const STATUS_LIST_COLUMNS: &str = "id, purpose, seq, size, version, published_version, published_json, etag, published_at, valid_until";

impl SqlStore {
    /// One attempt of [`StatusStore::allocate_status_indexes`]: for each purpose, every credential
    /// still without an entry draws a random index, all of them in one statement per round
    /// (`ON CONFLICT DO NOTHING RETURNING` says who got theirs); after [`INDEX_DRAWS`] rounds
    /// with someone still waiting, the list counts as full and the next one opens.
    async fn try_allocate(
        &self,
        base_url: &str,
        purposes: &[&str],
        size: i64,
        credential_ids: &[&str],
        at: &str,
    ) -> Result<Vec<Vec<Allocation>>, sqlx::Error> {
        use rand::Rng;
        let mut tx = self.write_tx().await?;
        let mut out: Vec<Vec<Allocation>> = vec![Vec::new(); credential_ids.len()];
        let position: std::collections::HashMap<&str, usize> = credential_ids
            .iter()
            .enumerate()
            .map(|(i, id)| (*id, i))
            .collect();
        for purpose in purposes {
            let (mut list_id, mut list_size) =
                open_list(&mut tx, base_url, purpose, size, at).await?;
            let mut waiting: Vec<usize> = (0..credential_ids.len()).collect();
            let mut rounds = 0;
            while !waiting.is_empty() {
                if rounds == INDEX_DRAWS {
                    sqlx::query("UPDATE status_lists SET is_full = 1 WHERE id = $1")
                        .bind(&list_id)
                        .execute(&mut *tx)
                        .await?;
                    (list_id, list_size) = open_list(&mut tx, base_url, purpose, size, at).await?;
                    rounds = 0;
                }
                rounds += 1;
                let mut placed = std::collections::HashSet::new();
                for chunk in waiting.chunks(ROWS_PER_STATEMENT) {
                    let rows: Vec<String> = (0..chunk.len())
                        .map(|i| format!("($1, ${}, ${}, $2, 0)", 3 + 2 * i, 4 + 2 * i))
                        .collect();
                    let sql = format!(
                        "INSERT INTO status_entries (list_id, idx, credential_id, purpose, is_set) VALUES {} \
                         ON CONFLICT (list_id, idx) DO NOTHING RETURNING idx, credential_id",
                        rows.join(", ")
                    );
                    let mut query = sqlx::query(&sql).bind(&list_id).bind(*purpose);
                    for &i in chunk {
                        // BSL v1.0 §6.1 (herd privacy): the index is drawn at random, not in order.
                        let index = rand::thread_rng().gen_range(0..list_size.max(1));
                        query = query.bind(index).bind(credential_ids[i]);
                    }
                    for row in query.fetch_all(&mut *tx).await? {
                        let id: String = row.try_get("credential_id")?;
                        let index: i64 = row.try_get("idx")?;
                        if let Some(&i) = position.get(id.as_str()) {
                            if placed.insert(i) {
                                out[i].push(Allocation {
                                    list_id: list_id.clone(),
                                    index,
                                });
                            }
                        }
                    }
                }
                waiting.retain(|i| !placed.contains(i));
            }
        }
        tx.commit().await?;
        Ok(out)
    }
}

/// The open list of `purpose` (id, size), opening the next one when none has room; when two
/// instances race, the (purpose, seq) key lets one win and both then use it.
async fn open_list(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    base_url: &str,
    purpose: &str,
    size: i64,
    at: &str,
) -> Result<(String, i64), sqlx::Error> {
    loop {
        let row = sqlx::query(
            "SELECT id, size FROM status_lists WHERE purpose = $1 AND is_full = 0 ORDER BY seq LIMIT 1",
        )
        .bind(purpose)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(row) = row {
            return Ok((row.try_get("id")?, row.try_get("size")?));
        }
        let row = sqlx::query(
            "SELECT COALESCE(MAX(seq), 0) AS last FROM status_lists WHERE purpose = $1",
        )
        .bind(purpose)
        .fetch_one(&mut **tx)
        .await?;
        let seq: i64 = row.try_get::<i64, _>("last")? + 1;
        sqlx::query(
            "INSERT INTO status_lists (id, purpose, seq, size, is_full, version, created_at) \
             VALUES ($1, $2, $3, $4, 0, 0, $5) ON CONFLICT DO NOTHING",
        )
        .bind(format!("{base_url}/{purpose}/{seq}"))
        .bind(purpose)
        .bind(seq)
        .bind(size)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    }
}

fn status_entry_from_row(r: &AnyRow) -> Result<StatusEntryRow, Error> {
    Ok(StatusEntryRow {
        list_id: r.try_get("list_id")?,
        index: r.try_get("idx")?,
        purpose: r.try_get("purpose")?,
        set: r.try_get::<i64, _>("is_set")? != 0,
    })
}

fn status_list_from_row(r: &AnyRow) -> Result<StoredStatusList, Error> {
    Ok(StoredStatusList {
        id: r.try_get("id")?,
        purpose: r.try_get("purpose")?,
        seq: r.try_get("seq")?,
        size: r.try_get("size")?,
        version: r.try_get("version")?,
        published_version: r.try_get("published_version")?,
        published_json: r.try_get("published_json")?,
        etag: r.try_get("etag")?,
        published_at: r.try_get("published_at")?,
        valid_until: r.try_get("valid_until")?,
    })
}

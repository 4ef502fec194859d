//! The SQL implementation of [`Store`]: one set of queries for SQLite and PostgreSQL through
//! sqlx's `Any` driver, with each backend's own migrations.
//!
//! The embedded default is an SQLite file in WAL mode; PostgreSQL serves several instances.
//! Every state change writes its audit entry in the same transaction.

use std::str::FromStr;

use async_trait::async_trait;
use serde_json::Value;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{AnyPool, Row};

use super::{
    Actor, Allocation, ClaimLink, ClaimLookup, ClaimSession, ClaimUpdate, CredentialFilter,
    CredentialMeta, CredentialState, CredentialSummary, Idempotency, NewClaimSession,
    NewCredential, StatusAction, StatusChange, StatusEntryRow, Store, StoredAchievement, StoredKey,
    StoredStatusList, StoredToken,
};
use crate::error::Error;

/// Which database a [`SqlStore`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database behind one issuer.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl SqlStore {
    /// Opens (creating an SQLite file if asked) the database at `url` and applies migrations.
    /// `sqlite:FILE` or `postgres://…`.
    pub async fn open(url: &str, create: bool) -> Result<Self, Error> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(Error::Database(format!(
                "unsupported database url {:?}: use sqlite:FILE or postgres://…",
                redact_url(url)
            )));
        };
        let pool = match backend {
            Backend::Sqlite => Self::sqlite_pool(url, create).await?,
            Backend::Postgres => {
                let options = AnyConnectOptions::from_str(url)?;
                AnyPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(std::time::Duration::from_secs(10))
                    .connect_with(options)
                    .await?
            }
        };
        match backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&pool).await?,
        }
        Ok(SqlStore { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// sqlx's SQLite defaults are WAL journaling, foreign keys on and a 5 s busy timeout;
    /// `synchronous` stays FULL.
    async fn sqlite_pool(url: &str, create: bool) -> Result<AnyPool, Error> {
        let mode = if create { "rwc" } else { "rw" };
        let sep = if url.contains('?') { '&' } else { '?' };
        let options = AnyConnectOptions::from_str(&format!("{url}{sep}mode={mode}"))?;
        // Each connection to an in-memory database is a separate database: keep one.
        let max = if url.contains(":memory:") { 1 } else { 4 };
        Ok(AnyPoolOptions::new()
            .max_connections(max)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    // A 32 MiB page cache per connection (SQLite's default is 2 MiB): the
                    // indexes of a large issuer (random ids, row keys and status indexes) stay
                    // in memory, so a bulk run does not slow down as the file grows.
                    sqlx::query("PRAGMA cache_size = -32768")
                        .execute(conn)
                        .await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await?)
    }
}

/// Rows per multi-row statement: one round trip for many rows, while the parameters stay few
/// (sqlx's SQLite binding looks each parameter up by name, which grows with the square of their
/// number; both databases' limits are far above 64 × 11).
const ROWS_PER_STATEMENT: usize = 64;

/// `$first, $first+1, …` (`count` placeholders).
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `($1, …, $width), ($width+1, …), …`: `rows` rows of `width` parameters.
fn value_rows(rows: usize, width: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", placeholders(r * width + 1, width)))
        .collect::<Vec<_>>()
        .join(", ")
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
    /// A transaction that will write after reading: SQLite takes the write lock at the start
    /// (`BEGIN IMMEDIATE`, waiting up to the busy timeout), because a read transaction that
    /// later writes fails at once with "database is locked" when another connection wrote
    /// meanwhile.
    async fn write_tx(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// One attempt of [`Store::allocate_status_indexes`]: for each purpose, every credential
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

/// A database URL without its password, for messages.
pub(crate) fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[async_trait]
impl Store for SqlStore {
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

    /// Finds an achievement by slug or id.
    async fn achievement(&self, slug_or_id: &str) -> Result<Option<StoredAchievement>, Error> {
        let row = sqlx::query(
            "SELECT id, slug, achievement_json, archived, created_at FROM achievements WHERE slug = $1 OR id = $2",
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
            "SELECT id, slug, achievement_json, archived, created_at FROM achievements ORDER BY created_at, slug",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(achievement_from_row).collect()
    }

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
                "INSERT INTO credentials (id, achievement_id, recipient_lookup, recipient_did, document_json, valid_from, valid_until, issued_at, compact_jws, row_key, source_credential_id) \
                 VALUES {} ON CONFLICT (row_key) DO NOTHING RETURNING id",
                value_rows(chunk.len(), 11)
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
                    .bind(c.source_credential_id);
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
        tx.commit().await?;
        Ok(stored)
    }

    /// A stored credential document by id.
    async fn search_credentials(
        &self,
        f: &CredentialFilter,
    ) -> Result<Vec<CredentialSummary>, Error> {
        // Keyset pagination on (issued_at, id); every condition is a bound parameter.
        let mut sql = String::from(
            "SELECT id, achievement_id, issued_at, status FROM credentials WHERE 1 = 1",
        );
        let mut binds: Vec<String> = Vec::new();
        let mut add = |clause: &str, values: &[&str]| {
            let mut c = clause.to_owned();
            for v in values {
                binds.push((*v).to_owned());
                c = c.replacen('?', &format!("${}", binds.len()), 1);
            }
            sql.push_str(&c);
        };
        if let Some(r) = &f.recipient_lookup {
            add(" AND recipient_lookup = ?", &[r]);
        }
        if let Some(a) = &f.achievement_id {
            add(" AND achievement_id = ?", &[a]);
        }
        if let Some(from) = &f.issued_from {
            add(" AND issued_at >= ?", &[from]);
        }
        if let Some(before) = &f.issued_before {
            add(" AND issued_at < ?", &[before]);
        }
        if let Some((at, id)) = &f.after {
            add(
                " AND (issued_at > ? OR (issued_at = ? AND id > ?))",
                &[at, at, id],
            );
        }
        sql.push_str(&format!(
            " ORDER BY issued_at, id LIMIT {}",
            f.limit.clamp(1, 500)
        ));
        let mut query = sqlx::query(&sql);
        for b in &binds {
            query = query.bind(b);
        }
        let rows = query.fetch_all(&self.pool).await?;
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

    /// The audit log, oldest first: (at, actor, action, subject).
    async fn audit_log(&self) -> Result<Vec<(String, String, String, Option<String>)>, Error> {
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

    async fn record_event(
        &self,
        action: &str,
        subject: Option<&str>,
        at: &str,
        actor: &Actor,
    ) -> Result<(), Error> {
        let mut tx = self.write_tx().await?;
        audit(&mut tx, at, actor, action, subject, None).await?;
        tx.commit().await?;
        Ok(())
    }

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
        token_id: &str,
        key: &str,
        request_hash: &str,
        at: &str,
    ) -> Result<Idempotency, Error> {
        // The primary key makes the first insert win; a later one finds the earlier row.
        let inserted = sqlx::query(
            "INSERT INTO idempotency_keys (token_id, idem_key, request_hash, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (token_id, idem_key) DO NOTHING",
        )
        .bind(token_id)
        .bind(key)
        .bind(request_hash)
        .bind(at)
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 1 {
            return Ok(Idempotency::Reserved);
        }
        let row = sqlx::query(
            "SELECT request_hash, response_json FROM idempotency_keys WHERE token_id = $1 AND idem_key = $2",
        )
        .bind(token_id)
        .bind(key)
        .fetch_one(&self.pool)
        .await?;
        let request_hash: String = row.try_get("request_hash")?;
        Ok(match row.try_get::<Option<String>, _>("response_json")? {
            Some(response) => Idempotency::Done {
                request_hash,
                response,
            },
            None => Idempotency::InProgress { request_hash },
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

    async fn release_idempotency(&self, token_id: &str, key: &str) -> Result<(), Error> {
        sqlx::query(
            "DELETE FROM idempotency_keys WHERE token_id = $1 AND idem_key = $2 AND response_json IS NULL",
        )
        .bind(token_id)
        .bind(key)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

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

    async fn claim_tx_code_matches(&self, id: &str, tx_code_hash: &str) -> Result<bool, Error> {
        let row = sqlx::query("SELECT tx_code_hash FROM claim_sessions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let stored: Option<String> = match row {
            Some(r) => r.try_get("tx_code_hash")?,
            None => None,
        };
        Ok(stored.is_some_and(|s| {
            use subtle::ConstantTimeEq;
            bool::from(s.as_bytes().ct_eq(tx_code_hash.as_bytes()))
        }))
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
             claimed_at = COALESCE($8, claimed_at), \
             tx_code_failures = tx_code_failures + $9 \
             WHERE id = $10 AND state IN ($11, $12, $13) AND (CAST($14 AS TEXT) IS NULL OR expires_at > $14)",
        )
        .bind(u.state)
        .bind(u.access_token_hash)
        .bind(u.access_token_expires_at)
        .bind(u.holder_did)
        .bind(u.issued_credential_id)
        .bind(u.notification_id)
        .bind(u.notification_event)
        .bind(u.claimed_at)
        .bind(i64::from(u.tx_code_failure))
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

fn achievement_from_row(r: &AnyRow) -> Result<StoredAchievement, Error> {
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

/// Several audit entries by one actor, (at, action, subject, detail) each, in one statement.
async fn audit_many(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    actor: &Actor,
    entries: &[(&str, &str, &str, Value)],
) -> Result<(), Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO audit_log (at, actor, action, subject, detail_json) VALUES {}",
        value_rows(entries.len(), 5)
    );
    let mut query = sqlx::query(&sql);
    for (at, action, subject, detail) in entries {
        query = query
            .bind(*at)
            .bind(&actor.0)
            .bind(*action)
            .bind(*subject)
            .bind(detail.to_string());
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

async fn audit(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    at: &str,
    actor: &Actor,
    action: &str,
    subject: Option<&str>,
    detail: Option<&Value>,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor, action, subject, detail_json) VALUES ($1, $2, $3, $4, $5)",
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

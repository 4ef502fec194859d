//! The SQL implementation of the store traits: one set of queries for SQLite and PostgreSQL through
//! sqlx's `Any` driver, with each backend's own migrations.
//!
//! The embedded default is an SQLite file in WAL mode; PostgreSQL serves several instances.
//! Every state change writes its audit entry in the same transaction. One file per aggregate,
//! as the traits are split.

mod achievements;
mod audit;
mod credentials;
mod evidence;
mod keys;
mod settings;
mod staff;
mod status;
mod tokens;
mod wallet;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde_json::Value;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::AnyPool;

use super::Actor;
use crate::error::Error;

/// Which database a [`SqlStore`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file (the embedded default).
    Sqlite,
    /// A PostgreSQL server (for several instances).
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
        credentials::backfill_name_keys(&pool).await?;
        Ok(SqlStore { pool, backend })
    }

    /// Which database this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// WAL journaling, foreign keys on and a 5 s busy timeout, each set on every connection:
    /// sqlx's `Any` driver does not apply the SQLite driver's defaults (files made before this
    /// were left in rollback-journal mode). `synchronous` stays FULL.
    async fn sqlite_pool(url: &str, create: bool) -> Result<AnyPool, Error> {
        if let Some(file) = sqlite_file(url) {
            owner_only(&file, create)?;
        }
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
                        .execute(&mut *conn)
                        .await?;
                    // Readers never wait for the writer; the mode is kept in the file.
                    for pragma in [
                        "PRAGMA journal_mode = WAL",
                        "PRAGMA foreign_keys = ON",
                        "PRAGMA busy_timeout = 5000",
                    ] {
                        sqlx::query(pragma).execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?)
    }
}

/// The file an SQLite URL names (`sqlite:PATH`, `sqlite://PATH?…`), or None in memory.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite:")?;
    let path = rest.trim_start_matches("//").split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

/// The database and its WAL, shared-memory and journal files readable by the owner only (0600),
/// as the keys are. A new database file is created 0600 before SQLite opens it (SQLite gives the
/// `-wal` and `-shm` files the database file's mode) and a new folder for it 0700; files left
/// readable by others (an older Cairn, a copy) are tightened on open.
fn owner_only(db: &Path, create: bool) -> Result<(), Error> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    let io = |p: &Path, e: std::io::Error| Error::Io(p.to_path_buf(), e.to_string());
    if create && !db.exists() {
        if let Some(dir) = db
            .parent()
            .filter(|d| !d.as_os_str().is_empty() && !d.exists())
        {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| io(dir, e))?;
        }
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(db)
            .map_err(|e| io(db, e))?;
    }
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let path = PathBuf::from(format!("{}{suffix}", db.display()));
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| io(&path, e))?;
        }
    }
    Ok(())
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

/// A search's SQL: a `SELECT … WHERE 1 = 1` and the conditions added to it, each `?` of a
/// condition becoming the next placeholder (`$1`, `$2`, …) with its value bound in order; no
/// value is ever written into the SQL.
pub(super) struct Conditions {
    sql: String,
    binds: Vec<String>,
}

impl Conditions {
    pub(super) fn new(select: &str) -> Self {
        Conditions {
            sql: format!("{select} WHERE 1 = 1"),
            binds: Vec::new(),
        }
    }

    /// Adds ` AND {clause}`, binding `values` to its `?`s in order.
    pub(super) fn and(&mut self, clause: &str, values: &[&str]) {
        let mut c = format!(" AND {clause}");
        for v in values {
            self.binds.push((*v).to_owned());
            c = c.replacen('?', &format!("${}", self.binds.len()), 1);
        }
        self.sql.push_str(&c);
    }

    /// Ends the SQL (ORDER BY, LIMIT: no values) and runs it.
    pub(super) async fn fetch_all(
        mut self,
        tail: &str,
        pool: &sqlx::AnyPool,
    ) -> Result<Vec<sqlx::any::AnyRow>, sqlx::Error> {
        self.sql.push_str(tail);
        let mut query = sqlx::query(&self.sql);
        for b in &self.binds {
            query = query.bind(b);
        }
        query.fetch_all(pool).await
    }
}

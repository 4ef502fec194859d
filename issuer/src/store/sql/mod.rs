//! The SQL implementation of the store traits: one set of queries for SQLite and PostgreSQL through
//! sqlx's `Any` driver, with each backend's own migrations.
//!
//! The embedded default is an SQLite file in WAL mode; PostgreSQL serves several instances.
//! Every state change writes its audit entry in the same transaction. One file per aggregate,
//! as the traits are split.

mod achievements;
mod audit;
mod credentials;
mod keys;
mod status;
mod tokens;
mod wallet;

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
        Ok(SqlStore { pool, backend })
    }

    /// Which database this store talks to.
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

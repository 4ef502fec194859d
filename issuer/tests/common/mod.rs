//! Shared by the integration tests: a fresh PostgreSQL schema per run, or a printed notice when
//! no server answers (a failure instead when `CAIRN_REQUIRE_POSTGRES=1`).
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)] // Test code.

use sqlx::Connection;

const DEFAULT_PG: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A fresh PostgreSQL schema for this run, or None (with a notice) when no server answers.
pub async fn postgres_url() -> Option<(String, String)> {
    let base = std::env::var("CAIRN_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_PG.to_owned());
    let required = std::env::var("CAIRN_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    let mut conn = match sqlx::PgConnection::connect(&base).await {
        Ok(c) => c,
        Err(e) if !required => {
            eprintln!("NOTICE: PostgreSQL at {base} did not answer ({e}); the PostgreSQL half of this suite is skipped");
            return None;
        }
        Err(e) => panic!("CAIRN_REQUIRE_POSTGRES=1 but PostgreSQL at {base} did not answer: {e}"),
    };
    let schema = format!("cairn_test_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut conn)
        .await
        .expect("create schema");
    let sep = if base.contains('?') { '&' } else { '?' };
    Some((
        format!("{base}{sep}options=-c%20search_path%3D{schema}"),
        schema,
    ))
}

pub async fn drop_schema(schema: &str) {
    let base = std::env::var("CAIRN_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_PG.to_owned());
    if let Ok(mut conn) = sqlx::PgConnection::connect(&base).await {
        let _ = sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
            .execute(&mut conn)
            .await;
    }
}

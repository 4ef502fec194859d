//! Shared by the integration tests: a fresh PostgreSQL schema per run, or a printed notice when
//! no server answers (a failure instead when `CAIRN_REQUIRE_POSTGRES=1`); the official OB 3.0
//! schema; the documents a verifier would fetch from an issuer.
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

/// The official OB 3.0 AchievementCredential JSON Schema.
pub fn ob_schema() -> jsonschema::Validator {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/spec/achievementcredential.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (CI provides ../shared)", path.display()));
    let schema: serde_json::Value = serde_json::from_str(&text).expect("json");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft201909)
        .build(&schema)
        .expect("schema compiles")
}

/// The schema errors of `credential`, but for the one known difference: OB 3.0's schema allows a
/// single credentialStatus object, and Cairn's default is two entries (revocation and
/// suspension) as VC 2.0 §4.10 allows. `issuer.rs::single_status_purpose_matches_the_schema`
/// covers the schema's form.
pub fn schema_errors(
    schema: &jsonschema::Validator,
    credential: &serde_json::Value,
) -> Vec<String> {
    schema
        .iter_errors(credential)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .filter(|e| {
            !(e.starts_with("/credentialStatus: [") && e.ends_with("is not of type \"object\""))
        })
        .collect()
}

/// Serves what a verifier would fetch from `issuer`: its DID document (did:web) and every
/// status list as currently published.
pub async fn published_documents(issuer: &cairn_issuer::Issuer) -> cairn_verifier::OfflineResolver {
    let mut r = cairn_verifier::OfflineResolver::new();
    if issuer.id().starts_with("did:web:") {
        let url = cairn_issuer::did_web_document_url(issuer.id()).expect("url");
        r.insert(&url, issuer.did_document().await.expect("doc").to_string());
    }
    for list in issuer.store().status_lists().await.expect("lists") {
        let published = issuer
            .current_status_list(&list.id, chrono::Utc::now())
            .await
            .expect("list");
        r.insert(&list.id, published.json);
    }
    r
}

/// A fresh did:key issuer in `dir` (new key, embedded SQLite) with this name and public URL.
pub async fn did_key_issuer(
    dir: &std::path::Path,
    name: &str,
    url: Option<&str>,
) -> cairn_issuer::Issuer {
    cairn_issuer::Issuer::init(
        dir,
        cairn_issuer::InitOptions {
            name: name.into(),
            url: url.map(str::to_owned),
            identity: cairn_issuer::IdentityKind::DidKey,
            key: None,
            database_url: None,
        },
        &cairn_issuer::Actor("test".into()),
    )
    .await
    .expect("init")
}

/// An example achievement definition from `examples/achievements/` (JSON or TOML by extension).
pub fn example_achievement(file: &str) -> cairn_issuer::AchievementDefinition {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples/achievements")
        .join(file);
    let format = path.extension().and_then(|e| e.to_str()).map(str::to_owned);
    cairn_issuer::AchievementDefinition::parse(
        &std::fs::read_to_string(&path).expect("read the example achievement"),
        format.as_deref(),
    )
    .expect("the example achievement parses")
}

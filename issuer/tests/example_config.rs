//! `keys.example/` stays consistent: its config parses and names the did:key of its key.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::PathBuf;

#[test]
fn example_config_matches_the_example_key() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../keys.example");
    let loaded = cairn_issuer::LoadedConfig::load(&dir.join("cairn.toml")).expect("parses");
    let pem = std::fs::read_to_string(dir.join("key-1.ed25519.pem")).expect("key");
    let key = cairn_issuer::IssuerKey::from_pem("key-1", &pem, &dir).expect("pkcs8");
    let did = format!(
        "did:key:{}",
        cairn_verifier::encode_multikey(&key.verifying_key())
    );
    assert_eq!(loaded.config.issuer.id, did);
    assert_eq!(loaded.config.keys.signing_key, "key-1");
}

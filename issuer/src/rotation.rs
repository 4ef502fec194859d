//! The issuer's keys over time: an RSA key added for RS256, the Ed25519 signing key rotated (the
//! old one retired but still published), and the JWK Set of every key.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use serde_json::{json, Value};

use crate::credential::rfc3339;
use crate::error::Error;
use crate::keys::{IssuerKey, RsaIssuerKey};
use crate::store::{Actor, StoredKey};
use crate::{decode_stored_key, did, keys, write_config, Issuer};

impl Issuer {
    /// The key that signs now (a rotation in this process swaps it for the next signature).
    pub(crate) fn signing_key(&self) -> Arc<IssuerKey> {
        match self.key.read() {
            Ok(key) => key.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    pub(crate) fn stored_rsa_key(&self, rsa: &RsaIssuerKey) -> StoredKey {
        StoredKey {
            key_id: rsa.key_id().to_owned(),
            algorithm: "RS256".to_owned(),
            verification_method: did::rsa_verification_method(self.id(), rsa.key_id()),
            public_key: Value::Object(rsa.public_jwk().clone()).to_string(),
            status: "active".to_owned(),
        }
    }

    /// The first `PREFIX-N` (N from `first`) that no key row and no key file in the key folder
    /// uses: retired keys keep their ids.
    pub(crate) async fn free_key_id(
        &self,
        prefix: &str,
        first: u32,
        file: fn(&Path, &str) -> PathBuf,
    ) -> Result<String, Error> {
        let taken: Vec<String> = self
            .store
            .public_keys()
            .await?
            .into_iter()
            .map(|k| k.key_id)
            .collect();
        let dir = self.config.key_dir();
        Ok((first..)
            .map(|n| format!("{prefix}-{n}"))
            .find(|id| !taken.contains(id) && !file(&dir, id).exists())
            .unwrap_or_else(|| format!("{prefix}-{first}")))
    }

    /// Gives an issuer that has none an RSA-2048 key for RS256 VC-JWT (`cairn key add --type rsa`):
    /// writes the key file (0600), records the public key and updates `cairn.toml`.
    pub async fn add_rsa_key(&mut self, actor: &Actor) -> Result<String, Error> {
        if let Some(existing) = &self.config.config.keys.rsa_key {
            return Err(Error::KeyExists(existing.clone()));
        }
        // The first rsa-N id that no key row or key file uses (retired keys keep their ids).
        let key_id = self.free_key_id("rsa", 1, keys::rsa_key_path).await?;
        let key_id = key_id.as_str();
        let path = keys::rsa_key_path(&self.config.key_dir(), key_id);
        let (rsa, pem) = RsaIssuerKey::generate(key_id)?;
        keys::write_secret_file(&path, &pem)?;
        let stored = self.stored_rsa_key(&rsa);
        self.store
            .insert_public_key(self.id(), &stored, &rfc3339(self.now()), actor)
            .await?;
        let mut config = self.config.config.clone();
        config.keys.rsa_key = Some(key_id.to_owned());
        write_config(&self.config.path, &config)?;
        self.config.config = config;
        self.rsa = Some(rsa);
        Ok(stored.verification_method)
    }

    /// Rotates the Ed25519 signing key (`cairn key rotate`, the console's Keys page): a new key
    /// signs from now on — in this process at once, in other instances sharing the key folder
    /// within `follow_key_rotation`'s next run —; the old one is marked retired but stays in the
    /// DID document and JWKS, so every credential it signed still verifies. did:key issuers
    /// cannot rotate: their id is their key.
    pub async fn rotate_signing_key(&self, actor: &Actor) -> Result<String, Error> {
        let _one_at_a_time = self.rotation.lock().await;
        if !self.id().starts_with("did:web:") {
            return Err(Error::input(
                "key",
                "a did:key issuer's identity is its key, so it cannot rotate; use a did:web issuer",
            ));
        }
        let key_id = self.free_key_id("key", 2, keys::key_path).await?;
        let key = IssuerKey::generate(&key_id);
        keys::write_key(&self.config.key_dir(), &key)?;
        let stored = StoredKey {
            key_id: key_id.clone(),
            algorithm: "Ed25519".to_owned(),
            verification_method: did::verification_method(self.id(), &key_id, &key.verifying_key()),
            public_key: cairn_verifier::encode_multikey(&key.verifying_key()),
            status: "active".to_owned(),
        };
        let old = self.signing_key().key_id().to_owned();
        self.store
            .rotate_key(self.id(), &stored, &old, &rfc3339(self.now()), actor)
            .await?;
        // cairn.toml names the new key for the next start; the in-memory config is only read
        // at start.
        let mut config = self.config.config.clone();
        config.keys.signing_key = key_id;
        write_config(&self.config.path, &config)?;
        if let Ok(mut current) = self.key.write() {
            *current = Arc::new(key);
        }
        Ok(stored.verification_method)
    }

    /// Follows a rotation made by another instance on the same database: when the active
    /// Ed25519 key there is not the one this process signs with, its key file is loaded from
    /// the key folder (shared by the instances) and signs from then on. Says whether it changed.
    pub async fn follow_key_rotation(&self) -> Result<bool, Error> {
        let active = self
            .store
            .public_keys()
            .await?
            .into_iter()
            .find(|k| k.algorithm == "Ed25519" && k.status == "active");
        let Some(active) = active else {
            return Ok(false);
        };
        if active.key_id == self.signing_key().key_id() {
            return Ok(false);
        }
        let key = keys::load_key(&self.config.key_dir(), &active.key_id)?;
        if let Ok(mut current) = self.key.write() {
            *current = Arc::new(key);
        }
        Ok(true)
    }

    /// The issuer's public keys as a JWK Set (RFC 7517 §5), each with its `kid`.
    pub async fn jwks(&self) -> Result<Value, Error> {
        let mut keys = Vec::new();
        for k in self.store.public_keys().await? {
            let mut jwk = if k.algorithm == "RS256" {
                serde_json::from_str::<serde_json::Map<String, Value>>(&k.public_key)
                    .map_err(|e| Error::Database(e.to_string()))?
            } else {
                let key = decode_stored_key(&k)?;
                let x = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key.as_bytes());
                serde_json::Map::from_iter([
                    ("kty".to_owned(), json!("OKP")),
                    ("crv".to_owned(), json!("Ed25519")),
                    ("x".to_owned(), json!(x)),
                ])
            };
            jwk.insert("kid".into(), k.key_id.clone().into());
            jwk.insert(
                "alg".into(),
                json!(if k.algorithm == "RS256" {
                    "RS256"
                } else {
                    "EdDSA"
                }),
            );
            jwk.insert("use".into(), json!("sig"));
            keys.push(Value::Object(jwk));
        }
        Ok(json!({ "keys": keys }))
    }
}

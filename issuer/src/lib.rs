//! Cairn's issuer: everything that needs a private key or the database.
//!
//! The public interface is [`Issuer`] (create with [`Issuer::init`], open with [`Issuer::open`]),
//! the inputs [`InitOptions`], [`AchievementDefinition`] and [`IssueRequest`], and [`Error`].
//! Every credential is verified with `cairn-verifier` before it is stored.

mod achievement;
mod config;
mod credential;
mod did;
mod error;
mod keys;
mod store;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cairn_verifier::{GeneralCanonicalizer, OfflineResolver, PendingProof, Verdict, VerifyOptions};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

pub use achievement::AchievementDefinition;
pub use config::{
    Config, DatabaseSection, IssuerSection, KeysSection, LoadedConfig, ENV_DATABASE_URL,
};
pub use credential::{recipient_lookup, rfc3339, IssueRequest};
pub use did::IdentityKind;
pub use error::Error;
pub use keys::IssuerKey;
pub use store::{Actor, Store, StoredAchievement, StoredKey};

/// The first signing key's id.
const FIRST_KEY_ID: &str = "key-1";

/// What `cairn init` needs.
#[derive(Debug)]
pub struct InitOptions {
    pub name: String,
    pub url: Option<String>,
    pub identity: IdentityKind,
    /// Use this key instead of generating one (the bundled example key, for demos and tests).
    pub key: Option<IssuerKey>,
}

/// One issuer: its configuration, database and signing key.
#[derive(Debug)]
pub struct Issuer {
    config: LoadedConfig,
    store: Store,
    key: IssuerKey,
    canon: Arc<GeneralCanonicalizer>,
}

impl Issuer {
    /// Creates a working issuer in `dir`: `cairn.toml`, `keys/` (0600 files) and the database.
    pub async fn init(dir: &Path, options: InitOptions, actor: &Actor) -> Result<Issuer, Error> {
        let config_path = dir.join("cairn.toml");
        if config_path.exists() {
            return Err(Error::AlreadyInitialised(dir.to_path_buf()));
        }
        if options.name.trim().is_empty() {
            return Err(Error::input("name", "must not be empty"));
        }
        if let Some(url) = &options.url {
            if !url.starts_with("https://") && !url.starts_with("http://") {
                return Err(Error::input(
                    "url",
                    format!("{url:?} is not an http(s) URL"),
                ));
            }
        }
        let key = options
            .key
            .unwrap_or_else(|| IssuerKey::generate(FIRST_KEY_ID));
        let issuer_id = match &options.identity {
            IdentityKind::DidKey => did::did_key(&key.verifying_key()),
            IdentityKind::DidWeb(host) => did::did_web(host)?,
        };
        let config = Config {
            issuer: IssuerSection {
                id: issuer_id,
                name: options.name.trim().to_owned(),
                url: options.url.map(|u| u.trim_end_matches('/').to_owned()),
                email: None,
                description: None,
                image: None,
            },
            keys: KeysSection {
                dir: PathBuf::from("keys"),
                signing_key: key.key_id().to_owned(),
            },
            database: DatabaseSection {
                url: "sqlite:cairn.db".to_owned(),
            },
        };
        std::fs::create_dir_all(dir).map_err(|e| Error::Io(dir.to_path_buf(), e.to_string()))?;
        let text = toml::to_string_pretty(&config)
            .map_err(|e| Error::ConfigInvalid(config_path.clone(), e.to_string()))?;
        keys::write_key(&dir.join("keys"), &key)?;
        let header = "# Cairn issuer configuration. Private keys live in keys/ (mode 0600); never commit them.\n";
        std::fs::write(&config_path, format!("{header}{text}"))
            .map_err(|e| Error::Io(config_path.clone(), e.to_string()))?;

        let loaded = LoadedConfig::load(&config_path)?;
        let store = Store::open(&loaded.database_url(), true).await?;
        let issuer = Issuer {
            config: loaded,
            store,
            key,
            canon: Arc::new(GeneralCanonicalizer::default()),
        };
        let vm = issuer.verification_method();
        let stored_key = StoredKey {
            key_id: issuer.key.key_id().to_owned(),
            verification_method: vm,
            public_key_multibase: cairn_verifier::encode_multikey(&issuer.key.verifying_key()),
            status: "active".to_owned(),
        };
        issuer
            .store
            .insert_issuer(&issuer.profile(), &stored_key, &rfc3339(Utc::now()), actor)
            .await?;
        Ok(issuer)
    }

    /// Opens the issuer configured by `config_path`.
    pub async fn open(config_path: &Path) -> Result<Issuer, Error> {
        let config = LoadedConfig::load(config_path)?;
        let key = keys::load_key(&config.key_dir(), &config.config.keys.signing_key)?;
        let store = Store::open(&config.database_url(), false).await?;
        Ok(Issuer {
            config,
            store,
            key,
            canon: Arc::new(GeneralCanonicalizer::default()),
        })
    }

    pub fn config(&self) -> &LoadedConfig {
        &self.config
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The issuer's id (its DID).
    pub fn id(&self) -> &str {
        &self.config.config.issuer.id
    }

    /// The verification method new proofs name.
    pub fn verification_method(&self) -> String {
        did::verification_method(self.id(), self.key.key_id(), &self.key.verifying_key())
    }

    /// The issuer's OB 3.0 Profile, as embedded in every credential.
    pub fn profile(&self) -> Value {
        let s = &self.config.config.issuer;
        let mut p = serde_json::Map::new();
        p.insert("id".into(), s.id.clone().into());
        p.insert("type".into(), json!(["Profile"]));
        p.insert("name".into(), s.name.clone().into());
        if let Some(url) = &s.url {
            p.insert("url".into(), url.clone().into());
        }
        if let Some(email) = &s.email {
            p.insert("email".into(), email.clone().into());
        }
        if let Some(d) = &s.description {
            p.insert("description".into(), d.clone().into());
        }
        if let Some(image) = &s.image {
            p.insert("image".into(), json!({"id": image, "type": "Image"}));
        }
        Value::Object(p)
    }

    /// The DID document to publish for a did:web issuer (every key, current and retired).
    pub async fn did_document(&self) -> Result<Value, Error> {
        let mut keys = Vec::new();
        for k in self.store.public_keys().await? {
            let key = decode_stored_key(&k)?;
            keys.push((k.key_id, key));
        }
        Ok(did::did_document(self.id(), &keys))
    }

    /// Adds an achievement; its id is under the issuer's URL when one is configured.
    pub async fn add_achievement(
        &self,
        definition: &AchievementDefinition,
        actor: &Actor,
    ) -> Result<StoredAchievement, Error> {
        let id = match &self.config.config.issuer.url {
            Some(url) => format!("{url}/achievements/{}", definition.slug),
            None => format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        };
        let stored = StoredAchievement {
            achievement: definition.to_achievement(&id),
            id,
            slug: definition.slug.clone(),
            archived: false,
            created_at: rfc3339(Utc::now()),
        };
        self.store
            .insert_achievement(&stored, &definition.to_value(), actor)
            .await?;
        Ok(stored)
    }

    /// Issues, signs, re-verifies and stores one credential; returns the signed document.
    pub async fn issue(
        &self,
        request: &IssueRequest,
        now: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<Value, Error> {
        let achievement = self
            .store
            .achievement(&request.achievement)
            .await?
            .ok_or_else(|| Error::AchievementNotFound(request.achievement.clone()))?;
        if achievement.archived {
            return Err(Error::AchievementArchived(achievement.slug));
        }
        let credential_id = match &self.config.config.issuer.url {
            Some(url) => format!("{url}/credentials/{}", uuid::Uuid::new_v4()),
            None => format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        };
        let unsigned = credential::build(
            request,
            &credential_id,
            &self.profile(),
            &achievement.achievement,
            now,
        )?;
        let signed = self.sign(&unsigned, now)?;
        self.self_check(&signed, now).await?;
        let valid_from = rfc3339(now);
        let valid_until = request.valid_until.map(rfc3339);
        self.store
            .insert_credential(
                &store::NewCredential {
                    id: &credential_id,
                    achievement_id: &achievement.id,
                    recipient_lookup: &recipient_lookup(&request.recipient_email),
                    recipient_did: request.recipient_did.as_deref(),
                    document: &signed,
                    valid_from: &valid_from,
                    valid_until: valid_until.as_deref(),
                    issued_at: &valid_from,
                },
                actor,
            )
            .await?;
        Ok(signed)
    }

    /// Adds an `eddsa-rdfc-2022` proof by the issuer's signing key.
    fn sign(&self, unsigned: &Value, now: DateTime<Utc>) -> Result<Value, Error> {
        let pending = PendingProof::new(
            self.canon.as_ref(),
            unsigned,
            &self.verification_method(),
            &rfc3339(now),
        )
        .map_err(|e| Error::Signing(e.to_string()))?;
        let signature = self.key.sign(pending.signing_input());
        Ok(pending.finish(&signature))
    }

    /// DESIGN §3: the issuer re-verifies every credential it signs before storing it.
    async fn self_check(&self, signed: &Value, now: DateTime<Utc>) -> Result<(), Error> {
        let mut resolver = OfflineResolver::new();
        if self.id().starts_with("did:web:") {
            let doc = self.did_document().await?;
            let url = did_web_document_url(self.id())?;
            resolver.insert(&url, doc.to_string());
        }
        let mut options = VerifyOptions::new(now);
        options.canonicalizer = self.canon.clone();
        let doc = signed
            .as_object()
            .ok_or_else(|| Error::Signing("signed document is not an object".into()))?;
        let report = cairn_verifier::verify_credential(doc, &options, &resolver).await;
        if report.verdict == Verdict::Valid {
            Ok(())
        } else {
            let code = report
                .first_problem()
                .map(|c| c.code.clone())
                .unwrap_or_default();
            Err(Error::SelfCheckFailed(code))
        }
    }
}

/// did:web §3.2: where a did:web's document is published.
pub fn did_web_document_url(did: &str) -> Result<String, Error> {
    let msid = did
        .strip_prefix("did:web:")
        .ok_or_else(|| Error::input("did", format!("{did} is not a did:web")))?;
    let mut parts = msid.split(':');
    let host = parts.next().unwrap_or_default().replace("%3A", ":");
    let path: Vec<&str> = parts.collect();
    Ok(if path.is_empty() {
        format!("https://{host}/.well-known/did.json")
    } else {
        format!("https://{host}/{}/did.json", path.join("/"))
    })
}

fn decode_stored_key(k: &StoredKey) -> Result<ed25519_dalek::VerifyingKey, Error> {
    let invalid = || Error::Database(format!("stored public key {} is malformed", k.key_id));
    let bytes = k
        .public_key_multibase
        .strip_prefix('z')
        .and_then(|b| bs58::decode(b).into_vec().ok())
        .ok_or_else(invalid)?;
    let raw: [u8; 32] = bytes
        .get(2..)
        .and_then(|r| r.try_into().ok())
        .ok_or_else(invalid)?;
    ed25519_dalek::VerifyingKey::from_bytes(&raw).map_err(|_| invalid())
}

//! Cairn's issuer: everything that needs a private key or the database.
//!
//! The public interface is [`Issuer`] (create with [`Issuer::init`], open with [`Issuer::open`]),
//! the inputs [`InitOptions`], [`AchievementDefinition`] and [`IssueRequest`], and [`Error`].
//! Every credential is verified with `cairn-verifier` before it is stored.

mod achievement;
mod admin;
mod auth;
pub mod bulk;
mod clock;
mod config;
mod credential;
mod did;
mod error;
mod holder_proof;
mod idempotency;
mod jwt;
mod keys;
mod notify;
mod records;
mod resign;

mod sharing;
mod status;
mod store;
mod wallet;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use base64::Engine;
use cairn_verifier::{
    FastCanonicalizer, OfflineResolver, PendingProof, StatusListCache, Verdict, VerifyOptions,
};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

pub use achievement::AchievementDefinition;
pub use admin::{AuditEntry, CredentialRecord};
pub use auth::{Principal, Scope};
pub use cairn_verifier::did_web_document_url;
pub use clock::{Clock, FixedClock, SystemClock};
pub use config::{
    Config, DatabaseSection, IssuerSection, KeysSection, LoadedConfig, ServerSection,
    StatusSection, ENV_DATABASE_URL,
};
pub use credential::{recipient_lookup, rfc3339, IssueRequest};
pub use did::IdentityKind;
pub use error::Error;
pub use idempotency::IdempotentStart;
pub use jwt::JwtAlg;
pub use keys::{write_secret_file, IssuerKey, RsaIssuerKey};
pub use records::{CredentialPage, CredentialQuery, MAX_PAGE};
pub use resign::ResignReport;
pub use sharing::{
    bake, default_badge_png, default_badge_svg, qr_svg, qr_text, ImageFormat, LiveStatus,
};
pub use status::PublishedList;
pub use store::{
    Actor, Allocation, Backend, ClaimLink, ClaimLookup, ClaimSession, ClaimUpdate,
    CredentialFilter, CredentialMeta, CredentialState, CredentialSummary, Idempotency,
    NewClaimSession, NewCredential, SqlStore, StatusAction, StatusChange, StatusEntryRow, Store,
    StoredAchievement, StoredKey, StoredStatusList, StoredToken,
};
pub use wallet::{ClaimOffer, ClaimState, CONFIG_JWT_VC, CONFIG_LDP_VC, PRE_AUTHORIZED_GRANT};

/// The first signing key's id.
const FIRST_KEY_ID: &str = "key-1";
/// The first RSA key's id.
const FIRST_RSA_KEY_ID: &str = "rsa-1";
/// The secret behind derived subject ids, in the key folder.
const SUBJECT_SECRET_FILE: &str = "subject-id.secret";

/// How a credential is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON with an embedded eddsa-rdfc-2022 proof.
    Json,
    /// A compact JWS (OB 3.0 §8.2); `embed_proof` also adds the Data Integrity proof inside.
    Jwt { alg: JwtAlg, embed_proof: bool },
}

/// What `cairn init` needs.
#[derive(Debug)]
pub struct InitOptions {
    pub name: String,
    pub url: Option<String>,
    pub identity: IdentityKind,
    /// Use this key instead of generating one (the bundled example key, for demos and tests).
    pub key: Option<IssuerKey>,
    /// Store data here instead of the embedded SQLite file (`postgres://…` for several
    /// instances).
    pub database_url: Option<String>,
}

/// One issuer: its configuration, database and signing key.
#[derive(Debug)]
pub struct Issuer {
    config: LoadedConfig,
    store: Arc<dyn Store>,
    key: IssuerKey,
    rsa: Option<RsaIssuerKey>,
    canon: Arc<FastCanonicalizer>,
    /// The issuer's own lists, verified once per version for the self-check.
    status_cache: Arc<StatusListCache>,
    /// Emails recipients when `[smtp]` is configured.
    notifier: Option<Arc<notify::Notifier>>,
    /// Achievement images fetched for baked badges.
    images: sharing::ImageSource,
    /// The issuer secret, read from its file once.
    secret: SecretCache,
    /// Where every use case reads the current time.
    clock: Arc<dyn Clock>,
}

/// The issuer secret once read; `Debug` never shows it.
#[derive(Default)]
struct SecretCache(std::sync::OnceLock<zeroize::Zeroizing<Vec<u8>>>);

impl std::fmt::Debug for SecretCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretCache(..)")
    }
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
        let (rsa, rsa_pem) = RsaIssuerKey::generate(FIRST_RSA_KEY_ID)?;
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
                rsa_key: Some(rsa.key_id().to_owned()),
            },
            database: DatabaseSection {
                url: options
                    .database_url
                    .unwrap_or_else(|| "sqlite:cairn.db".to_owned()),
            },
            server: ServerSection::default(),
            status: StatusSection::default(),
            sharing: config::SharingSection::default(),
            smtp: None,
        };
        std::fs::create_dir_all(dir).map_err(|e| Error::Io(dir.to_path_buf(), e.to_string()))?;
        keys::write_key(&dir.join("keys"), &key)?;
        keys::write_secret_file(
            &keys::rsa_key_path(&dir.join("keys"), rsa.key_id()),
            &rsa_pem,
        )?;
        write_config(&config_path, &config)?;

        let loaded = LoadedConfig::load(&config_path)?;
        let store = store::open(&loaded.database_url(), true).await?;
        let issuer = Issuer {
            config: loaded,
            store,
            key,
            rsa: Some(rsa),
            canon: FastCanonicalizer::shared(),
            status_cache: Arc::new(StatusListCache::default()),
            notifier: None,
            images: sharing::ImageSource::new(&config::SharingSection::default())?,
            secret: SecretCache::default(),
            clock: Arc::new(SystemClock),
        };
        let mut stored = vec![StoredKey {
            key_id: issuer.key.key_id().to_owned(),
            algorithm: "Ed25519".to_owned(),
            verification_method: issuer.verification_method(),
            public_key: cairn_verifier::encode_multikey(&issuer.key.verifying_key()),
            status: "active".to_owned(),
        }];
        stored.extend(issuer.rsa.as_ref().map(|r| issuer.stored_rsa_key(r)));
        issuer
            .store
            .insert_issuer(&issuer.profile(), &stored, &rfc3339(issuer.now()), actor)
            .await?;
        Ok(issuer)
    }

    /// Opens the issuer configured by `config_path`.
    pub async fn open(config_path: &Path) -> Result<Issuer, Error> {
        let config = LoadedConfig::load(config_path)?;
        let key = keys::load_key(&config.key_dir(), &config.config.keys.signing_key)?;
        let rsa = match &config.config.keys.rsa_key {
            Some(id) => Some(keys::load_rsa_key(&config.key_dir(), id)?),
            None => None,
        };
        let store = store::open(&config.database_url(), false).await?;
        let notifier = match &config.config.smtp {
            None => None,
            Some(smtp) => {
                if config.config.issuer.url.is_none() {
                    return Err(Error::input(
                        "smtp",
                        "notification emails link to the public credential page: set issuer.url",
                    ));
                }
                let password = match &smtp.password_file {
                    Some(file) => {
                        let bytes = keys::read_secret_file(&config.dir.join(file))?;
                        Some(String::from_utf8_lossy(&bytes).trim().to_owned())
                    }
                    None => None,
                };
                let ca = match &smtp.ca_file {
                    Some(file) => {
                        let path = config.dir.join(file);
                        Some(std::fs::read(&path).map_err(|e| Error::Io(path, e.to_string()))?)
                    }
                    None => None,
                };
                Some(Arc::new(notify::Notifier::new(
                    smtp,
                    password,
                    ca.as_deref(),
                )?))
            }
        };
        let images = sharing::ImageSource::new(&config.config.sharing)?;
        Ok(Issuer {
            config,
            store,
            key,
            rsa,
            canon: FastCanonicalizer::shared(),
            status_cache: Arc::new(StatusListCache::default()),
            notifier,
            images,
            secret: SecretCache::default(),
            clock: Arc::new(SystemClock),
        })
    }

    fn stored_rsa_key(&self, rsa: &RsaIssuerKey) -> StoredKey {
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
    async fn free_key_id(
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

    /// Creates an API token; returns its id and the secret text, which is shown only once.
    pub async fn create_token(
        &self,
        name: &str,
        scopes: &[Scope],
        actor: &Actor,
    ) -> Result<(String, String), Error> {
        let (row, text) = auth::new_token(name, scopes, &rfc3339(self.now()))?;
        self.store.insert_token(&row, actor).await?;
        Ok((row.id, text))
    }

    /// Revokes an API token by id.
    pub async fn revoke_token(&self, id: &str, actor: &Actor) -> Result<(), Error> {
        if self
            .store
            .revoke_token(id, &rfc3339(self.now()), actor)
            .await?
        {
            Ok(())
        } else {
            Err(Error::TokenNotFound(id.to_owned()))
        }
    }

    /// The caller a bearer token stands for, if the token is valid and not revoked.
    pub async fn authenticate(&self, bearer: &str) -> Result<Option<Principal>, Error> {
        auth::authenticate(self.store.as_ref(), bearer).await
    }

    /// Rotates the Ed25519 signing key (`cairn key rotate`): a new key signs from now on; the old
    /// one is marked retired but stays in the DID document and JWKS, so every credential it
    /// signed still verifies. did:key issuers cannot rotate: their id is their key.
    pub async fn rotate_signing_key(&mut self, actor: &Actor) -> Result<String, Error> {
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
        let old = self.key.key_id().to_owned();
        self.store
            .rotate_key(self.id(), &stored, &old, &rfc3339(self.now()), actor)
            .await?;
        let mut config = self.config.config.clone();
        config.keys.signing_key = key_id;
        write_config(&self.config.path, &config)?;
        self.config.config = config;
        self.key = key;
        Ok(stored.verification_method)
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

    pub fn config(&self) -> &LoadedConfig {
        &self.config
    }

    /// The same issuer reading the time from `clock` (tests fix it; production uses the
    /// system clock, the default).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The current time, as this issuer's clock says.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
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
        let keys = self.store.public_keys().await?;
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
            created_at: rfc3339(self.now()),
        };
        self.store
            .insert_achievement(&stored, &definition.to_value(), actor)
            .await?;
        Ok(stored)
    }

    /// Replaces the definition of the achievement `slug_or_id`; its id (and so every credential
    /// already issued) is unchanged. The definition's slug, if given, must be the same.
    pub async fn update_achievement(
        &self,
        slug_or_id: &str,
        definition: &AchievementDefinition,
        actor: &Actor,
    ) -> Result<StoredAchievement, Error> {
        let mut stored = self
            .store
            .achievement(slug_or_id)
            .await?
            .ok_or_else(|| Error::AchievementNotFound(slug_or_id.to_owned()))?;
        if definition.has_explicit_slug() && definition.slug != stored.slug {
            return Err(Error::input(
                "slug",
                format!(
                    "the slug {:?} does not match {:?}; a slug cannot change",
                    definition.slug, stored.slug
                ),
            ));
        }
        stored.achievement = definition.to_achievement(&stored.id);
        let mut def = definition.to_value();
        def["slug"] = Value::String(stored.slug.clone());
        self.store
            .update_achievement(&stored, &def, &rfc3339(self.now()), actor)
            .await?;
        Ok(stored)
    }

    /// Archives the achievement `slug_or_id`: it can no longer be issued; issued credentials stay.
    pub async fn archive_achievement(&self, slug_or_id: &str, actor: &Actor) -> Result<(), Error> {
        let stored = self
            .store
            .achievement(slug_or_id)
            .await?
            .ok_or_else(|| Error::AchievementNotFound(slug_or_id.to_owned()))?;
        self.store
            .archive_achievement(&stored.id, &rfc3339(self.now()), actor)
            .await
    }

    /// Issues, signs, re-verifies and stores one credential; returns the signed document.
    pub async fn issue(
        &self,
        request: &IssueRequest,
        now: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<Value, Error> {
        Ok(self
            .issue_as(request, Format::Json, now, actor)
            .await?
            .into_credential())
    }

    /// Issues one credential in `format`; see [`Issued`].
    pub async fn issue_as(
        &self,
        request: &IssueRequest,
        format: Format,
        now: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<Issued, Error> {
        self.issue_many(&[request], format, now, actor)
            .await?
            .remove(0)
    }

    /// Issues several credentials in `format` at once, with the same checks as one: one
    /// transaction allocates all their status entries, they are signed and self-checked on every
    /// core, and one transaction stores them (one disk commit each per batch, not per
    /// credential). Each request's own outcome is in the answer, in order (a row key issued
    /// before is [`Error::RowAlreadyIssued`]); `Err` means a batch transaction failed, and then
    /// nothing of the batch was stored.
    pub async fn issue_many(
        &self,
        requests: &[&IssueRequest],
        format: Format,
        now: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<Vec<Result<Issued, Error>>, Error> {
        let prepared = self.prepare_batch(requests, format, now).await?;
        let sealed = if prepared.drafts.len() == 1 {
            let Prepared {
                mut drafts,
                resolver,
            } = prepared;
            vec![
                self.seal_one(drafts.remove(0), format, now, &resolver)
                    .await,
            ]
        } else {
            self.seal_batch(prepared, format, now)
        };
        self.store_batch(requests, sealed, now, actor).await
    }

    /// The first stage of issuing a batch: drafts (achievements looked up once), status entries
    /// allocated in one transaction, and the issuer's documents for the self-check.
    pub(crate) async fn prepare_batch(
        &self,
        requests: &[&IssueRequest],
        format: Format,
        now: DateTime<Utc>,
    ) -> Result<Prepared, Error> {
        let mut drafts = Vec::with_capacity(requests.len());
        let mut achievements = std::collections::HashMap::new();
        for request in requests {
            drafts.push(self.draft(request, format, now, &mut achievements).await);
        }
        let mut status_lists = Vec::new();
        if let Some(base) = self.status_base_url()? {
            let wanted: Vec<&mut Draft> = drafts
                .iter_mut()
                .zip(requests)
                .filter(|(_, r)| !r.without_status)
                .filter_map(|(d, _)| d.as_mut().ok())
                .collect();
            if !wanted.is_empty() {
                let ids: Vec<&str> = wanted.iter().map(|d| d.id.as_str()).collect();
                let allocated = self.allocate_status(&base, &ids, now).await?;
                for (draft, entries) in wanted.into_iter().zip(allocated.entries) {
                    draft.unsigned["credentialStatus"] = entries;
                }
                status_lists = allocated.lists;
            }
        }
        let resolver = self.own_documents(&status_lists).await?;
        Ok(Prepared { drafts, resolver })
    }

    /// Signs one draft and checks it against the issuer's documents.
    async fn seal_one(
        &self,
        draft: Result<Draft, Error>,
        format: Format,
        now: DateTime<Utc>,
        resolver: &OfflineResolver,
    ) -> Result<Sealed, Error> {
        let draft = draft?;
        let (signed, jws) = self.seal(draft.unsigned, format, now)?;
        self.self_check(&signed, jws.as_deref(), resolver, now)
            .await?;
        Ok(Sealed {
            id: draft.id,
            achievement_id: draft.achievement_id,
            signed,
            jws,
        })
    }

    /// The second stage: every draft signed and self-checked, on every core. It blocks the
    /// calling thread (no I/O: the documents are in `prepared`).
    pub(crate) fn seal_batch(
        &self,
        prepared: Prepared,
        format: Format,
        now: DateTime<Utc>,
    ) -> Vec<Result<Sealed, Error>> {
        let Prepared { drafts, resolver } = prepared;
        on_every_core(drafts, |draft| self.seal_one(draft, format, now, &resolver))
    }

    /// The last stage: the sealed credentials stored in one transaction, then each recipient
    /// notified; one outcome per request, in order.
    pub(crate) async fn store_batch(
        &self,
        requests: &[&IssueRequest],
        sealed: Vec<Result<Sealed, Error>>,
        now: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<Vec<Result<Issued, Error>>, Error> {
        let (valid_from, issued_at) = (rfc3339(now), rfc3339(now));
        let valid_until: Vec<Option<String>> = requests
            .iter()
            .map(|r| r.valid_until.map(rfc3339))
            .collect();
        let lookups: Vec<String> = requests
            .iter()
            .map(|r| recipient_lookup(&r.recipient_email))
            .collect();
        let new: Vec<NewCredential> = sealed
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().ok().map(|s| (i, s)))
            .map(|(i, s)| NewCredential {
                id: &s.id,
                achievement_id: &s.achievement_id,
                recipient_lookup: &lookups[i],
                recipient_did: requests[i].recipient_did.as_deref(),
                document: &s.signed,
                valid_from: &valid_from,
                valid_until: valid_until[i].as_deref(),
                issued_at: &issued_at,
                compact_jws: s.jws.as_deref(),
                row_key: requests[i].row_key.as_deref(),
                source_credential_id: None,
            })
            .collect();
        let mut stored = self
            .store
            .insert_credentials(&new, actor)
            .await?
            .into_iter();
        drop(new);
        let mut out = Vec::with_capacity(requests.len());
        for (request, sealed) in requests.iter().zip(sealed) {
            let Sealed { signed, jws, .. } = match sealed {
                Ok(s) => s,
                Err(e) => {
                    out.push(Err(e));
                    continue;
                }
            };
            if stored.next() != Some(true) {
                let key = request.row_key.clone().unwrap_or_default();
                out.push(Err(Error::RowAlreadyIssued(key)));
                continue;
            }
            self.notify(request, &signed).await?;
            out.push(Ok(Issued::new(signed, jws)));
        }
        Ok(out)
    }

    /// A new credential's id: under `{issuer.url}/credentials/` (where its public page is), or a
    /// `urn:uuid:` without a URL.
    pub(crate) fn new_credential_id(&self) -> String {
        match &self.config.config.issuer.url {
            Some(url) => format!(
                "{}/credentials/{}",
                url.trim_end_matches('/'),
                uuid::Uuid::new_v4()
            ),
            None => format!("urn:uuid:{}", uuid::Uuid::new_v4()),
        }
    }

    /// One request's unsigned credential, without status entries yet.
    async fn draft(
        &self,
        request: &IssueRequest,
        format: Format,
        now: DateTime<Utc>,
        achievements: &mut std::collections::HashMap<String, StoredAchievement>,
    ) -> Result<Draft, Error> {
        let achievement = match achievements.get(&request.achievement) {
            Some(a) => a.clone(),
            None => {
                let found = self
                    .store
                    .achievement(&request.achievement)
                    .await?
                    .ok_or_else(|| Error::AchievementNotFound(request.achievement.clone()))?;
                achievements.insert(request.achievement.clone(), found.clone());
                found
            }
        };
        if achievement.archived {
            return Err(Error::AchievementArchived(achievement.slug));
        }
        let credential_id = self.new_credential_id();
        let derived_subject =
            if matches!(format, Format::Jwt { .. }) && request.recipient_did.is_none() {
                // OB 3.0 §8.2.2: a VC-JWT needs sub = credentialSubject.id; derive a stable one.
                let email = cairn_verifier::identity::normalize_email(&request.recipient_email);
                Some(self.derived_subject_id(&email)?)
            } else {
                None
            };
        let unsigned = credential::build(
            request,
            derived_subject.as_deref(),
            &credential_id,
            &self.profile(),
            &achievement.achievement,
            now,
        )?;
        Ok(Draft {
            id: credential_id,
            achievement_id: achievement.id,
            unsigned,
        })
    }

    /// Signs a credential in `format`: the document (with its embedded proof unless it is a
    /// plain VC-JWT) and the compact JWS, if any.
    fn seal(
        &self,
        unsigned: Value,
        format: Format,
        now: DateTime<Utc>,
    ) -> Result<(Value, Option<String>), Error> {
        Ok(match format {
            Format::Json => (self.sign(&unsigned, now)?, None),
            Format::Jwt { alg, embed_proof } => {
                let credential = if embed_proof {
                    self.sign(&unsigned, now)?
                } else {
                    unsigned
                };
                let jws = self.sign_jwt(&credential, alg)?;
                (credential, Some(jws))
            }
        })
    }

    /// `urn:cairn:subject:` + the first 128 bits of sha256(secret ‖ email): stable for one issuer
    /// and one address, and not computable by anyone without the issuer's secret.
    fn derived_subject_id(&self, normalized_email: &str) -> Result<String, Error> {
        let secret = self.issuer_secret()?;
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(secret);
        h.update(b":");
        h.update(normalized_email.as_bytes());
        let digest = h.finalize();
        Ok(format!("urn:cairn:subject:{}", hex::encode(&digest[..16])))
    }

    /// The issuer's secret (`keys/subject-id.secret`, 0600, made on first use, read once): behind
    /// derived subject ids and the MAC of OpenID4VCI nonces. Instances sharing the key folder
    /// share it.
    pub(crate) fn issuer_secret(&self) -> Result<&[u8], Error> {
        if let Some(secret) = self.secret.0.get() {
            return Ok(secret);
        }
        let path = self.config.key_dir().join(SUBJECT_SECRET_FILE);
        if !path.exists() {
            let secret = hex::encode(rand::random::<[u8; 32]>());
            keys::write_secret_file(&path, secret.as_bytes())?;
        }
        let read = keys::read_secret_file(&path)?;
        Ok(self.secret.0.get_or_init(|| read))
    }

    /// Wraps `credential` in a compact JWS signed with `alg` (OB 3.0 §8.2); nothing is stored.
    pub fn sign_jwt(&self, credential: &Value, alg: JwtAlg) -> Result<String, Error> {
        match alg {
            JwtAlg::EdDsa => {
                let input = jwt::signing_input(credential, alg, &self.verification_method())?;
                Ok(jwt::compact(&input, &self.key.sign(input.as_bytes())))
            }
            JwtAlg::Rs256 => {
                if !self.id().starts_with("did:web:") {
                    return Err(Error::input(
                        "alg",
                        "RS256 needs a did:web issuer, whose DID document can publish the RSA key; use --alg eddsa with a did:key issuer",
                    ));
                }
                let rsa = self.rsa.as_ref().ok_or_else(|| {
                    Error::input(
                        "alg",
                        "this issuer has no RSA key; add one with `cairn key add --type rsa`",
                    )
                })?;
                let kid = did::rsa_verification_method(self.id(), rsa.key_id());
                let input = jwt::signing_input(credential, alg, &kid)?;
                Ok(jwt::compact(&input, &rsa.sign(input.as_bytes())?))
            }
        }
    }

    /// W3C VC-API `POST /credentials/issue`: signs a credential someone else built, when its
    /// issuer is this issuer. The shape is checked, the proof added and checked again; the issuance
    /// is audited (the document is not kept: it is not one of this issuer's achievements).
    pub async fn issue_vc_api(
        &self,
        mut credential: Value,
        now: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<Value, Error> {
        check_vc_shape(&credential, self.id())?;
        add_data_integrity_context(&mut credential);
        if let Some(Value::Object(issuer)) = credential.get_mut("issuer") {
            issuer
                .entry("id")
                .or_insert_with(|| Value::String(self.id().to_owned()));
        }
        // The VC-API suites expect a BitstringStatusListEntry on every VC 2.0 credential; the
        // credential's id is what a later revocation names.
        let is_v2 =
            credential["@context"].get(0).and_then(Value::as_str) == Some(cairn_verifier::VC_V2);
        let id = credential
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if let (true, Some(id), None) = (is_v2, id, credential.get("credentialStatus")) {
            if let Some(base) = self.status_base_url()? {
                credential["credentialStatus"] = self
                    .allocate_status(&base, &[id.as_str()], now)
                    .await?
                    .entries
                    .remove(0);
            }
        }
        let signed = self.sign_data_integrity(&credential, now)?;
        let id = signed.get("id").and_then(Value::as_str).map(str::to_owned);
        self.store
            .record_event(
                "credential.issue.vc_api",
                id.as_deref(),
                &rfc3339(now),
                actor,
            )
            .await?;
        Ok(signed)
    }

    /// An eddsa-rdfc-2022 proof by the current key on `document` (which has none), created
    /// `now`, its signature checked before the document is returned.
    pub(crate) fn sign_data_integrity(
        &self,
        document: &Value,
        now: DateTime<Utc>,
    ) -> Result<Value, Error> {
        // A document that cannot be prepared for signing (undefined terms, say) is the caller's.
        let signed = self.sign(document, now).map_err(|e| match e {
            Error::Signing(m) => Error::input("credential", m),
            other => other,
        })?;
        cairn_verifier::verify_signature_only(
            self.canon.as_ref(),
            &signed,
            &self.key.verifying_key(),
        )
        .map_err(Error::SelfCheckFailed)?;
        Ok(signed)
    }

    /// Signs a trust registry this issuer publishes (schemas/trust-registry.schema.json) as a
    /// `TrustRegistryCredential` (eddsa-rdfc-2022), valid from `now` until `valid_until`. The
    /// registry's `publisher.id` must be this issuer: verifiers check that the signer is the
    /// publisher. The signing is audited.
    pub async fn sign_trust_registry(
        &self,
        registry: &[u8],
        valid_until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        actor: &Actor,
    ) -> Result<Value, Error> {
        let parsed = cairn_verifier::TrustRegistry::parse(registry)
            .map_err(|e| Error::input("registry", e.to_string()))?;
        if parsed.publisher.id != self.id() {
            return Err(Error::input(
                "registry",
                format!(
                    "the registry's publisher is {}, not this issuer ({}); a registry is signed by its publisher",
                    parsed.publisher.id,
                    self.id()
                ),
            ));
        }
        let content: Value = serde_json::from_slice(registry)
            .map_err(|e| Error::input("registry", e.to_string()))?;
        let mut unsigned = serde_json::json!({
            "@context": [cairn_verifier::VC_V2, cairn_verifier::CAIRN_TRUST_REGISTRY_V1],
            "id": format!("urn:uuid:{}", uuid::Uuid::new_v4()),
            "type": ["VerifiableCredential", cairn_verifier::TRUST_REGISTRY_CREDENTIAL_TYPE],
            "name": parsed.name,
            "issuer": self.id(),
            "validFrom": rfc3339(now),
            "credentialSubject": {"id": self.id(), "trustRegistry": content},
        });
        if let Some(until) = valid_until {
            unsigned["validUntil"] = Value::String(rfc3339(until));
        }
        let signed = self.sign(&unsigned, now)?;
        let resolver = self.own_documents(&[]).await?;
        self.self_check(&signed, None, &resolver, now).await?;
        let id = signed.get("id").and_then(Value::as_str).map(str::to_owned);
        self.store
            .record_event("trust_registry.sign", id.as_deref(), &rfc3339(now), actor)
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

    /// What a verifier would fetch from this issuer, served from memory: its DID document (for a
    /// did:web issuer) and the given status lists as (URL, document).
    async fn own_documents(
        &self,
        status_lists: &[(String, String)],
    ) -> Result<OfflineResolver, Error> {
        let mut resolver = OfflineResolver::new();
        for (url, doc) in status_lists {
            resolver.insert(url, doc.as_str());
        }
        if self.id().starts_with("did:web:") {
            let doc = self.did_document().await?;
            let url = did_web_document_url(self.id()).ok_or_else(|| {
                Error::input("did", format!("{} is not a valid did:web", self.id()))
            })?;
            resolver.insert(&url, doc.to_string());
        }
        Ok(resolver)
    }

    fn verify_options(&self, now: DateTime<Utc>) -> VerifyOptions {
        let mut options = VerifyOptions::new(now);
        options.canonicalizer = self.canon.clone();
        options.status_cache = Some(self.status_cache.clone());
        options
    }

    /// Verifies a stored credential with the real verifier, as a receiving district would, but
    /// against this issuer's own published documents (its DID document and current status lists)
    /// instead of the network: the public page's "Verify now".
    pub async fn verify_stored(
        &self,
        credential_id: &str,
        now: DateTime<Utc>,
    ) -> Result<cairn_verifier::Report, Error> {
        let credential = self
            .store()
            .credential(credential_id)
            .await?
            .ok_or_else(|| Error::CredentialNotFound(credential_id.to_owned()))?;
        let mut lists = Vec::new();
        for url in status::list_urls(&credential) {
            if let Ok(list) = self.current_status_list(url, now).await {
                lists.push((url.to_owned(), list.json));
            }
        }
        let resolver = self.own_documents(&lists).await?;
        let options = self.verify_options(now);
        let doc = credential
            .as_object()
            .ok_or_else(|| Error::Database("stored credential is not an object".into()))?;
        Ok(cairn_verifier::verify_credential(doc, &options, &resolver).await)
    }

    /// DESIGN §3: the issuer re-verifies every credential it signs before storing it, against
    /// its own documents (`resolver`, from [`Issuer::own_documents`]).
    async fn self_check(
        &self,
        signed: &Value,
        jws: Option<&str>,
        resolver: &OfflineResolver,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let options = self.verify_options(now);
        let report = match jws {
            Some(token) => cairn_verifier::verify(token.as_bytes(), &options, resolver)
                .await
                .map_err(|e| Error::SelfCheckFailed(e.code().to_owned()))?,
            None => {
                let doc = signed
                    .as_object()
                    .ok_or_else(|| Error::Signing("signed document is not an object".into()))?;
                cairn_verifier::verify_credential(doc, &options, resolver).await
            }
        };
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

/// VC-DATA-INTEGRITY §2.1: a VC 1.1 credential does not define `DataIntegrityProof`, so the
/// Data Integrity context is added to its contexts before it is signed (as the reference
/// implementation does). VC 2.0's base context defines it already.
fn add_data_integrity_context(credential: &mut Value) {
    const DATA_INTEGRITY_V2: &str = "https://w3id.org/security/data-integrity/v2";
    let Some(Value::Array(contexts)) = credential.get_mut("@context") else {
        return;
    };
    let is_v1 = contexts.first().and_then(Value::as_str) == Some(cairn_verifier::VC_V1);
    if is_v1
        && !contexts
            .iter()
            .any(|c| c.as_str() == Some(DATA_INTEGRITY_V2))
    {
        contexts.push(Value::String(DATA_INTEGRITY_V2.to_owned()));
    }
}

/// VC Data Model 2.0 §4 (and 1.1): the shape a credential must have before it is signed.
fn check_vc_shape(credential: &Value, issuer_id: &str) -> Result<(), Error> {
    let bad = |m: &str| Err(Error::input("credential", m.to_owned()));
    let Some(c) = credential.as_object() else {
        return bad("the credential is not a JSON object");
    };
    match c
        .get("@context")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(Value::as_str)
    {
        Some(cairn_verifier::VC_V2) | Some(cairn_verifier::VC_V1) => {}
        _ => return bad("@context must be an array whose first entry is the VC context"),
    }
    let types = match c.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !types.contains(&"VerifiableCredential") {
        return bad("type must contain VerifiableCredential");
    }
    let issuer = match c.get("issuer") {
        Some(Value::String(s)) => Some(s.as_str()),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str).or(Some(issuer_id)),
        _ => None,
    };
    match issuer {
        Some(i) if i == issuer_id => {}
        Some(i) => {
            return Err(Error::input(
                "issuer",
                format!("{i:?} is not this issuer ({issuer_id})"),
            ))
        }
        None => return bad("issuer is missing"),
    }
    let subject_ok = match c.get("credentialSubject") {
        Some(Value::Object(o)) => !o.is_empty(),
        Some(Value::Array(a)) => {
            !a.is_empty()
                && a.iter()
                    .all(|s| s.as_object().is_some_and(|o| !o.is_empty()))
        }
        _ => false,
    };
    if !subject_ok {
        return bad("credentialSubject must be a non-empty object");
    }
    if c.contains_key("proof") {
        return bad("the credential already has a proof");
    }
    if let Some(p) = cairn_verifier::data_model_problems(c).into_iter().next() {
        return Err(Error::DataModel {
            code: p.code,
            message: p.message,
        });
    }
    // VC 2.0 §4.10: each credentialStatus entry is an object with a type.
    let entries_ok = match c.get("credentialStatus") {
        None => true,
        Some(Value::Object(o)) => o.get("type").is_some_and(Value::is_string),
        Some(Value::Array(a)) => a
            .iter()
            .all(|e| e.get("type").is_some_and(Value::is_string)),
        Some(_) => false,
    };
    if !entries_ok {
        return bad("each credentialStatus entry must be an object with a type");
    }
    let date = |k: &str| {
        c.get(k)
            .and_then(Value::as_str)
            .map(chrono::DateTime::parse_from_rfc3339)
    };
    for k in ["validFrom", "validUntil", "issuanceDate", "expirationDate"] {
        if let Some(Err(_)) = date(k) {
            return Err(Error::input(
                "credential",
                format!("{k} is not a date-time"),
            ));
        }
    }
    if let (Some(Ok(from)), Some(Ok(until))) = (date("validFrom"), date("validUntil")) {
        if until < from {
            return bad("validUntil is before validFrom");
        }
    }
    Ok(())
}

/// What [`Issuer::issue_as`] produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Issued {
    /// The credential with its embedded proof.
    Json(Value),
    /// The compact JWS, and the credential it carries.
    Jwt { jws: String, credential: Value },
}

impl Issued {
    /// The signed credential and, for a VC-JWT, its compact JWS.
    fn new(credential: Value, jws: Option<String>) -> Self {
        match jws {
            None => Issued::Json(credential),
            Some(jws) => Issued::Jwt { jws, credential },
        }
    }

    /// The credential document (inside the JWS, for a VC-JWT).
    pub fn credential(&self) -> &Value {
        match self {
            Issued::Json(c) | Issued::Jwt { credential: c, .. } => c,
        }
    }

    /// The credential document, without the JWS.
    pub fn into_credential(self) -> Value {
        match self {
            Issued::Json(c) | Issued::Jwt { credential: c, .. } => c,
        }
    }
}

/// A credential being issued: its id, its achievement's row id and the unsigned document.
pub(crate) struct Draft {
    id: String,
    achievement_id: String,
    unsigned: Value,
}

/// A batch ready to be signed: its drafts and the issuer's documents for the self-check.
pub(crate) struct Prepared {
    drafts: Vec<Result<Draft, Error>>,
    resolver: OfflineResolver,
}

/// A signed and self-checked credential, not stored yet.
pub(crate) struct Sealed {
    id: String,
    achievement_id: String,
    signed: Value,
    jws: Option<String>,
}

/// Runs `work` on each item on every core (scoped threads, each driving the futures with its own
/// single-threaded runtime; the futures must do no I/O) and answers in the items' order. The
/// calling thread waits.
fn on_every_core<T: Send, O: Send, F, Fut>(items: Vec<T>, work: F) -> Vec<Result<O, Error>>
where
    F: Fn(T) -> Fut + Sync,
    Fut: std::future::Future<Output = Result<O, Error>>,
{
    let threads = std::thread::available_parallelism()
        .map(usize::from)
        .unwrap_or(1)
        .clamp(1, items.len().max(1));
    let total = items.len();
    let queue = std::sync::Mutex::new(items.into_iter().enumerate());
    let mut done: Vec<(usize, Result<O, Error>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let runtime = tokio::runtime::Builder::new_current_thread().build();
                    let mut out = Vec::new();
                    loop {
                        let next = queue.lock().unwrap_or_else(|p| p.into_inner()).next();
                        let Some((i, item)) = next else { break };
                        out.push(match &runtime {
                            Ok(rt) => (i, rt.block_on(work(item))),
                            Err(e) => (i, Err(Error::Signing(format!("no worker runtime: {e}")))),
                        });
                    }
                    out
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    debug_assert_eq!(done.len(), total);
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// Writes `cairn.toml` (replacing it) with its header comment.
fn write_config(path: &Path, config: &Config) -> Result<(), Error> {
    let text = toml::to_string_pretty(config)
        .map_err(|e| Error::ConfigInvalid(path.to_path_buf(), e.to_string()))?;
    let header = "# Cairn issuer configuration. Private keys live in keys/ (mode 0600); never commit them.\n";
    std::fs::write(path, format!("{header}{text}"))
        .map_err(|e| Error::Io(path.to_path_buf(), e.to_string()))
}

fn decode_stored_key(k: &StoredKey) -> Result<ed25519_dalek::VerifyingKey, Error> {
    cairn_verifier::decode_ed25519_multikey(&k.public_key)
        .ok_or_else(|| Error::Database(format!("stored public key {} is malformed", k.key_id)))
}

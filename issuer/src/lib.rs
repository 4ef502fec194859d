//! Cairn's issuer: everything that needs a private key or the database.
//!
//! The public interface is [`Issuer`] (create with [`Issuer::init`], open with [`Issuer::open`]),
//! the inputs [`InitOptions`], [`AchievementDefinition`] and [`IssueRequest`], and [`Error`].
//! Every credential is verified with `cairn-verifier` before it is stored.

#![warn(missing_docs, unreachable_pub)]

mod achievement;
mod achievement_image;
mod admin;
mod auth;
mod badge_image;
pub mod bulk;
mod certificate;
mod clock;
mod config;
mod credential;
mod did;
mod error;
mod evidence;
mod holder_proof;
mod idempotency;
mod issuance;
mod jwt;
mod keys;
mod notify;
mod records;
mod resign;
mod rotation;
mod settings;
mod sharing;
mod staff;
mod status;
mod store;
mod vc_api;
mod wallet;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cairn_verifier::{FastCanonicalizer, StatusListCache};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

pub use achievement::AchievementDefinition;
pub use admin::{CredentialRecord, Overview};
pub use auth::{Principal, Scope};
pub use badge_image::{default_badge_png, default_badge_svg};
pub use cairn_verifier::{did_web_document_url, DataModelRule, ImageRefusal};
pub use clock::{Clock, FixedClock, SystemClock};
pub use config::{
    Config, ConsoleSection, DatabaseSection, EvidenceSection, IssuerSection, KeysSection,
    LoadedConfig, OidcSection, ServerSection, StatusSection, ENV_DATABASE_URL,
    ENV_OIDC_CLIENT_SECRET,
};
pub use credential::{recipient_lookup, rfc3339, IssueRequest};
pub use did::IdentityKind;
pub use error::{Error, SignInRefusal, WalletRefusal};
pub use evidence::{
    accepted_extensions, decide, is_open, purpose_label, sniff, state_label, Access, Criterion,
    DecisionRule, EvidenceReport, Levels, Next, PayrollLine, Prompt, Recommendation, ReviewInput,
    ReviewPlan, ReviewerLoad, Rubric, Scored, Slot, SubmissionDraft, SubmissionView, PAY_PURPOSES,
};
pub use idempotency::IdempotentStart;
pub use issuance::Issued;
pub use jwt::JwtAlg;
pub use keys::{write_secret_file, IssuerKey, RsaIssuerKey};
pub use records::{CredentialPage, CredentialQuery, MAX_PAGE};
pub use resign::ResignReport;
pub use settings::{Settings, SettingsChange};
pub use sharing::{bake, generated_badge, qr_svg, qr_text, ImageFormat, LiveStatus};
pub use staff::{
    csrf_matches, csrf_token, new_secret, Caller, OidcStart, Permission, Role, SignedIn,
    StaffMember, CALLBACK_PATH,
};
pub use status::PublishedList;
pub use store::{
    AchievementStore, Actor, Allocation, ArtifactRow, AuditEntry, AuditFilter, AuditStore, Backend,
    ClaimLink, ClaimLookup, ClaimSession, ClaimUpdate, CredentialFilter, CredentialMeta,
    CredentialState, CredentialStore, CredentialSummary, DecisionFn, EvidenceStore, Idempotency,
    IdempotencyLease, KeyStore, NewClaimSession, NewCredential, NewSubmission, PreapprovalRow,
    ReviewOutcome, ReviewRow, SettingsStore, SqlStore, StaffSessionRow, StaffStore, StaffUserRow,
    StatusAction, StatusChange, StatusEntryRow, StatusStore, Store, StoredAchievement, StoredKey,
    StoredStatusList, StoredToken, SubmissionFilter, SubmissionRow, TokenStore, TxCodeCheck,
    WalletStore,
};
pub use vc_api::VcApiGrant;
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
    Jwt {
        /// The JWS algorithm (EdDSA or RS256).
        alg: JwtAlg,
        /// Also embed the Data Integrity proof in the credential the JWS carries.
        embed_proof: bool,
    },
}

/// What `cairn init` needs.
#[derive(Debug)]
pub struct InitOptions {
    /// The issuer's display name (a district's name).
    pub name: String,
    /// The district's public web address (https); needed for status lists, pages and did:web.
    pub url: Option<String>,
    /// Which DID the issuer gets (did:key or did:web).
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
    /// The Ed25519 signing key; swapped whole when it is rotated in a running service.
    key: std::sync::RwLock<Arc<IssuerKey>>,
    /// One rotation at a time in this process.
    rotation: tokio::sync::Mutex<()>,
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
    /// The district's OpenID Connect provider for staff sign-in, when `[oidc]` is set.
    oidc: Option<Arc<staff::Oidc>>,
    /// Settings changed at run time (they override cairn.toml).
    overrides: settings::Overrides,
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
                time_zone: None,
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
            console: config::ConsoleSection::default(),
            oidc: None,
            evidence: config::EvidenceSection::default(),
        };
        // A new issuer folder is the owner's only (0700), like its keys folder and database.
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| Error::Io(dir.to_path_buf(), e.to_string()))?;
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
            key: std::sync::RwLock::new(Arc::new(key)),
            rotation: tokio::sync::Mutex::new(()),
            rsa: Some(rsa),
            canon: FastCanonicalizer::shared(),
            status_cache: Arc::new(StatusListCache::default()),
            notifier: None,
            images: sharing::ImageSource::new(&config::SharingSection::default())?,
            secret: SecretCache::default(),
            clock: Arc::new(SystemClock),
            oidc: None,
            overrides: settings::Overrides::default(),
        };
        let mut stored = vec![StoredKey {
            key_id: issuer.signing_key().key_id().to_owned(),
            algorithm: "Ed25519".to_owned(),
            verification_method: issuer.verification_method(),
            public_key: cairn_verifier::encode_multikey(&issuer.signing_key().verifying_key()),
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
        let oidc = match &config.config.oidc {
            Some(section) => Some(Arc::new(staff::Oidc::new(section, &config.dir)?)),
            None => None,
        };
        let issuer = Issuer {
            config,
            store,
            key: std::sync::RwLock::new(Arc::new(key)),
            rotation: tokio::sync::Mutex::new(()),
            rsa,
            canon: FastCanonicalizer::shared(),
            status_cache: Arc::new(StatusListCache::default()),
            notifier,
            images,
            secret: SecretCache::default(),
            clock: Arc::new(SystemClock),
            oidc,
            overrides: settings::Overrides::default(),
        };
        issuer.refresh_settings().await?;
        Ok(issuer)
    }

    /// The configuration this issuer was opened with.
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

    /// The store, for tests and tools that read what the issuer wrote (the services never call it).
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// The district's time zone for dates people read (`issuer.time_zone`, default UTC).
    pub fn time_zone(&self) -> cairn_render::Tz {
        self.config.config.issuer.tz()
    }

    /// The issuer's id (its DID).
    pub fn id(&self) -> &str {
        &self.config.config.issuer.id
    }

    /// The verification method new proofs name.
    pub fn verification_method(&self) -> String {
        let key = self.signing_key();
        did::verification_method(self.id(), key.key_id(), &key.verifying_key())
    }

    /// The issuer's OB 3.0 Profile, as embedded in every credential.
    pub fn profile(&self) -> Value {
        let s = self.settings();
        let mut p = serde_json::Map::new();
        p.insert("id".into(), self.config.config.issuer.id.clone().into());
        p.insert("type".into(), json!(["Profile"]));
        p.insert("name".into(), s.name.clone().into());
        if let Some(url) = &s.homepage {
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

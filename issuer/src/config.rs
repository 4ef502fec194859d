//! `cairn.toml`: the issuer's profile, key directory and database, with environment overrides.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Environment variable that overrides `database.url`.
pub const ENV_DATABASE_URL: &str = "CAIRN_DATABASE_URL";

/// The parsed configuration file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[issuer]`: the public profile.
    pub issuer: IssuerSection,
    /// `[keys]`: where the signing keys live.
    pub keys: KeysSection,
    /// `[database]`: where credentials and status are stored.
    pub database: DatabaseSection,
    /// `[server]`: how `cairn serve` listens and limits requests.
    #[serde(default, skip_serializing_if = "ServerSection::is_default")]
    pub server: ServerSection,
    /// `[status]`: status lists (revocation and suspension).
    #[serde(default, skip_serializing_if = "StatusSection::is_default")]
    pub status: StatusSection,
    /// `[sharing]`: credential pages, share links and badge images.
    #[serde(default, skip_serializing_if = "SharingSection::is_default")]
    pub sharing: SharingSection,
    /// Recipient notification by email; off when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp: Option<crate::notify::SmtpSection>,
    /// `[console]`: the staff console's sessions.
    #[serde(default, skip_serializing_if = "ConsoleSection::is_default")]
    pub console: ConsoleSection,
    /// `[oidc]`: staff sign-in through the district's OpenID Connect provider; off when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oidc: Option<OidcSection>,
    /// `[evidence]`: teachers' evidence files: sizes and how long they are kept.
    #[serde(default, skip_serializing_if = "EvidenceSection::is_default")]
    pub evidence: EvidenceSection,
}

/// Evidence files teachers attach to submissions (they may hold student work).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceSection {
    /// The largest file accepted, in MiB.
    #[serde(default = "default_max_file_mib")]
    pub max_file_mib: u32,
    /// At most this many files per submission.
    #[serde(default = "default_max_files")]
    pub max_files: u32,
    /// Files are deleted this many days after their submission was decided or withdrawn
    /// (`cairn evidence purge`); the decision, scores and feedback stay.
    #[serde(default = "default_retention_days")]
    pub retention_days: u32,
}

fn default_max_file_mib() -> u32 {
    10
}

fn default_max_files() -> u32 {
    10
}

fn default_retention_days() -> u32 {
    365
}

impl Default for EvidenceSection {
    fn default() -> Self {
        EvidenceSection {
            max_file_mib: default_max_file_mib(),
            max_files: default_max_files(),
            retention_days: default_retention_days(),
        }
    }
}

impl EvidenceSection {
    fn is_default(&self) -> bool {
        *self == EvidenceSection::default()
    }
}

/// The staff console: how long a session lasts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleSection {
    /// A session ends after this many minutes without a request.
    #[serde(default = "default_idle_minutes")]
    pub idle_minutes: u32,
    /// A session ends this many hours after sign-in, however busy.
    #[serde(default = "default_absolute_hours")]
    pub absolute_hours: u32,
}

fn default_idle_minutes() -> u32 {
    30
}

fn default_absolute_hours() -> u32 {
    12
}

impl Default for ConsoleSection {
    fn default() -> Self {
        ConsoleSection {
            idle_minutes: default_idle_minutes(),
            absolute_hours: default_absolute_hours(),
        }
    }
}

impl ConsoleSection {
    fn is_default(&self) -> bool {
        *self == ConsoleSection::default()
    }
}

/// Environment variable holding the OpenID Connect client secret (instead of
/// `oidc.client_secret_file`).
pub const ENV_OIDC_CLIENT_SECRET: &str = "CAIRN_OIDC_CLIENT_SECRET";

/// The district's OpenID Connect provider (Google Workspace, Microsoft Entra ID, ClassLink,
/// Clever, …). The redirect URI to register with it is `{issuer.url}/console/sign-in/callback`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcSection {
    /// The provider's issuer URL (its discovery document is at
    /// `{issuer}/.well-known/openid-configuration`).
    pub issuer: String,
    /// The client id the provider gave Cairn.
    pub client_id: String,
    /// A file (0600, relative to cairn.toml) holding the client secret; or set
    /// `CAIRN_OIDC_CLIENT_SECRET`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret_file: Option<PathBuf>,
    /// What the sign-in button calls the provider ("Sign in with …"); default "your district
    /// account".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Email domains whose people may sign in (`springfield.k12.us`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_domains: Vec<String>,
    /// Single addresses that may sign in although their domain is not listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed_emails: Vec<String>,
    /// The role given at first sign-in to someone allowed by domain who is not yet staff.
    /// Unset: only people an administrator added may sign in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_role: Option<String>,
}

/// Sharing a credential: the public page's LinkedIn link.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharingSection {
    /// The district's LinkedIn company id (the number in its LinkedIn admin URL); LinkedIn then
    /// links the certification to the district's page. Unset: the issuer's name is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linkedin_organization_id: Option<String>,
    /// Hosts the achievement images may be fetched from although they resolve to a private
    /// address (a district's intranet web server). Images are fetched over https from public
    /// addresses otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_allow_hosts: Vec<String>,
    /// Also fetch achievement images over plain http (development only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub image_allow_http: bool,
}

impl SharingSection {
    fn is_default(&self) -> bool {
        *self == SharingSection::default()
    }
}

/// Status lists (W3C Bitstring Status List v1.0) for revocation and suspension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusSection {
    /// Whether credentials get status entries. Unset: yes when `issuer.url` is set (the lists
    /// are published under it), no otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The purposes each credential gets an entry for: `revocation` and `suspension` (the
    /// default, a two-entry array as VC 2.0 allows), or one of them, which gives a single
    /// `credentialStatus` object as the OB 3.0 JSON Schema requires.
    #[serde(default = "default_purposes")]
    pub purposes: Vec<String>,
    /// Entries per list (at least 131,072, the minimum for herd privacy).
    #[serde(default = "default_list_size")]
    pub list_size: u32,
    /// How long a published list is valid (`validUntil` − `validFrom`); it is re-signed when
    /// half of that has passed, and on every change.
    #[serde(default = "default_validity_hours")]
    pub validity_hours: u32,
    /// How long verifiers may cache a list (the list's `ttl` and `Cache-Control: max-age`).
    #[serde(default = "default_ttl_seconds")]
    pub ttl_seconds: u32,
}

fn default_purposes() -> Vec<String> {
    vec!["revocation".to_owned(), "suspension".to_owned()]
}

fn default_list_size() -> u32 {
    131_072
}

fn default_validity_hours() -> u32 {
    24
}

fn default_ttl_seconds() -> u32 {
    300
}

impl Default for StatusSection {
    fn default() -> Self {
        StatusSection {
            enabled: None,
            purposes: default_purposes(),
            list_size: default_list_size(),
            validity_hours: default_validity_hours(),
            ttl_seconds: default_ttl_seconds(),
        }
    }
}

impl StatusSection {
    fn is_default(&self) -> bool {
        *self == StatusSection::default()
    }
}

/// The HTTP service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    /// Whether `POST /credentials/issue` (W3C VC-API) needs a bearer token with the issue scope.
    /// Turn off only for local conformance runs.
    #[serde(default = "yes")]
    pub vc_api_requires_token: bool,
    /// How long a request holds its `Idempotency-Key` (seconds): when it dies without an answer
    /// (a crash), a retry with the key runs again after this long.
    #[serde(default = "idempotency_lease_seconds")]
    pub idempotency_lease_seconds: u32,
}

fn idempotency_lease_seconds() -> u32 {
    60
}

fn yes() -> bool {
    true
}

impl Default for ServerSection {
    fn default() -> Self {
        ServerSection {
            vc_api_requires_token: true,
            idempotency_lease_seconds: idempotency_lease_seconds(),
        }
    }
}

impl ServerSection {
    fn is_default(&self) -> bool {
        *self == ServerSection::default()
    }
}

/// The issuer's public profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerSection {
    /// The issuer's DID (`did:key:…` or `did:web:…`); it is `issuer.id` in every credential.
    pub id: String,
    /// The issuer's display name.
    pub name: String,
    /// The district's public web address; also the base of achievement and credential URLs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// A contact email shown in the profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A description shown in the profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// An image URL for the profile (https).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// The district's IANA time zone (`America/Chicago`): dates on the public pages and
    /// certificates are written in it. Default UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
}

impl IssuerSection {
    /// The configured time zone (checked when the config is loaded), else UTC.
    pub fn tz(&self) -> cairn_render::Tz {
        self.time_zone
            .as_deref()
            .and_then(|z| cairn_render::time_zone(z).ok())
            .unwrap_or(cairn_render::Tz::UTC)
    }
}

/// Where the signing keys live.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysSection {
    /// Directory of key files, relative to the config file.
    pub dir: PathBuf,
    /// The Ed25519 key id new credentials are signed with (Data Integrity, EdDSA VC-JWT).
    pub signing_key: String,
    /// The RSA key id for RS256 VC-JWT, if the issuer has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rsa_key: Option<String>,
}

/// The database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSection {
    /// `sqlite:FILE` (relative to the config file) — the embedded default.
    pub url: String,
}

/// A config together with the directory its relative paths start from.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// The parsed file.
    pub config: Config,
    /// The directory relative paths in the file start from (the file's own).
    pub dir: PathBuf,
    /// The file's path.
    pub path: PathBuf,
}

impl LoadedConfig {
    /// Reads and checks `path`, then applies environment overrides.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::ConfigUnreadable(path.to_path_buf(), e.to_string()))?;
        let mut config: Config = toml::from_str(&text)
            .map_err(|e| Error::ConfigInvalid(path.to_path_buf(), e.to_string()))?;
        let invalid = |m: &str| Error::ConfigInvalid(path.to_path_buf(), m.to_owned());
        if config.status.list_size < 131_072 {
            return Err(invalid(
                "status.list_size must be at least 131072 (BSL v1.0 herd privacy)",
            ));
        }
        let purposes = &config.status.purposes;
        let known = purposes
            .iter()
            .all(|p| p == "revocation" || p == "suspension");
        if purposes.is_empty() || !known || (purposes.len() == 2 && purposes[0] == purposes[1]) {
            return Err(invalid(
                "status.purposes lists revocation and/or suspension, each once",
            ));
        }
        if config.status.validity_hours == 0 || config.status.ttl_seconds == 0 {
            return Err(invalid(
                "status.validity_hours and status.ttl_seconds must be positive",
            ));
        }
        if let Some(zone) = &config.issuer.time_zone {
            cairn_render::time_zone(zone)
                .map_err(|m| invalid(&format!("issuer.time_zone: {m}")))?;
        }
        if let Some(oidc) = &config.oidc {
            if oidc.allowed_domains.is_empty() && oidc.allowed_emails.is_empty() {
                return Err(invalid(
                    "oidc needs allowed_domains or allowed_emails: who may sign in",
                ));
            }
            if let Some(role) = &oidc.default_role {
                crate::Role::parse(role)
                    .map_err(|e| invalid(&format!("oidc.default_role: {e}")))?;
            }
            if config.issuer.url.is_none() {
                return Err(invalid(
                    "oidc needs issuer.url: the provider sends people back to {issuer.url}/console/sign-in/callback",
                ));
            }
        }
        if config.console.idle_minutes == 0 || config.console.absolute_hours == 0 {
            return Err(invalid(
                "console.idle_minutes and console.absolute_hours must be positive",
            ));
        }
        let e = &config.evidence;
        // A submission's files together stay under the console's 64 MiB upload limit.
        if e.max_file_mib == 0 || e.max_file_mib > 60 || e.max_files == 0 || e.max_files > 50 {
            return Err(invalid(
                "evidence.max_file_mib must be 1–60 and evidence.max_files 1–50",
            ));
        }
        if let Ok(url) = std::env::var(ENV_DATABASE_URL) {
            config.database.url = url;
        }
        let dir = path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        let dir = if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        };
        Ok(LoadedConfig {
            config,
            dir,
            path: path.to_path_buf(),
        })
    }

    /// The key directory as a path usable from the current directory.
    pub fn key_dir(&self) -> PathBuf {
        self.dir.join(&self.config.keys.dir)
    }

    /// The database URL with a relative SQLite path resolved against the config directory.
    pub fn database_url(&self) -> String {
        let url = &self.config.database.url;
        match url.strip_prefix("sqlite:") {
            Some(rest) => {
                let rest = rest.trim_start_matches("//");
                let p = Path::new(rest);
                if p.is_absolute() || rest == ":memory:" {
                    format!("sqlite:{rest}")
                } else {
                    format!("sqlite:{}", self.dir.join(p).display())
                }
            }
            None => url.clone(),
        }
    }
}

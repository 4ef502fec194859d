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
    pub issuer: IssuerSection,
    pub keys: KeysSection,
    pub database: DatabaseSection,
    #[serde(default, skip_serializing_if = "ServerSection::is_default")]
    pub server: ServerSection,
}

/// The HTTP service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSection {
    /// Whether `POST /credentials/issue` (W3C VC-API) needs a bearer token with the issue scope.
    /// Turn off only for local conformance runs.
    #[serde(default = "yes")]
    pub vc_api_requires_token: bool,
}

fn yes() -> bool {
    true
}

impl Default for ServerSection {
    fn default() -> Self {
        ServerSection {
            vc_api_requires_token: true,
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
    pub name: String,
    /// The district's public web address; also the base of achievement and credential URLs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
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
    pub config: Config,
    pub dir: PathBuf,
    pub path: PathBuf,
}

impl LoadedConfig {
    /// Reads and checks `path`, then applies environment overrides.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::ConfigUnreadable(path.to_path_buf(), e.to_string()))?;
        let mut config: Config = toml::from_str(&text)
            .map_err(|e| Error::ConfigInvalid(path.to_path_buf(), e.to_string()))?;
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

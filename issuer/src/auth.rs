//! API tokens: bearer secrets with scopes, kept only as a SHA-256 and compared in constant time.

use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::credential::rfc3339;
use crate::error::Error;
use crate::store::{Actor, Store, StoredToken};

/// What a token may do. `admin` may do everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// May issue credentials.
    Issue,
    /// May revoke, suspend and reinstate credentials.
    Revoke,
    /// May read credentials, achievements and lists.
    Read,
    /// May sign, through the VC-API, credentials of any type this issuer vouches for (with
    /// `issue` alone, the VC-API signs only badges of this issuer's own achievements).
    Sign,
    /// May do everything, including managing tokens and achievements.
    Admin,
}

impl Scope {
    /// The scope's name as tokens and the API spell it.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Issue => "issue",
            Scope::Revoke => "revoke",
            Scope::Read => "read",
            Scope::Sign => "sign",
            Scope::Admin => "admin",
        }
    }

    /// Reads a scope from its name; an unknown name is `invalid_input`.
    pub fn parse(s: &str) -> Result<Self, Error> {
        match s {
            "issue" => Ok(Scope::Issue),
            "revoke" => Ok(Scope::Revoke),
            "read" => Ok(Scope::Read),
            "sign" => Ok(Scope::Sign),
            "admin" => Ok(Scope::Admin),
            other => Err(Error::input(
                "scope",
                format!("{other:?} is not a scope (issue, revoke, read, sign, admin)"),
            )),
        }
    }
}

/// The caller a valid token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The token's public id (the part after `cairn_`).
    pub token_id: String,
    /// The name the token was created with (who or what uses it).
    pub name: String,
    /// What the token may do.
    pub scopes: Vec<Scope>,
}

impl Principal {
    /// Whether this caller may act in `scope` (`admin` may act in all).
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope) || self.scopes.contains(&Scope::Admin)
    }

    /// How the audit log names this caller.
    pub fn actor(&self) -> crate::Actor {
        crate::Actor(format!("token:{}", self.token_id))
    }
}

const PREFIX: &str = "cairn_";

/// SHA-256 (hex) of a secret, as every secret the issuer hands out (API tokens, wallet claim
/// secrets) is stored.
pub(crate) fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Whether two stored hashes are the same (compared in constant time).
pub(crate) fn same_secret_hash(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// 256 random bits, base64url: a secret to hand out.
pub(crate) fn random_secret() -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// A new token: the row to store and the text to show once (`cairn_<id>_<secret>`).
pub(crate) fn new_token(
    name: &str,
    scopes: &[Scope],
    at: &str,
) -> Result<(StoredToken, String), Error> {
    if name.trim().is_empty() {
        return Err(Error::input("name", "a token needs a name"));
    }
    if scopes.is_empty() {
        return Err(Error::input("scope", "a token needs at least one scope"));
    }
    let id = hex::encode(rand::random::<[u8; 8]>());
    let secret = random_secret();
    let mut names: Vec<&str> = scopes.iter().map(|s| s.name()).collect();
    names.sort_unstable();
    names.dedup();
    let row = StoredToken {
        id: id.clone(),
        name: name.trim().to_owned(),
        scopes: names.join(" "),
        secret_hash: hash_secret(&secret),
        created_at: at.to_owned(),
        revoked_at: None,
    };
    Ok((row, format!("{PREFIX}{id}_{secret}")))
}

/// The principal behind a bearer token, or None when it is unknown, malformed or revoked.
pub(crate) async fn authenticate(
    store: &dyn Store,
    token: &str,
) -> Result<Option<Principal>, Error> {
    let Some((id, secret)) = token.strip_prefix(PREFIX).and_then(|t| t.split_once('_')) else {
        return Ok(None);
    };
    if id.len() != 16 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let Some(row) = store.token(id).await? else {
        return Ok(None);
    };
    let given = hash_secret(secret);
    let same: bool = given.as_bytes().ct_eq(row.secret_hash.as_bytes()).into();
    if !same || row.revoked_at.is_some() {
        return Ok(None);
    }
    let scopes = row
        .scopes
        .split_whitespace()
        .filter_map(|s| Scope::parse(s).ok())
        .collect();
    Ok(Some(Principal {
        token_id: row.id,
        name: row.name,
        scopes,
    }))
}

impl crate::Issuer {
    /// Creates an API token; returns its id and the secret text, which is shown only once.
    pub async fn create_token(
        &self,
        name: &str,
        scopes: &[Scope],
        actor: &Actor,
    ) -> Result<(String, String), Error> {
        let (row, text) = new_token(name, scopes, &rfc3339(self.now()))?;
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
        authenticate(self.store.as_ref(), bearer).await
    }
}

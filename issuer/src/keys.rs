//! The key store: Ed25519 signing keys in PKCS#8 PEM files that only the owner can read.
//!
//! DESIGN invariant 4: private keys never leave the key store. [`IssuerKey`] has no `Serialize`,
//! its `Debug` shows only the public part, and the dalek key zeroizes on drop.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};

use crate::error::Error;

/// An issuer's Ed25519 signing key, loaded from its file.
pub struct IssuerKey {
    key_id: String,
    signing: SigningKey,
}

impl std::fmt::Debug for IssuerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuerKey")
            .field("key_id", &self.key_id)
            .field(
                "public",
                &cairn_verifier::encode_multikey(&self.verifying_key()),
            )
            .finish_non_exhaustive()
    }
}

impl IssuerKey {
    /// Generates a new key with the operating system's random source.
    pub fn generate(key_id: &str) -> Self {
        IssuerKey {
            key_id: key_id.to_owned(),
            signing: SigningKey::generate(&mut rand::rngs::OsRng),
        }
    }

    /// Reads a key from PKCS#8 PEM text (used for the bundled example key).
    pub fn from_pem(key_id: &str, pem: &str, origin: &Path) -> Result<Self, Error> {
        let signing = SigningKey::from_pkcs8_pem(pem)
            .map_err(|e| Error::KeyInvalid(origin.to_path_buf(), e.to_string()))?;
        Ok(IssuerKey {
            key_id: key_id.to_owned(),
            signing,
        })
    }

    /// The key's id (the verification method's fragment).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public half.
    pub fn verifying_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }
}

/// An issuer's RSA signing key (RS256 VC-JWT), kept as PKCS#8 PEM and used through OpenSSL.
pub struct RsaIssuerKey {
    key_id: String,
    signer: josekit::jws::alg::rsassa::RsassaJwsSigner,
    public_jwk: serde_json::Map<String, serde_json::Value>,
}

impl std::fmt::Debug for RsaIssuerKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RsaIssuerKey")
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

/// RSA modulus size for new keys.
const RSA_BITS: u32 = 2048;

impl RsaIssuerKey {
    /// Generates a new RSA-2048 key; returns it with its PKCS#8 PEM (to be written 0600).
    pub fn generate(key_id: &str) -> Result<(Self, zeroize::Zeroizing<Vec<u8>>), Error> {
        let pair = josekit::jws::RS256
            .generate_key_pair(RSA_BITS)
            .map_err(|e| Error::Signing(format!("cannot generate an RSA key: {e}")))?;
        let pem = zeroize::Zeroizing::new(josekit::jwk::KeyPair::to_pem_private_key(&pair));
        let key = Self::from_pem(key_id, &pem, Path::new("(generated)"))?;
        Ok((key, pem))
    }

    /// Reads a PKCS#8 (or PKCS#1) PEM RSA private key.
    pub fn from_pem(key_id: &str, pem: &[u8], origin: &Path) -> Result<Self, Error> {
        let invalid =
            |e: josekit::JoseError| Error::KeyInvalid(origin.to_path_buf(), e.to_string());
        let pair = josekit::jws::RS256
            .key_pair_from_pem(pem)
            .map_err(invalid)?;
        let signer = josekit::jws::RS256.signer_from_pem(pem).map_err(invalid)?;
        let jwk = josekit::jwk::KeyPair::to_jwk_public_key(&pair);
        let mut public_jwk = serde_json::Map::new();
        for member in ["kty", "n", "e"] {
            if let Some(v) = jwk.parameter(member) {
                public_jwk.insert(member.to_owned(), v.clone());
            }
        }
        Ok(RsaIssuerKey {
            key_id: key_id.to_owned(),
            signer,
            public_jwk,
        })
    }

    /// The key's id (the verification method's fragment).
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The public key as a JWK (`kty`, `n`, `e` only).
    pub fn public_jwk(&self) -> &serde_json::Map<String, serde_json::Value> {
        &self.public_jwk
    }

    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, Error> {
        josekit::jws::JwsSigner::sign(&self.signer, message)
            .map_err(|e| Error::Signing(format!("RS256 signing failed: {e}")))
    }
}

/// The RSA key file for `key_id` in `dir`.
pub(crate) fn rsa_key_path(dir: &Path, key_id: &str) -> PathBuf {
    dir.join(format!("{key_id}.rsa.pem"))
}

/// Writes PEM text to a new 0600 file; refuses to overwrite.
pub fn write_secret_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::Io(dir.to_path_buf(), e.to_string()))?;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| Error::Io(dir.to_path_buf(), e.to_string()))?;
    }
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::Io(path.to_path_buf(), e.to_string()))?;
    file.write_all(bytes)
        .map_err(|e| Error::Io(path.to_path_buf(), e.to_string()))
}

/// Reads a secret file, refusing one that group or others can read.
pub(crate) fn read_secret_file(path: &Path) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
    let meta = std::fs::metadata(path).map_err(|e| Error::Io(path.to_path_buf(), e.to_string()))?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(Error::KeyFilePermissions(path.to_path_buf()));
    }
    std::fs::read(path)
        .map(zeroize::Zeroizing::new)
        .map_err(|e| Error::Io(path.to_path_buf(), e.to_string()))
}

/// Loads the RSA key `key_id` from `dir`.
pub(crate) fn load_rsa_key(dir: &Path, key_id: &str) -> Result<RsaIssuerKey, Error> {
    let path = rsa_key_path(dir, key_id);
    let pem = read_secret_file(&path)?;
    RsaIssuerKey::from_pem(key_id, &pem, &path)
}

/// The key file for `key_id` in `dir`.
pub(crate) fn key_path(dir: &Path, key_id: &str) -> PathBuf {
    dir.join(format!("{key_id}.ed25519.pem"))
}

/// Writes `key` to a new file (mode 0600) in `dir`; refuses to overwrite.
pub(crate) fn write_key(dir: &Path, key: &IssuerKey) -> Result<PathBuf, Error> {
    let path = key_path(dir, &key.key_id);
    let pem = key
        .signing
        .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map_err(|e| Error::KeyInvalid(path.clone(), e.to_string()))?;
    write_secret_file(&path, pem.as_bytes())?;
    Ok(path)
}

/// Loads `key_id` from `dir`, refusing a file that group or others can read.
pub(crate) fn load_key(dir: &Path, key_id: &str) -> Result<IssuerKey, Error> {
    let path = key_path(dir, key_id);
    let bytes = read_secret_file(&path)?;
    let pem = std::str::from_utf8(&bytes)
        .map_err(|_| Error::KeyInvalid(path.clone(), "not PEM text".into()))?;
    IssuerKey::from_pem(key_id, pem, &path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_written_0600_and_readable_files_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let key = IssuerKey::generate("key-1");
        let path = write_key(dir.path(), &key).expect("write");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let loaded = load_key(dir.path(), "key-1").expect("load");
        assert_eq!(loaded.verifying_key(), key.verifying_key());
        assert!(write_key(dir.path(), &key).is_err(), "overwrote a key");

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let err = load_key(dir.path(), "key-1").err().map(|e| e.code());
        assert_eq!(err, Some("key_file_permissions"));
    }

    #[test]
    fn rsa_keys_round_trip_and_sign() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (key, pem) = RsaIssuerKey::generate("rsa-1").expect("generate");
        write_secret_file(&rsa_key_path(dir.path(), "rsa-1"), &pem).expect("write");
        let loaded = load_rsa_key(dir.path(), "rsa-1").expect("load");
        assert_eq!(loaded.public_jwk(), key.public_jwk());
        assert_eq!(loaded.public_jwk()["kty"], "RSA");
        assert!(!format!("{loaded:?}").contains("PRIVATE"));
        assert_eq!(loaded.sign(b"m").expect("sign").len(), 256);
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let key = IssuerKey::generate("key-1");
        let shown = format!("{key:?}");
        assert!(shown.contains("z6Mk"));
        let secret_hex = hex::encode(key.signing.to_bytes());
        assert!(!shown.contains(&secret_hex));
    }
}

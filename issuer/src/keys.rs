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

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    pub fn verifying_key(&self) -> VerifyingKey {
        self.signing.verifying_key()
    }

    pub(crate) fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }
}

/// The key file for `key_id` in `dir`.
pub fn key_path(dir: &Path, key_id: &str) -> PathBuf {
    dir.join(format!("{key_id}.ed25519.pem"))
}

/// Writes `key` to a new file (mode 0600) in `dir`; refuses to overwrite.
pub fn write_key(dir: &Path, key: &IssuerKey) -> Result<PathBuf, Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::Io(dir.to_path_buf(), e.to_string()))?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
        .map_err(|e| Error::Io(dir.to_path_buf(), e.to_string()))?;
    let path = key_path(dir, &key.key_id);
    let pem = key
        .signing
        .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map_err(|e| Error::KeyInvalid(path.clone(), e.to_string()))?;
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| Error::Io(path.clone(), e.to_string()))?;
    file.write_all(pem.as_bytes())
        .map_err(|e| Error::Io(path.clone(), e.to_string()))?;
    Ok(path)
}

/// Loads `key_id` from `dir`, refusing a file that group or others can read.
pub fn load_key(dir: &Path, key_id: &str) -> Result<IssuerKey, Error> {
    let path = key_path(dir, key_id);
    let meta = std::fs::metadata(&path).map_err(|e| Error::Io(path.clone(), e.to_string()))?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(Error::KeyFilePermissions(path));
    }
    let pem = zeroize::Zeroizing::new(
        std::fs::read_to_string(&path).map_err(|e| Error::Io(path.clone(), e.to_string()))?,
    );
    IssuerKey::from_pem(key_id, &pem, &path)
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
    fn debug_never_shows_the_secret() {
        let key = IssuerKey::generate("key-1");
        let shown = format!("{key:?}");
        assert!(shown.contains("z6Mk"));
        let secret_hex = hex::encode(key.signing.to_bytes());
        assert!(!shown.contains(&secret_hex));
    }
}

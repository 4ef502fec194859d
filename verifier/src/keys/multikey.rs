//! Multikeys (Controlled Identifiers v1.0 §2.2.2; VC-DI-EdDSA §2.1.1, VC-DI-ECDSA §2.1.1):
//! multibase base58-btc, a multicodec prefix, then the public key.

use ed25519_dalek::VerifyingKey;

use super::{KeyError, PublicKey};

/// Multicodec prefix of an Ed25519 public key (varint 0xed).
const ED25519_PUB_MULTICODEC: [u8; 2] = [0xed, 0x01];
/// Multicodec prefixes of compressed P-256 and P-384 public keys (varints 0x1200 and 0x1201;
/// VC-DI-ECDSA §2.1.1, `zDn…` and `z82…` Multikeys).
const P256_PUB_MULTICODEC: [u8; 2] = [0x80, 0x24];
const P384_PUB_MULTICODEC: [u8; 2] = [0x81, 0x24];

/// Decodes a multibase base58-btc Ed25519 Multikey (`z6Mk…`).
pub(crate) fn decode_multikey(mb: &str) -> Result<VerifyingKey, KeyError> {
    match decode_any_multikey(mb)? {
        PublicKey::Ed25519(key) => Ok(key),
        other => Err(KeyError::Unsupported(format!(
            "{mb} is a {} key, not an Ed25519 key",
            other.kind()
        ))),
    }
}

/// Decodes a multibase base58-btc Multikey: Ed25519 (`z6Mk…`), P-256 (`zDn…`) or P-384 (`z82…`),
/// the curves' points compressed (SEC1 §2.3.3).
pub(crate) fn decode_any_multikey(mb: &str) -> Result<PublicKey, KeyError> {
    let invalid = || KeyError::Invalid(format!("{mb:?} is not a base58-btc multikey"));
    let b58 = mb.strip_prefix('z').ok_or_else(invalid)?;
    let bytes = bs58::decode(b58).into_vec().map_err(|_| invalid())?;
    decode_multikey_bytes(&bytes, mb)
}

/// A Multikey's bytes (multicodec prefix, then the key), as `decode_any_multikey` reads them.
pub(crate) fn decode_multikey_bytes(bytes: &[u8], what: &str) -> Result<PublicKey, KeyError> {
    let invalid = |curve: &str| KeyError::Invalid(format!("{what} is not a valid {curve} key"));
    if let Some(raw) = bytes.strip_prefix(&ED25519_PUB_MULTICODEC) {
        return ed25519_key(raw, what).map(PublicKey::Ed25519);
    }
    if let Some(raw) = bytes.strip_prefix(&P256_PUB_MULTICODEC) {
        return match raw.len() {
            33 => p256::ecdsa::VerifyingKey::from_sec1_bytes(raw)
                .map(PublicKey::P256)
                .map_err(|_| invalid("P-256")),
            _ => Err(invalid("P-256")),
        };
    }
    if let Some(raw) = bytes.strip_prefix(&P384_PUB_MULTICODEC) {
        return match raw.len() {
            49 => p384::ecdsa::VerifyingKey::from_sec1_bytes(raw)
                .map(PublicKey::P384)
                .map_err(|_| invalid("P-384")),
            _ => Err(invalid("P-384")),
        };
    }
    Err(KeyError::Unsupported(format!(
        "{what} is not an Ed25519, P-256 or P-384 key"
    )))
}

/// Decodes a multibase base58-btc Ed25519 Multikey (`z6Mk…`), or None.
pub fn decode_ed25519_multikey(mb: &str) -> Option<VerifyingKey> {
    decode_multikey(mb).ok()
}

/// Encodes an Ed25519 public key as a multibase base58-btc Multikey (`z6Mk…`).
pub fn encode_multikey(key: &VerifyingKey) -> String {
    let mut bytes = ED25519_PUB_MULTICODEC.to_vec();
    bytes.extend_from_slice(key.as_bytes());
    format!("z{}", bs58::encode(bytes).into_string())
}

pub(super) fn ed25519_key(bytes: &[u8], what: &str) -> Result<VerifyingKey, KeyError> {
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| KeyError::Invalid(format!("{what} is not a 32-byte Ed25519 key")))?;
    VerifyingKey::from_bytes(&arr)
        .map_err(|_| KeyError::Invalid(format!("{what} is not a valid Ed25519 point")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multikey_round_trips_the_w3c_test_key() {
        let mb = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2";
        let key = decode_multikey(mb).ok();
        assert_eq!(key.map(|k| encode_multikey(&k)).as_deref(), Some(mb));
        assert_eq!(
            decode_multikey("u6MkrJVn").err().map(|e| e.code()),
            Some("invalid_verification_method")
        );
    }
}

//! The issuer's identity: did:key from its key, or did:web from its domain, and the DID document.

use serde_json::{json, Value};

use crate::error::Error;

/// How the issuer is identified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityKind {
    /// `did:key` derived from the signing key (simple and test setups).
    DidKey,
    /// `did:web` at this host (`host[:port][/path]`), the district's own domain.
    DidWeb(String),
}

/// `did:key:z6Mk…` for an Ed25519 key.
pub(crate) fn did_key(key: &ed25519_dalek::VerifyingKey) -> String {
    format!("did:key:{}", cairn_verifier::encode_multikey(key))
}

/// did:web §3.1: `host[:port][/path]` → `did:web:host[%3Aport][:path]`.
pub(crate) fn did_web(host: &str) -> Result<String, Error> {
    let host = host.trim().trim_end_matches('/');
    let host = host.strip_prefix("https://").unwrap_or(host);
    let (authority, path) = match host.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (host, None),
    };
    let authority_ok = !authority.is_empty()
        && authority
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
    if !authority_ok {
        return Err(Error::input(
            "did-web host",
            format!("{authority:?} is not a host name"),
        ));
    }
    let mut did = format!(
        "did:web:{}",
        authority.to_ascii_lowercase().replace(':', "%3A")
    );
    if let Some(path) = path {
        for seg in path.split('/') {
            let ok = !seg.is_empty()
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '~'));
            if !ok {
                return Err(Error::input(
                    "did-web host",
                    format!("path segment {seg:?} is not allowed"),
                ));
            }
            did.push(':');
            did.push_str(seg);
        }
    }
    Ok(did)
}

/// The verification method id of an RSA key (did:web issuers only publish several keys).
pub(crate) fn rsa_verification_method(issuer_id: &str, key_id: &str) -> String {
    format!("{issuer_id}#{key_id}")
}

/// The verification method id an issuer signs with.
pub(crate) fn verification_method(
    issuer_id: &str,
    key_id: &str,
    key: &ed25519_dalek::VerifyingKey,
) -> String {
    if issuer_id.starts_with("did:key:") {
        format!("{issuer_id}#{}", cairn_verifier::encode_multikey(key))
    } else {
        format!("{issuer_id}#{key_id}")
    }
}

/// A verification method: Ed25519 keys as Multikey, RSA keys as JsonWebKey.
pub(crate) fn method(issuer_id: &str, key: &crate::StoredKey) -> Value {
    if key.algorithm == "RS256" {
        let jwk: Value = serde_json::from_str(&key.public_key).unwrap_or(Value::Null);
        json!({
            "id": key.verification_method,
            "type": "JsonWebKey",
            "controller": issuer_id,
            "publicKeyJwk": jwk,
        })
    } else {
        json!({
            "id": key.verification_method,
            "type": "Multikey",
            "controller": issuer_id,
            "publicKeyMultibase": key.public_key,
        })
    }
}

/// The DID document a did:web issuer publishes at its `did.json` URL: every key, current and
/// retired, usable for assertions.
pub(crate) fn did_document(issuer_id: &str, keys: &[crate::StoredKey]) -> Value {
    let methods: Vec<Value> = keys.iter().map(|k| method(issuer_id, k)).collect();
    let refs: Vec<Value> = methods.iter().map(|m| m["id"].clone()).collect();
    json!({
        "@context": [
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/multikey/v1",
            "https://w3id.org/security/jwk/v1"
        ],
        "id": issuer_id,
        "verificationMethod": methods,
        "assertionMethod": refs,
        "authentication": refs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_web_from_hosts() {
        assert_eq!(
            did_web("credentials.springfield.k12.us").ok().as_deref(),
            Some("did:web:credentials.springfield.k12.us")
        );
        assert_eq!(
            did_web("localhost:8443").ok().as_deref(),
            Some("did:web:localhost%3A8443")
        );
        assert_eq!(
            did_web("https://example.org/district/a/").ok().as_deref(),
            Some("did:web:example.org:district:a")
        );
        for bad in ["", "a b", "x.org/../etc", "user@host"] {
            assert!(did_web(bad).is_err(), "{bad}");
        }
    }
}

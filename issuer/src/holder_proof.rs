//! The wallet's key proof in OpenID4VCI 1.0 (Appendix F.1, `openid4vci-proof+jwt`): header and
//! claim rules, the key it names (a `did:key` URL or an inline `jwk`), its signature (EdDSA or
//! ES256), and the holder DID the credential is then bound to.

use base64::Engine;
use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::error::{Error, WalletRefusal};

/// The largest proof JWT read.
const MAX_PROOF_BYTES: usize = 8 * 1024;
/// How far in the future `iat` may be (clock skew).
const IAT_FUTURE_SECONDS: i64 = 60;
/// How old a proof may be.
const IAT_MAX_AGE_SECONDS: i64 = 600;
/// Multicodec prefixes of did:key public keys.
const ED25519_PUB: [u8; 2] = [0xed, 0x01];
const P256_PUB: [u8; 2] = [0x80, 0x24];

/// A proof that checked out: the holder's DID and the `nonce` it carries, which the caller must
/// still use up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProvenHolder {
    pub(crate) did: String,
    pub(crate) nonce: Option<String>,
}

/// A public key the proof may be signed with.
enum HolderKey {
    Ed25519(ed25519_dalek::VerifyingKey),
    P256(p256::ecdsa::VerifyingKey),
}

fn invalid(message: impl Into<String>) -> Error {
    Error::wallet(WalletRefusal::InvalidProof, message)
}

/// OpenID4VCI 1.0 Appendix F.1–F.4: checks a key proof for `audience` (the credential issuer
/// identifier) at `now`.
pub(crate) fn verify_proof_jwt(
    jwt: &str,
    audience: &str,
    now: DateTime<Utc>,
) -> Result<ProvenHolder, Error> {
    if jwt.len() > MAX_PROOF_BYTES {
        return Err(invalid("the proof is too large"));
    }
    let parts: Vec<&str> = jwt.split('.').collect();
    let [header_b64, payload_b64, signature_b64] = parts[..] else {
        return Err(invalid("the proof is not a compact JWS"));
    };
    let decode = |part: &str, what: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| invalid(format!("the proof's {what} is not base64url")))
    };
    let object = |bytes: Vec<u8>, what: &str| match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(o)) => Ok(o),
        _ => Err(invalid(format!("the proof's {what} is not a JSON object"))),
    };
    let header = object(decode(header_b64, "header")?, "header")?;
    let payload = object(decode(payload_b64, "payload")?, "payload")?;
    let signature = decode(signature_b64, "signature")?;

    // F.1: typ must be openid4vci-proof+jwt; alg an asymmetric algorithm (never none).
    if header.get("typ").and_then(Value::as_str) != Some("openid4vci-proof+jwt") {
        return Err(invalid("the proof's typ must be openid4vci-proof+jwt"));
    }
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    if header.contains_key("crit") {
        return Err(invalid("the proof has crit header parameters"));
    }
    // F.1: exactly one of kid, jwk and x5c names the key.
    let named = ["kid", "jwk", "x5c"]
        .iter()
        .filter(|k| header.contains_key(**k))
        .count();
    if named != 1 {
        return Err(invalid(
            "the proof must name its key by exactly one of kid, jwk, x5c",
        ));
    }
    let (key, did) = match (header.get("kid"), header.get("jwk")) {
        (Some(Value::String(kid)), _) => did_key_url(kid)?,
        (_, Some(Value::Object(jwk))) => jwk_key(jwk)?,
        _ if header.contains_key("x5c") => {
            return Err(invalid(
                "x5c key proofs are not supported; use a did:key kid or a jwk",
            ))
        }
        _ => return Err(invalid("the proof's kid or jwk is malformed")),
    };
    let signing_input = format!("{header_b64}.{payload_b64}");
    match (alg, &key) {
        ("EdDSA", HolderKey::Ed25519(k)) => {
            let sig = ed25519_dalek::Signature::from_slice(&signature)
                .map_err(|_| invalid("the proof's signature is not 64 bytes"))?;
            k.verify_strict(signing_input.as_bytes(), &sig)
                .map_err(|_| invalid("the proof's signature does not match its key"))?;
        }
        ("ES256", HolderKey::P256(k)) => {
            use p256::ecdsa::signature::Verifier;
            let sig = p256::ecdsa::Signature::from_slice(&signature)
                .map_err(|_| invalid("the proof's signature is not a 64-byte ES256 signature"))?;
            k.verify(signing_input.as_bytes(), &sig)
                .map_err(|_| invalid("the proof's signature does not match its key"))?;
        }
        ("EdDSA" | "ES256", _) => {
            return Err(invalid(format!(
                "the proof's alg {alg} does not fit its key"
            )))
        }
        _ => {
            return Err(invalid(format!(
                "the proof's alg {alg:?} is not supported (EdDSA, ES256)"
            )))
        }
    }

    // F.1: aud is the credential issuer identifier.
    let aud_ok = match payload.get("aud") {
        Some(Value::String(a)) => a == audience,
        Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(audience)),
        _ => false,
    };
    if !aud_ok {
        return Err(invalid(format!("the proof's aud must be {audience}")));
    }
    // F.1: iat is required; a proof from the future or from long ago is refused.
    let iat = payload
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or_else(|| invalid("the proof has no numeric iat"))?;
    let age = now.timestamp() - iat;
    if !(-IAT_FUTURE_SECONDS..=IAT_MAX_AGE_SECONDS).contains(&age) {
        return Err(invalid("the proof's iat is not recent"));
    }
    let nonce = payload
        .get("nonce")
        .and_then(Value::as_str)
        .map(str::to_owned);
    Ok(ProvenHolder { did, nonce })
}

/// A `did:key:…#…` URL: the key it encodes (Ed25519 or P-256), and the DID.
fn did_key_url(kid: &str) -> Result<(HolderKey, String), Error> {
    let (did, fragment) = kid
        .split_once('#')
        .ok_or_else(|| invalid("the proof's kid must be a did:key URL with a fragment"))?;
    let multibase = did
        .strip_prefix("did:key:")
        .ok_or_else(|| invalid("the proof's kid must be a did:key URL (or send a jwk)"))?;
    // did:key §3.1.2: the fragment is the method-specific identifier itself.
    if fragment != multibase {
        return Err(invalid("the did:key URL's fragment must repeat its key"));
    }
    let bytes = multibase
        .strip_prefix('z')
        .and_then(|b58| bs58::decode(b58).into_vec().ok())
        .ok_or_else(|| invalid("the did:key is not base58btc multibase"))?;
    let key = match bytes.split_at_checked(2) {
        Some((prefix, raw)) if prefix == ED25519_PUB => {
            let raw: [u8; 32] = raw
                .try_into()
                .map_err(|_| invalid("the did:key's Ed25519 key is not 32 bytes"))?;
            HolderKey::Ed25519(
                ed25519_dalek::VerifyingKey::from_bytes(&raw)
                    .map_err(|_| invalid("the did:key's Ed25519 key is not a valid point"))?,
            )
        }
        Some((prefix, raw)) if prefix == P256_PUB => HolderKey::P256(
            p256::ecdsa::VerifyingKey::from_sec1_bytes(raw)
                .map_err(|_| invalid("the did:key's P-256 key is not a valid point"))?,
        ),
        _ => return Err(invalid("the did:key is neither Ed25519 nor P-256")),
    };
    Ok((key, did.to_owned()))
}

/// An inline public JWK (OKP/Ed25519 or EC/P-256): the key, and its `did:jwk`.
fn jwk_key(jwk: &Map<String, Value>) -> Result<(HolderKey, String), Error> {
    if jwk.contains_key("d") {
        return Err(invalid("the proof's jwk contains a private key"));
    }
    let member = |name: &str| {
        jwk.get(name)
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(format!("the proof's jwk has no {name}")))
    };
    let b64 = |name: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(member(name)?)
            .map_err(|_| invalid(format!("the proof's jwk {name} is not base64url")))
    };
    let (key, public) = match (member("kty")?, member("crv")?) {
        ("OKP", "Ed25519") => {
            let raw: [u8; 32] = b64("x")?
                .try_into()
                .map_err(|_| invalid("the proof's Ed25519 jwk is not 32 bytes"))?;
            let key = ed25519_dalek::VerifyingKey::from_bytes(&raw)
                .map_err(|_| invalid("the proof's Ed25519 jwk is not a valid point"))?;
            let public = serde_json::json!({"crv": "Ed25519", "kty": "OKP", "x": member("x")?});
            (HolderKey::Ed25519(key), public)
        }
        ("EC", "P-256") => {
            let (x, y) = (b64("x")?, b64("y")?);
            if x.len() != 32 || y.len() != 32 {
                return Err(invalid(
                    "the proof's P-256 jwk coordinates are not 32 bytes",
                ));
            }
            // SEC 1 §2.3.3: the uncompressed point 0x04 ‖ x ‖ y.
            let sec1 = [&[0x04][..], &x, &y].concat();
            let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
                .map_err(|_| invalid("the proof's P-256 jwk is not a valid point"))?;
            let public = serde_json::json!({
                "crv": "P-256", "kty": "EC", "x": member("x")?, "y": member("y")?
            });
            (HolderKey::P256(key), public)
        }
        (kty, crv) => {
            return Err(invalid(format!(
                "the proof's jwk ({kty}/{crv}) is neither OKP/Ed25519 nor EC/P-256"
            )))
        }
    };
    // did:jwk: the base64url of the public JWK's JSON (members in lexicographic order).
    let did = format!(
        "did:jwk:{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(public.to_string())
    );
    Ok((key, did))
}

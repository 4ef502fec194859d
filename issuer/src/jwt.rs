//! VC-JWT as Open Badges 3.0 §8.2 defines it: header `alg`, `kid`, `typ: JWT`; payload = the
//! credential plus `iss`, `jti`, `nbf`, `sub` and `exp`.

use base64::Engine;
use chrono::DateTime;
use serde_json::{json, Map, Value};

use crate::error::Error;

/// The JWS algorithms Cairn issues with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256: the OB 3.0 baseline for interoperability.
    Rs256,
    /// Ed25519.
    EdDsa,
}

impl JwtAlg {
    /// The JOSE `alg` value (RFC 7518).
    pub fn name(self) -> &'static str {
        match self {
            JwtAlg::Rs256 => "RS256",
            JwtAlg::EdDsa => "EdDSA",
        }
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn timestamp(credential: &Value, field: &'static str) -> Result<Option<i64>, Error> {
    match credential.get(field).and_then(Value::as_str) {
        None => Ok(None),
        Some(s) => DateTime::parse_from_rfc3339(s)
            .map(|d| Some(d.timestamp()))
            .map_err(|_| Error::Signing(format!("{field} is not a date-time"))),
    }
}

/// The signing input `base64url(header).base64url(payload)` for `credential`.
pub(crate) fn signing_input(credential: &Value, alg: JwtAlg, kid: &str) -> Result<String, Error> {
    let issuer = match credential.get("issuer") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(p)) => p
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    };
    let subject = credential
        .get("credentialSubject")
        .and_then(|s| s.get("id"))
        .and_then(Value::as_str)
        .ok_or_else(|| Error::Signing("a VC-JWT needs credentialSubject.id (sub)".into()))?;
    let mut payload: Map<String, Value> = credential
        .as_object()
        .cloned()
        .ok_or_else(|| Error::Signing("the credential is not an object".into()))?;
    // OB 3.0 §8.2.2: iss = issuer.id, jti = id, nbf = validFrom, sub = subject id, exp = validUntil.
    payload.insert("iss".into(), issuer.into());
    payload.insert(
        "jti".into(),
        credential.get("id").cloned().unwrap_or(Value::Null),
    );
    let nbf = timestamp(credential, "validFrom")?
        .ok_or_else(|| Error::Signing("a VC-JWT needs validFrom (nbf)".into()))?;
    payload.insert("nbf".into(), json!(nbf));
    payload.insert("sub".into(), subject.into());
    if let Some(exp) = timestamp(credential, "validUntil")? {
        payload.insert("exp".into(), json!(exp));
    }
    // OB 3.0 §8.2.1: only alg, kid and typ.
    let header = json!({"alg": alg.name(), "kid": kid, "typ": "JWT"});
    Ok(format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(Value::Object(payload).to_string().as_bytes())
    ))
}

/// `signing_input.base64url(signature)`.
pub(crate) fn compact(signing_input: &str, signature: &[u8]) -> String {
    format!("{signing_input}.{}", b64(signature))
}

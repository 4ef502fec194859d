//! Data Integrity proofs: `eddsa-rdfc-2022` (sign input and verify) and the legacy
//! `Ed25519Signature2020` (verify only).

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::canon::{CanonError, Canonicalizer};
use crate::ed25519::Checking;
use crate::keys::{resolve_key, KeyError, PublicKey};
use crate::resolver::Resolver;

/// The proof purpose an issuer's assertion must carry.
pub const ASSERTION_METHOD: &str = "assertionMethod";
/// The proof purpose a holder's presentation carries.
pub const AUTHENTICATION: &str = "authentication";

/// What went wrong with one proof; each variant maps to one stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProofFailure {
    Malformed(String),
    UnknownType(String),
    UnknownCryptosuite(String),
    WrongPurpose(String),
    ProofValueEncoding,
    Canonicalization(CanonError),
    Key(KeyError),
    KeyNotIssuers { controller: String, issuer: String },
    BadSignature,
}

impl ProofFailure {
    pub(crate) fn code(&self) -> &'static str {
        match self {
            ProofFailure::Malformed(_) => "malformed_proof",
            ProofFailure::UnknownType(_) => "unknown_proof_type",
            ProofFailure::UnknownCryptosuite(_) => "unknown_cryptosuite",
            ProofFailure::WrongPurpose(_) => "wrong_proof_purpose",
            ProofFailure::ProofValueEncoding => "invalid_proof_value_encoding",
            ProofFailure::Canonicalization(e) => e.code(),
            ProofFailure::Key(e) => e.code(),
            ProofFailure::KeyNotIssuers { .. } => "key_not_issuers",
            ProofFailure::BadSignature => "bad_signature",
        }
    }

    pub(crate) fn message(&self) -> String {
        match self {
            ProofFailure::Malformed(m) => format!("the proof is malformed: {m}"),
            ProofFailure::UnknownType(t) => format!("the proof type {t:?} is not supported"),
            ProofFailure::UnknownCryptosuite(s) => {
                format!("the cryptosuite {s:?} is not supported (eddsa-rdfc-2022 is)")
            }
            ProofFailure::WrongPurpose(p) => {
                format!("the proof purpose is {p:?}; an issuer's proof must be assertionMethod and a holder's authentication")
            }
            ProofFailure::ProofValueEncoding => {
                "the proofValue is not multibase base58-btc ('z…') of a 64-byte signature"
                    .to_owned()
            }
            ProofFailure::Canonicalization(e) => e.to_string(),
            ProofFailure::Key(e) => e.message(),
            ProofFailure::KeyNotIssuers { controller, issuer } => {
                format!("the signing key belongs to {controller}, not to the issuer {issuer}")
            }
            ProofFailure::BadSignature => "the signature does not match the credential".to_owned(),
        }
    }

    /// A failure to obtain a key leaves the verdict open; every other failure is final.
    pub(crate) fn is_unresolved(&self) -> bool {
        matches!(self, ProofFailure::Key(KeyError::Unresolved(_)))
    }

    /// Why the key could not be obtained, as a stable code.
    pub(crate) fn reason(&self) -> Option<&'static str> {
        match self {
            ProofFailure::Key(e) => e.reason(),
            _ => None,
        }
    }
}

/// Supported proof forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Suite {
    EddsaRdfc2022,
    Ed25519Signature2020,
}

impl Suite {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Suite::EddsaRdfc2022 => "DataIntegrityProof/eddsa-rdfc-2022",
            Suite::Ed25519Signature2020 => "Ed25519Signature2020",
        }
    }
}

/// Picks the suite named by a proof, or says why it is not supported.
pub(crate) fn suite_of(proof: &Map<String, Value>) -> Result<Suite, ProofFailure> {
    let kind = proof
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match kind {
        "DataIntegrityProof" => match proof.get("cryptosuite").and_then(Value::as_str) {
            Some("eddsa-rdfc-2022") => Ok(Suite::EddsaRdfc2022),
            Some(other) => Err(ProofFailure::UnknownCryptosuite(other.to_owned())),
            None => Err(ProofFailure::Malformed(
                "a DataIntegrityProof needs a cryptosuite".into(),
            )),
        },
        "Ed25519Signature2020" => Ok(Suite::Ed25519Signature2020),
        "" => Err(ProofFailure::Malformed("the proof has no type".into())),
        other => Err(ProofFailure::UnknownType(other.to_owned())),
    }
}

/// VC-DI-EDDSA §3.3.4 (hashing): SHA-256(canonical proof configuration) ‖ SHA-256(canonical
/// document). The proof configuration takes the document's `@context` (§3.3.5); `document` is
/// the secured or the unsecured document (their `@context` is the same).
pub(crate) fn hash_data(
    canon: &dyn Canonicalizer,
    canonical_document: &str,
    document: &Map<String, Value>,
    proof_config: &Map<String, Value>,
) -> Result<[u8; 64], CanonError> {
    let mut config = proof_config.clone();
    config.remove("proofValue");
    match document.get("@context") {
        Some(ctx) => config.insert("@context".to_owned(), ctx.clone()),
        None => config.remove("@context"),
    };
    let canonical_config = canon.canonicalize(&Value::Object(config))?;
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&Sha256::digest(canonical_config.as_bytes()));
    out[32..].copy_from_slice(&Sha256::digest(canonical_document.as_bytes()));
    Ok(out)
}

/// VC-DI-EDDSA §2.2.1: proofValue is multibase base58-btc, so it must start with `z`.
pub(crate) fn decode_proof_value(value: &str) -> Result<[u8; 64], ProofFailure> {
    let b58 = value
        .strip_prefix('z')
        .ok_or(ProofFailure::ProofValueEncoding)?;
    let bytes = bs58::decode(b58)
        .into_vec()
        .map_err(|_| ProofFailure::ProofValueEncoding)?;
    bytes
        .try_into()
        .map_err(|_| ProofFailure::ProofValueEncoding)
}

/// Encodes an Ed25519 signature as a base58-btc multibase proofValue.
pub fn encode_proof_value(signature: &[u8; 64]) -> String {
    format!("z{}", bs58::encode(signature).into_string())
}

/// Verifies one embedded proof of `document` (whose unsecured canonical form is `canonical_document`)
/// against the issuer `issuer_id`.
#[allow(clippy::too_many_arguments)] // The proof's inputs, each a different thing.
pub(crate) async fn verify_proof(
    canon: &dyn Canonicalizer,
    canonical_document: &str,
    document: &Map<String, Value>,
    proof: &Map<String, Value>,
    issuer_id: &str,
    resolver: &dyn Resolver,
    checking: Checking<'_>,
) -> Result<Suite, ProofFailure> {
    let expect = Expected {
        purpose: ASSERTION_METHOD,
        controller: Some(issuer_id),
    };
    verify_proof_as(
        canon,
        canonical_document,
        document,
        proof,
        expect,
        resolver,
        checking,
    )
    .await
}

/// What a proof must be: its purpose, and whose key signs it (`None`: whoever controls the key,
/// e.g. a presentation without a `holder`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Expected<'a> {
    pub(crate) purpose: &'a str,
    pub(crate) controller: Option<&'a str>,
}

pub(crate) async fn verify_proof_as(
    canon: &dyn Canonicalizer,
    canonical_document: &str,
    document: &Map<String, Value>,
    proof: &Map<String, Value>,
    expect: Expected<'_>,
    resolver: &dyn Resolver,
    checking: Checking<'_>,
) -> Result<Suite, ProofFailure> {
    let suite = suite_of(proof)?;
    // VC-DI-EDDSA §3.3.2: the proof purpose must match what the verifier expects.
    let purpose = proof
        .get("proofPurpose")
        .and_then(Value::as_str)
        .ok_or_else(|| ProofFailure::Malformed("the proof has no proofPurpose".into()))?;
    if purpose != expect.purpose {
        return Err(ProofFailure::WrongPurpose(purpose.to_owned()));
    }
    let value = proof
        .get("proofValue")
        .and_then(Value::as_str)
        .ok_or_else(|| ProofFailure::Malformed("the proof has no proofValue".into()))?;
    let signature = decode_proof_value(value)?;
    // VC-DI-EDDSA §3.3.5: created, when present, must be an XML Schema dateTimeStamp.
    if let Some(created) = proof.get("created") {
        let ok = created
            .as_str()
            .is_some_and(|c| chrono::DateTime::parse_from_rfc3339(c).is_ok());
        if !ok {
            return Err(ProofFailure::Malformed("created is not a date-time".into()));
        }
    }
    let vm = proof
        .get("verificationMethod")
        .and_then(Value::as_str)
        .ok_or_else(|| ProofFailure::Malformed("the proof has no verificationMethod".into()))?;
    let resolved = resolve_key(vm, purpose, resolver)
        .await
        .map_err(ProofFailure::Key)?;
    // OB 3.0 §10 (key management): the key must belong to the credential's issuer (or, for a
    // presentation, to its holder).
    if let Some(controller) = expect.controller {
        if !resolved.binding.belongs_to(controller) {
            return Err(ProofFailure::KeyNotIssuers {
                controller: resolved.binding.describe(),
                issuer: controller.to_owned(),
            });
        }
    }
    // VC-DI-EDDSA §2.1: the key is an Ed25519 public key.
    let PublicKey::Ed25519(key) = resolved.key else {
        return Err(ProofFailure::Key(KeyError::Unsupported(format!(
            "{vm} is an {} key; eddsa-rdfc-2022 needs Ed25519",
            resolved.key.kind()
        ))));
    };
    let hash = hash_data(canon, canonical_document, document, proof)
        .map_err(ProofFailure::Canonicalization)?;
    // Signature failures are opaque: one code, no detail of what differed. The rule is
    // Cairn's one Ed25519 rule (crate::ed25519), checked now or in a batch.
    if !checking.accepts(&key, &hash, &signature) {
        return Err(ProofFailure::BadSignature);
    }
    Ok(suite)
}

/// Checks a proof's signature against a known key and nothing else (no issuer binding). For
/// test vectors whose issuer is not their key's controller, and for the fast-path comparison.
#[doc(hidden)]
pub fn verify_signature_only(
    canon: &dyn Canonicalizer,
    secured: &Value,
    key: &ed25519_dalek::VerifyingKey,
) -> Result<(), String> {
    let secured = secured.as_object().ok_or("not an object")?;
    let proof = match secured.get("proof") {
        Some(Value::Object(p)) => p,
        Some(Value::Array(a)) if a.len() == 1 => match &a[0] {
            Value::Object(p) => p,
            _ => return Err("proof is not an object".into()),
        },
        _ => return Err("expected exactly one proof".into()),
    };
    suite_of(proof).map_err(|e| e.message())?;
    let sig = decode_proof_value(
        proof
            .get("proofValue")
            .and_then(Value::as_str)
            .unwrap_or(""),
    )
    .map_err(|e| e.message())?;
    let doc = canon
        .canonicalize_unsecured(secured)
        .map_err(|e| e.to_string())?;
    let hash = hash_data(canon, &doc, secured, proof).map_err(|e| e.to_string())?;
    if crate::ed25519::accepts(key, &hash, &sig) {
        Ok(())
    } else {
        Err("bad signature".to_owned())
    }
}

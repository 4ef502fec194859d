//! What an issuer signs for an `eddsa-rdfc-2022` proof, and how the proof is attached.
//!
//! The private key stays with the caller (the issuer crate): this module only builds the bytes to
//! sign and the proof object around a signature.

use serde_json::{Map, Value};

use crate::canon::Canonicalizer;
use crate::error::Error;
use crate::proof::{encode_proof_value, hash_data, ASSERTION_METHOD};

/// An unsigned `eddsa-rdfc-2022` proof over one document, ready for a signature.
#[derive(Debug, Clone)]
pub struct PendingProof {
    document: Map<String, Value>,
    config: Map<String, Value>,
    signing_input: [u8; 64],
}

impl PendingProof {
    /// VC-DI-EDDSA §3.3.1: prepares a proof by `verification_method` created at `created`
    /// (RFC 3339). The document must not already carry a proof.
    pub fn new(
        canon: &dyn Canonicalizer,
        document: &Value,
        verification_method: &str,
        created: &str,
    ) -> Result<Self, Error> {
        Self::with_purpose(
            canon,
            document,
            verification_method,
            created,
            ASSERTION_METHOD,
            &[],
        )
    }

    /// VC-DI-EDDSA §3.3.1 for a holder: an `authentication` proof over a presentation, bound to
    /// the verifier's `challenge` and `domain` (VC-DATA-INTEGRITY §2.1).
    pub fn for_presentation(
        canon: &dyn Canonicalizer,
        presentation: &Value,
        verification_method: &str,
        created: &str,
        challenge: &str,
        domain: Option<&str>,
    ) -> Result<Self, Error> {
        let mut extra = vec![("challenge", challenge)];
        extra.extend(domain.map(|d| ("domain", d)));
        Self::with_purpose(
            canon,
            presentation,
            verification_method,
            created,
            crate::proof::AUTHENTICATION,
            &extra,
        )
    }

    fn with_purpose(
        canon: &dyn Canonicalizer,
        document: &Value,
        verification_method: &str,
        created: &str,
        purpose: &str,
        extra: &[(&str, &str)],
    ) -> Result<Self, Error> {
        let document = document
            .as_object()
            .cloned()
            .ok_or_else(|| Error::NotSignable("the document is not a JSON object".into()))?;
        if document.contains_key("proof") {
            return Err(Error::NotSignable(
                "the document already has a proof".into(),
            ));
        }
        let mut config = Map::new();
        config.insert("type".into(), "DataIntegrityProof".into());
        config.insert("cryptosuite".into(), "eddsa-rdfc-2022".into());
        config.insert("created".into(), created.into());
        config.insert("verificationMethod".into(), verification_method.into());
        config.insert("proofPurpose".into(), purpose.into());
        for (k, v) in extra {
            config.insert((*k).into(), (*v).into());
        }
        let canonical = canon
            .canonicalize(&Value::Object(document.clone()))
            .map_err(|e| Error::Canonicalization {
                code: e.code(),
                message: e.to_string(),
            })?;
        let signing_input = hash_data(canon, &canonical, &document, &config).map_err(|e| {
            Error::Canonicalization {
                code: e.code(),
                message: e.to_string(),
            }
        })?;
        Ok(PendingProof {
            document,
            config,
            signing_input,
        })
    }

    /// The 64 bytes the Ed25519 key signs (VC-DI-EDDSA §3.3.4 hash data).
    pub fn signing_input(&self) -> &[u8; 64] {
        &self.signing_input
    }

    /// The secured document: the original with `proof` holding this proof and its signature.
    /// An Open Badges credential follows the official OB 3.0 JSON Schema, where `proof` is an
    /// array; any other document (a plain VC, a status list, a presentation) carries its one
    /// proof as an object, as VC-DATA-INTEGRITY §2.1 writes a single proof.
    pub fn finish(self, signature: &[u8; 64]) -> Value {
        let mut proof = self.config;
        proof.insert("proofValue".into(), encode_proof_value(signature).into());
        let mut document = self.document;
        let proof = if is_open_badge(&document) {
            Value::Array(vec![Value::Object(proof)])
        } else {
            Value::Object(proof)
        };
        document.insert("proof".into(), proof);
        Value::Object(document)
    }
}

/// The credential types whose OB 3.0 JSON Schema makes `proof` an array.
fn is_open_badge(document: &Map<String, Value>) -> bool {
    const OB_TYPES: [&str; 3] = [
        "OpenBadgeCredential",
        "AchievementCredential",
        "EndorsementCredential",
    ];
    crate::document::types_of(document.get("type"))
        .iter()
        .any(|t| OB_TYPES.contains(t))
}

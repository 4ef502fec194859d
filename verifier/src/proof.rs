//! Data Integrity proofs: `eddsa-rdfc-2022` (sign input and verify) and the legacy
//! `Ed25519Signature2020` (verify only).

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::canon::{CanonError, Canonicalizer};
use crate::ed25519::Checking;
use crate::keys::{could_belong_to, resolve_key, KeyError, PublicKey};
use crate::resolver::Resolver;

/// The proof purpose an issuer's assertion must carry.
/// The proof purpose of an issuer's proof (VC-DI 1.0 §2.1).
pub(crate) const ASSERTION_METHOD: &str = "assertionMethod";
/// The proof purpose a holder's presentation carries.
/// The proof purpose of a holder's presentation proof (VC-DI 1.0 §2.1).
pub(crate) const AUTHENTICATION: &str = "authentication";

/// What went wrong with one proof; each variant maps to one stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ProofFailure {
    Malformed(String),
    UnknownType(String),
    UnknownCryptosuite(String),
    UnsupportedCryptosuite(String),
    WrongPurpose(String),
    ProofValueEncoding,
    Canonicalization(CanonError),
    Key(KeyError),
    KeyNotIssuers { controller: String, issuer: String },
    BadSignature,
    PreviousProofMissing(String),
    SdBaseProof,
    SdProofValue(String),
}

impl ProofFailure {
    pub(crate) fn code(&self) -> &'static str {
        match self {
            ProofFailure::Malformed(_) => "malformed_proof",
            ProofFailure::UnknownType(_) => "unknown_proof_type",
            ProofFailure::UnknownCryptosuite(_) => "unknown_cryptosuite",
            ProofFailure::UnsupportedCryptosuite(_) => "unsupported_cryptosuite",
            ProofFailure::WrongPurpose(_) => "wrong_proof_purpose",
            ProofFailure::ProofValueEncoding => "invalid_proof_value_encoding",
            // The document's own canonicalisation is the json_ld check's; a proof whose options
            // cannot be canonicalised (a term no context defines) is malformed.
            ProofFailure::Canonicalization(CanonError::Interrupted) => "proof_not_checked",
            ProofFailure::Canonicalization(_) => "malformed_proof",
            ProofFailure::Key(e) => e.code(),
            ProofFailure::KeyNotIssuers { .. } => "key_not_issuers",
            ProofFailure::BadSignature => "bad_signature",
            ProofFailure::PreviousProofMissing(_) => "previous_proof_missing",
            ProofFailure::SdBaseProof => "sd_base_proof",
            ProofFailure::SdProofValue(_) => "invalid_proof_value_encoding",
        }
    }

    pub(crate) fn message(&self) -> String {
        match self {
            ProofFailure::Malformed(m) => format!("the proof is malformed: {m}"),
            ProofFailure::UnknownType(t) => format!("the proof type {t:?} is not supported"),
            ProofFailure::UnknownCryptosuite(s) => {
                format!("{s:?} is not a cryptosuite any specification defines")
            }
            ProofFailure::UnsupportedCryptosuite(s) => format!(
                "the proof uses the published cryptosuite {s:?}, which this verifier does not \
                 implement; nothing has been shown to be wrong with the credential"
            ),
            ProofFailure::WrongPurpose(p) => {
                format!("the proof purpose is {p:?}; an issuer's proof must be assertionMethod and a holder's authentication")
            }
            ProofFailure::ProofValueEncoding => {
                "the proofValue is not multibase base58-btc ('z…') of a 64-byte signature"
                    .to_owned()
            }
            ProofFailure::Canonicalization(e @ CanonError::Interrupted) => e.to_string(),
            ProofFailure::Canonicalization(e) => {
                format!("the proof's options cannot be canonicalised: {e}")
            }
            ProofFailure::Key(e) => e.message(),
            ProofFailure::KeyNotIssuers { controller, issuer } => {
                format!("the signing key belongs to {controller}, not to the issuer {issuer}")
            }
            ProofFailure::BadSignature => "the signature does not match the credential".to_owned(),
            ProofFailure::PreviousProofMissing(id) => {
                format!("the proof chains to {id:?}, which the credential does not carry")
            }
            ProofFailure::SdBaseProof => "the proof is an ecdsa-sd-2023 base proof, which is \
                meant for the holder: a verifier accepts only a proof derived from it"
                .to_owned(),
            ProofFailure::SdProofValue(m) => {
                format!("the ecdsa-sd-2023 proofValue cannot be read: {m}")
            }
        }
    }

    /// A key that could not be obtained, or a published cryptosuite Cairn does not implement,
    /// leaves the verdict open; every other failure is final.
    pub(crate) fn is_unresolved(&self) -> bool {
        matches!(
            self,
            ProofFailure::Key(KeyError::Unresolved(_))
                | ProofFailure::UnsupportedCryptosuite(_)
                | ProofFailure::Canonicalization(CanonError::Interrupted)
        )
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
    EddsaJcs2022,
    EcdsaRdfc2019,
    EcdsaJcs2019,
    EcdsaSd2023,
    Ed25519Signature2020,
}

impl Suite {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Suite::EddsaRdfc2022 => "DataIntegrityProof/eddsa-rdfc-2022",
            Suite::EddsaJcs2022 => "DataIntegrityProof/eddsa-jcs-2022",
            Suite::EcdsaRdfc2019 => "DataIntegrityProof/ecdsa-rdfc-2019",
            Suite::EcdsaJcs2019 => "DataIntegrityProof/ecdsa-jcs-2019",
            Suite::EcdsaSd2023 => "DataIntegrityProof/ecdsa-sd-2023",
            Suite::Ed25519Signature2020 => "Ed25519Signature2020",
        }
    }

    /// The suites whose documents are transformed by JCS (RFC 8785) instead of RDFC-1.0.
    fn is_jcs(self) -> bool {
        matches!(self, Suite::EddsaJcs2022 | Suite::EcdsaJcs2019)
    }
}

/// Data Integrity cryptosuites that a W3C specification publishes and Cairn does not verify:
/// a proof in one of them is "could not check", not a forgery (VC-DI-BBS's `bbs-2023`). The
/// names early drafts used (`eddsa-2022`, `ecdsa-2019`) are defined by no current specification
/// and stay unknown, as OB 3.0 conformance treats them.
const PUBLISHED_UNSUPPORTED: &[&str] = &["bbs-2023"];

/// Picks the suite named by a proof, or says why it is not supported.
pub(crate) fn suite_of(proof: &Map<String, Value>) -> Result<Suite, ProofFailure> {
    let kind = proof
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match kind {
        "DataIntegrityProof" => match proof.get("cryptosuite").and_then(Value::as_str) {
            Some("eddsa-rdfc-2022") => Ok(Suite::EddsaRdfc2022),
            Some("eddsa-jcs-2022") => Ok(Suite::EddsaJcs2022),
            Some("ecdsa-rdfc-2019") => Ok(Suite::EcdsaRdfc2019),
            Some("ecdsa-jcs-2019") => Ok(Suite::EcdsaJcs2019),
            Some("ecdsa-sd-2023") => Ok(Suite::EcdsaSd2023),
            Some(other) if PUBLISHED_UNSUPPORTED.contains(&other) => {
                Err(ProofFailure::UnsupportedCryptosuite(other.to_owned()))
            }
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
    let canonical_config = canon.canonicalize(&proof_configuration(document, proof_config))?;
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&Sha256::digest(canonical_config.as_bytes()));
    out[32..].copy_from_slice(&Sha256::digest(canonical_document.as_bytes()));
    Ok(out)
}

/// VC-DI-EDDSA §3.3.5 / VC-DI-ECDSA §3.3.5 (proof configuration, RDFC suites): the proof without
/// its proofValue, under the document's `@context`.
pub(crate) fn proof_configuration(
    document: &Map<String, Value>,
    proof: &Map<String, Value>,
) -> Value {
    let mut config = proof.clone();
    config.remove("proofValue");
    match document.get("@context") {
        Some(ctx) => config.insert("@context".to_owned(), ctx.clone()),
        None => config.remove("@context"),
    };
    Value::Object(config)
}

/// Encodes an Ed25519 signature as a base58-btc multibase proofValue.
pub fn encode_proof_value(signature: &[u8; 64]) -> String {
    format!("z{}", bs58::encode(signature).into_string())
}

/// A proof that verified: its suite, and who signed it (the key's controller or origin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Verified {
    pub(crate) suite: Suite,
    pub(crate) signer: String,
    /// Whether the signer is the one expected (the issuer, the holder); always true unless the
    /// expectation allowed other parties.
    pub(crate) by_expected: bool,
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
) -> Result<Verified, ProofFailure> {
    let expect = Expected {
        purpose: ASSERTION_METHOD,
        controller: Some(issuer_id),
        others_allowed: false,
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
/// e.g. a presentation without a `holder`). With `others_allowed`, a proof by another party (an
/// endorser or a witness in a proof set) verifies too, reported with `by_expected` false.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Expected<'a> {
    pub(crate) purpose: &'a str,
    pub(crate) controller: Option<&'a str>,
    pub(crate) others_allowed: bool,
}

/// VC-DATA-INTEGRITY §4.4 (verify proof) for one proof of a secured document, which may be one of
/// a proof set or a link of a proof chain (§4.3–4.4: a proof naming `previousProof` signed the
/// document together with the proofs it names).
pub(crate) async fn verify_proof_as(
    canon: &dyn Canonicalizer,
    canonical_document: &str,
    document: &Map<String, Value>,
    proof: &Map<String, Value>,
    expect: Expected<'_>,
    resolver: &dyn Resolver,
    checking: Checking<'_>,
) -> Result<Verified, ProofFailure> {
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
    // OB 3.0 §10: a method that cannot be the expected controller's is refused before any fetch.
    if let (Some(controller), false) = (expect.controller, expect.others_allowed) {
        if let Err(named) = could_belong_to(vm, controller) {
            return Err(ProofFailure::KeyNotIssuers {
                controller: named.describe(),
                issuer: controller.to_owned(),
            });
        }
    }
    let resolved = resolve_key(vm, purpose, resolver)
        .await
        .map_err(ProofFailure::Key)?;
    // OB 3.0 §10 (key management): the key must belong to the credential's issuer (or, for a
    // presentation, to its holder), unless the caller accepts other parties' proofs.
    let by_expected = expect
        .controller
        .is_none_or(|c| resolved.binding.belongs_to(c));
    if !by_expected && !expect.others_allowed {
        return Err(ProofFailure::KeyNotIssuers {
            controller: resolved.binding.describe(),
            issuer: expect.controller.unwrap_or_default().to_owned(),
        });
    }
    check_proof_value(
        canon,
        canonical_document,
        document,
        (proof, value),
        (suite, vm, &resolved.key),
        checking,
    )?;
    Ok(Verified {
        suite,
        signer: resolved.binding.describe(),
        by_expected,
    })
}

/// The proof's value checked against `key`: a derived ecdsa-sd-2023 proof by `crate::sd`, any
/// other suite by its hash data and one signature.
fn check_proof_value(
    canon: &dyn Canonicalizer,
    canonical_document: &str,
    document: &Map<String, Value>,
    (proof, value): (&Map<String, Value>, &str),
    (suite, vm, key): (Suite, &str, &PublicKey),
    checking: Checking<'_>,
) -> Result<(), ProofFailure> {
    if suite == Suite::EcdsaSd2023 {
        let PublicKey::P256(key) = key else {
            return Err(wrong_key(vm, suite, key));
        };
        return crate::sd::verify_derived(canon, canonical_document, document, proof, value, key);
    }
    let data = verify_data(canon, suite, canonical_document, document, proof, key)?;
    check_signature(suite, vm, key, &data, value, checking)
}

fn wrong_key(vm: &str, suite: Suite, key: &PublicKey) -> ProofFailure {
    ProofFailure::Key(KeyError::Unsupported(format!(
        "{vm} is a {} key, which {} does not use",
        key.kind(),
        suite.label()
    )))
}

/// The bytes a proof's signature covers: VC-DI-EDDSA §3.3.4 / VC-DI-ECDSA §3.3.4 hash data,
/// hash(proof configuration) ‖ hash(transformed document), with RDFC-1.0 or JCS as the suite
/// says, over the unsecured document or, for a link of a chain, the document with the proofs it
/// names (VC-DATA-INTEGRITY §4.4 step 5).
fn verify_data(
    canon: &dyn Canonicalizer,
    suite: Suite,
    canonical_document: &str,
    document: &Map<String, Value>,
    proof: &Map<String, Value>,
    key: &PublicKey,
) -> Result<Vec<u8>, ProofFailure> {
    let previous = previous_proofs(document, proof)?;
    // The document the proof signed, built only when the precomputed canonical form is not it
    // (a JCS suite, a chain link, SHA-384): most proofs read the secured document in place.
    let input = || {
        let mut input = document.clone();
        input.remove("proof");
        if !previous.is_empty() {
            input.insert("proof".into(), Value::Array(previous.clone()));
        }
        input
    };
    // VC-DI-ECDSA §3.3.3–3.3.4: with a P-384 key, the hash data and RDFC-1.0 itself use
    // SHA-384; every other key SHA-256.
    let sha384 = matches!(key, PublicKey::P384(_));
    let hash = |bytes: &[u8]| -> Vec<u8> {
        if sha384 {
            sha2::Sha384::digest(bytes).to_vec()
        } else {
            Sha256::digest(bytes).to_vec()
        }
    };
    let (canonical_config, canonical_doc) = if suite.is_jcs() {
        // VC-DI-EDDSA §3.3.2 (eddsa-jcs-2022 verify proof) step 4: a proof's @context must be a
        // prefix of the document's, and then stands for it.
        let mut input = input();
        let mut config = proof.clone();
        config.remove("proofValue");
        if let Some(ctx) = config.get("@context") {
            let proof_ctx = as_list(ctx);
            let doc_ctx = input.get("@context").map(as_list).unwrap_or_default();
            if !doc_ctx.starts_with(&proof_ctx) {
                return Err(ProofFailure::Malformed(
                    "the proof's @context is not where the document's begins".into(),
                ));
            }
            input.insert("@context".into(), ctx.clone());
        } else if let Some(ctx) = input.get("@context") {
            config.insert("@context".into(), ctx.clone());
        }
        (jcs(&Value::Object(config))?, jcs(&Value::Object(input))?)
    } else {
        let rdfc = |v: Value| {
            if sha384 {
                canon.canonicalize_sha384(&v)
            } else {
                canon.canonicalize(&v)
            }
            .map_err(ProofFailure::Canonicalization)
        };
        let doc = if !previous.is_empty() || sha384 {
            rdfc(Value::Object(input()))?
        } else {
            canonical_document.to_owned()
        };
        (rdfc(proof_configuration(document, proof))?, doc)
    };
    let mut data = hash(canonical_config.as_bytes());
    data.extend(hash(canonical_doc.as_bytes()));
    Ok(data)
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    }
}

/// VC-DATA-INTEGRITY §4.4 step 5: the proofs a proof names in `previousProof`, found by id among
/// the document's proofs; a name that matches none is a failure.
fn previous_proofs(
    document: &Map<String, Value>,
    proof: &Map<String, Value>,
) -> Result<Vec<Value>, ProofFailure> {
    let named: Vec<&str> = match proof.get("previousProof") {
        None => return Ok(Vec::new()),
        Some(Value::String(id)) => vec![id.as_str()],
        Some(Value::Array(ids)) => ids.iter().filter_map(Value::as_str).collect(),
        Some(_) => {
            return Err(ProofFailure::Malformed(
                "previousProof is not an id or a list of ids".into(),
            ))
        }
    };
    let all = crate::document::proofs_of(document);
    named
        .into_iter()
        .map(|id| {
            all.iter()
                .find(|p| p.get("id").and_then(Value::as_str) == Some(id))
                .map(|p| (*p).clone())
                .ok_or_else(|| ProofFailure::PreviousProofMissing(id.to_owned()))
        })
        .collect()
}

/// RFC 8785 (JCS) of a JSON value.
fn jcs(value: &Value) -> Result<String, ProofFailure> {
    serde_json_canonicalizer::to_string(value)
        .map_err(|e| ProofFailure::Malformed(format!("the document cannot be canonicalised: {e}")))
}

/// The signature over `data` by `key`, as the suite says: Ed25519 (Cairn's one rule, now or in
/// a batch) for the EdDSA suites; ECDSA with SHA-256 (P-256) or SHA-384 (P-384) over `data`, with
/// the signature as r ‖ s (IEEE P1363), for the ECDSA suites (VC-DI-ECDSA §3.3.5).
fn check_signature(
    suite: Suite,
    vm: &str,
    key: &PublicKey,
    data: &[u8],
    value: &str,
    checking: Checking<'_>,
) -> Result<(), ProofFailure> {
    let signature = decode_multibase_btc(value)?;
    let ok = match (suite, key) {
        (
            Suite::EddsaRdfc2022 | Suite::EddsaJcs2022 | Suite::Ed25519Signature2020,
            PublicKey::Ed25519(key),
        ) => {
            let sig: [u8; 64] = signature
                .try_into()
                .map_err(|_| ProofFailure::ProofValueEncoding)?;
            // Signature failures are opaque: one code, no detail of what differed. The rule is
            // Cairn's one Ed25519 rule (crate::ed25519), checked now or in a batch.
            checking.accepts(key, data, &sig)
        }
        (Suite::EcdsaRdfc2019 | Suite::EcdsaJcs2019, PublicKey::P256(key)) => {
            use p256::ecdsa::signature::Verifier;
            let sig = p256::ecdsa::Signature::from_slice(&signature)
                .map_err(|_| ProofFailure::ProofValueEncoding)?;
            key.verify(data, &sig).is_ok()
        }
        (Suite::EcdsaRdfc2019 | Suite::EcdsaJcs2019, PublicKey::P384(key)) => {
            use p384::ecdsa::signature::Verifier;
            let sig = p384::ecdsa::Signature::from_slice(&signature)
                .map_err(|_| ProofFailure::ProofValueEncoding)?;
            key.verify(data, &sig).is_ok()
        }
        (suite, key) => return Err(wrong_key(vm, suite, key)),
    };
    if ok {
        Ok(())
    } else {
        Err(ProofFailure::BadSignature)
    }
}

/// VC-DATA-INTEGRITY §2.1: a base58-btc multibase proofValue (`z…`).
fn decode_multibase_btc(value: &str) -> Result<Vec<u8>, ProofFailure> {
    let b58 = value
        .strip_prefix('z')
        .ok_or(ProofFailure::ProofValueEncoding)?;
    bs58::decode(b58)
        .into_vec()
        .map_err(|_| ProofFailure::ProofValueEncoding)
}

/// Checks every proof of a secured document against known keys and nothing else (no issuer
/// binding, no purpose, no key resolution): `keys` maps a verification method to its key. For
/// test vectors whose issuer is not their keys' controller, and for the fast-path comparison.
#[doc(hidden)]
pub fn verify_signatures_with(
    canon: &dyn Canonicalizer,
    secured: &Value,
    keys: &dyn Fn(&str) -> Option<String>,
) -> Result<usize, String> {
    let secured = secured.as_object().ok_or("not an object")?;
    let proofs = crate::document::proofs_of(secured);
    if proofs.is_empty() {
        return Err("no proof".into());
    }
    let canonical = canon
        .canonicalize_unsecured(secured)
        .map_err(|e| e.to_string())?;
    for proof in &proofs {
        let proof = proof.as_object().ok_or("a proof is not an object")?;
        let suite = suite_of(proof).map_err(|e| e.message())?;
        let vm = proof
            .get("verificationMethod")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let multikey = keys(vm).ok_or_else(|| format!("no key for {vm}"))?;
        let key = crate::keys::decode_any_multikey(&multikey).map_err(|e| e.message())?;
        let value = proof
            .get("proofValue")
            .and_then(Value::as_str)
            .unwrap_or_default();
        check_proof_value(
            canon,
            &canonical,
            secured,
            (proof, value),
            (suite, vm, &key),
            Checking::Now,
        )
        .map_err(|e| e.message())?;
    }
    Ok(proofs.len())
}

/// Checks a proof's signature against a known Ed25519 key and nothing else (no issuer binding):
/// [`verify_signatures_with`] for one proof and one key.
#[doc(hidden)]
pub fn verify_signature_only(
    canon: &dyn Canonicalizer,
    secured: &Value,
    key: &ed25519_dalek::VerifyingKey,
) -> Result<(), String> {
    let multikey = crate::keys::encode_multikey(key);
    match verify_signatures_with(canon, secured, &|_| Some(multikey.clone()))? {
        1 => Ok(()),
        n => Err(format!("expected exactly one proof, found {n}")),
    }
}

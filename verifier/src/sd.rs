//! ecdsa-sd-2023 derived proofs (VC-DI-ECDSA §3.5–3.6): the proof a holder derives from the
//! issuer's base proof to reveal some statements, verified against the issuer's P-256 key. A base
//! proof is for the holder only and is refused.

use std::collections::HashMap;

use base64::Engine;
use p256::ecdsa::signature::Verifier;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::canon::Canonicalizer;
use crate::keys::{decode_multikey_bytes, PublicKey};
use crate::proof::ProofFailure;

/// VC-DI-ECDSA §3.5.2 / §3.5.7: the CBOR tag bytes that start a base and a derived proofValue.
const BASE_HEADER: [u8; 3] = [0xd9, 0x5d, 0x00];
const DERIVED_HEADER: [u8; 3] = [0xd9, 0x5d, 0x01];

/// The components of a derived proofValue (VC-DI-ECDSA §3.5.8 parseDerivedProofValue).
struct Derived {
    base_signature: Vec<u8>,
    public_key: Vec<u8>,
    signatures: Vec<Vec<u8>>,
    label_map: HashMap<String, String>,
    mandatory_indexes: Vec<usize>,
}

/// VC-DI-ECDSA §3.6.2 (verify derived proof): `canonical_document` is the RDFC-1.0 canonical form
/// of the revealed document without its proof; `value` is the proof's proofValue.
pub(crate) fn verify_derived(
    canon: &dyn Canonicalizer,
    canonical_document: &str,
    document: &Map<String, Value>,
    proof: &Map<String, Value>,
    value: &str,
    issuer_key: &p256::ecdsa::VerifyingKey,
) -> Result<(), ProofFailure> {
    let derived = parse_derived(value)?;
    // §3.6.3 createVerifyData step 3: the proof configuration's hash, under the document's
    // @context, as for ecdsa-rdfc-2019.
    let canonical_config = canon
        .canonicalize(&crate::proof::proof_configuration(document, proof))
        .map_err(ProofFailure::Canonicalization)?;
    let proof_hash = Sha256::digest(canonical_config.as_bytes());
    // Steps 4–6: the revealed statements with the issuer's blinded blank node labels, sorted;
    // the mandatory ones by index, the rest in order.
    let mut nquads = canonical_document
        .lines()
        .map(|line| relabel(line, &derived.label_map).map(|l| l + "\n"))
        .collect::<Result<Vec<String>, ProofFailure>>()?;
    nquads.sort();
    check_derived(&derived, &proof_hash, &nquads, issuer_key)
}

/// VC-DI-ECDSA §3.6.2 steps 4–7 over the revealed statements (relabelled and sorted): the
/// mandatory ones by index and the rest in order; the base signature covers proofHash ‖
/// publicKey ‖ mandatoryHash; each non-mandatory statement carries its own signature by the
/// proof's one-time key.
fn check_derived(
    derived: &Derived,
    proof_hash: &[u8],
    nquads: &[String],
    issuer_key: &p256::ecdsa::VerifyingKey,
) -> Result<(), ProofFailure> {
    if derived.mandatory_indexes.iter().any(|i| *i >= nquads.len()) {
        return Err(sd_value(
            "a mandatory index is past the revealed statements",
        ));
    }
    let mut mandatory = String::new();
    let mut non_mandatory = Vec::new();
    for (i, quad) in nquads.iter().enumerate() {
        if derived.mandatory_indexes.contains(&i) {
            mandatory.push_str(quad);
        } else {
            non_mandatory.push(quad.as_str());
        }
    }
    let mandatory_hash = Sha256::digest(mandatory.as_bytes());
    if derived.signatures.len() != non_mandatory.len() {
        return Err(ProofFailure::BadSignature);
    }
    let mut to_verify = proof_hash.to_vec();
    to_verify.extend(&derived.public_key);
    to_verify.extend(mandatory_hash);
    verify_p256(issuer_key, &to_verify, &derived.base_signature)?;
    let PublicKey::P256(one_time) = decode_multikey_bytes(&derived.public_key, "the proof key")
        .map_err(|_| sd_value("the proof's one-time key is not a P-256 Multikey"))?
    else {
        return Err(sd_value("the proof's one-time key is not a P-256 Multikey"));
    };
    for (quad, signature) in non_mandatory.iter().zip(&derived.signatures) {
        verify_p256(&one_time, quad.as_bytes(), signature)?;
    }
    Ok(())
}

/// The verification steps after canonicalisation, for the W3C vectors whose documents use a
/// context Cairn does not carry: `proof_value` parsed, then checked against the vector's proof
/// hash and its relabelled, sorted statements with the issuer's P-256 Multikey. Returns the
/// decompressed label map, sorted, for comparison with the vector's.
#[doc(hidden)]
pub fn sd_derived_check(
    proof_value: &str,
    proof_hash: &[u8],
    nquads: &[String],
    issuer_multikey: &str,
) -> Result<Vec<(String, String)>, String> {
    let derived = parse_derived(proof_value).map_err(|e| e.message())?;
    let PublicKey::P256(key) =
        crate::keys::decode_any_multikey(issuer_multikey).map_err(|e| e.message())?
    else {
        return Err("not a P-256 key".into());
    };
    check_derived(&derived, proof_hash, nquads, &key).map_err(|e| e.message())?;
    let mut labels: Vec<(String, String)> = derived.label_map.into_iter().collect();
    labels.sort();
    Ok(labels)
}

fn sd_value(message: &str) -> ProofFailure {
    ProofFailure::SdProofValue(message.to_owned())
}

fn verify_p256(
    key: &p256::ecdsa::VerifyingKey,
    message: &[u8],
    signature: &[u8],
) -> Result<(), ProofFailure> {
    let signature =
        p256::ecdsa::Signature::from_slice(signature).map_err(|_| ProofFailure::BadSignature)?;
    key.verify(message, &signature)
        .map_err(|_| ProofFailure::BadSignature)
}

/// VC-DI-ECDSA §3.5.8 (parseDerivedProofValue): multibase base64url-no-pad, the derived header,
/// then CBOR `[baseSignature, publicKey, signatures, compressedLabelMap, mandatoryIndexes]`.
fn parse_derived(value: &str) -> Result<Derived, ProofFailure> {
    let b64 = value
        .strip_prefix('u')
        .ok_or_else(|| sd_value("it is not multibase base64url ('u…')"))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(b64)
        .map_err(|_| sd_value("it is not base64url"))?;
    if bytes.starts_with(&BASE_HEADER) {
        return Err(ProofFailure::SdBaseProof);
    }
    let body = bytes
        .strip_prefix(&DERIVED_HEADER)
        .ok_or_else(|| sd_value("it does not start with the derived proof header"))?;
    let cbor: ciborium::Value =
        ciborium::from_reader(body).map_err(|_| sd_value("it is not CBOR"))?;
    let ciborium::Value::Array(parts) = cbor else {
        return Err(sd_value("it is not a CBOR array"));
    };
    let [base_signature, public_key, signatures, label_map, mandatory] =
        <[ciborium::Value; 5]>::try_from(parts)
            .map_err(|_| sd_value("it does not have five components"))?;
    let bytes_of = |v: ciborium::Value, what: &str| match v {
        ciborium::Value::Bytes(b) => Ok(b),
        _ => Err(sd_value(&format!("{what} is not a byte string"))),
    };
    let index_of = |v: &ciborium::Value| match v {
        ciborium::Value::Integer(i) => usize::try_from(i128::from(*i)).ok(),
        _ => None,
    };
    let signatures = match signatures {
        ciborium::Value::Array(a) => a
            .into_iter()
            .map(|s| bytes_of(s, "a signature"))
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(sd_value("signatures is not an array")),
    };
    // §3.5.6 decompressLabelMap: c14n index → "u" + base64url of the HMAC'd label.
    let label_map = match label_map {
        ciborium::Value::Map(entries) => entries
            .into_iter()
            .map(|(k, v)| {
                let k = index_of(&k).ok_or_else(|| sd_value("a label map key is not an index"))?;
                let v = bytes_of(v, "a label map value")?;
                Ok((
                    format!("c14n{k}"),
                    format!(
                        "u{}",
                        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v)
                    ),
                ))
            })
            .collect::<Result<HashMap<_, _>, ProofFailure>>()?,
        _ => return Err(sd_value("the label map is not a map")),
    };
    let mandatory_indexes = match mandatory {
        ciborium::Value::Array(a) => a
            .iter()
            .map(|i| index_of(i).ok_or_else(|| sd_value("a mandatory index is not an index")))
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(sd_value("the mandatory indexes are not an array")),
    };
    Ok(Derived {
        base_signature: bytes_of(base_signature, "the base signature")?,
        public_key: bytes_of(public_key, "the public key")?,
        signatures,
        label_map,
        mandatory_indexes,
    })
}

/// One canonical N-Quads line with each blank node label `_:c14nN` replaced by the label map's
/// label (VC-DI-ECDSA §3.4.3 labelReplacementCanonicalizeJsonLd). Labels stand outside literals,
/// so quoted strings are copied as they are; a label the map does not have is a failure.
fn relabel(line: &str, labels: &HashMap<String, String>) -> Result<String, ProofFailure> {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('"') {
            // A literal: up to the next quote that is not escaped.
            let mut end = None;
            let mut escaped = false;
            for (i, c) in after.char_indices() {
                match (escaped, c) {
                    (true, _) => escaped = false,
                    (false, '\\') => escaped = true,
                    (false, '"') => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let end = end.ok_or_else(|| sd_value("a revealed statement is malformed"))?;
            out.push('"');
            out.push_str(&after[..=end]);
            rest = &after[end + 1..];
        } else if let Some(after) = rest.strip_prefix("_:") {
            let len = after.find([' ', '\t']).unwrap_or(after.len());
            let label = labels
                .get(&after[..len])
                .ok_or_else(|| sd_value("a blank node of the revealed statements has no label"))?;
            out.push_str("_:");
            out.push_str(label);
            rest = &after[len..];
        } else {
            // Both marks are ASCII, so these are character boundaries; a `_` that does not start
            // a label is copied on its own.
            let next = rest.find(['"', '_']).unwrap_or(rest.len()).max(1);
            let (head, tail) = rest.split_at(next);
            out.push_str(head);
            rest = tail;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_replaced_outside_literals_only() {
        let labels: HashMap<String, String> = [("c14n0", "uA"), ("c14n1", "uB")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        let cases = [
            ("_:c14n0 <p> _:c14n1 .", Some("_:uA <p> _:uB .")),
            (
                "<s> <p> \"_:c14n0 \\\" _:c14n1\" _:c14n1 .",
                Some("<s> <p> \"_:c14n0 \\\" _:c14n1\" _:uB ."),
            ),
            (
                "<s_x> <p_y> \"a_b\"^^<t_z> .",
                Some("<s_x> <p_y> \"a_b\"^^<t_z> ."),
            ),
            ("_:c14n2 <p> <o> .", None),
            ("<s> <p> \"unterminated .", None),
        ];
        for (line, want) in cases {
            assert_eq!(relabel(line, &labels).ok().as_deref(), want, "{line}");
        }
    }

    #[test]
    fn a_base_proof_is_refused_and_garbage_is_an_encoding_error() {
        let b64 = |b: &[u8]| {
            format!(
                "u{}",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
            )
        };
        let code = |v: &str| parse_derived(v).err().map(|e| e.code());
        assert_eq!(code(&b64(&[0xd9, 0x5d, 0x00, 0x80])), Some("sd_base_proof"));
        for bad in [
            "zabc".to_owned(),
            b64(&[1, 2, 3]),
            b64(&[0xd9, 0x5d, 0x01, 0xff]),
            b64(&[0xd9, 0x5d, 0x01, 0x80]),
        ] {
            assert_eq!(code(&bad), Some("invalid_proof_value_encoding"), "{bad}");
        }
    }
}

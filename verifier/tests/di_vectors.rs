//! The W3C vectors of the ECDSA suites (w3c/vc-di-ecdsa: ecdsa-rdfc-2019 and ecdsa-jcs-2019 with
//! P-256 and P-384) and of the EdDSA JCS suite, proof sets and proof chains (w3c/vc-di-eddsa), from
//! `../shared/spec/di-vectors/`: one table, one checking loop. For each vector: the transformed
//! document and proof configuration are the vector's byte for byte, the combined hash is theirs
//! (SHA-384 for P-384), every proof verifies with the vector's keys, a tampered copy does not,
//! and the whole pipeline reports each proof as another party's (the vectors' issuer
//! `https://vc.example/issuers/5678` owns none of the keys).
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::PathBuf;

use cairn_verifier::{
    Canonicalizer, CheckStatus, GeneralCanonicalizer, OfflineResolver, VerifyOptions,
};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256, Sha384};

fn di_vectors() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec/di-vectors");
    assert!(
        dir.is_dir(),
        "reference data missing: {} (CI provides ../shared)",
        dir.display()
    );
    dir
}

fn read(rel: &str) -> String {
    let path = di_vectors().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(rel: &str) -> Value {
    serde_json::from_str(&read(rel)).expect("json")
}

#[derive(Clone, Copy, PartialEq)]
enum Transform {
    Rdfc,
    Jcs,
}

/// One vector: the signed document, and (for single proofs) its intermediate files.
struct Case {
    signed: &'static str,
    /// Transformed document, canonical proof configuration, combined hash (hex).
    steps: Option<(&'static str, &'static str, &'static str)>,
    transform: Transform,
    sha384: bool,
    proofs: usize,
}

const CASES: &[Case] = &[
    Case {
        signed: "ecdsa/ecdsa-rdfc-2019-p256/signedECDSAP256.json",
        steps: Some((
            "ecdsa/ecdsa-rdfc-2019-p256/canonDocECDSAP256.txt",
            "ecdsa/ecdsa-rdfc-2019-p256/proofCanonECDSAP256.txt",
            "ecdsa/ecdsa-rdfc-2019-p256/combinedHashECDSAP256.txt",
        )),
        transform: Transform::Rdfc,
        sha384: false,
        proofs: 1,
    },
    Case {
        signed: "ecdsa/ecdsa-rdfc-2019-p384/signedECDSAP384.json",
        steps: Some((
            "ecdsa/ecdsa-rdfc-2019-p384/canonDocECDSAP384.txt",
            "ecdsa/ecdsa-rdfc-2019-p384/proofCanonECDSAP384.txt",
            "ecdsa/ecdsa-rdfc-2019-p384/combinedHashECDSAP384.txt",
        )),
        transform: Transform::Rdfc,
        sha384: true,
        proofs: 1,
    },
    Case {
        signed: "ecdsa/ecdsa-jcs-2019-p256/signedJCSECDSAP256.json",
        steps: Some((
            "ecdsa/ecdsa-jcs-2019-p256/canonDocJCSECDSAP256.txt",
            "ecdsa/ecdsa-jcs-2019-p256/proofCanonJCSECDSAP256.txt",
            "ecdsa/ecdsa-jcs-2019-p256/combinedHashJCSECDSAP256.txt",
        )),
        transform: Transform::Jcs,
        sha384: false,
        proofs: 1,
    },
    Case {
        signed: "ecdsa/ecdsa-jcs-2019-p384/signedJCSECDSAP384.json",
        steps: Some((
            "ecdsa/ecdsa-jcs-2019-p384/canonDocJCSECDSAP384.txt",
            "ecdsa/ecdsa-jcs-2019-p384/proofCanonJCSECDSAP384.txt",
            "ecdsa/ecdsa-jcs-2019-p384/combinedHashJCSECDSAP384.txt",
        )),
        transform: Transform::Jcs,
        sha384: true,
        proofs: 1,
    },
    Case {
        signed: "eddsa/eddsa-jcs-2022/signedJCS.json",
        steps: Some((
            "eddsa/eddsa-jcs-2022/canonDocJCS.txt",
            "eddsa/eddsa-jcs-2022/proofCanonJCS.txt",
            "eddsa/eddsa-jcs-2022/combinedHashJCS.txt",
        )),
        transform: Transform::Jcs,
        sha384: false,
        proofs: 1,
    },
    Case {
        signed: "eddsa/proof-set-chain/signedProofSet1.json",
        steps: None,
        transform: Transform::Rdfc,
        sha384: false,
        proofs: 1,
    },
    Case {
        signed: "eddsa/proof-set-chain/signedProofSet2.json",
        steps: None,
        transform: Transform::Rdfc,
        sha384: false,
        proofs: 2,
    },
    Case {
        signed: "eddsa/proof-set-chain/signedProofChain1.json",
        steps: None,
        transform: Transform::Rdfc,
        sha384: false,
        proofs: 3,
    },
    Case {
        signed: "eddsa/proof-set-chain/signedProofChain2.json",
        steps: None,
        transform: Transform::Rdfc,
        sha384: false,
        proofs: 4,
    },
];

/// Every public key the vectors' key files hold, as Multikeys.
fn vector_keys() -> Vec<String> {
    let mut keys = Vec::new();
    for file in [
        "ecdsa/p256KeyPair.json",
        "ecdsa/p384KeyPair.json",
        "eddsa/keyPair.json",
    ] {
        keys.push(
            json(file)["publicKeyMultibase"]
                .as_str()
                .expect("pk")
                .to_owned(),
        );
    }
    let pairs = json("eddsa/proof-set-chain/multiKeyPairs.json");
    for pair in pairs.as_object().expect("object").values() {
        keys.push(pair["publicKeyMultibase"].as_str().expect("pk").to_owned());
    }
    keys
}

fn key_for(keys: &[String], vm: &str) -> Option<String> {
    // A did:key verification method is did:key:K#K; the key must be one of the vector's.
    let fragment = vm.split('#').nth(1)?;
    keys.iter().find(|k| k.as_str() == fragment).cloned()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn check_steps(case: &Case, canon: &GeneralCanonicalizer, signed: &Value) {
    let Some((doc_file, proof_file, hash_file)) = case.steps else {
        return;
    };
    let mut unsecured = signed.clone();
    let proof = unsecured
        .as_object_mut()
        .and_then(|m| m.remove("proof"))
        .expect("proof");
    let mut config: Map<String, Value> = proof.as_object().expect("object").clone();
    config.remove("proofValue");
    config.insert("@context".into(), unsecured["@context"].clone());
    let (doc, proof_canon) = match case.transform {
        Transform::Rdfc => (
            canon.canonicalize(&unsecured).expect("canonical document"),
            canon
                .canonicalize(&Value::Object(config))
                .expect("canonical proof configuration"),
        ),
        Transform::Jcs => (
            serde_json_canonicalizer::to_string(&unsecured).expect("jcs"),
            serde_json_canonicalizer::to_string(&Value::Object(config)).expect("jcs"),
        ),
    };
    assert_eq!(doc, read(doc_file), "{}", case.signed);
    assert_eq!(proof_canon, read(proof_file), "{}", case.signed);
    let hash = |b: &str| {
        if case.sha384 {
            Sha384::digest(b.as_bytes()).to_vec()
        } else {
            Sha256::digest(b.as_bytes()).to_vec()
        }
    };
    let combined = [hash(&proof_canon), hash(&doc)].concat();
    assert_eq!(hex(&combined), read(hash_file).trim(), "{}", case.signed);
}

/// A copy with one credential value changed after signing.
fn tampered(signed: &Value) -> Value {
    let mut t = signed.clone();
    t["credentialSubject"]["alumniOf"] = "Another School".into();
    t
}

#[test]
fn the_w3c_cryptosuite_vectors_verify_exactly() {
    let canon = GeneralCanonicalizer::default();
    let keys = vector_keys();
    let lookup = |vm: &str| key_for(&keys, vm);
    for case in CASES {
        let signed = json(case.signed);
        check_steps(case, &canon, &signed);
        let proofs = cairn_verifier::verify_signatures_with(&canon, &signed, &lookup)
            .unwrap_or_else(|e| panic!("{}: {e}", case.signed));
        assert_eq!(proofs, case.proofs, "{}", case.signed);
        assert!(
            cairn_verifier::verify_signatures_with(&canon, &tampered(&signed), &lookup).is_err(),
            "{}: tampered copy verified",
            case.signed
        );

        // The pipeline: every proof verifies and is reported with its signer, none is the
        // issuer's, so the credential is not the issuer's.
        let options = VerifyOptions::new(chrono::Utc::now());
        let report = pollster::block_on(cairn_verifier::verify_credential(
            signed.as_object().expect("object"),
            &options,
            &OfflineResolver::new(),
        ));
        let proof_checks: Vec<(&str, CheckStatus)> = report
            .checks
            .iter()
            .filter(|c| c.check == "proof")
            .map(|c| (c.code.as_str(), c.status))
            .collect();
        let mut want = vec![("signature_valid_other_party", CheckStatus::Passed); case.proofs];
        want.push(("key_not_issuers", CheckStatus::Failed));
        assert_eq!(proof_checks, want, "{}", case.signed);
    }
}

/// VC-DATA-INTEGRITY §4.4: a chain whose named previous proof is gone fails with its own code;
/// a proof of a set whose value was swapped for another's fails.
#[test]
fn broken_chains_and_sets_fail() {
    let canon = GeneralCanonicalizer::default();
    let keys = vector_keys();
    let lookup = |vm: &str| key_for(&keys, vm);
    let mut chain = json("eddsa/proof-set-chain/signedProofChain2.json");
    chain["proof"].as_array_mut().expect("proofs").remove(2);
    let err = cairn_verifier::verify_signatures_with(&canon, &chain, &lookup).expect_err("broken");
    assert!(err.contains("urn:uuid:d94f792a"), "{err}");
    let options = VerifyOptions::new(chrono::Utc::now());
    let report = pollster::block_on(cairn_verifier::verify_credential(
        chain.as_object().expect("object"),
        &options,
        &OfflineResolver::new(),
    ));
    assert!(
        report
            .checks
            .iter()
            .any(|c| c.code == "previous_proof_missing" && c.status == CheckStatus::Failed),
        "{report:?}"
    );

    let mut set = json("eddsa/proof-set-chain/signedProofSet2.json");
    let other = set["proof"][1]["proofValue"].clone();
    set["proof"][0]["proofValue"] = other;
    assert!(cairn_verifier::verify_signatures_with(&canon, &set, &lookup).is_err());
}

/// The W3C ecdsa-sd-2023 vectors (employment authorization and permanent resident card): their
/// documents use a context Cairn does not carry (`https://w3id.org/citizenship/v4rc1`), so the
/// steps after canonicalisation are checked from the vector's own intermediate files: the derived
/// proofValue parses into the vector's label map, and its base and per-statement signatures
/// verify over the vector's proof hash and statements with the vector's issuer key; a changed
/// statement or hash does not.
#[test]
fn the_w3c_ecdsa_sd_2023_derived_proofs_verify() {
    let issuer = json("ecdsa/ecdsa-sd-2023/SDKeyMaterial.json")["baseKeyPair"]
        ["publicKeyMultibase"]
        .as_str()
        .expect("key")
        .to_owned();
    for example in ["employ", "prc"] {
        let dir = format!("ecdsa/ecdsa-sd-2023/{example}");
        let reveal = json(&format!("{dir}/derivedRevealDocument.json"));
        let value = reveal["proof"]["proofValue"].as_str().expect("proofValue");
        let data = json(&format!("{dir}/verifyCreateVerifyData.json"));
        let proof_hash: Vec<u8> = (0..32)
            .map(|i| {
                u8::from_str_radix(
                    &data["proofHash"].as_str().expect("hash")[2 * i..2 * i + 2],
                    16,
                )
                .expect("hex")
            })
            .collect();
        let nquads: Vec<String> =
            serde_json::from_value(json(&format!("{dir}/verifyNQuads.json"))).expect("statements");
        let labels = cairn_verifier::sd_derived_check(value, &proof_hash, &nquads, &issuer)
            .unwrap_or_else(|e| panic!("{example}: {e}"));
        let want: Vec<(String, String)> = serde_json::from_value(
            json(&format!("{dir}/verifyDerivedProofValue.json"))["labelMap"].clone(),
        )
        .expect("label map");
        let mut want = want;
        want.sort();
        assert_eq!(labels, want, "{example}");

        let mut changed = nquads.clone();
        let last = changed.len() - 1;
        changed[last] = changed[last].replace('"', "'");
        assert!(cairn_verifier::sd_derived_check(value, &proof_hash, &changed, &issuer).is_err());
        let mut other_hash = proof_hash.clone();
        other_hash[0] ^= 1;
        assert!(cairn_verifier::sd_derived_check(value, &other_hash, &nquads, &issuer).is_err());
    }
}

//! Reproduces the W3C vc-di-eddsa test vectors byte for byte (canonical document, canonical proof
//! options, proofValue) from `../shared/spec/vectors/w3c-vc-di-eddsa/`.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::PathBuf;

use cairn_verifier::{Canonicalizer, Contexts, GeneralCanonicalizer, PendingProof};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use serde_json::Value;

fn shared() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/spec");
    assert!(
        dir.is_dir(),
        "reference data missing: {} (CI provides ../shared)",
        dir.display()
    );
    dir
}

fn read(rel: &str) -> String {
    let path = shared().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The W3C examples use the examples context, which Cairn does not compile in; tests add it.
fn canonicalizer() -> GeneralCanonicalizer {
    let contexts = Contexts::builtin()
        .with_context(
            "https://www.w3.org/ns/credentials/examples/v2",
            &read("contexts/credentials-examples-v2.jsonld"),
        )
        .expect("examples context parses");
    GeneralCanonicalizer::new(contexts)
}

fn decode_multibase(mb: &str, prefix: [u8; 2]) -> [u8; 32] {
    let bytes = bs58::decode(&mb[1..]).into_vec().expect("base58");
    assert_eq!(&bytes[..2], &prefix);
    bytes[2..].try_into().expect("32 bytes")
}

struct Vector {
    signed: &'static str,
    canon_doc: &'static str,
    canon_proof: &'static str,
    reproduce_signature: bool,
}

const VECTORS: &[Vector] = &[
    Vector {
        signed: "eddsa-rdfc-2022_signedDataInt.json",
        canon_doc: "eddsa-rdfc-2022_canonDocDataInt.txt",
        canon_proof: "eddsa-rdfc-2022_proofCanonDataInt.txt",
        reproduce_signature: true,
    },
    Vector {
        signed: "Ed25519Signature2020_signedEdSig.json",
        canon_doc: "Ed25519Signature2020_canonDocEdSig.txt",
        canon_proof: "Ed25519Signature2020_proofCanonEdSig.txt",
        reproduce_signature: false,
    },
];

#[test]
fn w3c_vectors_are_reproduced_exactly() {
    let dir = "vectors/w3c-vc-di-eddsa/";
    let keys: Value = serde_json::from_str(&read(&format!("{dir}keyPair.json"))).expect("json");
    let secret = decode_multibase(
        keys["privateKeyMultibase"].as_str().expect("sk"),
        [0x80, 0x26],
    );
    let public = decode_multibase(
        keys["publicKeyMultibase"].as_str().expect("pk"),
        [0xed, 0x01],
    );
    let signing = SigningKey::from_bytes(&secret);
    assert_eq!(signing.verifying_key().as_bytes(), &public);
    let canon = canonicalizer();

    for v in VECTORS {
        let signed: Value =
            serde_json::from_str(&read(&format!("{dir}{}", v.signed))).expect("json");
        let mut unsecured = signed.clone();
        let proof = unsecured
            .as_object_mut()
            .and_then(|m| m.remove("proof"))
            .expect("proof");

        // Canonical document.
        let doc = canon.canonicalize(&unsecured).expect("canonicalize");
        assert_eq!(doc, read(&format!("{dir}{}", v.canon_doc)), "{}", v.signed);

        // Canonical proof options: the proof without proofValue, under the document's context.
        let mut options = proof.clone();
        let options_map = options.as_object_mut().expect("object");
        options_map.remove("proofValue");
        options_map.insert("@context".into(), unsecured["@context"].clone());
        let canon_options = canon.canonicalize(&options).expect("canonicalize proof");
        assert_eq!(
            canon_options,
            read(&format!("{dir}{}", v.canon_proof)),
            "{}",
            v.signed
        );

        // The signature verifies with the vector's key, and a tampered copy does not.
        let key = VerifyingKey::from_bytes(&public).expect("key");
        cairn_verifier::verify_signature_only(&canon, &signed, &key).expect("verifies");
        let mut tampered = signed.clone();
        tampered["credentialSubject"]["alumniOf"] = "Another School".into();
        assert!(cairn_verifier::verify_signature_only(&canon, &tampered, &key).is_err());

        // proofValue reproduced byte for byte (Ed25519 is deterministic).
        if v.reproduce_signature {
            let pending = PendingProof::new(
                &canon,
                &unsecured,
                proof["verificationMethod"].as_str().expect("vm"),
                proof["created"].as_str().expect("created"),
            )
            .expect("prepare");
            let sig = signing.sign(pending.signing_input()).to_bytes();
            // A plain VC carries its one proof as an object, as the vector does: the whole
            // secured document is reproduced.
            let resigned = pending.finish(&sig);
            assert_eq!(resigned, signed, "{}", v.signed);
        }
    }
}

//! Trust registries: the example registry matches its schema; bad registries are refused; and one
//! loop over cases (registry, policy) checks the trust section and the verdict for the golden
//! `valid/did-key.json` credential (Springfield's did:key, achievement formative-assessment,
//! achievementType MicroCredential).
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::PathBuf;
use std::sync::Arc;

use cairn_verifier::{OfflineResolver, TrustPolicy, TrustRegistry, Verdict, VerifyOptions};
use serde_json::{json, Value};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read_json(rel: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(root().join(rel)).expect("read")).expect("json")
}

const ISSUER: &str = "did:key:z6MknU6pUNNHt8ghHgJ5AxPQM8XUbz9E8TCu71WDZ2rHQ5oc";

/// (name, registries, policy, trust status, verdict, CE hours granted)
type Case<'a> = (
    &'a str,
    Vec<&'a Value>,
    TrustPolicy,
    &'a str,
    Verdict,
    Option<f64>,
);

fn registry(entries: Value) -> Value {
    json!({"type": "CairnTrustRegistry", "name": "Test Registry",
        "publisher": {"id": "did:web:r.example", "name": "R"}, "version": "1", "entries": entries})
}

#[test]
fn the_example_registry_matches_its_schema_and_bad_ones_are_refused() {
    let schema = read_json("schemas/trust-registry.schema.json");
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("schema");
    let example = read_json("examples/trust-registry.json");
    let errors: Vec<String> = validator
        .iter_errors(&example)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    TrustRegistry::parse(example.to_string().as_bytes()).expect("parses");

    let bad = [
        json!({"type": "Other", "name": "n", "publisher": {"id": "p", "name": "p"}, "version": "1", "entries": []}),
        registry(json!([{"issuerIds": [], "name": "x"}])),
        registry(
            json!([{"issuerIds": ["did:x"], "name": "x", "achievements": [{"recognition": {}}]}]),
        ),
        registry(json!([{"issuerIds": ["did:x"], "name": "x", "surprise": 1}])),
        registry(json!([{"issuerIds": ["did:x"], "name": "x", "validFrom": "yesterday"}])),
    ];
    for doc in bad {
        let err = TrustRegistry::parse(doc.to_string().as_bytes())
            .err()
            .map(|e| e.code());
        assert_eq!(err, Some("invalid_registry"), "{doc}");
        assert!(!validator.is_valid(&doc), "the schema accepts {doc}");
    }
}

#[test]
fn trust_cases() {
    let credential = read_json("tests/vectors/valid/did-key.json");
    let doc = credential.as_object().expect("object");
    let example = read_json("examples/trust-registry.json");
    let other =
        registry(json!([{"issuerIds": ["did:web:elsewhere.example"], "name": "Elsewhere"}]));
    let other_achievement = registry(json!([{"issuerIds": [ISSUER], "name": "Springfield",
        "achievements": [{"id": "https://credentials.springfield.example/achievements/other"}]}]));
    let by_type = registry(
        json!([{"issuerIds": [ISSUER], "name": "Springfield (by type)",
        "achievements": [{"achievementType": "MicroCredential", "recognition": {"ceHours": 3}}]}]),
    );
    let expired = registry(json!([{"issuerIds": [ISSUER], "name": "Springfield",
        "validUntil": "2026-01-01T00:00:00Z"}]));
    let cases: Vec<Case> = vec![
        (
            "recognised by id",
            vec![&example],
            TrustPolicy::Standard,
            "recognized",
            Verdict::Valid,
            Some(15.0),
        ),
        (
            "recognised under strict",
            vec![&example],
            TrustPolicy::Strict,
            "recognized",
            Verdict::Valid,
            Some(15.0),
        ),
        (
            "recognised by achievementType",
            vec![&by_type],
            TrustPolicy::Strict,
            "recognized",
            Verdict::Valid,
            Some(3.0),
        ),
        (
            "unknown issuer is a warning",
            vec![&other],
            TrustPolicy::Standard,
            "unknown_issuer",
            Verdict::Valid,
            None,
        ),
        (
            "unknown issuer under strict",
            vec![&other],
            TrustPolicy::Strict,
            "unknown_issuer",
            Verdict::Invalid,
            None,
        ),
        (
            "an expired entry does not recognise",
            vec![&expired],
            TrustPolicy::Strict,
            "unknown_issuer",
            Verdict::Invalid,
            None,
        ),
        (
            "not for this achievement",
            vec![&other_achievement],
            TrustPolicy::Standard,
            "not_recognized_for_this_achievement",
            Verdict::Valid,
            None,
        ),
        (
            "not for this achievement, strict",
            vec![&other_achievement],
            TrustPolicy::Strict,
            "not_recognized_for_this_achievement",
            Verdict::Invalid,
            None,
        ),
        (
            "the first registry that knows the issuer decides",
            vec![&other, &other_achievement, &example],
            TrustPolicy::Standard,
            "not_recognized_for_this_achievement",
            Verdict::Valid,
            None,
        ),
    ];
    let mut failures = Vec::new();
    for (name, registries, policy, status, verdict, hours) in cases {
        let mut options = VerifyOptions::new("2026-06-01T12:00:00Z".parse().expect("now"));
        options.trust_policy = policy;
        options.registries = registries
            .iter()
            .map(|r| Arc::new(TrustRegistry::parse(r.to_string().as_bytes()).expect("registry")))
            .collect();
        let report = pollster::block_on(cairn_verifier::verify_credential(
            doc,
            &options,
            &OfflineResolver::new(),
        ));
        let trust = report.trust.clone().expect("trust section");
        let got = (
            trust.status.code(),
            report.verdict,
            trust.recognition.as_ref().and_then(|r| r.ce_hours),
        );
        if got != (status, verdict, hours) {
            failures.push(format!(
                "{name}: expected {:?}, got {got:?}",
                (status, verdict, hours)
            ));
        }
        let check = report
            .checks
            .iter()
            .find(|c| c.check == "trust")
            .expect("trust check");
        assert_eq!(check.code, status, "{name}");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));

    // Without registries there is no trust section at all.
    let report = pollster::block_on(cairn_verifier::verify_credential(
        doc,
        &VerifyOptions::new("2026-06-01T12:00:00Z".parse().expect("now")),
        &OfflineResolver::new(),
    ));
    assert!(report.trust.is_none());
    assert!(report.checks.iter().all(|c| c.check != "trust"));
}

/// A `TrustRegistryCredential` carrying `registry`, issued by `issuer` and signed by `key`.
fn registry_credential(registry: &Value, issuer: &str, valid_until: &str) -> Value {
    json!({
        "@context": [cairn_verifier::VC_V2, cairn_verifier::CAIRN_TRUST_REGISTRY_V1],
        "id": "urn:uuid:0b7e0000-0000-4000-8000-000000000001",
        "type": ["VerifiableCredential", "TrustRegistryCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": valid_until,
        "credentialSubject": {"id": issuer, "trustRegistry": registry},
    })
}

fn did_key_of(key: &ed25519_dalek::SigningKey) -> String {
    let mut bytes = vec![0xed, 0x01];
    bytes.extend_from_slice(key.verifying_key().as_bytes());
    format!("did:key:z{}", bs58::encode(bytes).into_string())
}

fn sign_di(doc: &Value, key: &ed25519_dalek::SigningKey) -> Value {
    use ed25519_dalek::Signer;
    let did = did_key_of(key);
    let vm = format!("{did}#{}", did.trim_start_matches("did:key:"));
    let canon = cairn_verifier::GeneralCanonicalizer::default();
    let pending = cairn_verifier::PendingProof::new(&canon, doc, &vm, "2026-01-01T00:00:00Z")
        .expect("pending");
    let signature = key.sign(pending.signing_input()).to_bytes();
    pending.finish(&signature)
}

/// OB 3.0 §8.2-style VC-JWT of `doc`.
fn sign_jwt(doc: &Value, key: &ed25519_dalek::SigningKey) -> String {
    use base64::Engine;
    use ed25519_dalek::Signer;
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let did = did_key_of(key);
    let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": format!("{did}#{}", did.trim_start_matches("did:key:"))});
    let mut payload = doc.clone();
    payload["iss"] = doc["issuer"].clone();
    payload["jti"] = doc["id"].clone();
    payload["sub"] = doc["credentialSubject"]["id"].clone();
    payload["nbf"] = json!(1_767_225_600); // 2026-01-01T00:00:00Z
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(payload.to_string().as_bytes())
    );
    let signature = key.sign(input.as_bytes()).to_bytes();
    format!("{input}.{}", b64(&signature))
}

#[test]
fn signed_registries_are_verified_before_use() {
    use ed25519_dalek::pkcs8::DecodePrivateKey;
    let pem = std::fs::read_to_string(root().join("keys.example/key-1.ed25519.pem")).expect("key");
    let publisher_key = ed25519_dalek::SigningKey::from_pkcs8_pem(&pem).expect("pkcs8");
    let other_key = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
    let publisher = did_key_of(&publisher_key);
    let mut content = read_json("examples/trust-registry.json");
    content["publisher"]["id"] = json!(publisher);
    let good = registry_credential(&content, &publisher, "2027-01-01T00:00:00Z");
    let mut tampered = sign_di(&good, &publisher_key);
    tampered["credentialSubject"]["trustRegistry"]["entries"][0]["achievements"][0]
        ["recognition"]["ceHours"] = json!(150);
    let stranger = did_key_of(&other_key);
    let by_stranger = registry_credential(&content, &stranger, "2027-01-01T00:00:00Z");
    let expired = registry_credential(&content, &publisher, "2026-03-01T00:00:00Z");
    let options = VerifyOptions::new("2026-06-01T12:00:00Z".parse().expect("now"));
    // (case, file bytes, error code or None for loaded and signed by the publisher)
    let cases: Vec<(&str, Vec<u8>, Option<&str>)> = vec![
        (
            "data integrity",
            sign_di(&good, &publisher_key).to_string().into_bytes(),
            None,
        ),
        ("VC-JWT", sign_jwt(&good, &publisher_key).into_bytes(), None),
        (
            "tampered",
            tampered.to_string().into_bytes(),
            Some("registry_not_verified"),
        ),
        (
            "unsigned credential",
            good.to_string().into_bytes(),
            Some("registry_not_verified"),
        ),
        (
            "expired",
            sign_di(&expired, &publisher_key).to_string().into_bytes(),
            Some("registry_not_verified"),
        ),
        (
            "signed by someone else",
            sign_di(&by_stranger, &other_key).to_string().into_bytes(),
            Some("registry_publisher_mismatch"),
        ),
        ("plain registry", content.to_string().into_bytes(), None),
    ];
    for (case, bytes, want) in cases {
        let got = pollster::block_on(TrustRegistry::load(
            &bytes,
            &options,
            &OfflineResolver::new(),
        ));
        match (got, want) {
            (Ok(registry), None) => {
                let signed = registry.signed.as_ref().map(|s| s.publisher.as_str());
                let expect = (case != "plain registry").then_some(publisher.as_str());
                assert_eq!(signed, expect, "{case}");
                // The loaded registry decides, and the report names the verified signer.
                let mut opts = options.clone();
                opts.registries = vec![Arc::new(registry)];
                let credential =
                    std::fs::read(root().join("tests/vectors/valid/did-key.json")).expect("vector");
                let report = pollster::block_on(cairn_verifier::verify(
                    &credential,
                    &opts,
                    &OfflineResolver::new(),
                ))
                .expect("report");
                let trust = report.trust.expect("trust");
                assert_eq!(trust.status.code(), "recognized", "{case}");
                assert_eq!(trust.registry_signed_by.as_deref(), expect, "{case}");
            }
            (Err(e), Some(code)) => assert_eq!(e.code(), code, "{case}: {e}"),
            (other, _) => panic!("{case}: {other:?}"),
        }
    }
    // A signed registry past its validUntil decides nothing, even when it was loaded earlier.
    let loaded = pollster::block_on(TrustRegistry::load(
        sign_di(&good, &publisher_key).to_string().as_bytes(),
        &options,
        &OfflineResolver::new(),
    ))
    .expect("loads");
    let mut later = VerifyOptions::new("2027-02-01T00:00:00Z".parse().expect("now"));
    later.registries = vec![Arc::new(loaded)];
    let credential =
        std::fs::read(root().join("tests/vectors/valid/did-key.json")).expect("vector");
    let report = pollster::block_on(cairn_verifier::verify(
        &credential,
        &later,
        &OfflineResolver::new(),
    ))
    .expect("report");
    assert_eq!(report.trust.expect("trust").status.code(), "unknown_issuer");
}

/// Who vouches for the issuer (issue 19): the registry's name when a loaded registry lists the
/// issuer, else the domain of a did:web or https issuer, else nobody — a did:key credential that
/// borrows a registered district's name is unconfirmed, whatever name it states.
#[test]
fn the_issuer_identity_names_who_vouches_for_the_issuer() {
    use cairn_verifier::IssuerIdentity;
    let now = "2026-06-01T12:00:00Z".parse().expect("now");
    let example = TrustRegistry::parse(
        std::fs::read(root().join("examples/trust-registry.json"))
            .expect("read")
            .as_slice(),
    )
    .expect("registry");
    let verify = |vector: &str, registries: Vec<Arc<TrustRegistry>>| {
        let mut options = VerifyOptions::new(now);
        options.registries = registries;
        let mut resolver = OfflineResolver::new();
        resolver.insert(
            "https://credentials.springfield.example/.well-known/did.json",
            std::fs::read(root().join("tests/vectors/docs/springfield-did.json")).expect("doc"),
        );
        let bytes = std::fs::read(root().join("tests/vectors").join(vector)).expect("vector");
        pollster::block_on(cairn_verifier::verify(&bytes, &options, &resolver)).expect("report")
    };
    let registered = verify("valid/did-key.json", vec![Arc::new(example)]);
    assert_eq!(registered.verdict, Verdict::Valid);
    assert!(
        matches!(&registered.issuer_identity, IssuerIdentity::Registry { name, .. } if name == "Springfield Public Schools"),
        "{:?}",
        registered.issuer_identity
    );
    // The lookalike: another did:key, the same stated name, a valid signature.
    let lookalike = verify("valid/reference-eddsa-jcs-2022.json", Vec::new());
    assert_eq!(lookalike.verdict, Verdict::Valid);
    assert_eq!(
        lookalike.issuer_name.as_deref(),
        Some("Springfield Public Schools")
    );
    assert_eq!(lookalike.issuer_identity, IssuerIdentity::Unconfirmed);
    let web = verify("valid/did-web.json", Vec::new());
    assert_eq!(
        web.issuer_identity,
        IssuerIdentity::Domain {
            domain: "credentials.springfield.example".to_owned()
        }
    );
    // What the API and `--json` carry.
    let json = serde_json::to_value(&web).expect("json");
    assert_eq!(
        json["issuer_identity"],
        json!({"vouched_by": "domain", "domain": "credentials.springfield.example"})
    );
}

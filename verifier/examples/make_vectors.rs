//! Regenerates the golden vectors in `tests/vectors/` (deterministic: Ed25519 signatures and
//! fixed dates). Run: `cargo run -p cairn-verifier --example make_vectors`.
//!
//! Keys: A is the TEST-ONLY `keys.example/key-1.ed25519.pem`; B is derived from a fixed seed.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::{Path, PathBuf};

use cairn_verifier::{Canonicalizer, GeneralCanonicalizer, PendingProof};
use ed25519_dalek::pkcs8::DecodePrivateKey;
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const CREATED: &str = "2026-01-15T09:00:00Z";
const NOW: &str = "2026-06-01T12:00:00Z";
const WEB_DID: &str = "did:web:credentials.springfield.example";
const WEB_DOC_URL: &str = "https://credentials.springfield.example/.well-known/did.json";

struct Out {
    dir: PathBuf,
}

impl Out {
    fn write(&self, rel: &str, value: &Value) {
        let path = self.dir.join(rel);
        std::fs::create_dir_all(path.parent().unwrap_or(Path::new("."))).expect("mkdir");
        let text = serde_json::to_string_pretty(value).expect("json") + "\n";
        std::fs::write(&path, text).expect("write");
    }

    /// A vector and its expectation.
    fn case(&self, kind: &str, name: &str, doc: &Value, codes: &[&str], docs: &[(&str, &str)]) {
        self.write(&format!("{kind}/{name}.json"), doc);
        let verdict = match kind {
            "valid" => "valid",
            "invalid" => "invalid",
            _ => "indeterminate",
        };
        let docs: serde_json::Map<String, Value> = docs
            .iter()
            .map(|(u, f)| ((*u).to_owned(), json!(f)))
            .collect();
        let mut expect = json!({"verdict": verdict, "codes": codes, "now": NOW});
        if !docs.is_empty() {
            expect["docs"] = Value::Object(docs);
        }
        self.write(&format!("{kind}/{name}.expect.json"), &expect);
    }
}

fn multikey(key: &SigningKey) -> String {
    cairn_verifier::encode_multikey(&key.verifying_key())
}

fn did_key(key: &SigningKey) -> String {
    format!("did:key:{}", multikey(key))
}

fn did_key_vm(key: &SigningKey) -> String {
    format!("{}#{}", did_key(key), multikey(key))
}

fn credential(issuer: &str, id: &str) -> Value {
    json!({
        "@context": [cairn_verifier::VC_V2, cairn_verifier::OB_V3P0_3_0_3],
        "id": id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": "Formative Assessment in Practice",
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Springfield Public Schools"},
        "validFrom": "2026-01-15T09:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{
                "type": "IdentityObject",
                "identityHash": cairn_verifier::identity::hash_email("teacher@springfield.example", "0f1e2d3c"),
                "identityType": "emailAddress",
                "hashed": true,
                "salt": "0f1e2d3c"
            }],
            "achievement": {
                "id": "https://credentials.springfield.example/achievements/formative-assessment",
                "type": ["Achievement"],
                "achievementType": "MicroCredential",
                "name": "Formative Assessment in Practice",
                "description": "Designs and uses formative assessment to adjust instruction.",
                "criteria": {"narrative": "Submit a unit plan, student work and a reflection."},
                "alignment": [{
                    "type": ["Alignment"],
                    "targetName": "InTASC Standard 6: Assessment",
                    "targetUrl": "https://example.org/intasc/6"
                }],
                "creditsAvailable": 15
            },
            "creditsEarned": 15,
            "result": [{"type": ["Result"], "status": "Completed"}]
        },
        "evidence": [{"id": "https://portfolio.example/ek/unit", "type": ["Evidence"], "narrative": "Unit plan"}]
    })
}

fn sign(canon: &GeneralCanonicalizer, doc: &Value, key: &SigningKey, vm: &str) -> Value {
    let pending = PendingProof::new(canon, doc, vm, CREATED).expect("signable");
    let sig = key.sign(pending.signing_input()).to_bytes();
    pending.finish(&sig)
}

/// Signs with a proof whose fields are set by hand (for legacy and deliberately odd proofs).
fn sign_custom(
    canon: &GeneralCanonicalizer,
    doc: &Value,
    key: &SigningKey,
    mut proof: serde_json::Map<String, Value>,
) -> Value {
    let mut config = proof.clone();
    config.insert("@context".into(), doc["@context"].clone());
    let c_config = canon.canonicalize(&Value::Object(config)).expect("config");
    let c_doc = canon.canonicalize(doc).expect("doc");
    let mut hash = Sha256::digest(c_config.as_bytes()).to_vec();
    hash.extend_from_slice(&Sha256::digest(c_doc.as_bytes()));
    let sig = key.sign(&hash).to_bytes();
    proof.insert(
        "proofValue".into(),
        cairn_verifier::encode_proof_value(&sig).into(),
    );
    let mut out = doc.clone();
    out["proof"] = json!([Value::Object(proof)]);
    out
}

fn proof_fields(
    kind: &str,
    suite: Option<&str>,
    vm: &str,
    purpose: &str,
) -> serde_json::Map<String, Value> {
    let mut p = serde_json::Map::new();
    p.insert("type".into(), kind.into());
    if let Some(s) = suite {
        p.insert("cryptosuite".into(), s.into());
    }
    p.insert("created".into(), CREATED.into());
    p.insert("verificationMethod".into(), vm.into());
    p.insert("proofPurpose".into(), purpose.into());
    p
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let pem = std::fs::read_to_string(root.join("keys.example/key-1.ed25519.pem")).expect("key");
    let a = SigningKey::from_pkcs8_pem(&pem).expect("pkcs8");
    let b = SigningKey::from_bytes(&[7u8; 32]);
    let canon = GeneralCanonicalizer::default();
    let out = Out {
        dir: root.join("tests/vectors"),
    };
    let _ = std::fs::remove_dir_all(&out.dir);

    let base = credential(
        &did_key(&a),
        "urn:uuid:7f3c1a52-0000-4000-8000-000000000001",
    );
    let good = sign(&canon, &base, &a, &did_key_vm(&a));
    out.case("valid", "did-key", &good, &[], &[]);

    // did:web issuer, key published in its DID document (supplied offline).
    let web = credential(
        WEB_DID,
        "https://credentials.springfield.example/credentials/2",
    );
    let web_vm = format!("{WEB_DID}#key-1");
    out.write("docs/springfield-did.json", &json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": WEB_DID,
        "verificationMethod": [{"id": web_vm, "type": "Multikey", "controller": WEB_DID, "publicKeyMultibase": multikey(&a)}],
        "assertionMethod": [web_vm]
    }));
    let web_signed = sign(&canon, &web, &a, &web_vm);
    out.case(
        "valid",
        "did-web",
        &web_signed,
        &[],
        &[(WEB_DOC_URL, "../docs/springfield-did.json")],
    );
    out.case(
        "indeterminate",
        "did-web-document-unavailable",
        &web_signed,
        &["key_unresolved"],
        &[],
    );
    out.write("docs/springfield-did-no-assertion.json", &json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": WEB_DID,
        "verificationMethod": [{"id": web_vm, "type": "Multikey", "controller": WEB_DID, "publicKeyMultibase": multikey(&a)}],
        "authentication": [web_vm]
    }));
    out.case(
        "invalid",
        "did-web-key-not-for-assertions",
        &web_signed,
        &["key_not_authorized"],
        &[(WEB_DOC_URL, "../docs/springfield-did-no-assertion.json")],
    );

    // VC 1.1-era shape: credentials/v1, the original OB context, issuanceDate/expirationDate.
    let mut v1 = base.clone();
    v1["@context"] = json!([
        cairn_verifier::VC_V1,
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        "https://w3id.org/security/data-integrity/v2"
    ]);
    let m = v1.as_object_mut().expect("object");
    m.remove("validFrom");
    m.insert("issuanceDate".into(), "2026-01-15T09:00:00Z".into());
    m.insert("expirationDate".into(), "2030-01-01T00:00:00Z".into());
    out.case(
        "valid",
        "vc11-era",
        &sign(&canon, &v1, &a, &did_key_vm(&a)),
        &[],
        &[],
    );

    // Legacy Ed25519Signature2020 proof (verify-only in Cairn).
    let mut legacy = base.clone();
    legacy["@context"]
        .as_array_mut()
        .expect("array")
        .push(json!("https://w3id.org/security/suites/ed25519-2020/v1"));
    let legacy = sign_custom(
        &canon,
        &legacy,
        &a,
        proof_fields(
            "Ed25519Signature2020",
            None,
            &did_key_vm(&a),
            "assertionMethod",
        ),
    );
    out.case("valid", "ed25519-signature-2020", &legacy, &[], &[]);

    // An embedded endorsement by another issuer (key B).
    let endorsement = json!({
        "@context": [cairn_verifier::VC_V2, cairn_verifier::OB_V3P0_3_0_3],
        "id": "urn:uuid:7f3c1a52-0000-4000-8000-0000000000e1",
        "type": ["VerifiableCredential", "EndorsementCredential"],
        "name": "State endorsement of Springfield's assessment micro-credential",
        "issuer": {"id": did_key(&b), "type": ["Profile"], "name": "State Department of Education"},
        "validFrom": "2026-01-10T00:00:00Z",
        "credentialSubject": {
            "id": "https://credentials.springfield.example/achievements/formative-assessment",
            "type": ["EndorsementSubject"],
            "endorsementComment": "Meets the state's criteria for continuing-education credit."
        }
    });
    let endorsement = sign(&canon, &endorsement, &b, &did_key_vm(&b));
    let mut endorsed = base.clone();
    endorsed["credentialSubject"]["achievement"]["endorsement"] = json!([endorsement.clone()]);
    out.case(
        "valid",
        "with-endorsement",
        &sign(&canon, &endorsed, &a, &did_key_vm(&a)),
        &[],
        &[],
    );
    let mut bad_endorsement = endorsement.clone();
    bad_endorsement["credentialSubject"]["endorsementComment"] = json!("Not endorsed.");
    let mut endorsed_bad = base.clone();
    endorsed_bad["credentialSubject"]["achievement"]["endorsement"] = json!([bad_endorsement]);
    out.case(
        "invalid",
        "endorsement-tampered",
        &sign(&canon, &endorsed_bad, &a, &did_key_vm(&a)),
        &["endorsement_invalid"],
        &[],
    );

    // Tampering with signed fields.
    let tamper = |path: &[&str], value: Value| {
        let mut t = good.clone();
        let mut cur = &mut t;
        for p in &path[..path.len() - 1] {
            cur = if let Ok(i) = p.parse::<usize>() {
                &mut cur[i]
            } else {
                &mut cur[*p]
            };
        }
        cur[path[path.len() - 1]] = value;
        t
    };
    out.case(
        "invalid",
        "tampered-name",
        &tamper(&["name"], json!("Formative Assessment Mastery")),
        &["bad_signature"],
        &[],
    );
    out.case(
        "invalid",
        "tampered-credits",
        &tamper(&["credentialSubject", "creditsEarned"], json!(150)),
        &["bad_signature"],
        &[],
    );
    out.case(
        "invalid",
        "tampered-achievement",
        &tamper(
            &["credentialSubject", "achievement", "name"],
            json!("Principal Licensure"),
        ),
        &["bad_signature"],
        &[],
    );
    out.case(
        "invalid",
        "tampered-issuer-name",
        &tamper(&["issuer", "name"], json!("Shelbyville Public Schools")),
        &["bad_signature"],
        &[],
    );
    out.case(
        "invalid",
        "tampered-proof-created",
        &tamper(&["proof", "0", "created"], json!("2026-01-16T09:00:00Z")),
        &["bad_signature"],
        &[],
    );

    // Signed by key B while naming key A.
    let mut other = base.clone();
    other = sign(&canon, &std::mem::take(&mut other), &b, &did_key_vm(&a));
    out.case(
        "invalid",
        "signed-by-another-key",
        &other,
        &["bad_signature"],
        &[],
    );
    // Signed by key B, naming key B, for an issuer that is A.
    out.case(
        "invalid",
        "key-of-another-issuer",
        &sign(&canon, &base, &b, &did_key_vm(&b)),
        &["key_not_issuers"],
        &[],
    );

    // Validity window.
    let mut expired = base.clone();
    expired["validUntil"] = json!("2026-03-01T00:00:00Z");
    out.case(
        "invalid",
        "expired",
        &sign(&canon, &expired, &a, &did_key_vm(&a)),
        &["expired"],
        &[],
    );
    let mut future = base.clone();
    future["validFrom"] = json!("2027-01-01T00:00:00Z");
    out.case(
        "invalid",
        "not-yet-valid",
        &sign(&canon, &future, &a, &did_key_vm(&a)),
        &["not_yet_valid"],
        &[],
    );

    // Contexts and terms.
    let mut no_ob = good.clone();
    no_ob["@context"] = json!([cairn_verifier::VC_V2]);
    out.case(
        "invalid",
        "missing-ob-context",
        &no_ob,
        &[
            "missing_ob_context",
            "undefined_term",
            "proof_not_checkable",
        ],
        &[],
    );
    let mut unknown_ctx = good.clone();
    unknown_ctx["@context"]
        .as_array_mut()
        .expect("array")
        .push(json!("https://evil.example/context.json"));
    out.case(
        "invalid",
        "unknown-context",
        &unknown_ctx,
        &["unknown_context", "proof_not_checkable"],
        &[],
    );
    let mut undefined = good.clone();
    undefined["credentialSubject"]["salaryStep"] = json!(3);
    out.case(
        "invalid",
        "undefined-term",
        &undefined,
        &["undefined_term", "proof_not_checkable"],
        &[],
    );

    // Proof encodings, suites and purposes.
    let b64 = {
        let mut t = good.clone();
        let z = t["proof"][0]["proofValue"].as_str().expect("pv").to_owned();
        let raw = bs58::decode(&z[1..]).into_vec().expect("b58");
        use base64::Engine;
        t["proof"][0]["proofValue"] = json!(format!(
            "u{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
        ));
        t
    };
    out.case(
        "invalid",
        "base64url-proof-value",
        &b64,
        &["invalid_proof_value_encoding"],
        &[],
    );
    let odd_suite = sign_custom(
        &canon,
        &base,
        &a,
        proof_fields(
            "DataIntegrityProof",
            Some("eddsa-2022"),
            &did_key_vm(&a),
            "assertionMethod",
        ),
    );
    out.case(
        "invalid",
        "unknown-cryptosuite",
        &odd_suite,
        &["unknown_cryptosuite"],
        &[],
    );
    let auth = sign_custom(
        &canon,
        &base,
        &a,
        proof_fields(
            "DataIntegrityProof",
            Some("eddsa-rdfc-2022"),
            &did_key_vm(&a),
            "authentication",
        ),
    );
    out.case(
        "invalid",
        "authentication-purpose",
        &auth,
        &["wrong_proof_purpose"],
        &[],
    );
    out.case("invalid", "no-proof", &base, &["no_proof"], &[]);

    // Structure.
    let mut no_subject_id = base.clone();
    no_subject_id["credentialSubject"]
        .as_object_mut()
        .expect("object")
        .remove("identifier");
    out.case(
        "invalid",
        "subject-without-identifier",
        &sign(&canon, &no_subject_id, &a, &did_key_vm(&a)),
        &["missing_subject_identifier"],
        &[],
    );

    // A key named only by a fragment under the issuer's URL is not trusted without the
    // controller document (the 1EdTech validator's shortcut).
    let url_issuer = "https://credentials.springfield.example/issuers/1";
    let frag = credential(url_issuer, "urn:uuid:7f3c1a52-0000-4000-8000-000000000003");
    let frag_vm = format!("{url_issuer}#{}", multikey(&a));
    let frag_signed = sign(&canon, &frag, &a, &frag_vm);
    out.case(
        "indeterminate",
        "fragment-key-without-controller-document",
        &frag_signed,
        &["key_unresolved"],
        &[],
    );
    out.write("docs/springfield-issuer-profile.json", &json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": url_issuer,
        "verificationMethod": [{"id": frag_vm, "type": "Multikey", "controller": url_issuer, "publicKeyMultibase": multikey(&a)}],
        "assertionMethod": [frag_vm]
    }));
    out.case(
        "valid",
        "https-controller-document",
        &frag_signed,
        &[],
        &[(url_issuer, "../docs/springfield-issuer-profile.json")],
    );
    println!("wrote {}", out.dir.display());
}

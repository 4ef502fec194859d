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
        self.case_with_reasons(kind, name, doc, codes, None, docs);
    }

    /// A vector whose could-not-check results must also carry these reason codes.
    fn case_with_reasons(
        &self,
        kind: &str,
        name: &str,
        doc: &Value,
        codes: &[&str],
        reasons: Option<&[&str]>,
        docs: &[(&str, &str)],
    ) {
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
        if let Some(reasons) = reasons {
            expect["reasons"] = json!(reasons);
        }
        if !docs.is_empty() {
            expect["docs"] = Value::Object(docs);
        }
        self.write(&format!("{kind}/{name}.expect.json"), &expect);
    }

    /// Adds to a vector's expectation the URLs the verifier may ask its resolver for, in order.
    fn expect_fetched(&self, kind: &str, name: &str, urls: &[&str]) {
        let rel = format!("{kind}/{name}.expect.json");
        let text = std::fs::read_to_string(self.dir.join(&rel)).expect("expectation");
        let mut expect: Value = serde_json::from_str(&text).expect("json");
        expect["fetched"] = json!(urls);
        self.write(&rel, &expect);
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

/// Adds a proof to `secured` (whose `proof` is a list) by `key`: signed over the document with
/// the proofs `proof` names in `previousProof` (VC Data Integrity 1.0 §4.3–4.4), or, with
/// `over_previous` false, over the document alone (how a signer that ignores chains signs).
fn add_proof(
    canon: &GeneralCanonicalizer,
    secured: &Value,
    key: &SigningKey,
    mut proof: serde_json::Map<String, Value>,
    over_previous: bool,
) -> Value {
    let mut input = secured.clone();
    let existing = input
        .as_object_mut()
        .expect("object")
        .remove("proof")
        .and_then(|p| p.as_array().cloned())
        .unwrap_or_default();
    let named: Vec<Value> = match proof.get("previousProof") {
        Some(Value::String(id)) => vec![json!(id)],
        Some(Value::Array(ids)) => ids.clone(),
        _ => Vec::new(),
    };
    let previous: Vec<Value> = existing
        .iter()
        .filter(|p| named.contains(&p["id"]))
        .cloned()
        .collect();
    if over_previous && !previous.is_empty() {
        input["proof"] = Value::Array(previous);
    }
    let mut config = proof.clone();
    config.insert("@context".into(), secured["@context"].clone());
    let c_config = canon.canonicalize(&Value::Object(config)).expect("config");
    let c_doc = canon.canonicalize(&input).expect("doc");
    let mut hash = Sha256::digest(c_config.as_bytes()).to_vec();
    hash.extend_from_slice(&Sha256::digest(c_doc.as_bytes()));
    proof.insert(
        "proofValue".into(),
        cairn_verifier::encode_proof_value(&key.sign(&hash).to_bytes()).into(),
    );
    let mut out = secured.clone();
    let mut all = existing;
    all.push(Value::Object(proof));
    out["proof"] = Value::Array(all);
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
    // 1edtech/ and canonical/ are kept, and so are the vectors the reference JavaScript stack
    // made (`reference-*`, interop/js/make-vectors.js); the rest of the generated folders is
    // replaced.
    for generated in ["valid", "invalid", "indeterminate", "docs"] {
        for entry in std::fs::read_dir(out.dir.join(generated))
            .into_iter()
            .flatten()
            .flatten()
        {
            if !entry
                .file_name()
                .to_string_lossy()
                .starts_with("reference-")
            {
                std::fs::remove_file(entry.path()).expect("rm");
            }
        }
    }

    let base = credential(
        &did_key(&a),
        "urn:uuid:7f3c1a52-0000-4000-8000-000000000001",
    );
    let good = sign(&canon, &base, &a, &did_key_vm(&a));
    out.case("valid", "did-key", &good, &[], &[]);

    // Proof sets and chains (VC Data Integrity 1.0 §4.3–4.4): the issuer's proof with an
    // endorser's beside it, and a witness's proof chained to the issuer's.
    let b_vm = did_key_vm(&b);
    let with_id = |vm: &str, id: Option<&str>, previous: Option<&str>| {
        let mut p = proof_fields(
            "DataIntegrityProof",
            Some("eddsa-rdfc-2022"),
            vm,
            "assertionMethod",
        );
        if let Some(id) = id {
            p.insert("id".into(), id.into());
        }
        if let Some(previous) = previous {
            p.insert("previousProof".into(), previous.into());
        }
        p
    };
    let mut unsigned_set = base.clone();
    unsigned_set["id"] = json!("urn:uuid:7f3c1a52-0000-4000-8000-0000000000e1");
    let first = "urn:uuid:7f3c1a52-0000-4000-8000-0000000000f1";
    let issuer_proof = add_proof(
        &canon,
        &unsigned_set,
        &a,
        with_id(&did_key_vm(&a), Some(first), None),
        true,
    );
    let set = add_proof(&canon, &issuer_proof, &b, with_id(&b_vm, None, None), true);
    out.case("valid", "proof-set-endorser", &set, &[], &[]);
    let chain = add_proof(
        &canon,
        &issuer_proof,
        &b,
        with_id(&b_vm, None, Some(first)),
        true,
    );
    out.case("valid", "proof-chain-witness", &chain, &[], &[]);
    let mut broken = chain.clone();
    broken["proof"].as_array_mut().expect("proofs").remove(0);
    out.case(
        "invalid",
        "proof-chain-previous-missing",
        &broken,
        &["previous_proof_missing"],
        &[],
    );
    let unbound = add_proof(
        &canon,
        &issuer_proof,
        &b,
        with_id(&b_vm, None, Some(first)),
        false,
    );
    out.case(
        "invalid",
        "proof-chain-link-not-over-previous",
        &unbound,
        &["bad_signature"],
        &[],
    );

    // Text with every character canonical N-Quads escapes (RDFC-1.0 §4.3), signed by Cairn; the
    // reference stack verifies it (interop/js) and signs its own (reference-signed-…).
    let every: String = (0u8..0x20)
        .map(char::from)
        .chain(['\u{7f}', '"', '\\'])
        .flat_map(|c| ['a', c])
        .chain(['a'])
        .collect();
    let mut controls = base.clone();
    controls["id"] = json!("urn:uuid:7f3c1a52-0000-4000-8000-0000000000c2");
    controls["name"] = json!(format!("Formative\tAssessment{every}"));
    controls["credentialSubject"]["achievement"]["criteria"]["narrative"] =
        json!("Step 1:\tplan\u{c}Step 2:\tteach\u{8}");
    controls["evidence"][0]["narrative"] = json!(format!("Unit plan\u{7}\u{1b}[0m\r\n{every}"));
    let signed_controls = sign(&canon, &controls, &a, &did_key_vm(&a));
    out.case("valid", "control-characters", &signed_controls, &[], &[]);
    let mut tampered_controls = signed_controls.clone();
    tampered_controls["name"] = json!(format!("Formative Assessment{every}"));
    out.case(
        "invalid",
        "tampered-control-characters",
        &tampered_controls,
        &["bad_signature"],
        &[],
    );

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
    // A name no specification defines is invalid; a published suite Cairn does not implement
    // (bbs-2023) could not be checked: nothing has been shown to be wrong.
    for (kind, name, suite, code) in [
        (
            "invalid",
            "unknown-cryptosuite",
            "eddsa-2099",
            "unknown_cryptosuite",
        ),
        (
            "indeterminate",
            "unsupported-cryptosuite",
            "bbs-2023",
            "unsupported_cryptosuite",
        ),
    ] {
        let odd_suite = sign_custom(
            &canon,
            &base,
            &a,
            proof_fields(
                "DataIntegrityProof",
                Some(suite),
                &did_key_vm(&a),
                "assertionMethod",
            ),
        );
        out.case(kind, name, &odd_suite, &[code], &[]);
    }
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
    jwt_vectors(&out, &canon, &a, &b, &root);
    status_vectors(&out, &canon, &a, &b);
    generic_vectors(&out, &canon, &a);
    baked_vectors(&out);
    println!("wrote {}", out.dir.display());
}

fn b64u(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

enum JwtKey<'a> {
    Ed(&'a SigningKey),
    Rsa(&'a dyn josekit::jws::JwsSigner),
    Hmac(&'a [u8]),
    Unsigned,
}

fn jws(header: &Value, payload: &Value, key: JwtKey) -> String {
    let input = format!(
        "{}.{}",
        b64u(header.to_string().as_bytes()),
        b64u(payload.to_string().as_bytes())
    );
    let sig = match key {
        JwtKey::Ed(k) => k.sign(input.as_bytes()).to_bytes().to_vec(),
        JwtKey::Rsa(s) => s.sign(input.as_bytes()).expect("rsa sign"),
        JwtKey::Hmac(secret) => {
            let signer = josekit::jws::HS256.signer_from_bytes(secret).expect("hmac");
            josekit::jws::JwsSigner::sign(&signer, input.as_bytes()).expect("hmac sign")
        }
        JwtKey::Unsigned => Vec::new(),
    };
    format!("{input}.{}", b64u(&sig))
}

/// OB 3.0 §8.2: the credential plus iss, jti, nbf (= validFrom), sub and exp (= validUntil).
fn jwt_payload(cred: &Value) -> Value {
    let mut p = cred.clone();
    let ts = |s: &Value| {
        chrono::DateTime::parse_from_rfc3339(s.as_str().expect("date"))
            .expect("date")
            .timestamp()
    };
    p["iss"] = cred["issuer"]["id"].clone();
    p["jti"] = cred["id"].clone();
    p["nbf"] = json!(ts(&cred["validFrom"]));
    p["sub"] = cred["credentialSubject"]["id"].clone();
    if let Some(u) = cred.get("validUntil") {
        p["exp"] = json!(ts(u));
    }
    p
}

fn write_jwt(
    out: &Out,
    kind: &str,
    name: &str,
    token: &str,
    codes: &[&str],
    docs: &[(&str, &str)],
) {
    let path = out.dir.join(format!("{kind}/{name}.jwt"));
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, format!("{token}\n")).expect("write");
    // The expectation file is written by `case`, which also writes a JSON twin; remove the twin.
    out.case(kind, name, &json!(null), codes, docs);
    std::fs::remove_file(out.dir.join(format!("{kind}/{name}.json"))).expect("rm twin");
}

fn jwt_vectors(
    out: &Out,
    canon: &GeneralCanonicalizer,
    a: &SigningKey,
    b: &SigningKey,
    root: &Path,
) {
    use josekit::jwk::KeyPair;
    let rsa_pem = std::fs::read(root.join("keys.example/rsa-2048.pem")).expect("rsa key");
    let rsa_pair = josekit::jws::RS256
        .key_pair_from_pem(&rsa_pem)
        .expect("rsa pem");
    let rsa = josekit::jws::RS256
        .signer_from_pem(&rsa_pem)
        .expect("rsa signer");
    let mut rsa_jwk: Value =
        serde_json::from_str(&rsa_pair.to_jwk_public_key().to_string()).expect("jwk");

    let subject = "did:example:teacher-42";
    let mut base = credential(&did_key(a), "urn:uuid:7f3c1a52-0000-4000-8000-0000000000a1");
    base["credentialSubject"]["id"] = json!(subject);
    let payload = jwt_payload(&base);
    let ed_header = json!({"alg": "EdDSA", "kid": did_key_vm(a), "typ": "JWT"});
    let good = jws(&ed_header, &payload, JwtKey::Ed(a));
    write_jwt(out, "valid", "jwt-eddsa-did-key", &good, &[], &[]);

    // RS256 by a did:web issuer whose DID document lists the RSA key; and through its JWKS.
    let mut web = credential(
        WEB_DID,
        "https://credentials.springfield.example/credentials/j1",
    );
    web["credentialSubject"]["id"] = json!(subject);
    web["validUntil"] = json!("2030-01-01T00:00:00Z");
    let web_payload = jwt_payload(&web);
    let rsa_vm = format!("{WEB_DID}#rsa-1");
    let ed_vm = format!("{WEB_DID}#key-1");
    rsa_jwk["kid"] = json!("rsa-1");
    let mut rsa_public = rsa_jwk.clone();
    rsa_public.as_object_mut().expect("object").remove("kid");
    out.write("docs/springfield-did-rsa.json", &json!({
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1", "https://w3id.org/security/jwk/v1"],
        "id": WEB_DID,
        "verificationMethod": [
            {"id": ed_vm, "type": "Multikey", "controller": WEB_DID, "publicKeyMultibase": multikey(a)},
            {"id": rsa_vm, "type": "JsonWebKey", "controller": WEB_DID, "publicKeyJwk": rsa_public}
        ],
        "assertionMethod": [ed_vm, rsa_vm]
    }));
    let did_doc = [(WEB_DOC_URL, "../docs/springfield-did-rsa.json")];
    let rs_did = jws(
        &json!({"alg": "RS256", "kid": rsa_vm, "typ": "JWT"}),
        &web_payload,
        JwtKey::Rsa(&rsa),
    );
    write_jwt(out, "valid", "jwt-rs256-did-web", &rs_did, &[], &did_doc);
    let jwks_url = "https://credentials.springfield.example/.well-known/jwks.json";
    out.write(
        "docs/springfield-jwks.json",
        &json!({"keys": [rsa_jwk.clone()]}),
    );
    let rs_jwks = jws(
        &json!({"alg": "RS256", "kid": format!("{jwks_url}#rsa-1")}),
        &web_payload,
        JwtKey::Rsa(&rsa),
    );
    write_jwt(
        out,
        "valid",
        "jwt-rs256-jwks",
        &rs_jwks,
        &[],
        &[(jwks_url, "../docs/springfield-jwks.json")],
    );
    // An embedded jwk is trusted only when the issuer's DID document lists the same key.
    let rs_jwk = jws(
        &json!({"alg": "RS256", "jwk": rsa_public}),
        &web_payload,
        JwtKey::Rsa(&rsa),
    );
    write_jwt(out, "valid", "jwt-rs256-jwk-header", &rs_jwk, &[], &did_doc);
    // A kid on another domain whose key list does hold the signing key: refused from the names
    // alone, before that list is fetched (`fetched` pins that nothing was).
    let elsewhere = "https://keys.elsewhere.example/jwks.json";
    let rs_elsewhere = jws(
        &json!({"alg": "RS256", "kid": format!("{elsewhere}#rsa-1")}),
        &web_payload,
        JwtKey::Rsa(&rsa),
    );
    write_jwt(
        out,
        "invalid",
        "jwt-kid-on-another-domain",
        &rs_elsewhere,
        &["key_not_issuers"],
        &[(elsewhere, "../docs/springfield-jwks.json")],
    );
    out.expect_fetched("invalid", "jwt-kid-on-another-domain", &[]);
    write_jwt(
        out,
        "indeterminate",
        "jwt-jwk-header-unconfirmed",
        &rs_jwk,
        &["key_unresolved"],
        &[],
    );
    let ed_jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": b64u(b.verifying_key().as_bytes())});
    let stranger = jws(
        &json!({"alg": "EdDSA", "jwk": ed_jwk}),
        &payload,
        JwtKey::Ed(b),
    );
    write_jwt(
        out,
        "invalid",
        "jwt-jwk-header-not-issuers",
        &stranger,
        &["key_not_authorized"],
        &[],
    );

    // VC 1.1-era form: the credential inside a vc claim.
    let mut v1 = base.clone();
    let m = v1.as_object_mut().expect("object");
    m.remove("validFrom");
    m.insert("issuanceDate".into(), json!("2026-01-15T09:00:00Z"));
    m.insert(
        "@context".into(),
        json!([
            cairn_verifier::VC_V1,
            "https://purl.imsglobal.org/spec/ob/v3p0/context.json"
        ]),
    );
    let v1_payload =
        json!({"iss": did_key(a), "jti": v1["id"], "sub": subject, "nbf": 1768467600, "vc": v1});
    write_jwt(
        out,
        "valid",
        "jwt-vc-claim",
        &jws(&ed_header, &v1_payload, JwtKey::Ed(a)),
        &[],
        &[],
    );

    // A VC 2.0 credential inside a vc claim: no VC 1.1 mapping (no issuanceDate is inserted);
    // nbf and exp are checked against validFrom and validUntil (OB 3.0 §8.2.4).
    let mut v2 = base.clone();
    v2["validUntil"] = json!("2030-01-01T00:00:00Z");
    let mut v2_payload = jwt_payload(&v2);
    let v2_claims = v2_payload.as_object_mut().expect("object");
    v2_claims.retain(|k, _| ["iss", "jti", "nbf", "sub", "exp"].contains(&k.as_str()));
    v2_claims.insert("vc".into(), v2.clone());
    write_jwt(
        out,
        "valid",
        "jwt-vc-claim-vc2",
        &jws(&ed_header, &v2_payload, JwtKey::Ed(a)),
        &[],
        &[],
    );
    let mut v2_late = v2_payload.clone();
    v2_late["exp"] = json!(1893456000 + 3600);
    write_jwt(
        out,
        "invalid",
        "jwt-vc-claim-vc2-exp-mismatch",
        &jws(&ed_header, &v2_late, JwtKey::Ed(a)),
        &["jwt_exp_mismatch"],
        &[],
    );

    // Both proofs: the DI proof is added first, then the JWS wraps the signed credential.
    let di = sign(canon, &base, a, &did_key_vm(a));
    write_jwt(
        out,
        "valid",
        "jwt-with-data-integrity-proof",
        &jws(&ed_header, &jwt_payload(&di), JwtKey::Ed(a)),
        &[],
        &[],
    );

    // Header attacks.
    write_jwt(
        out,
        "invalid",
        "jwt-alg-none",
        &jws(
            &json!({"alg": "none", "kid": did_key_vm(a)}),
            &payload,
            JwtKey::Unsigned,
        ),
        &["alg_none", "proof_not_checkable"],
        &[],
    );
    let secret = a.verifying_key().to_bytes();
    write_jwt(
        out,
        "invalid",
        "jwt-hs256-key-confusion",
        &jws(
            &json!({"alg": "HS256", "kid": did_key_vm(a)}),
            &payload,
            JwtKey::Hmac(&secret),
        ),
        &["alg_hmac", "proof_not_checkable"],
        &[],
    );
    write_jwt(
        out,
        "invalid",
        "jwt-alg-key-mismatch",
        &jws(
            &json!({"alg": "RS256", "kid": did_key_vm(a)}),
            &payload,
            JwtKey::Rsa(&rsa),
        ),
        &["alg_key_mismatch"],
        &[],
    );
    let mut private_jwk = ed_jwk.clone();
    private_jwk["d"] = json!(b64u(&b.to_bytes()));
    write_jwt(
        out,
        "invalid",
        "jwt-jwk-with-private-key",
        &jws(
            &json!({"alg": "EdDSA", "jwk": private_jwk}),
            &payload,
            JwtKey::Ed(b),
        ),
        &["jwk_private_key", "proof_not_checkable"],
        &[],
    );
    write_jwt(
        out,
        "invalid",
        "jwt-extra-header",
        &jws(
            &json!({"alg": "EdDSA", "kid": did_key_vm(a), "x5u": "https://evil.example/cert"}),
            &payload,
            JwtKey::Ed(a),
        ),
        &["jws_header_field", "proof_not_checkable"],
        &[],
    );
    write_jwt(
        out,
        "invalid",
        "jwt-typ-vc-jwt",
        &jws(
            &json!({"alg": "EdDSA", "kid": did_key_vm(a), "typ": "vc+jwt"}),
            &payload,
            JwtKey::Ed(a),
        ),
        &["jws_typ", "proof_not_checkable"],
        &[],
    );
    write_jwt(
        out,
        "invalid",
        "jwt-kid-of-another-issuer",
        &jws(
            &json!({"alg": "EdDSA", "kid": did_key_vm(b)}),
            &payload,
            JwtKey::Ed(b),
        ),
        &["key_not_issuers"],
        &[],
    );

    // Tampering.
    let parts: Vec<&str> = good.split('.').collect();
    let tampered_header = b64u(
        json!({"alg": "EdDSA", "kid": did_key_vm(a)})
            .to_string()
            .as_bytes(),
    );
    write_jwt(
        out,
        "invalid",
        "jwt-tampered-header",
        &format!("{tampered_header}.{}.{}", parts[1], parts[2]),
        &["bad_signature"],
        &[],
    );
    let mut p2 = payload.clone();
    p2["credentialSubject"]["creditsEarned"] = json!(150);
    write_jwt(
        out,
        "invalid",
        "jwt-tampered-payload",
        &format!(
            "{}.{}.{}",
            parts[0],
            b64u(p2.to_string().as_bytes()),
            parts[2]
        ),
        &["bad_signature"],
        &[],
    );
    let mut sig = parts[2].to_owned();
    let last = if sig.ends_with('A') { "B" } else { "A" };
    sig.replace_range(sig.len() - 2..sig.len() - 1, last);
    write_jwt(
        out,
        "invalid",
        "jwt-tampered-signature",
        &format!("{}.{}.{sig}", parts[0], parts[1]),
        &["bad_signature"],
        &[],
    );

    // Claims that disagree with the credential.
    let claim = |name: &str, value: Value| {
        let mut p = payload.clone();
        p[name] = value;
        jws(&ed_header, &p, JwtKey::Ed(a))
    };
    write_jwt(
        out,
        "invalid",
        "jwt-nbf-mismatch",
        &claim("nbf", json!(1768467601)),
        &["jwt_nbf_mismatch"],
        &[],
    );
    write_jwt(
        out,
        "invalid",
        "jwt-jti-mismatch",
        &claim(
            "jti",
            json!("urn:uuid:00000000-0000-4000-8000-000000000000"),
        ),
        &["jwt_jti_mismatch"],
        &[],
    );
    write_jwt(
        out,
        "invalid",
        "jwt-iss-mismatch",
        &claim("iss", json!(did_key(b))),
        &["jwt_iss_mismatch"],
        &[],
    );
    write_jwt(
        out,
        "invalid",
        "jwt-sub-mismatch",
        &claim("sub", json!("did:example:someone-else")),
        &["jwt_sub_mismatch"],
        &[],
    );
    write_jwt(
        out,
        "invalid",
        "jwt-expired-by-exp",
        &claim("exp", json!(1772323200)),
        &["expired"],
        &[],
    );
    let mut until = base.clone();
    until["validUntil"] = json!("2030-01-01T00:00:00Z");
    let mut up = jwt_payload(&until);
    up["exp"] = json!(1893456001);
    write_jwt(
        out,
        "invalid",
        "jwt-exp-mismatch",
        &jws(&ed_header, &up, JwtKey::Ed(a)),
        &["jwt_exp_mismatch"],
        &[],
    );
}

const STATUS_BASE: &str = "https://credentials.springfield.example/status";

/// A status list credential signed eddsa-rdfc-2022 (VC 2.0 BitstringStatusListCredential, or
/// with `v1` a VC 1.1 StatusList2021Credential) with the `set` bits set among `len`.
#[allow(clippy::too_many_arguments)]
fn status_list(
    canon: &GeneralCanonicalizer,
    signer: &SigningKey,
    issuer: &str,
    url: &str,
    purpose: &str,
    len: usize,
    set: &[usize],
    valid_until: &str,
    v1: bool,
) -> Value {
    let mut bits = cairn_verifier::StatusBits::new(len);
    for i in set {
        bits.set(*i, true);
    }
    let encoded = bits.encode();
    let doc = if v1 {
        json!({
            "@context": [cairn_verifier::VC_V1, "https://w3id.org/vc/status-list/2021/v1",
                "https://w3id.org/security/data-integrity/v2"],
            "id": url,
            "type": ["VerifiableCredential", "StatusList2021Credential"],
            "issuer": issuer,
            "issuanceDate": "2026-05-01T00:00:00Z",
            "expirationDate": valid_until,
            "credentialSubject": {"id": format!("{url}#list"), "type": "StatusList2021",
                "statusPurpose": purpose, "encodedList": &encoded[1..]}
        })
    } else {
        json!({
            "@context": [cairn_verifier::VC_V2],
            "id": url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": issuer,
            "validFrom": "2026-05-01T00:00:00Z",
            "validUntil": valid_until,
            "credentialSubject": {"id": format!("{url}#list"), "type": "BitstringStatusList",
                "statusPurpose": purpose, "encodedList": encoded, "ttl": 300000}
        })
    };
    sign(canon, &doc, signer, &did_key_vm(signer))
}

fn status_entry(kind: &str, purpose: &str, url: &str, index: usize) -> Value {
    json!({"id": format!("{url}#{index}"), "type": kind, "statusPurpose": purpose,
        "statusListIndex": index.to_string(), "statusListCredential": url})
}

/// Bitstring Status List (and StatusList2021) vectors: each credential names lists served by the
/// docs in its expectation.
fn status_vectors(out: &Out, canon: &GeneralCanonicalizer, a: &SigningKey, b: &SigningKey) {
    const BSL: &str = "BitstringStatusListEntry";
    const LEN: usize = cairn_verifier::MIN_STATUS_LIST_BITS;
    let issuer = did_key(a);
    let rev_url = format!("{STATUS_BASE}/revocation/1");
    let sus_url = format!("{STATUS_BASE}/suspension/1");
    let (rev_i, sus_i) = (41_297, 7_723);
    let with_status = |id: &str, entries: Value| {
        let mut c = credential(&issuer, id);
        c["credentialStatus"] = entries;
        sign(canon, &c, a, &did_key_vm(a))
    };
    let both = json!([
        status_entry(BSL, "revocation", &rev_url, rev_i),
        status_entry(BSL, "suspension", &sus_url, sus_i)
    ]);
    let cred = with_status("urn:uuid:5a1e0000-0000-4000-8000-000000000001", both);
    let list =
        |signer: &SigningKey, who: &str, url: &str, purpose: &str, set: &[usize], until: &str| {
            status_list(canon, signer, who, url, purpose, LEN, set, until, false)
        };
    let until = "2026-06-02T00:00:00Z";
    // Other credentials' bits are set in both lists; this one's are clear.
    out.write(
        "docs/status-revocation-clear.json",
        &list(
            a,
            &issuer,
            &rev_url,
            "revocation",
            &[0, 17, rev_i + 1],
            until,
        ),
    );
    out.write(
        "docs/status-suspension-clear.json",
        &list(a, &issuer, &sus_url, "suspension", &[sus_i - 1], until),
    );
    out.write(
        "docs/status-revocation-set.json",
        &list(a, &issuer, &rev_url, "revocation", &[17, rev_i], until),
    );
    out.write(
        "docs/status-suspension-set.json",
        &list(a, &issuer, &sus_url, "suspension", &[sus_i], until),
    );
    out.write(
        "docs/status-revocation-expired.json",
        &list(
            a,
            &issuer,
            &rev_url,
            "revocation",
            &[],
            "2026-05-31T00:00:00Z",
        ),
    );
    out.write(
        "docs/status-revocation-other-issuer.json",
        &list(b, &did_key(b), &rev_url, "revocation", &[], until),
    );
    let mut tampered = list(a, &issuer, &rev_url, "revocation", &[rev_i], until);
    tampered["credentialSubject"]["encodedList"] =
        json!(cairn_verifier::StatusBits::new(LEN).encode());
    out.write("docs/status-revocation-tampered.json", &tampered);
    // 16 MiB of zero bytes compress to a few KiB: over the 2 MiB cap once decompressed.
    out.write(
        "docs/status-revocation-gzip-bomb.json",
        &status_list(
            canon,
            a,
            &issuer,
            &rev_url,
            "revocation",
            16 * 1024 * 1024 * 8,
            &[],
            until,
            false,
        ),
    );
    out.write(
        "docs/status-revocation-too-short.json",
        &status_list(
            canon,
            a,
            &issuer,
            &rev_url,
            "revocation",
            1024,
            &[],
            until,
            false,
        ),
    );

    let r = |f: &'static str| (rev_url.as_str(), f);
    let s = |f: &'static str| (sus_url.as_str(), f);
    let clear_s = s("../docs/status-suspension-clear.json");
    out.case(
        "valid",
        "status-not-revoked",
        &cred,
        &[],
        &[r("../docs/status-revocation-clear.json"), clear_s],
    );
    out.case(
        "invalid",
        "status-revoked",
        &cred,
        &["revoked"],
        &[r("../docs/status-revocation-set.json"), clear_s],
    );
    out.case(
        "invalid",
        "status-suspended",
        &cred,
        &["suspended"],
        &[
            r("../docs/status-revocation-clear.json"),
            s("../docs/status-suspension-set.json"),
        ],
    );
    let unavailable = |name: &str, reasons: &[&str], docs: &[(&str, &str)]| {
        out.case_with_reasons(
            "indeterminate",
            name,
            &cred,
            &["status_unavailable"; 2][..reasons.len()],
            Some(reasons),
            docs,
        );
    };
    unavailable(
        "status-list-unavailable",
        &["document_not_found", "document_not_found"],
        &[],
    );
    unavailable(
        "status-list-tampered",
        &["bad_signature"],
        &[r("../docs/status-revocation-tampered.json"), clear_s],
    );
    unavailable(
        "status-list-other-issuer",
        &["status_list_wrong_issuer"],
        &[r("../docs/status-revocation-other-issuer.json"), clear_s],
    );
    unavailable(
        "status-list-expired",
        &["status_list_expired"],
        &[r("../docs/status-revocation-expired.json"), clear_s],
    );
    unavailable(
        "status-list-too-short",
        &["status_list_too_short"],
        &[r("../docs/status-revocation-too-short.json"), clear_s],
    );
    out.case_with_reasons(
        "indeterminate",
        "status-list-gzip-bomb",
        &cred,
        &["status_list_too_large"],
        Some(&["status_list_too_large"]),
        &[r("../docs/status-revocation-gzip-bomb.json"), clear_s],
    );

    let one = |id: &str, entry: Value| with_status(id, json!([entry]));
    out.case(
        "invalid",
        "status-index-out-of-range",
        &one(
            "urn:uuid:5a1e0000-0000-4000-8000-000000000002",
            status_entry(BSL, "revocation", &rev_url, LEN),
        ),
        &["status_index_out_of_range"],
        &[r("../docs/status-revocation-clear.json")],
    );
    out.case(
        "invalid",
        "status-purpose-mismatch",
        &one(
            "urn:uuid:5a1e0000-0000-4000-8000-000000000003",
            status_entry(BSL, "revocation", &sus_url, sus_i),
        ),
        &["status_purpose_mismatch"],
        &[s("../docs/status-suspension-clear.json")],
    );
    let mut sized = status_entry(BSL, "revocation", &rev_url, rev_i);
    sized["statusSize"] = json!(2);
    sized["statusMessage"] =
        json!([{"status": "0x0", "message": "valid"}, {"status": "0x1", "message": "revoked"}]);
    out.case(
        "invalid",
        "status-size",
        &one("urn:uuid:5a1e0000-0000-4000-8000-000000000004", sized),
        &["invalid_status_size"],
        &[r("../docs/status-revocation-clear.json")],
    );
    // OB 3.0 §12's 1EdTechRevocationList (type from OB's extensions.json), read as 1EdTech's
    // validator reads it: {id, issuer, revokedCredentials: [{id, revoked?}]} at the entry's id.
    let vcrl_url = "https://credentials.springfield.example/revocations";
    let vcrl_list = |issuer: &str, revoked: Value| json!({"id": vcrl_url, "issuer": issuer, "revokedCredentials": revoked});
    out.write(
        "docs/revocations-1edtech.json",
        &vcrl_list(
            &issuer,
            json!([
                {"id": "urn:uuid:5a1e0000-0000-4000-8000-000000000005", "revoked": false},
                {"id": "urn:uuid:5a1e0000-0000-4000-8000-000000000015"},
                {"id": "urn:uuid:5a1e0000-0000-4000-8000-000000000099", "revoked": true}
            ]),
        ),
    );
    out.write(
        "docs/revocations-1edtech-other-issuer.json",
        &vcrl_list(WEB_DID, json!([])),
    );
    let vcrl = |id: &str| {
        let mut c = credential(&issuer, id);
        c["@context"].as_array_mut().expect("contexts").push(json!(
            "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
        ));
        c["credentialStatus"] = json!({"id": vcrl_url, "type": "1EdTechRevocationList"});
        sign(canon, &c, a, &did_key_vm(a))
    };
    let listed = vcrl("urn:uuid:5a1e0000-0000-4000-8000-000000000005");
    let list_doc = [(vcrl_url, "../docs/revocations-1edtech.json")];
    out.case(
        "valid",
        "status-1edtech-not-revoked",
        &listed,
        &[],
        &list_doc,
    );
    out.case(
        "invalid",
        "status-1edtech-revoked",
        &vcrl("urn:uuid:5a1e0000-0000-4000-8000-000000000015"),
        &["revoked"],
        &list_doc,
    );
    out.case_with_reasons(
        "indeterminate",
        "status-1edtech-unavailable",
        &listed,
        &["status_unavailable"],
        Some(&["document_not_found"]),
        &[],
    );
    out.case_with_reasons(
        "indeterminate",
        "status-1edtech-other-issuer",
        &listed,
        &["status_unavailable"],
        Some(&["status_list_wrong_issuer"]),
        &[(vcrl_url, "../docs/revocations-1edtech-other-issuer.json")],
    );

    // VC 1.1 era: StatusList2021Entry and a StatusList2021Credential signed Ed25519Signature2020.
    let url21 = format!("{STATUS_BASE}/2021/1");
    let mut v1 = credential(&issuer, "urn:uuid:5a1e0000-0000-4000-8000-000000000006");
    v1["@context"] = json!([
        cairn_verifier::VC_V1,
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        "https://w3id.org/vc/status-list/2021/v1",
        "https://w3id.org/security/data-integrity/v2"
    ]);
    let m = v1.as_object_mut().expect("object");
    m.remove("validFrom");
    m.insert("issuanceDate".into(), "2026-01-15T09:00:00Z".into());
    v1["credentialStatus"] = status_entry("StatusList2021Entry", "revocation", &url21, 99);
    let v1 = sign(canon, &v1, a, &did_key_vm(a));
    out.write(
        "docs/status-2021-clear.json",
        &status_list(
            canon,
            a,
            &issuer,
            &url21,
            "revocation",
            LEN,
            &[98],
            until,
            true,
        ),
    );
    out.write(
        "docs/status-2021-set.json",
        &status_list(
            canon,
            a,
            &issuer,
            &url21,
            "revocation",
            LEN,
            &[99],
            until,
            true,
        ),
    );
    out.case(
        "valid",
        "status-list-2021",
        &v1,
        &[],
        &[(&url21, "../docs/status-2021-clear.json")],
    );
    out.case(
        "invalid",
        "status-list-2021-revoked",
        &v1,
        &["revoked"],
        &[(&url21, "../docs/status-2021-set.json")],
    );
}

/// A deterministic 96×96 badge picture (a blue disc on white) as an RGBA PNG.
pub fn badge_png() -> Vec<u8> {
    const SIDE: u32 = 96;
    let mut pixels = Vec::with_capacity((SIDE * SIDE * 4) as usize);
    for y in 0..SIDE {
        for x in 0..SIDE {
            let (dx, dy) = (x as i32 - 48, y as i32 - 48);
            let inside = dx * dx + dy * dy < 40 * 40;
            pixels.extend_from_slice(if inside {
                &[31, 78, 160, 255]
            } else {
                &[255, 255, 255, 0]
            });
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, SIDE, SIDE);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("png header");
    writer.write_image_data(&pixels).expect("png data");
    writer.finish().expect("png end");
    out
}

/// The same picture as an SVG.
pub const BADGE_SVG: &str = r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">
  <title>Badge</title>
  <circle cx="48" cy="48" r="40" fill="#1f4ea0"/>
</svg>
"##;

/// OB 3.0 §5.3: credentials baked into PNG and SVG, in both proof forms; the verdict is the
/// baked credential's.
fn baked_vectors(out: &Out) {
    let png = badge_png();
    let limits = cairn_verifier::Limits::default();
    let cases = [
        ("valid", "did-key", "json", "png"),
        ("valid", "did-key", "json", "svg"),
        ("valid", "jwt-eddsa-did-key", "jwt", "png"),
        ("valid", "jwt-eddsa-did-key", "jwt", "svg"),
        ("invalid", "tampered-credits", "json", "png"),
    ];
    for (kind, name, ext, image) in cases {
        let credential =
            std::fs::read_to_string(out.dir.join(format!("{kind}/{name}.{ext}"))).expect("source");
        let picture = if image == "png" {
            png.clone()
        } else {
            BADGE_SVG.as_bytes().to_vec()
        };
        let baked = cairn_verifier::bake(&picture, &credential, false, &limits).expect("bake");
        let target = out.dir.join(format!("{kind}/baked-{name}.{image}"));
        std::fs::write(&target, baked).expect("write");
        let expect =
            std::fs::read(out.dir.join(format!("{kind}/{name}.expect.json"))).expect("expect");
        std::fs::write(target.with_extension("expect.json"), expect).expect("write");
    }
}

/// W3C Verifiable Credentials that are not Open Badges (what the VC-API test suites send):
/// judged by the VC data model 2.0 alone.
fn generic_vectors(out: &Out, canon: &GeneralCanonicalizer, a: &SigningKey) {
    let base = json!({
        "@context": [cairn_verifier::VC_V2, "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": did_key(a),
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "degree": {"type": "ExampleBachelorDegree", "name": "Bachelor of Science and Arts"}
        }
    });
    let signed = |doc: &Value| sign(canon, doc, a, &did_key_vm(a));
    out.case("valid", "generic-vc2", &signed(&base), &[], &[]);
    let mut many = base.clone();
    many["credentialSubject"] = json!([
        {"id": "did:example:1", "name": "Ada"},
        {"id": "did:example:2", "name": "Grace"}
    ]);
    many.as_object_mut().expect("object").remove("validFrom");
    out.case(
        "valid",
        "generic-vc2-two-subjects-no-dates",
        &signed(&many),
        &[],
        &[],
    );
    let mut backwards = base.clone();
    backwards["validUntil"] = json!("2025-12-31T00:00:00Z");
    out.case(
        "invalid",
        "generic-valid-until-before-valid-from",
        &signed(&backwards),
        &["invalid_validity_period"],
        &[],
    );
    let mut empty = base.clone();
    empty["credentialSubject"] = json!({});
    out.case(
        "invalid",
        "generic-empty-subject",
        &signed(&empty),
        &["invalid_field"],
        &[],
    );
    let mut no_vc_type = base.clone();
    no_vc_type["type"] = json!(["ExampleDegreeCredential"]);
    out.case(
        "invalid",
        "generic-without-vc-type",
        &signed(&no_vc_type),
        &["invalid_type"],
        &[],
    );
    // VC Data Model 2.0 MUSTs on optional properties, each refused with its own code.
    let data_model_cases: [(&str, &str, Value); 8] = [
        ("id-not-url", "id", json!("not a url")),
        (
            "evidence-without-type",
            "evidence",
            json!([{"id": "https://e.example/1"}]),
        ),
        (
            "terms-of-use-without-type",
            "termsOfUse",
            json!({"id": "https://t.example/1"}),
        ),
        (
            "refresh-service-without-type",
            "refreshService",
            json!({"id": "https://r.example/1"}),
        ),
        (
            "credential-schema-without-type",
            "credentialSchema",
            json!({"id": "https://s.example/1"}),
        ),
        (
            "credential-status-without-type",
            "credentialStatus",
            json!({"id": "https://s.example/1#3"}),
        ),
        (
            "credential-status-id-not-url",
            "credentialStatus",
            json!({"id": "not a url", "type": "ExampleStatus"}),
        ),
        (
            "related-resource-without-digest",
            "relatedResource",
            json!([{"id": "https://e.example/r"}]),
        ),
    ];
    for (name, property, value) in data_model_cases {
        let mut doc = base.clone();
        doc[property] = value;
        let problems = cairn_verifier::data_model_problems(doc.as_object().expect("object"));
        let mut codes: Vec<&str> = problems.iter().map(|p| p.rule.code()).collect();
        assert_eq!(codes.len(), 1, "{name}: {codes:?}");
        if property == "credentialStatus" {
            // The status check cannot read an entry of no known type either.
            codes.push("unsupported_status_method");
        }
        out.case(
            "invalid",
            &format!("generic-{name}"),
            &signed(&doc),
            &codes,
            &[],
        );
    }
    let mut duplicate = base.clone();
    duplicate["relatedResource"] = json!([
        {"id": "https://e.example/r", "digestSRI": "sha384-ABC"},
        {"id": "https://e.example/r", "digestMultibase": "uEiABC"}
    ]);
    out.case(
        "invalid",
        "generic-related-resource-duplicate-id",
        &signed(&duplicate),
        &["related_resource_invalid"],
        &[],
    );

    let mut tampered = signed(&base);
    tampered["credentialSubject"]["degree"]["name"] = json!("Doctor of Science");
    out.case(
        "invalid",
        "generic-tampered",
        &tampered,
        &["bad_signature"],
        &[],
    );
}

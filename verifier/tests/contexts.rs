//! Proves the compiled-in contexts equivalent to the official files in `../shared/spec`: the
//! OB contexts expand every term to identical canonical N-Quads, and the rest are the same JSON.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::PathBuf;

use cairn_verifier::{Canonicalizer, Contexts, GeneralCanonicalizer, VC_V1, VC_V2};
use serde_json::{json, Map, Value};

fn official(rel: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/spec")
        .join(rel);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (CI provides ../shared)", path.display()))
}

/// (URL, official file, VC context it is used with).
const OB_CONTEXTS: &[(&str, &str, &str)] = &[
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        "context.json",
        VC_V1,
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        "context-3.0.1.json",
        VC_V1,
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        "context-3.0.2.json",
        VC_V2,
    ),
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "context-3.0.3.json",
        VC_V2,
    ),
];

const OTHER_CONTEXTS: &[(&str, &str)] = &[
    (VC_V1, "contexts/credentials-v1.jsonld"),
    (VC_V2, "contexts/credentials-v2.jsonld"),
    (
        "https://w3id.org/security/data-integrity/v1",
        "contexts/data-integrity-v1.jsonld",
    ),
    (
        "https://w3id.org/security/data-integrity/v2",
        "contexts/data-integrity-v2.jsonld",
    ),
    (
        "https://w3id.org/security/multikey/v1",
        "contexts/multikey-v1.jsonld",
    ),
    (
        "https://w3id.org/security/suites/ed25519-2020/v1",
        "contexts/ed25519-signature-2020-v1.jsonld",
    ),
    ("https://www.w3.org/ns/did/v1", "contexts/did-v1.jsonld"),
    (
        "https://www.w3.org/ns/credentials/examples/v2",
        "contexts/credentials-examples-v2.jsonld",
    ),
    (
        "https://www.w3.org/ns/credentials/status/v1",
        "contexts/vc-bitstring-status-list-v1.jsonld",
    ),
    // The 1EdTech validator's copy of OB 3.0's extensions context.
    (
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
        "vectors/1edtech-validator/resources/contexts/ob-v3p0-extensions.json",
    ),
];

/// Compiled in without an official file in `../shared/spec` to compare with: ssi-contexts'
/// bundled copy of the W3C CCG StatusList2021 context (VC 1.1-era status entries), and Cairn's
/// own trust-registry and verification-record contexts (Cairn defines them; there is nothing
/// official).
const WITHOUT_OFFICIAL_FILE: &[&str] = &[
    "https://w3id.org/vc/status-list/2021/v1",
    cairn_verifier::CAIRN_TRUST_REGISTRY_V1,
    cairn_verifier::CAIRN_VERIFICATION_RECORD_V1,
];

/// A value that exercises a term definition: an IRI for @id/@vocab terms, a date for dates, a
/// list for @list containers, JSON for @json, a node for terms with a scoped context.
fn sample_value(name: &str, def: &Value) -> Value {
    let ty = def.get("@type").and_then(Value::as_str).unwrap_or("");
    let container = def.get("@container");
    let is_list = container.is_some_and(|c| {
        c == "@list" || c.as_array().is_some_and(|a| a.iter().any(|v| v == "@list"))
    });
    let scalar = match ty {
        "@id" | "@vocab" => json!(format!("https://example.org/{name}")),
        "@json" => json!({"k": [1, "two"]}),
        t if t.ends_with("dateTime") || t.ends_with("date") => json!("2024-05-06T07:08:09Z"),
        t if t.ends_with("float") || t.ends_with("integer") => json!("12"),
        t if t.ends_with("boolean") => json!("true"),
        _ if def.get("@context").is_some() => {
            json!({"id": format!("https://example.org/node/{name}")})
        }
        _ => json!(format!("value of {name} ü 𝄞")),
    };
    if is_list {
        json!([scalar.clone(), scalar])
    } else {
        scalar
    }
}

/// One document per class in the context (plus one for the top-level terms), each using every
/// property the class's scoped context defines.
fn documents_using_every_term(ctx_url: &str, vc: &str, context: &Value) -> Vec<Value> {
    let top = context["@context"].as_object().expect("context object");
    let mut docs = Vec::new();
    let mut top_props = Map::new();
    for (term, def) in top {
        if term.starts_with('@') {
            continue;
        }
        let Some(def) = def.as_object() else { continue };
        if let Some(Value::Object(scoped)) = def.get("@context") {
            // A class (type-scoped context): a node of that type using each of its properties.
            let mut node = Map::new();
            node.insert("@context".into(), json!([vc, ctx_url]));
            node.insert("id".into(), json!(format!("urn:example:{term}")));
            node.insert("type".into(), json!([term]));
            for (p, pdef) in scoped {
                if p.starts_with('@') || p == "id" || p == "type" {
                    continue;
                }
                node.insert(p.clone(), sample_value(p, pdef));
            }
            docs.push(Value::Object(node));
        } else {
            top_props.insert(
                term.clone(),
                sample_value(term, &Value::Object(def.clone())),
            );
        }
    }
    if !top_props.is_empty() {
        let mut node = top_props;
        node.insert("@context".into(), json!([vc, ctx_url]));
        node.insert("id".into(), json!("urn:example:top"));
        docs.push(Value::Object(node));
    }
    docs
}

fn canonical_forms(contexts: Contexts, docs: &[Value]) -> Vec<Result<String, String>> {
    let canon = GeneralCanonicalizer::new(contexts);
    docs.iter()
        .map(|d| canon.canonicalize(d).map_err(|e| e.to_string()))
        .collect()
}

/// Canonicalises one document per class of the official context at `file`, using every
/// property, with Cairn's compiled-in file and with the official one, and requires identical
/// N-Quads (and at least one quad per property, so nothing was silently dropped).
fn assert_expands_like_the_official_file(url: &str, file: &str, vc: &str, min_docs: usize) {
    let official_text = official(file);
    let official_json: Value = serde_json::from_str(&official_text).expect("json");
    let docs = documents_using_every_term(url, vc, &official_json);
    assert!(
        docs.len() >= min_docs,
        "{file}: only {} classes found",
        docs.len()
    );

    let ours = canonical_forms(Contexts::builtin(), &docs);
    let theirs = canonical_forms(
        Contexts::builtin()
            .with_context(url, &official_text)
            .expect("parses"),
        &docs,
    );
    let mut quads = 0;
    for ((doc, a), b) in docs.iter().zip(&ours).zip(&theirs) {
        let a = a
            .as_ref()
            .unwrap_or_else(|e| panic!("{file} {}: {e}", doc["id"]));
        assert_eq!(Ok(a), b.as_ref(), "{file}: {}", doc["id"]);
        quads += a.lines().count();
    }
    let props: usize = docs
        .iter()
        .map(|d| d.as_object().map_or(0, |m| m.len() - 2))
        .sum();
    assert!(
        quads >= props,
        "{file}: {quads} quads for {props} properties"
    );
}

#[test]
fn ob_contexts_expand_every_term_like_the_official_files() {
    for (url, file, vc) in OB_CONTEXTS {
        assert_expands_like_the_official_file(url, file, vc, 11);
    }
}

/// Cairn's own Bitstring Status List context (for VC 1.1 credentials) expands the list and the
/// entry, with every property, exactly as the official file does.
#[test]
fn the_status_list_context_expands_every_term_like_the_official_file() {
    assert_expands_like_the_official_file(
        "https://www.w3.org/ns/credentials/status/v1",
        "contexts/vc-bitstring-status-list-v1.jsonld",
        VC_V1,
        2,
    );
}

#[test]
fn a_changed_term_definition_is_detected() {
    // The comparison above can fail: alter one IRI in the official 3.0.3 context and the
    // Achievement node no longer canonicalises the same.
    let (url, file, vc) = OB_CONTEXTS[3];
    let text = official(file);
    let altered = text.replacen(
        "\"name\": {\"@id\": \"https://schema.org/name\"",
        "\"name\": {\"@id\": \"https://example.org/name\"",
        1,
    );
    let mut json: Value = serde_json::from_str(&text).expect("json");
    json["@context"]["Achievement"]["@context"]["name"] =
        json!({"@id": "https://example.org/altered"});
    let altered = if altered == text {
        serde_json::to_string(&json).expect("json")
    } else {
        altered
    };
    let docs = documents_using_every_term(url, vc, &json);
    let ours = canonical_forms(Contexts::builtin(), &docs);
    let theirs = canonical_forms(
        Contexts::builtin()
            .with_context(url, &altered)
            .expect("parses"),
        &docs,
    );
    assert_ne!(ours, theirs);
}

#[test]
fn other_compiled_in_contexts_equal_the_official_files() {
    for (url, file) in OTHER_CONTEXTS {
        let ours: Value =
            serde_json::from_str(Contexts::builtin_text(url).expect("compiled in")).expect("json");
        let theirs: Value = serde_json::from_str(&official(file)).expect("json");
        assert_eq!(ours, theirs, "{url}");
    }
    for (url, file, _) in OB_CONTEXTS {
        let ours: Value =
            serde_json::from_str(Contexts::builtin_text(url).expect("compiled in")).expect("json");
        let theirs: Value = serde_json::from_str(&official(file)).expect("json");
        assert_eq!(ours, theirs, "{url}");
    }
    assert_eq!(
        Contexts::builtin_urls().count(),
        OB_CONTEXTS.len() + OTHER_CONTEXTS.len() + WITHOUT_OFFICIAL_FILE.len()
    );
}

#[test]
fn unknown_contexts_are_refused_without_fetching() {
    let canon = GeneralCanonicalizer::default();
    let doc = json!({
        "@context": [VC_V2, "https://evil.example/ctx.json"],
        "id": "urn:x", "type": ["VerifiableCredential"]
    });
    let err = canon.canonicalize(&doc).err().map(|e| e.code());
    assert_eq!(err, Some("unknown_context"));
    let nested = json!({
        "@context": [VC_V2, {"x": {"@id": "https://e.org/x", "@context": "https://evil.example/2"}}],
        "id": "urn:x", "type": ["VerifiableCredential"]
    });
    assert_eq!(
        canon.canonicalize(&nested).err().map(|e| e.code()),
        Some("unknown_context")
    );
}

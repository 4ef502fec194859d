//! The fast canonicaliser against the general path: for every document it answers, its canonical
//! N-Quads must be byte-identical to the general path's.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::{Path, PathBuf};

use cairn_verifier::{Canonicalizer, FastCanonicalizer, GeneralCanonicalizer};
use serde_json::Value;

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "json" || e == "jsonld") {
            out.push(p);
        }
    }
}

/// The documents a Data Integrity proof canonicalises: the credential without its proof, and
/// each proof's configuration under the credential's context.
fn signed_parts(doc: &Value) -> Vec<Value> {
    let mut out = vec![doc.clone()];
    let Some(map) = doc.as_object() else {
        return out;
    };
    let mut unsecured = map.clone();
    if let Some(proof) = unsecured.remove("proof") {
        out.push(Value::Object(unsecured));
        let proofs = match proof {
            Value::Array(p) => p,
            p => vec![p],
        };
        for p in proofs {
            if let Value::Object(mut p) = p {
                p.remove("proofValue");
                if let Some(ctx) = map.get("@context") {
                    p.insert("@context".into(), ctx.clone());
                }
                out.push(Value::Object(p));
            }
        }
    }
    out
}

/// Every JSON document in the test vectors (Cairn's and the W3C / 1EdTech ones in `../shared`),
/// with the parts a proof signs: wherever the fast path answers, it answers as the general path
/// does, and wherever the general path fails, the fast path declines.
#[test]
fn fast_path_equals_general_path_on_every_vector() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    json_files(&root.join("tests/vectors"), &mut files);
    json_files(&root.join("../shared/spec/vectors"), &mut files);
    files.sort();
    assert!(files.len() > 150, "vectors missing: {}", files.len());
    let fast = FastCanonicalizer::default();
    let general = GeneralCanonicalizer::default();
    let (mut answered, mut declined) = (0, Vec::new());
    for path in &files {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).expect("read"))
            .expect("vector is JSON");
        let mut compare =
            |general: Result<String, _>, fast: Result<String, _>, what: &str| match (general, fast)
            {
                (Ok(expected), Ok(got)) => {
                    assert_eq!(got, expected, "{} ({what})", path.display());
                    answered += 1;
                }
                (Err(e), Ok(_)) => panic!(
                    "{} ({what}): general path fails ({e}), fast path answers",
                    path.display()
                ),
                (Ok(_), Err(why)) => declined.push(format!("{}: {why:?}", path.display())),
                (Err(_), Err(_)) => {}
            };
        for part in signed_parts(&doc) {
            compare(
                general.canonicalize(&part),
                fast.canonicalize_fast(&part),
                "part",
            );
            // RDFC-1.0 with SHA-384 (P-384 ECDSA proofs) labels blank nodes by other hashes.
            compare(
                general.canonicalize_sha384(&part),
                fast.canonicalize_fast_sha384(&part),
                "part, SHA-384",
            );
        }
        // The unsecured document read in place, its proof entry skipped, as verification does.
        if let Some(map) = doc.as_object().filter(|m| m.contains_key("proof")) {
            compare(
                general.canonicalize_unsecured(map),
                fast.canonicalize_unsecured_fast(map),
                "unsecured in place",
            );
        }
    }
    eprintln!("fast path answered {answered}; declined (general path answered): {declined:#?}");
    // Only the files with a relative IRI need the general path: the 1EdTech file whose
    // verification method has no scheme, and Cairn's vectors of ids that are not URLs.
    assert!(answered >= 250, "fast path answered only {answered}");
    assert!(
        declined
            .iter()
            .all(|d| d.contains("simple-err-proof-method-no-scheme") || d.contains("-not-url")),
        "{declined:#?}"
    );
}

/// Every credential Cairn's own vectors hold, and the status lists and registries beside them,
/// is answered by the fast path itself: the fallback is for documents from elsewhere.
#[test]
fn the_fast_path_covers_cairns_own_documents() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors");
    let fast = FastCanonicalizer::default();
    let mut files = Vec::new();
    for dir in ["valid", "invalid", "indeterminate"] {
        json_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 40);
    for path in files {
        let doc: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        // Ids that are not URLs are relative IRIs, which the fast path leaves to the general one.
        let relative = path.to_string_lossy().contains("-not-url");
        if relative || GeneralCanonicalizer::default().canonicalize(&doc).is_err() {
            continue;
        }
        for part in signed_parts(&doc) {
            fast.canonicalize_fast(&part)
                .unwrap_or_else(|why| panic!("{}: {why:?}", path.display()));
        }
    }
}

/// Documents the fast path must hand to the general path, which then decides: the canonical
/// form (or the error) is the general path's.
#[test]
fn declined_documents_are_answered_by_the_general_path() {
    let fast = FastCanonicalizer::default();
    let general = GeneralCanonicalizer::default();
    let base = || {
        serde_json::json!({
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer",
            "credentialSubject": {"id": "did:example:subject"},
        })
    };
    let mut base_iri = base();
    base_iri["@context"] = serde_json::json!(["https://www.w3.org/ns/credentials/v2", {"@base": "https://example.org/"}]);
    let mut unknown_context = base();
    unknown_context["@context"] = serde_json::json!(["https://example.org/unknown"]);
    let mut undefined_term = base();
    undefined_term["notDefined"] = "x".into();
    let mut language = base();
    language["@context"] =
        serde_json::json!(["https://www.w3.org/ns/credentials/v2", {"@language": "en"}]);
    for (doc, general_answers) in [
        (base_iri, true),
        (unknown_context, false),
        (undefined_term, false),
        (language, true),
    ] {
        assert!(fast.canonicalize_fast(&doc).is_err(), "{doc}");
        let before = fast.counts();
        assert_eq!(fast.canonicalize(&doc), general.canonicalize(&doc), "{doc}");
        assert_eq!(general.canonicalize(&doc).is_ok(), general_answers, "{doc}");
        assert_eq!(
            fast.counts(),
            (before.0, before.1 + 1),
            "the fallback is counted"
        );
    }
}

/// Blank nodes with identical content share a first-degree hash and are told apart by RDFC-1.0's
/// N-degree hashing (§4.8), which the fast path runs itself.
#[test]
fn identical_blank_nodes_are_canonicalised_by_the_fast_path() {
    let fast = FastCanonicalizer::default();
    let general = GeneralCanonicalizer::default();
    let alignment = serde_json::json!({"type": ["Alignment"], "targetName": "Same", "targetUrl": "https://example.org/a"});
    let result = serde_json::json!({"type": ["Result"], "value": "A"});
    let doc = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "did:example:issuer", "type": ["Profile"]},
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "result": [result, result, result],
            "achievement": {
                "type": ["Achievement"],
                "name": "n",
                "criteria": {"narrative": "x"},
                "alignment": [alignment, alignment],
            },
        },
    });
    let got = fast.canonicalize_fast(&doc).expect("the fast path answers");
    assert_eq!(Ok(got), general.canonicalize(&doc));
}

/// Found by the fuzz targets: a percent-escape that is not UTF-8 (`%9E`) in an IRI, in its path or
/// its host, made the general path's IRI library panic. The fast path declines such IRIs and the
/// general path refuses them (`json_ld_invalid`) before its IRI library sees them.
#[test]
fn a_percent_escape_that_is_not_utf8_is_refused_not_a_crash() {
    let doc = serde_json::json!({
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": "did:key:z6MknU6pUNNHt8ghHgJ5AxPQM8XUb%9E8TCu71WDZ2rHQ5oc",
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject", "name": "x"},
    });
    let fast = FastCanonicalizer::default();
    assert!(fast.canonicalize_fast(&doc).is_err());
    let err = fast.canonicalize(&doc).expect_err("refused");
    assert_eq!(err.code(), "json_ld_invalid");
    let mut host = doc.clone();
    host["credentialSubject"]["id"] = "https://ex%E9ample.org/teacher".into();
    let err = fast.canonicalize(&host).expect_err("refused");
    assert_eq!(err.code(), "json_ld_invalid");
    assert!(err.to_string().contains("RFC 3987"), "{err}");
    // A type term (expanded against the vocabulary), found by the fuzz target too.
    let mut term = doc.clone();
    term["type"] = serde_json::json!(["VerifiableCredential", "ExampleDegreeCr%edential"]);
    let err = fast.canonicalize(&term).expect_err("refused");
    assert!(err.to_string().contains("RFC 3987"), "{err}");
    // Text that is not an IRI may hold anything.
    let mut text = doc.clone();
    text["issuer"] = "did:example:issuer".into();
    text["credentialSubject"]["name"] = "grew 40%ca.".into();
    assert_eq!(fast.canonicalize(&text).map(|_| ()), Ok(()));
    let mut ascii = doc.clone();
    ascii["issuer"] = "did:key:z6MknU6pUNNHt8ghHgJ5AxPQM8XUb%2F8TCu71WDZ2rHQ5oc".into();
    assert_eq!(
        Ok(fast
            .canonicalize_fast(&ascii)
            .expect("an ASCII escape stays on the fast path")),
        GeneralCanonicalizer::default().canonicalize(&ascii)
    );
}

/// IRIs at the edge of RFC 3987 (the fuzz target found the authority with two `@`): wherever the
/// fast path answers, the general path answers the same.
#[test]
fn edge_case_iris_agree_or_are_declined() {
    let fast = FastCanonicalizer::default();
    let general = GeneralCanonicalizer::default();
    let iris = [
        "https://@gra@graphs.example/status/1#7",
        "https://user@host.example:8080/p?q=1#f",
        "https://host.example:80:90/",
        "https://host.example:x/",
        "https://host.example/a#b#c",
        "https://host.example/%41%2f",
        "https://host.example/caf\u{e9}",
        "https://host.example/\u{e000}",
        "https://host.example/\u{fdd0}",
        "https://host.example/\u{1f600}",
        "urn:uuid:00000000-0000-4000-8000-000000000000",
        "did:key:z6Mk:with:colons",
        "mailto:a@b.example",
        "a:b",
        "1https://x.example",
    ];
    let mut answered = 0;
    for iri in iris {
        let doc = serde_json::json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer",
            "credentialSubject": {"id": iri, "name": "x"},
        });
        if let Ok(got) = fast.canonicalize_fast(&doc) {
            assert_eq!(Ok(got), general.canonicalize(&doc), "{iri}");
            answered += 1;
        }
    }
    assert!(
        answered >= 8,
        "the fast path answered only {answered} of the IRIs"
    );
}

/// A vetted extension context added by a deployment goes through the fast path when it stays in
/// its subset; one that loads another context (here: itself) is declined, not followed forever.
#[test]
fn added_contexts_are_fast_or_declined() {
    let extension =
        r#"{"@context": {"@protected": true, "district": "https://district.example/ns#district"}}"#;
    let looping = r#"{"@context": ["https://district.example/loop", {"x": "https://district.example/ns#x"}]}"#;
    let contexts = cairn_verifier::Contexts::builtin()
        .with_context("https://district.example/ext", extension)
        .expect("extension")
        .with_context("https://district.example/loop", looping)
        .expect("loop");
    let fast = FastCanonicalizer::new(contexts.clone());
    let general = GeneralCanonicalizer::new(contexts);
    let doc = |ctx: &str, key: &str| {
        serde_json::json!({
            "@context": ["https://www.w3.org/ns/credentials/v2", ctx],
            "type": ["VerifiableCredential"],
            "issuer": "did:example:issuer",
            "credentialSubject": {"id": "did:example:s", key: "Springfield"},
        })
    };
    let ext = doc("https://district.example/ext", "district");
    assert_eq!(
        Ok(fast.canonicalize_fast(&ext).expect("fast")),
        general.canonicalize(&ext)
    );
    let looped = doc("https://district.example/loop", "x");
    assert!(fast.canonicalize_fast(&looped).is_err());
}

//! Every signed value matters: changing any single leaf of a valid credential (or its proof)
//! makes it not valid.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::path::PathBuf;

use cairn_verifier::{OfflineResolver, Verdict, VerifyOptions};
use serde_json::Value;

fn leaves(v: &Value, path: Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        Value::Object(m) => m.iter().for_each(|(k, x)| {
            let mut p = path.clone();
            p.push(k.clone());
            leaves(x, p, out)
        }),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| {
            let mut p = path.clone();
            p.push(i.to_string());
            leaves(x, p, out)
        }),
        _ => out.push(path),
    }
}

fn at<'a>(v: &'a mut Value, path: &[String]) -> &'a mut Value {
    path.iter().fold(v, |cur, p| match p.parse::<usize>() {
        Ok(i) if cur.is_array() => &mut cur[i],
        _ => &mut cur[p.as_str()],
    })
}

fn mutate(v: &Value) -> Value {
    match v {
        Value::String(s) if s.is_empty() => Value::String("x".into()),
        Value::String(s) => {
            // Change the last character, keeping the string well formed.
            let mut chars: Vec<char> = s.chars().collect();
            let last = chars.len() - 1;
            chars[last] = if chars[last] == '1' { '2' } else { '1' };
            Value::String(chars.into_iter().collect())
        }
        Value::Number(n) => serde_json::json!(n.as_f64().unwrap_or(0.0) + 1.0),
        Value::Bool(b) => Value::Bool(!b),
        other => other.clone(),
    }
}

#[test]
fn changing_any_signed_value_invalidates_the_credential() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/valid/did-key.json");
    let original: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json");
    let options = VerifyOptions::new("2026-06-01T12:00:00Z".parse().expect("now"));
    let resolver = OfflineResolver::new();
    let verify = |v: &Value| {
        pollster::block_on(cairn_verifier::verify_credential(
            v.as_object().expect("object"),
            &options,
            &resolver,
        ))
    };
    assert_eq!(verify(&original).verdict, Verdict::Valid);

    let mut paths = Vec::new();
    leaves(&original, Vec::new(), &mut paths);
    assert!(paths.len() > 30, "{} leaves", paths.len());
    for p in paths {
        let mut changed = original.clone();
        let leaf = at(&mut changed, &p);
        *leaf = mutate(leaf);
        let report = verify(&changed);
        assert_ne!(
            report.verdict,
            Verdict::Valid,
            "changing {} left it valid",
            p.join(".")
        );
    }
}

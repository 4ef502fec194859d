//! Criterion benchmarks for VC-JWT (OB 3.0 §8.2): RS256 and EdDSA signing of a credential by an
//! issuer, and the verifier's JWS signature step.
//!
//! Run: `cargo bench -p cairn-issuer --bench jwt`.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Bench code: a panic is the failure report.

use std::path::PathBuf;

use cairn_issuer::{Actor, IdentityKind, InitOptions, Issuer, JwtAlg};
use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::Value;

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let tmp = tempfile::tempdir().expect("tmp");
    let issuer = rt
        .block_on(Issuer::init(
            &tmp.path().join("i"),
            InitOptions {
                name: "Bench District".into(),
                url: Some("https://credentials.bench.example".into()),
                identity: IdentityKind::DidWeb("credentials.bench.example".into()),
                key: None,
                database_url: None,
            },
            &Actor("bench".into()),
        ))
        .expect("init");
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/valid/did-key.json");
    let mut credential: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json");
    let m = credential.as_object_mut().expect("object");
    m.remove("proof");
    m.insert("issuer".into(), issuer.profile());
    credential["credentialSubject"]["id"] = Value::from("did:example:teacher-1");

    let jwks = rt.block_on(issuer.jwks()).expect("jwks");
    let key_of = |alg: &str| {
        jwks["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .find(|k| k["alg"] == alg)
            .and_then(Value::as_object)
            .cloned()
            .expect("key")
    };
    let (rsa_jwk, ed_jwk) = (key_of("RS256"), key_of("EdDSA"));

    let mut group = c.benchmark_group("vc-jwt");
    for (name, alg, jwk) in [
        ("rs256", JwtAlg::Rs256, &rsa_jwk),
        ("eddsa", JwtAlg::EdDsa, &ed_jwk),
    ] {
        group.bench_function(format!("{name}_sign"), |b| {
            b.iter(|| issuer.sign_jwt(&credential, alg).expect("sign"))
        });
        let token = issuer.sign_jwt(&credential, alg).expect("sign");
        group.bench_function(format!("{name}_verify_signature"), |b| {
            b.iter(|| cairn_verifier::verify_jws_signature(&token, jwk).expect("valid"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

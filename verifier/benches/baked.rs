//! Criterion benchmarks for baked badges: extracting the credential from a baked PNG and SVG
//! (chunk walk with CRCs; namespace-aware XML scan), baking a PNG, and a whole verification of a
//! baked PNG beside the same credential as JSON.
//!
//! Run: `cargo bench -p cairn-verifier --bench baked`.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Bench code: a panic is the failure report.

use std::path::PathBuf;

use cairn_verifier::{bake, extract, Limits, OfflineResolver, Verdict, VerifyOptions};
use criterion::{criterion_group, criterion_main, Criterion};

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/vectors")
            .join(rel),
    )
    .expect("read")
}

fn bench(c: &mut Criterion) {
    let limits = Limits::default();
    let png = read("valid/baked-did-key.png");
    let svg = read("valid/baked-jwt-eddsa-did-key.svg");
    let json = read("valid/did-key.json");
    let credential = String::from_utf8(json.clone()).expect("utf8");
    c.bench_function("extract from a baked 96x96 PNG", |b| {
        b.iter(|| extract(&png, &limits).expect("extract"))
    });
    c.bench_function("extract from a baked SVG (JWS)", |b| {
        b.iter(|| extract(&svg, &limits).expect("extract"))
    });
    // A 1024×1024 RGBA photo-like badge (noise: ~4 MiB, barely compressible) — the CRC walk over
    // every chunk is what costs.
    let mut pixels = vec![0u8; 1024 * 1024 * 4];
    let mut x: u32 = 0x2545_f491;
    for p in &mut pixels {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *p = x as u8;
    }
    let mut big = Vec::new();
    let mut encoder = png::Encoder::new(&mut big, 1024, 1024);
    encoder.set_color(png::ColorType::Rgba);
    let mut writer = encoder.write_header().expect("header");
    writer.write_image_data(&pixels).expect("data");
    writer.finish().expect("finish");
    let big = bake(&big, &credential, false, &limits).expect("bake");
    c.bench_function("extract from a baked 1024x1024 PNG (4 MiB)", |b| {
        b.iter(|| extract(&big, &limits).expect("extract"))
    });
    c.bench_function("bake a PNG (replace)", |b| {
        b.iter(|| bake(&png, &credential, true, &limits).expect("bake"))
    });
    let options = VerifyOptions::new("2026-06-01T12:00:00Z".parse().expect("now"));
    let resolver = OfflineResolver::new();
    for (name, input) in [
        ("verify the credential JSON", &json),
        ("verify the baked PNG", &png),
    ] {
        c.bench_function(name, |b| {
            b.iter(|| {
                let report = pollster::block_on(cairn_verifier::verify(input, &options, &resolver))
                    .expect("report");
                assert_eq!(report.verdict, Verdict::Valid);
            })
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);

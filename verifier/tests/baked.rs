//! Baked badge images (OB 3.0 §5.3): bake → extract → verify round trips in PNG and SVG with both
//! proof forms, re-baking, and one table of refused images with their codes.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

use std::io::Write;

use cairn_verifier::{bake, extract, Limits, OfflineResolver, Verdict, VerifyOptions};
use png::text_metadata::{EncodableTextChunk, ITXtChunk};

fn vector(rel: &str) -> String {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors");
    std::fs::read_to_string(path.join(rel)).expect("vector")
}

/// A grey PNG of `width` × `height` 1-bit pixels (tiny when compressed, whatever its size).
fn plain_png(width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    let mut writer = encoder.write_header().expect("header");
    let row = width.div_ceil(8) as usize;
    writer
        .write_image_data(&vec![0u8; row * height as usize])
        .expect("data");
    writer.finish().expect("finish");
    out
}

/// `png` with these chunks inserted after the 33-byte signature and IHDR.
fn with_chunks(png: &[u8], chunks: &[ITXtChunk]) -> Vec<u8> {
    let mut out = png[..33].to_vec();
    for chunk in chunks {
        chunk.encode(&mut out).expect("chunk");
    }
    out.write_all(&png[33..]).expect("rest");
    out
}

const SVG: &str = r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>"#;

fn verdict_of(bytes: &[u8]) -> Verdict {
    let options = VerifyOptions::new("2026-06-01T12:00:00Z".parse().expect("now"));
    pollster::block_on(cairn_verifier::verify(
        bytes,
        &options,
        &OfflineResolver::new(),
    ))
    .expect("readable")
    .verdict
}

#[test]
fn bake_extract_verify_round_trips() {
    let limits = Limits::default();
    let json = vector("valid/did-key.json");
    let jws = vector("valid/jwt-eddsa-did-key.jwt");
    let tampered = vector("invalid/tampered-credits.json");
    let images = [plain_png(64, 64), SVG.as_bytes().to_vec()];
    for image in &images {
        for (credential, verdict) in [
            (&json, Verdict::Valid),
            (&jws, Verdict::Valid),
            (&tampered, Verdict::Invalid),
        ] {
            let baked = bake(image, credential, false, &limits).expect("bake");
            assert_eq!(
                extract(&baked, &limits).expect("extract"),
                credential.trim()
            );
            assert_eq!(verdict_of(&baked), verdict);
            // OB 3.0 §5.3: a second bake is refused, or replaces the one credential.
            let again = bake(&baked, &jws, false, &limits).expect_err("baked twice");
            assert_eq!(again.code(), "already_baked");
            let replaced = bake(&baked, &jws, true, &limits).expect("replace");
            assert_eq!(extract(&replaced, &limits).expect("extract"), jws.trim());
        }
    }
    // CDATA cannot hold `]]>`; the baker splits the section and extraction joins it.
    let awkward = json.replacen("\"name\"", "\"note\": \"a ]]> b\", \"name\"", 1);
    let baked = bake(SVG.as_bytes(), &awkward, false, &limits).expect("bake");
    assert_eq!(extract(&baked, &limits).expect("extract"), awkward.trim());
    // A compressed iTXt chunk is read too.
    let mut compressed = ITXtChunk::new("openbadgecredential", jws.trim());
    compressed.compressed = true;
    let png = with_chunks(&plain_png(8, 8), &[compressed]);
    assert_eq!(extract(&png, &limits).expect("extract"), jws.trim());
    assert_eq!(verdict_of(&png), Verdict::Valid);
}

#[test]
fn refused_images_have_their_codes() {
    let limits = Limits::default();
    let jws = vector("valid/jwt-eddsa-did-key.jwt");
    let good = bake(&plain_png(16, 16), &jws, false, &limits).expect("bake");
    let mut bad_crc = good.clone();
    bad_crc[40] ^= 0xff;
    let mut bomb = ITXtChunk::new("openbadgecredential", "a".repeat(4 * 1024 * 1024));
    bomb.compressed = true;
    let twice = with_chunks(
        &plain_png(8, 8),
        &[
            ITXtChunk::new("openbadgecredential", jws.trim()),
            ITXtChunk::new("openbadgecredential", jws.trim()),
        ],
    );
    let ob = "https://purl.imsglobal.org/ob/v3p0";
    let svg_two = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{ob}"><openbadges:credential verify="{j}"/><openbadges:credential verify="{j}"/></svg>"#,
        j = jws.trim()
    );
    let svg_entities = r#"<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>"#;
    let svg_truncated = format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{ob}"><openbadges:credential verify="{}">"#,
        jws.trim()
    );
    let small = Limits {
        max_image_bytes: 1000,
        ..Limits::default()
    };
    // (case, image, limits, code)
    let cases: Vec<(&str, Vec<u8>, Limits, &str)> = vec![
        (
            "truncated PNG",
            good[..good.len() - 20].to_vec(),
            limits,
            "png_truncated",
        ),
        ("PNG with a bad CRC", bad_crc, limits, "png_malformed"),
        (
            "PNG over the pixel limit",
            plain_png(4000, 2000),
            limits,
            "image_too_many_pixels",
        ),
        (
            "PNG over the byte limit",
            good.clone(),
            small,
            "image_too_large",
        ),
        (
            "PNG decompression bomb",
            with_chunks(&plain_png(8, 8), &[bomb]),
            limits,
            "baked_credential_too_large",
        ),
        (
            "PNG baked twice",
            twice,
            limits,
            "baked_credential_repeated",
        ),
        ("PNG not baked", plain_png(8, 8), limits, "not_baked"),
        (
            "SVG with two credentials",
            svg_two.into_bytes(),
            limits,
            "baked_credential_repeated",
        ),
        (
            "SVG with entity declarations",
            svg_entities.as_bytes().to_vec(),
            limits,
            "svg_doctype_refused",
        ),
        (
            "truncated SVG",
            svg_truncated.into_bytes(),
            limits,
            "svg_truncated",
        ),
        (
            "SVG not baked",
            SVG.as_bytes().to_vec(),
            limits,
            "not_baked",
        ),
        (
            "XML that is not SVG",
            b"<html><body/></html>".to_vec(),
            limits,
            "svg_malformed",
        ),
        (
            "SVG that is not XML",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\"><g></svg>".to_vec(),
            limits,
            "svg_malformed",
        ),
    ];
    for (case, image, limits, code) in cases {
        let err = extract(&image, &limits).expect_err(case);
        assert_eq!(err.code(), code, "{case}: {err}");
        // The verifier refuses the same image with the same code.
        let mut options = VerifyOptions::new("2026-06-01T12:00:00Z".parse().expect("now"));
        options.limits = limits;
        let err = pollster::block_on(cairn_verifier::verify(
            &image,
            &options,
            &OfflineResolver::new(),
        ))
        .expect_err(case);
        assert_eq!(err.code(), code, "{case} through verify: {err}");
    }
}

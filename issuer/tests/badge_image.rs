//! Baked badges use the achievement's own image when it can be fetched (from a local server on
//! 127.0.0.1, allowed by `[sharing]`), and the generated badge when it cannot or is the other
//! format; the baked credential verifies either way.
#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code: a panic is the failure report.

mod common;

use cairn_issuer::{AchievementDefinition, Actor, ImageFormat, IssueRequest, Issuer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A 64×48 grey PNG.
fn district_png() -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, 64, 48);
    encoder.set_color(png::ColorType::Grayscale);
    let mut writer = encoder.write_header().expect("header");
    writer.write_image_data(&[128u8; 64 * 48]).expect("data");
    writer.finish().expect("finish");
    out
}

/// Serves the PNG at /badge.png; everything else is 404.
async fn image_server() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let png = district_png();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let png = png.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 2048];
                let n = stream.read(&mut buf).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&buf[..n]).into_owned();
                let mut response = if head.starts_with("GET /badge.png ") {
                    format!("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", png.len()).into_bytes()
                } else {
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .to_vec()
                };
                if head.starts_with("GET /badge.png ") {
                    response.extend_from_slice(&png);
                }
                let _ = stream.write_all(&response).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    port
}

/// An issuer whose achievement's image is `image_url`; `[sharing]` as given.
async fn issuer(dir: &std::path::Path, image_url: &str, sharing: &str) -> (Issuer, String) {
    let actor = Actor("test".into());
    let issuer = common::did_key_issuer(
        dir,
        "Springfield",
        Some("https://credentials.springfield.example"),
    )
    .await;
    let def = AchievementDefinition::parse(
        &format!(r#"{{"slug": "a", "name": "A", "description": "d", "criteria": {{"narrative": "n"}}, "image": "{image_url}"}}"#),
        Some("json"),
    )
    .expect("definition");
    issuer.add_achievement(&def, &actor).await.expect("add");
    drop(issuer);
    let config = dir.join("cairn.toml");
    let mut text = std::fs::read_to_string(&config).expect("config");
    text.push_str(sharing);
    std::fs::write(&config, text).expect("write");
    let issuer = Issuer::open(&config).await.expect("open");
    let request = IssueRequest {
        achievement: "a".into(),
        recipient_email: "t@springfield.example".into(),
        without_status: true,
        ..IssueRequest::default()
    };
    let issued = issuer
        .issue(&request, chrono::Utc::now(), &actor)
        .await
        .expect("issue");
    let id = issued["id"].as_str().expect("id").to_owned();
    (issuer, id)
}

/// A PNG's width and height from its IHDR.
fn dimensions(png: &[u8]) -> (u32, u32) {
    let w = u32::from_be_bytes(png[16..20].try_into().expect("w"));
    let h = u32::from_be_bytes(png[20..24].try_into().expect("h"));
    (w, h)
}

#[tokio::test]
async fn the_achievement_image_is_baked_when_it_can_be_fetched() {
    let port = image_server().await;
    let tmp = tempfile::tempdir().expect("tmp");
    let allowed = "\n[sharing]\nimage_allow_http = true\nimage_allow_hosts = [\"127.0.0.1\"]\n";
    let limits = cairn_verifier::Limits::default();
    // (achievement image, [sharing], format, the image's size: own 64×48 or generated 512×512)
    let cases = [
        (
            format!("http://127.0.0.1:{port}/badge.png"),
            allowed,
            ImageFormat::Png,
            Some((64, 48)),
        ),
        (
            format!("http://127.0.0.1:{port}/badge.png"),
            allowed,
            ImageFormat::Svg,
            None,
        ),
        (
            format!("http://127.0.0.1:{port}/missing.png"),
            allowed,
            ImageFormat::Png,
            Some((512, 512)),
        ),
        // The default policy refuses plain http and loopback: the generated badge.
        (
            format!("http://127.0.0.1:{port}/badge.png"),
            "",
            ImageFormat::Png,
            Some((512, 512)),
        ),
    ];
    for (i, (url, sharing, format, size)) in cases.into_iter().enumerate() {
        let (issuer, id) = issuer(&tmp.path().join(format!("i{i}")), &url, sharing).await;
        let baked = issuer.baked_badge(&id, format, false).await.expect("baked");
        assert_eq!(ImageFormat::sniff(&baked), Some(format), "case {i}");
        match size {
            Some(size) => assert_eq!(dimensions(&baked), size, "case {i}"),
            // An SVG asked for an achievement whose image is a PNG: the PNG inside the badge.
            None => assert!(
                String::from_utf8_lossy(&baked).contains("href=\"data:image/png;base64,iVBOR"),
                "case {i}"
            ),
        }
        let credential = issuer
            .store()
            .credential(&id)
            .await
            .expect("get")
            .expect("stored");
        let extracted: serde_json::Value =
            serde_json::from_str(&cairn_verifier::extract(&baked, &limits).expect("extract"))
                .expect("json");
        assert_eq!(extracted, credential, "case {i}");
    }
}

//! A photo of a certificate's QR code through the router: the page's camera field and the
//! multipart `photo` field of `POST /verify` check the credential the code links to; a photo
//! without a usable code is refused with its code and changes nothing.

#![allow(clippy::expect_used, clippy::unwrap_used)] // Test code.

use super::tests::{app, multipart, send};
use super::*;

fn photo() -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/vectors/photos/certificate-qr.png"),
    )
    .expect("photo vector")
}

#[tokio::test]
async fn a_photo_of_the_qr_code_checks_the_credential_it_links_to() {
    let app = app();
    let photo = photo();
    // The page: the link in the code is fetched (the test resolver serves it) and checked.
    let (content_type, body) = multipart(&[("photo", Some("IMG_0042.jpg"), &photo)]);
    let (status, _, html) = send(&app, "POST", "/", &content_type, body).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-verdict=\"valid\""), "{html}");
    // The API's multipart upload takes the same field.
    let (content_type, body) = multipart(&[("photo", Some("qr.png"), &photo)]);
    let (status, _, report) = send(&app, "POST", "/verify", &content_type, body).await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert!(report.contains("\"verdict\":\"valid\""));
    // A field filled in before it wins: the form's order is file, text, link, photo.
    let (content_type, body) = multipart(&[
        ("photo", Some("qr.png"), &photo),
        ("text", None, b"not a credential"),
    ]);
    let (status, _, _) = send(&app, "POST", "/verify", &content_type, body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_photo_without_a_usable_code_is_refused_with_its_code() {
    let app = app();
    let blank = cairn_render::png(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="#fff"/></svg>"##,
        300,
    )
    .expect("png");
    for (bytes, code) in [
        (blank, "qr_not_found"),
        (b"not an image".to_vec(), "photo_unreadable"),
    ] {
        let (content_type, body) = multipart(&[("photo", Some("p.jpg"), &bytes)]);
        let (status, _, html) = send(&app, "POST", "/", &content_type, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(html.contains(&format!("({code})")), "{html}");
    }
}

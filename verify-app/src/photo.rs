//! A credential's link read from a photo of its QR code — the code on a printed certificate or a
//! poster, taken with a phone's camera from the page's form. The photo (PNG or JPEG) is decoded
//! within limits, scaled down, and searched for QR codes (rqrr); what a code says becomes the
//! input: a link to fetch under the fetch policy, or a credential's own text (JSON or a JWT).

use std::io::Cursor;

/// Largest photo side the decoder accepts, in pixels (a 48-megapixel phone photo is 8000 wide).
const MAX_SIDE: u32 = 8192;
/// Most memory the decoder may take for one photo.
const MAX_ALLOC: u64 = 256 * 1024 * 1024;
/// The sides searched: most codes are found small (fast); a small code in a large photo needs more.
const SEARCH_SIDES: [u32; 2] = [1200, 2400];

/// What a photo's QR code holds.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Found {
    /// A link (http or https), to fetch as the "link" field would be.
    Link(String),
    /// A credential itself: JSON or a compact JWS.
    Credential(Vec<u8>),
}

/// Why a photo gave no credential: (stable code, plain words).
pub(crate) type Refusal = (&'static str, String);

/// The first QR code in `photo` that holds a link or a credential.
pub(crate) fn read_qr(photo: &[u8]) -> Result<Found, Refusal> {
    let unreadable = |why: String| {
        (
            "photo_unreadable",
            format!("the photo could not be read ({why}); take it as a JPEG or PNG"),
        )
    };
    let mut reader = image::ImageReader::new(Cursor::new(photo))
        .with_guessed_format()
        .map_err(|e| unreadable(e.to_string()))?;
    match reader.format() {
        Some(image::ImageFormat::Png | image::ImageFormat::Jpeg) => {}
        _ => return Err(unreadable("not a JPEG or PNG image".into())),
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);
    let image = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => (
            "photo_too_large",
            format!("the photo is over {MAX_SIDE} pixels on a side or too large to decode; take it at a lower resolution"),
        ),
        other => unreadable(other.to_string()),
    })?;
    let mut said = None;
    for side in SEARCH_SIDES {
        let scaled = if image.width().max(image.height()) > side {
            image.thumbnail(side, side)
        } else {
            image.clone()
        };
        let grey = scaled.to_luma8();
        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
            grey.width() as usize,
            grey.height() as usize,
            |x, y| grey.get_pixel(x as u32, y as u32)[0],
        );
        for grid in prepared.detect_grids() {
            if let Ok((_, content)) = grid.decode() {
                match classify(&content) {
                    Ok(found) => return Ok(found),
                    Err(refusal) => said = Some(refusal),
                }
            }
        }
        if image.width().max(image.height()) <= side {
            break;
        }
    }
    Err(said.unwrap_or_else(|| {
        (
            "qr_not_found",
            "no QR code could be read in the photo; hold the phone steady, fill the frame with the code and try again".to_owned(),
        )
    }))
}

/// A code's content as a link or a credential.
fn classify(content: &str) -> Result<Found, Refusal> {
    let text = content.trim();
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("https://") || lower.starts_with("http://") {
        return Ok(Found::Link(text.to_owned()));
    }
    if text.starts_with('{') || cairn_verifier::looks_like_compact_jws(text) {
        return Ok(Found::Credential(text.as_bytes().to_vec()));
    }
    let shown: String = text.chars().take(60).collect();
    Err((
        "qr_not_a_credential",
        format!("the QR code says {shown:?}, which is neither a link nor a credential"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A QR code of `content` photographed: turned a little, on a grey desk with other print
    /// around it, rendered to PNG at `width` pixels.
    pub(crate) fn photo_of(content: &str, width: u32) -> Vec<u8> {
        let qr = cairn_render::qr_group(content, 0.0, 0.0, 300.0).expect("qr");
        let svg = format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="800" height="600"><rect width="800" height="600" fill="#8a8d91"/><g transform="rotate(-6 400 300)"><rect x="120" y="60" width="560" height="480" fill="#f7f5ef"/><text x="160" y="110" font-size="26" fill="#333">Certificate of Achievement</text><g transform="translate(250 150)">{qr}</g></g></svg>"##
        );
        cairn_render::png(&svg, width).expect("png")
    }

    /// CRC-32 (ISO 3309, as PNG uses), bit by bit.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in bytes {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    #[test]
    fn a_photographed_code_gives_its_link() {
        let link = "https://credentials.springfield.example/credentials/7f3c1a52";
        for width in [800, 3000] {
            assert_eq!(
                read_qr(&photo_of(link, width)),
                Ok(Found::Link(link.to_owned())),
                "{width}"
            );
        }
    }

    /// The photo the browser test uploads (tests/vectors/photos/): a certificate's QR code of a
    /// share link the test serves offline. `CAIRN_BLESS=1` writes it again.
    #[test]
    fn the_browser_tests_photo_holds_the_share_link() {
        let link = "https://credentials.springfield.example/share/edna";
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/vectors/photos/certificate-qr.png");
        if std::env::var("CAIRN_BLESS").is_ok_and(|v| v == "1") {
            std::fs::create_dir_all(path.parent().expect("dir")).expect("mkdir");
            std::fs::write(&path, photo_of(link, 1200)).expect("write");
        }
        let photo = std::fs::read(&path).expect("the photo vector");
        assert_eq!(read_qr(&photo), Ok(Found::Link(link.to_owned())));
    }

    #[test]
    fn a_code_holding_a_jwt_gives_the_credential() {
        let jwt = "eyJhbGciOiJFZERTQSJ9.eyJ2YyI6e319.c2lnbmF0dXJl";
        assert_eq!(
            read_qr(&photo_of(jwt, 1000)),
            Ok(Found::Credential(jwt.as_bytes().to_vec()))
        );
    }

    #[test]
    fn photos_without_a_usable_code_are_refused_with_codes() {
        let code = |bytes: &[u8]| read_qr(bytes).map_err(|(c, _)| c);
        assert_eq!(
            code(&photo_of("WIFI:S:staff;P:hunter2;;", 1000)),
            Err("qr_not_a_credential")
        );
        let blank = cairn_render::png(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" fill="#fff"/></svg>"##,
            400,
        )
        .expect("png");
        assert_eq!(code(&blank), Err("qr_not_found"));
        assert_eq!(code(b"GIF89a not a photo"), Err("photo_unreadable"));
        assert_eq!(code(b"\x89PNG\r\n\x1a\ncut short"), Err("photo_unreadable"));
        // A PNG header claiming 100000 × 100000 pixels: refused before any pixel is decoded.
        let mut huge = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut huge, 1, 1);
            encoder.set_color(png::ColorType::Grayscale);
            encoder
                .write_header()
                .expect("header")
                .write_image_data(&[0])
                .expect("data");
        }
        huge[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        huge[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        // The IHDR chunk's CRC (over its type and data) made right again, so only the size is off.
        let crc = crc32(&huge[12..29]);
        huge[29..33].copy_from_slice(&crc.to_be_bytes());
        assert_eq!(code(&huge), Err("photo_too_large"));
    }
}

//! Achievement images uploaded in the console: checked by their content (a PNG or an SVG,
//! whatever the file is called), size-limited, cleaned — a PNG decoded and written again with
//! only its pixels (no text chunks, no baked credential, no metadata), an SVG through
//! `sanitize_svg` (no script, handlers, embedded documents or outside references) — stored,
//! served at `{issuer.url}/achievements/{slug}/image`, and named by a new version of the
//! achievement's definition.

use serde_json::json;

use crate::error::Error;
use crate::store::Actor;
use crate::Issuer;

/// The largest upload accepted.
pub(crate) const MAX_IMAGE_BYTES: usize = 512 * 1024;

/// The largest PNG accepted, a side (a badge is drawn at a few hundred pixels).
const MAX_PNG_SIDE: u32 = 2048;

fn refused(message: impl Into<String>) -> Error {
    Error::input("image", message)
}

/// A PNG's pixels written again as a PNG of 8-bit samples, with no other chunk.
fn clean_png(bytes: &[u8]) -> Result<Vec<u8>, Error> {
    let mut decoder = png::Decoder::new_with_limits(
        std::io::Cursor::new(bytes),
        png::Limits {
            bytes: 4 * (MAX_PNG_SIDE as usize) * (MAX_PNG_SIDE as usize),
        },
    );
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder
        .read_info()
        .map_err(|e| refused(format!("the PNG cannot be read ({e})")))?;
    let (width, height) = (reader.info().width, reader.info().height);
    if width > MAX_PNG_SIDE || height > MAX_PNG_SIDE {
        return Err(refused(format!(
            "the PNG is {width}×{height} pixels; at most {MAX_PNG_SIDE} a side"
        )));
    }
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| refused("the PNG is too large"))?;
    let mut pixels = vec![0; size];
    let frame = reader
        .next_frame(&mut pixels)
        .map_err(|e| refused(format!("the PNG cannot be read ({e})")))?;
    pixels.truncate(frame.buffer_size());
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, frame.width, frame.height);
        encoder.set_color(frame.color_type);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|e| Error::Render(e.to_string()))?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| Error::Render(e.to_string()))?;
    }
    Ok(out)
}

/// The uploaded image as it will be served: (media type, bytes).
pub(crate) fn clean_image(bytes: &[u8]) -> Result<(&'static str, Vec<u8>), Error> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(refused(format!(
            "the image is {} KiB; at most {} KiB",
            bytes.len() / 1024,
            MAX_IMAGE_BYTES / 1024
        )));
    }
    match crate::ImageFormat::sniff(bytes) {
        Some(crate::ImageFormat::Png) => Ok(("image/png", clean_png(bytes)?)),
        Some(crate::ImageFormat::Svg) => {
            let clean = crate::badge_image::sanitize_svg(bytes)
                .map_err(|e| refused(format!("the SVG cannot be used ({e})")))?;
            Ok(("image/svg+xml", clean))
        }
        None => Err(refused("is a PNG or an SVG")),
    }
}

impl Issuer {
    /// Gives an achievement an uploaded image: cleaned and stored, then a new version of its
    /// definition names `{issuer.url}/achievements/{slug}/image` (credentials already issued keep
    /// the image they were signed with).
    pub async fn set_achievement_image(
        &self,
        slug: &str,
        bytes: &[u8],
        actor: &Actor,
    ) -> Result<(), Error> {
        let base = self.console_base()?;
        let stored = self
            .store
            .achievement(slug)
            .await?
            .ok_or_else(|| Error::AchievementNotFound(slug.to_owned()))?;
        let (media_type, clean) = clean_image(bytes)?;
        let at = crate::rfc3339(self.now());
        self.store
            .put_achievement_image(&stored.slug, media_type, &clean, &at, actor)
            .await?;
        // The definition again from the stored Achievement (OB 3.0 names), with the new image.
        let mut definition = match &stored.achievement {
            serde_json::Value::Object(a) => a.clone(),
            _ => serde_json::Map::new(),
        };
        definition.remove("id");
        definition.remove("type");
        if let Some(serde_json::Value::Array(aligned)) = definition.get_mut("alignment") {
            for al in aligned
                .iter_mut()
                .filter_map(serde_json::Value::as_object_mut)
            {
                al.remove("type");
            }
        }
        definition.insert("slug".into(), json!(stored.slug));
        if let Some(months) = stored.validity_months {
            definition.insert("validityMonths".into(), json!(months));
        }
        definition.insert(
            "image".into(),
            json!(format!("{base}/achievements/{}/image", stored.slug)),
        );
        let definition = crate::AchievementDefinition::from_value(definition.into())?;
        self.update_achievement(&stored.slug, &definition, actor)
            .await?;
        Ok(())
    }

    /// An achievement's uploaded image, as served: (media type, bytes).
    pub async fn achievement_image(&self, slug: &str) -> Result<(String, Vec<u8>), Error> {
        self.store
            .achievement_image(slug)
            .await?
            .ok_or_else(|| Error::AchievementNotFound(format!("{slug} (image)")))
    }

    /// When `url` is an image this issuer hosts, its bytes (read from the database, not
    /// fetched).
    pub(crate) async fn hosted_image(&self, url: &str) -> Option<Vec<u8>> {
        let base = self.console_base().ok()?;
        let slug = url
            .strip_prefix(&format!("{base}/achievements/"))?
            .strip_suffix("/image")?;
        self.store
            .achievement_image(slug)
            .await
            .ok()?
            .map(|(_, b)| b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_png_keeps_only_its_pixels_and_other_files_are_refused() {
        let png =
            crate::default_badge_png("Culturally Responsive Teaching", "District").expect("a PNG");
        let baked = cairn_verifier::bake(
            &png,
            "{\"id\":\"urn:x\"}",
            false,
            &cairn_verifier::Limits::default(),
        )
        .expect("baked");
        let (kind, clean) = clean_image(&baked).expect("clean");
        assert_eq!(kind, "image/png");
        assert!(
            cairn_verifier::extract(&clean, &cairn_verifier::Limits::default()).is_err(),
            "the baked credential is gone"
        );
        assert_eq!(
            clean_image(b"GIF89a....").err().map(|e| e.code()),
            Some("invalid_input")
        );
        assert!(clean_image(&vec![0u8; MAX_IMAGE_BYTES + 1]).is_err());
        let (kind, svg) = clean_image(b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script><circle r=\"4\"/></svg>").expect("svg");
        assert_eq!(kind, "image/svg+xml");
        assert!(!String::from_utf8_lossy(&svg).contains("script"));
    }
}

//! The generated default badge images: a PNG cairn on a blue disc and an SVG that names the
//! achievement and the issuer, for achievements without an image of their own.

use base64::Engine as _;

use crate::error::Error;

/// Width of a rendered PNG badge, in pixels (twice the SVG's 256 units: sharp on phones).
const PNG_WIDTH: u32 = 512;

/// The generated SVG badge, naming the achievement and the issuer (both escaped), with the
/// achievement's own raster image (PNG, JPEG, GIF or WebP bytes) in place of the cairn when it
/// has one.
pub fn default_badge_svg(achievement: &str, issuer: &str) -> String {
    badge_svg(achievement, issuer, None)
}

pub(crate) fn badge_svg(achievement: &str, issuer: &str, own: Option<(&str, &[u8])>) -> String {
    let esc = cairn_render::escape;
    let font = "font-family=\"'Libertinus Serif', Georgia, serif\"";
    let mut texts = String::new();
    let name_lines = cairn_render::wrap(achievement, 20, 2);
    for (i, line) in name_lines.iter().enumerate() {
        texts.push_str(&format!(
            "  <text x=\"128\" y=\"{}\" {font} font-size=\"19\" font-weight=\"700\" fill=\"#ffffff\" text-anchor=\"middle\">{}</text>\n",
            158 + 22 * i,
            esc(line)
        ));
    }
    for line in cairn_render::wrap(issuer, 26, 1) {
        texts.push_str(&format!(
            "  <text x=\"128\" y=\"{}\" {font} font-size=\"14\" fill=\"#dbe7f7\" text-anchor=\"middle\">{}</text>\n",
            164 + 22 * name_lines.len(),
            esc(&line)
        ));
    }
    let emblem = match own {
        Some((mime, bytes)) => format!(
            "  <image x=\"78\" y=\"30\" width=\"100\" height=\"100\" preserveAspectRatio=\"xMidYMid meet\" href=\"data:{mime};base64,{}\"/>\n",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        ),
        None => "  <ellipse cx=\"128\" cy=\"112\" rx=\"44\" ry=\"18\" fill=\"#f4f1e8\"/>\n  <ellipse cx=\"128\" cy=\"82\" rx=\"32\" ry=\"15\" fill=\"#f4f1e8\"/>\n  <ellipse cx=\"128\" cy=\"56\" rx=\"22\" ry=\"12\" fill=\"#f4f1e8\"/>\n".to_owned(),
    };
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256" role="img" aria-label="{label}">
  <title>{label}</title>
  <circle cx="128" cy="128" r="116" fill="#1a5fb4" stroke="#ffffff" stroke-width="8"/>
{emblem}{texts}</svg>
"##,
        label = esc(&format!("{achievement} — {issuer}")),
    )
}

/// The generated badge as a PNG: [`default_badge_svg`] rendered with the bundled font, so each
/// achievement's PNG names it and its issuer.
pub fn default_badge_png(achievement: &str, issuer: &str) -> Result<Vec<u8>, Error> {
    svg_to_png(&default_badge_svg(achievement, issuer))
}

/// Runs a drawing (`cairn-render`: milliseconds of CPU) on a blocking thread.
pub(crate) async fn off_thread<T: Send + 'static>(
    draw: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(draw)
        .await
        .map_err(|e| Error::Render(format!("the drawing stopped: {e}")))?
}

/// An SVG (generated, or an achievement's sanitized own) rendered as a PNG badge.
pub(crate) fn svg_to_png(svg: &str) -> Result<Vec<u8>, Error> {
    cairn_render::png(svg, PNG_WIDTH).map_err(|e| Error::Render(e.to_string()))
}

/// Elements dropped with everything inside them: script, embedded documents, styles (which can
/// fetch), and animation (which can rewrite an `href` to `javascript:`).
const DROPPED_ELEMENTS: &[&str] = &[
    "script",
    "foreignobject",
    "iframe",
    "embed",
    "object",
    "style",
    "handler",
    "listener",
    "animate",
    "animatemotion",
    "animatetransform",
    "set",
    "discard",
];

/// An achievement's SVG image made safe to bake and hand out (the baked file travels: a
/// teacher downloads it, a wallet or a profile page shows it): no script or event handler, no
/// embedded documents, styles or animations, and no reference outside the image except embedded
/// raster images (`data:image/png|jpeg|gif|webp`). The DOCTYPE (where entity bombs live) and
/// processing instructions are dropped. Malformed markup is an error (the generated badge is
/// used instead).
pub(crate) fn sanitize_svg(svg: &[u8]) -> Result<Vec<u8>, String> {
    use quick_xml::events::{BytesStart, Event};
    let mut reader = quick_xml::Reader::from_reader(svg);
    let mut writer = quick_xml::Writer::new(Vec::with_capacity(svg.len()));
    let mut buf = Vec::new();
    // Depth inside a dropped element: everything there is dropped too.
    let mut dropped = 0usize;
    let is_dropped = |e: &BytesStart<'_>| {
        let name = e.local_name().into_inner().to_ascii_lowercase();
        DROPPED_ELEMENTS.contains(&name.as_str())
    };
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| e.to_string())?;
        let kept = match event {
            Event::Eof => break,
            Event::Start(e) if dropped > 0 || is_dropped(&e) => {
                dropped += 1;
                None
            }
            Event::End(_) if dropped > 0 => {
                dropped -= 1;
                None
            }
            _ if dropped > 0 => None,
            Event::Empty(e) if is_dropped(&e) => None,
            Event::Start(e) => Some(Event::Start(safe_attributes(&e)?)),
            Event::Empty(e) => Some(Event::Empty(safe_attributes(&e)?)),
            Event::DocType(_) | Event::PI(_) => None,
            other => Some(other.into_owned()),
        };
        if let Some(event) = kept {
            writer.write_event(event).map_err(|e| e.to_string())?;
        }
        buf.clear();
    }
    if dropped > 0 {
        return Err("the SVG ends inside an element".into());
    }
    Ok(writer.into_inner())
}

/// The element with its unsafe attributes removed: event handlers (`on…`), references that leave
/// the image (`href`/`xlink:href` other than `#fragment` or an embedded raster image) and styles
/// that fetch (`url(` other than `url(#…)`).
fn safe_attributes(
    e: &quick_xml::events::BytesStart<'_>,
) -> Result<quick_xml::events::BytesStart<'static>, String> {
    let name = e.name().into_inner().to_owned();
    let mut out = quick_xml::events::BytesStart::new(name);
    for attribute in e.attributes() {
        let attribute = attribute.map_err(|e| e.to_string())?;
        let local = attribute.key.local_name().into_inner().to_ascii_lowercase();
        let value = attribute
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| e.to_string())?
            .trim()
            .to_ascii_lowercase();
        let unsafe_reference = local == "href"
            && !value.starts_with('#')
            && ![
                "data:image/png",
                "data:image/jpeg",
                "data:image/gif",
                "data:image/webp",
            ]
            .iter()
            .any(|p| value.starts_with(p));
        let fetching_style = value.contains("url(") && !value.replace(' ', "").contains("url(#");
        if local.starts_with("on") || unsafe_reference || fetching_style {
            continue;
        }
        out.push_attribute(attribute);
    }
    Ok(out.into_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used, clippy::unwrap_used)] // Test code.

    use super::*;
    use crate::sharing::bake;
    use crate::ImageFormat;

    #[test]
    fn the_generated_badges_are_images_that_can_be_baked() {
        let limits = cairn_verifier::Limits::default();
        let png = default_badge_png("Facilitating Classroom Discourse", "District").expect("png");
        assert_eq!(ImageFormat::sniff(&png), Some(ImageFormat::Png));
        assert_eq!(
            cairn_verifier::extract(&png, &limits).map_err(|e| e.code()),
            Err("not_baked")
        );
        // The text is drawn: each achievement's PNG differs (it used to be one image for all).
        let other = default_badge_png("Restorative Circles", "District").expect("png");
        assert_ne!(png, other);
        let own = badge_svg("A", "B", Some(("image/png", &png)));
        assert!(own.contains("href=\"data:image/png;base64,iVBOR"));
        assert_eq!(
            ImageFormat::sniff(&svg_to_png(&own).expect("own image drawn")),
            Some(ImageFormat::Png)
        );
        let svg = default_badge_svg("<script>alert(1)</script> & \"more\"", "District");
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;more&quot;"));
        assert!(!svg.contains("<script>"));
        let baked = bake(svg.as_bytes(), "eyJhbGciOiJFZERTQSJ9.e30.c2ln", false).expect("bake");
        assert_eq!(
            cairn_verifier::extract(&baked, &limits).expect("extract"),
            "eyJhbGciOiJFZERTQSJ9.e30.c2ln"
        );
        assert_eq!(
            bake(&baked, "{}", false).map_err(|e| e.code()),
            Err("already_baked")
        );
    }

    #[test]
    fn svg_images_lose_script_handlers_and_outside_references() {
        let svg = br##"<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY a "x">]>
<?xml-stylesheet href="https://evil.example/s.css"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)" width="10" height="10">
  <script>alert(2)</script>
  <SCRIPT xlink:href="https://evil.example/x.js"/>
  <style>rect { fill: url(https://evil.example/track) }</style>
  <foreignObject><iframe src="https://evil.example"/></foreignObject>
  <a href="javascript:alert(3)"><text>link</text></a>
  <set attributeName="href" to="javascript:alert(4)"/>
  <image xlink:href="https://evil.example/pixel.png" width="1" height="1"/>
  <image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/>
  <use xlink:href="#shape"/>
  <rect id="shape" width="10" height="10" fill="url(#grad)" style="fill:url(https://evil.example/t)" onclick="alert(5)"/>
</svg>"##;
        let clean = String::from_utf8(sanitize_svg(svg).expect("sanitized")).expect("utf-8");
        for gone in [
            "alert",
            "script",
            "SCRIPT",
            "evil.example",
            "onload",
            "onclick",
            "DOCTYPE",
            "ENTITY",
            "foreignObject",
            "iframe",
            "<style",
            "<set",
            "javascript",
        ] {
            assert!(!clean.contains(gone), "{gone} is still in:\n{clean}");
        }
        for kept in [
            "<text>link</text>",
            r##"<use xlink:href="#shape"/>"##,
            "data:image/png;base64",
            r##"fill="url(#grad)""##,
            r#"width="10""#,
        ] {
            assert!(clean.contains(kept), "{kept} is missing from:\n{clean}");
        }
        assert_eq!(ImageFormat::sniff(clean.as_bytes()), Some(ImageFormat::Svg));
        assert!(bake(clean.as_bytes(), "{}", false).is_ok());
        assert!(sanitize_svg(b"<svg><g></svg>").is_err());
        assert!(sanitize_svg(b"<svg><script>").is_err());
    }
}

//! The generated default badge images: a PNG cairn on a blue disc and an SVG that names the
//! achievement and the issuer, for achievements without an image of their own.

use std::sync::LazyLock;

/// Side of the generated PNG badge, in pixels.
const PNG_SIDE: u32 = 256;

/// The generated PNG badge: a cairn of three stones on a blue disc (no text: a PNG has no fonts
/// here; the SVG badge carries the names).
static DEFAULT_PNG: LazyLock<Vec<u8>> = LazyLock::new(render_default_png);

fn render_default_png() -> Vec<u8> {
    let side = PNG_SIDE as i64;
    let centre = side / 2;
    let mut pixels = Vec::with_capacity((side * side * 4) as usize);
    // Three stacked ellipses (x-centre, y-centre, x-radius, y-radius), smallest on top.
    let stones = [
        (centre, 176, 64, 26),
        (centre, 128, 48, 22),
        (centre, 88, 32, 18),
    ];
    for y in 0..side {
        for x in 0..side {
            let (dx, dy) = (x - centre, y - centre);
            let r2 = dx * dx + dy * dy;
            let on_stone = stones.iter().any(|&(cx, cy, rx, ry)| {
                let (ex, ey) = (x - cx, y - cy);
                ex * ex * ry * ry + ey * ey * rx * rx <= rx * rx * ry * ry
            });
            let pixel: [u8; 4] = if r2 > 120 * 120 {
                [0, 0, 0, 0]
            } else if r2 > 112 * 112 {
                [255, 255, 255, 255]
            } else if on_stone {
                [244, 241, 232, 255]
            } else {
                [26, 95, 180, 255]
            };
            pixels.extend_from_slice(&pixel);
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, PNG_SIDE, PNG_SIDE);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    // Writing into memory cannot fail for a well-formed header and a full frame.
    if let Ok(mut writer) = encoder.write_header() {
        let _ = writer.write_image_data(&pixels);
        let _ = writer.finish();
    }
    out
}

/// Up to `lines` lines of at most `width` characters, broken at spaces; the last one cut with an
/// ellipsis when the text is longer.
fn wrap(text: &str, width: usize, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut words = text.split_whitespace().peekable();
    while let Some(word) = words.next() {
        let fits =
            current.chars().count() + usize::from(!current.is_empty()) + word.chars().count()
                <= width;
        if fits {
            if !current.is_empty() {
                current.push(' ');
            }
            current.push_str(word);
            continue;
        }
        if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        if out.len() == lines {
            break;
        }
        current = word.to_owned();
        if words.peek().is_none() {
            break;
        }
    }
    if !current.is_empty() && out.len() < lines {
        out.push(current);
    }
    let shown: usize = out.iter().map(|l| l.split_whitespace().count()).sum();
    if shown < text.split_whitespace().count() || out.iter().any(|l| l.chars().count() > width) {
        if let Some(last) = out.last_mut() {
            let kept: String = last.chars().take(width.saturating_sub(1)).collect();
            *last = format!("{}…", kept.trim_end());
        }
    }
    out
}

/// The generated SVG badge, naming the achievement and the issuer (both escaped).
pub fn default_badge_svg(achievement: &str, issuer: &str) -> String {
    let esc = |s: &str| quick_xml::escape::escape(s).into_owned();
    let mut texts = String::new();
    let name_lines = wrap(achievement, 22, 2);
    for (i, line) in name_lines.iter().enumerate() {
        texts.push_str(&format!(
            "  <text x=\"128\" y=\"{}\" font-family=\"system-ui, sans-serif\" font-size=\"16\" font-weight=\"700\" fill=\"#ffffff\" text-anchor=\"middle\">{}</text>\n",
            158 + 20 * i,
            esc(line)
        ));
    }
    for line in wrap(issuer, 28, 1) {
        texts.push_str(&format!(
            "  <text x=\"128\" y=\"{}\" font-family=\"system-ui, sans-serif\" font-size=\"12\" fill=\"#dbe7f7\" text-anchor=\"middle\">{}</text>\n",
            162 + 20 * name_lines.len(),
            esc(&line)
        ));
    }
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256" role="img" aria-label="{label}">
  <title>{label}</title>
  <circle cx="128" cy="128" r="116" fill="#1a5fb4" stroke="#ffffff" stroke-width="8"/>
  <ellipse cx="128" cy="112" rx="44" ry="18" fill="#f4f1e8"/>
  <ellipse cx="128" cy="82" rx="32" ry="15" fill="#f4f1e8"/>
  <ellipse cx="128" cy="56" rx="22" ry="12" fill="#f4f1e8"/>
{texts}</svg>
"##,
        label = esc(&format!("{achievement} — {issuer}")),
    )
}

/// The generated PNG badge.
pub fn default_badge_png() -> &'static [u8] {
    &DEFAULT_PNG
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
        let png = default_badge_png();
        assert_eq!(ImageFormat::sniff(png), Some(ImageFormat::Png));
        assert_eq!(
            cairn_verifier::extract(png, &limits).map_err(|e| e.code()),
            Err("not_baked")
        );
        let svg = default_badge_svg("<script>alert(1)</script> & \"more\"", "District");
        assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;more&quot;"));
        assert!(!svg.contains("<script>"));
        assert_eq!(
            wrap("Facilitating Classroom Discourse", 22, 2),
            ["Facilitating Classroom", "Discourse"]
        );
        assert_eq!(wrap("a b c d e f g h", 3, 2), ["a b", "c…"]);
        assert_eq!(
            wrap("Supercalifragilisticexpialidocious", 10, 1),
            ["Supercali…"]
        );
        assert_eq!(wrap("", 10, 2), Vec::<String>::new());
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

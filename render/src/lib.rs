//! Cairn's printable documents: an SVG (a badge, a certificate, a verification record) rendered
//! to PNG with resvg and to PDF with svg2pdf, from one usvg tree, with Libertinus Serif compiled
//! in so that text renders the same on a machine without fonts. No I/O: an `<image>` may only be
//! an embedded raster (`data:image/png|jpeg|gif|webp`); files and URLs are never read.

#![warn(missing_docs, unreachable_pub)]

use std::sync::{Arc, LazyLock};

use chrono::{DateTime, Utc};
use usvg::fontdb;

pub use chrono_tz::Tz;

/// The family every document is set in (also the generic `serif` and `sans-serif`).
pub const FONT_FAMILY: &str = "Libertinus Serif";

/// Largest side of a rendered PNG, in pixels (a hostile `width` cannot ask for more memory).
const MAX_SIDE: u32 = 4096;

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The SVG markup could not be parsed.
    #[error("the SVG cannot be read: {0}")]
    UnreadableSvg(String),
    /// The SVG parsed but has no area, or the renderer refused it.
    #[error("the SVG cannot be rendered: {0}")]
    RenderFailed(String),
}

impl Error {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Error::UnreadableSvg(_) => "unreadable_svg",
            Error::RenderFailed(_) => "render_failed",
        }
    }
}

/// The bundled fonts, loaded once.
static FONTS: LazyLock<Arc<fontdb::Database>> = LazyLock::new(|| {
    let mut db = fontdb::Database::new();
    for font in typst_assets::fonts() {
        db.load_font_data(font.to_vec());
    }
    db.set_serif_family(FONT_FAMILY);
    db.set_sans_serif_family(FONT_FAMILY);
    Arc::new(db)
});

/// usvg options: the bundled fonts, and `<image>` limited to embedded rasters (an embedded SVG
/// would be parsed again, and could nest without end).
fn options() -> usvg::Options<'static> {
    let rasters = usvg::ImageHrefResolver::default_data_resolver();
    usvg::Options {
        font_family: FONT_FAMILY.to_owned(),
        fontdb: FONTS.clone(),
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: Box::new(move |mime, data, opts| {
                matches!(
                    mime,
                    "image/png" | "image/jpeg" | "image/jpg" | "image/gif" | "image/webp"
                )
                .then(|| rasters(mime, data, opts))
                .flatten()
            }),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    }
}

fn tree(svg: &str) -> Result<usvg::Tree, Error> {
    usvg::Tree::from_str(svg, &options()).map_err(|e| Error::UnreadableSvg(e.to_string()))
}

/// The SVG rendered to a PNG `width` pixels wide (at most 4096), its height in proportion.
pub fn png(svg: &str, width: u32) -> Result<Vec<u8>, Error> {
    let tree = tree(svg)?;
    let size = tree.size();
    let width = width.clamp(1, MAX_SIDE);
    let scale = width as f32 / size.width();
    let height = (size.height() * scale).ceil();
    if !(1.0..=MAX_SIDE as f32).contains(&height) {
        return Err(Error::RenderFailed(format!(
            "a {width} px wide rendering would be {height} px high"
        )));
    }
    let mut pixmap = resvg::tiny_skia::Pixmap::new(width, height as u32)
        .ok_or_else(|| Error::RenderFailed("no area to render".into()))?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| Error::RenderFailed(e.to_string()))
}

/// The SVG as a one-page PDF, its page the SVG's size (96 user units to the inch, so an SVG of
/// `297mm` × `210mm` is an A4 landscape page); text stays text, in embedded font subsets.
pub fn pdf(svg: &str) -> Result<Vec<u8>, Error> {
    let tree = tree(svg)?;
    svg2pdf::to_pdf(
        &tree,
        svg2pdf::ConversionOptions::default(),
        svg2pdf::PageOptions::default(),
    )
    .map_err(|e| Error::RenderFailed(e.to_string()))
}

/// `text` escaped for SVG character data and attribute values.
pub fn escape(text: &str) -> String {
    quick_xml::escape::escape(text).into_owned()
}

/// A time zone from its IANA name (`America/Chicago`), as a district configures it.
pub fn time_zone(name: &str) -> Result<Tz, String> {
    name.parse::<Tz>().map_err(|_| {
        format!(
            "{name:?} is not an IANA time zone name (for example America/Chicago or Europe/London)"
        )
    })
}

/// A date for people in `tz`: `3 December 2026`.
pub fn day(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%-d %B %Y").to_string()
}

/// A moment for people in `tz`: `3 December 2026, 14:05 CST`.
pub fn moment(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .format("%-d %B %Y, %H:%M %Z")
        .to_string()
}

/// An RFC 3339 timestamp from a credential as [`day`]; `None` when it is not one.
pub fn day_of(rfc3339: &str, tz: Tz) -> Option<String> {
    let at = DateTime::parse_from_rfc3339(rfc3339).ok()?;
    Some(day(at.with_timezone(&Utc), tz))
}

/// A QR code of `link` (error correction M, with its quiet zone) as an SVG group `size` units
/// square with its top-left corner at (`x`, `y`): one path of dark modules on a white square.
pub fn qr_group(link: &str, x: f32, y: f32, size: f32) -> Result<String, Error> {
    let code = qrcode::QrCode::with_error_correction_level(link, qrcode::EcLevel::M)
        .map_err(|e| Error::RenderFailed(format!("no QR code for the link: {e}")))?;
    let modules = code.width();
    let colors = code.to_colors();
    let mut d = String::new();
    for (i, color) in colors.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            // 4 modules of quiet zone on each side.
            d.push_str(&format!("M{} {}h1v1h-1z", i % modules + 4, i / modules + 4));
        }
    }
    let side = modules + 8;
    let scale = size / side as f32;
    Ok(format!(
        r##"<g transform="translate({x} {y}) scale({scale})"><rect width="{side}" height="{side}" fill="#ffffff"/><path d="{d}" fill="#000000"/></g>"##
    ))
}

/// Up to `lines` lines of at most `width` characters, broken at spaces; the last one cut with an
/// ellipsis when the text is longer.
pub fn wrap(text: &str, width: usize, lines: usize) -> Vec<String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100"><rect width="200" height="100" fill="#fff"/><text x="10" y="60" font-size="40" fill="#000">Cairn</text></svg>"##;

    fn dark_pixels(png_bytes: &[u8]) -> usize {
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().expect("png header");
        let mut buf = vec![0; reader.output_buffer_size().expect("size")];
        let info = reader.next_frame(&mut buf).expect("frame");
        buf[..info.buffer_size()]
            .chunks(4)
            .filter(|p| p[0] < 100 && p[3] > 0)
            .count()
    }

    #[test]
    fn long_text_wraps_at_spaces_and_ends_with_an_ellipsis() {
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
    }

    #[test]
    fn text_is_drawn_with_the_bundled_font() {
        let with_text = png(TEXT, 400).expect("renders");
        let without = png(&TEXT.replace("Cairn", ""), 400).expect("renders");
        assert!(dark_pixels(&with_text) > 500, "the word is drawn");
        assert_eq!(dark_pixels(&without), 0);
    }

    #[test]
    fn the_png_has_the_asked_width_and_proportional_height() {
        let bytes = png(TEXT, 400).expect("renders");
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let info = decoder.read_info().expect("png header").info().clone();
        assert_eq!((info.width, info.height), (400, 200));
    }

    #[test]
    fn dates_are_written_in_the_districts_time_zone() {
        let chicago = time_zone("America/Chicago").expect("zone");
        let at = DateTime::parse_from_rfc3339("2026-12-03T03:30:00Z")
            .expect("date")
            .with_timezone(&Utc);
        assert_eq!(day(at, chicago), "2 December 2026");
        assert_eq!(moment(at, chicago), "2 December 2026, 21:30 CST");
        assert_eq!(moment(at, Tz::UTC), "3 December 2026, 03:30 UTC");
        assert_eq!(
            day_of("2026-12-03T03:30:00Z", Tz::UTC).as_deref(),
            Some("3 December 2026")
        );
        assert_eq!(day_of("yesterday", Tz::UTC), None);
        assert!(time_zone("Mars/Olympus").is_err());
    }

    #[test]
    fn a_qr_group_draws_dark_modules() {
        let group =
            qr_group("https://district.example/credentials/1", 0.0, 0.0, 100.0).expect("qr");
        let svg = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">{group}</svg>"#
        );
        assert!(dark_pixels(&png(&svg, 200).expect("renders")) > 2000);
    }

    #[test]
    fn a_pdf_page_embeds_the_font() {
        let bytes = pdf(TEXT).expect("renders");
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("LibertinusSerif"), "font subset embedded");
    }

    #[test]
    fn files_and_embedded_svgs_are_never_read() {
        for href in [
            "/etc/passwd",
            "file:///etc/hostname",
            "https://example.org/x.png",
            "data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4=",
        ] {
            let svg = format!(
                r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="10" height="10"><image width="10" height="10" xlink:href="{href}"/></svg>"#
            );
            let t = tree(&svg).expect("parses");
            assert!(!t.root().has_children(), "{href} was resolved");
        }
    }

    #[test]
    fn garbage_and_absurd_sizes_are_errors_with_codes() {
        assert_eq!(png("not svg", 10).unwrap_err().code(), "unreadable_svg");
        let tall = r#"<svg xmlns="http://www.w3.org/2000/svg" width="1" height="100000"/>"#;
        assert_eq!(png(tall, 100).unwrap_err().code(), "render_failed");
    }
}

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
}

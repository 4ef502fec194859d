//! The printable certificate of a credential: an A4 landscape page (SVG, rendered to PDF) with
//! the badge, the teacher's name, the achievement, the district, the date and a QR code to the
//! public page — the page verifies live, so the paper leads to the current status.

use base64::Engine as _;
use serde_json::Value;

use crate::error::Error;
use crate::{ImageFormat, Issuer};

/// Page size in SVG user units (96 per inch): A4 landscape, 297 mm × 210 mm.
const PAGE: (f32, f32) = (1122.5, 793.7);

/// What a certificate shows, read from the credential.
#[derive(Debug)]
pub(crate) struct Certificate<'a> {
    pub(crate) recipient: Option<&'a str>,
    pub(crate) achievement: &'a str,
    pub(crate) description: Option<&'a str>,
    pub(crate) issuer: &'a str,
    pub(crate) issued: Option<String>,
    pub(crate) expires: Option<String>,
    pub(crate) credits: Option<f64>,
    pub(crate) page_url: &'a str,
}

impl<'a> Certificate<'a> {
    pub(crate) fn of(
        credential: &'a Value,
        page_url: &'a str,
        tz: cairn_render::Tz,
    ) -> Certificate<'a> {
        let text = |p: &str| {
            credential
                .pointer(p)
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
        };
        let date = |p: &str| text(p).and_then(|d| cairn_render::day_of(d, tz));
        Certificate {
            recipient: credential
                .as_object()
                .and_then(cairn_verifier::identity::recipient_name),
            achievement: text("/credentialSubject/achievement/name").unwrap_or("Credential"),
            description: text("/credentialSubject/achievement/description"),
            issuer: text("/issuer/name").unwrap_or("the issuer"),
            issued: date("/validFrom"),
            expires: date("/validUntil"),
            credits: credential
                .pointer("/credentialSubject/creditsEarned")
                .and_then(Value::as_f64),
            page_url,
        }
    }

    /// The page as SVG, the badge (a PNG) embedded.
    pub(crate) fn svg(&self, badge_png: &[u8]) -> Result<String, Error> {
        let esc = cairn_render::escape;
        let (w, h) = PAGE;
        let cx = w / 2.0;
        let mut lines = Vec::new();
        let mut line = |y: f32, size: u32, weight: &str, fill: &str, text: &str| {
            lines.push(format!(
                r#"<text x="{cx}" y="{y}" font-size="{size}" font-weight="{weight}" fill="{fill}" text-anchor="middle">{}</text>"#,
                esc(text)
            ));
        };
        line(120.0, 26, "400", "#4a5360", self.issuer);
        line(178.0, 44, "700", "#1b1f24", "Certificate of Achievement");
        line(232.0, 22, "400", "#4a5360", "This certifies that");
        line(
            292.0,
            42,
            "700",
            "#1a5fb4",
            self.recipient.unwrap_or("the holder of this credential"),
        );
        line(
            344.0,
            22,
            "400",
            "#4a5360",
            "has earned the micro-credential",
        );
        let mut y = 400.0;
        for part in cairn_render::wrap(self.achievement, 48, 2) {
            line(y, 34, "700", "#1b1f24", &part);
            y += 42.0;
        }
        if let Some(d) = self.description {
            for part in cairn_render::wrap(d, 96, 2) {
                line(y + 4.0, 18, "400", "#4a5360", &part);
                y += 26.0;
            }
        }
        let mut facts = Vec::new();
        if let Some(d) = &self.issued {
            facts.push(format!("Issued {d}"));
        }
        facts.push(match &self.expires {
            Some(d) => format!("valid until {d}"),
            None => "does not expire".to_owned(),
        });
        if let Some(c) = self.credits {
            facts.push(format!("{c} credits"));
        }
        line(y + 40.0, 20, "400", "#1b1f24", &facts.join(" · "));
        let qr = cairn_render::qr_group(self.page_url, w - 250.0, h - 250.0, 170.0)
            .map_err(|e| Error::Render(e.to_string()))?;
        let caption_x = w - 165.0;
        let badge = base64::engine::general_purpose::STANDARD.encode(badge_png);
        Ok(format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="297mm" height="210mm" viewBox="0 0 {w} {h}" font-family="'Libertinus Serif', Georgia, serif">
<title>{title}</title>
<rect width="{w}" height="{h}" fill="#ffffff"/>
<rect x="28" y="28" width="{bw}" height="{bh}" fill="none" stroke="#1a5fb4" stroke-width="6"/>
<rect x="44" y="44" width="{iw}" height="{ih}" fill="none" stroke="#c9d0d8" stroke-width="2"/>
<image x="80" y="{by}" width="170" height="170" href="data:image/png;base64,{badge}"/>
{texts}
{qr}
<text x="{caption_x}" y="{cy1}" font-size="14" fill="#4a5360" text-anchor="middle">Scan to check it live:</text>
<text x="{caption_x}" y="{cy2}" font-size="11" fill="#4a5360" text-anchor="middle">{short_url}</text>
</svg>"##,
            title = esc(&format!("{} — {}", self.achievement, self.issuer)),
            bw = w - 56.0,
            bh = h - 56.0,
            iw = w - 88.0,
            ih = h - 88.0,
            by = h - 250.0,
            texts = lines.join("\n"),
            cy1 = h - 64.0,
            cy2 = h - 46.0,
            short_url = esc(&cairn_render::wrap(self.page_url, 60, 1).concat()),
        ))
    }
}

impl Issuer {
    /// The printable certificate of a stored credential as a PDF (A4 landscape): the badge, the
    /// recipient's name, the achievement, the district, the dates in the district's time zone and
    /// a QR code of `page_url`.
    pub async fn certificate_pdf(
        &self,
        credential: &Value,
        page_url: &str,
    ) -> Result<Vec<u8>, Error> {
        let badge = self.badge_image(credential, ImageFormat::Png).await?;
        let (credential, page_url, tz) =
            (credential.clone(), page_url.to_owned(), self.time_zone());
        crate::badge_image::off_thread(move || {
            let svg = Certificate::of(&credential, &page_url, tz).svg(&badge)?;
            cairn_render::pdf(&svg).map_err(|e| Error::Render(e.to_string()))
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used, clippy::unwrap_used)] // Test code.

    use super::*;

    fn credential() -> Value {
        serde_json::json!({
            "issuer": {"name": "Springfield <Public> Schools"},
            "validFrom": "2026-12-03T03:30:00Z",
            "credentialSubject": {
                "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": false, "identityHash": "Ada Lovelace"}],
                "creditsEarned": 2.5,
                "achievement": {"name": "Facilitating Classroom Discourse", "description": "Leads & structures talk."}
            }
        })
    }

    #[test]
    fn the_certificate_names_the_teacher_achievement_district_and_date_in_its_zone() {
        let c = credential();
        let tz = cairn_render::time_zone("America/Chicago").expect("zone");
        let cert = Certificate::of(&c, "https://district.example/credentials/1", tz);
        assert_eq!(cert.recipient, Some("Ada Lovelace"));
        assert_eq!(cert.issued.as_deref(), Some("2 December 2026"));
        let badge = crate::badge_image::default_badge_png("A", "B").expect("badge");
        let svg = cert.svg(&badge).expect("svg");
        for text in [
            "Ada Lovelace",
            "Facilitating Classroom Discourse",
            "Springfield &lt;Public&gt; Schools",
            "Leads &amp; structures talk.",
            "Issued 2 December 2026 · does not expire · 2.5 credits",
            "https://district.example/credentials/1",
        ] {
            assert!(svg.contains(text), "{text} missing");
        }
        let pdf = cairn_render::pdf(&svg).expect("pdf");
        assert!(pdf.starts_with(b"%PDF-"));
        let png = cairn_render::png(&svg, 600).expect("png");
        assert_eq!(ImageFormat::sniff(&png), Some(ImageFormat::Png));
    }
}

//! Sharing a credential: baked badge downloads (OB 3.0 §5.3; the generated default images are
//! `badge_image.rs`), share codes, LinkedIn links and QR codes. Baking itself is
//! `cairn_verifier::bake`, the same code the verifier extracts with.

use serde_json::Value;

use crate::badge_image::{badge_svg, default_badge_png, default_badge_svg};
use crate::error::Error;
use crate::Issuer;

/// The image formats a badge is served in.
pub use cairn_verifier::ImageFormat;

/// How long a fetched achievement image is reused, and how long a failed fetch is not retried.
const IMAGE_TTL: std::time::Duration = std::time::Duration::from_secs(3600);
const IMAGE_RETRY: std::time::Duration = std::time::Duration::from_secs(300);

/// A fetched image (or `None` for a failed fetch) and when it was fetched.
type CachedImage = (Option<Vec<u8>>, std::time::Instant);

/// Achievement images fetched for baking, through `cairn-fetch` (https, public addresses,
/// 2 MiB, timeouts) and kept in memory.
pub(crate) struct ImageSource {
    fetcher: cairn_fetch::Fetcher,
    cache: std::sync::Mutex<std::collections::HashMap<String, CachedImage>>,
}

impl std::fmt::Debug for ImageSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ImageSource").finish_non_exhaustive()
    }
}

impl ImageSource {
    pub(crate) fn new(sharing: &crate::config::SharingSection) -> Result<Self, Error> {
        let fetcher = cairn_fetch::Fetcher::new(cairn_fetch::FetchPolicy {
            allow_http: sharing.image_allow_http,
            allow_hosts: sharing.image_allow_hosts.clone(),
            ..cairn_fetch::FetchPolicy::default()
        })
        .map_err(|e| Error::input("sharing", e.to_string()))?;
        Ok(ImageSource {
            fetcher,
            cache: std::sync::Mutex::new(std::collections::HashMap::new()),
        })
    }

    /// The image at `url`, or `None` when it cannot be fetched (logged; retried after 5 min).
    async fn get(&self, url: &str) -> Option<Vec<u8>> {
        let now = std::time::Instant::now();
        if let Ok(cache) = self.cache.lock() {
            if let Some((hit, at)) = cache.get(url) {
                let ttl = if hit.is_some() {
                    IMAGE_TTL
                } else {
                    IMAGE_RETRY
                };
                if now.duration_since(*at) < ttl {
                    return hit.clone();
                }
            }
        }
        let fetched = match self.fetcher.get(url).await {
            // An SVG is baked and handed out only once it cannot run or fetch anything.
            Ok(bytes) if ImageFormat::sniff(&bytes) == Some(ImageFormat::Svg) => {
                match crate::badge_image::sanitize_svg(&bytes) {
                    Ok(clean) => Some(clean),
                    Err(reason) => {
                        tracing::warn!(url, %reason, "achievement SVG unreadable; using the generated badge");
                        None
                    }
                }
            }
            Ok(bytes) => Some(bytes.as_ref().clone()),
            Err(e) => {
                tracing::warn!(
                    url,
                    code = e.code(),
                    "achievement image not fetched; using the generated badge"
                );
                None
            }
        };
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(url.to_owned(), (fetched.clone(), now));
        }
        fetched
    }
}

/// A credential's status as the issuer knows it now (what its status lists and dates say).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveStatus {
    /// Active and within its validity period.
    Valid,
    /// Revoked by the issuer (final).
    Revoked,
    /// Suspended by the issuer (can be lifted).
    Suspended,
    /// Past its `validUntil`.
    Expired,
    /// Before its `validFrom`.
    NotYetValid,
}

impl LiveStatus {
    /// The stable code (`valid`, `revoked`, `suspended`, `expired`, `not_yet_valid`).
    pub fn code(self) -> &'static str {
        match self {
            LiveStatus::Valid => "valid",
            LiveStatus::Revoked => "revoked",
            LiveStatus::Suspended => "suspended",
            LiveStatus::Expired => "expired",
            LiveStatus::NotYetValid => "not_yet_valid",
        }
    }
}

/// Share codes use letters and digits that cannot be misread (no 0/o, 1/l/i).
const SHARE_ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";
/// Characters in a share code: 31⁸ ≈ 8.5 × 10¹¹ codes.
const SHARE_CODE_LEN: usize = 8;

impl Issuer {
    /// The public address of `path` under `issuer.url` (the path alone without one).
    pub fn public_url(&self, path: &str) -> String {
        match &self.config().config.issuer.url {
            Some(url) => format!("{}{path}", url.trim_end_matches('/')),
            None => path.to_owned(),
        }
    }

    /// The LinkedIn add-to-profile link for a credential (`cert_id`: its share code), or `None`
    /// when it has no readable `validFrom`.
    pub fn linkedin_link(
        &self,
        credential: &Value,
        page_url: &str,
        cert_id: &str,
    ) -> Option<String> {
        let date = |name: &str| {
            credential
                .get(name)
                .and_then(Value::as_str)
                .and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok())
                .map(|d| d.with_timezone(&chrono::Utc))
        };
        let name = credential
            .pointer("/credentialSubject/achievement/name")
            .and_then(Value::as_str)?;
        let issuer_name = credential
            .pointer("/issuer/name")
            .and_then(Value::as_str)
            .unwrap_or(self.id());
        let organization = match &self.config().config.sharing.linkedin_organization_id {
            Some(org) => Organization::Id(org),
            None => Organization::Name(issuer_name),
        };
        Some(linkedin_add_url(
            name,
            organization,
            date("validFrom")?,
            date("validUntil"),
            page_url,
            &cert_id.to_ascii_uppercase(),
        ))
    }

    /// After issuing: queue the recipient's email when `[smtp]` is configured.
    pub(crate) async fn notify(
        &self,
        request: &crate::IssueRequest,
        credential: &Value,
    ) -> Result<(), Error> {
        let Some(notifier) = &self.notifier else {
            return Ok(());
        };
        let id = credential
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let key = id.rsplit(['/', ':']).next().unwrap_or_default().to_owned();
        let page_url = self.public_url(&format!("/credentials/{key}"));
        let code = self.share_code(&id).await?;
        // With wallet hand-off available, the award email carries a one-time claim link.
        let wallet_url = match self.wallet_base() {
            Ok(_) => Some(self.new_claim_link(&id, false, self.now()).await?),
            Err(_) => None,
        };
        let notice = crate::notify::Notice {
            credential_id: id,
            to: request.recipient_email.clone(),
            recipient_name: request.recipient_name.clone(),
            achievement: text_at(credential, "/credentialSubject/achievement/name"),
            issuer: text_at(credential, "/issuer/name"),
            linkedin_url: self.linkedin_link(credential, &page_url, &code),
            page_url,
            wallet_url,
            wallet_only: false,
        };
        notifier.send(notice, self.store.clone(), self.clock.clone());
        Ok(())
    }

    /// Sends a credential's award email again (the console's "Email the award again"), to
    /// `email`, which must be the address it was awarded to (compared by its lookup hash: the
    /// address itself is not stored). Audited as `notification.resend`.
    pub async fn resend_award_email(
        &self,
        reference: &str,
        email: &str,
        actor: &crate::Actor,
    ) -> Result<(), Error> {
        if self.notifier.is_none() {
            return Err(Error::input(
                "smtp",
                "email is not set up: add [smtp] to cairn.toml",
            ));
        }
        let id = self.find_credential(reference).await?;
        let meta = self
            .store
            .credential_meta(&id)
            .await?
            .ok_or_else(|| Error::CredentialNotFound(id.clone()))?;
        let same: bool = {
            use subtle::ConstantTimeEq;
            crate::recipient_lookup(email)
                .as_bytes()
                .ct_eq(meta.recipient_lookup.as_bytes())
                .into()
        };
        if !same {
            return Err(Error::input(
                "email",
                "is not the address this credential was awarded to",
            ));
        }
        let credential = self
            .store
            .credential(&id)
            .await?
            .ok_or_else(|| Error::CredentialNotFound(id.clone()))?;
        let request = crate::IssueRequest {
            recipient_email: email.trim().to_owned(),
            recipient_name: credential
                .as_object()
                .and_then(cairn_verifier::identity::recipient_name)
                .map(str::to_owned),
            ..crate::IssueRequest::default()
        };
        self.notify(&request, &credential).await?;
        self.store
            .record_event(
                "notification.resend",
                Some(&id),
                None,
                &crate::rfc3339(self.now()),
                actor,
            )
            .await
    }

    /// Whether recipients can be emailed (`[smtp]` is configured).
    pub fn can_email(&self) -> bool {
        self.notifier.is_some()
    }

    /// Mails the recipient only a wallet link (the credential page's "Email me a wallet link").
    pub(crate) fn send_wallet_link(
        &self,
        to: &str,
        credential: &Value,
        wallet_url: String,
    ) -> bool {
        let Some(notifier) = &self.notifier else {
            return false;
        };
        let notice = crate::notify::Notice {
            credential_id: text_at(credential, "/id"),
            to: to.to_owned(),
            recipient_name: credential
                .as_object()
                .and_then(cairn_verifier::identity::recipient_name)
                .map(str::to_owned),
            achievement: text_at(credential, "/credentialSubject/achievement/name"),
            issuer: text_at(credential, "/issuer/name"),
            page_url: String::new(),
            linkedin_url: None,
            wallet_url: Some(wallet_url),
            wallet_only: true,
        };
        notifier.send(notice, self.store.clone(), self.clock.clone());
        true
    }

    /// Waits for every queued notification email (the CLI calls this before it exits).
    pub async fn flush_notifications(&self) {
        if let Some(n) = &self.notifier {
            n.flush().await;
        }
    }

    /// The credential's short share code (`/s/{code}`), made on first use: random, unique across
    /// the issuer, and the same ever after.
    pub async fn share_code(&self, credential_id: &str) -> Result<String, Error> {
        use rand::Rng;
        let at = crate::rfc3339(self.now());
        for _ in 0..8 {
            // The generator is not Send: it lives only until the code is drawn.
            let candidate: String = {
                let mut rng = rand::thread_rng();
                (0..SHARE_CODE_LEN)
                    .map(|_| char::from(SHARE_ALPHABET[rng.gen_range(0..SHARE_ALPHABET.len())]))
                    .collect()
            };
            if let Some(code) = self
                .store()
                .share_code(credential_id, &candidate, &at)
                .await?
            {
                return Ok(code);
            }
        }
        Err(Error::Database("no free share code after 8 draws".into()))
    }

    /// The credential id a share code names, if any. Codes are matched case-insensitively.
    pub async fn credential_for_share_code(&self, code: &str) -> Result<Option<String>, Error> {
        let code = code.to_ascii_lowercase();
        if code.len() != SHARE_CODE_LEN || !code.bytes().all(|b| SHARE_ALPHABET.contains(&b)) {
            return Ok(None);
        }
        self.store().credential_for_share_code(&code).await
    }

    /// The live status of the stored credential `credential` (its document, already read):
    /// revoked or suspended by its status bits, else expired or not yet valid by its dates, else
    /// valid.
    pub async fn live_status(
        &self,
        credential_id: &str,
        credential: &Value,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<LiveStatus, Error> {
        let entries = self.store().status_entries(credential_id).await?;
        let set = |purpose: &str| entries.iter().any(|e| e.set && e.purpose == purpose);
        if set("revocation") {
            return Ok(LiveStatus::Revoked);
        }
        if set("suspension") {
            return Ok(LiveStatus::Suspended);
        }
        let date = |name: &str| {
            credential
                .get(name)
                .and_then(Value::as_str)
                .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        };
        if date("validUntil").is_some_and(|u| u < now) {
            return Ok(LiveStatus::Expired);
        }
        if date("validFrom").is_some_and(|f| f > now) {
            return Ok(LiveStatus::NotYetValid);
        }
        Ok(LiveStatus::Valid)
    }

    /// When the credential's current revocation or suspension happened (`state`: `revoked` or
    /// `suspended`), from its audit entries; `None` for any other state or when not recorded.
    pub async fn status_changed_at(
        &self,
        credential_id: &str,
        state: LiveStatus,
    ) -> Result<Option<chrono::DateTime<chrono::Utc>>, Error> {
        let action = match state {
            LiveStatus::Revoked => "credential.revoke",
            LiveStatus::Suspended => "credential.suspend",
            _ => return Ok(None),
        };
        let entries = self.store().audit_entries_for(credential_id).await?;
        Ok(entries
            .iter()
            .rev()
            .filter(|e| e.action == action)
            .find(|e| e.detail.as_ref().and_then(|d| d.get("changed")) == Some(&Value::Bool(true)))
            .and_then(|e| chrono::DateTime::parse_from_rfc3339(&e.at).ok())
            .map(|at| at.with_timezone(&chrono::Utc)))
    }

    /// The stored credential a public link's last segment names, as (id, document):
    /// `{issuer.url}/credentials/KEY` (ids under the district's address), or `urn:uuid:KEY`. Only
    /// `[A-Za-z0-9-]` keys are looked up.
    pub async fn public_credential(&self, key: &str) -> Result<(String, Value), Error> {
        let not_found = || Error::CredentialNotFound(key.to_owned());
        if key.is_empty()
            || key.len() > 64
            || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(not_found());
        }
        let mut candidates = vec![format!("urn:uuid:{key}")];
        if let Some(url) = &self.config().config.issuer.url {
            candidates.insert(
                0,
                format!("{}/credentials/{key}", url.trim_end_matches('/')),
            );
        }
        for id in candidates {
            if let Some(credential) = self.store().credential(&id).await? {
                return Ok((id, credential));
            }
        }
        Err(not_found())
    }

    /// A stored credential baked into its badge image — the achievement's own image when it is
    /// a PNG or SVG (as asked) that can be fetched and baked, else the generated badge — holding
    /// the credential JSON, or its compact JWS when `jwt` is set and it was issued as one.
    pub async fn baked_badge(
        &self,
        credential_id: &str,
        format: ImageFormat,
        jwt: bool,
    ) -> Result<Vec<u8>, Error> {
        let credential = self
            .store()
            .credential(credential_id)
            .await?
            .ok_or_else(|| Error::CredentialNotFound(credential_id.to_owned()))?;
        self.bake_document(credential_id, &credential, format, jwt)
            .await
    }

    /// The badge image of `credential` (not baked), sanitized: the achievement's own image when
    /// it has one that can be fetched — as it is when it is in the asked format, rendered when it
    /// is an SVG and a PNG is asked, inside the generated badge when it is a PNG and an SVG is
    /// asked — else the generated badge naming the achievement and the issuer.
    pub async fn badge_image(
        &self,
        credential: &Value,
        format: ImageFormat,
    ) -> Result<Vec<u8>, Error> {
        let own = match credential
            .pointer("/credentialSubject/achievement/image/id")
            .and_then(Value::as_str)
        {
            Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
                match self.hosted_image(url).await {
                    // An image uploaded in the console: from the database, never fetched.
                    Some(bytes) => Some(bytes),
                    None => self.images.get(url).await,
                }
            }
            _ => None,
        };
        // Drawing a PNG takes milliseconds of CPU (BENCHMARKS "Badges and certificates"): on a
        // blocking thread, not an async worker.
        let credential = credential.clone();
        crate::badge_image::off_thread(move || choose_badge(&credential, format, own)).await
    }

    /// [`Issuer::baked_badge`] for a credential document already read.
    pub async fn bake_document(
        &self,
        credential_id: &str,
        credential: &Value,
        format: ImageFormat,
        jwt: bool,
    ) -> Result<Vec<u8>, Error> {
        let text = if jwt {
            self.store()
                .credential_jws(credential_id)
                .await?
                .ok_or_else(|| {
                    Error::input("format", "this credential was not issued as a VC-JWT")
                })?
        } else {
            serde_json::to_string_pretty(credential).map_err(|e| Error::Database(e.to_string()))?
        };
        let image = self.badge_image(credential, format).await?;
        match bake_sanitized(&image, &text, false) {
            Ok(baked) => Ok(baked),
            // An achievement's own image may be one that cannot be baked (already baked, too big).
            Err(e) => {
                tracing::warn!(
                    code = e.code(),
                    "achievement image not bakeable; using the generated badge"
                );
                bake_sanitized(&generated_badge(credential, format)?, &text, false)
            }
        }
    }
}

/// The badge of `credential` in `format`, from the achievement's own image (`own`, sanitized when
/// it was fetched) when it has one: as it is, an SVG rendered to PNG, or a PNG inside the
/// generated SVG; else the generated badge.
fn choose_badge(
    credential: &Value,
    format: ImageFormat,
    own: Option<Vec<u8>>,
) -> Result<Vec<u8>, Error> {
    let (achievement, issuer) = badge_names(credential);
    let own_format = own.as_deref().and_then(ImageFormat::sniff);
    match (format, own, own_format) {
        (f, Some(image), Some(o)) if f == o => Ok(image),
        (ImageFormat::Png, Some(svg), Some(ImageFormat::Svg)) => {
            match std::str::from_utf8(&svg).map(crate::badge_image::svg_to_png) {
                Ok(Ok(png)) => Ok(png),
                _ => {
                    tracing::warn!("achievement SVG not renderable; using the generated badge");
                    default_badge_png(&achievement, &issuer)
                }
            }
        }
        (ImageFormat::Svg, Some(png), Some(ImageFormat::Png)) => {
            Ok(badge_svg(&achievement, &issuer, Some(("image/png", &png))).into_bytes())
        }
        _ => generated_badge(credential, format),
    }
}

/// The achievement's and the issuer's names, as a generated badge shows them.
fn badge_names(credential: &Value) -> (String, String) {
    let name = |p: &str| {
        credential
            .pointer(p)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    (
        name("/credentialSubject/achievement/name"),
        name("/issuer/name"),
    )
}

/// The generated badge of `credential` in `format`.
pub fn generated_badge(credential: &Value, format: ImageFormat) -> Result<Vec<u8>, Error> {
    let (achievement, issuer) = badge_names(credential);
    match format {
        ImageFormat::Png => default_badge_png(&achievement, &issuer),
        ImageFormat::Svg => Ok(default_badge_svg(&achievement, &issuer).into_bytes()),
    }
}

/// Bakes with the verifier's limits; refusals keep their codes (`already_baked`, …). An SVG is
/// sanitized first (no script, event handler or outside reference survives into the baked file).
pub fn bake(image: &[u8], credential: &str, replace: bool) -> Result<Vec<u8>, Error> {
    let sanitized;
    let image = if ImageFormat::sniff(image) == Some(ImageFormat::Svg) {
        sanitized = crate::badge_image::sanitize_svg(image).map_err(|reason| Error::Image {
            refusal: cairn_verifier::ImageRefusal::SvgMalformed,
            message: reason,
        })?;
        sanitized.as_slice()
    } else {
        image
    };
    bake_sanitized(image, credential, replace)
}

/// [`bake`] for an image that needs no sanitizing: an achievement image [`ImageSource`] cleaned
/// when it fetched it, or a generated badge.
fn bake_sanitized(image: &[u8], credential: &str, replace: bool) -> Result<Vec<u8>, Error> {
    cairn_verifier::bake(
        image,
        credential,
        replace,
        &cairn_verifier::Limits::default(),
    )
    .map_err(Error::from_image)
}

/// Who LinkedIn shows as the issuing organisation: its LinkedIn company id when the issuer's
/// config has one, otherwise its name.
pub(crate) enum Organization<'a> {
    Id(&'a str),
    Name(&'a str),
}

/// LinkedIn's add-to-profile link for a certification: `startTask=CERTIFICATION_NAME`, `name`,
/// `organizationId` or `organizationName`, `issueYear`/`issueMonth`, `expirationYear`/
/// `expirationMonth` when the credential expires, `certUrl` (the public page) and `certId`.
pub(crate) fn linkedin_add_url(
    name: &str,
    organization: Organization<'_>,
    issued: chrono::DateTime<chrono::Utc>,
    expires: Option<chrono::DateTime<chrono::Utc>>,
    cert_url: &str,
    cert_id: &str,
) -> String {
    use chrono::Datelike;
    let mut params: Vec<(&str, String)> = vec![
        ("startTask", "CERTIFICATION_NAME".to_owned()),
        ("name", name.to_owned()),
    ];
    match organization {
        Organization::Id(id) => params.push(("organizationId", id.to_owned())),
        Organization::Name(n) => params.push(("organizationName", n.to_owned())),
    }
    params.push(("issueYear", issued.year().to_string()));
    params.push(("issueMonth", issued.month().to_string()));
    if let Some(e) = expires {
        params.push(("expirationYear", e.year().to_string()));
        params.push(("expirationMonth", e.month().to_string()));
    }
    params.push(("certUrl", cert_url.to_owned()));
    params.push(("certId", cert_id.to_owned()));
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    format!("https://www.linkedin.com/profile/add?{query}")
}

/// A QR code for `link` as a standalone SVG (black on white, with the quiet zone).
pub fn qr_svg(link: &str) -> Result<String, Error> {
    let code = qrcode::QrCode::with_error_correction_level(link, qrcode::EcLevel::M)
        .map_err(|e| Error::input("link", e.to_string()))?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

/// The string at `pointer` in a credential, or an empty one.
fn text_at(credential: &Value, pointer: &str) -> String {
    credential
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A QR code of `link` for a terminal (two rows of modules per line of text).
pub fn qr_text(link: &str) -> Result<String, Error> {
    let code = qrcode::QrCode::with_error_correction_level(link, qrcode::EcLevel::L)
        .map_err(|e| Error::input("link", e.to_string()))?;
    Ok(code
        .render::<qrcode::render::unicode::Dense1x2>()
        .dark_color(qrcode::render::unicode::Dense1x2::Light)
        .light_color(qrcode::render::unicode::Dense1x2::Dark)
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used, clippy::unwrap_used)] // Test code.

    use super::*;

    fn params(link: &str) -> Vec<(String, String)> {
        let parsed = url::Url::parse(link).expect("url");
        assert_eq!(
            (parsed.scheme(), parsed.host_str(), parsed.path()),
            ("https", Some("www.linkedin.com"), "/profile/add")
        );
        parsed.query_pairs().into_owned().collect()
    }

    #[test]
    fn the_linkedin_link_parameter_by_parameter() {
        let issued = "2026-03-09T10:00:00Z".parse().expect("date");
        let expires = "2028-11-30T23:59:59Z".parse().expect("date");
        let page = "https://credentials.springfield.example/credentials/7f3c?x=1&y=2";
        // (organization, expiry, the parameters LinkedIn gets, in order)
        let with_id = linkedin_add_url(
            "Formative Assessment & \"Feedback\" — Level 2",
            Organization::Id("1337"),
            issued,
            Some(expires),
            page,
            "SPS-7F3C",
        );
        let expected = [
            ("startTask", "CERTIFICATION_NAME"),
            ("name", "Formative Assessment & \"Feedback\" — Level 2"),
            ("organizationId", "1337"),
            ("issueYear", "2026"),
            ("issueMonth", "3"),
            ("expirationYear", "2028"),
            ("expirationMonth", "11"),
            ("certUrl", page),
            ("certId", "SPS-7F3C"),
        ];
        let got = params(&with_id);
        let want: Vec<(String, String)> = expected
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(got, want);
        // Escaping: & = + # and spaces never leak into the query's structure.
        assert!(with_id.contains("name=Formative+Assessment+%26+%22Feedback%22+%E2%80%94+Level+2"));
        assert!(with_id.contains("certUrl=https%3A%2F%2Fcredentials.springfield.example%2Fcredentials%2F7f3c%3Fx%3D1%26y%3D2"));

        let with_name = linkedin_add_url(
            "N",
            Organization::Name("Springfield Public Schools"),
            issued,
            None,
            page,
            "ID",
        );
        let got = params(&with_name);
        let keys: Vec<&str> = got.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(
            keys,
            [
                "startTask",
                "name",
                "organizationName",
                "issueYear",
                "issueMonth",
                "certUrl",
                "certId"
            ]
        );
        assert_eq!(got[2].1, "Springfield Public Schools");
    }

    #[test]
    fn qr_codes_are_svg() {
        let svg = qr_svg("https://credentials.springfield.example/credentials/7f3c").expect("qr");
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
        assert!(qr_svg(&"x".repeat(5000)).is_err());
    }
}

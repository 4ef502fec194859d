//! Baked badge images (OB 3.0 §5.3 "Baking"): reading the credential out of a PNG `iTXt` chunk
//! or an SVG `<openbadges:credential>` element, and baking one into an image.
//!
//! Images are untrusted input: the byte size and the pixel count are capped before anything else,
//! PNG chunks are checked (CRC, order, truncation) without inflating the pixels, a compressed
//! text chunk is inflated only up to the credential size limit, and an SVG with an internal DTD
//! subset (where entity bombs live) is refused.

use std::borrow::Cow;

use png::text_metadata::{EncodableTextChunk, ITXtChunk};
use quick_xml::events::Event;
use quick_xml::name::{Namespace, ResolveResult};
use quick_xml::NsReader;

use crate::error::Error;
use crate::input::Limits;

/// OB 3.0 §5.3.1: the PNG `iTXt` keyword (all lowercase; OB 2.0 used `openbadges`).
pub const PNG_KEYWORD: &str = "openbadgecredential";
/// OB 3.0 §5.3.2: the namespace of the `<openbadges:credential>` element.
pub const SVG_NAMESPACE: &str = "https://purl.imsglobal.org/ob/v3p0";
const SVG_ELEMENT_NAMESPACE: &str = "http://www.w3.org/2000/svg";
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// The image formats a credential can be baked into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    /// A PNG image (an `iTXt` chunk).
    Png,
    /// An SVG image (an `openbadges:credential` element).
    Svg,
}

impl ImageFormat {
    /// Recognises a PNG by its signature and an SVG by its first markup.
    pub fn sniff(bytes: &[u8]) -> Option<ImageFormat> {
        if bytes.starts_with(PNG_SIGNATURE) {
            return Some(ImageFormat::Png);
        }
        let text = bytes.trim_ascii_start();
        let text = text.strip_prefix(b"\xef\xbb\xbf").unwrap_or(text);
        text.starts_with(b"<").then_some(ImageFormat::Svg)
    }
}

/// Why a badge image cannot be read or baked (OB 3.0 §5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageRefusal {
    /// The image is over the byte limit.
    ImageTooLarge,
    /// The image has more pixels than the limit (checked before decoding).
    ImageTooManyPixels,
    /// The bytes are neither a PNG nor an SVG.
    NotAnImage,
    /// The image carries no credential (OB 3.0 §5.3).
    NotBaked,
    /// The image already carries a credential and replacing was not asked for.
    AlreadyBaked,
    /// The image carries more than one credential (OB 3.0 §5.3.1, §5.3.2).
    BakedCredentialRepeated,
    /// The baked credential is over the credential size limit.
    BakedCredentialTooLarge,
    /// A PNG chunk is malformed (CRC, order, text encoding).
    PngMalformed,
    /// The PNG ends before its IEND chunk.
    PngTruncated,
    /// The SVG markup is malformed.
    SvgMalformed,
    /// The SVG ends before its root element closes.
    SvgTruncated,
    /// The SVG has an internal DTD subset, where entity bombs live.
    SvgDoctypeRefused,
}

impl ImageRefusal {
    /// Every refusal.
    pub const ALL: [ImageRefusal; 12] = [
        ImageRefusal::ImageTooLarge,
        ImageRefusal::ImageTooManyPixels,
        ImageRefusal::NotAnImage,
        ImageRefusal::NotBaked,
        ImageRefusal::AlreadyBaked,
        ImageRefusal::BakedCredentialRepeated,
        ImageRefusal::BakedCredentialTooLarge,
        ImageRefusal::PngMalformed,
        ImageRefusal::PngTruncated,
        ImageRefusal::SvgMalformed,
        ImageRefusal::SvgTruncated,
        ImageRefusal::SvgDoctypeRefused,
    ];

    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            ImageRefusal::ImageTooLarge => "image_too_large",
            ImageRefusal::ImageTooManyPixels => "image_too_many_pixels",
            ImageRefusal::NotAnImage => "not_an_image",
            ImageRefusal::NotBaked => "not_baked",
            ImageRefusal::AlreadyBaked => "already_baked",
            ImageRefusal::BakedCredentialRepeated => "baked_credential_repeated",
            ImageRefusal::BakedCredentialTooLarge => "baked_credential_too_large",
            ImageRefusal::PngMalformed => "png_malformed",
            ImageRefusal::PngTruncated => "png_truncated",
            ImageRefusal::SvgMalformed => "svg_malformed",
            ImageRefusal::SvgTruncated => "svg_truncated",
            ImageRefusal::SvgDoctypeRefused => "svg_doctype_refused",
        }
    }
}

fn image_error(refusal: ImageRefusal, message: impl Into<String>) -> Error {
    Error::Image {
        refusal,
        message: message.into(),
    }
}

fn check_size(bytes: &[u8], limits: &Limits) -> Result<(), Error> {
    if bytes.len() > limits.max_image_bytes {
        return Err(image_error(
            ImageRefusal::ImageTooLarge,
            format!(
                "the image is {} bytes, over the limit of {} bytes",
                bytes.len(),
                limits.max_image_bytes
            ),
        ));
    }
    Ok(())
}

/// Extracts the baked credential (its JSON or compact JWS) from a PNG or SVG image.
pub fn extract(bytes: &[u8], limits: &Limits) -> Result<String, Error> {
    match ImageFormat::sniff(bytes) {
        Some(ImageFormat::Png) => extract_png(bytes, limits),
        Some(ImageFormat::Svg) => extract_svg(bytes, limits),
        None => Err(image_error(
            ImageRefusal::NotAnImage,
            "the input is neither a PNG nor an SVG image",
        )),
    }
}

/// Bakes `credential` (the credential JSON or its compact JWS) into a PNG or SVG image. An image
/// that already holds a credential is refused (`already_baked`) unless `replace` is set.
pub fn bake(
    image: &[u8],
    credential: &str,
    replace: bool,
    limits: &Limits,
) -> Result<Vec<u8>, Error> {
    match ImageFormat::sniff(image) {
        Some(ImageFormat::Png) => bake_png(image, credential, replace, limits),
        Some(ImageFormat::Svg) => {
            bake_svg(image, credential, replace, limits).map(String::into_bytes)
        }
        None => Err(image_error(
            ImageRefusal::NotAnImage,
            "the image is neither a PNG nor an SVG",
        )),
    }
}

/// A checked PNG: where its chunks are and the credential text chunks it holds.
struct PngLayout {
    /// Byte ranges of the `iTXt` chunks keyed `openbadgecredential`, in file order.
    credential_chunks: Vec<std::ops::Range<usize>>,
    /// Where the IHDR chunk ends (a new chunk goes here).
    after_header: usize,
}

/// Walks every chunk with the `png` crate's streaming decoder (CRCs, chunk order, a complete
/// file), without inflating the image data.
fn read_png(bytes: &[u8], limits: &Limits) -> Result<PngLayout, Error> {
    check_size(bytes, limits)?;
    let malformed = |e: png::DecodingError| image_error(ImageRefusal::PngMalformed, e.to_string());
    // A CRC failure in any chunk refuses the image (the decoder would skip ancillary ones).
    let mut options = png::DecodeOptions::default();
    options.set_skip_ancillary_crc_failures(false);
    options.set_ignore_text_chunk(true);
    let mut decoder = png::StreamingDecoder::new_with_options(options);
    let mut offset = 0;
    let mut chunk_start = 0;
    let mut current: Option<png::chunk::ChunkType> = None;
    let mut credential_chunks = Vec::new();
    let mut after_header = 0;
    loop {
        if offset >= bytes.len() {
            return Err(image_error(
                ImageRefusal::PngTruncated,
                "the PNG ends before its IEND chunk",
            ));
        }
        let (used, event) = decoder.update(&bytes[offset..], None).map_err(malformed)?;
        offset += used;
        match event {
            png::Decoded::ChunkBegin(_, kind) => {
                // The 8-byte length and type precede the position the decoder stops at.
                chunk_start = offset - 8;
                current = Some(kind);
            }
            png::Decoded::BadAncillaryChunk(kind) if kind == png::chunk::iTXt => {
                return Err(image_error(
                    ImageRefusal::PngMalformed,
                    "an iTXt chunk is corrupt or out of place",
                ));
            }
            png::Decoded::ChunkComplete(kind)
            | png::Decoded::SkippedAncillaryChunk(kind)
            | png::Decoded::BadAncillaryChunk(kind) => {
                if kind == png::chunk::IEND {
                    break;
                }
                if kind == png::chunk::IHDR {
                    after_header = offset;
                    check_pixels(&decoder, limits)?;
                }
                if kind == png::chunk::iTXt
                    && current == Some(kind)
                    && bytes[chunk_start + 8..].starts_with(PNG_KEYWORD.as_bytes())
                    && bytes.get(chunk_start + 8 + PNG_KEYWORD.len()) == Some(&0)
                {
                    credential_chunks.push(chunk_start..offset);
                }
                current = None;
            }
            _ => {}
        }
    }
    Ok(PngLayout {
        credential_chunks,
        after_header,
    })
}

fn check_pixels(decoder: &png::StreamingDecoder, limits: &Limits) -> Result<(), Error> {
    let Some(info) = decoder.info() else {
        return Ok(());
    };
    let pixels = u64::from(info.width) * u64::from(info.height);
    if pixels > limits.max_image_pixels {
        return Err(image_error(
            ImageRefusal::ImageTooManyPixels,
            format!(
                "the image is {}×{} pixels, over the limit of {} pixels",
                info.width, info.height, limits.max_image_pixels
            ),
        ));
    }
    Ok(())
}

/// OB 3.0 §5.3.1: the text of the first `iTXt` chunk keyed `openbadgecredential`; the keyword
/// must not appear more than once.
fn extract_png(bytes: &[u8], limits: &Limits) -> Result<String, Error> {
    let layout = read_png(bytes, limits)?;
    let Some(first) = layout.credential_chunks.first() else {
        return Err(not_baked("PNG"));
    };
    if layout.credential_chunks.len() > 1 {
        return Err(repeated("PNG", "iTXt chunks keyed openbadgecredential"));
    }
    // The chunk's data (its CRC already checked): keyword NUL, compression flag, method,
    // language tag NUL, translated keyword NUL, text (PNG 1.2 §11.3.4.5).
    let data = &bytes[first.start + 8..first.end - 4];
    let malformed = || {
        image_error(
            ImageRefusal::PngMalformed,
            "the openbadgecredential iTXt chunk is malformed",
        )
    };
    let rest = &data[PNG_KEYWORD.len() + 1..];
    let [flag, method, rest @ ..] = rest else {
        return Err(malformed());
    };
    let mut fields = rest.splitn(3, |b| *b == 0);
    let (Some(_language), Some(_translated), Some(text)) =
        (fields.next(), fields.next(), fields.next())
    else {
        return Err(malformed());
    };
    let text = match (flag, method) {
        (0, _) => text.to_vec(),
        // A compressed chunk is inflated only as far as a credential may be long.
        (1, 0) => {
            let mut out = Vec::new();
            let cap = limits.max_input_bytes as u64 + 1;
            std::io::Read::read_to_end(
                &mut std::io::Read::take(flate2::read::ZlibDecoder::new(text), cap),
                &mut out,
            )
            .map_err(|_| malformed())?;
            if out.len() > limits.max_input_bytes {
                return Err(image_error(
                    ImageRefusal::BakedCredentialTooLarge,
                    format!(
                        "the baked credential inflates past {} bytes",
                        limits.max_input_bytes
                    ),
                ));
            }
            out
        }
        _ => return Err(malformed()),
    };
    let text = String::from_utf8(text).map_err(|_| {
        image_error(
            ImageRefusal::PngMalformed,
            "the baked credential is not UTF-8",
        )
    })?;
    credential_text(text, limits)
}

fn not_baked(format: &str) -> Error {
    image_error(
        ImageRefusal::NotBaked,
        format!("the {format} image holds no baked Open Badges 3.0 credential"),
    )
}

fn repeated(format: &str, what: &str) -> Error {
    image_error(
        ImageRefusal::BakedCredentialRepeated,
        format!("the {format} image holds more than one credential ({what}); OB 3.0 allows one"),
    )
}

/// The extracted text, trimmed and within the credential size limit.
fn credential_text(text: String, limits: &Limits) -> Result<String, Error> {
    let text = text.trim().to_owned();
    if text.is_empty() {
        return Err(image_error(
            ImageRefusal::NotBaked,
            "the baked credential element is empty",
        ));
    }
    if text.len() > limits.max_input_bytes {
        return Err(Error::InputTooLarge {
            size: text.len(),
            limit: limits.max_input_bytes,
        });
    }
    Ok(text)
}

/// OB 3.0 §5.3.1: one uncompressed `iTXt` chunk right after the header.
fn bake_png(
    image: &[u8],
    credential: &str,
    replace: bool,
    limits: &Limits,
) -> Result<Vec<u8>, Error> {
    let layout = read_png(image, limits)?;
    if !layout.credential_chunks.is_empty() && !replace {
        return Err(already_baked());
    }
    let mut chunk = Vec::new();
    ITXtChunk::new(PNG_KEYWORD, credential.trim())
        .encode(&mut chunk)
        .map_err(|e| image_error(ImageRefusal::PngMalformed, e.to_string()))?;
    let mut out = Vec::with_capacity(image.len() + chunk.len());
    out.extend_from_slice(&image[..layout.after_header]);
    out.extend_from_slice(&chunk);
    let mut at = layout.after_header;
    for range in &layout.credential_chunks {
        out.extend_from_slice(&image[at..range.start]);
        at = range.end;
    }
    out.extend_from_slice(&image[at..]);
    Ok(out)
}

fn already_baked() -> Error {
    image_error(
        ImageRefusal::AlreadyBaked,
        "the image already holds a baked credential (bake with replace to overwrite it)",
    )
}

/// What an SVG scan found.
struct SvgLayout {
    /// Where the root `<svg …>` start tag's closing `>` (or `/>`) is.
    root_tag_close: usize,
    /// Whether the root declares the `openbadges` prefix for the OB namespace.
    declares_prefix: bool,
    /// Each `<openbadges:credential>` element: its byte range and its credential text.
    credentials: Vec<(std::ops::Range<usize>, String)>,
}

fn svg_malformed(message: impl std::fmt::Display) -> Error {
    image_error(ImageRefusal::SvgMalformed, message.to_string())
}

/// The namespaces an SVG scan tells apart.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ns {
    OpenBadges,
    Svg,
    Other,
}

fn namespace_of(ns: &ResolveResult<'_>) -> Ns {
    match ns {
        ResolveResult::Bound(Namespace(n)) if *n == SVG_NAMESPACE => Ns::OpenBadges,
        ResolveResult::Bound(Namespace(n)) if *n == SVG_ELEMENT_NAMESPACE => Ns::Svg,
        _ => Ns::Other,
    }
}

fn read_svg<'a>(bytes: &'a [u8], limits: &Limits) -> Result<(&'a str, SvgLayout), Error> {
    check_size(bytes, limits)?;
    let text = std::str::from_utf8(bytes)
        .map_err(|e| svg_malformed(format!("the SVG is not UTF-8 (byte {})", e.valid_up_to())))?;
    let mut reader = NsReader::from_str(text);
    let mut layout = SvgLayout {
        root_tag_close: 0,
        declares_prefix: false,
        credentials: Vec::new(),
    };
    let mut depth = 0usize;
    // The open credential element: where it starts and the text read so far.
    let mut open: Option<(usize, String)> = None;
    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let (ns, event) = reader.read_resolved_event().map_err(svg_malformed)?;
        let ns = namespace_of(&ns);
        let after = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let in_credential = open.is_some();
        match event {
            // An internal subset can declare entities (billion laughs, external entities).
            Event::DocType(ref doctype) if doctype.xml10_content().contains('[') => {
                return Err(image_error(
                    ImageRefusal::SvgDoctypeRefused,
                    "the SVG declares a DTD internal subset; baked badges must not",
                ));
            }
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                let local = e.local_name();
                if depth == 0 {
                    if local.as_ref() != "svg" || ns != Ns::Svg {
                        return Err(svg_malformed("the root element is not an SVG <svg>"));
                    }
                    if empty {
                        return Err(svg_malformed("the <svg> element is empty"));
                    }
                    layout.root_tag_close = after - 1;
                    layout.declares_prefix = e.attributes().flatten().any(|a| {
                        a.key.as_ref() == "xmlns:openbadges" && a.value.as_ref() == SVG_NAMESPACE
                    });
                } else if ns == Ns::OpenBadges && local.as_ref() == "credential" {
                    if in_credential {
                        return Err(svg_malformed("a credential element inside another"));
                    }
                    // OB 3.0 §5.3.2: a VC-JWT travels in the `verify` attribute.
                    let mut verify = None;
                    for attr in e.attributes() {
                        let attr = attr.map_err(svg_malformed)?;
                        if attr.key.as_ref() == "verify" {
                            verify = Some(
                                attr.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                    .map_err(svg_malformed)?
                                    .into_owned(),
                            );
                        }
                    }
                    match (verify, empty) {
                        (Some(jws), true) => layout.credentials.push((before..after, jws)),
                        (Some(jws), false) => open = Some((before, jws)),
                        (None, true) => layout.credentials.push((before..after, String::new())),
                        (None, false) => open = Some((before, String::new())),
                    }
                }
                if !empty {
                    depth += 1;
                }
            }
            Event::End(ref e) => {
                depth = depth.saturating_sub(1);
                if ns == Ns::OpenBadges && e.local_name().as_ref() == "credential" {
                    if let Some((start, content)) = open.take() {
                        layout.credentials.push((start..after, content));
                    }
                }
            }
            Event::Text(t) if in_credential => push_text(&mut open, &t.xml10_content(), limits)?,
            Event::CData(c) if in_credential => push_text(&mut open, &c.into_inner(), limits)?,
            Event::GeneralRef(r) if in_credential => {
                let resolved: Cow<'_, str> = match r.resolve_char_ref().map_err(svg_malformed)? {
                    Some(c) => Cow::Owned(c.to_string()),
                    None => {
                        match quick_xml::escape::resolve_predefined_entity(&r.xml10_content()) {
                            Some(s) => Cow::Borrowed(s),
                            None => {
                                return Err(svg_malformed("an undeclared entity in the credential"))
                            }
                        }
                    }
                };
                push_text(&mut open, &resolved, limits)?;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if layout.root_tag_close == 0 {
        return Err(svg_malformed("the document has no <svg> element"));
    }
    if depth != 0 || open.is_some() {
        return Err(image_error(
            ImageRefusal::SvgTruncated,
            "the SVG ends inside an element",
        ));
    }
    Ok((text, layout))
}

fn push_text(open: &mut Option<(usize, String)>, text: &str, limits: &Limits) -> Result<(), Error> {
    if let Some((_, content)) = open {
        if content.len() + text.len() > limits.max_input_bytes {
            return Err(Error::InputTooLarge {
                size: content.len() + text.len(),
                limit: limits.max_input_bytes,
            });
        }
        content.push_str(text);
    }
    Ok(())
}

/// OB 3.0 §5.3.2: the content (credential JSON) or `verify` attribute (compact JWS) of the one
/// `<openbadges:credential>` element.
fn extract_svg(bytes: &[u8], limits: &Limits) -> Result<String, Error> {
    let (_, mut layout) = read_svg(bytes, limits)?;
    match layout.credentials.len() {
        0 => Err(not_baked("SVG")),
        1 => credential_text(layout.credentials.remove(0).1, limits),
        _ => Err(repeated("SVG", "<openbadges:credential> elements")),
    }
}

/// OB 3.0 §5.3.2: declare the namespace on `<svg>` and put the credential element directly after
/// the start tag — a JWS in `verify`, JSON as CDATA content.
fn bake_svg(
    image: &[u8],
    credential: &str,
    replace: bool,
    limits: &Limits,
) -> Result<String, Error> {
    let (text, layout) = read_svg(image, limits)?;
    if !layout.credentials.is_empty() && !replace {
        return Err(already_baked());
    }
    let credential = credential.trim();
    let element = if credential.starts_with('{') {
        // `]]>` cannot appear inside CDATA: end the section there and start another.
        let content = credential.replace("]]>", "]]]]><![CDATA[>");
        format!("<openbadges:credential><![CDATA[{content}]]></openbadges:credential>")
    } else {
        format!(
            "<openbadges:credential verify=\"{}\"></openbadges:credential>",
            quick_xml::escape::escape(credential)
        )
    };
    let mut out = String::with_capacity(text.len() + element.len() + 64);
    let mut close = layout.root_tag_close;
    // A `/>` root was refused, so the tag ends in `>` here.
    out.push_str(&text[..close]);
    if !layout.declares_prefix {
        out.push_str(&format!(" xmlns:openbadges=\"{SVG_NAMESPACE}\""));
    }
    out.push('>');
    out.push_str(&element);
    close += 1;
    for (range, _) in &layout.credentials {
        out.push_str(&text[close..range.start]);
        close = range.end;
    }
    out.push_str(&text[close..]);
    Ok(out)
}

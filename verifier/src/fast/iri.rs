//! IRI and keyword syntax for the fast path: JSON-LD 1.1 keywords (§1.7), keyword-like terms
//! (§4.2.2) and a conservative absolute-IRI test (RFC 3987).

/// JSON-LD 1.1 §1.7: the keywords.
const KEYWORDS: &[&str] = &[
    "@base",
    "@container",
    "@context",
    "@direction",
    "@graph",
    "@id",
    "@import",
    "@included",
    "@index",
    "@json",
    "@language",
    "@list",
    "@nest",
    "@none",
    "@prefix",
    "@propagate",
    "@protected",
    "@reverse",
    "@set",
    "@type",
    "@value",
    "@version",
    "@vocab",
];

pub(crate) fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// JSON-LD 1.1 §4.2.2 step 4: `@` followed by one or more ALPHA.
pub(crate) fn looks_like_keyword(s: &str) -> bool {
    s.strip_prefix('@')
        .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphabetic()))
}

/// A conservative test for an absolute IRI (RFC 3987): a scheme, no character N-Quads would
/// escape, well-formed percent-escapes, one fragment at most and a numeric port. Whatever it
/// refuses goes to the general path, whose IRI parser decides.
pub(crate) fn is_absolute_iri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut scheme_bytes = scheme.bytes();
    if !scheme_bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        || !scheme_bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    {
        return false;
    }
    let bytes = rest.as_bytes();
    let mut i = 0;
    let mut hashes = 0;
    while i < bytes.len() {
        match bytes[i] {
            0..=0x20
            | b'<'
            | b'>'
            | b'"'
            | b'{'
            | b'}'
            | b'|'
            | b'^'
            | b'`'
            | b'\\'
            | b'['
            | b']'
            | 0x7f => return false,
            b'%' => {
                let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
                if !(hex(i + 1) && hex(i + 2)) {
                    return false;
                }
                // An escaped non-ASCII byte (`%80`–`%FF`) goes to the general path, whose IRI
                // library decodes escapes as UTF-8 and fails on one that is not (found by fuzzing).
                if bytes[i + 1] > b'7' {
                    return false;
                }
            }
            b'#' => hashes += 1,
            _ => {}
        }
        i += 1;
    }
    if hashes > 1 || !rest.chars().all(|c| c.is_ascii() || is_ucschar(c)) {
        return false;
    }
    // RFC 3986 §3.2: authority = [ userinfo "@" ] host [ ":" port ], with no "@" in either part
    // and a numeric port.
    if let Some(hier) = rest.strip_prefix("//") {
        let authority = hier.split(['/', '?', '#']).next().unwrap_or("");
        let host_port = match authority.split_once('@') {
            Some((_, host_port)) if host_port.contains('@') => return false,
            Some((_, host_port)) => host_port,
            None => authority,
        };
        if let Some((_, port)) = host_port.split_once(':') {
            if !port.bytes().all(|b| b.is_ascii_digit()) {
                return false;
            }
        }
    }
    true
}

/// RFC 3987 `ucschar`: the non-ASCII characters an IRI may hold outside its query (private-use
/// characters and noncharacters are not among them).
fn is_ucschar(c: char) -> bool {
    let c = c as u32;
    matches!(c, 0xA0..=0xD7FF | 0xF900..=0xFDCF | 0xFDF0..=0xFFEF | 0x10000..=0xEFFFD)
        && c & 0xFFFE != 0xFFFE
}

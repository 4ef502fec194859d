//! Reading untrusted input bytes into a JSON object, within size and depth limits.

use serde_json::{Map, Value};

use crate::error::Error;

/// Default cap on input size: 1 MiB.
pub const DEFAULT_MAX_INPUT_BYTES: usize = 1024 * 1024;
/// Default cap on JSON nesting depth.
pub const DEFAULT_MAX_DEPTH: usize = 64;
/// Default cap on a decompressed status list: 2 MiB (16,777,216 entries, 128 times the
/// minimum list).
pub const DEFAULT_MAX_STATUS_LIST_BYTES: usize = 2 * 1024 * 1024;
/// Default cap on a baked badge image: 8 MiB.
pub const DEFAULT_MAX_IMAGE_BYTES: usize = 8 * 1024 * 1024;
/// Default cap on a baked badge image's pixels: 4,194,304 (2048 × 2048).
pub const DEFAULT_MAX_IMAGE_PIXELS: u64 = 2048 * 2048;

/// Limits applied to input before it is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest input read, in bytes.
    pub max_input_bytes: usize,
    /// The deepest JSON nesting read.
    pub max_depth: usize,
    /// Largest status list bitstring accepted after decompression (gzip bombs stop here).
    pub max_status_list_bytes: usize,
    /// Largest baked badge image accepted (PNG or SVG bytes).
    pub max_image_bytes: usize,
    /// Most pixels (width × height) a baked PNG may declare.
    pub max_image_pixels: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: DEFAULT_MAX_INPUT_BYTES,
            max_depth: DEFAULT_MAX_DEPTH,
            max_status_list_bytes: DEFAULT_MAX_STATUS_LIST_BYTES,
            max_image_bytes: DEFAULT_MAX_IMAGE_BYTES,
            max_image_pixels: DEFAULT_MAX_IMAGE_PIXELS,
        }
    }
}

/// Parses `bytes` as one JSON object, refusing oversized, non-UTF-8, too deep or non-object input.
pub fn parse_json_object(bytes: &[u8], limits: &Limits) -> Result<Map<String, Value>, Error> {
    if bytes.len() > limits.max_input_bytes {
        return Err(Error::InputTooLarge {
            size: bytes.len(),
            limit: limits.max_input_bytes,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| Error::InvalidUtf8(e.valid_up_to()))?;
    let text = text.trim_start_matches('\u{feff}');
    if text.trim().is_empty() {
        return Err(Error::EmptyInput);
    }
    check_depth(text, limits.max_depth)?;
    let value: Value = serde_json::from_str(text).map_err(|e| Error::InvalidJson(e.to_string()))?;
    match value {
        Value::Object(map) => Ok(map),
        Value::Array(_) => Err(Error::NotAnObject("array")),
        Value::String(_) => Err(Error::NotAnObject("string")),
        Value::Number(_) => Err(Error::NotAnObject("number")),
        Value::Bool(_) => Err(Error::NotAnObject("boolean")),
        Value::Null => Err(Error::NotAnObject("null")),
    }
}

/// Counts bracket depth outside strings, before serde_json recurses into the text.
fn check_depth(text: &str, max_depth: usize) -> Result<(), Error> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for b in text.bytes() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max_depth {
                    return Err(Error::TooDeep(max_depth));
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &[u8]) -> Result<Map<String, Value>, Error> {
        parse_json_object(s, &Limits::default())
    }

    #[test]
    fn refuses_bad_input_with_its_code() {
        let deep = format!("{}{}", "[".repeat(65), "]".repeat(65));
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (b"{".to_vec(), "invalid_json"),
            (b"[1,2]".to_vec(), "not_an_object"),
            (b"\"x\"".to_vec(), "not_an_object"),
            (b"  ".to_vec(), "empty_input"),
            (vec![b'{', 0xff, b'}'], "invalid_utf8"),
            (deep.into_bytes(), "too_deep"),
            (vec![b' '; DEFAULT_MAX_INPUT_BYTES + 1], "input_too_large"),
        ];
        for (input, code) in cases {
            let err = parse(&input).err().map(|e| e.code());
            assert_eq!(
                err,
                Some(code),
                "input starting {:?}",
                &input[..input.len().min(8)]
            );
        }
    }

    #[test]
    fn depth_ignores_brackets_inside_strings() {
        let s = format!("{{\"a\": \"{}\\\"\"}}", "[".repeat(100));
        assert!(parse(s.as_bytes()).is_ok());
        let nested = format!(
            "{}{}",
            "{\"a\":".repeat(64),
            "1".to_owned() + &"}".repeat(64)
        );
        assert!(parse(nested.as_bytes()).is_ok());
    }
}

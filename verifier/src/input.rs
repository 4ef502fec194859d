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
    let value = parse_unique(text)?;
    match value {
        Value::Object(map) => Ok(map),
        Value::Array(_) => Err(Error::NotAnObject("array")),
        Value::String(_) => Err(Error::NotAnObject("string")),
        Value::Number(_) => Err(Error::NotAnObject("number")),
        Value::Bool(_) => Err(Error::NotAnObject("boolean")),
        Value::Null => Err(Error::NotAnObject("null")),
    }
}

/// Parses JSON whose objects name each member once. RFC 8259 §4 says names SHOULD be unique and
/// leaves a repeated one to the parser (serde_json keeps the last); I-JSON (RFC 7493 §2.3) says
/// MUST. A signature checked over one reading and a page showing another is a known attack, so a
/// repeated name (after unescaping: `"a"` and `"\u0061"` are the same) is refused.
fn parse_unique(text: &str) -> Result<Value, Error> {
    use serde::de::DeserializeSeed;
    let repeated = std::cell::RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = UniqueMembers(&repeated)
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    match (parsed, repeated.into_inner()) {
        (_, Some(name)) => Err(Error::DuplicateKey(name)),
        (Ok(value), None) => Ok(value),
        (Err(e), None) => Err(Error::InvalidJson(e.to_string())),
    }
}

/// Builds a [`Value`] as serde_json does, noting the first member name an object repeats.
#[derive(Clone, Copy)]
struct UniqueMembers<'a>(&'a std::cell::RefCell<Option<String>>);

impl<'de> serde::de::DeserializeSeed<'de> for UniqueMembers<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for UniqueMembers<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            if members.contains_key(&name) {
                let message = format!("the member name {name:?} is repeated");
                *self.0.borrow_mut() = Some(name);
                return Err(serde::de::Error::custom(message));
            }
            let value = map.next_value_seed(self)?;
            members.insert(name, value);
        }
        Ok(Value::Object(members))
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
    fn unique_names_parse_as_serde_json_parses_them() {
        let text =
            r#"{"a":[1,-2,3.5,1e300,"x",true,null,{"b":{}}],"c":{"a":1},"d":18446744073709551615}"#;
        let ours = parse(text.as_bytes())
            .map(Value::Object)
            .map_err(|e| e.code());
        let theirs = serde_json::from_str::<Value>(text).expect("serde_json reads it");
        assert_eq!(ours, Ok(theirs));
        // The same name in different objects is no repetition.
        assert!(parse(br#"{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}"#).is_ok());
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
            (br#"{"a":1,"a":2}"#.to_vec(), "duplicate_key"),
            (br#"{"x":[{"id":"a","id":"b"}]}"#.to_vec(), "duplicate_key"),
            // The same name once unescaped.
            (br#"{"a":1,"\u0061":2}"#.to_vec(), "duplicate_key"),
            (br#"{"a":1} {"b":2}"#.to_vec(), "invalid_json"),
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

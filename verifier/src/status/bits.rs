//! Status list bitstrings (BSL v1.0 §2.1, §3.2; StatusList2021 §2.1): decoding with a size
//! cap against compression bombs, and encoding.

use std::io::{Read, Write};

use base64::Engine;

/// BSL v1.0 §2.1 (and StatusList2021 §2.1): a list holds at least 131,072 entries (16 KiB), so
/// that one credential hides among many (herd privacy).
pub const MIN_STATUS_LIST_BITS: usize = 131_072;

/// A status bitstring: bit 0 is the most significant bit of byte 0 (BSL v1.0 §3.1).
#[derive(Clone, PartialEq, Eq)]
pub struct StatusBits {
    bytes: Vec<u8>,
}

impl std::fmt::Debug for StatusBits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatusBits")
            .field("len", &self.len())
            .field("set", &self.count_set())
            .finish()
    }
}

/// Why an `encodedList` could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StatusListDecodeError {
    /// Not multibase base64url (`u…`), or not base64 at all.
    #[error("the encoded list is not multibase base64url")]
    Encoding,
    /// The bytes are not a gzip stream.
    #[error("the encoded list is not gzip data")]
    Compression,
    /// The decompressed list is over the cap (a decompression bomb is refused here).
    #[error("the decompressed list is over {0} bytes")]
    TooLarge(usize),
}

impl StatusListDecodeError {
    /// The stable code of this failure.
    pub fn code(&self) -> &'static str {
        match self {
            StatusListDecodeError::Encoding => "status_list_encoding",
            StatusListDecodeError::Compression => "status_list_compression",
            StatusListDecodeError::TooLarge(_) => "status_list_too_large",
        }
    }
}

impl StatusBits {
    /// A list of `len` entries, all clear. `len` is rounded up to whole bytes.
    pub fn new(len: usize) -> Self {
        StatusBits {
            bytes: vec![0; len.div_ceil(8)],
        }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.bytes.len() * 8
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The entry at `index`, or `None` past the end.
    pub fn get(&self, index: usize) -> Option<bool> {
        let byte = self.bytes.get(index / 8)?;
        Some(byte & (0x80 >> (index % 8)) != 0)
    }

    /// Sets or clears the entry at `index`; false when it is past the end.
    pub fn set(&mut self, index: usize, value: bool) -> bool {
        let Some(byte) = self.bytes.get_mut(index / 8) else {
            return false;
        };
        let mask = 0x80 >> (index % 8);
        if value {
            *byte |= mask;
        } else {
            *byte &= !mask;
        }
        true
    }

    /// How many entries are set.
    pub fn count_set(&self) -> usize {
        self.bytes.iter().map(|b| b.count_ones() as usize).sum()
    }

    /// BSL v1.0 §3.1 (generate algorithm): GZIP-compress, then multibase base64url without
    /// padding (`u…`).
    pub fn encode(&self) -> String {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        // Writing into a Vec cannot fail.
        let _ = gz.write_all(&self.bytes);
        let compressed = gz.finish().unwrap_or_default();
        format!(
            "u{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(compressed)
        )
    }

    /// BSL v1.0 §3.2 (validate algorithm) step "expand": multibase base64url, then GZIP, refusing
    /// anything that decompresses to more than `max_bytes`.
    pub fn decode(encoded: &str, max_bytes: usize) -> Result<Self, StatusListDecodeError> {
        let b64 = encoded
            .strip_prefix('u')
            .ok_or(StatusListDecodeError::Encoding)?;
        Self::decode_base64(b64, max_bytes)
    }

    /// StatusList2021 §2.1: `encodedList` is base64 (commonly base64url) of the GZIP bytes, with
    /// no multibase prefix.
    pub(super) fn decode_2021(
        encoded: &str,
        max_bytes: usize,
    ) -> Result<Self, StatusListDecodeError> {
        Self::decode_base64(encoded, max_bytes)
    }

    fn decode_base64(text: &str, max_bytes: usize) -> Result<Self, StatusListDecodeError> {
        use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
        let text = text.trim_end_matches('=');
        let compressed = URL_SAFE_NO_PAD
            .decode(text)
            .or_else(|_| STANDARD_NO_PAD.decode(text))
            .map_err(|_| StatusListDecodeError::Encoding)?;
        let mut bytes = Vec::new();
        let cap = (max_bytes as u64).saturating_add(1);
        flate2::read::GzDecoder::new(&compressed[..])
            .take(cap)
            .read_to_end(&mut bytes)
            .map_err(|_| StatusListDecodeError::Compression)?;
        if bytes.len() > max_bytes {
            return Err(StatusListDecodeError::TooLarge(max_bytes));
        }
        Ok(StatusBits { bytes })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_zero_is_the_most_significant_bit_of_byte_zero() {
        let mut bits = StatusBits::new(16);
        bits.set(0, true);
        bits.set(9, true);
        assert_eq!(bits.bytes, vec![0x80, 0x40]);
        assert_eq!(bits.get(0), Some(true));
        assert_eq!(bits.get(1), Some(false));
        assert_eq!(bits.get(9), Some(true));
        assert_eq!(bits.get(16), None);
        assert!(!bits.set(16, true));
        bits.set(0, false);
        assert_eq!(bits.get(0), Some(false));
        assert_eq!(bits.count_set(), 1);
    }

    #[test]
    fn encode_and_decode_round_trip() {
        let mut bits = StatusBits::new(MIN_STATUS_LIST_BITS);
        for i in [0, 7, 8, 12_345, MIN_STATUS_LIST_BITS - 1] {
            bits.set(i, true);
        }
        let text = bits.encode();
        assert!(text.starts_with("uH4sI"), "{text}");
        let back = StatusBits::decode(&text, 1 << 20).expect("decodes");
        assert_eq!(back, bits);
        // StatusList2021 carries the same bytes without the multibase prefix.
        assert_eq!(StatusBits::decode_2021(&text[1..], 1 << 20), Ok(bits));
    }

    #[test]
    fn bad_encodings_and_bombs_are_refused_with_their_codes() {
        assert_eq!(
            StatusBits::decode("zH4sI", 1024).map_err(|e| e.code()),
            Err("status_list_encoding")
        );
        assert_eq!(
            StatusBits::decode("u!!!", 1024).map_err(|e| e.code()),
            Err("status_list_encoding")
        );
        assert_eq!(
            StatusBits::decode("uAAAA", 1024).map_err(|e| e.code()),
            Err("status_list_compression")
        );
        // 16 MiB of zeros compress to ~16 KiB; the cap stops decompression at 1 MiB + 1.
        let bomb = StatusBits::new(16 * 1024 * 1024 * 8).encode();
        assert!(bomb.len() < 50_000, "{}", bomb.len());
        assert_eq!(
            StatusBits::decode(&bomb, 1024 * 1024).map_err(|e| e.code()),
            Err("status_list_too_large")
        );
    }
}

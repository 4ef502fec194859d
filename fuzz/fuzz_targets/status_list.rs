//! A status list's `encodedList` (multibase base64url of GZIP), decoded under the 2 MiB cap.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(encoded) = std::str::from_utf8(data) {
        let _ = cairn_verifier::StatusBits::decode(encoded, 2 * 1024 * 1024);
    }
});

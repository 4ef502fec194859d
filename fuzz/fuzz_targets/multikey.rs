//! A Multikey `publicKeyMultibase` (and so a did:key identifier).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = cairn_verifier::decode_ed25519_multikey(text);
    }
});

//! A photo of a QR code, as the verifier page's camera field uploads it (JPEG or PNG decoded
//! within limits, searched for QR codes, the content classified).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = cairn_verify::qr_in_photo(data);
});

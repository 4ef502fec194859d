//! A roster CSV for bulk issuing, read into issue requests.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = cairn_issuer::bulk::parse_roster(data);
});

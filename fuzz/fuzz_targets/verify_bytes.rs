//! `verify()` on raw bytes: JSON, compact JWS, baked PNG and SVG.
#![no_main]
libfuzzer_sys::fuzz_target!(init: cairn_fuzz::tolerate_guarded_panics(), |data: &[u8]| cairn_fuzz::verify_with(data, &[]));

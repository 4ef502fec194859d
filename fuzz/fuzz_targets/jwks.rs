//! A JWK Set, as fetched for a VC-JWT whose `kid` names the issuer's key list.
#![no_main]
libfuzzer_sys::fuzz_target!(init: cairn_fuzz::tolerate_guarded_panics(), |data: &[u8]| {
    cairn_fuzz::verify_with(
        cairn_fuzz::vector!("valid/jwt-rs256-jwks.jwt"),
        &[("https://credentials.springfield.example/.well-known/jwks.json", data)],
    )
});

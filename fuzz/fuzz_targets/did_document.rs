//! A did:web DID document, as fetched for a credential signed by a did:web issuer.
#![no_main]
libfuzzer_sys::fuzz_target!(init: cairn_fuzz::tolerate_guarded_panics(), |data: &[u8]| {
    cairn_fuzz::verify_with(
        cairn_fuzz::vector!("valid/did-web.json"),
        &[("https://credentials.springfield.example/.well-known/did.json", data)],
    )
});

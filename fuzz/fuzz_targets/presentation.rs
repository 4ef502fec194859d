//! A verifiable presentation as JSON, with its embedded credentials.
#![no_main]
libfuzzer_sys::fuzz_target!(init: cairn_fuzz::tolerate_guarded_panics(), |data: &[u8]| {
    let options = cairn_fuzz::options();
    if let Ok(vp) = cairn_verifier::parse_json_object(data, &options.limits) {
        let asked = cairn_verifier::PresentationOptions::default();
        let resolver = cairn_verifier::OfflineResolver::new();
        let _ = pollster::block_on(cairn_verifier::verify_presentation(
            &vp, &asked, &options, &resolver,
        ));
    }
});

//! What the fuzz targets share: the golden vectors' instant and a verification of bytes against
//! documents held in memory (nothing is fetched).

use cairn_verifier::{OfflineResolver, VerifyOptions};

/// libFuzzer counts every panic as a crash, even one the code catches. The JSON-LD stack's IRI
/// library (pct-str) panics on some percent-escapes; the general canonicaliser catches that
/// panic and refuses the document (`json_ld_invalid`), and refuses the escapes it can foresee
/// before they get there. So a panic raised in pct-str unwinds to that guard; any other panic
/// aborts as before, and a pct-str panic outside the guard still reaches libfuzzer-sys's own
/// catch, which aborts.
pub fn tolerate_guarded_panics() {
    let abort = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.location().is_some_and(|l| l.file().contains("/pct-str-")) {
            return;
        }
        abort(info);
    }));
}

/// The instant the golden vectors are judged at.
pub fn options() -> VerifyOptions {
    VerifyOptions::new("2026-06-01T12:00:00Z".parse().expect("instant"))
}

/// Verifies `input` with `docs` (URL → body) as the only documents there are. Every outcome,
/// report or refusal, is fine; a panic or a hang is the finding.
pub fn verify_with(input: &[u8], docs: &[(&str, &[u8])]) {
    let mut resolver = OfflineResolver::new();
    for (url, body) in docs {
        resolver.insert(url, body.to_vec());
    }
    let _ = pollster::block_on(cairn_verifier::verify(input, &options(), &resolver));
}

/// A golden vector's bytes, compiled in.
#[macro_export]
macro_rules! vector {
    ($path:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/", $path))
    };
}

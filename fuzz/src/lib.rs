//! What the fuzz targets share: the golden vectors' instant and a verification of bytes against
//! documents held in memory (nothing is fetched).

use cairn_verifier::{OfflineResolver, VerifyOptions};

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

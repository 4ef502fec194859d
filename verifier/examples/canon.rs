//! Prints the canonical N-Quads (RDFC-1.0, general path, compiled-in contexts) of a JSON-LD file.
//! Run: `cargo run -p cairn-verifier --example canon -- FILE`.

use cairn_verifier::{Canonicalizer, GeneralCanonicalizer};

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: canon FILE");
        std::process::exit(3);
    };
    let doc: serde_json::Value = match std::fs::read_to_string(&path)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str(&t).map_err(|e| e.to_string()))
    {
        Ok(v) => v,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(3);
        }
    };
    match GeneralCanonicalizer::default().canonicalize(&doc) {
        Ok(nq) => print!("{nq}"),
        Err(e) => {
            eprintln!("{}: {e}", e.code());
            std::process::exit(1);
        }
    }
}

//! What every subcommand shares: the audit actor and printing or writing results.

use std::path::Path;

use cairn_issuer::{Actor, Error};

pub(crate) fn actor() -> Actor {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned());
    Actor(format!("cli:{user}"))
}

pub(crate) fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

pub(crate) fn print_json(v: &serde_json::Value) {
    println!("{}", pretty(v));
}

/// Writes `text` to `out` (saying so on stderr), or prints it.
pub(crate) fn write_or_print(out: Option<&Path>, text: &str) -> Result<(), Error> {
    match out {
        Some(path) => {
            std::fs::write(path, format!("{text}\n"))
                .map_err(|e| Error::Io(path.to_path_buf(), e.to_string()))?;
            eprintln!("wrote {}", path.display());
        }
        None => println!("{text}"),
    }
    Ok(())
}

//! `cairn did-document`, `cairn jwks` and `cairn key add|rotate`: the issuer's published keys.

use std::path::PathBuf;

use cairn_issuer::{Error, Issuer};
use clap::{Args, Subcommand};

use crate::output::{actor, print_json};

#[derive(Args)]
pub(crate) struct ConfigArg {
    /// Path to the issuer's cairn.toml.
    #[arg(long)]
    config: PathBuf,
}

#[derive(Subcommand)]
pub(crate) enum KeyCommand {
    /// Add a key to an existing issuer (an RSA-2048 key for RS256 VC-JWT).
    Add {
        #[arg(long)]
        config: PathBuf,
        #[arg(long = "type", value_enum)]
        kind: KeyType,
    },
    /// Make a new Ed25519 signing key; the old one is retired but stays published.
    Rotate {
        #[arg(long)]
        config: PathBuf,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum KeyType {
    Rsa,
}

/// `cairn did-document`.
pub(crate) async fn did_document(ConfigArg { config }: ConfigArg) -> Result<(), Error> {
    let issuer = Issuer::open(&config).await?;
    print_json(&issuer.did_document().await?);
    Ok(())
}

/// `cairn jwks`.
pub(crate) async fn jwks(ConfigArg { config }: ConfigArg) -> Result<(), Error> {
    let issuer = Issuer::open(&config).await?;
    print_json(&issuer.jwks().await?);
    Ok(())
}

/// `cairn key add|rotate`.
pub(crate) async fn key(command: KeyCommand) -> Result<(), Error> {
    match command {
        KeyCommand::Add {
            config,
            kind: KeyType::Rsa,
        } => {
            let mut issuer = Issuer::open(&config).await?;
            let vm = issuer.add_rsa_key(&actor()).await?;
            println!("{vm}");
            eprintln!("added an RSA-2048 key; republish the DID document (cairn did-document)");
            Ok(())
        }
        KeyCommand::Rotate { config } => {
            let issuer = Issuer::open(&config).await?;
            let vm = issuer.rotate_signing_key(&actor()).await?;
            println!("{vm}");
            eprintln!("new signing key in use; republish the DID document (cairn did-document)");
            Ok(())
        }
    }
}

//! `cairn token create|revoke|list`: API tokens for the service.

use std::path::PathBuf;

use cairn_issuer::{Error, Issuer, Scope};
use clap::Subcommand;

use crate::output::actor;

#[derive(Subcommand)]
pub(crate) enum TokenCommand {
    /// Create a token; its secret is printed once and only a hash is kept.
    Create {
        #[arg(long)]
        config: PathBuf,
        /// A scope the token holds: issue, revoke, read or admin (repeatable).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// Who or what uses the token (e.g. "LMS integration").
        #[arg(long)]
        name: String,
    },
    /// Revoke a token by id.
    Revoke {
        #[arg(long)]
        config: PathBuf,
        id: String,
    },
    /// List tokens (ids, names, scopes; never secrets).
    List {
        #[arg(long)]
        config: PathBuf,
    },
}

/// `cairn token create|revoke|list`.
pub(crate) async fn run(command: TokenCommand) -> Result<(), Error> {
    match command {
        TokenCommand::Create {
            config,
            scopes,
            name,
        } => {
            let issuer = Issuer::open(&config).await?;
            let scopes = scopes
                .iter()
                .map(|s| Scope::parse(s))
                .collect::<Result<Vec<_>, _>>()?;
            let (id, secret) = issuer.create_token(&name, &scopes, &actor()).await?;
            println!("{secret}");
            eprintln!("created token {id}; this is the only time its secret is shown");
            Ok(())
        }
        TokenCommand::Revoke { config, id } => {
            let issuer = Issuer::open(&config).await?;
            issuer.revoke_token(&id, &actor()).await?;
            eprintln!("revoked token {id}");
            Ok(())
        }
        TokenCommand::List { config } => {
            let issuer = Issuer::open(&config).await?;
            for t in issuer.store().tokens().await? {
                let state = if t.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!("{}  {:<8} {:<24} {}", t.id, state, t.scopes, t.name);
            }
            Ok(())
        }
    }
}

//! `cairn sign-registry`: a trust registry this issuer publishes, signed.

use std::path::PathBuf;

use cairn_issuer::{Error, Issuer};
use clap::Args;

use crate::output::{actor, pretty, write_or_print};

#[derive(Args)]
pub(crate) struct SignRegistryArgs {
    #[arg(long)]
    config: PathBuf,
    /// The registry document (schemas/trust-registry.schema.json) whose publisher is this issuer.
    registry: PathBuf,
    /// Days the signed registry stays valid (verifiers ignore it afterwards).
    #[arg(long, default_value_t = 365)]
    valid_days: i64,
    /// Write the signed registry here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// `cairn sign-registry`.
pub(crate) async fn run(args: SignRegistryArgs) -> Result<(), Error> {
    let issuer = Issuer::open(&args.config).await?;
    let bytes = std::fs::read(&args.registry).map_err(|e| {
        Error::input(
            "registry",
            format!("cannot read {}: {e}", args.registry.display()),
        )
    })?;
    let now = issuer.now();
    let until = now + chrono::Duration::days(args.valid_days.max(1));
    let signed = issuer
        .sign_trust_registry(&bytes, Some(until), now, &actor())
        .await?;
    write_or_print(args.out.as_deref(), &pretty(&signed))?;
    Ok(())
}

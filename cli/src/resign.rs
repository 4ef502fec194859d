//! `cairn resign-control-characters`: re-signing credentials signed over the old N-Quads escaping.

use std::path::PathBuf;

use cairn_issuer::{Error, Issuer};
use clap::Args;

use crate::output::actor;

#[derive(Args)]
pub(crate) struct ResignArgs {
    /// Path to the issuer's cairn.toml.
    #[arg(long)]
    config: PathBuf,
    /// Only list the credentials that would be re-signed.
    #[arg(long)]
    dry_run: bool,
}

/// `cairn resign-control-characters`.
pub(crate) async fn run(args: ResignArgs) -> Result<(), Error> {
    let issuer = Issuer::open(&args.config).await?;
    let report = issuer
        .resign_control_characters(args.dry_run, issuer.now(), &actor())
        .await?;
    let verb = if args.dry_run {
        "would re-sign"
    } else {
        "re-signed"
    };
    for id in &report.resigned {
        println!("{verb} {id}");
    }
    for id in &report.jwt_needs_reissue {
        println!("re-issue {id} (VC-JWT with an embedded proof that no longer verifies)");
    }
    eprintln!(
        "{} credential(s) read, {} {verb}, {} to re-issue",
        report.scanned,
        report.resigned.len(),
        report.jwt_needs_reissue.len()
    );
    Ok(())
}

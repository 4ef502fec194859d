//! `cairn offer` and `cairn claim-status`: sending a credential to a wallet.

use std::path::PathBuf;

use cairn_issuer::{Error, Issuer};
use clap::Args;

use crate::output::actor;

#[derive(Args)]
pub(crate) struct OfferArgs {
    #[arg(long)]
    config: PathBuf,
    /// The stored credential's id.
    credential_id: String,
    /// Also require a 6-digit transaction code (printed apart from the QR codes) in the
    /// OpenID4VCI flow: for offers shown on a shared screen.
    #[arg(long)]
    tx_code: bool,
    /// Write the two QR codes as SVG files into this directory.
    #[arg(long, value_name = "DIR")]
    qr_dir: Option<PathBuf>,
    /// Print the offer as JSON instead.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub(crate) struct ClaimStatusArgs {
    #[arg(long)]
    config: PathBuf,
    /// The claim session id `cairn offer` printed.
    session_id: String,
}

/// `cairn offer`.
pub(crate) async fn offer(args: OfferArgs) -> Result<(), Error> {
    let issuer = Issuer::open(&args.config).await?;
    let offer = issuer
        .create_claim(&args.credential_id, args.tx_code, issuer.now(), &actor())
        .await?;
    if let Some(dir) = &args.qr_dir {
        std::fs::create_dir_all(dir).map_err(|e| Error::Io(dir.clone(), e.to_string()))?;
        for (name, link) in [
            ("oid4vci.svg", &offer.oid4vci_link),
            ("lcw.svg", &offer.lcw_link),
        ] {
            let path = dir.join(name);
            std::fs::write(&path, cairn_issuer::qr_svg(link)?)
                .map_err(|e| Error::Io(path.clone(), e.to_string()))?;
        }
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&offer).unwrap_or_default()
        );
        return Ok(());
    }
    println!(
        "Claim session {} (valid until {})\n",
        offer.session_id, offer.expires_at
    );
    println!("OpenID4VCI wallets (walt.id, Sphereon, …): scan\n");
    println!("{}", cairn_issuer::qr_text(&offer.oid4vci_link)?);
    println!("{}\n", offer.oid4vci_link);
    println!("Learner Credential Wallet: scan\n");
    println!("{}", cairn_issuer::qr_text(&offer.lcw_link)?);
    println!("{}\n", offer.lcw_link);
    if let Some(code) = &offer.tx_code {
        println!("Transaction code (tell the holder; do not show it with the QR code): {code}\n");
    }
    println!(
        "Check the claim with: cairn claim-status --config {} {}",
        args.config.display(),
        offer.session_id
    );
    Ok(())
}

/// `cairn claim-status`.
pub(crate) async fn claim_status(args: ClaimStatusArgs) -> Result<(), Error> {
    let issuer = Issuer::open(&args.config).await?;
    let state = issuer.claim_state(&args.session_id, issuer.now()).await?;
    println!(
        "{}",
        serde_json::to_string_pretty(&state).unwrap_or_default()
    );
    Ok(())
}

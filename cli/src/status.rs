//! `cairn revoke|suspend|reinstate` and `cairn status-list`: credential status and the published lists.

use std::path::PathBuf;

use cairn_issuer::{Error, Issuer, StatusAction};
use clap::Args;

use crate::output::{actor, pretty, write_or_print};

#[derive(Args)]
pub(crate) struct StatusArgs {
    #[arg(long)]
    config: PathBuf,
    /// The credential: its id, its page link or the last part of it, its share code or share
    /// link.
    credential_id: String,
    /// Why (kept in the audit log; never published).
    #[arg(long)]
    reason: Option<String>,
}

#[derive(Args)]
pub(crate) struct StatusListArgs {
    #[arg(long)]
    config: PathBuf,
    /// The list's URL (as in a credential's statusListCredential). Without it, lists every
    /// status list.
    url: Option<String>,
    /// Write the signed list here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// `cairn revoke|suspend|reinstate`.
pub(crate) async fn change_status(args: StatusArgs, action: StatusAction) -> Result<(), Error> {
    let issuer = Issuer::open(&args.config).await?;
    let id = issuer.find_credential(&args.credential_id).await?;
    let change = issuer
        .change_status(&id, action, args.reason.as_deref(), &actor())
        .await?;
    let note = if change.changed_lists.is_empty() {
        " (unchanged)"
    } else {
        ""
    };
    println!("{id} {}{note}", change.state.name());
    for list in &change.changed_lists {
        eprintln!("re-published {list}");
    }
    Ok(())
}

/// `cairn status-list`.
pub(crate) async fn list(args: StatusListArgs) -> Result<(), Error> {
    let issuer = Issuer::open(&args.config).await?;
    match &args.url {
        Some(url) => {
            let list = issuer.current_status_list(url, issuer.now()).await?;
            let doc: serde_json::Value =
                serde_json::from_str(&list.json).map_err(|e| Error::Database(e.to_string()))?;
            write_or_print(args.out.as_deref(), &pretty(&doc))?;
        }
        None => {
            for l in issuer.store().status_lists().await? {
                println!(
                    "{:<11} {:>3}  {:>7} entries  version {:<4} valid until {}  {}",
                    l.purpose,
                    l.seq,
                    l.size,
                    l.version,
                    l.valid_until.as_deref().unwrap_or("-"),
                    l.id
                );
            }
        }
    }
    Ok(())
}

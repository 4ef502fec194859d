//! `cairn evidence …`: the jobs evidence review needs on a schedule — deleting files past their
//! retention period, and reminding reviewers of reviews due soon.

use std::path::PathBuf;

use cairn_issuer::{Error, Issuer};
use clap::Subcommand;

use crate::output::actor;

#[derive(Subcommand)]
pub(crate) enum EvidenceCommand {
    /// Delete the files of submissions decided or withdrawn more than `evidence.retention_days`
    /// ago (decisions, scores, feedback and the files' SHA-256 stay). Run it daily.
    Purge {
        #[arg(long)]
        config: PathBuf,
    },
    /// Email the reviewers of reviews due within two days (at most once a day each). Run it daily.
    Remind {
        #[arg(long)]
        config: PathBuf,
    },
}

/// `cairn evidence …`.
pub(crate) async fn run(command: EvidenceCommand) -> Result<(), Error> {
    match command {
        EvidenceCommand::Purge { config } => {
            let issuer = Issuer::open(&config).await?;
            let n = issuer.purge_evidence(&actor()).await?;
            let days = issuer.config().config.evidence.retention_days;
            println!("deleted {n} evidence file(s) decided more than {days} days ago");
            Ok(())
        }
        EvidenceCommand::Remind { config } => {
            let issuer = Issuer::open(&config).await?;
            let n = issuer.send_review_reminders().await?;
            issuer.flush_notifications().await;
            println!("reminded {n} review(s)");
            Ok(())
        }
    }
}

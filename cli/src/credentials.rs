//! `cairn credentials list|show`: finding issued credentials by recipient, achievement and date,
//! and showing one named by its id, page link, share code or share link.

use std::path::PathBuf;

use cairn_issuer::{CredentialQuery, Error, Issuer};
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Subcommand)]
pub(crate) enum CredentialsCommand {
    /// Issued credentials, oldest first: all, or those of one recipient, achievement or period.
    List(ListArgs),
    /// One credential, named by its id, page link, share code or share link: its document and
    /// status.
    Show(ShowArgs),
}

#[derive(Args)]
pub(crate) struct ListArgs {
    #[arg(long)]
    config: PathBuf,
    /// The recipient's email (matched by its hash; emails are not stored).
    #[arg(long)]
    recipient: Option<String>,
    /// An achievement's slug or id.
    #[arg(long)]
    achievement: Option<String>,
    /// A part of the recipient's name as the credential states it (any case).
    #[arg(long)]
    name: Option<String>,
    /// Issued at or after this instant (RFC 3339).
    #[arg(long)]
    from: Option<DateTime<Utc>>,
    /// Issued before this instant (RFC 3339).
    #[arg(long)]
    before: Option<DateTime<Utc>>,
    /// At most this many (all when not given).
    #[arg(long)]
    limit: Option<usize>,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub(crate) struct ShowArgs {
    #[arg(long)]
    config: PathBuf,
    /// The credential's id, its page link or the last part of it, its share code or share link.
    credential: String,
    /// The credential document only, as JSON.
    #[arg(long)]
    json: bool,
}

pub(crate) async fn run(command: CredentialsCommand) -> Result<(), Error> {
    match command {
        CredentialsCommand::List(args) => list(args).await,
        CredentialsCommand::Show(args) => show(args).await,
    }
}

async fn list(args: ListArgs) -> Result<(), Error> {
    let issuer = Issuer::open(&args.config).await?;
    let mut query = CredentialQuery {
        recipient_email: args.recipient,
        achievement: args.achievement,
        recipient_name: args.name,
        issued_from: args.from,
        issued_before: args.before,
        cursor: None,
        limit: cairn_issuer::MAX_PAGE,
    };
    let mut shown = 0;
    if !args.json {
        println!(
            "{:<22} {:<10} {:<38} credential",
            "issued", "status", "achievement"
        );
    }
    // Page through the search; stop at --limit.
    'pages: loop {
        let page = issuer.search_credentials(&query).await?;
        for c in &page.credentials {
            if args.limit.is_some_and(|l| shown >= l) {
                break 'pages;
            }
            shown += 1;
            if args.json {
                let line = json!({"id": c.id, "achievementId": c.achievement_id,
                    "issuedAt": c.issued_at, "status": c.status});
                println!("{line}");
            } else {
                println!(
                    "{:<22} {:<10} {:<38} {}",
                    c.issued_at, c.status, c.achievement_id, c.id
                );
            }
        }
        match page.next_cursor {
            Some(next) => query.cursor = Some(next),
            None => break,
        }
    }
    eprintln!("{shown} credential(s)");
    Ok(())
}

async fn show(args: ShowArgs) -> Result<(), Error> {
    let issuer = Issuer::open(&args.config).await?;
    let id = issuer.find_credential(&args.credential).await?;
    let document = issuer
        .store()
        .credential(&id)
        .await?
        .ok_or_else(|| Error::CredentialNotFound(id.clone()))?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&document).unwrap_or_default()
        );
        return Ok(());
    }
    // The status the public page shows (status bits, then the validity dates).
    let status = match issuer.live_status(&id, &document, issuer.now()).await? {
        cairn_issuer::LiveStatus::Valid => "active",
        other => other.code(),
    };
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("—").to_owned();
    println!("id:          {id}");
    println!(
        "achievement: {}",
        text(&document["credentialSubject"]["achievement"]["name"])
    );
    println!("valid from:  {}", text(&document["validFrom"]));
    if let Some(until) = document.get("validUntil") {
        println!("valid until: {}", text(until));
    }
    println!("status:      {status}");
    if let Some(url) = &issuer.config().config.issuer.url {
        if let Some(key) = id.rsplit(['/', ':']).next() {
            println!(
                "page:        {}/credentials/{key}",
                url.trim_end_matches('/')
            );
        }
    }
    Ok(())
}

//! `cairn user add|list|role|remove`: the people who may sign in to the staff console, and
//! their roles (the permission table is in docs/console.md).

use std::path::PathBuf;

use cairn_issuer::{Error, Issuer, Role};
use clap::Subcommand;

use crate::output::actor;

#[derive(Subcommand)]
pub(crate) enum UserCommand {
    /// Add a member of staff (the first administrator, say: --role admin).
    Add {
        #[arg(long)]
        config: PathBuf,
        /// admin, staff, reviewer, auditor or teacher.
        #[arg(long)]
        role: String,
        /// Their name, to greet them by.
        #[arg(long)]
        name: Option<String>,
        /// Their email address: the one their identity provider (or a sign-in link) proves.
        email: String,
    },
    /// List the staff, with their roles (and who was removed).
    List {
        #[arg(long)]
        config: PathBuf,
    },
    /// Give a member another role.
    Role {
        #[arg(long)]
        config: PathBuf,
        email: String,
        /// admin, staff, reviewer, auditor or teacher.
        role: String,
    },
    /// Remove a member: they can no longer sign in, and their sessions end now.
    Remove {
        #[arg(long)]
        config: PathBuf,
        email: String,
    },
}

/// `cairn user …`.
pub(crate) async fn run(command: UserCommand) -> Result<(), Error> {
    match command {
        UserCommand::Add {
            config,
            role,
            name,
            email,
        } => {
            let issuer = Issuer::open(&config).await?;
            let member = issuer
                .add_staff(&email, name.as_deref(), Role::parse(&role)?, &actor())
                .await?;
            println!("{} {}", member.email, member.role.name());
            Ok(())
        }
        UserCommand::List { config } => {
            let issuer = Issuer::open(&config).await?;
            for m in issuer.staff_members().await? {
                let state = match &m.removed_at {
                    Some(at) => format!("removed {at}"),
                    None => "active".to_owned(),
                };
                println!(
                    "{:<40} {:<9} {:<28} {}",
                    m.email,
                    m.role.name(),
                    state,
                    m.name.as_deref().unwrap_or("")
                );
            }
            Ok(())
        }
        UserCommand::Role {
            config,
            email,
            role,
        } => {
            let issuer = Issuer::open(&config).await?;
            let role = Role::parse(&role)?;
            issuer.set_staff_role(&email, role, &actor()).await?;
            println!("{} {}", email.trim().to_lowercase(), role.name());
            Ok(())
        }
        UserCommand::Remove { config, email } => {
            let issuer = Issuer::open(&config).await?;
            issuer.remove_staff(&email, &actor()).await?;
            eprintln!("removed {}; their sessions have ended", email.trim());
            Ok(())
        }
    }
}

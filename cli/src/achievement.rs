//! `cairn achievement add|archive|list`: the achievements credentials are issued for.

use std::path::{Path, PathBuf};

use cairn_issuer::{AchievementDefinition, Error, Issuer};
use clap::Subcommand;

use crate::output::{actor, print_json};

#[derive(Subcommand)]
pub(crate) enum AchievementCommand {
    /// Add an achievement from a JSON or TOML definition file.
    Add {
        #[arg(long)]
        config: PathBuf,
        /// The definition (schemas/achievement-definition.schema.json).
        file: PathBuf,
    },
    /// Archive an achievement: it can no longer be issued; issued credentials stay valid.
    Archive {
        #[arg(long)]
        config: PathBuf,
        /// Achievement slug or id.
        achievement: String,
    },
    /// List achievements.
    List {
        #[arg(long)]
        config: PathBuf,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// `cairn achievement add|archive|list`.
pub(crate) async fn run(command: AchievementCommand) -> Result<(), Error> {
    match command {
        AchievementCommand::Add { config, file } => {
            let issuer = Issuer::open(&config).await?;
            let def = read_definition(&file)?;
            let stored = issuer.add_achievement(&def, &actor()).await?;
            println!("{}", stored.id);
            eprintln!("added achievement {:?} ({})", def.name(), stored.slug);
            Ok(())
        }
        AchievementCommand::Archive {
            config,
            achievement,
        } => {
            let issuer = Issuer::open(&config).await?;
            issuer.archive_achievement(&achievement, &actor()).await?;
            eprintln!("archived {achievement}");
            Ok(())
        }
        AchievementCommand::List { config, json } => {
            let issuer = Issuer::open(&config).await?;
            let list = issuer.achievements().await?;
            if json {
                let items: Vec<_> = list
                    .iter()
                    .map(|a| serde_json::json!({"slug": a.slug, "archived": a.archived, "achievement": a.achievement}))
                    .collect();
                print_json(&serde_json::Value::Array(items));
            } else {
                for a in &list {
                    let name = a.achievement["name"].as_str().unwrap_or_default();
                    let flag = if a.archived { " (archived)" } else { "" };
                    println!("{:<28} {}{}  {}", a.slug, name, flag, a.id);
                }
            }
            Ok(())
        }
    }
}

pub(crate) fn read_definition(file: &Path) -> Result<AchievementDefinition, Error> {
    let text =
        std::fs::read_to_string(file).map_err(|e| Error::Io(file.to_path_buf(), e.to_string()))?;
    let ext = file.extension().and_then(|e| e.to_str());
    AchievementDefinition::parse(&text, ext)
}

//! `cairn`: the issuer command line. This file parses the command line and dispatches; each
//! subcommand lives in its own module, and `exit.rs` says what every failure exits with.

use std::process::ExitCode;

use cairn_issuer::{Error, StatusAction};
use clap::{Parser, Subcommand};

mod achievement;
mod bake;
mod bulk;
mod credentials;
mod demo;
mod evidence;
mod exit;
mod identity;
mod init;
mod issue;
mod output;
mod registry;
mod resign;
mod serve;
mod status;
mod token;
mod user;
mod wallet;

#[derive(Parser)]
#[command(
    name = "cairn",
    version,
    about = "Issue Open Badges 3.0 micro-credentials"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create an issuer in DIR: cairn.toml, keys/ (0600) and the SQLite database.
    Init(init::InitArgs),
    /// Define achievements.
    #[command(subcommand)]
    Achievement(achievement::AchievementCommand),
    /// Issue a signed credential for an achievement.
    Issue(issue::IssueArgs),
    /// Issue one credential per row of a roster CSV (schemas/roster.schema.json).
    IssueBulk(bulk::BulkArgs),
    /// Print the DID document a did:web issuer publishes at /.well-known/did.json.
    DidDocument(identity::ConfigArg),
    /// Print the issuer's public keys as a JWK Set.
    Jwks(identity::ConfigArg),
    /// Manage signing keys.
    #[command(subcommand)]
    Key(identity::KeyCommand),
    /// Manage API tokens for the admin API.
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Manage the people who may sign in to the staff console (`cairn serve`, /console).
    #[command(subcommand)]
    User(user::UserCommand),
    /// Evidence review's daily jobs: delete files past retention, remind reviewers.
    #[command(subcommand)]
    Evidence(evidence::EvidenceCommand),
    /// Find issued credentials (list) or show one (show).
    #[command(subcommand)]
    Credentials(credentials::CredentialsCommand),
    /// Revoke a credential (final): its bit is set in the issuer's revocation list.
    Revoke(status::StatusArgs),
    /// Suspend a credential (can be lifted with reinstate).
    Suspend(status::StatusArgs),
    /// Lift a suspension.
    Reinstate(status::StatusArgs),
    /// Print a signed status list as published (re-signed when stale), or list them all.
    StatusList(status::StatusListArgs),
    /// Re-sign stored credentials whose text has a control character (a TAB, say) and whose
    /// proof was made before Cairn wrote canonical N-Quads for it; ids and content stay the same.
    ResignControlCharacters(resign::ResignArgs),
    /// Bake a credential (JSON or compact JWS) into a PNG or SVG badge image (OB 3.0 §5.3).
    Bake(bake::BakeArgs),
    /// Sign a trust registry this issuer publishes, as a TrustRegistryCredential.
    SignRegistry(registry::SignRegistryArgs),
    /// Send a stored credential to the recipient's wallet: QR codes and links for OpenID4VCI
    /// and the Learner Credential Wallet (valid 10 minutes, claimed once).
    Offer(wallet::OfferArgs),
    /// Show whether a wallet offer was claimed.
    ClaimStatus(wallet::ClaimStatusArgs),
    /// Run the issuer's HTTP service (admin API, DID document, JWKS, status lists).
    Serve(serve::ServeArgs),
    /// Run the whole flow once with the TEST-ONLY example key: init, define, issue, verify.
    Demo(demo::DemoArgs),
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::Exit::Usage.code()
            } else {
                0
            });
        }
    };
    match run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error[{}]: {e}", e.code());
            ExitCode::from(exit::exit_of(&e).code())
        }
    }
}

async fn run(command: Command) -> Result<(), Error> {
    match command {
        Command::Init(args) => init::run(args).await,
        Command::Achievement(command) => achievement::run(command).await,
        Command::Issue(args) => issue::run(args).await,
        Command::IssueBulk(args) => bulk::run(args).await,
        Command::DidDocument(args) => identity::did_document(args).await,
        Command::Jwks(args) => identity::jwks(args).await,
        Command::Key(command) => identity::key(command).await,
        Command::Token(command) => token::run(command).await,
        Command::User(command) => user::run(command).await,
        Command::Evidence(command) => evidence::run(command).await,
        Command::Credentials(command) => credentials::run(command).await,
        Command::Revoke(args) => status::change_status(args, StatusAction::Revoke).await,
        Command::Suspend(args) => status::change_status(args, StatusAction::Suspend).await,
        Command::Reinstate(args) => status::change_status(args, StatusAction::Reinstate).await,
        Command::StatusList(args) => status::list(args).await,
        Command::ResignControlCharacters(args) => resign::run(args).await,
        Command::Bake(args) => bake::run(args),
        Command::SignRegistry(args) => registry::run(args).await,
        Command::Offer(args) => wallet::offer(args).await,
        Command::ClaimStatus(args) => wallet::claim_status(args).await,
        Command::Serve(args) => serve::run(args).await,
        Command::Demo(args) => demo::run(args).await,
    }
}

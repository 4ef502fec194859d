//! `cairn init`: a new issuer (configuration, keys, database), and the TEST-ONLY example key.

use std::path::{Path, PathBuf};

use cairn_issuer::{Error, IdentityKind, InitOptions, Issuer, IssuerKey};
use clap::Args;

use crate::output::actor;

/// The bundled TEST-ONLY key (keys.example/); `--example-keys` and `cairn demo` use it.
const EXAMPLE_KEY_PEM: &str = include_str!("../../keys.example/key-1.ed25519.pem");

#[derive(Args)]
pub(crate) struct InitArgs {
    /// Directory to create the issuer in.
    dir: PathBuf,
    /// The issuer's name, as credentials will show it.
    #[arg(long)]
    name: String,
    /// The district's public web address.
    #[arg(long)]
    url: Option<String>,
    /// Identify the issuer by a did:key derived from its key (the default).
    #[arg(long, conflicts_with = "did_web")]
    did_key: bool,
    /// Identify the issuer by did:web at HOST (e.g. credentials.springfield.k12.us).
    #[arg(long, value_name = "HOST")]
    did_web: Option<String>,
    /// Use the TEST-ONLY example key from keys.example/ instead of a new key.
    #[arg(long)]
    example_keys: bool,
    /// Database URL (default: sqlite:cairn.db in DIR; postgres://… for several instances).
    #[arg(long)]
    database_url: Option<String>,
    /// Also write a self-signed TLS certificate (DIR/tls/) for local HTTPS.
    #[arg(long)]
    self_signed: bool,
    /// The console's first administrator (the email address they sign in with); the same as
    /// `cairn user add --role admin EMAIL` afterwards.
    #[arg(long, value_name = "EMAIL")]
    admin: Option<String>,
}

/// `cairn init`.
pub(crate) async fn run(args: InitArgs) -> Result<(), Error> {
    let identity = match args.did_web {
        Some(host) => IdentityKind::DidWeb(host),
        None => IdentityKind::DidKey,
    };
    let key = if args.example_keys {
        Some(example_key()?)
    } else {
        None
    };
    let options = InitOptions {
        name: args.name,
        url: args.url,
        identity,
        key,
        database_url: args.database_url,
    };
    let did_web_host = match &options.identity {
        IdentityKind::DidWeb(h) => Some(h.clone()),
        IdentityKind::DidKey => None,
    };
    let issuer = Issuer::init(&args.dir, options, &actor()).await?;
    println!("{}", issuer.id());
    if let Some(email) = &args.admin {
        let member = issuer
            .add_staff(email, None, cairn_issuer::Role::Admin, &actor())
            .await?;
        eprintln!("{} is the console's administrator", member.email);
    }
    if args.self_signed {
        let (cert, key) =
            cairn_issuer_http::write_self_signed(&args.dir.join("tls"), did_web_host.as_deref())?;
        eprintln!(
            "self-signed certificate for local use: cairn serve --config {} --tls-cert {} --tls-key {}",
            issuer.config().path.display(),
            cert.display(),
            key.display()
        );
    }
    eprintln!(
        "created {} (keys in {})",
        issuer.config().path.display(),
        issuer.config().key_dir().display()
    );
    Ok(())
}

pub(crate) fn example_key() -> Result<IssuerKey, Error> {
    IssuerKey::from_pem(
        "key-1",
        EXAMPLE_KEY_PEM,
        Path::new("keys.example/key-1.ed25519.pem"),
    )
}

//! `cairn`: the issuer command line (create an issuer, define achievements, issue credentials).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cairn_issuer::{
    AchievementDefinition, Actor, Error, Format, IdentityKind, InitOptions, IssueRequest, Issued,
    Issuer, IssuerKey, JwtAlg, Scope, StatusAction,
};
use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand};

mod credentials;
mod exit;

/// The bundled TEST-ONLY key (keys.example/); `--example-keys` and `cairn demo` use it.
const EXAMPLE_KEY_PEM: &str = include_str!("../../keys.example/key-1.ed25519.pem");
/// The bundled example achievement used by `cairn demo`.
const EXAMPLE_ACHIEVEMENT: &str =
    include_str!("../../examples/achievements/formative-assessment.toml");

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
    Init(InitArgs),
    /// Define achievements.
    #[command(subcommand)]
    Achievement(AchievementCommand),
    /// Issue a signed credential for an achievement.
    Issue(IssueArgs),
    /// Issue one credential per row of a roster CSV (schemas/roster.schema.json).
    IssueBulk(BulkArgs),
    /// Print the DID document a did:web issuer publishes at /.well-known/did.json.
    DidDocument(ConfigArg),
    /// Print the issuer's public keys as a JWK Set.
    Jwks(ConfigArg),
    /// Manage signing keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Manage API tokens for the admin API.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Find issued credentials (list) or show one (show).
    #[command(subcommand)]
    Credentials(credentials::CredentialsCommand),
    /// Revoke a credential (final): its bit is set in the issuer's revocation list.
    Revoke(StatusArgs),
    /// Suspend a credential (can be lifted with reinstate).
    Suspend(StatusArgs),
    /// Lift a suspension.
    Reinstate(StatusArgs),
    /// Print a signed status list as published (re-signed when stale), or list them all.
    StatusList(StatusListArgs),
    /// Re-sign stored credentials whose text has a control character (a TAB, say) and whose
    /// proof was made before Cairn wrote canonical N-Quads for it; ids and content stay the same.
    ResignControlCharacters(ResignArgs),
    /// Bake a credential (JSON or compact JWS) into a PNG or SVG badge image (OB 3.0 §5.3).
    Bake(BakeArgs),
    /// Sign a trust registry this issuer publishes, as a TrustRegistryCredential.
    SignRegistry(SignRegistryArgs),
    /// Send a stored credential to the recipient's wallet: QR codes and links for OpenID4VCI
    /// and the Learner Credential Wallet (valid 10 minutes, claimed once).
    Offer(OfferArgs),
    /// Show whether a wallet offer was claimed.
    ClaimStatus(ClaimStatusArgs),
    /// Run the issuer's HTTP service (admin API, DID document, JWKS, status lists).
    Serve(ServeArgs),
    /// Run the whole flow once with the TEST-ONLY example key: init, define, issue, verify.
    Demo(DemoArgs),
}

#[derive(Args)]
struct ConfigArg {
    /// Path to the issuer's cairn.toml.
    #[arg(long)]
    config: PathBuf,
}

#[derive(Args)]
struct ResignArgs {
    /// Path to the issuer's cairn.toml.
    #[arg(long)]
    config: PathBuf,
    /// Only list the credentials that would be re-signed.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Args)]
struct InitArgs {
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
}

#[derive(Subcommand)]
enum AchievementCommand {
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

#[derive(Subcommand)]
enum KeyCommand {
    /// Add a key to an existing issuer (an RSA-2048 key for RS256 VC-JWT).
    Add {
        #[arg(long)]
        config: PathBuf,
        #[arg(long = "type", value_enum)]
        kind: KeyType,
    },
    /// Make a new Ed25519 signing key; the old one is retired but stays published.
    Rotate {
        #[arg(long)]
        config: PathBuf,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token; its secret is printed once and only a hash is kept.
    Create {
        #[arg(long)]
        config: PathBuf,
        /// A scope the token holds: issue, revoke, read or admin (repeatable).
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
        /// Who or what uses the token (e.g. "LMS integration").
        #[arg(long)]
        name: String,
    },
    /// Revoke a token by id.
    Revoke {
        #[arg(long)]
        config: PathBuf,
        id: String,
    },
    /// List tokens (ids, names, scopes; never secrets).
    List {
        #[arg(long)]
        config: PathBuf,
    },
}

#[derive(Args)]
struct ServeArgs {
    #[arg(long)]
    config: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: String,
    /// Serve HTTPS with this PEM certificate (chain); needs --tls-key.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum KeyType {
    Rsa,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FormatArg {
    /// JSON with an embedded eddsa-rdfc-2022 proof.
    Json,
    /// A compact JWS (OB 3.0 VC-JWT).
    Jwt,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum AlgArg {
    Rs256,
    Eddsa,
}

#[derive(Args)]
struct IssueArgs {
    #[arg(long)]
    config: PathBuf,
    /// Achievement slug or id.
    #[arg(long)]
    achievement: String,
    #[arg(long)]
    recipient_email: String,
    #[arg(long)]
    recipient_did: Option<String>,
    #[arg(long)]
    recipient_name: Option<String>,
    /// Evidence URL (repeatable).
    #[arg(long = "evidence")]
    evidence: Vec<String>,
    #[arg(long)]
    evidence_narrative: Option<String>,
    /// Credits earned (e.g. continuing-education hours).
    #[arg(long)]
    credits: Option<f64>,
    /// End of validity (RFC 3339).
    #[arg(long, value_parser = parse_time)]
    valid_until: Option<DateTime<Utc>>,
    /// Write the credential here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
    /// json (embedded Data Integrity proof) or jwt (compact JWS).
    #[arg(long, value_enum, default_value = "json")]
    format: FormatArg,
    /// JWS algorithm for --format jwt. Default: rs256 for a did:web issuer, eddsa for did:key.
    #[arg(long, value_enum)]
    alg: Option<AlgArg>,
    /// With --format jwt, also embed the Data Integrity proof inside the token.
    #[arg(long)]
    embed_proof: bool,
    /// Issue without revocation and suspension entries (it can then never be revoked publicly).
    #[arg(long)]
    no_status: bool,
}

#[derive(Args)]
struct StatusArgs {
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
struct StatusListArgs {
    #[arg(long)]
    config: PathBuf,
    /// The list's URL (as in a credential's statusListCredential). Without it, lists every
    /// status list.
    url: Option<String>,
    /// Write the signed list here instead of stdout.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(Args)]
struct BakeArgs {
    /// The credential: its JSON file, or a file holding its compact JWS.
    #[arg(long)]
    credential: PathBuf,
    /// The PNG or SVG to bake into; without it, Cairn's generated badge in the format --out names.
    #[arg(long)]
    image: Option<PathBuf>,
    /// Where to write the baked image (.png or .svg).
    #[arg(long)]
    out: PathBuf,
    /// Replace a credential the image already holds instead of refusing.
    #[arg(long)]
    replace: bool,
}

#[derive(Args)]
struct SignRegistryArgs {
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

#[derive(Args)]
struct BulkArgs {
    #[arg(long)]
    config: PathBuf,
    /// The roster CSV.
    roster: PathBuf,
    /// Where to write the per-row report (default: ROSTER.report.csv).
    #[arg(long)]
    report: Option<PathBuf>,
    /// Rows signed together and stored in one commit; their report lines are written after it.
    #[arg(long, default_value_t = cairn_issuer::bulk::BATCH_ROWS as u64, value_parser = clap::value_parser!(u64).range(1..=4096))]
    batch: u64,
}

#[derive(Args)]
struct OfferArgs {
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
struct ClaimStatusArgs {
    #[arg(long)]
    config: PathBuf,
    /// The claim session id `cairn offer` printed.
    session_id: String,
}

#[derive(Args)]
struct DemoArgs {
    /// Where to create the demo issuer (must not exist yet).
    #[arg(long, default_value = "cairn-demo")]
    dir: PathBuf,
}

fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| format!("not an RFC 3339 date-time: {e}"))
}

fn actor() -> Actor {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned());
    Actor(format!("cli:{user}"))
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
        Command::Init(args) => {
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
            if args.self_signed {
                let (cert, key) = cairn_issuer_http::write_self_signed(
                    &args.dir.join("tls"),
                    did_web_host.as_deref(),
                )?;
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
        Command::Achievement(AchievementCommand::Add { config, file }) => {
            let issuer = Issuer::open(&config).await?;
            let def = read_definition(&file)?;
            let stored = issuer.add_achievement(&def, &actor()).await?;
            println!("{}", stored.id);
            eprintln!("added achievement {:?} ({})", def.name(), stored.slug);
            Ok(())
        }
        Command::Achievement(AchievementCommand::Archive {
            config,
            achievement,
        }) => {
            let issuer = Issuer::open(&config).await?;
            issuer.archive_achievement(&achievement, &actor()).await?;
            eprintln!("archived {achievement}");
            Ok(())
        }
        Command::Achievement(AchievementCommand::List { config, json }) => {
            let issuer = Issuer::open(&config).await?;
            let list = issuer.store().achievements().await?;
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
        Command::ResignControlCharacters(args) => {
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
        Command::Credentials(command) => credentials::run(command).await,
        Command::Revoke(args) => change_status(args, StatusAction::Revoke).await,
        Command::Suspend(args) => change_status(args, StatusAction::Suspend).await,
        Command::Reinstate(args) => change_status(args, StatusAction::Reinstate).await,
        Command::Bake(args) => {
            let read = |path: &Path| {
                std::fs::read(path).map_err(|e| Error::Io(path.to_path_buf(), e.to_string()))
            };
            let credential = String::from_utf8(read(&args.credential)?)
                .map_err(|_| Error::input("credential", "the credential file is not UTF-8"))?;
            let image = match &args.image {
                Some(path) => read(path)?,
                None => match args.out.extension().and_then(|e| e.to_str()) {
                    Some("png") => cairn_issuer::default_badge_png().to_vec(),
                    Some("svg") => {
                        let doc: serde_json::Value = if credential.trim_start().starts_with('{') {
                            serde_json::from_str(&credential)
                                .map_err(|e| Error::input("credential", e.to_string()))?
                        } else {
                            serde_json::Value::Null
                        };
                        let name = |p: &str| doc.pointer(p).and_then(|v| v.as_str()).unwrap_or("");
                        cairn_issuer::default_badge_svg(
                            name("/credentialSubject/achievement/name"),
                            name("/issuer/name"),
                        )
                        .into_bytes()
                    }
                    _ => {
                        return Err(Error::input(
                            "out",
                            "without --image, --out must end in .png or .svg",
                        ))
                    }
                },
            };
            let baked = cairn_issuer::bake(&image, &credential, args.replace)?;
            std::fs::write(&args.out, baked)
                .map_err(|e| Error::Io(args.out.clone(), e.to_string()))?;
            eprintln!("wrote {}", args.out.display());
            Ok(())
        }
        Command::SignRegistry(args) => {
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
        Command::StatusList(args) => {
            let issuer = Issuer::open(&args.config).await?;
            match &args.url {
                Some(url) => {
                    let list = issuer.current_status_list(url, issuer.now()).await?;
                    let doc: serde_json::Value = serde_json::from_str(&list.json)
                        .map_err(|e| Error::Database(e.to_string()))?;
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
        Command::Issue(args) => {
            let issuer = Issuer::open(&args.config).await?;
            let request = IssueRequest {
                achievement: args.achievement,
                recipient_email: args.recipient_email,
                recipient_did: args.recipient_did,
                recipient_name: args.recipient_name,
                evidence_urls: args.evidence,
                evidence_narrative: args.evidence_narrative,
                credits: args.credits,
                valid_until: args.valid_until,
                row_key: None,
                without_status: args.no_status,
            };
            let format = match args.format {
                FormatArg::Json => {
                    if args.alg.is_some() || args.embed_proof {
                        return Err(Error::input(
                            "format",
                            "--alg and --embed-proof go with --format jwt",
                        ));
                    }
                    Format::Json
                }
                FormatArg::Jwt => {
                    let alg = match args.alg {
                        Some(AlgArg::Rs256) => JwtAlg::Rs256,
                        Some(AlgArg::Eddsa) => JwtAlg::EdDsa,
                        None if issuer.id().starts_with("did:web:") => JwtAlg::Rs256,
                        None => JwtAlg::EdDsa,
                    };
                    Format::Jwt {
                        alg,
                        embed_proof: args.embed_proof,
                    }
                }
            };
            let text = match issuer
                .issue_as(&request, format, issuer.now(), &actor())
                .await?
            {
                Issued::Json(credential) => pretty(&credential),
                Issued::Jwt { jws, .. } => jws,
            };
            write_or_print(args.out.as_deref(), &text)?;
            issuer.flush_notifications().await;
            Ok(())
        }
        Command::IssueBulk(args) => issue_bulk(args).await,
        Command::DidDocument(ConfigArg { config }) => {
            let issuer = Issuer::open(&config).await?;
            print_json(&issuer.did_document().await?);
            Ok(())
        }
        Command::Jwks(ConfigArg { config }) => {
            let issuer = Issuer::open(&config).await?;
            print_json(&issuer.jwks().await?);
            Ok(())
        }
        Command::Key(KeyCommand::Add {
            config,
            kind: KeyType::Rsa,
        }) => {
            let mut issuer = Issuer::open(&config).await?;
            let vm = issuer.add_rsa_key(&actor()).await?;
            println!("{vm}");
            eprintln!("added an RSA-2048 key; republish the DID document (cairn did-document)");
            Ok(())
        }
        Command::Key(KeyCommand::Rotate { config }) => {
            let mut issuer = Issuer::open(&config).await?;
            let vm = issuer.rotate_signing_key(&actor()).await?;
            println!("{vm}");
            eprintln!("new signing key in use; republish the DID document (cairn did-document)");
            Ok(())
        }
        Command::Token(TokenCommand::Create {
            config,
            scopes,
            name,
        }) => {
            let issuer = Issuer::open(&config).await?;
            let scopes = scopes
                .iter()
                .map(|s| Scope::parse(s))
                .collect::<Result<Vec<_>, _>>()?;
            let (id, secret) = issuer.create_token(&name, &scopes, &actor()).await?;
            println!("{secret}");
            eprintln!("created token {id}; this is the only time its secret is shown");
            Ok(())
        }
        Command::Token(TokenCommand::Revoke { config, id }) => {
            let issuer = Issuer::open(&config).await?;
            issuer.revoke_token(&id, &actor()).await?;
            eprintln!("revoked token {id}");
            Ok(())
        }
        Command::Token(TokenCommand::List { config }) => {
            let issuer = Issuer::open(&config).await?;
            for t in issuer.store().tokens().await? {
                let state = if t.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                };
                println!("{}  {:<8} {:<24} {}", t.id, state, t.scopes, t.name);
            }
            Ok(())
        }
        Command::Serve(args) => {
            init_logging();
            let issuer = std::sync::Arc::new(Issuer::open(&args.config).await?);
            match (&args.tls_cert, &args.tls_key) {
                (Some(cert), Some(key)) => {
                    cairn_issuer_http::serve_tls(issuer, &args.bind, cert, key).await
                }
                _ => cairn_issuer_http::serve(issuer, &args.bind).await,
            }
        }
        Command::Demo(args) => demo(&args.dir).await,
        Command::Offer(args) => offer(args).await,
        Command::ClaimStatus(args) => {
            let issuer = Issuer::open(&args.config).await?;
            let state = issuer.claim_state(&args.session_id, issuer.now()).await?;
            println!(
                "{}",
                serde_json::to_string_pretty(&state).unwrap_or_default()
            );
            Ok(())
        }
    }
}

async fn offer(args: OfferArgs) -> Result<(), Error> {
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

async fn issue_bulk(args: BulkArgs) -> Result<(), Error> {
    use std::io::IsTerminal;
    let issuer = std::sync::Arc::new(Issuer::open(&args.config).await?);
    let roster = std::fs::File::open(&args.roster)
        .map_err(|e| Error::Io(args.roster.clone(), e.to_string()))?;
    let report_path = args
        .report
        .unwrap_or_else(|| args.roster.with_extension("report.csv"));
    let mut report = std::fs::File::create(&report_path)
        .map_err(|e| Error::Io(report_path.clone(), e.to_string()))?;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} rows {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let mut progress = |done: usize, total: usize, status: &cairn_issuer::bulk::RowStatus| {
        let word = match status {
            cairn_issuer::bulk::RowStatus::Issued(_) => "issued",
            cairn_issuer::bulk::RowStatus::AlreadyIssued(_) => "already issued",
            cairn_issuer::bulk::RowStatus::Failed { .. } => "failed",
        };
        match &bar {
            Some(bar) => {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            }
            None => eprintln!("row {done}/{total}: {word}"),
        }
    };
    let summary = cairn_issuer::bulk::issue_roster(
        &issuer,
        roster,
        &mut report,
        &mut progress,
        &actor(),
        usize::try_from(args.batch).unwrap_or(cairn_issuer::bulk::BATCH_ROWS),
    )
    .await?;
    if let Some(bar) = bar {
        bar.finish();
    }
    // The emails went out in the background while rows were issued; wait for the last ones.
    issuer.flush_notifications().await;
    eprintln!(
        "{} rows: {} issued, {} already issued, {} failed; report: {}",
        summary.rows,
        summary.issued,
        summary.already_issued,
        summary.failed,
        report_path.display()
    );
    if summary.failed > 0 {
        return Err(Error::input(
            "roster",
            format!("{} row(s) failed; see the report", summary.failed),
        ));
    }
    Ok(())
}

/// Structured logs on stderr: JSON lines, filtered by RUST_LOG (default info).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn example_key() -> Result<IssuerKey, Error> {
    IssuerKey::from_pem(
        "key-1",
        EXAMPLE_KEY_PEM,
        Path::new("keys.example/key-1.ed25519.pem"),
    )
}

fn read_definition(file: &Path) -> Result<AchievementDefinition, Error> {
    let text =
        std::fs::read_to_string(file).map_err(|e| Error::Io(file.to_path_buf(), e.to_string()))?;
    let ext = file.extension().and_then(|e| e.to_str());
    AchievementDefinition::parse(&text, ext)
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

fn print_json(v: &serde_json::Value) {
    println!("{}", pretty(v));
}

/// Writes `text` to `out` (saying so on stderr), or prints it.
fn write_or_print(out: Option<&Path>, text: &str) -> Result<(), Error> {
    match out {
        Some(path) => {
            std::fs::write(path, format!("{text}\n"))
                .map_err(|e| Error::Io(path.to_path_buf(), e.to_string()))?;
            eprintln!("wrote {}", path.display());
        }
        None => println!("{text}"),
    }
    Ok(())
}

/// `cairn revoke|suspend|reinstate`.
async fn change_status(args: StatusArgs, action: StatusAction) -> Result<(), Error> {
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

/// The public address the demo issuer publishes its status lists under.
const DEMO_URL: &str = "https://credentials.springfield.example";

/// init → define → issue → verify → revoke, with the example key, in `dir`.
async fn demo(dir: &Path) -> Result<(), Error> {
    use cairn_verifier::{OfflineResolver, VerifyOptions};
    let actor = Actor("cli:demo".to_owned());
    let issuer = Issuer::init(
        dir,
        InitOptions {
            name: "Springfield Public Schools (DEMO — test key)".to_owned(),
            url: Some(DEMO_URL.to_owned()),
            identity: IdentityKind::DidKey,
            key: Some(example_key()?),
            database_url: None,
        },
        &actor,
    )
    .await?;
    println!("1. issuer created: {} ({})", issuer.id(), dir.display());
    let def = AchievementDefinition::parse(EXAMPLE_ACHIEVEMENT, Some("toml"))?;
    let stored = issuer.add_achievement(&def, &actor).await?;
    println!("2. achievement defined: {} ({})", def.name(), stored.slug);
    let now = issuer.now();
    let request = IssueRequest {
        achievement: stored.slug.clone(),
        recipient_email: "teacher@springfield.example".to_owned(),
        recipient_name: Some("Edna Krabappel".to_owned()),
        credits: Some(15.0),
        evidence_urls: vec!["https://portfolio.springfield.example/ek/unit-plan".to_owned()],
        ..Default::default()
    };
    let credential = issuer.issue(&request, now, &actor).await?;
    let out = dir.join("credential.json");
    std::fs::write(&out, pretty(&credential) + "\n")
        .map_err(|e| Error::Io(out.clone(), e.to_string()))?;
    println!("3. credential issued and stored: {}", out.display());

    // What a verifier would fetch from the issuer's site, saved for offline verification.
    let save_lists = |tag: &'static str| {
        let issuer = &issuer;
        async move {
            let mut resolver = OfflineResolver::new();
            let mut docs = Vec::new();
            for list in issuer.store().status_lists().await? {
                let published = issuer.current_status_list(&list.id, issuer.now()).await?;
                let file = dir.join(format!("status-{}-{}{tag}.json", list.purpose, list.seq));
                std::fs::write(&file, &published.json)
                    .map_err(|e| Error::Io(file.clone(), e.to_string()))?;
                resolver.insert(&list.id, published.json);
                docs.push(format!("--doc {}={}", list.id, file.display()));
            }
            Ok::<_, Error>((resolver, docs))
        }
    };
    let (resolver, docs) = save_lists("").await?;
    let options = VerifyOptions::new(now);
    let doc = credential.as_object().cloned().unwrap_or_default();
    let report = cairn_verifier::verify_credential(&doc, &options, &resolver).await;
    println!(
        "4. verified: {:?} (signature, issuer key, validity, revocation and suspension lists)",
        report.verdict
    );
    let mut tampered = doc.clone();
    if let Some(s) = tampered.get_mut("credentialSubject") {
        s["creditsEarned"] = serde_json::json!(150.0);
    }
    let report2 = cairn_verifier::verify_credential(&tampered, &options, &resolver).await;
    println!(
        "5. tampered copy (creditsEarned 15 → 150) verified: {:?} [{}]",
        report2.verdict,
        report2.failed_codes().join(", ")
    );

    let second = issuer
        .issue(
            &IssueRequest {
                recipient_email: "substitute@springfield.example".to_owned(),
                recipient_name: None,
                ..request
            },
            now,
            &actor,
        )
        .await?;
    let second_id = second["id"].as_str().unwrap_or_default().to_owned();
    issuer
        .change_status(
            &second_id,
            StatusAction::Revoke,
            Some("issued in error (demo)"),
            &actor,
        )
        .await?;
    let (after, _) = save_lists("-after-revocation").await?;
    let second_doc = second.as_object().cloned().unwrap_or_default();
    let report3 = cairn_verifier::verify_credential(&second_doc, &options, &after).await;
    println!(
        "6. a second credential, revoked, verified against the re-published list: {:?} [{}]",
        report3.verdict,
        report3.failed_codes().join(", ")
    );
    // Sharing: the first credential baked into its badge (OB 3.0 §5.3), read back and verified.
    let id = credential["id"].as_str().unwrap_or_default();
    let mut baked_files = Vec::new();
    for (format, name) in [
        (cairn_issuer::ImageFormat::Png, "badge.png"),
        (cairn_issuer::ImageFormat::Svg, "badge.svg"),
    ] {
        let image = issuer.baked_badge(id, format, false).await?;
        let file = dir.join(name);
        std::fs::write(&file, &image).map_err(|e| Error::Io(file.clone(), e.to_string()))?;
        let report = cairn_verifier::verify(&image, &options, &resolver)
            .await
            .map_err(|e| Error::SelfCheckFailed(e.code().to_owned()))?;
        baked_files.push(format!("{} ({:?})", file.display(), report.verdict));
    }
    println!(
        "7. baked into badge images and verified from them: {}",
        baked_files.join(", ")
    );
    let key = id.rsplit('/').next().unwrap_or_default();
    println!(
        "8. its public page, once `cairn serve --config {}` runs: /credentials/{key} (short link /s/{})",
        dir.join("cairn.toml").display(),
        issuer.share_code(id).await?
    );
    println!(
        "\nNext: cargo run -p cairn-verify -- verify {} {} ; open {}",
        out.display(),
        docs.join(" "),
        dir.join("cairn.toml").display()
    );
    Ok(())
}

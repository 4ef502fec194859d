//! `cairn`: the issuer command line (create an issuer, define achievements, issue credentials).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use cairn_issuer::{
    AchievementDefinition, Actor, Error, Format, IdentityKind, InitOptions, IssueRequest, Issued,
    Issuer, IssuerKey, JwtAlg, Scope,
};
use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand};

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
    /// Run the issuer's HTTP service (admin API, DID document, JWKS).
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
    let cli = Cli::parse();
    match run(cli.command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error[{}]: {e}", e.code());
            ExitCode::FAILURE
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
                let (cert, key) = cairn_issuer::server::write_self_signed(
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
                .issue_as(&request, format, Utc::now(), &actor())
                .await?
            {
                Issued::Json(credential) => pretty(&credential),
                Issued::Jwt { jws, .. } => jws,
            };
            match args.out {
                Some(path) => {
                    std::fs::write(&path, text + "\n")
                        .map_err(|e| Error::Io(path.clone(), e.to_string()))?;
                    eprintln!("wrote {}", path.display());
                }
                None => println!("{text}"),
            }
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
                    cairn_issuer::server::serve_tls(issuer, &args.bind, cert, key).await
                }
                _ => cairn_issuer::server::serve(issuer, &args.bind).await,
            }
        }
        Command::Demo(args) => demo(&args.dir).await,
    }
}

async fn issue_bulk(args: BulkArgs) -> Result<(), Error> {
    use std::io::IsTerminal;
    let issuer = Issuer::open(&args.config).await?;
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
    let summary =
        cairn_issuer::bulk::issue_roster(&issuer, roster, &mut report, &mut progress, &actor())
            .await?;
    if let Some(bar) = bar {
        bar.finish();
    }
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

/// init → define → issue → verify, with the example key, in `dir`.
async fn demo(dir: &Path) -> Result<(), Error> {
    let actor = Actor("cli:demo".to_owned());
    let issuer = Issuer::init(
        dir,
        InitOptions {
            name: "Springfield Public Schools (DEMO — test key)".to_owned(),
            url: None,
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
    let now = Utc::now();
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

    let options = cairn_verifier::VerifyOptions::new(now);
    let resolver = cairn_verifier::OfflineResolver::new();
    let doc = credential.as_object().cloned().unwrap_or_default();
    let report = cairn_verifier::verify_credential(&doc, &options, &resolver).await;
    println!("4. verified: {:?}", report.verdict);
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
    println!(
        "\nNext: cargo run -p cairn-verifier -- verify {} ; open {}",
        out.display(),
        dir.join("cairn.toml").display()
    );
    Ok(())
}

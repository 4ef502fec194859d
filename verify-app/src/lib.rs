//! `cairn-verify`, the verifier's command line and HTTP service: verify an Open Badges 3.0
//! credential from a file or stdin, fetching what it needs (DID documents, status lists) safely
//! through `cairn-fetch`, or offline; or serve the same over HTTP (`serve`). The library
//! `cairn-verifier` does the verifying; this crate owns the I/O around it. `main` is the whole
//! program; the binary only calls it.
//!
//! Exit codes: 0 valid, 1 invalid, 2 indeterminate, 3 usage error or unreadable input.

#![warn(missing_docs, unreachable_pub)]

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use cairn_fetch::{FetchPolicy, Fetcher};
use cairn_verifier::{
    CheckStatus, Contexts, FastCanonicalizer, IssuerIdentity, OfflineResolver, Report,
    ResolveError, ResolveFuture, Resolver, TrustPolicy, TrustRegistry, TrustStatus, Verdict,
    VerifyOptions,
};
use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};

mod page;
mod photo;
mod record;
mod server;

const EXIT_USAGE: u8 = 3;

#[derive(Parser)]
#[command(
    name = "cairn-verify",
    version,
    about = "Verify Open Badges 3.0 credentials"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Verify one credential (a JSON file, or `-` for stdin).
    Verify(VerifyArgs),
    /// Run the verifier service: VC-API `POST /credentials/verify`, `POST /verify` (any
    /// format), `POST /verify/batch`.
    Serve(ServeArgs),
    /// Give this verifier its own key and DID, to sign verification records (writes
    /// verifier.toml and verifier-key.pem).
    Init(InitArgs),
}

#[derive(clap::Args)]
struct InitArgs {
    /// Who signs the records: the receiving district's office, e.g. "Shelbyville School District
    /// — Human Resources".
    #[arg(long)]
    name: String,
    /// Use did:web:HOST instead of a did:key; `serve` publishes its DID document at
    /// https://HOST/.well-known/did.json, so serve the verifier at that host.
    #[arg(long, value_name = "HOST")]
    did_web: Option<String>,
    /// Where to write verifier.toml and the key.
    #[arg(long, default_value = ".")]
    dir: PathBuf,
}

#[derive(clap::Args)]
struct VerifyArgs {
    /// The credential: a path, or `-` to read stdin.
    input: String,
    /// Print the full report as JSON instead of a summary.
    #[arg(long)]
    json: bool,
    /// Judge validity at this instant (RFC 3339) instead of now.
    #[arg(long, value_parser = parse_now)]
    now: Option<DateTime<Utc>>,
    #[command(flatten)]
    source: SourceArgs,
}

#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    bind: String,
    /// PEM certificate chain for HTTPS (with --tls-key).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for HTTPS.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// The verifier's identity (verifier.toml from `cairn-verify init`): the page then gives a
    /// signed verification record (JSON and PDF) with every check.
    #[arg(long, value_name = "FILE")]
    identity: Option<PathBuf>,
    /// The IANA time zone dates on the page and records are written in (America/Chicago).
    #[arg(long, value_name = "ZONE", default_value = "UTC", value_parser = cairn_render::time_zone)]
    time_zone: cairn_render::Tz,
    #[command(flatten)]
    source: SourceArgs,
}

/// Where documents, contexts and registries come from, and the limits: shared by `verify` and
/// `serve`.
#[derive(clap::Args)]
struct SourceArgs {
    /// Serve FILE for URL offline (DID document, key document, status list, profile).
    #[arg(long = "doc", value_name = "URL=FILE", value_parser = parse_pair)]
    docs: Vec<(String, PathBuf)>,
    /// Trust an extra JSON-LD context: serve FILE for the context URL.
    #[arg(long = "context", value_name = "URL=FILE", value_parser = parse_pair)]
    contexts: Vec<(String, PathBuf)>,
    /// Largest input accepted, in bytes.
    #[arg(long, default_value_t = cairn_verifier::DEFAULT_MAX_INPUT_BYTES)]
    max_input_bytes: usize,
    /// Tolerated clock difference for validity dates, in seconds.
    #[arg(long, default_value_t = 60)]
    clock_skew: i64,
    /// Fetch nothing: use only the --doc documents.
    #[arg(long)]
    offline: bool,
    /// Also fetch plain http:// URLs (https only by default).
    #[arg(long)]
    allow_http: bool,
    /// Also fetch from loopback, private, link-local, CGNAT and metadata addresses.
    #[arg(long)]
    allow_private_network: bool,
    /// Exempt this host from the address rules (e.g. a district's internal document host).
    #[arg(long = "allow-host", value_name = "HOST")]
    allow_hosts: Vec<String>,
    /// Also trust this certificate authority (PEM) for https fetches, e.g. the district's own CA
    /// for an internal document host; repeatable.
    #[arg(long = "ca-cert", value_name = "FILE")]
    ca_certs: Vec<PathBuf>,
    /// A trust registry (schemas/trust-registry.schema.json) to judge the issuer against;
    /// repeatable, the first that knows the issuer decides.
    #[arg(long = "registry", value_name = "FILE")]
    registries: Vec<PathBuf>,
    /// standard: an unknown issuer is a warning; strict: it makes the credential not valid.
    #[arg(long, value_enum, default_value = "standard")]
    policy: PolicyArg,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum PolicyArg {
    Standard,
    Strict,
}

/// The `--doc` documents first, then the network under the fetch policy.
struct CliResolver {
    docs: OfflineResolver,
    fetcher: Fetcher,
}

impl Resolver for CliResolver {
    fn fetch<'a>(&'a self, url: &'a str) -> ResolveFuture<'a> {
        Box::pin(async move {
            match self.docs.fetch(url).await {
                Ok(doc) => Ok(doc),
                // Every document the verifier fetches is JSON: one that does not parse is
                // passed on (the verifier reports it) but never cached.
                Err(_) => self
                    .fetcher
                    .get_valid(url, |body| {
                        serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok()
                    })
                    .await
                    .map(|body| body.as_ref().clone())
                    .map_err(|e| ResolveError::Coded {
                        url: url.to_owned(),
                        code: e.code(),
                        message: e.to_string(),
                    }),
            }
        })
    }
}

/// Reads a QR code from a photo as the page's camera field does: `Ok` when the code holds a link
/// or a credential, else the refusal's stable code. For the fuzz target (`fuzz/`), which feeds it
/// arbitrary bytes; not part of the verifier's API.
#[doc(hidden)]
pub fn qr_in_photo(photo: &[u8]) -> Result<(), &'static str> {
    photo::read_qr(photo).map(|_| ()).map_err(|(code, _)| code)
}

fn parse_now(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| format!("not an RFC 3339 date-time: {e}"))
}

fn parse_pair(s: &str) -> Result<(String, PathBuf), String> {
    let (url, file) = s
        .split_once('=')
        .ok_or_else(|| "expected URL=FILE".to_owned())?;
    if url.is_empty() || file.is_empty() {
        return Err("expected URL=FILE".to_owned());
    }
    Ok((url.to_owned(), PathBuf::from(file)))
}

/// The `cairn-verify` program: parses the command line, runs it, and says how it ended.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    match cli.command {
        Command::Verify(args) => match run_verify(&args) {
            Ok(report) => {
                if args.json {
                    match serde_json::to_string_pretty(&report) {
                        Ok(s) => println!("{s}"),
                        Err(e) => return fail("internal", &e.to_string()),
                    }
                } else {
                    print_summary(&report);
                }
                ExitCode::from(report.verdict.exit_code() as u8)
            }
            Err((code, message)) => fail(code, &message),
        },
        Command::Serve(args) => match run_serve(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err((code, message)) => fail(code, &message),
        },
        Command::Init(args) => match record::init(&args.dir, &args.name, args.did_web.as_deref()) {
            Ok(path) => {
                println!("wrote {} (and the key beside it, 0600)", path.display());
                println!(
                    "serve with: cairn-verify serve --identity {}",
                    path.display()
                );
                ExitCode::SUCCESS
            }
            Err((code, message)) => fail(code, &message),
        },
    }
}

fn run_serve(args: ServeArgs) -> Result<(), (&'static str, String)> {
    let (mut options, resolver) = prepare(&args.source)?;
    options.status_cache = Some(std::sync::Arc::new(
        cairn_verifier::StatusListCache::default(),
    ));
    let mut state = server::AppState::new(options, std::sync::Arc::new(resolver), None);
    state.time_zone = args.time_zone;
    if let Some(path) = &args.identity {
        state.identity = Some(std::sync::Arc::new(record::Identity::load(path)?));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ("internal", e.to_string()))?;
    runtime.block_on(server::serve(
        std::sync::Arc::new(state),
        &args.bind,
        args.tls_cert.as_deref().zip(args.tls_key.as_deref()),
    ))
}

fn fail(code: &str, message: &str) -> ExitCode {
    eprintln!("error[{code}]: {message}");
    ExitCode::from(EXIT_USAGE)
}

fn read_limited(input: &str, limit: usize) -> Result<Vec<u8>, (&'static str, String)> {
    let mut buf = Vec::new();
    let cap = (limit as u64).saturating_add(1);
    let result = if input == "-" {
        std::io::stdin().lock().take(cap).read_to_end(&mut buf)
    } else {
        std::fs::File::open(input).and_then(|f| f.take(cap).read_to_end(&mut buf))
    };
    result.map_err(|e| ("unreadable_input", format!("cannot read {input}: {e}")))?;
    Ok(buf)
}

fn run_verify(args: &VerifyArgs) -> Result<Report, (&'static str, String)> {
    // A baked image may be larger than a credential; verify() applies each format's limit.
    let cap = args
        .source
        .max_input_bytes
        .max(cairn_verifier::DEFAULT_MAX_IMAGE_BYTES);
    let bytes = read_limited(&args.input, cap)?;
    let (mut options, resolver) = prepare(&args.source)?;
    options.now = args.now.unwrap_or_else(Utc::now);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ("internal", e.to_string()))?;
    runtime
        .block_on(cairn_verifier::verify(&bytes, &options, &resolver))
        .map_err(|e| (e.code(), e.to_string()))
}

/// The verification options and the resolver the arguments describe.
fn prepare(args: &SourceArgs) -> Result<(VerifyOptions, CliResolver), (&'static str, String)> {
    let mut resolver = OfflineResolver::new();
    for (url, file) in &args.docs {
        let doc = std::fs::read(file).map_err(|e| {
            (
                "unreadable_doc",
                format!("cannot read {}: {e}", file.display()),
            )
        })?;
        resolver.insert(url, doc);
    }
    let mut contexts = Contexts::builtin();
    for (url, file) in &args.contexts {
        let text = std::fs::read_to_string(file).map_err(|e| {
            (
                "unreadable_context",
                format!("cannot read {}: {e}", file.display()),
            )
        })?;
        contexts = contexts
            .with_context(url, &text)
            .map_err(|e| (e.code(), e.to_string()))?;
    }
    let mut options = VerifyOptions::new(Utc::now());
    options.limits.max_input_bytes = args.max_input_bytes;
    options.clock_skew = chrono::Duration::seconds(args.clock_skew.max(0));
    if !args.contexts.is_empty() {
        options.canonicalizer = std::sync::Arc::new(FastCanonicalizer::new(contexts));
    }
    options.trust_policy = match args.policy {
        PolicyArg::Standard => TrustPolicy::Standard,
        PolicyArg::Strict => TrustPolicy::Strict,
    };
    let mut extra_roots_pem = Vec::new();
    for file in &args.ca_certs {
        extra_roots_pem.push(std::fs::read(file).map_err(|e| {
            (
                "unreadable_input",
                format!("cannot read {}: {e}", file.display()),
            )
        })?);
    }
    let fetcher = Fetcher::new(FetchPolicy {
        offline: args.offline,
        allow_http: args.allow_http,
        allow_private_network: args.allow_private_network,
        allow_hosts: args.allow_hosts.clone(),
        extra_roots_pem,
        ..FetchPolicy::default()
    })
    .map_err(|e| (e.code(), e.to_string()))?;
    let resolver = CliResolver {
        docs: resolver,
        fetcher,
    };
    // A signed registry is verified (fetching its publisher's key if needed) before use.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ("internal", e.to_string()))?;
    for file in &args.registries {
        let bytes = std::fs::read(file).map_err(|e| {
            (
                "unreadable_registry",
                format!("cannot read {}: {e}", file.display()),
            )
        })?;
        let registry = runtime
            .block_on(TrustRegistry::load(&bytes, &options, &resolver))
            .map_err(|e| (e.code(), format!("{}: {e}", file.display())))?;
        options.registries.push(std::sync::Arc::new(registry));
    }
    Ok((options, resolver))
}

fn print_summary(report: &Report) {
    let headline = match report.verdict {
        Verdict::Valid => "VALID",
        Verdict::Invalid => "NOT VALID",
        Verdict::Indeterminate => "COULD NOT CHECK",
    };
    println!(
        "{headline}: {}",
        report
            .credential_id
            .as_deref()
            .unwrap_or("(credential without id)")
    );
    if let Some(issuer) = &report.issuer_id {
        match &report.issuer_name {
            Some(name) => {
                println!("  issuer:      {name} (name as the credential states it) — {issuer}")
            }
            None => println!("  issuer:      {issuer}"),
        }
    }
    // Who vouches for the issuer means something only once the signature is proven.
    if report.verdict == Verdict::Valid {
        match &report.issuer_identity {
            IssuerIdentity::Registry { registry, name } => {
                println!("  vouched by:  {registry}, which lists this issuer as {name}")
            }
            IssuerIdentity::Domain { domain } => {
                println!("  vouched by:  the domain {domain} (no loaded registry lists it)")
            }
            IssuerIdentity::Unconfirmed => println!(
                "  vouched by:  nobody — the signature is intact, but the issuer's name is the \
                 credential's own claim"
            ),
        }
    }
    if let Some(a) = &report.achievement_name {
        println!("  achievement: {a}");
    }
    if let Some(t) = &report.trust {
        match t.status {
            TrustStatus::Recognized => {
                println!(
                    "  trust:       RECOGNISED — {} as {} ({})",
                    t.registry.as_deref().unwrap_or_default(),
                    t.issuer_name.as_deref().unwrap_or_default(),
                    match &t.registry_signed_by {
                        Some(by) => format!("registry signed by {by}, verified"),
                        None => "unsigned registry file".to_owned(),
                    }
                );
                if let Some(r) = &t.recognition {
                    let parts = r.phrases();
                    if !parts.is_empty() {
                        println!("  counts for:  {}", parts.join("; "));
                    }
                }
            }
            TrustStatus::UnknownIssuer => println!("  trust:       UNKNOWN ISSUER — {}", t.message),
            TrustStatus::NotRecognizedForThisAchievement => {
                println!(
                    "  trust:       NOT RECOGNISED FOR THIS ACHIEVEMENT — {}",
                    t.message
                )
            }
        }
    }
    print_checks(report, "  ");
    for (i, e) in report.endorsements.iter().enumerate() {
        println!("  endorsement {}: {:?}", i + 1, e.verdict);
        print_checks(e, "    ");
    }
}

fn print_checks(report: &Report, indent: &str) {
    for c in &report.checks {
        let mark = match c.status {
            CheckStatus::Passed => "ok  ",
            CheckStatus::Failed => "FAIL",
            CheckStatus::Skipped => "skip",
            CheckStatus::Error => "??  ",
        };
        println!(
            "{indent}[{mark}] {:<18} {} ({})",
            c.check, c.message, c.code
        );
    }
}

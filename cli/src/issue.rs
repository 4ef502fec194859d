//! `cairn issue`: one credential, as JSON with a Data Integrity proof or as a VC-JWT.

use std::path::PathBuf;

use cairn_issuer::{Error, Format, IssueRequest, Issued, Issuer, JwtAlg};
use chrono::{DateTime, Utc};
use clap::Args;

use crate::output::{actor, pretty, write_or_print};

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
pub(crate) struct IssueArgs {
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

/// `cairn issue`.
pub(crate) async fn run(args: IssueArgs) -> Result<(), Error> {
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
        lease: None,
        results: Vec::new(),
        evidence: Vec::new(),
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

fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| format!("not an RFC 3339 date-time: {e}"))
}

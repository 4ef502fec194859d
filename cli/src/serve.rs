//! `cairn serve`: the issuer's HTTP service, with JSON logs.

use std::path::PathBuf;

use cairn_issuer::{Error, Issuer};
use clap::Args;

#[derive(Args)]
pub(crate) struct ServeArgs {
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

/// `cairn serve`.
pub(crate) async fn run(args: ServeArgs) -> Result<(), Error> {
    init_logging();
    let issuer = std::sync::Arc::new(Issuer::open(&args.config).await?);
    match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => {
            cairn_issuer_http::serve_tls(issuer, &args.bind, cert, key).await
        }
        _ => cairn_issuer_http::serve(issuer, &args.bind).await,
    }
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

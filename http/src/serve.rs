//! Serving a router on a socket, over plain HTTP or HTTPS (rustls), until ctrl-c or SIGTERM;
//! requests in flight finish first (up to 30 s on HTTPS).

use std::path::Path;
use std::time::Duration;

use axum::Router;

/// A PEM certificate chain and its private key.
#[derive(Debug, Clone, Copy)]
pub struct Tls<'a> {
    /// The certificate chain (PEM).
    pub cert: &'a Path,
    /// The private key (PEM).
    pub key: &'a Path,
}

/// How long requests in flight may take to finish after a stop signal, on HTTPS.
const DRAIN: Duration = Duration::from_secs(30);

/// Serves `app` on `bind` until a stop signal, announcing `"{name}: listening on {url}"` on
/// standard error once the socket is bound (scripts and tests wait for that line).
pub async fn serve(
    app: Router,
    bind: &str,
    tls: Option<Tls<'_>>,
    name: &str,
) -> std::io::Result<()> {
    match tls {
        None => {
            let listener = tokio::net::TcpListener::bind(bind).await?;
            let addr = listener.local_addr()?;
            tracing::info!(%addr, "listening");
            eprintln!("{name}: listening on http://{addr}");
            axum::serve(listener, app)
                .with_graceful_shutdown(stop_signal())
                .await
        }
        Some(Tls { cert, key }) => {
            let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await?;
            let addr: std::net::SocketAddr = bind.parse().map_err(|_| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!("{bind:?} is not an address:port"),
                )
            })?;
            let handle = axum_server::Handle::new();
            let stopper = handle.clone();
            tokio::spawn(async move {
                stop_signal().await;
                stopper.graceful_shutdown(Some(DRAIN));
            });
            let announcer = handle.clone();
            let name = name.to_owned();
            tokio::spawn(async move {
                if let Some(addr) = announcer.listening().await {
                    tracing::info!(%addr, "listening (TLS)");
                    eprintln!("{name}: listening on https://{addr}");
                }
            });
            axum_server::bind_rustls(addr, config)
                .handle(handle)
                .serve(app.into_make_service())
                .await
        }
    }
}

/// ctrl-c, or SIGTERM on Unix.
async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}

//! Serving a router on a socket, over plain HTTP or HTTPS (rustls), until ctrl-c or SIGTERM;
//! requests in flight finish first (up to 30 s). A client that sends its header lines slowly is
//! cut off after [`HEADER_READ_TIMEOUT`], so slow senders cannot hold connections open.

use std::path::Path;
use std::pin::pin;
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tower::ServiceExt;

/// A PEM certificate chain and its private key.
#[derive(Debug, Clone, Copy)]
pub struct Tls<'a> {
    /// The certificate chain (PEM).
    pub cert: &'a Path,
    /// The private key (PEM).
    pub key: &'a Path,
}

/// How long requests in flight may take to finish after a stop signal.
const DRAIN: Duration = Duration::from_secs(30);

/// How long a client may take to send a request's header lines (RFC 9112 §2.2 leaves it to the
/// server): a slow sender (slowloris) holds a connection no longer than this.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The HTTP/1.1 and HTTP/2 connection settings both transports use.
fn configure(builder: &mut Builder<TokioExecutor>, header_timeout: Duration) {
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    builder.http2().timer(TokioTimer::new());
}

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
            serve_plain(listener, app, HEADER_READ_TIMEOUT, stop_signal()).await
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
            let mut server = axum_server::bind_rustls(addr, config).handle(handle);
            configure(server.http_builder(), HEADER_READ_TIMEOUT);
            server.serve(app.into_make_service()).await
        }
    }
}

/// Plain HTTP on `listener` until `stop` completes; then the connections in flight finish (up to
/// 30 s). Header lines must arrive within `header_timeout`.
pub async fn serve_plain(
    listener: tokio::net::TcpListener,
    app: Router,
    header_timeout: Duration,
    stop: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    let mut builder = Builder::new(TokioExecutor::new());
    configure(&mut builder, header_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut stop = pin!(stop);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: wait, then accept again.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let service = TowerToHyperService::new(
            app.clone()
                .map_request(|request: Request<hyper::body::Incoming>| request.map(Body::new)),
        );
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {},
        () = tokio::time::sleep(DRAIN) => tracing::warn!("requests still running after the drain time"),
    }
    Ok(())
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

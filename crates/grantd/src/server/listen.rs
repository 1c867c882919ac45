//! Listening: serving the HTTP app on a socket, closing connections that idle or trickle
//! ([`super::idle`]), refusing connections over the caps ([`super::admission`]), and shutting
//! down gracefully (on SIGINT or SIGTERM, requests in flight finish within a grace period).
//!
//! HTTP/1.1 only unless HTTP/2 is asked for ([`ConnectionLimits::http2`]): no client of the API
//! needs HTTP/2, and serving it in clear text means accepting prior-knowledge connections that
//! skip HTTP/1's checks on the request head.

use super::admission::{Admission, RefusalLog, DEFAULT_MAX_PER_IP};
use super::idle::{Activity, IdleIo};
use crate::logging::ErrorChain;
use grantd_http::AppState;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};

/// Connection settings of the HTTP server.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// How long a connection may go without a request being handled: from its opening to its
    /// first request's head, between keep-alive requests, and after an answer while a request
    /// body never arrives. A connection trickling a request head is closed then too.
    pub header_read_timeout: Duration,
    /// How long in-flight requests may run after a shutdown signal.
    pub shutdown_grace: Duration,
    /// Whether HTTP/2 (prior knowledge, in clear text) is served besides HTTP/1.1.
    pub http2: bool,
    /// Most connections open at once; more are closed at once.
    pub max_connections: usize,
    /// Most connections open at once from one address (an IPv6 /64); 0: no limit.
    pub max_connections_per_ip: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(30),
            http2: false,
            max_connections: super::admission::default_max_connections(),
            max_connections_per_ip: DEFAULT_MAX_PER_IP,
        }
    }
}

/// Serves `state` on `listener` until `shutdown` completes; requests in flight then finish
/// (within `limits.shutdown_grace`).
///
/// hyper is driven directly rather than through `axum::serve` because the latter offers no
/// header read timeout.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let server = Server::new(grantd_http::app(state), limits);
    let admission = Admission::new(limits.max_connections, limits.max_connections_per_ip);
    let mut refusals = RefusalLog::default();
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %ErrorChain(&e), "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        match admission.admit(remote.ip()) {
            Ok(ticket) => server.spawn(stream, remote, ticket, &graceful),
            // Dropping the stream closes it.
            Err(why) => refusals.refused(remote.ip(), why, &admission),
        }
    }
    drop(listener);
    if tokio::time::timeout(limits.shutdown_grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still running after the shutdown grace period were cut off");
    }
    Ok(())
}

/// How each admitted connection is served.
struct Server {
    app: grantd_http::App,
    idle_timeout: Duration,
    /// HTTP/1.1 only, or HTTP/1.1 and HTTP/2 by what the client sends first.
    protocols: Protocols,
}

enum Protocols {
    Http1(hyper::server::conn::http1::Builder),
    Auto(hyper_util::server::conn::auto::Builder<TokioExecutor>),
}

impl Server {
    fn new(app: grantd_http::App, limits: ConnectionLimits) -> Self {
        let protocols = if limits.http2 {
            let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout);
            builder.http2().timer(TokioTimer::new());
            Protocols::Auto(builder)
        } else {
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout);
            Protocols::Http1(builder)
        };
        Self {
            app,
            idle_timeout: limits.header_read_timeout,
            protocols,
        }
    }

    /// Serves `stream` in a task of its own, counted by `ticket` until it closes.
    fn spawn(
        &self,
        stream: TcpStream,
        remote: SocketAddr,
        ticket: super::admission::Ticket,
        graceful: &GracefulShutdown,
    ) {
        use tower::ServiceExt as _;
        let activity = Activity::new();
        let io = TokioIo::new(IdleIo::new(stream, activity.clone(), self.idle_timeout));
        let app = self.app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(axum::extract::ConnectInfo(remote));
            let busy = activity.busy();
            let answer = app.clone().oneshot(req.map(axum::body::Body::new));
            async move {
                let answer = answer.await;
                drop(busy);
                answer
            }
        });
        let ended = |result: Result<(), Box<dyn std::error::Error + Send + Sync>>| {
            if let Err(e) = result {
                tracing::debug!(error = %ErrorChain(&*e), "connection ended with an error");
            }
        };
        match &self.protocols {
            Protocols::Http1(builder) => {
                let connection = graceful.watch(builder.serve_connection(io, service));
                tokio::spawn(async move {
                    ended(connection.await.map_err(Into::into));
                    drop(ticket);
                });
            }
            Protocols::Auto(builder) => {
                let connection = graceful.watch(builder.serve_connection(io, service).into_owned());
                tokio::spawn(async move {
                    ended(connection.await);
                    drop(ticket);
                });
            }
        }
    }
}

/// The default public URL for a listen address.
pub fn default_public_url(addr: SocketAddr) -> String {
    let host = match addr.ip() {
        ip if ip.is_unspecified() => "127.0.0.1".to_owned(),
        std::net::IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    format!("http://{host}:{}", addr.port())
}

/// Completes on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %ErrorChain(&e), "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %ErrorChain(&e), "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

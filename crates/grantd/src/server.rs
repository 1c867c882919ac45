//! Opening the store, assembling the services, and serving HTTP with graceful shutdown.

use anyhow::{bail, Context};
use grantd_core::clock::Clock;
use grantd_core::secret::{MasterKey, PasswordHasher, PasswordPolicy};
use grantd_core::service::{ServiceConfig, Services};
use grantd_core::store::{SnapshotStore, Store};
use grantd_http::AppState;
use grantd_store_postgres::{PgConfig, PgStore};
use grantd_store_sqlite::{SqliteConfig, SqliteStore};
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// The database grantd uses when none is configured.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://grantd-data/grantd.db";

/// Connection-pool settings, shared by both stores.
#[derive(Debug, Clone, Copy)]
pub struct DbOptions {
    /// Largest number of pooled connections.
    pub max_connections: u32,
    /// How long a request waits for a free connection (and SQLite for a lock).
    pub acquire_timeout: Duration,
    /// How long connecting to PostgreSQL may take before `serve` gives up.
    pub connect_timeout: Duration,
    /// SQLite: the page cache of each inline reader connection, in MiB.
    pub sqlite_reader_cache_mib: u32,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(10),
            sqlite_reader_cache_mib: grantd_store_sqlite::DEFAULT_READER_CACHE_MIB,
        }
    }
}

/// Whether `url` names a PostgreSQL database.
pub fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres:") || url.starts_with("postgresql:")
}

/// A store that can also be copied whole.
pub trait FullStore: Store + SnapshotStore {}
impl<T: Store + SnapshotStore> FullStore for T {}

/// Opens the store at `url` (`sqlite://…` or `postgres://…`) and applies its migrations. An
/// unreachable database or a schema newer than this binary is an error, never a hang.
pub async fn open_store(url: &str, options: &DbOptions) -> anyhow::Result<Arc<dyn Store>> {
    Ok(open_full_store(url, options).await?)
}

/// [`open_store`], with the copying interface too.
pub async fn open_full_store(url: &str, options: &DbOptions) -> anyhow::Result<Arc<dyn FullStore>> {
    if url.starts_with("sqlite:") {
        let config = SqliteConfig {
            max_connections: options.max_connections,
            busy_timeout: options.acquire_timeout,
            reader_cache_mib: options.sqlite_reader_cache_mib,
        };
        let store = SqliteStore::open(url, &config).await?;
        store.migrate().await?;
        return Ok(Arc::new(store));
    }
    if is_postgres(url) {
        let config = PgConfig {
            max_connections: options.max_connections,
            acquire_timeout: options.acquire_timeout,
            connect_timeout: options.connect_timeout,
            ..PgConfig::default()
        };
        let store = PgStore::open(url, &config).await?;
        store.migrate().await?;
        return Ok(Arc::new(store));
    }
    bail!("unsupported database URL {url:?}: expected sqlite://PATH or postgres://…");
}

/// Where the master key lives when not configured: beside the SQLite file.
pub fn default_key_file(database_url: &str) -> Option<PathBuf> {
    let path = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path.starts_with(":memory:") {
        return None;
    }
    let dir = Path::new(path).parent().map(Path::to_path_buf).unwrap_or_default();
    Some(dir.join("master.key"))
}

/// Loads the key that seals TOTP seeds: from `hex` if given, else from `file` (created with a
/// new random key, readable by its owner only, when missing). With neither, an in-memory SQLite
/// database gets an ephemeral key; PostgreSQL needs one configured, the same on every instance.
pub fn load_master_key(database_url: &str, hex: Option<&str>, file: Option<&Path>) -> anyhow::Result<MasterKey> {
    if let Some(hex) = hex {
        return MasterKey::from_hex(hex).context("GRANTD_MASTER_KEY");
    }
    let Some(file) = file else {
        if is_postgres(database_url) {
            bail!(
                "with PostgreSQL, set --master-key-file or GRANTD_MASTER_KEY to the same key on every instance \
                 (64 hexadecimal characters, e.g. from: openssl rand -hex 32)"
            );
        }
        return Ok(MasterKey::generate());
    };
    match std::fs::read_to_string(file) {
        Ok(text) => MasterKey::from_hex(&text).with_context(|| format!("master key file {}", file.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key = MasterKey::generate();
            if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            }
            match write_private(file, &key.to_hex()) {
                Ok(()) => {
                    tracing::info!(path = %file.display(), "created a new master key; back it up with the database");
                    Ok(key)
                }
                // Another grantd process created it at the same moment: use that one.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let text = std::fs::read_to_string(file)
                        .with_context(|| format!("reading master key file {}", file.display()))?;
                    MasterKey::from_hex(&text).with_context(|| format!("master key file {}", file.display()))
                }
                Err(e) => Err(e).with_context(|| format!("writing master key file {}", file.display())),
            }
        }
        Err(e) => Err(e).with_context(|| format!("reading master key file {}", file.display())),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// Assembles the services.
pub fn services(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    master_key: MasterKey,
    config: ServiceConfig,
    password_policy: PasswordPolicy,
    password_concurrency: usize,
) -> anyhow::Result<Services> {
    let passwords = PasswordHasher::new(password_policy, password_concurrency)?;
    Ok(Services::new(store, clock, passwords, master_key, config))
}

/// Connection settings of the HTTP server.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// How long a client may take to send a request's headers: a connection trickling bytes is
    /// closed then, so slow clients cannot hold connections open forever.
    pub header_read_timeout: Duration,
    /// How long in-flight requests may run after a shutdown signal.
    pub shutdown_grace: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(30),
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
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use tower::ServiceExt as _;

    let app = grantd_http::app(state);
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little rather than spin.
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
            req.extensions_mut().insert(axum::extract::ConnectInfo(remote));
            app.clone().oneshot(req.map(axum::body::Body::new))
        });
        let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
        let connection = graceful.watch(connection.into_owned());
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
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
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
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
                tracing::error!(error = %e, "cannot listen for SIGTERM");
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

//! Opening the store a database URL names (SQLite or PostgreSQL), with its migrations applied.

use anyhow::bail;
use grantd_core::store::{SnapshotStore, Store};
use grantd_store_postgres::{PgConfig, PgStore};
use grantd_store_sqlite::{SqliteConfig, SqliteStore};
use std::sync::Arc;
use std::time::Duration;

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

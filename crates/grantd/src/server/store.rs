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
    Ok(match open_unmigrated(url, options).await? {
        Opened::Sqlite(store) => {
            store.migrate().await?;
            Arc::new(store)
        }
        Opened::Postgres(store) => {
            store.migrate().await?;
            Arc::new(store)
        }
    })
}

/// The tables in the database at `url` that are not grantd's, found without migrating it (the
/// database is created if missing, as `serve` would).
pub async fn foreign_tables(url: &str, options: &DbOptions) -> anyhow::Result<Vec<String>> {
    Ok(match open_unmigrated(url, options).await? {
        Opened::Sqlite(store) => store.foreign_tables().await?,
        Opened::Postgres(store) => store.foreign_tables().await?,
    })
}

/// A store opened but not yet migrated.
enum Opened {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

async fn open_unmigrated(url: &str, options: &DbOptions) -> anyhow::Result<Opened> {
    if url.starts_with("sqlite:") {
        let config = SqliteConfig {
            max_connections: options.max_connections,
            busy_timeout: options.acquire_timeout,
            reader_cache_mib: options.sqlite_reader_cache_mib,
        };
        return Ok(Opened::Sqlite(SqliteStore::open(url, &config).await?));
    }
    if is_postgres(url) {
        let config = PgConfig {
            max_connections: options.max_connections,
            acquire_timeout: options.acquire_timeout,
            connect_timeout: options.connect_timeout,
            ..PgConfig::default()
        };
        return Ok(Opened::Postgres(PgStore::open(url, &config).await?));
    }
    bail!("unsupported database URL {url:?}: expected sqlite://PATH or postgres://…");
}

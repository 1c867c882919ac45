//! grantd's embedded default store: one SQLite file through sqlx.
//!
//! The statements and store operations are `grantd-store-sql`'s, shared with the PostgreSQL
//! store; this crate holds what SQLite does its own way:
//!
//! - `backend`: writes that check and then insert (unique notes, get-or-create) run in
//!   `BEGIN IMMEDIATE` transactions, which SQLite serialises across every connection and process
//!   using the file, so no row locks are needed; the unique indexes of the schema back them up.
//! - `conflicts`: unique violations mapped by the constraint SQLite names in its message.
//! - `reader` and `inline`: the lookups every token-authenticated request makes run inline on
//!   rusqlite connections, with the apps cached per connection (and a token check answered in one
//!   read transaction).
//!
//! # One SQLite library for two drivers
//!
//! sqlx (the pool, every write) and rusqlite (the inline reads) both link SQLite through the
//! `libsqlite3-sys` crate, and a build can hold only one version of it (it links the native
//! library `sqlite3`). So rusqlite and sqlx must move together: upgrade them in one step, to
//! versions that depend on the same `libsqlite3-sys`. `deny.toml` bans a second version of it.

mod backend;
mod conflicts;
mod files;
mod inline;
mod reader;
#[cfg(test)]
mod tests;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Connection settings.
#[derive(Debug, Clone)]
pub struct SqliteConfig {
    /// Largest number of pooled connections.
    pub max_connections: u32,
    /// How long a statement waits for another writer's lock before failing.
    pub busy_timeout: Duration,
    /// Page cache of each inline reader connection (one per CPU), in MiB. The pages a token
    /// lookup passes through above the leaves should stay cached: about 1.9 MiB a million
    /// tokens (see `Readers::open`).
    pub reader_cache_mib: u32,
}

impl Default for SqliteConfig {
    fn default() -> Self {
        Self {
            max_connections: 8,
            busy_timeout: Duration::from_secs(10),
            reader_cache_mib: DEFAULT_READER_CACHE_MIB,
        }
    }
}

/// The default of [`SqliteConfig::reader_cache_mib`]: room for the upper pages of the token
/// lookup's index up to about four million tokens.
pub const DEFAULT_READER_CACHE_MIB: u32 = 8;

/// The SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// Inline readers (none for an in-memory database, which other connections cannot see).
    readers: Option<Arc<reader::Readers>>,
}

/// Why the database could not be opened or migrated.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The URL is not a SQLite URL.
    #[error("invalid SQLite database URL: {0}")]
    BadUrl(String),
    /// The database could not be opened.
    #[error("cannot open the SQLite database: {0}")]
    Connect(String),
    /// Migrations failed (for instance the database was migrated by a newer grantd).
    #[error("cannot migrate the SQLite database: {0}")]
    Migrate(String),
}

impl SqliteStore {
    /// Opens (creating the file and its folder if needed, private to the owner) the database at `url`
    /// (`sqlite://path/to/file.db` or `sqlite::memory:`).
    pub async fn open(url: &str, config: &SqliteConfig) -> Result<Self, OpenError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| OpenError::BadUrl(e.to_string()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: a transaction reported as committed survives power loss as well as a crash of
            // the process; grantd never tells a client "created" for a write it could lose.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(config.busy_timeout);
        let file = options.get_filename().to_path_buf();
        let in_memory = url.contains(":memory:") || url.contains("mode=memory") || file.as_os_str().is_empty();
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            files::create_private_dir(dir)
                .map_err(|e| OpenError::Connect(format!("cannot create the folder {}: {e}", dir.display())))?;
        }
        if !in_memory {
            files::create_private_file(&file)
                .map_err(|e| OpenError::Connect(format!("cannot create {}: {e}", file.display())))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(config.max_connections.max(1))
            .acquire_timeout(config.busy_timeout)
            .connect_with(options)
            .await
            .map_err(|e| OpenError::Connect(e.to_string()))?;
        let readers = if in_memory {
            None
        } else {
            // One reader per thread that may run requests at once.
            let count = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
            let readers = reader::Readers::open(&file, count, config.reader_cache_mib)
                .map_err(|e| OpenError::Connect(e.to_string()))?;
            Some(Arc::new(readers))
        };
        Ok(Self { pool, readers })
    }

    /// Applies pending migrations. Fails if the database holds migrations this binary does not
    /// know (it was migrated by a newer grantd).
    pub async fn migrate(&self) -> Result<(), OpenError> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| OpenError::Migrate(e.to_string()))
    }

    /// The tables in the database that are not grantd's (before [`Self::migrate`], to refuse a
    /// database that belongs to something else).
    pub async fn foreign_tables(&self) -> Result<Vec<String>, OpenError> {
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| OpenError::Connect(e.to_string()))?;
        Ok(grantd_store_sql::foreign_tables(names))
    }

    /// The underlying pool (for tools such as the benchmark seeder).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

grantd_store_sql::store_impls!(SqliteStore);

//! grantd's scale-out store: PostgreSQL through sqlx, for several grantd instances sharing one
//! database.
//!
//! The SQLite store (`grantd-store-sqlite`) is the reference: this crate has the same schema (the
//! migrations have the same file names and index names) and runs the same statements and store
//! operations (`grantd-store-sql`), checked by the shared conformance suite
//! (`grantd-store-tests`). It holds what PostgreSQL does its own way: connecting ([`PgStore::open`]),
//! the locks and get-or-create insert and import specifics of `backend`, and the conflict
//! mapping by constraint name of `conflicts`. A token check is one statement: one round trip.
//!
//! # Concurrency
//!
//! Every trait method is one transaction (or one statement). SQLite serialises every write
//! transaction (`BEGIN IMMEDIATE`), so its check-then-write sequences (unique notes, get-or-create,
//! deleting a grant with its last token) cannot interleave. PostgreSQL runs transactions
//! concurrently in READ COMMITTED, where two of those sequences could both pass their checks, or a
//! grant could be deleted as "empty" while another transaction adds a token to it. This store
//! keeps SQLite's answers with three rules:
//!
//! - A write touching a user's authorizations or grants first locks that user's row
//!   (`SELECT … FOR NO KEY UPDATE`), so one user's token writes run one at a time across every
//!   instance, exactly as SQLite runs them. Each later statement of the transaction takes a fresh
//!   snapshot (READ COMMITTED), so the checks see everything the previous holder of the lock
//!   committed. Writes for different users do not wait for each other. `NO KEY UPDATE` is the
//!   lock an ordinary `UPDATE users` takes: it serialises these writers (and waits for a lock-out
//!   update or a user deletion in progress) without blocking foreign-key checks.
//! - Locks are taken in the order user row, app row, then authorization and grant rows, so token
//!   writes cannot deadlock each other or a revocation: token writes for an app take a share lock
//!   on the app row (`FOR KEY SHARE`, what their foreign-key check takes anyway) before touching
//!   any row, and revoking every token of an app locks the app row (`FOR UPDATE`), which waits
//!   for those writes and holds new ones back until it commits. (Deleting a user while deleting or
//!   revoking one of the user's apps at the same moment can still deadlock in the cascades;
//!   PostgreSQL then aborts one of the two with an error, and a retry succeeds.)
//! - The unique indexes stay the final word: a unique violation is mapped to the matching
//!   `Conflict` by constraint name, and get-or-create inserts with
//!   `ON CONFLICT … DO NOTHING` and falls back to the existing row.

mod backend;
mod conflicts;

use sqlx::migrate::MigrateError;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use sqlx::{Connection, PgPool};
use std::str::FromStr;
use std::time::Duration;
use tokio::time::Instant;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Connection settings.
#[derive(Debug, Clone)]
pub struct PgConfig {
    /// Largest number of pooled connections.
    pub max_connections: u32,
    /// Connections the pool keeps open even when idle.
    pub min_connections: u32,
    /// How long a query waits for a free pooled connection (or a new one) before failing.
    pub acquire_timeout: Duration,
    /// How long [`PgStore::open`] tries to reach the server before failing.
    pub connect_timeout: Duration,
}

impl Default for PgConfig {
    fn default() -> Self {
        Self {
            max_connections: 10,
            min_connections: 0,
            acquire_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// The PostgreSQL store.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
}

/// Why the database could not be opened or migrated. Every message is one line.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The URL is not a PostgreSQL URL.
    #[error("invalid PostgreSQL database URL: {0}")]
    BadUrl(String),
    /// The server could not be reached, or refused the connection.
    #[error("cannot connect to PostgreSQL: {0}")]
    Connect(String),
    /// Migrations failed (for instance the database was migrated by a newer grantd).
    #[error("cannot migrate the PostgreSQL database: {0}")]
    Migrate(String),
}

/// An error's message on one line (a log line, a CLI error).
fn one_line(e: &impl std::fmt::Display) -> String {
    e.to_string().split_whitespace().collect::<Vec<_>>().join(" ")
}

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/database`, with
    /// sqlx's query parameters such as `sslmode` or `options`).
    ///
    /// Fails within `config.connect_timeout` when the server cannot be reached: a refused
    /// connection (a server still starting) is retried until then, and the error names the
    /// server and the last cause. Other failures (authentication, unknown database) fail at once.
    pub async fn open(url: &str, config: &PgConfig) -> Result<Self, OpenError> {
        let options = PgConnectOptions::from_str(url).map_err(|e| OpenError::BadUrl(one_line(&e)))?;
        let server = format!("{}:{}", options.get_host(), options.get_port());
        let deadline = Instant::now() + config.connect_timeout;
        let timed_out = || OpenError::Connect(format!("{server}: no answer within {:?}", config.connect_timeout));

        // The pool's own first connection retries a refused connection silently until its
        // acquire timeout and then only reports "pool timed out", so one plain connection is made
        // first to learn the real cause quickly.
        let probe = first_connection(&options, deadline, config.connect_timeout)
            .await
            .map_err(|cause| OpenError::Connect(format!("{server}: {cause}")))?;
        // Closing is a courtesy to the server; a failure changes nothing.
        let _ = probe.close().await;

        let max = config.max_connections.max(1);
        let pool = PgPoolOptions::new()
            .max_connections(max)
            .min_connections(config.min_connections.min(max))
            .acquire_timeout(config.acquire_timeout)
            // `connect`, not `connect_lazy`: a broken configuration fails here, at start-up.
            .connect_with(options);
        let pool = tokio::time::timeout_at(deadline, pool)
            .await
            .map_err(|_| timed_out())?
            .map_err(|e| OpenError::Connect(format!("{server}: {}", one_line(&e))))?;
        Ok(Self { pool })
    }

    /// Applies pending migrations. Fails if the database holds migrations this binary does not
    /// know (it was migrated by a newer grantd).
    ///
    /// Several instances may start together: sqlx's PostgreSQL migrator holds an advisory lock
    /// (`pg_advisory_lock`, keyed on the database name) while it checks and applies migrations,
    /// so the others wait and then find nothing left to apply.
    pub async fn migrate(&self) -> Result<(), OpenError> {
        MIGRATOR.run(&self.pool).await.map_err(|e| match e {
            MigrateError::VersionMissing(version) => OpenError::Migrate(format!(
                "the database holds migration {version}, which this grantd does not know \
                 (it was migrated by a newer grantd)"
            )),
            e => OpenError::Migrate(one_line(&e)),
        })
    }

    /// The tables in the connection's schema that are not grantd's (before [`Self::migrate`], to
    /// refuse a database that belongs to something else).
    pub async fn foreign_tables(&self) -> Result<Vec<String>, OpenError> {
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| OpenError::Connect(one_line(&e)))?;
        Ok(grantd_store_sql::foreign_tables(names))
    }

    /// The underlying pool (for tools such as the benchmark seeder).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

grantd_store_sql::store_impls!(PgStore);

/// One connection to `options`, retrying a refused connection (a server starting up) until
/// `deadline` (`within` from the start); the error is the last cause, on one line.
async fn first_connection(
    options: &PgConnectOptions,
    deadline: Instant,
    within: Duration,
) -> Result<PgConnection, String> {
    let mut backoff = Duration::from_millis(50);
    loop {
        match tokio::time::timeout_at(deadline, PgConnection::connect_with(options)).await {
            Ok(Ok(conn)) => return Ok(conn),
            Ok(Err(sqlx::Error::Io(e)))
                if e.kind() == std::io::ErrorKind::ConnectionRefused && Instant::now() + backoff < deadline =>
            {
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(1));
            }
            Ok(Err(e)) => return Err(one_line(&e)),
            Err(_) => return Err(format!("no answer within {within:?}")),
        }
    }
}

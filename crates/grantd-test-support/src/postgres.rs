//! Throw-away PostgreSQL schemas, and the loud skip when no server is configured.
//!
//! The server comes from `GRANTD_TEST_POSTGRES_URL` (for instance
//! `postgres://postgres@127.0.0.1:5432/test`). Every test gets its own schema
//! `grantd_t_<random hex>`, which the store reaches through `search_path`, and which is dropped
//! with everything in it when the test ends. Without the variable a test says so loudly on stderr
//! (STYLE "Tests": never pass silently) and returns without running.

use sqlx::{Connection, PgConnection};
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// The variable naming the test server.
pub const URL_VAR: &str = "GRANTD_TEST_POSTGRES_URL";

/// The server URL, if configured.
pub fn test_url() -> Option<String> {
    std::env::var(URL_VAR).ok().filter(|url| !url.trim().is_empty())
}

/// Says loudly, on stderr, that `what` did not run on PostgreSQL.
pub fn skip_loudly(what: &str) {
    // Straight to the stderr stream, not `eprintln!`: the test harness captures the output of
    // passing tests, and this line must be seen.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED (PostgreSQL): {URL_VAR} is not set — {what} did not run on PostgreSQL"
    );
}

/// A schema of its own, dropped (with everything in it) when the guard is.
#[derive(Debug)]
pub struct Schema {
    server: String,
    name: String,
    /// The server URL with the schema as `search_path` (and as `application_name`, so that the
    /// guard can find the store's connections).
    pub url: String,
}

impl Schema {
    /// Creates a fresh, empty schema on the configured server; without one, says loudly that
    /// `what` did not run and returns `None`.
    pub async fn create_or_skip(what: &str) -> Option<Self> {
        let Some(server) = test_url() else {
            skip_loudly(what);
            return None;
        };
        Some(Self::create_on(&server).await)
    }

    /// Creates a fresh, empty schema on the server at `server`.
    #[allow(clippy::panic)]
    pub async fn create_on(server: &str) -> Self {
        let server = server.to_owned();
        let name = format!("grantd_t_{}", random_hex());
        let mut conn = PgConnection::connect(&server)
            .await
            .unwrap_or_else(|e| panic!("connect to {URL_VAR}: {e}"));
        sqlx::query(&format!("CREATE SCHEMA {name}"))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("create schema {name}: {e}"));
        let _ = conn.close().await;
        let url = with_params(
            &server,
            &[
                ("options", &format!("-c search_path={name}")),
                ("application_name", &name),
            ],
        );
        Self { server, name, url }
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        let server = self.server.clone();
        let name = self.name.clone();
        // The test's runtime may be a current-thread one, busy running this very drop: the schema
        // is dropped from another thread with a small runtime of its own.
        let dropped = std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(drop_schema(&server, &name)).map_err(|e| e.to_string())
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("warning: cannot drop test schema {}: {e}", self.name),
            Err(_) => eprintln!("warning: dropping test schema {} panicked", self.name),
        }
    }
}

async fn drop_schema(server: &str, name: &str) -> Result<(), sqlx::Error> {
    let mut conn = PgConnection::connect(server).await?;
    sqlx::query("SET lock_timeout = '10s'").execute(&mut conn).await?;
    // A connection of the store still open (after a failed test, possibly inside a transaction
    // holding locks) would make DROP SCHEMA wait: end them first. They carry the schema's name.
    sqlx::query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE application_name = $1 AND pid <> pg_backend_pid()",
    )
    .bind(name)
    .execute(&mut conn)
    .await?;
    sqlx::query(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
        .execute(&mut conn)
        .await?;
    conn.close().await
}

/// 16 hex digits that differ between calls and processes (no cryptographic quality needed).
fn random_hex() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    hasher.write_u128(nanos);
    format!("{:016x}", hasher.finish())
}

/// `url` with the query parameters `params` added, their values percent-encoded.
fn with_params(url: &str, params: &[(&str, &str)]) -> String {
    let mut url = url.to_owned();
    for (key, value) in params {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(key);
        url.push('=');
        for b in value.bytes() {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                url.push(char::from(b));
            } else {
                url.push_str(&format!("%{b:02X}"));
            }
        }
    }
    url
}

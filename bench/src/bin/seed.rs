//! `bench/seed --database-url URL --tokens N --out DIR`: creates one user, one OAuth app and N
//! OAuth-app tokens of that user for that app, fast, and writes what a load generator needs:
//!
//! - `DIR/tokens.txt`: one token per line;
//! - `DIR/app.json`: `{"client_id": …, "client_secret": …}`;
//! - `DIR/user.json`: `{"login": …, "password": …}`.
//!
//! The user and the app are created through grantd's own services (so the password hash and the
//! client-secret digest are exactly what `grantd user add` / `grantd app add` would store). The
//! tokens are real grantd tokens (`Token::generate`, checksum included) whose rows — SHA-256
//! digest, last eight characters, scope `repo`, a distinct fingerprint each (a user has one
//! authorization per app and fingerprint), and the one grant of (user, app) — are inserted in
//! large batched transactions straight through the store's connection pool rather than one
//! service call (and one transaction) per token.

use anyhow::{bail, Context};
use clap::Parser;
use grantd_core::clock::SystemClock;
use grantd_core::secret::{MasterKey, PasswordPolicy, Token, TokenKind};
use grantd_core::service::{ServiceConfig, Services};
use grantd_core::store::Store;
use grantd_store_postgres::{PgConfig, PgStore};
use grantd_store_sqlite::{SqliteConfig, SqliteStore};
use secrecy::SecretString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// Seeds a grantd database for the benchmarks.
#[derive(Debug, Parser)]
#[command(name = "seed")]
struct Args {
    /// `sqlite://PATH` or `postgres://…` (created and migrated if needed).
    #[arg(long)]
    database_url: String,
    /// Number of OAuth-app tokens to create.
    #[arg(long)]
    tokens: usize,
    /// Folder for tokens.txt, app.json and user.json (created if missing).
    #[arg(long)]
    out: PathBuf,
    /// Login of the user to create (must not exist yet).
    #[arg(long, default_value = "bench")]
    login: String,
    /// Rows per transaction.
    #[arg(long, default_value_t = 50_000)]
    batch: usize,
}

/// One seeded token.
struct Seeded {
    token: String,
    digest: [u8; 32],
    last_eight: String,
}

enum Backend {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the runtime")?
        .block_on(run(args))
}

async fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    std::fs::create_dir_all(&args.out).with_context(|| format!("creating {}", args.out.display()))?;

    let (backend, store): (Backend, Arc<dyn Store>) = if args.database_url.starts_with("sqlite:") {
        let config = SqliteConfig {
            max_connections: 2,
            ..SqliteConfig::default()
        };
        let s = SqliteStore::open(&args.database_url, &config).await?;
        s.migrate().await?;
        (Backend::Sqlite(s.clone()), Arc::new(s))
    } else if grantd::server::is_postgres(&args.database_url) {
        let config = PgConfig {
            max_connections: 2,
            ..PgConfig::default()
        };
        let s = PgStore::open(&args.database_url, &config).await?;
        s.migrate().await?;
        (Backend::Postgres(s.clone()), Arc::new(s))
    } else {
        bail!("unsupported database URL: expected sqlite://PATH or postgres://…");
    };

    // The user and the app, through grantd's services.
    let services: Services = grantd::server::services(
        store,
        Arc::new(SystemClock),
        MasterKey::generate(),
        ServiceConfig::default(),
        PasswordPolicy::default(),
        1,
    )?;
    let password = format!("bench-{}", hex::encode(random16()));
    let user = services
        .add_user(
            &args.login,
            SecretString::from(password.clone()),
            None,
            false,
            Some("Bench User".into()),
        )
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "creating user {:?}: {e} (seed an empty database, or pass --login)",
                args.login
            )
        })?;
    let (app, secret) = services
        .add_app("grantd bench", "https://bench.example.com", &[])
        .await
        .map_err(|e| anyhow::anyhow!("creating the app: {e}"))?;
    write_json(
        &args.out.join("user.json"),
        &serde_json::json!({"login": user.login, "password": password}),
    )?;
    write_json(
        &args.out.join("app.json"),
        &serde_json::json!({"client_id": app.client_id.0, "client_secret": secret.expose()}),
    )?;

    // The tokens: generated on every core, written to tokens.txt, inserted in batches.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let user_id = user.id.0;
    let app_id = app.id.0;
    let grant_id = match &backend {
        Backend::Sqlite(s) => {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO grants (user_id, app_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3) \
                 ON CONFLICT (user_id, app_id) DO UPDATE SET updated_at = excluded.updated_at RETURNING id",
            )
            .bind(user_id)
            .bind(app_id)
            .bind(now)
            .fetch_one(s.pool())
            .await?
        }
        Backend::Postgres(s) => {
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO grants (user_id, app_id, created_at, updated_at) VALUES ($1, $2, $3, $3) \
                 ON CONFLICT (user_id, app_id) DO UPDATE SET updated_at = excluded.updated_at RETURNING id",
            )
            .bind(user_id)
            .bind(app_id)
            .bind(now)
            .fetch_one(s.pool())
            .await?
        }
    };

    let file = std::fs::File::create(args.out.join("tokens.txt")).context("creating tokens.txt")?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let batch = args.batch.max(1);
    let mut done = 0usize;
    while done < args.tokens {
        let n = batch.min(args.tokens - done);
        let rows = tokio::task::spawn_blocking(move || generate(n)).await?;
        for r in &rows {
            out.write_all(r.token.as_bytes())?;
            out.write_all(b"\n")?;
        }
        match &backend {
            Backend::Sqlite(s) => insert_sqlite(s, &rows, done, user_id, app_id, grant_id, now).await?,
            Backend::Postgres(s) => insert_postgres(s, &rows, done, user_id, app_id, grant_id, now).await?,
        }
        done += n;
        if args.tokens >= 100_000 {
            eprintln!(
                "seed: {done}/{} tokens ({:.1} s)",
                args.tokens,
                started.elapsed().as_secs_f64()
            );
        }
    }
    out.flush()?;
    match &backend {
        Backend::Postgres(s) => {
            sqlx::query("ANALYZE authorizations").execute(s.pool()).await?;
            s.pool().close().await;
        }
        Backend::Sqlite(s) => {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(s.pool()).await?;
            s.pool().close().await;
        }
    }
    eprintln!(
        "seed: user {}, app {}, {} tokens in {:.1} s → {}",
        user.login,
        app.client_id,
        args.tokens,
        started.elapsed().as_secs_f64(),
        args.out.display()
    );
    Ok(())
}

fn random16() -> [u8; 16] {
    use sha2::Digest;
    // Token::generate draws from the OS CSPRNG; hash one to get 16 random bytes without another
    // dependency.
    let t = Token::generate(TokenKind::Personal);
    let d = sha2::Sha256::digest(t.expose().as_bytes());
    let mut out = [0u8; 16];
    out.copy_from_slice(&d[..16]);
    out
}

/// `n` new OAuth-app tokens, generated on every available core.
fn generate(n: usize) -> Vec<Seeded> {
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let per = n.div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .step_by(per)
            .map(|start| {
                let count = per.min(n - start);
                scope.spawn(move || {
                    (0..count)
                        .map(|_| {
                            let t = Token::generate(TokenKind::OAuth);
                            Seeded {
                                digest: t.digest().0,
                                last_eight: t.last_eight(),
                                token: t.expose().to_owned(),
                            }
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}

/// Rows per multi-row INSERT on SQLite (nine bound values each: 18,000, under SQLite's 32,766).
const SQLITE_ROWS_PER_STATEMENT: usize = 2_000;

async fn insert_sqlite(
    store: &SqliteStore,
    rows: &[Seeded],
    first: usize,
    user_id: i64,
    app_id: i64,
    grant_id: i64,
    now: i64,
) -> anyhow::Result<()> {
    let mut tx = store.pool().begin().await?;
    for (chunk_no, chunk) in rows.chunks(SQLITE_ROWS_PER_STATEMENT).enumerate() {
        let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO authorizations (user_id, app_id, grant_id, token_digest, token_last_eight, scopes, \
             fingerprint, created_at, updated_at) ",
        );
        let base = first + chunk_no * SQLITE_ROWS_PER_STATEMENT;
        qb.push_values(chunk.iter().enumerate(), |mut b, (i, r)| {
            b.push_bind(user_id)
                .push_bind(app_id)
                .push_bind(grant_id)
                .push_bind(&r.digest[..])
                .push_bind(&r.last_eight)
                .push_bind("repo")
                .push_bind(format!("bench-{}", base + i))
                .push_bind(now)
                .push_bind(now);
        });
        qb.build().execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn insert_postgres(
    store: &PgStore,
    rows: &[Seeded],
    first: usize,
    user_id: i64,
    app_id: i64,
    grant_id: i64,
    now: i64,
) -> anyhow::Result<()> {
    let digests: Vec<Vec<u8>> = rows.iter().map(|r| r.digest.to_vec()).collect();
    let last: Vec<String> = rows.iter().map(|r| r.last_eight.clone()).collect();
    let fingerprints: Vec<String> = (0..rows.len()).map(|i| format!("bench-{}", first + i)).collect();
    let mut tx = store.pool().begin().await?;
    sqlx::query(
        "INSERT INTO authorizations (user_id, app_id, grant_id, token_digest, token_last_eight, scopes, \
         fingerprint, created_at, updated_at) \
         SELECT $1, $2, $3, d, l, 'repo', f, $4, $4 FROM UNNEST($5::BYTEA[], $6::TEXT[], $7::TEXT[]) AS t (d, l, f)",
    )
    .bind(user_id)
    .bind(app_id)
    .bind(grant_id)
    .bind(now)
    .bind(&digests)
    .bind(&last)
    .bind(&fingerprints)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

fn write_json(path: &Path, value: &serde_json::Value) -> anyhow::Result<()> {
    std::fs::write(path, format!("{value}\n")).with_context(|| format!("writing {}", path.display()))
}

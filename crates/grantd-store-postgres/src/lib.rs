//! grantd's scale-out store: PostgreSQL through sqlx, for several grantd instances sharing one
//! database.
//!
//! The SQLite store (`grantd-store-sqlite`) is the reference: this crate has the same schema (the
//! migration has the same file name and index names), the same queries translated to PostgreSQL
//! and the same answers, checked by the shared conformance suite (`grantd-store-tests`).
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
//!   [`Conflict`] by constraint name, and get-or-create inserts with
//!   `ON CONFLICT … DO NOTHING` and falls back to the existing row.

use async_trait::async_trait;
use grantd_core::model::{
    App, AppId, AppSummary, Authorization, AuthorizationId, AuthorizationUpdate, ClientId, Grant, GrantId, NewApp,
    NewAuthorization, NewUser, Page, PageRequest, Scopes, User, UserId,
};
use grantd_core::secret::TokenDigest;
use grantd_core::store::{
    AppStore, AuthorizationStore, Conflict, GrantRow, GrantStore, LockoutPolicy, Snapshot, SnapshotStore, Store,
    StoreError, StoreResult, UserStore,
};
use sqlx::migrate::MigrateError;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions, PgRow};
use sqlx::{Connection, PgPool, Row, Transaction};
use std::str::FromStr;
use std::time::Duration;
use time::OffsetDateTime;
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

    /// The underlying pool (for tools such as the benchmark seeder).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    async fn begin(&self) -> StoreResult<Tx> {
        self.pool.begin().await.map_err(db)
    }
}

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

// ---- conversions ---------------------------------------------------------------------------

/// PostgreSQL's names for the unique rules of the schema, and the conflict each one means.
const UNIQUE_RULES: &[(&str, Conflict)] = &[
    ("users_login_key_key", Conflict::Login),
    ("apps_client_id_key", Conflict::ClientId),
    ("authorizations_token_digest_key", Conflict::Token),
    ("authorizations_pat_note", Conflict::Note),
    ("authorizations_app_fingerprint", Conflict::Fingerprint),
    ("authorizations_pat_fingerprint", Conflict::Fingerprint),
];

fn db(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e {
        if d.is_unique_violation() {
            let conflict = d
                .constraint()
                .and_then(|name| UNIQUE_RULES.iter().find(|(rule, _)| *rule == name))
                .map(|(_, conflict)| *conflict);
            // Any other unique rule (grants_user_id_app_id_key is only ever written through an
            // upsert) would be a bug of this store, not a conflict to show a client.
            if let Some(conflict) = conflict {
                return StoreError::Conflict(conflict);
            }
        }
    }
    StoreError::backend(e)
}

fn ts(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

fn from_ts(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// The key that makes logins unique case-insensitively: the login with ASCII letters lowered,
/// exactly SQLite's built-in `lower()` (PostgreSQL's `lower()` would also lower non-ASCII letters
/// according to the database's locale, and the two stores must agree on which logins collide).
fn login_key(login: &str) -> String {
    login.to_ascii_lowercase()
}

fn digest_of(row: &PgRow, col: &str) -> StoreResult<[u8; 32]> {
    let bytes: Vec<u8> = row.try_get(col).map_err(db)?;
    bytes
        .try_into()
        .map_err(|_| StoreError::Backend(format!("column {col} is not a 32-byte digest").into()))
}

const USER_COLUMNS: &str = "id, login, email, name, password_hash, totp_sealed, totp_last_step, failed_logins, \
                            locked_until, created_at, updated_at";

fn user_from(row: &PgRow) -> StoreResult<User> {
    user_from_prefixed(row, "")
}

/// A user from the columns of [`USER_COLUMNS`] named with `prefix` (`u_` where the user is
/// joined to another row).
fn user_from_prefixed(row: &PgRow, prefix: &str) -> StoreResult<User> {
    let col = |name: &str| format!("{prefix}{name}");
    Ok(User {
        id: UserId(row.try_get(col("id").as_str()).map_err(db)?),
        login: row.try_get(col("login").as_str()).map_err(db)?,
        email: row.try_get(col("email").as_str()).map_err(db)?,
        name: row.try_get(col("name").as_str()).map_err(db)?,
        password_hash: row.try_get(col("password_hash").as_str()).map_err(db)?,
        totp_sealed: row.try_get(col("totp_sealed").as_str()).map_err(db)?,
        totp_last_step: row.try_get(col("totp_last_step").as_str()).map_err(db)?,
        failed_logins: row.try_get(col("failed_logins").as_str()).map_err(db)?,
        locked_until: row
            .try_get::<Option<i64>, _>(col("locked_until").as_str())
            .map_err(db)?
            .map(from_ts),
        created_at: from_ts(row.try_get(col("created_at").as_str()).map_err(db)?),
        updated_at: from_ts(row.try_get(col("updated_at").as_str()).map_err(db)?),
    })
}

const APP_COLUMNS: &str = "id, client_id, client_secret_digest, name, url, callback_url, created_at, updated_at";

fn app_from(row: &PgRow) -> StoreResult<App> {
    Ok(App {
        id: AppId(row.try_get("id").map_err(db)?),
        client_id: ClientId(row.try_get("client_id").map_err(db)?),
        client_secret_digest: digest_of(row, "client_secret_digest")?,
        name: row.try_get("name").map_err(db)?,
        url: row.try_get("url").map_err(db)?,
        callback_url: row.try_get("callback_url").map_err(db)?,
        created_at: from_ts(row.try_get("created_at").map_err(db)?),
        updated_at: from_ts(row.try_get("updated_at").map_err(db)?),
    })
}

/// Authorization columns with the app joined as `p`.
const AUTH_SELECT: &str = "SELECT a.id, a.user_id, a.app_id, a.grant_id, a.token_digest, a.token_last_eight, \
    a.scopes, a.note, a.note_url, a.fingerprint, a.created_at, a.updated_at, a.expires_at, \
    p.client_id AS app_client_id, p.name AS app_name, p.url AS app_url \
    FROM authorizations a LEFT JOIN apps p ON p.id = a.app_id";

/// An authorization by token digest (`$1`), alive at `$2`, with its owner's columns as `u_*`.
static AUTHORIZATION_AND_USER_BY_TOKEN: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let user_columns = USER_COLUMNS
        .split(',')
        .map(|c| format!("u.{0} AS u_{0}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ");
    let select = AUTH_SELECT.replacen(
        " FROM authorizations",
        &format!(", {user_columns} FROM authorizations"),
        1,
    );
    format!(
        "{select} JOIN users u ON u.id = a.user_id WHERE a.token_digest = $1 AND {}",
        live(2)
    )
});

/// The condition that a token (alias `a`) is alive at parameter `$n` (BEHAVIOR 78).
fn live(n: u8) -> String {
    format!("(a.expires_at IS NULL OR a.expires_at > ${n})")
}

fn authorization_from(row: &PgRow) -> StoreResult<Authorization> {
    let app_id: Option<i64> = row.try_get("app_id").map_err(db)?;
    let app = match app_id {
        Some(id) => Some(AppSummary {
            id: AppId(id),
            client_id: ClientId(row.try_get("app_client_id").map_err(db)?),
            name: row.try_get("app_name").map_err(db)?,
            url: row.try_get("app_url").map_err(db)?,
        }),
        None => None,
    };
    Ok(Authorization {
        id: AuthorizationId(row.try_get("id").map_err(db)?),
        user_id: UserId(row.try_get("user_id").map_err(db)?),
        app,
        grant_id: row.try_get::<Option<i64>, _>("grant_id").map_err(db)?.map(GrantId),
        scopes: Scopes::from_storage(&row.try_get::<String, _>("scopes").map_err(db)?),
        token_digest: TokenDigest(digest_of(row, "token_digest")?),
        token_last_eight: row.try_get("token_last_eight").map_err(db)?,
        note: row.try_get("note").map_err(db)?,
        note_url: row.try_get("note_url").map_err(db)?,
        fingerprint: row.try_get("fingerprint").map_err(db)?,
        created_at: from_ts(row.try_get("created_at").map_err(db)?),
        updated_at: from_ts(row.try_get("updated_at").map_err(db)?),
        expires_at: row.try_get::<Option<i64>, _>("expires_at").map_err(db)?.map(from_ts),
    })
}

/// Grant columns with the app joined as `p` and the live tokens' scopes (at `$1`) concatenated.
const GRANT_SELECT: &str = "SELECT g.id, g.user_id, g.created_at, g.updated_at, \
    p.id AS app_id, p.client_id AS app_client_id, p.name AS app_name, p.url AS app_url, \
    (SELECT string_agg(a.scopes, ',') FROM authorizations a \
     WHERE a.grant_id = g.id AND (a.expires_at IS NULL OR a.expires_at > $1)) AS scopes \
    FROM grants g JOIN apps p ON p.id = g.app_id";

/// A grant is visible while it has a live token (at `$1`).
const GRANT_LIVE: &str =
    "EXISTS (SELECT 1 FROM authorizations a WHERE a.grant_id = g.id AND (a.expires_at IS NULL OR a.expires_at > $1))";

fn grant_from(row: &PgRow) -> StoreResult<Grant> {
    let scopes: Option<String> = row.try_get("scopes").map_err(db)?;
    let scopes = Scopes::from_storage(scopes.as_deref().unwrap_or(""));
    Ok(Grant {
        id: GrantId(row.try_get("id").map_err(db)?),
        user_id: UserId(row.try_get("user_id").map_err(db)?),
        app: AppSummary {
            id: AppId(row.try_get("app_id").map_err(db)?),
            client_id: ClientId(row.try_get("app_client_id").map_err(db)?),
            name: row.try_get("app_name").map_err(db)?,
            url: row.try_get("app_url").map_err(db)?,
        },
        scopes: Scopes::union([&scopes]),
        created_at: from_ts(row.try_get("created_at").map_err(db)?),
        updated_at: from_ts(row.try_get("updated_at").map_err(db)?),
    })
}

fn page_bounds(page: PageRequest) -> (i64, i64) {
    (
        i64::from(page.per_page),
        i64::try_from(page.offset()).unwrap_or(i64::MAX),
    )
}

fn found(rows: u64) -> StoreResult<()> {
    if rows == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

// ---- transaction helpers -----------------------------------------------------------------

type Tx = Transaction<'static, sqlx::Postgres>;

/// Locks `user`'s row until the transaction ends, so the writes to one user's authorizations and
/// grants run one at a time (see the crate documentation). A missing user locks nothing; the
/// write then fails as it does in SQLite (a foreign-key error or not-found).
async fn lock_user(conn: &mut PgConnection, user: UserId) -> StoreResult<()> {
    sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE")
        .bind(user.0)
        .fetch_optional(conn)
        .await
        .map_err(db)?;
    Ok(())
}

/// Share-locks `app`'s row before a token of it is written, so revoking every token of the app
/// (which locks the row for update) either sees the new token or runs entirely before it, and
/// the two never deadlock: both lock the app row before any token or grant row.
async fn lock_app_shared(conn: &mut PgConnection, app: AppId) -> StoreResult<()> {
    sqlx::query("SELECT 1 FROM apps WHERE id = $1 FOR KEY SHARE")
        .bind(app.0)
        .fetch_optional(conn)
        .await
        .map_err(db)?;
    Ok(())
}

/// Locks the owner of the live token `digest` of `app` and returns it; `NotFound` if there is no
/// such token. The caller reads the token again under the lock: it may have changed meanwhile.
async fn lock_token_owner(
    conn: &mut PgConnection,
    app: AppId,
    digest: &TokenDigest,
    now: OffsetDateTime,
) -> StoreResult<UserId> {
    let owner: i64 = sqlx::query_scalar(&format!(
        "SELECT a.user_id FROM authorizations a WHERE a.token_digest = $1 AND a.app_id = $2 AND {}",
        live(3)
    ))
    .bind(&digest.0[..])
    .bind(app.0)
    .bind(ts(now))
    .fetch_optional(&mut *conn)
    .await
    .map_err(db)?
    .ok_or(StoreError::NotFound)?;
    lock_user(conn, UserId(owner)).await?;
    Ok(UserId(owner))
}

async fn authorization_in(conn: &mut PgConnection, id: i64) -> StoreResult<Authorization> {
    let row = sqlx::query(&format!("{AUTH_SELECT} WHERE a.id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await
        .map_err(db)?;
    authorization_from(&row)
}

async fn user_in(conn: &mut PgConnection, id: i64) -> StoreResult<User> {
    let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
        .bind(id)
        .fetch_one(conn)
        .await
        .map_err(db)?;
    user_from(&row)
}

/// Expired tokens are dead everywhere: they are purged before a write that could collide with
/// them on a note or fingerprint.
async fn purge_expired(conn: &mut PgConnection, user: UserId, now: OffsetDateTime) -> StoreResult<()> {
    sqlx::query("DELETE FROM authorizations WHERE user_id = $1 AND expires_at IS NOT NULL AND expires_at <= $2")
        .bind(user.0)
        .bind(ts(now))
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    delete_empty_grants(conn, Some(user)).await
}

/// Removes grants left without tokens (a grant disappears with its last token).
async fn delete_empty_grants(conn: &mut PgConnection, user: Option<UserId>) -> StoreResult<()> {
    sqlx::query(
        "DELETE FROM grants WHERE ($1::BIGINT IS NULL OR user_id = $1) \
         AND NOT EXISTS (SELECT 1 FROM authorizations a WHERE a.grant_id = grants.id)",
    )
    .bind(user.map(|u| u.0))
    .execute(conn)
    .await
    .map_err(db)?;
    Ok(())
}

/// Checks the unique rules a new or changed authorization must keep, so the answer names the
/// field (BEHAVIOR 26); the unique indexes enforce the same rules.
async fn check_unique(
    conn: &mut PgConnection,
    user: UserId,
    app: Option<AppId>,
    note: Option<&str>,
    fingerprint: Option<&str>,
    except: Option<i64>,
) -> StoreResult<()> {
    let except = except.unwrap_or(0);
    if app.is_none() {
        if let Some(note) = note {
            let taken: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM authorizations WHERE user_id = $1 AND app_id IS NULL AND note = $2 AND id <> $3",
            )
            .bind(user.0)
            .bind(note)
            .bind(except)
            .fetch_optional(&mut *conn)
            .await
            .map_err(db)?;
            if taken.is_some() {
                return Err(StoreError::Conflict(Conflict::Note));
            }
        }
    }
    if app.is_some() || fingerprint.is_some() {
        let taken: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM authorizations WHERE user_id = $1 AND app_id IS NOT DISTINCT FROM $2::BIGINT \
             AND COALESCE(fingerprint, '') = COALESCE($3::TEXT, '') AND id <> $4",
        )
        .bind(user.0)
        .bind(app.map(|a| a.0))
        .bind(fingerprint)
        .bind(except)
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?;
        if taken.is_some() {
            return Err(StoreError::Conflict(Conflict::Fingerprint));
        }
    }
    Ok(())
}

/// Inserts `new` (and, for an app, its grant or a bump of the grant's `updated_at`). With
/// `unless_taken`, an authorization of the same user, app and fingerprint makes it insert nothing
/// and return `None` instead of failing.
async fn insert_authorization(
    conn: &mut PgConnection,
    new: &NewAuthorization,
    unless_taken: bool,
) -> StoreResult<Option<i64>> {
    let grant_id: Option<i64> = match &new.app {
        Some(app) => Some(
            sqlx::query_scalar(
                "INSERT INTO grants (user_id, app_id, created_at, updated_at) VALUES ($1, $2, $3, $3) \
                 ON CONFLICT (user_id, app_id) DO UPDATE SET updated_at = excluded.updated_at RETURNING id",
            )
            .bind(new.user_id.0)
            .bind(app.id.0)
            .bind(ts(new.now))
            .fetch_one(&mut *conn)
            .await
            .map_err(db)?,
        ),
        None => None,
    };
    // The arbiter is the unique index authorizations_app_fingerprint: its columns and predicate.
    let on_conflict = if unless_taken {
        " ON CONFLICT (user_id, app_id, (COALESCE(fingerprint, ''))) WHERE app_id IS NOT NULL DO NOTHING"
    } else {
        ""
    };
    sqlx::query_scalar(&format!(
        "INSERT INTO authorizations (user_id, app_id, grant_id, token_digest, token_last_eight, scopes, note, \
         note_url, fingerprint, created_at, updated_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11){on_conflict} RETURNING id"
    ))
    .bind(new.user_id.0)
    .bind(new.app.as_ref().map(|a| a.id.0))
    .bind(grant_id)
    .bind(&new.token_digest.0[..])
    .bind(&new.token_last_eight)
    .bind(new.scopes.to_storage())
    .bind(&new.note)
    .bind(&new.note_url)
    .bind(&new.fingerprint)
    .bind(ts(new.now))
    .bind(new.expires_at.map(ts))
    .fetch_optional(conn)
    .await
    .map_err(db)
}

/// The authorization of `user` for `app` with `fingerprint` (or none), if any.
async fn app_authorization(
    conn: &mut PgConnection,
    user: UserId,
    app: AppId,
    fingerprint: Option<&str>,
) -> StoreResult<Option<Authorization>> {
    sqlx::query(&format!(
        "{AUTH_SELECT} WHERE a.user_id = $1 AND a.app_id = $2 AND COALESCE(a.fingerprint, '') = COALESCE($3::TEXT, '')"
    ))
    .bind(user.0)
    .bind(app.0)
    .bind(fingerprint)
    .fetch_optional(conn)
    .await
    .map_err(db)?
    .as_ref()
    .map(authorization_from)
    .transpose()
}

/// The live authorization of `app` whose token is `digest`, in a transaction.
async fn live_app_token(
    conn: &mut PgConnection,
    app: AppId,
    digest: &TokenDigest,
    now: OffsetDateTime,
) -> StoreResult<Authorization> {
    let row = sqlx::query(&format!(
        "{AUTH_SELECT} WHERE a.token_digest = $1 AND a.app_id = $2 AND {}",
        live(3)
    ))
    .bind(&digest.0[..])
    .bind(app.0)
    .bind(ts(now))
    .fetch_optional(conn)
    .await
    .map_err(db)?
    .ok_or(StoreError::NotFound)?;
    authorization_from(&row)
}

async fn delete_authorization_row(conn: &mut PgConnection, id: i64) -> StoreResult<()> {
    sqlx::query("DELETE FROM authorizations WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await
        .map_err(db)?;
    Ok(())
}

// ---- the traits --------------------------------------------------------------------------

#[async_trait]
impl UserStore for PgStore {
    async fn create_user(&self, new: NewUser) -> StoreResult<User> {
        // `WHERE NOT EXISTS`: a taken login inserts nothing, so it does not use up an id of the
        // identity's sequence (sequences do not roll back). Ids then follow each other as in
        // SQLite; two racing creates still meet the unique rule (Conflict::Login).
        let row = sqlx::query(&format!(
            "INSERT INTO users (login, login_key, email, name, password_hash, created_at, updated_at) \
             SELECT $1, $2, $3, $4, $5, $6, $6 WHERE NOT EXISTS (SELECT 1 FROM users WHERE login_key = $2) \
             RETURNING {USER_COLUMNS}"
        ))
        .bind(&new.login)
        .bind(login_key(&new.login))
        .bind(&new.email)
        .bind(&new.name)
        .bind(&new.password_hash)
        .bind(ts(new.now))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .ok_or(StoreError::Conflict(Conflict::Login))?;
        user_from(&row)
    }

    async fn user_by_login(&self, login: &str) -> StoreResult<Option<User>> {
        sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE login_key = $1"))
            .bind(login_key(login))
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .as_ref()
            .map(user_from)
            .transpose()
    }

    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>> {
        sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .as_ref()
            .map(user_from)
            .transpose()
    }

    async fn list_users(&self) -> StoreResult<Vec<User>> {
        sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(user_from)
            .collect()
    }

    async fn count_users(&self) -> StoreResult<u64> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn set_password_hash(&self, id: UserId, hash: &str, now: OffsetDateTime) -> StoreResult<()> {
        let done = sqlx::query(
            "UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = NULL, updated_at = $2 \
             WHERE id = $3",
        )
        .bind(hash)
        .bind(ts(now))
        .bind(id.0)
        .execute(&self.pool)
        .await
        .map_err(db)?;
        found(done.rows_affected())
    }

    async fn set_totp(&self, id: UserId, sealed: Option<&[u8]>, now: OffsetDateTime) -> StoreResult<()> {
        let done = sqlx::query("UPDATE users SET totp_sealed = $1, totp_last_step = 0, updated_at = $2 WHERE id = $3")
            .bind(sealed)
            .bind(ts(now))
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        found(done.rows_affected())
    }

    async fn delete_user(&self, id: UserId) -> StoreResult<()> {
        // Authorizations and grants go with the user: their user_id cascades.
        let done = sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        found(done.rows_affected())
    }

    async fn record_failed_login(&self, id: UserId, now: OffsetDateTime, policy: &LockoutPolicy) -> StoreResult<bool> {
        // One statement: PostgreSQL, like SQLite, evaluates every SET expression against the old
        // row, so the new count is spelled out where the lock decision needs it. Concurrent
        // failures queue on the row lock and each re-evaluates the statement against the row the
        // previous one committed (READ COMMITTED), so every failure is counted.
        let locked_until: Option<Option<i64>> = sqlx::query_scalar(
            "UPDATE users SET \
               failed_logins = CASE WHEN failed_window_start IS NULL OR failed_window_start <= $1 - $2 \
                                    THEN 1 ELSE failed_logins + 1 END, \
               failed_window_start = CASE WHEN failed_window_start IS NULL OR failed_window_start <= $1 - $2 \
                                          THEN $1 ELSE failed_window_start END, \
               locked_until = CASE WHEN (CASE WHEN failed_window_start IS NULL OR failed_window_start <= $1 - $2 \
                                              THEN 1 ELSE failed_logins + 1 END) >= $3 \
                                   THEN $1 + $4 ELSE locked_until END \
             WHERE id = $5 RETURNING locked_until",
        )
        .bind(ts(now))
        .bind(policy.window_seconds)
        .bind(policy.max_failures)
        .bind(policy.lock_seconds)
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?;
        let locked_until = locked_until.ok_or(StoreError::NotFound)?;
        Ok(locked_until.is_some_and(|until| until > ts(now)))
    }

    async fn clear_failed_logins(&self, id: UserId) -> StoreResult<()> {
        sqlx::query("UPDATE users SET failed_logins = 0, failed_window_start = NULL WHERE id = $1")
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn accept_totp_step(&self, id: UserId, step: i64) -> StoreResult<bool> {
        // A conditional update: of two racing codes, the older step loses once the newer one is
        // committed (the second update re-checks its condition against the committed row).
        let done = sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step <= $1")
            .bind(step)
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }
}

#[async_trait]
impl AppStore for PgStore {
    async fn create_app(&self, new: NewApp) -> StoreResult<App> {
        // `WHERE NOT EXISTS`, as for users: a taken client id uses up no id.
        let row = sqlx::query(&format!(
            "INSERT INTO apps (client_id, client_secret_digest, name, url, callback_url, created_at, updated_at) \
             SELECT $1, $2, $3, $4, $5, $6, $6 WHERE NOT EXISTS (SELECT 1 FROM apps WHERE client_id = $1) \
             RETURNING {APP_COLUMNS}"
        ))
        .bind(&new.client_id.0)
        .bind(&new.client_secret_digest[..])
        .bind(&new.name)
        .bind(&new.url)
        .bind(&new.callback_url)
        .bind(ts(new.now))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .ok_or(StoreError::Conflict(Conflict::ClientId))?;
        app_from(&row)
    }

    async fn app_by_client_id(&self, client_id: &str) -> StoreResult<Option<App>> {
        sqlx::query(&format!("SELECT {APP_COLUMNS} FROM apps WHERE client_id = $1"))
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .as_ref()
            .map(app_from)
            .transpose()
    }

    async fn list_apps(&self) -> StoreResult<Vec<App>> {
        sqlx::query(&format!("SELECT {APP_COLUMNS} FROM apps ORDER BY id"))
            .fetch_all(&self.pool)
            .await
            .map_err(db)?
            .iter()
            .map(app_from)
            .collect()
    }

    async fn set_app_secret(&self, id: AppId, digest: &[u8; 32], now: OffsetDateTime) -> StoreResult<()> {
        let done = sqlx::query("UPDATE apps SET client_secret_digest = $1, updated_at = $2 WHERE id = $3")
            .bind(&digest[..])
            .bind(ts(now))
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        found(done.rows_affected())
    }

    async fn delete_app(&self, id: AppId) -> StoreResult<()> {
        // Authorizations and grants go with the app: their app_id cascades.
        let done = sqlx::query("DELETE FROM apps WHERE id = $1")
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        found(done.rows_affected())
    }
}

#[async_trait]
impl AuthorizationStore for PgStore {
    async fn create_authorization(&self, new: NewAuthorization) -> StoreResult<Authorization> {
        let app = new.app.as_ref().map(|a| a.id);
        let mut tx = self.begin().await?;
        lock_user(&mut tx, new.user_id).await?;
        if let Some(app) = app {
            lock_app_shared(&mut tx, app).await?;
        }
        purge_expired(&mut tx, new.user_id, new.now).await?;
        check_unique(
            &mut tx,
            new.user_id,
            app,
            new.note.as_deref(),
            new.fingerprint.as_deref(),
            None,
        )
        .await?;
        let id = insert_authorization(&mut tx, &new, false)
            .await?
            .ok_or_else(|| StoreError::Backend("INSERT … RETURNING returned no row".into()))?;
        let created = authorization_in(&mut tx, id).await?;
        tx.commit().await.map_err(db)?;
        Ok(created)
    }

    async fn get_or_create_authorization(&self, new: NewAuthorization) -> StoreResult<(Authorization, bool)> {
        let app = new.app.as_ref().map(|a| a.id).ok_or(StoreError::NotFound)?;
        let mut tx = self.begin().await?;
        // Under the user's lock the look-up below cannot miss a row that a concurrent call is
        // about to insert; the ON CONFLICT insert keeps the answer right even without it.
        lock_user(&mut tx, new.user_id).await?;
        lock_app_shared(&mut tx, app).await?;
        purge_expired(&mut tx, new.user_id, new.now).await?;
        if let Some(existing) = app_authorization(&mut tx, new.user_id, app, new.fingerprint.as_deref()).await? {
            tx.commit().await.map_err(db)?;
            return Ok((existing, false));
        }
        // A savepoint, so an insert that finds the row taken also undoes its grant's bump of
        // `updated_at`: returning an existing authorization changes nothing, as in SQLite.
        let mut insert = (*tx).begin().await.map_err(db)?;
        let result = match insert_authorization(&mut insert, &new, true).await? {
            Some(id) => {
                insert.commit().await.map_err(db)?;
                (authorization_in(&mut tx, id).await?, true)
            }
            None => {
                insert.rollback().await.map_err(db)?;
                let existing = app_authorization(&mut tx, new.user_id, app, new.fingerprint.as_deref())
                    .await?
                    .ok_or(StoreError::NotFound)?;
                (existing, false)
            }
        };
        tx.commit().await.map_err(db)?;
        Ok(result)
    }

    async fn authorization(
        &self,
        user: UserId,
        id: AuthorizationId,
        now: OffsetDateTime,
    ) -> StoreResult<Option<Authorization>> {
        sqlx::query(&format!(
            "{AUTH_SELECT} WHERE a.id = $1 AND a.user_id = $2 AND {}",
            live(3)
        ))
        .bind(id.0)
        .bind(user.0)
        .bind(ts(now))
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .as_ref()
        .map(authorization_from)
        .transpose()
    }

    async fn list_authorizations(
        &self,
        user: UserId,
        app: Option<AppId>,
        page: PageRequest,
        now: OffsetDateTime,
    ) -> StoreResult<Page<Authorization>> {
        let filter = "a.user_id = $1 AND ($2::BIGINT IS NULL OR a.app_id = $2) \
                      AND (a.expires_at IS NULL OR a.expires_at > $3)";
        let (limit, offset) = page_bounds(page);
        let mut conn = self.pool.acquire().await.map_err(db)?;
        // Without an app filter the total is the user's kept count (migration 0004) less their
        // expired authorizations, which the partial (user_id, expires_at) index finds directly.
        let count_for_app;
        let total: i64 = match app {
            None => sqlx::query_scalar(
                "SELECT COALESCE((SELECT total FROM authorization_counts WHERE user_id = $1), 0) \
                 - (SELECT COUNT(*) FROM authorizations WHERE user_id = $1 AND expires_at IS NOT NULL \
                    AND expires_at <= $2)",
            )
            .bind(user.0)
            .bind(ts(now)),
            Some(app) => {
                count_for_app = format!("SELECT COUNT(*) FROM authorizations a WHERE {filter}");
                sqlx::query_scalar(&count_for_app)
                    .bind(user.0)
                    .bind(Some(app.0))
                    .bind(ts(now))
            }
        }
        .fetch_one(&mut *conn)
        .await
        .map_err(db)?;
        let rows = sqlx::query(&format!(
            "{AUTH_SELECT} WHERE {filter} ORDER BY a.id LIMIT $4 OFFSET $5"
        ))
        .bind(user.0)
        .bind(app.map(|a| a.0))
        .bind(ts(now))
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        Ok(Page {
            items: rows.iter().map(authorization_from).collect::<StoreResult<_>>()?,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    async fn update_authorization(
        &self,
        user: UserId,
        id: AuthorizationId,
        update: AuthorizationUpdate,
        now: OffsetDateTime,
    ) -> StoreResult<Authorization> {
        let mut tx = self.begin().await?;
        lock_user(&mut tx, user).await?;
        // An expired token must not keep its note or fingerprint from a live one (BEHAVIOR 78).
        purge_expired(&mut tx, user, now).await?;
        let current = sqlx::query(&format!(
            "{AUTH_SELECT} WHERE a.id = $1 AND a.user_id = $2 AND {}",
            live(3)
        ))
        .bind(id.0)
        .bind(user.0)
        .bind(ts(now))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound)?;
        let current = authorization_from(&current)?;
        let app = current.app.as_ref().map(|a| a.id);
        let note = update.note.as_deref().or(current.note.as_deref());
        let fingerprint = update.fingerprint.as_deref().or(current.fingerprint.as_deref());
        check_unique(&mut tx, user, app, note, fingerprint, Some(id.0)).await?;
        sqlx::query(
            "UPDATE authorizations SET scopes = COALESCE($1, scopes), note = COALESCE($2, note), \
             note_url = COALESCE($3, note_url), fingerprint = COALESCE($4, fingerprint), updated_at = $5 \
             WHERE id = $6",
        )
        .bind(update.scopes.as_ref().map(Scopes::to_storage))
        .bind(&update.note)
        .bind(&update.note_url)
        .bind(&update.fingerprint)
        .bind(ts(now))
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if let Some(grant) = current.grant_id {
            sqlx::query("UPDATE grants SET updated_at = $1 WHERE id = $2")
                .bind(ts(now))
                .bind(grant.0)
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        let updated = authorization_in(&mut tx, id.0).await?;
        tx.commit().await.map_err(db)?;
        Ok(updated)
    }

    async fn delete_authorization(&self, user: UserId, id: AuthorizationId) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        lock_user(&mut tx, user).await?;
        let done = sqlx::query("DELETE FROM authorizations WHERE id = $1 AND user_id = $2")
            .bind(id.0)
            .bind(user.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        found(done.rows_affected())?;
        delete_empty_grants(&mut tx, Some(user)).await?;
        tx.commit().await.map_err(db)
    }

    async fn authorization_by_token(
        &self,
        digest: &TokenDigest,
        now: OffsetDateTime,
    ) -> StoreResult<Option<(Authorization, User)>> {
        // One round trip: the authorization joined with its owner.
        let Some(row) = sqlx::query(&AUTHORIZATION_AND_USER_BY_TOKEN)
            .bind(&digest.0[..])
            .bind(ts(now))
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
        else {
            return Ok(None);
        };
        Ok(Some((authorization_from(&row)?, user_from_prefixed(&row, "u_")?)))
    }

    async fn reset_token(
        &self,
        app: AppId,
        old: &TokenDigest,
        new: &TokenDigest,
        new_last_eight: &str,
        now: OffsetDateTime,
    ) -> StoreResult<(Authorization, User)> {
        let mut tx = self.begin().await?;
        lock_token_owner(&mut tx, app, old, now).await?;
        // Read again under the lock: a concurrent reset may have replaced the token meanwhile,
        // and then this one finds nothing, as it would after the other one in SQLite.
        let current = live_app_token(&mut tx, app, old, now).await?;
        sqlx::query(
            "UPDATE authorizations SET token_digest = $1, token_last_eight = $2, updated_at = $3 WHERE id = $4",
        )
        .bind(&new.0[..])
        .bind(new_last_eight)
        .bind(ts(now))
        .bind(current.id.0)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let updated = authorization_in(&mut tx, current.id.0).await?;
        let user = user_in(&mut tx, updated.user_id.0).await?;
        tx.commit().await.map_err(db)?;
        Ok((updated, user))
    }

    async fn delete_token(&self, app: AppId, digest: &TokenDigest, now: OffsetDateTime) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        lock_token_owner(&mut tx, app, digest, now).await?;
        let current = live_app_token(&mut tx, app, digest, now).await?;
        delete_authorization_row(&mut tx, current.id.0).await?;
        delete_empty_grants(&mut tx, Some(current.user_id)).await?;
        tx.commit().await.map_err(db)
    }

    async fn delete_app_tokens(&self, app: AppId) -> StoreResult<u64> {
        let mut tx = self.begin().await?;
        // Waits for the token writes of this app in progress (they share-lock the row) and holds
        // new ones back until the commit: every token counted is revoked, and a token created
        // meanwhile is either counted and revoked or created afterwards, as in SQLite.
        sqlx::query("SELECT 1 FROM apps WHERE id = $1 FOR UPDATE")
            .bind(app.0)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        let done = sqlx::query("DELETE FROM authorizations WHERE app_id = $1")
            .bind(app.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("DELETE FROM grants WHERE app_id = $1")
            .bind(app.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl GrantStore for PgStore {
    async fn list_grants(
        &self,
        user: UserId,
        app: Option<AppId>,
        page: PageRequest,
        now: OffsetDateTime,
    ) -> StoreResult<Page<Grant>> {
        let filter = format!("g.user_id = $2 AND ($3::BIGINT IS NULL OR g.app_id = $3) AND {GRANT_LIVE}");
        let (limit, offset) = page_bounds(page);
        let mut conn = self.pool.acquire().await.map_err(db)?;
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM grants g WHERE {filter}"))
            .bind(ts(now))
            .bind(user.0)
            .bind(app.map(|a| a.0))
            .fetch_one(&mut *conn)
            .await
            .map_err(db)?;
        let rows = sqlx::query(&format!(
            "{GRANT_SELECT} WHERE {filter} ORDER BY g.id LIMIT $4 OFFSET $5"
        ))
        .bind(ts(now))
        .bind(user.0)
        .bind(app.map(|a| a.0))
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *conn)
        .await
        .map_err(db)?;
        Ok(Page {
            items: rows.iter().map(grant_from).collect::<StoreResult<_>>()?,
            total: u64::try_from(total).unwrap_or(0),
        })
    }

    async fn grant(&self, user: UserId, id: GrantId, now: OffsetDateTime) -> StoreResult<Option<Grant>> {
        sqlx::query(&format!(
            "{GRANT_SELECT} WHERE g.id = $2 AND g.user_id = $3 AND {GRANT_LIVE}"
        ))
        .bind(ts(now))
        .bind(id.0)
        .bind(user.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db)?
        .as_ref()
        .map(grant_from)
        .transpose()
    }

    async fn delete_grant(&self, user: UserId, id: GrantId) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        lock_user(&mut tx, user).await?;
        let done = sqlx::query("DELETE FROM grants WHERE id = $1 AND user_id = $2")
            .bind(id.0)
            .bind(user.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        // The tokens go with it: authorizations.grant_id cascades.
        found(done.rows_affected())?;
        tx.commit().await.map_err(db)
    }

    async fn delete_grant_by_token(&self, app: AppId, digest: &TokenDigest, now: OffsetDateTime) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        lock_token_owner(&mut tx, app, digest, now).await?;
        let current = live_app_token(&mut tx, app, digest, now).await?;
        let grant = current.grant_id.ok_or(StoreError::NotFound)?;
        sqlx::query("DELETE FROM grants WHERE id = $1")
            .bind(grant.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)
    }
}

#[async_trait]
impl Store for PgStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db)?;
        Ok(())
    }
}

/// The tables whose ids an import writes, in the order rows must be inserted.
const ID_TABLES: [&str; 4] = ["users", "apps", "grants", "authorizations"];

#[async_trait]
impl SnapshotStore for PgStore {
    async fn export(&self) -> StoreResult<Snapshot> {
        // One REPEATABLE READ transaction: the four reads see one snapshot of the database
        // without keeping writers out (SQLite needs a write transaction for that).
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await
            .map_err(db)?;
        let users = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY id"))
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?
            .iter()
            .map(user_from)
            .collect::<StoreResult<_>>()?;
        let apps = sqlx::query(&format!("SELECT {APP_COLUMNS} FROM apps ORDER BY id"))
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?
            .iter()
            .map(app_from)
            .collect::<StoreResult<_>>()?;
        let grants = sqlx::query("SELECT id, user_id, app_id, created_at, updated_at FROM grants ORDER BY id")
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?
            .iter()
            .map(|row| {
                Ok(GrantRow {
                    id: GrantId(row.try_get("id").map_err(db)?),
                    user_id: UserId(row.try_get("user_id").map_err(db)?),
                    app_id: AppId(row.try_get("app_id").map_err(db)?),
                    created_at: from_ts(row.try_get("created_at").map_err(db)?),
                    updated_at: from_ts(row.try_get("updated_at").map_err(db)?),
                })
            })
            .collect::<StoreResult<_>>()?;
        let authorizations = sqlx::query(&format!("{AUTH_SELECT} ORDER BY a.id"))
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?
            .iter()
            .map(authorization_from)
            .collect::<StoreResult<_>>()?;
        tx.commit().await.map_err(db)?;
        Ok(Snapshot {
            users,
            apps,
            grants,
            authorizations,
        })
    }

    async fn import(&self, snapshot: &Snapshot) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        // Keeps every other writer out from the emptiness check to the commit, as SQLite's
        // BEGIN IMMEDIATE does (the mode conflicts with itself and with every write; reads go on).
        sqlx::query("LOCK TABLE users, apps, grants, authorizations IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        let rows: i64 = sqlx::query_scalar("SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM apps)")
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        if rows > 0 {
            return Err(StoreError::Conflict(Conflict::NotEmpty));
        }
        // The ids are kept: identity columns take them only with OVERRIDING SYSTEM VALUE.
        for u in &snapshot.users {
            sqlx::query(
                "INSERT INTO users (id, login, login_key, email, name, password_hash, totp_sealed, totp_last_step, \
                 created_at, updated_at) OVERRIDING SYSTEM VALUE \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(u.id.0)
            .bind(&u.login)
            .bind(login_key(&u.login))
            .bind(&u.email)
            .bind(&u.name)
            .bind(&u.password_hash)
            .bind(&u.totp_sealed)
            .bind(u.totp_last_step)
            .bind(ts(u.created_at))
            .bind(ts(u.updated_at))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        for a in &snapshot.apps {
            sqlx::query(
                "INSERT INTO apps (id, client_id, client_secret_digest, name, url, callback_url, created_at, \
                 updated_at) OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(a.id.0)
            .bind(&a.client_id.0)
            .bind(&a.client_secret_digest[..])
            .bind(&a.name)
            .bind(&a.url)
            .bind(&a.callback_url)
            .bind(ts(a.created_at))
            .bind(ts(a.updated_at))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        for g in &snapshot.grants {
            sqlx::query(
                "INSERT INTO grants (id, user_id, app_id, created_at, updated_at) OVERRIDING SYSTEM VALUE \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(g.id.0)
            .bind(g.user_id.0)
            .bind(g.app_id.0)
            .bind(ts(g.created_at))
            .bind(ts(g.updated_at))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        for a in &snapshot.authorizations {
            sqlx::query(
                "INSERT INTO authorizations (id, user_id, app_id, grant_id, token_digest, token_last_eight, scopes, \
                 note, note_url, fingerprint, created_at, updated_at, expires_at) OVERRIDING SYSTEM VALUE \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(a.id.0)
            .bind(a.user_id.0)
            .bind(a.app.as_ref().map(|p| p.id.0))
            .bind(a.grant_id.map(|g| g.0))
            .bind(&a.token_digest.0[..])
            .bind(&a.token_last_eight)
            .bind(a.scopes.to_storage())
            .bind(&a.note)
            .bind(&a.note_url)
            .bind(&a.fingerprint)
            .bind(ts(a.created_at))
            .bind(ts(a.updated_at))
            .bind(a.expires_at.map(ts))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        // Explicit ids do not move an identity's sequence (SQLite's AUTOINCREMENT counter does
        // follow them): move each past the largest id, never backwards, so the next row created
        // gets a new id.
        for table in ID_TABLES {
            sqlx::query(&format!(
                "SELECT setval(s.seq, GREATEST(m.max_id, COALESCE(pg_sequence_last_value(s.seq), 0))) \
                 FROM (SELECT pg_get_serial_sequence('{table}', 'id')::regclass AS seq) s, \
                      (SELECT MAX(id) AS max_id FROM {table}) m \
                 WHERE m.max_id IS NOT NULL"
            ))
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }
}

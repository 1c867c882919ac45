//! grantd's embedded default store: one SQLite file through sqlx.
//!
//! Every trait method is one transaction. Writes that check and then insert (unique notes,
//! get-or-create) run in `BEGIN IMMEDIATE` transactions, which SQLite serialises across every
//! connection and process using the file, and the unique indexes of the schema back them up.
//! The lookups every token-authenticated request makes run inline through [`reader`].

mod reader;

use async_trait::async_trait;
use grantd_core::model::{
    App, AppId, AppSummary, Authorization, AuthorizationId, AuthorizationUpdate, ClientId, Grant, GrantId, NewApp,
    NewAuthorization, NewUser, Page, PageRequest, Scopes, User, UserId,
};
use grantd_core::secret::TokenDigest;
use grantd_core::store::{
    AppStore, AuthorizationStore, Conflict, GrantRow, GrantStore, LockoutPolicy, Snapshot, SnapshotStore, Store,
    StoreError, StoreResult, TokenForApp, UserStore,
};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous};
use sqlx::{Row, SqlitePool, Transaction};
use std::str::FromStr;
use std::sync::{Arc, LazyLock};
use std::time::Duration;
use time::OffsetDateTime;

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
    /// Opens (creating the file and its folder if needed) the database at `url`
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
            std::fs::create_dir_all(dir)
                .map_err(|e| OpenError::Connect(format!("cannot create the folder {}: {e}", dir.display())))?;
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

    /// The underlying pool (for tools such as the benchmark seeder).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    async fn write_tx(&self) -> StoreResult<Transaction<'static, sqlx::Sqlite>> {
        self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(db)
    }
}

// ---- conversions ---------------------------------------------------------------------------

fn db(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e {
        if d.is_unique_violation() {
            let msg = d.message();
            let conflict = if msg.contains("login_key") {
                Conflict::Login
            } else if msg.contains("client_id") {
                Conflict::ClientId
            } else if msg.contains("token_digest") {
                Conflict::Token
            } else if msg.contains("note") {
                Conflict::Note
            } else {
                Conflict::Fingerprint
            };
            return StoreError::Conflict(conflict);
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

/// A column type both sqlx and rusqlite can read.
trait Column: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite> + rusqlite::types::FromSql {}

impl<T> Column for T where
    T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite> + rusqlite::types::FromSql
{
}

/// A result row read by column name: the row conversions below serve sqlx's rows and the
/// [`Labelled`] rows of the inline [`reader`] alike.
trait RowRead {
    fn get<T: Column>(&self, col: &str) -> StoreResult<T>;
}

impl RowRead for SqliteRow {
    fn get<T: Column>(&self, col: &str) -> StoreResult<T> {
        self.try_get(col).map_err(db)
    }
}

/// A result row read by column position.
trait ByPosition {
    fn at<T: Column>(&self, index: usize) -> StoreResult<T>;
}

impl ByPosition for SqliteRow {
    fn at<T: Column>(&self, index: usize) -> StoreResult<T> {
        self.try_get(index).map_err(db)
    }
}

impl ByPosition for rusqlite::Row<'_> {
    fn at<T: Column>(&self, index: usize) -> StoreResult<T> {
        self.get(index).map_err(StoreError::backend)
    }
}

/// A row read by the labels of its statement's columns, in order, from `offset` on: rusqlite's
/// own lookup by name asks SQLite for every column's name each time (a tenth of a token check),
/// and a join's columns may share names.
struct Labelled<'r, R> {
    row: &'r R,
    labels: &'static [&'static str],
    /// Where the labelled columns start in the row.
    offset: usize,
    /// The label after the one last read: the conversions read columns mostly in their order, so
    /// that label is tried before a search.
    next: std::cell::Cell<usize>,
}

impl<'r, R> Labelled<'r, R> {
    const fn new(row: &'r R, labels: &'static [&'static str], offset: usize) -> Self {
        Self {
            row,
            labels,
            offset,
            next: std::cell::Cell::new(0),
        }
    }
}

impl<R: ByPosition> RowRead for Labelled<'_, R> {
    fn get<T: Column>(&self, col: &str) -> StoreResult<T> {
        let guess = self.next.get();
        let index = if self.labels.get(guess) == Some(&col) {
            guess
        } else {
            self.labels
                .iter()
                .position(|l| *l == col)
                .ok_or_else(|| StoreError::Backend(format!("no column {col} in the statement").into()))?
        };
        self.next.set(index + 1);
        self.row.at(index + self.offset)
    }
}

/// The labels of a column list (`a.id, p.name AS app_name, …`): each column's alias, or its name.
fn labels(columns: &'static str) -> Vec<&'static str> {
    columns
        .split(',')
        .map(|c| {
            let c = c.trim();
            let c = c.rsplit_once(" AS ").map_or(c, |(_, alias)| alias);
            c.rsplit_once('.').map_or(c, |(_, name)| name)
        })
        .collect()
}

fn digest_of(row: &impl RowRead, col: &str) -> StoreResult<[u8; 32]> {
    let bytes: Vec<u8> = row.get(col)?;
    bytes
        .try_into()
        .map_err(|_| StoreError::Backend(format!("column {col} is not a 32-byte digest").into()))
}

const USER_COLUMNS: &str = "id, login, email, name, password_hash, totp_sealed, totp_last_step, failed_logins, \
                            locked_until, created_at, updated_at";
/// The labels of [`USER_COLUMNS`], in order.
static USER_LABELS: LazyLock<Vec<&str>> = LazyLock::new(|| labels(USER_COLUMNS));

fn user_from(row: &impl RowRead) -> StoreResult<User> {
    Ok(User {
        id: UserId(row.get("id")?),
        login: row.get("login")?,
        email: row.get("email")?,
        name: row.get("name")?,
        password_hash: row.get("password_hash")?,
        totp_sealed: row.get("totp_sealed")?,
        totp_last_step: row.get("totp_last_step")?,
        failed_logins: row.get("failed_logins")?,
        locked_until: row.get::<Option<i64>>("locked_until")?.map(from_ts),
        created_at: from_ts(row.get("created_at")?),
        updated_at: from_ts(row.get("updated_at")?),
    })
}

const APP_COLUMNS: &str = "id, client_id, client_secret_digest, name, url, callback_url, created_at, updated_at";
/// The labels of [`APP_COLUMNS`], in order.
static APP_LABELS: LazyLock<Vec<&str>> = LazyLock::new(|| labels(APP_COLUMNS));

fn app_from(row: &impl RowRead) -> StoreResult<App> {
    Ok(App {
        id: AppId(row.get("id")?),
        client_id: ClientId(row.get("client_id")?),
        client_secret_digest: digest_of(row, "client_secret_digest")?,
        name: row.get("name")?,
        url: row.get("url")?,
        callback_url: row.get("callback_url")?,
        created_at: from_ts(row.get("created_at")?),
        updated_at: from_ts(row.get("updated_at")?),
    })
}

/// Authorization columns with the app joined as `p`.
/// The authorization columns, with the app's as `app_*`.
macro_rules! auth_columns {
    () => {
        "a.id, a.user_id, a.app_id, a.grant_id, a.token_digest, a.token_last_eight, \
         a.scopes, a.note, a.note_url, a.fingerprint, a.created_at, a.updated_at, a.expires_at, \
         p.client_id AS app_client_id, p.name AS app_name, p.url AS app_url"
    };
}
const AUTH_SELECT: &str = concat!(
    "SELECT ",
    auth_columns!(),
    " FROM authorizations a LEFT JOIN apps p ON p.id = a.app_id"
);
/// The labels of [`AUTH_SELECT`]'s columns, in order.
static AUTH_LABELS: LazyLock<Vec<&str>> = LazyLock::new(|| labels(auth_columns!()));

/// The condition that a token (alias `a`) is alive at `?` (BEHAVIOR 78).
const LIVE: &str = "(a.expires_at IS NULL OR a.expires_at > ?)";

// The statements of the inline reads, shared with their pooled twins.
static APP_BY_CLIENT_ID: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {APP_COLUMNS} FROM apps WHERE client_id = ?"));
/// An authorization with its owner's columns after [`AUTH_LABELS`], in one statement. It reads
/// the authorization from the index that holds all its columns (migration 0005), so a lookup
/// reads one leaf page rather than an index leaf and a table leaf.
static AUTHORIZATION_AND_USER_BY_TOKEN: LazyLock<String> = LazyLock::new(|| {
    let user_columns = USER_LABELS
        .iter()
        .map(|c| format!("u.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT {}, {user_columns} FROM authorizations a INDEXED BY authorizations_by_token \
         LEFT JOIN apps p ON p.id = a.app_id JOIN users u ON u.id = a.user_id \
         WHERE a.token_digest = ? AND {LIVE}",
        auth_columns!()
    )
});

/// A row of [`AUTHORIZATION_AND_USER_BY_TOKEN`], from the pool or from an inline reader.
fn authorization_and_user(row: &impl ByPosition) -> StoreResult<(Authorization, User)> {
    let authorization = authorization_from(&Labelled::new(row, &AUTH_LABELS, 0))?;
    let user = user_from(&Labelled::new(row, &USER_LABELS, AUTH_LABELS.len()))?;
    Ok((authorization, user))
}

fn authorization_from(row: &impl RowRead) -> StoreResult<Authorization> {
    let app_id: Option<i64> = row.get("app_id")?;
    let app = match app_id {
        Some(id) => Some(AppSummary {
            id: AppId(id),
            client_id: ClientId(row.get("app_client_id")?),
            name: row.get("app_name")?,
            url: row.get("app_url")?,
        }),
        None => None,
    };
    Ok(Authorization {
        id: AuthorizationId(row.get("id")?),
        user_id: UserId(row.get("user_id")?),
        app,
        grant_id: row.get::<Option<i64>>("grant_id")?.map(GrantId),
        scopes: Scopes::from_storage(&row.get::<String>("scopes")?),
        token_digest: TokenDigest(digest_of(row, "token_digest")?),
        token_last_eight: row.get("token_last_eight")?,
        note: row.get("note")?,
        note_url: row.get("note_url")?,
        fingerprint: row.get("fingerprint")?,
        created_at: from_ts(row.get("created_at")?),
        updated_at: from_ts(row.get("updated_at")?),
        expires_at: row.get::<Option<i64>>("expires_at")?.map(from_ts),
    })
}

/// Grant columns with the app joined as `p` and the live tokens' scopes concatenated.
const GRANT_SELECT: &str = "SELECT g.id, g.user_id, g.created_at, g.updated_at, \
    p.id AS app_id, p.client_id AS app_client_id, p.name AS app_name, p.url AS app_url, \
    (SELECT group_concat(a.scopes, ',') FROM authorizations a WHERE a.grant_id = g.id AND (a.expires_at IS NULL OR a.expires_at > ?1)) AS scopes \
    FROM grants g JOIN apps p ON p.id = g.app_id";

/// A grant is visible while it has a live token.
const GRANT_LIVE: &str =
    "EXISTS (SELECT 1 FROM authorizations a WHERE a.grant_id = g.id AND (a.expires_at IS NULL OR a.expires_at > ?1))";

fn grant_from(row: &SqliteRow) -> StoreResult<Grant> {
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

// ---- transaction helpers -----------------------------------------------------------------

type Tx = Transaction<'static, sqlx::Sqlite>;

async fn authorization_in(tx: &mut Tx, id: i64) -> StoreResult<Authorization> {
    let row = sqlx::query(&format!("{AUTH_SELECT} WHERE a.id = ?"))
        .bind(id)
        .fetch_one(&mut **tx)
        .await
        .map_err(db)?;
    authorization_from(&row)
}

async fn user_in(tx: &mut Tx, id: i64) -> StoreResult<User> {
    let row = sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?"))
        .bind(id)
        .fetch_one(&mut **tx)
        .await
        .map_err(db)?;
    user_from(&row)
}

/// Expired tokens are dead everywhere: they are purged before a write that could collide with
/// them on a note or fingerprint.
async fn purge_expired(tx: &mut Tx, user: UserId, now: OffsetDateTime) -> StoreResult<()> {
    sqlx::query("DELETE FROM authorizations WHERE user_id = ? AND expires_at IS NOT NULL AND expires_at <= ?")
        .bind(user.0)
        .bind(ts(now))
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    delete_empty_grants(tx, Some(user)).await
}

/// Removes grants left without tokens (a grant disappears with its last token).
async fn delete_empty_grants(tx: &mut Tx, user: Option<UserId>) -> StoreResult<()> {
    sqlx::query(
        "DELETE FROM grants WHERE (?1 IS NULL OR user_id = ?1) \
         AND NOT EXISTS (SELECT 1 FROM authorizations a WHERE a.grant_id = grants.id)",
    )
    .bind(user.map(|u| u.0))
    .execute(&mut **tx)
    .await
    .map_err(db)?;
    Ok(())
}

/// Checks the unique rules a new or changed authorization must keep, so the answer names the
/// field (BEHAVIOR 26); the unique indexes enforce the same rules.
async fn check_unique(
    tx: &mut Tx,
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
                "SELECT id FROM authorizations WHERE user_id = ? AND app_id IS NULL AND note = ? AND id <> ?",
            )
            .bind(user.0)
            .bind(note)
            .bind(except)
            .fetch_optional(&mut **tx)
            .await
            .map_err(db)?;
            if taken.is_some() {
                return Err(StoreError::Conflict(Conflict::Note));
            }
        }
    }
    if app.is_some() || fingerprint.is_some() {
        let taken: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM authorizations WHERE user_id = ? AND app_id IS ? \
             AND COALESCE(fingerprint, '') = COALESCE(?, '') AND id <> ?",
        )
        .bind(user.0)
        .bind(app.map(|a| a.0))
        .bind(fingerprint)
        .bind(except)
        .fetch_optional(&mut **tx)
        .await
        .map_err(db)?;
        if taken.is_some() {
            return Err(StoreError::Conflict(Conflict::Fingerprint));
        }
    }
    Ok(())
}

async fn insert_authorization(tx: &mut Tx, new: &NewAuthorization) -> StoreResult<Authorization> {
    let grant_id: Option<i64> = match &new.app {
        Some(app) => Some(
            sqlx::query_scalar(
                "INSERT INTO grants (user_id, app_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?3) \
                 ON CONFLICT (user_id, app_id) DO UPDATE SET updated_at = excluded.updated_at RETURNING id",
            )
            .bind(new.user_id.0)
            .bind(app.id.0)
            .bind(ts(new.now))
            .fetch_one(&mut **tx)
            .await
            .map_err(db)?,
        ),
        None => None,
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO authorizations (user_id, app_id, grant_id, token_digest, token_last_eight, scopes, note, \
         note_url, fingerprint, created_at, updated_at, expires_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
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
    .bind(ts(new.now))
    .bind(new.expires_at.map(ts))
    .fetch_one(&mut **tx)
    .await
    .map_err(db)?;
    authorization_in(tx, id).await
}

/// The live authorization of `app` whose token is `digest`, in a transaction.
async fn live_app_token(
    tx: &mut Tx,
    app: AppId,
    digest: &TokenDigest,
    now: OffsetDateTime,
) -> StoreResult<Authorization> {
    let row = sqlx::query(&format!(
        "{AUTH_SELECT} WHERE a.token_digest = ? AND a.app_id = ? AND {LIVE}"
    ))
    .bind(&digest.0[..])
    .bind(app.0)
    .bind(ts(now))
    .fetch_optional(&mut **tx)
    .await
    .map_err(db)?
    .ok_or(StoreError::NotFound)?;
    authorization_from(&row)
}

async fn delete_authorization_row(tx: &mut Tx, id: i64) -> StoreResult<()> {
    sqlx::query("DELETE FROM authorizations WHERE id = ?")
        .bind(id)
        .execute(&mut **tx)
        .await
        .map_err(db)?;
    Ok(())
}

// ---- the traits --------------------------------------------------------------------------

#[async_trait]
impl UserStore for SqliteStore {
    async fn create_user(&self, new: NewUser) -> StoreResult<User> {
        let row = sqlx::query(&format!(
            "INSERT INTO users (login, login_key, email, name, password_hash, created_at, updated_at) \
             VALUES (?1, lower(?1), ?2, ?3, ?4, ?5, ?5) RETURNING {USER_COLUMNS}"
        ))
        .bind(&new.login)
        .bind(&new.email)
        .bind(&new.name)
        .bind(&new.password_hash)
        .bind(ts(new.now))
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        user_from(&row)
    }

    async fn user_by_login(&self, login: &str) -> StoreResult<Option<User>> {
        sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE login_key = lower(?)"))
            .bind(login)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .as_ref()
            .map(user_from)
            .transpose()
    }

    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>> {
        sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?"))
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
            "UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL, updated_at = ? WHERE id = ?",
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
        let done = sqlx::query("UPDATE users SET totp_sealed = ?, totp_last_step = 0, updated_at = ? WHERE id = ?")
            .bind(sealed)
            .bind(ts(now))
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        found(done.rows_affected())
    }

    async fn delete_user(&self, id: UserId) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM users WHERE id = ?")
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        found(done.rows_affected())
    }

    async fn record_failed_login(&self, id: UserId, now: OffsetDateTime, policy: &LockoutPolicy) -> StoreResult<bool> {
        // One statement: SQLite evaluates every SET expression against the old row, so the new
        // count is spelled out where the lock decision needs it.
        let locked_until: Option<Option<i64>> = sqlx::query_scalar(
            "UPDATE users SET \
               failed_logins = CASE WHEN failed_window_start IS NULL OR failed_window_start <= ?1 - ?2 \
                                    THEN 1 ELSE failed_logins + 1 END, \
               failed_window_start = CASE WHEN failed_window_start IS NULL OR failed_window_start <= ?1 - ?2 \
                                          THEN ?1 ELSE failed_window_start END, \
               locked_until = CASE WHEN (CASE WHEN failed_window_start IS NULL OR failed_window_start <= ?1 - ?2 \
                                              THEN 1 ELSE failed_logins + 1 END) >= ?3 \
                                   THEN ?1 + ?4 ELSE locked_until END \
             WHERE id = ?5 RETURNING locked_until",
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
        sqlx::query("UPDATE users SET failed_logins = 0, failed_window_start = NULL WHERE id = ?")
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn accept_totp_step(&self, id: UserId, step: i64) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE users SET totp_last_step = ?1 WHERE id = ?2 AND totp_last_step <= ?1")
            .bind(step)
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(done.rows_affected() == 1)
    }
}

fn found(rows: u64) -> StoreResult<()> {
    if rows == 0 {
        Err(StoreError::NotFound)
    } else {
        Ok(())
    }
}

#[async_trait]
impl AppStore for SqliteStore {
    async fn create_app(&self, new: NewApp) -> StoreResult<App> {
        let row = sqlx::query(&format!(
            "INSERT INTO apps (client_id, client_secret_digest, name, url, callback_url, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) RETURNING {APP_COLUMNS}"
        ))
        .bind(&new.client_id.0)
        .bind(&new.client_secret_digest[..])
        .bind(&new.name)
        .bind(&new.url)
        .bind(&new.callback_url)
        .bind(ts(new.now))
        .fetch_one(&self.pool)
        .await
        .map_err(db)?;
        app_from(&row)
    }

    async fn app_by_client_id(&self, client_id: &str) -> StoreResult<Option<App>> {
        if let Some(found) = self.readers.as_ref().and_then(|r| {
            r.read(|reader| {
                let reader::Reader { conn, apps } = reader;
                apps.get(conn, client_id, |conn| read_app(conn, client_id))
            })
        }) {
            return Ok(found);
        }
        sqlx::query(&APP_BY_CLIENT_ID)
            .bind(client_id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .as_ref()
            .map(app_from)
            .transpose()
    }

    async fn cached_app_by_client_id(&self, client_id: &str) -> StoreResult<Option<App>> {
        Ok(self
            .readers
            .as_ref()
            .and_then(|r| r.read(|reader| Ok(reader.apps.peek(client_id))))
            .flatten()
            .flatten())
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
        let done = sqlx::query("UPDATE apps SET client_secret_digest = ?, updated_at = ? WHERE id = ?")
            .bind(&digest[..])
            .bind(ts(now))
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        found(done.rows_affected())
    }

    async fn delete_app(&self, id: AppId) -> StoreResult<()> {
        let done = sqlx::query("DELETE FROM apps WHERE id = ?")
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        found(done.rows_affected())
    }
}

#[async_trait]
impl AuthorizationStore for SqliteStore {
    async fn create_authorization(&self, new: NewAuthorization) -> StoreResult<Authorization> {
        let mut tx = self.write_tx().await?;
        purge_expired(&mut tx, new.user_id, new.now).await?;
        let app = new.app.as_ref().map(|a| a.id);
        check_unique(
            &mut tx,
            new.user_id,
            app,
            new.note.as_deref(),
            new.fingerprint.as_deref(),
            None,
        )
        .await?;
        let created = insert_authorization(&mut tx, &new).await?;
        tx.commit().await.map_err(db)?;
        Ok(created)
    }

    async fn get_or_create_authorization(&self, new: NewAuthorization) -> StoreResult<(Authorization, bool)> {
        let app = new.app.as_ref().map(|a| a.id).ok_or(StoreError::NotFound)?;
        let mut tx = self.write_tx().await?;
        purge_expired(&mut tx, new.user_id, new.now).await?;
        let existing = sqlx::query(&format!(
            "{AUTH_SELECT} WHERE a.user_id = ? AND a.app_id = ? AND COALESCE(a.fingerprint, '') = COALESCE(?, '')"
        ))
        .bind(new.user_id.0)
        .bind(app.0)
        .bind(&new.fingerprint)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
        let result = match existing {
            Some(row) => (authorization_from(&row)?, false),
            None => (insert_authorization(&mut tx, &new).await?, true),
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
        sqlx::query(&format!("{AUTH_SELECT} WHERE a.id = ? AND a.user_id = ? AND {LIVE}"))
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
        let filter = "a.user_id = ?1 AND (?2 IS NULL OR a.app_id = ?2) AND (a.expires_at IS NULL OR a.expires_at > ?3)";
        let (limit, offset) = page_bounds(page);
        let mut conn = self.pool.acquire().await.map_err(db)?;
        // Without an app filter the total is the user's kept count (migration 0004) less their
        // expired authorizations, which the (user_id, expires_at) index finds directly; ?2 (no
        // app) is bound and unused.
        let count = match app {
            None => "SELECT COALESCE((SELECT total FROM authorization_counts WHERE user_id = ?1), 0) \
                     - (SELECT COUNT(*) FROM authorizations WHERE user_id = ?1 AND expires_at <= ?3)"
                .to_owned(),
            Some(_) => format!("SELECT COUNT(*) FROM authorizations a WHERE {filter}"),
        };
        let total: i64 = sqlx::query_scalar(&count)
            .bind(user.0)
            .bind(app.map(|a| a.0))
            .bind(ts(now))
            .fetch_one(&mut *conn)
            .await
            .map_err(db)?;
        let rows = sqlx::query(&format!(
            "{AUTH_SELECT} WHERE {filter} ORDER BY a.id LIMIT ?4 OFFSET ?5"
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
        let mut tx = self.write_tx().await?;
        // An expired token must not keep its note or fingerprint from a live one (BEHAVIOR 78).
        purge_expired(&mut tx, user, now).await?;
        let current = sqlx::query(&format!("{AUTH_SELECT} WHERE a.id = ? AND a.user_id = ? AND {LIVE}"))
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
            "UPDATE authorizations SET scopes = COALESCE(?, scopes), note = COALESCE(?, note), \
             note_url = COALESCE(?, note_url), fingerprint = COALESCE(?, fingerprint), updated_at = ? WHERE id = ?",
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
            sqlx::query("UPDATE grants SET updated_at = ? WHERE id = ?")
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
        let mut tx = self.write_tx().await?;
        let done = sqlx::query("DELETE FROM authorizations WHERE id = ? AND user_id = ?")
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
        // A row that does not convert (`Err` inside): the pool's answer (or error) counts.
        if let Some(Ok(found)) = self
            .readers
            .as_ref()
            .and_then(|r| r.read(|reader| read_authorization(reader, digest, now)))
        {
            return Ok(found);
        }
        sqlx::query(&AUTHORIZATION_AND_USER_BY_TOKEN)
            .bind(&digest.0[..])
            .bind(ts(now))
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
            .as_ref()
            .map(authorization_and_user)
            .transpose()
    }

    async fn reset_token(
        &self,
        app: AppId,
        old: &TokenDigest,
        new: &TokenDigest,
        new_last_eight: &str,
        now: OffsetDateTime,
    ) -> StoreResult<(Authorization, User)> {
        let mut tx = self.write_tx().await?;
        let current = live_app_token(&mut tx, app, old, now).await?;
        sqlx::query("UPDATE authorizations SET token_digest = ?, token_last_eight = ?, updated_at = ? WHERE id = ?")
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
        let mut tx = self.write_tx().await?;
        let current = live_app_token(&mut tx, app, digest, now).await?;
        delete_authorization_row(&mut tx, current.id.0).await?;
        delete_empty_grants(&mut tx, Some(current.user_id)).await?;
        tx.commit().await.map_err(db)
    }

    async fn delete_app_tokens(&self, app: AppId) -> StoreResult<u64> {
        let mut tx = self.write_tx().await?;
        let done = sqlx::query("DELETE FROM authorizations WHERE app_id = ?")
            .bind(app.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        sqlx::query("DELETE FROM grants WHERE app_id = ?")
            .bind(app.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)?;
        Ok(done.rows_affected())
    }
}

#[async_trait]
impl GrantStore for SqliteStore {
    async fn list_grants(
        &self,
        user: UserId,
        app: Option<AppId>,
        page: PageRequest,
        now: OffsetDateTime,
    ) -> StoreResult<Page<Grant>> {
        let filter = format!("g.user_id = ?2 AND (?3 IS NULL OR g.app_id = ?3) AND {GRANT_LIVE}");
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
            "{GRANT_SELECT} WHERE {filter} ORDER BY g.id LIMIT ?4 OFFSET ?5"
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
            "{GRANT_SELECT} WHERE g.id = ?2 AND g.user_id = ?3 AND {GRANT_LIVE}"
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
        let done = sqlx::query("DELETE FROM grants WHERE id = ? AND user_id = ?")
            .bind(id.0)
            .bind(user.0)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        // The tokens go with it: authorizations.grant_id cascades.
        found(done.rows_affected())
    }

    async fn delete_grant_by_token(&self, app: AppId, digest: &TokenDigest, now: OffsetDateTime) -> StoreResult<()> {
        let mut tx = self.write_tx().await?;
        let current = live_app_token(&mut tx, app, digest, now).await?;
        let grant = current.grant_id.ok_or(StoreError::NotFound)?;
        sqlx::query("DELETE FROM grants WHERE id = ?")
            .bind(grant.0)
            .execute(&mut *tx)
            .await
            .map_err(db)?;
        tx.commit().await.map_err(db)
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(db)?;
        Ok(())
    }

    /// The app (from the reader's cache while nothing was committed since it was read) and the
    /// token in one read transaction: one set of SQLite's locks instead of two.
    async fn authorization_by_token_for_app(
        &self,
        app: &App,
        digest: &TokenDigest,
        now: OffsetDateTime,
    ) -> StoreResult<TokenForApp> {
        // A row that does not convert (`Err` inside): the pool's answer (or error) counts.
        if let Some(Ok(found)) = self.readers.as_ref().and_then(|r| {
            r.read(|reader| {
                let reader::Reader { conn, apps } = reader;
                let tx = reader::ReadTx::begin(conn)?;
                let client_id = &app.client_id.0;
                let current = apps.get(&tx, client_id, |conn| read_app(conn, client_id))?;
                if !current.is_some_and(|current| current.same_credentials(app)) {
                    tx.end()?;
                    return Ok(Ok(TokenForApp::AppChanged));
                }
                let found = read_authorization(&tx, digest, now)?;
                tx.end()?;
                Ok(found.map(TokenForApp::from))
            })
        }) {
            return Ok(found);
        }
        grantd_core::store::authorization_by_token_after_app(self, app, digest, now).await
    }
}

/// The live authorization of `digest` with its owner, read by a reader connection (`Err`
/// inside: the row does not convert).
fn read_authorization(
    conn: &rusqlite::Connection,
    digest: &TokenDigest,
    now: OffsetDateTime,
) -> rusqlite::Result<StoreResult<Option<(Authorization, User)>>> {
    let mut stmt = conn.prepare_cached(&AUTHORIZATION_AND_USER_BY_TOKEN)?;
    let mut rows = stmt.query(rusqlite::params![&digest.0[..], ts(now)])?;
    Ok(rows.next()?.map(authorization_and_user).transpose())
}

/// The app with `client_id`, read by a reader connection.
fn read_app(conn: &rusqlite::Connection, client_id: &str) -> rusqlite::Result<Option<App>> {
    let mut stmt = conn.prepare_cached(&APP_BY_CLIENT_ID)?;
    let mut rows = stmt.query([client_id])?;
    // A row that does not convert is left to the pool's query, which reports it.
    rows.next()?
        .map(|row| app_from(&Labelled::new(row, &APP_LABELS, 0)))
        .transpose()
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(e.to_string().into()))
}

#[async_trait]
impl SnapshotStore for SqliteStore {
    async fn export(&self) -> StoreResult<Snapshot> {
        // A write transaction, so the four reads see one state of the database.
        let mut tx = self.write_tx().await?;
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
        let mut tx = self.write_tx().await?;
        let rows: i64 = sqlx::query_scalar("SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM apps)")
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
        if rows > 0 {
            return Err(StoreError::Conflict(Conflict::NotEmpty));
        }
        for u in &snapshot.users {
            sqlx::query(
                "INSERT INTO users (id, login, login_key, email, name, password_hash, totp_sealed, totp_last_step, \
                 created_at, updated_at) VALUES (?1, ?2, lower(?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )
            .bind(u.id.0)
            .bind(&u.login)
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
                "INSERT INTO apps (id, client_id, client_secret_digest, name, url, callback_url, created_at, updated_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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
            sqlx::query("INSERT INTO grants (id, user_id, app_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?)")
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
                 note, note_url, fingerprint, created_at, updated_at, expires_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        tx.commit().await.map_err(db)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn store() -> (SqliteStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = format!("sqlite://{}", dir.path().join("grantd.db").display());
        let store = SqliteStore::open(&url, &SqliteConfig::default()).await.expect("open");
        store.migrate().await.expect("migrate");
        (store, dir)
    }

    #[tokio::test]
    async fn labels_name_the_statements_columns_in_order() {
        let (store, _dir) = store().await;
        let readers = store.readers.as_ref().expect("a file database has readers");
        let joined = [&AUTH_LABELS[..], &USER_LABELS[..]].concat();
        let users = format!("SELECT {USER_COLUMNS} FROM users");
        for (sql, labels) in [
            (APP_BY_CLIENT_ID.as_str(), &APP_LABELS[..]),
            (AUTH_SELECT, &AUTH_LABELS[..]),
            (AUTHORIZATION_AND_USER_BY_TOKEN.as_str(), &joined[..]),
            (users.as_str(), &USER_LABELS[..]),
        ] {
            let names = readers
                .read(|conn| {
                    let stmt = conn.prepare(sql)?;
                    Ok(stmt.column_names().into_iter().map(str::to_owned).collect::<Vec<_>>())
                })
                .expect("prepare");
            assert_eq!(names, labels, "{sql}");
        }
    }

    #[tokio::test]
    async fn token_lookups_read_only_the_index_that_holds_their_columns() {
        let (store, _dir) = store().await;
        let readers = store.readers.as_ref().expect("a file database has readers");
        let plan = readers
            .read(|conn| {
                let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {}", *AUTHORIZATION_AND_USER_BY_TOKEN))?;
                // Unbound parameters are NULL, which does not change the plan.
                let mut rows = stmt.raw_query();
                let mut details = Vec::new();
                while let Some(row) = rows.next()? {
                    details.push(row.get::<_, String>(3)?);
                }
                Ok(details)
            })
            .expect("explain");
        // Not a table read after the index: a column added to the lookup (or the index) without
        // the other breaks this (migration 0005).
        assert!(
            plan.iter()
                .any(|d| d == "SEARCH a USING COVERING INDEX authorizations_by_token (token_digest=?)"),
            "{plan:?}"
        );
    }

    #[tokio::test]
    async fn inline_reads_see_what_the_pool_just_committed() {
        let (store, _dir) = store().await;
        let readers = store.readers.clone().expect("a file database has readers");
        let app = store
            .create_app(NewApp {
                client_id: ClientId("inline-test".into()),
                client_secret_digest: [7; 32],
                name: "Inline".into(),
                url: "https://example.com".into(),
                callback_url: None,
                now: OffsetDateTime::now_utc(),
            })
            .await
            .expect("create an app");
        // The inline path itself answers (it does not fall back to the pool)...
        let inline = readers
            .read(|reader| read_app(reader, "inline-test"))
            .expect("the inline read runs and the row converts")
            .expect("the app is found");
        assert_eq!(inline.id, app.id);
        assert_eq!(inline.client_secret_digest, [7; 32]);
        // ...even while another connection holds the write lock (WAL readers do not wait).
        let mut tx = store.write_tx().await.expect("a write transaction");
        sqlx::query("UPDATE apps SET name = 'Renamed' WHERE id = ?")
            .bind(app.id.0)
            .execute(&mut *tx)
            .await
            .expect("update");
        let during = store
            .app_by_client_id("inline-test")
            .await
            .expect("read")
            .expect("found");
        assert_eq!(during.name, "Inline", "an uncommitted write is not visible");
        tx.commit().await.expect("commit");
        let after = store
            .app_by_client_id("inline-test")
            .await
            .expect("read")
            .expect("found");
        assert_eq!(after.name, "Renamed", "a committed write is visible at once");
    }

    #[tokio::test]
    async fn cached_apps_follow_every_commit_from_this_process_or_another() {
        let (store, dir) = store().await;
        let app = store
            .create_app(NewApp {
                client_id: ClientId("cached".into()),
                client_secret_digest: [1; 32],
                name: "Cached".into(),
                url: "https://example.com".into(),
                callback_url: None,
                now: OffsetDateTime::now_utc(),
            })
            .await
            .expect("create an app");
        let digest = |store: &SqliteStore| {
            let store = store.clone();
            async move {
                store
                    .app_by_client_id("cached")
                    .await
                    .expect("read")
                    .map(|a| a.client_secret_digest)
            }
        };
        // Enough reads that every reader connection has the app cached.
        for _ in 0..8 {
            assert_eq!(digest(&store).await, Some([1; 32]));
        }
        store
            .set_app_secret(app.id, &[2; 32], OffsetDateTime::now_utc())
            .await
            .expect("rotate");
        for _ in 0..8 {
            assert_eq!(digest(&store).await, Some([2; 32]), "a rotated secret counts at once");
        }
        // Another process (`grantd app …` beside the server): a connection of its own.
        let other = rusqlite::Connection::open(dir.path().join("grantd.db")).expect("open");
        other
            .execute(
                "UPDATE apps SET client_secret_digest = ?1 WHERE id = ?2",
                rusqlite::params![[3u8; 32], app.id.0],
            )
            .expect("update");
        for _ in 0..8 {
            assert_eq!(
                digest(&store).await,
                Some([3; 32]),
                "another process's commit counts at once"
            );
        }
        store.delete_app(app.id).await.expect("delete");
        for _ in 0..8 {
            assert_eq!(digest(&store).await, None, "a deleted app is gone at once");
        }
    }
}

//! The reads every token-authenticated request makes, run inline on [`reader`](crate::reader)'s
//! rusqlite connections: an app by client id (from the connection's cache while nothing was
//! committed since), a token by digest, and both for a token check in one read transaction.
//! Whatever the inline path cannot answer (no reader free, an error, a row that does not convert)
//! is asked again through the pool with the shared statements, whose answer (or error) counts.
//!
//! The rows are read by position into `grantd-store-sql`'s row types, so the conversion to the
//! domain's types is the shared one. The statements bind `$1`, `$2` by position: SQLite numbers
//! named parameters in the order they first appear, which a test checks.

use crate::reader::{ReadTx, Reader};
use crate::SqliteStore;
use grantd_core::model::{App, Authorization, User};
use grantd_core::secret::TokenDigest;
use grantd_core::store::{AppTokenCheck, StoreResult};
use grantd_store_sql::rows::{ts, AppRow, AuthorizationRow, UserRow};
use grantd_store_sql::{apps, token_lookup, tokens};
use rusqlite::{Connection, Row};
use time::OffsetDateTime;

/// The app with client id `$1`.
pub(crate) const APP_BY_CLIENT_ID: &str = apps::APP_BY_CLIENT_ID;

/// The live authorization with token digest `$1` at `$2` and its owner, read from the index that
/// holds all its columns (migration 0005): one leaf page rather than an index leaf and a table
/// leaf.
pub(crate) const TOKEN: &str = token_lookup!("INDEXED BY authorizations_by_token", 1, 2);

/// The columns of an [`AppRow`] from `i` on.
fn app_at(row: &Row<'_>, i: usize) -> rusqlite::Result<AppRow> {
    Ok(AppRow {
        id: row.get(i)?,
        client_id: row.get(i + 1)?,
        client_secret_digest: row.get(i + 2)?,
        name: row.get(i + 3)?,
        url: row.get(i + 4)?,
        callback_urls: row.get(i + 5)?,
        created_at: row.get(i + 6)?,
        updated_at: row.get(i + 7)?,
    })
}

/// The columns of an [`AuthorizationRow`] from `i` on.
fn authorization_at(row: &Row<'_>, i: usize) -> rusqlite::Result<AuthorizationRow> {
    Ok(AuthorizationRow {
        id: row.get(i)?,
        user_id: row.get(i + 1)?,
        app_id: row.get(i + 2)?,
        grant_id: row.get(i + 3)?,
        token_digest: row.get(i + 4)?,
        token_last_eight: row.get(i + 5)?,
        scopes: row.get(i + 6)?,
        note: row.get(i + 7)?,
        note_url: row.get(i + 8)?,
        fingerprint: row.get(i + 9)?,
        created_at: row.get(i + 10)?,
        updated_at: row.get(i + 11)?,
        expires_at: row.get(i + 12)?,
        flow: row.get(i + 13)?,
        app_client_id: row.get(i + 14)?,
        app_name: row.get(i + 15)?,
        app_url: row.get(i + 16)?,
    })
}

/// The number of columns of an [`AuthorizationRow`].
const AUTHORIZATION_COLUMNS: usize = 17;

/// The columns of a [`UserRow`] from `i` on.
fn user_at(row: &Row<'_>, i: usize) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: row.get(i)?,
        login: row.get(i + 1)?,
        email: row.get(i + 2)?,
        email_verified: row.get(i + 3)?,
        name: row.get(i + 4)?,
        password_hash: row.get(i + 5)?,
        totp_sealed: row.get(i + 6)?,
        totp_last_step: row.get(i + 7)?,
        failed_logins: row.get(i + 8)?,
        locked_until: row.get(i + 9)?,
        created_at: row.get(i + 10)?,
        updated_at: row.get(i + 11)?,
    })
}

/// A row that does not convert, as a failed inline read (the pool then reads it, and reports).
fn unconvertible(e: grantd_core::store::StoreError) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(e.to_string().into())
}

/// The app with `client_id`, read by a reader connection.
pub(crate) fn read_app(conn: &Connection, client_id: &str) -> rusqlite::Result<Option<App>> {
    let mut stmt = conn.prepare_cached(APP_BY_CLIENT_ID)?;
    let mut rows = stmt.query([client_id])?;
    match rows.next()? {
        Some(row) => Ok(Some(App::try_from(app_at(row, 0)?).map_err(unconvertible)?)),
        None => Ok(None),
    }
}

/// The live authorization of `digest` with its owner, read by a reader connection.
pub(crate) fn read_token(
    conn: &Connection,
    digest: &TokenDigest,
    now: OffsetDateTime,
) -> rusqlite::Result<Option<(Authorization, User)>> {
    let mut stmt = conn.prepare_cached(TOKEN)?;
    let mut rows = stmt.query(rusqlite::params![&digest.0[..], ts(now)])?;
    let Some(row) = rows.next()? else {
        return Ok(None);
    };
    let authorization = Authorization::try_from(authorization_at(row, 0)?).map_err(unconvertible)?;
    let user = User::from(user_at(row, AUTHORIZATION_COLUMNS)?);
    Ok(Some((authorization, user)))
}

/// The app with `client_id`: from the reader's cache while nothing was committed since it was
/// read, else read inline, else through the pool.
pub(crate) async fn app_by_client_id(store: &SqliteStore, client_id: &str) -> StoreResult<Option<App>> {
    if let Some(found) = store.readers.as_ref().and_then(|r| {
        r.read(|reader| {
            let Reader { conn, apps } = reader;
            apps.get(conn, client_id, |conn| read_app(conn, client_id))
        })
    }) {
        return Ok(found);
    }
    apps::app_by_client_id(store, client_id).await
}

/// The live authorization of `digest` with its owner: inline, else through the pool.
pub(crate) async fn authorization_by_token(
    store: &SqliteStore,
    digest: &TokenDigest,
    now: OffsetDateTime,
) -> StoreResult<Option<(Authorization, User)>> {
    if let Some(found) = store
        .readers
        .as_ref()
        .and_then(|r| r.read(|reader| read_token(reader, digest, now)))
    {
        return Ok(found);
    }
    tokens::authorization_by_token(store, digest, now).await
}

/// A token check in one read transaction on a reader: the app (from the connection's cache when
/// `PRAGMA data_version`, read in this transaction, is unchanged) and the token. Every SQLite
/// read transaction takes and drops a lock on the WAL's shared memory: one a check, not two.
pub(crate) async fn app_token_check(
    store: &SqliteStore,
    client_id: &str,
    digest: Option<&TokenDigest>,
    now: OffsetDateTime,
) -> StoreResult<AppTokenCheck> {
    if let Some(found) = store.readers.as_ref().and_then(|r| {
        r.read(|reader| {
            let Reader { conn, apps } = reader;
            let tx = ReadTx::begin(conn)?;
            let app = apps.get(&tx, client_id, |conn| read_app(conn, client_id))?;
            let token = match digest {
                Some(digest) => read_token(&tx, digest, now)?,
                None => None,
            };
            tx.end()?;
            Ok(AppTokenCheck { app, token })
        })
    }) {
        return Ok(found);
    }
    tokens::app_token_check(store, client_id, digest, now).await
}

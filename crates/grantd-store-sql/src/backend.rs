//! What differs between the SQL stores: [`Backend`], which each store implements. Everything
//! else is written once in this crate over it.

use crate::exec::Driver;
use crate::{apps, tokens};
use async_trait::async_trait;
use grantd_core::model::{App, Authorization, NewAuthorization, User};
use grantd_core::secret::TokenDigest;
use grantd_core::store::{AppTokenCheck, StoreError, StoreResult};
use sqlx::pool::PoolConnection;
use sqlx::{Pool, Transaction};
use time::OffsetDateTime;

/// The connection of a backend's driver.
pub type Conn<B> = <<B as Backend>::Db as Driver>::Conn;

/// A write (or snapshot) transaction of a backend.
pub type Tx<B> = Transaction<'static, <B as Backend>::Db>;

/// One SQL store: its pool and what its database does differently.
#[async_trait]
pub trait Backend: Send + Sync + Sized + 'static {
    /// The sqlx driver.
    type Db: Driver<Conn = <Self::Db as sqlx::Database>::Connection> + sqlx::Database;

    /// What begins a transaction that writes: it must keep every check-then-write sequence of the
    /// operations from interleaving with another (SQLite: `BEGIN IMMEDIATE`; PostgreSQL: `BEGIN`,
    /// with the row locks below).
    const BEGIN_WRITE: &'static str;
    /// What begins the transaction of an export: its reads see one state of the database.
    const BEGIN_SNAPSHOT: &'static str;
    /// Locks user `$1`'s row until the transaction ends, so one user's token writes run one at a
    /// time; empty when [`Self::BEGIN_WRITE`] serialises every writer already.
    const LOCK_USER: &'static str = "";
    /// Share-locks app `$1`'s row before a token of it is written; empty: no lock needed.
    const LOCK_APP_SHARED: &'static str = "";
    /// Locks app `$1`'s row before every token of it is revoked; empty: no lock needed.
    const LOCK_APP: &'static str = "";
    /// What an import's `INSERT` says between its columns and `VALUES` so that explicit ids are
    /// kept (with a trailing space), if anything.
    const KEEP_IDS: &'static str = "";

    /// The pool.
    fn pool(&self) -> &Pool<Self::Db>;

    /// A database error as a store error: a unique violation as the [`Conflict`] its constraint
    /// means (by constraint name), anything else as a backend error.
    ///
    /// [`Conflict`]: grantd_core::store::Conflict
    fn map_error(e: sqlx::Error) -> StoreError;

    /// Inserts `new`, a new authorization of an app, in a write transaction in which no
    /// authorization of the same user, app and fingerprint was found; `None` when one exists
    /// after all (it was inserted meanwhile), in which case nothing is changed.
    async fn insert_unless_taken(c: &mut Conn<Self>, new: &NewAuthorization) -> StoreResult<Option<i64>>;

    /// Runs first in an import's transaction (keeping other writers out, for instance).
    async fn before_import(_c: &mut Conn<Self>) -> StoreResult<()> {
        Ok(())
    }

    /// Runs last in an import's transaction (moving id counters past the imported ids, for
    /// instance).
    async fn after_import(_c: &mut Conn<Self>) -> StoreResult<()> {
        Ok(())
    }

    /// The app with `client_id` (a store may answer from a cache of its own).
    async fn app_by_client_id(&self, client_id: &str) -> StoreResult<Option<App>> {
        apps::app_by_client_id(self, client_id).await
    }

    /// The live authorization of `digest` with its owner (a store may read it its own way).
    async fn authorization_by_token(
        &self,
        digest: &TokenDigest,
        now: OffsetDateTime,
    ) -> StoreResult<Option<(Authorization, User)>> {
        tokens::authorization_by_token(self, digest, now).await
    }

    /// A token check by an app, as one statement (a store may answer it its own way).
    async fn app_token_check(
        &self,
        client_id: &str,
        digest: Option<&TokenDigest>,
        now: OffsetDateTime,
    ) -> StoreResult<AppTokenCheck> {
        tokens::app_token_check(self, client_id, digest, now).await
    }
}

/// A pooled connection, for reads.
pub async fn read<B: Backend>(b: &B) -> StoreResult<PoolConnection<B::Db>> {
    b.pool().acquire().await.map_err(B::map_error)
}

/// A write transaction ([`Backend::BEGIN_WRITE`]).
pub async fn write<B: Backend>(b: &B) -> StoreResult<Tx<B>> {
    b.pool().begin_with(B::BEGIN_WRITE).await.map_err(B::map_error)
}

/// A snapshot transaction ([`Backend::BEGIN_SNAPSHOT`]).
pub async fn snapshot<B: Backend>(b: &B) -> StoreResult<Tx<B>> {
    b.pool().begin_with(B::BEGIN_SNAPSHOT).await.map_err(B::map_error)
}

/// Commits `tx`.
pub async fn commit<B: Backend>(tx: Tx<B>) -> StoreResult<()> {
    tx.commit().await.map_err(B::map_error)
}

/// Runs a lock statement of the backend on id `$1`, if it has one.
pub async fn lock<B: Backend>(c: &mut Conn<B>, sql: &'static str, id: i64) -> StoreResult<()> {
    if !sql.is_empty() {
        crate::exec::optional::<B, (i32,)>(c, sql, &crate::args![id]).await?;
    }
    Ok(())
}

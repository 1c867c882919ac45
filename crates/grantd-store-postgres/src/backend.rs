//! How PostgreSQL runs the shared operations (`grantd_store_sql::Backend`): READ COMMITTED
//! transactions with the row locks described in the crate documentation, get-or-create's
//! `ON CONFLICT` insert, and an import that keeps other writers out and moves the id sequences.

use crate::{conflicts, PgStore};
use async_trait::async_trait;
use grantd_core::model::NewAuthorization;
use grantd_core::store::{StoreError, StoreResult};
use grantd_store_sql::exec::execute;
use grantd_store_sql::{authorizations, Backend, Conn};
use sqlx::Connection;

/// The tables whose ids an import writes, in the order rows must be inserted.
const ID_TABLES: [&str; 4] = ["users", "apps", "grants", "authorizations"];

#[async_trait]
impl Backend for PgStore {
    type Db = sqlx::Postgres;

    const BEGIN_WRITE: &'static str = "BEGIN";
    /// The reads of an export see one snapshot without keeping writers out.
    const BEGIN_SNAPSHOT: &'static str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";
    /// `NO KEY UPDATE` is the lock an ordinary `UPDATE users` takes: it serialises one user's
    /// token writers (and waits for a lock-out update or a deletion in progress) without blocking
    /// foreign-key checks.
    const LOCK_USER: &'static str = "SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE";
    /// What a token's foreign-key check takes anyway, taken before any token or grant row.
    const LOCK_APP_SHARED: &'static str = "SELECT 1 FROM apps WHERE id = $1 FOR KEY SHARE";
    /// Waits for the token writes of the app in progress and holds new ones back.
    const LOCK_APP: &'static str = "SELECT 1 FROM apps WHERE id = $1 FOR UPDATE";
    /// Identity columns take explicit ids only with this.
    const KEEP_IDS: &'static str = "OVERRIDING SYSTEM VALUE ";

    fn pool(&self) -> &sqlx::PgPool {
        &self.pool
    }

    fn map_error(e: sqlx::Error) -> StoreError {
        conflicts::map_error(e)
    }

    async fn insert_unless_taken(c: &mut Conn<Self>, new: &NewAuthorization) -> StoreResult<Option<i64>> {
        // The arbiter is the unique index authorizations_app_fingerprint: its columns and
        // predicate (migration 0009; `one_per_fingerprint!` without the alias). In a savepoint, so an insert that finds the row taken also undoes its
        // grant's bump of `updated_at`: returning an existing authorization changes nothing.
        const ON_CONFLICT: &str = " ON CONFLICT (user_id, app_id, (COALESCE(fingerprint, ''))) \
             WHERE app_id IS NOT NULL AND (flow = 'api' OR fingerprint IS NOT NULL) DO NOTHING";
        let mut savepoint = c.begin().await.map_err(conflicts::map_error)?;
        let id = authorizations::insert_authorization::<Self>(&mut savepoint, new, ON_CONFLICT).await?;
        match id {
            Some(_) => savepoint.commit().await,
            None => savepoint.rollback().await,
        }
        .map_err(conflicts::map_error)?;
        Ok(id)
    }

    async fn before_import(c: &mut Conn<Self>) -> StoreResult<()> {
        // Keeps every other writer out from the emptiness check to the commit, as SQLite's
        // BEGIN IMMEDIATE does (the mode conflicts with itself and with every write; reads go on).
        const LOCK: &str = "LOCK TABLE users, apps, grants, authorizations IN SHARE ROW EXCLUSIVE MODE";
        execute::<Self>(c, LOCK, &[]).await?;
        Ok(())
    }

    async fn after_import(c: &mut Conn<Self>) -> StoreResult<()> {
        // Explicit ids do not move an identity's sequence (SQLite's AUTOINCREMENT counter does
        // follow them): move each past the largest id, never backwards, so the next row created
        // gets a new id.
        for table in ID_TABLES {
            let sql = format!(
                "SELECT setval(s.seq, GREATEST(m.max_id, COALESCE(pg_sequence_last_value(s.seq), 0))) \
                 FROM (SELECT pg_get_serial_sequence('{table}', 'id')::regclass AS seq) s, \
                      (SELECT MAX(id) AS max_id FROM {table}) m \
                 WHERE m.max_id IS NOT NULL"
            );
            execute::<Self>(c, &sql, &[]).await?;
        }
        Ok(())
    }
}

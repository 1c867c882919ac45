//! How SQLite runs the shared operations (`grantd_store_sql::Backend`): every write transaction
//! is `BEGIN IMMEDIATE`, which SQLite serialises across connections and processes, so no row is
//! locked and get-or-create inserts plainly; the token lookups run inline ([`crate::inline`]).

use crate::{conflicts, inline, SqliteStore};
use async_trait::async_trait;
use grantd_core::model::{App, Authorization, NewAuthorization, User};
use grantd_core::secret::TokenDigest;
use grantd_core::store::{AppTokenCheck, StoreError, StoreResult};
use grantd_store_sql::{authorizations, Backend, Conn};
use time::OffsetDateTime;

#[async_trait]
impl Backend for SqliteStore {
    type Db = sqlx::Sqlite;

    const BEGIN_WRITE: &'static str = "BEGIN IMMEDIATE";
    /// A write transaction: the reads of an export see one state of the database.
    const BEGIN_SNAPSHOT: &'static str = "BEGIN IMMEDIATE";

    fn pool(&self) -> &sqlx::Pool<sqlx::Sqlite> {
        &self.pool
    }

    fn map_error(e: sqlx::Error) -> StoreError {
        conflicts::map_error(e)
    }

    async fn insert_unless_taken(c: &mut Conn<Self>, new: &NewAuthorization) -> StoreResult<Option<i64>> {
        // No other writer ran since the look-up found nothing (BEGIN IMMEDIATE).
        authorizations::insert_authorization::<Self>(c, new, "").await
    }

    async fn app_by_client_id(&self, client_id: &str) -> StoreResult<Option<App>> {
        inline::app_by_client_id(self, client_id).await
    }

    async fn authorization_by_token(
        &self,
        digest: &TokenDigest,
        now: OffsetDateTime,
    ) -> StoreResult<Option<(Authorization, User)>> {
        inline::authorization_by_token(self, digest, now).await
    }

    async fn app_token_check(
        &self,
        client_id: &str,
        digest: Option<&TokenDigest>,
        now: OffsetDateTime,
    ) -> StoreResult<AppTokenCheck> {
        inline::app_token_check(self, client_id, digest, now).await
    }
}

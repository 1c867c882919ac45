//! Running a statement on either driver: the kinds of value a statement binds ([`Arg`]), the row
//! types both drivers read ([`Rows`]), and [`Driver`], implemented once here for sqlx's SQLite and
//! PostgreSQL connections. The store operations run statements through the functions at the
//! bottom, which map errors with the store's [`Backend::map_error`].

use crate::backend::{Backend, Conn};
use async_trait::async_trait;
use grantd_core::store::StoreResult;
use sqlx::postgres::PgRow;
use sqlx::sqlite::SqliteRow;
use sqlx::FromRow;

/// A value bound to a statement's `$n` (`None`: SQL `NULL`).
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    /// An integer (ids, Unix times, counts).
    Int(Option<i64>),
    /// Text.
    Text(Option<&'a str>),
    /// Bytes (digests, sealed seeds).
    Bytes(Option<&'a [u8]>),
    /// A flag (stored as SQLite's 0/1 integer, PostgreSQL's `BOOLEAN`).
    Bool(bool),
}

impl From<bool> for Arg<'_> {
    fn from(v: bool) -> Self {
        Self::Bool(v)
    }
}

impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Self::Int(Some(v))
    }
}

impl From<Option<i64>> for Arg<'_> {
    fn from(v: Option<i64>) -> Self {
        Self::Int(v)
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(v: &'a str) -> Self {
        Self::Text(Some(v))
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(v: &'a String) -> Self {
        Self::Text(Some(v))
    }
}

impl<'a> From<Option<&'a str>> for Arg<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Self::Text(v)
    }
}

impl<'a> From<&'a Option<String>> for Arg<'a> {
    fn from(v: &'a Option<String>) -> Self {
        Self::Text(v.as_deref())
    }
}

impl<'a> From<&'a [u8]> for Arg<'a> {
    fn from(v: &'a [u8]) -> Self {
        Self::Bytes(Some(v))
    }
}

impl<'a> From<Option<&'a [u8]>> for Arg<'a> {
    fn from(v: Option<&'a [u8]>) -> Self {
        Self::Bytes(v)
    }
}

/// The arguments of a statement: `args![a, b]` is `[Arg::from(a), Arg::from(b)]`.
#[macro_export]
macro_rules! args {
    ($($a:expr),* $(,)?) => { [$($crate::exec::Arg::from($a)),*] };
}

/// A row type both drivers read (every `#[derive(sqlx::FromRow)]` struct of plain columns, and
/// tuples such as `(i64,)`).
pub trait Rows: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

impl<T> Rows for T where T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin {}

/// A sqlx driver: how a statement with [`Arg`]s runs on its connection.
#[async_trait]
pub trait Driver: Send + Sync + 'static {
    /// The driver's connection (a transaction or a pooled connection dereferences to it).
    type Conn: Send;

    /// The first row, if any.
    async fn fetch_optional<T: Rows>(c: &mut Self::Conn, sql: &str, args: &[Arg<'_>]) -> sqlx::Result<Option<T>>;
    /// Every row.
    async fn fetch_all<T: Rows>(c: &mut Self::Conn, sql: &str, args: &[Arg<'_>]) -> sqlx::Result<Vec<T>>;
    /// Runs the statement; the number of rows it changed.
    async fn execute(c: &mut Self::Conn, sql: &str, args: &[Arg<'_>]) -> sqlx::Result<u64>;
}

/// `args` as a statement's arguments for `DB`, in order: the one place values are bound.
fn arguments<'q, DB>(args: &[Arg<'q>]) -> sqlx::Result<DB::Arguments<'q>>
where
    DB: sqlx::Database,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<&'q [u8]>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    bool: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    use sqlx::Arguments as _;
    let mut out = DB::Arguments::<'q>::default();
    for a in args {
        match *a {
            Arg::Int(v) => out.add(v),
            Arg::Text(v) => out.add(v),
            Arg::Bytes(v) => out.add(v),
            Arg::Bool(v) => out.add(v),
        }
        .map_err(sqlx::Error::Encode)?;
    }
    Ok(out)
}

/// Implements [`Driver`] for a sqlx database.
macro_rules! driver {
    ($db:ty, $conn:ty) => {
        #[async_trait]
        impl Driver for $db {
            type Conn = $conn;

            async fn fetch_optional<T: Rows>(
                c: &mut Self::Conn,
                sql: &str,
                args: &[Arg<'_>],
            ) -> sqlx::Result<Option<T>> {
                sqlx::query_as_with::<$db, T, _>(sql, arguments::<$db>(args)?)
                    .fetch_optional(c)
                    .await
            }

            async fn fetch_all<T: Rows>(c: &mut Self::Conn, sql: &str, args: &[Arg<'_>]) -> sqlx::Result<Vec<T>> {
                sqlx::query_as_with::<$db, T, _>(sql, arguments::<$db>(args)?)
                    .fetch_all(c)
                    .await
            }

            async fn execute(c: &mut Self::Conn, sql: &str, args: &[Arg<'_>]) -> sqlx::Result<u64> {
                let done = sqlx::query_with::<$db, _>(sql, arguments::<$db>(args)?)
                    .execute(c)
                    .await?;
                Ok(done.rows_affected())
            }
        }
    };
}

driver!(sqlx::Sqlite, sqlx::SqliteConnection);
driver!(sqlx::Postgres, sqlx::PgConnection);

/// The first row of `sql`, if any.
pub async fn optional<B: Backend, T: Rows>(c: &mut Conn<B>, sql: &str, args: &[Arg<'_>]) -> StoreResult<Option<T>> {
    B::Db::fetch_optional(c, sql, args).await.map_err(B::map_error)
}

/// The one row of `sql`; a backend error if there is none.
pub async fn one<B: Backend, T: Rows>(c: &mut Conn<B>, sql: &str, args: &[Arg<'_>]) -> StoreResult<T> {
    optional::<B, T>(c, sql, args)
        .await?
        .ok_or_else(|| grantd_core::store::StoreError::Backend(format!("no row from {sql}").into()))
}

/// Every row of `sql`.
pub async fn all<B: Backend, T: Rows>(c: &mut Conn<B>, sql: &str, args: &[Arg<'_>]) -> StoreResult<Vec<T>> {
    B::Db::fetch_all(c, sql, args).await.map_err(B::map_error)
}

/// Runs `sql`; the number of rows it changed.
pub async fn execute<B: Backend>(c: &mut Conn<B>, sql: &str, args: &[Arg<'_>]) -> StoreResult<u64> {
    B::Db::execute(c, sql, args).await.map_err(B::map_error)
}

/// `NotFound` when a change touched no row.
pub fn found(rows: u64) -> StoreResult<()> {
    if rows == 0 {
        Err(grantd_core::store::StoreError::NotFound)
    } else {
        Ok(())
    }
}

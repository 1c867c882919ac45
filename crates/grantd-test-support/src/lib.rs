//! What grantd's tests share (a dev-dependency only, never linked into grantd itself):
//!
//! - [`store_tests!`]: runs each listed test once per store, `NAME::sqlite` always and
//!   `NAME::postgres` when `GRANTD_TEST_POSTGRES_URL` is set (skipping loudly otherwise). The API
//!   tests and the store conformance suite both use it.
//! - [`TestDatabase`]: a fresh, empty database for one test, a SQLite file in a temporary folder
//!   ([`sqlite`]) or a PostgreSQL schema of its own ([`postgres`]), deleted when dropped.
//! - [`LogBuffer`]: a log destination a test reads back.

pub mod log;
pub mod postgres;
pub mod sqlite;

pub use log::LogBuffer;

/// The databases grantd runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default store.
    Sqlite,
    /// The scale-out store, on the server named by `GRANTD_TEST_POSTGRES_URL`.
    Postgres,
}

/// A fresh, empty database for one test; dropping it deletes the database.
#[derive(Debug)]
pub enum TestDatabase {
    /// A SQLite file in a temporary folder of its own.
    Sqlite(sqlite::TempSqlite),
    /// A PostgreSQL schema of its own.
    Postgres(postgres::Schema),
}

impl TestDatabase {
    /// Creates a fresh database on `backend`.
    ///
    /// # Panics
    ///
    /// On PostgreSQL, when `GRANTD_TEST_POSTGRES_URL` is not set ([`store_tests!`] checks it
    /// first) or the server refuses the new schema.
    pub async fn create(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::Sqlite(sqlite::TempSqlite::create()),
            Backend::Postgres => {
                let server = postgres::test_url()
                    .unwrap_or_else(|| panic!("{} is not set: no PostgreSQL server to test on", postgres::URL_VAR));
                Self::Postgres(postgres::Schema::create_on(&server).await)
            }
        }
    }

    /// The URL a store opens the database with.
    pub fn url(&self) -> &str {
        match self {
            Self::Sqlite(file) => file.url(),
            Self::Postgres(schema) => &schema.url,
        }
    }
}

/// Runs each named test once per store: `NAME::sqlite` always, and `NAME::postgres` when
/// `GRANTD_TEST_POSTGRES_URL` is set; without it `NAME::postgres` prints a loud
/// `SKIPPED (PostgreSQL)` line on stderr and passes without running.
///
/// ```ignore
/// grantd_test_support::store_tests!(crate::run_on; first_test, second_test);
/// grantd_test_support::store_tests!(crate::run_on; multi_thread: a_race_between_tasks);
/// ```
///
/// Each `NAME` is a function of the module invoking the macro; `crate::run_on` is the test
/// binary's own runner, `async fn(Backend, F)`, called with the store and the function `NAME`
/// (which it may call with whatever that binary's tests take: nothing, a store, ...). A test
/// function that is written but not listed is never used, so a test binary with
/// `#![deny(dead_code)]` at its root does not compile: a test cannot be silently left out.
///
/// The tests are `#[tokio::test]`s (`multi_thread:` ones on four worker threads), so the calling
/// crate needs `tokio` with its `macros` and `rt-multi-thread` features.
#[macro_export]
macro_rules! store_tests {
    (@each $run:path, $test:tt, $($name:ident),*) => {$(
        mod $name {
            #$test
            async fn sqlite() {
                $run($crate::Backend::Sqlite, super::$name).await;
            }

            #$test
            async fn postgres() {
                if $crate::postgres::test_url().is_none() {
                    $crate::postgres::skip_loudly(module_path!());
                    return;
                }
                $run($crate::Backend::Postgres, super::$name).await;
            }
        }
    )*};
    ($run:path; multi_thread: $($name:ident),* $(,)?) => {
        $crate::store_tests!(@each $run, [::tokio::test(flavor = "multi_thread", worker_threads = 4)], $($name),*);
    };
    ($run:path; $($name:ident),* $(,)?) => {
        $crate::store_tests!(@each $run, [::tokio::test], $($name),*);
    };
}

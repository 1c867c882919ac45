//! The store conformance suite: every property the storage traits promise, written once, one file
//! per resource, and run against a fresh SQLite database and a fresh PostgreSQL schema (STYLE
//! "Tests").
//!
//! A property is an `async fn(Arc<dyn Store>)` taking a fresh, migrated, empty store and panicking
//! when the store breaks it. The file that holds it lists it in `store_tests!` (the one macro the
//! API tests use too, from `grantd-test-support`), which makes `NAME::sqlite` and
//! `NAME::postgres`; PostgreSQL runs when `GRANTD_TEST_POSTGRES_URL` is set and skips loudly
//! otherwise. A property that is written but not listed is dead code, which this binary denies:
//! it cannot be silently left out.

#![deny(dead_code)]

use grantd_core::store::Store;
use grantd_store_postgres::{PgConfig, PgStore};
use grantd_store_sqlite::{SqliteConfig, SqliteStore};
use grantd_test_support::{Backend, TestDatabase};
use std::future::Future;
use std::sync::Arc;

/// Runs each named property once per store (see `grantd_test_support::store_tests!`);
/// `multi_thread:` properties run on four worker threads.
macro_rules! store_tests {
    ($($properties:tt)*) => {
        grantd_test_support::store_tests!(crate::check_property; $($properties)*);
    };
}

mod fixtures;

mod apps;
mod authorization_changes;
mod authorization_lists;
mod authorizations;
mod expiry;
mod get_or_create;
mod grants;
mod health;
mod ids;
mod login_attempts;
mod sessions;
mod token_checks;
mod totp;
mod users;
mod web_flow_tokens;

/// Checks `property` on a fresh, migrated, empty store on `backend`; the database is deleted
/// afterwards.
async fn check_property<F, Fut>(backend: Backend, property: F)
where
    F: FnOnce(Arc<dyn Store>) -> Fut,
    Fut: Future<Output = ()>,
{
    let database = TestDatabase::create(backend).await;
    let store: Arc<dyn Store> = match backend {
        Backend::Sqlite => {
            let store = SqliteStore::open(database.url(), &SqliteConfig::default())
                .await
                .expect("open the database");
            store.migrate().await.expect("migrate the database");
            Arc::new(store)
        }
        Backend::Postgres => {
            let store = PgStore::open(database.url(), &PgConfig::default())
                .await
                .expect("open the database");
            store.migrate().await.expect("migrate the database");
            Arc::new(store)
        }
    };
    property(store).await;
    // The store is gone (the property took it); only now is the database deleted.
    drop(database);
}

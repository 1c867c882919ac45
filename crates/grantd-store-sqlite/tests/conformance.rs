//! The store conformance suite (`grantd-store-tests`) run against SQLite: every test gets a
//! fresh, migrated database file in its own temporary folder.

use grantd_core::store::Store;
use grantd_store_sqlite::{SqliteConfig, SqliteStore};
use std::sync::Arc;
use tempfile::TempDir;

/// A fresh, migrated, empty store, and the folder holding its file (deleted when the test ends).
async fn fresh_store() -> (Arc<dyn Store>, TempDir) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let url = format!("sqlite://{}", dir.path().join("grantd.db").display());
    let store = SqliteStore::open(&url, &SqliteConfig::default())
        .await
        .expect("open the database");
    store.migrate().await.expect("migrate the database");
    (Arc::new(store), dir)
}

grantd_store_tests::conformance_tests!(fresh_store);

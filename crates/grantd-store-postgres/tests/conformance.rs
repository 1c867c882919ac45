//! The store conformance suite (`grantd-store-tests`) run against PostgreSQL: every test gets a
//! fresh, migrated schema of its own on the server named by `GRANTD_TEST_POSTGRES_URL`, dropped
//! when the test ends. Without that variable every test prints a loud `SKIPPED (PostgreSQL)` line
//! on stderr and passes without running.

use grantd_core::store::Store;
use grantd_store_postgres::testing::Schema;
use grantd_store_postgres::{PgConfig, PgStore};
use std::sync::Arc;

/// A fresh, migrated, empty store in its own schema, and the guard dropping the schema; `None`
/// when no server is configured.
async fn fresh_store() -> Option<(Arc<dyn Store>, Schema)> {
    let schema = Schema::create().await?;
    let store = PgStore::open(&schema.url, &PgConfig::default())
        .await
        .expect("open the database");
    store.migrate().await.expect("migrate the database");
    Some((Arc::new(store), schema))
}

grantd_store_tests::conformance_tests!(optional: fresh_store);

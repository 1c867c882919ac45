//! The readiness probe.

use grantd_core::store::Store;
use std::sync::Arc;

/// The readiness probe answers.
async fn ping_answers(store: Arc<dyn Store>) {
    store.ping().await.expect("ping");
}

store_tests!(ping_answers);

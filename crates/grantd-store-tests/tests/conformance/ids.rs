//! Ids: users and apps are numbered one after the other, as SQLite's AUTOINCREMENT numbers them,
//! and a refused create uses up none.

use crate::fixtures::{at, new_app, new_user};
use grantd_core::store::{Conflict, Store, StoreError};
use std::sync::Arc;

/// A refused user or app uses up no id: ids follow each other as in SQLite, whose AUTOINCREMENT
/// counter rolls back with the refused insert (a PostgreSQL sequence would not).
async fn a_refused_user_or_app_uses_up_no_id(store: Arc<dyn Store>) {
    let store = &*store;
    store.create_user(new_user("a", at(0))).await.expect("create_user");
    let refused = store.create_user(new_user("A", at(0))).await.expect_err("taken");
    assert!(matches!(refused, StoreError::Conflict(Conflict::Login)), "{refused:?}");
    let b = store.create_user(new_user("b", at(0))).await.expect("create_user");
    assert_eq!(b.id.0, 2, "{store:?}");

    store.create_app(new_app("x", at(0))).await.expect("create_app");
    let refused = store.create_app(new_app("x", at(0))).await.expect_err("taken");
    assert!(
        matches!(refused, StoreError::Conflict(Conflict::ClientId)),
        "{refused:?}"
    );
    let y = store.create_app(new_app("y", at(0))).await.expect("create_app");
    assert_eq!(y.id.0, 2, "{store:?}");
}

store_tests!(a_refused_user_or_app_uses_up_no_id);

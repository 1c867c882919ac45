//! Unique violations as [`Conflict`]s: each store lists its schema's unique rules by the name its
//! database reports, and maps through [`by_constraint`]. A rule not listed (such as the grants'
//! `(user_id, app_id)`, only ever written through an upsert) is a bug of the store, not a
//! conflict to show a client: it stays a backend error.

use grantd_core::store::{Conflict, StoreError};

/// `e` as a store error: a unique violation whose constraint (named by `name`, from the
/// database's error) is in `rules` becomes its [`Conflict`]; anything else a backend error.
pub fn by_constraint(
    e: sqlx::Error,
    rules: &[(&str, Conflict)],
    name: impl FnOnce(&dyn sqlx::error::DatabaseError) -> Option<&str>,
) -> StoreError {
    if let sqlx::Error::Database(d) = &e {
        if d.is_unique_violation() {
            let found = name(d.as_ref()).and_then(|n| rules.iter().find(|(rule, _)| *rule == n));
            if let Some((_, conflict)) = found {
                return StoreError::Conflict(*conflict);
            }
        }
    }
    StoreError::backend(e)
}

//! Unique violations as conflicts, by the constraint name PostgreSQL reports.

use grantd_core::store::{Conflict, StoreError};

/// PostgreSQL's names for the unique rules of the schema (migration 0001), and their conflicts.
const UNIQUE_RULES: &[(&str, Conflict)] = &[
    ("users_login_key_key", Conflict::Login),
    ("apps_client_id_key", Conflict::ClientId),
    ("authorizations_token_digest_key", Conflict::Token),
    ("authorizations_pat_note", Conflict::Note),
    ("authorizations_app_fingerprint", Conflict::Fingerprint),
    ("authorizations_pat_fingerprint", Conflict::Fingerprint),
];

/// A sqlx error as a store error (see `grantd_store_sql::conflicts`).
pub(crate) fn map_error(e: sqlx::Error) -> StoreError {
    grantd_store_sql::conflicts::by_constraint(e, UNIQUE_RULES, |d| d.constraint())
}

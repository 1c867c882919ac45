//! Unique violations as conflicts, by the constraint SQLite names in its error message
//! (`UNIQUE constraint failed: <constraint>`): `table.column[, table.column]` for a unique column
//! list, `index '<name>'` for a unique index on an expression.

use grantd_core::store::{Conflict, StoreError};

/// The unique rules of the schema (migration 0001) as SQLite names them, and their conflicts.
const UNIQUE_RULES: &[(&str, Conflict)] = &[
    ("users.login_key", Conflict::Login),
    ("apps.client_id", Conflict::ClientId),
    ("authorizations.token_digest", Conflict::Token),
    ("authorizations.user_id, authorizations.note", Conflict::Note),
    ("index 'authorizations_app_fingerprint'", Conflict::Fingerprint),
    (
        "authorizations.user_id, authorizations.fingerprint",
        Conflict::Fingerprint,
    ),
];

/// A sqlx error as a store error (see `grantd_store_sql::conflicts`).
pub(crate) fn map_error(e: sqlx::Error) -> StoreError {
    grantd_store_sql::conflicts::by_constraint(e, UNIQUE_RULES, |d| {
        d.message().strip_prefix("UNIQUE constraint failed: ")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Breaks each unique rule with a plain statement: what SQLite reports maps to its conflict,
    /// and the grants' rule (not a client's conflict) to a backend error.
    #[tokio::test]
    async fn every_unique_rule_maps_by_the_constraint_sqlite_names() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.expect("open");
        crate::MIGRATOR.run(&pool).await.expect("migrate");
        let setup = "INSERT INTO users (login, login_key, password_hash, created_at, updated_at) VALUES ('a', 'a', 'h', 1, 1); \
             INSERT INTO apps (client_id, client_secret_digest, name, url, created_at, updated_at) VALUES ('c', x'00', 'n', 'u', 1, 1); \
             INSERT INTO grants (user_id, app_id, created_at, updated_at) VALUES (1, 1, 1, 1); \
             INSERT INTO authorizations (user_id, token_digest, token_last_eight, scopes, note, fingerprint, created_at, updated_at) VALUES (1, x'01', 'x', '', 'n', 'f', 1, 1); \
             INSERT INTO authorizations (user_id, app_id, grant_id, token_digest, token_last_eight, scopes, created_at, updated_at) VALUES (1, 1, 1, x'03', 'x', '', 1, 1)";
        sqlx::raw_sql(setup).execute(&pool).await.expect("setup");
        let cases = [
            ("INSERT INTO users (login, login_key, password_hash, created_at, updated_at) VALUES ('A', 'a', 'h', 1, 1)", Some(Conflict::Login)),
            ("INSERT INTO apps (client_id, client_secret_digest, name, url, created_at, updated_at) VALUES ('c', x'00', 'n', 'u', 1, 1)", Some(Conflict::ClientId)),
            ("INSERT INTO authorizations (user_id, token_digest, token_last_eight, scopes, created_at, updated_at) VALUES (1, x'01', 'x', '', 1, 1)", Some(Conflict::Token)),
            ("INSERT INTO authorizations (user_id, token_digest, token_last_eight, scopes, note, created_at, updated_at) VALUES (1, x'02', 'x', '', 'n', 1, 1)", Some(Conflict::Note)),
            ("INSERT INTO authorizations (user_id, token_digest, token_last_eight, scopes, fingerprint, created_at, updated_at) VALUES (1, x'02', 'x', '', 'f', 1, 1)", Some(Conflict::Fingerprint)),
            ("INSERT INTO authorizations (user_id, app_id, grant_id, token_digest, token_last_eight, scopes, created_at, updated_at) VALUES (1, 1, 1, x'04', 'x', '', 1, 1)", Some(Conflict::Fingerprint)),
            ("INSERT INTO grants (user_id, app_id, created_at, updated_at) VALUES (1, 1, 1, 1)", None),
        ];
        for (sql, want) in cases {
            let e = sqlx::query(sql).execute(&pool).await.expect_err(sql);
            match (map_error(e), want) {
                (StoreError::Conflict(got), Some(want)) => assert_eq!(got, want, "{sql}"),
                (StoreError::Backend(_), None) => {}
                (got, want) => panic!("{sql}: {got:?}, expected {want:?}"),
            }
        }
    }
}

//! API tests: each boots the real server on `127.0.0.1:0` with a fresh database and talks HTTP to
//! it, on both layouts (github.com's root and Enterprise's `/api/v3`), once on SQLite and once on
//! PostgreSQL (`store_tests!`). Every JSON answer is validated against GitHub's OpenAPI
//! description kept in `spec/openapi.json`.

#![allow(clippy::unwrap_used)]
#![deny(dead_code)]

/// Runs each named test once per store, `NAME::sqlite` and `NAME::postgres` (see
/// `grantd_test_support::store_tests!`): a test that is written but not listed is dead code, which
/// this binary denies.
macro_rules! store_tests {
    ($($tests:tt)*) => {
        grantd_test_support::store_tests!(crate::helpers::on_backend; $($tests)*);
    };
}

mod browser;
mod helpers;

mod access_token;
mod applications;
mod auth_budget;
mod authentication;
mod authorizations;
mod authorize;
mod cli;
mod client_ip;
mod connections;
mod conventions;
mod crash_safety;
mod credentials;
mod cross_instance;
mod emails_and_meta;
mod fixtures;
mod grants;
mod headers;
mod health;
mod hostile;
mod lock_out;
mod meta;
mod metrics;
mod rate_limit_defaults;
mod secrets;
mod sign_in;
mod two_factor;

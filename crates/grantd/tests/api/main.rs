//! API tests: each boots the real server on `127.0.0.1:0` with a fresh SQLite database and talks
//! HTTP to it, on both layouts (github.com's root and Enterprise's `/api/v3`). Every JSON answer
//! is validated against GitHub's OpenAPI description kept in `spec/openapi.json`.

#![allow(clippy::unwrap_used)]

/// Runs each named test once per store: `NAME::sqlite` always, `NAME::postgres` when
/// `GRANTD_TEST_POSTGRES_URL` is set (and says so loudly when it is not).
macro_rules! store_tests {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                crate::helpers::with_backend(crate::helpers::Backend::Sqlite, super::$name()).await;
            }

            #[tokio::test]
            async fn postgres() {
                if grantd_store_postgres::testing::test_url().is_none() {
                    grantd_store_postgres::testing::skip_loudly(module_path!());
                    return;
                }
                crate::helpers::with_backend(crate::helpers::Backend::Postgres, super::$name()).await;
            }
        }
    )*};
}

mod helpers;

mod applications;
mod authentication;
mod authorizations;
mod cli;
mod conventions;
mod crash_safety;
mod cross_instance;
mod grants;
mod hostile;
mod meta;
mod secrets;
mod two_factor;

//! The store conformance suite lives in this crate's test binary, `tests/conformance/` (one file
//! per resource): `cargo test -p grantd-store-tests` runs every property on SQLite, and on
//! PostgreSQL when `GRANTD_TEST_POSTGRES_URL` is set. This library is empty.

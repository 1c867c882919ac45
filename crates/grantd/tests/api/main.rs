//! API tests: each boots the real server on `127.0.0.1:0` with a fresh SQLite database and talks
//! HTTP to it, on both layouts (github.com's root and Enterprise's `/api/v3`). Every JSON answer
//! is validated against GitHub's OpenAPI description kept in `spec/openapi.json`.

#![allow(clippy::unwrap_used)]

mod helpers;

mod applications;
mod authentication;
mod authorizations;
mod cli;
mod conventions;
mod grants;
mod meta;
mod two_factor;

//! What grantd's SQL stores (`grantd-store-sqlite`, `grantd-store-postgres`) share: every
//! statement both databases understand, the row types both drivers read, and the store operations
//! themselves, written once over a [`Backend`].
//!
//! A store crate implements [`Backend`] (how to begin a transaction, which rows to lock, how a
//! unique violation maps to a [`Conflict`](grantd_core::store::Conflict), the get-or-create
//! insert, import specifics) and expands [`store_impls!`] to implement grantd-core's storage
//! traits with the operations of this crate. Statements use `$n` placeholders: PostgreSQL's own,
//! and sqlx's SQLite driver binds `$n` to the n-th argument too.
//!
//! One file per concern: [`exec`] (arguments and the driver calls), [`backend`] (what differs),
//! [`rows`] (row types and their conversion), [`sql`] (column lists and the "live token" rule),
//! [`users`], [`logins`] (failed logins and TOTP steps), [`apps`], [`authorizations`],
//! [`tokens`] (the operations of an app on its tokens), [`grants`], [`snapshot`], [`conflicts`],
//! and [`impls`] (the trait implementations).
//!
//! # Adding a store operation
//!
//! 1. Declare it on the grantd-core trait it belongs to (`grantd_core::store`).
//! 2. Write it once, as a generic `async fn op<B: Backend>(b: &B, …)`, in the file of its concern
//!    here, with its statements beside it (`$n` placeholders, SQL both databases accept; the
//!    column lists and the live-token rule of [`sql`]).
//! 3. Add its line to [`store_impls!`].
//! 4. Where the databases really differ (a lock, an upsert, a hint), add a hook to [`Backend`]
//!    with the default most stores want, and implement it in the store that differs.
//! 5. Add a property to the conformance suite (`grantd-store-tests`), which holds both stores to
//!    the same answers.

pub mod apps;
pub mod authorizations;
pub mod backend;
pub mod codes;
pub mod conflicts;
pub mod exec;
pub mod grants;
mod impls;
pub mod logins;
pub mod rows;
pub mod sessions;
pub mod snapshot;
pub mod sql;
pub mod tokens;
pub mod users;

pub use backend::{Backend, Conn};

/// The tables grantd's migrations make, and the migrations' own record. A database holding any
/// other table belongs, at least in part, to something else: `grantd copy` refuses to write into
/// it (see [`foreign_tables`]).
pub const GRANTD_TABLES: [&str; 9] = [
    "users",
    "apps",
    "grants",
    "authorizations",
    "authorization_counts",
    "unknown_logins",
    "sessions",
    "oauth_codes",
    "_sqlx_migrations",
];

/// Of the table `names` a database holds, those that are not grantd's, sorted.
pub fn foreign_tables(names: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut foreign: Vec<String> = names
        .into_iter()
        .filter(|name| !GRANTD_TABLES.contains(&name.as_str()))
        .collect();
    foreign.sort();
    foreign
}
pub use exec::{Arg, Driver, Rows};

/// For [`store_impls!`]'s expansion.
#[doc(hidden)]
pub mod __private {
    pub use async_trait::async_trait;
}

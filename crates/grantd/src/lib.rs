//! The grantd binary's library half: the command line's configuration ([`cli`]) and its
//! commands ([`commands`]), fixtures for test suites ([`fixtures`]), the master key ([`master_key`]), logging ([`logging`]), and opening
//! the store, wiring the services and serving HTTP ([`server`]). The integration tests boot the
//! server through [`server`] exactly as `grantd serve` does.

pub mod cli;
pub mod commands;
pub mod fixtures;
pub mod logging;
pub mod master_key;
pub mod server;

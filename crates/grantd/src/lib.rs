//! The grantd binary's library half: opening the store, assembling the services and serving
//! HTTP ([`server`]), and the command line ([`cli`]). The integration tests boot the server
//! through [`server`] exactly as `grantd serve` does.

pub mod cli;
pub mod log_format;
pub mod server;

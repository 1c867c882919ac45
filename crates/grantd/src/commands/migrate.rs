//! `grantd migrate`: create or upgrade the database schema, then exit.

use super::{db_options, redact_url, say};
use crate::cli::Cli;
use crate::server;
use serde_json::json;

/// Runs `grantd migrate`.
pub async fn run(cli: &Cli) -> anyhow::Result<()> {
    server::open_store(&cli.database_url, &db_options(cli)).await?;
    say(
        cli,
        &format!("database {} is up to date", redact_url(&cli.database_url)),
        json!({"migrated": true}),
    );
    Ok(())
}

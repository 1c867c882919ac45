//! `grantd copy --to URL`: copy everything into another, empty database of grantd's own (one
//! holding tables that are not grantd's is refused before anything is written to it).

use super::{db_options, redact_url, say, Refused};
use crate::cli::Cli;
use crate::server;
use anyhow::Context;
use grantd_core::store::{Conflict, StoreError};
use serde_json::json;

/// Runs `grantd copy`.
pub async fn run(cli: &Cli, to: &str) -> anyhow::Result<()> {
    if to == cli.database_url {
        return Err(Refused("--to names the database being copied".to_owned()).into());
    }
    let source = server::open_full_store(&cli.database_url, &db_options(cli)).await?;
    // Checked before the target is migrated, so a database that belongs to something else is
    // left exactly as it was.
    let foreign = server::foreign_tables(to, &db_options(cli)).await?;
    if !foreign.is_empty() {
        return Err(Refused(format!(
            "the target database {} holds tables that are not grantd's ({}); copy only into a database of its own",
            redact_url(to),
            foreign.join(", ")
        ))
        .into());
    }
    let target = server::open_full_store(to, &db_options(cli)).await?;
    let snapshot = source.export().await.context("reading the source database")?;
    target.import(&snapshot).await.map_err(|e| match e {
        StoreError::Conflict(Conflict::NotEmpty) => Refused(format!(
            "the target database {} already holds users or apps; copy only into an empty one",
            redact_url(to)
        ))
        .into(),
        other => anyhow::Error::new(other).context("writing the target database"),
    })?;
    let counts = json!({
        "users": snapshot.users.len(),
        "apps": snapshot.apps.len(),
        "grants": snapshot.grants.len(),
        "authorizations": snapshot.authorizations.len(),
    });
    say(
        cli,
        &format!(
            "copied {} users, {} apps, {} grants and {} authorizations to {}",
            snapshot.users.len(),
            snapshot.apps.len(),
            snapshot.grants.len(),
            snapshot.authorizations.len(),
            redact_url(to)
        ),
        counts,
    );
    Ok(())
}

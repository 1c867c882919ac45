//! `grantd app …`: register, list and remove OAuth apps; give one a new client secret.

use super::{admin_services, say, service_error};
use crate::cli::{AppCommand, Cli};
use grantd_core::model::App;
use serde_json::json;

/// Runs `grantd app …`.
pub async fn run(cli: &Cli, cmd: &AppCommand) -> anyhow::Result<()> {
    let services = admin_services(cli).await?;
    match cmd {
        AppCommand::Add {
            name,
            url,
            callback_url,
        } => {
            let (app, secret) = services
                .add_app(name, url, callback_url.as_deref())
                .await
                .map_err(service_error)?;
            say(
                cli,
                &format!(
                    "created app {}\nclient_id:     {}\nclient_secret: {}\n(the secret is shown only now)",
                    app.name,
                    app.client_id,
                    secret.expose()
                ),
                json!({"client_id": app.client_id.0, "client_secret": secret.expose()}),
            );
        }
        AppCommand::List => {
            let apps = services.list_apps().await.map_err(service_error)?;
            if cli.json {
                println!("{}", serde_json::Value::Array(apps.iter().map(app_json).collect()));
            } else {
                for a in &apps {
                    println!("{}\t{}\t{}", a.client_id, a.name, a.url);
                }
            }
        }
        AppCommand::Remove { client_id } => {
            let app = services.remove_app(client_id).await.map_err(service_error)?;
            say(
                cli,
                &format!("removed app {} ({}) with all its tokens", app.name, app.client_id),
                json!({"client_id": app.client_id.0, "removed": true}),
            );
        }
        AppCommand::ResetSecret { client_id } => {
            let (app, secret) = services.reset_app_secret(client_id).await.map_err(service_error)?;
            say(
                cli,
                &format!(
                    "new client_secret for {}: {}\n(the old secret no longer works)",
                    app.client_id,
                    secret.expose()
                ),
                json!({"client_id": app.client_id.0, "client_secret": secret.expose()}),
            );
        }
    }
    Ok(())
}

/// An app as `--json` lists it (never its client secret).
fn app_json(a: &App) -> serde_json::Value {
    json!({
        "client_id": a.client_id.0,
        "name": a.name,
        "url": a.url,
        "callback_url": a.callback_url,
        "created_at": grantd_http::views::timestamp(a.created_at),
    })
}

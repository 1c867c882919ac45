//! `grantd app …`: register (with a new client id or an existing one), change, list and remove
//! OAuth apps; give one a new client secret.

use super::{admin_services, read_password, say, service_error};
use crate::cli::{AppCommand, Cli};
use grantd_core::model::App;
use grantd_core::secret::ClientSecret;
use secrecy::ExposeSecret;
use serde_json::json;

/// Runs `grantd app …`.
pub async fn run(cli: &Cli, cmd: &AppCommand) -> anyhow::Result<()> {
    let services = admin_services(cli).await?;
    match cmd {
        AppCommand::Add {
            name,
            url,
            callback_urls,
            client_id: Some(client_id),
            client_secret_stdin,
        } => {
            let secret = read_password(*client_secret_stdin)?;
            let secret = ClientSecret::from_client(secret.expose_secret());
            let app = services
                .import_app(name, url, callback_urls, client_id, &secret)
                .await
                .map_err(service_error)?;
            say(
                cli,
                &format!("registered app {} with client_id {}", app.name, app.client_id),
                app_json(&app),
            );
        }
        AppCommand::Add {
            name,
            url,
            callback_urls,
            client_id: None,
            ..
        } => {
            let (app, secret) = services
                .add_app(name, url, callback_urls)
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
        AppCommand::Update {
            client_id,
            name,
            url,
            callback_urls,
        } => {
            let app = services
                .update_app(client_id, name.as_deref(), url.as_deref(), callback_urls.as_deref())
                .await
                .map_err(service_error)?;
            say(
                cli,
                &format!("updated app {} ({})", app.name, app.client_id),
                app_json(&app),
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
        "callback_urls": a.callback_urls().iter().map(url::Url::as_str).collect::<Vec<_>>(),
        "created_at": grantd_http::views::timestamp(a.created_at),
    })
}

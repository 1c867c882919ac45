//! `grantd user …`: add, list, change the password of, unlock and remove users; turn two-factor
//! on and off.

use super::{admin_services, read_password, say, service_error};
use crate::cli::{Cli, TwoFactorCommand, UserCommand};
use grantd_core::model::User;
use grantd_core::service::EmailChange;
use serde_json::json;

/// Runs `grantd user …`.
pub async fn run(cli: &Cli, cmd: &UserCommand) -> anyhow::Result<()> {
    let services = admin_services(cli).await?;
    match cmd {
        UserCommand::Add {
            login,
            password_stdin,
            email,
            email_verified,
            name,
        } => {
            let password = read_password(*password_stdin)?;
            let user = services
                .add_user(login, password, email.clone(), *email_verified, name.clone())
                .await
                .map_err(service_error)?;
            say(
                cli,
                &format!("created user {} (id {})", user.login, user.id),
                user_json(&user),
            );
        }
        UserCommand::List => {
            let users = services.list_users().await.map_err(service_error)?;
            if cli.json {
                println!("{}", serde_json::Value::Array(users.iter().map(user_json).collect()));
            } else {
                for u in &users {
                    let tfa = if u.two_factor_enabled() { "2fa" } else { "-" };
                    println!("{}\t{}\t{}\t{}", u.id, u.login, u.email.as_deref().unwrap_or("-"), tfa);
                }
            }
        }
        UserCommand::Email {
            login,
            email,
            verified,
            unverified,
            remove,
        } => {
            let change = match (email, remove) {
                (_, true) => EmailChange::Remove,
                (Some(email), false) => EmailChange::Address {
                    email: email.clone(),
                    verified: *verified,
                },
                (None, false) => EmailChange::Verified(*verified && !*unverified),
            };
            let user = services.set_email(login, change).await.map_err(service_error)?;
            let text = match &user.email {
                Some(email) if user.email_verified => format!("{} has the verified address {email}", user.login),
                Some(email) => format!("{} has the unverified address {email}", user.login),
                None => format!("{} has no e-mail address", user.login),
            };
            say(cli, &text, user_json(&user));
        }
        UserCommand::Passwd { login, password_stdin } => {
            let password = read_password(*password_stdin)?;
            let user = services.set_password(login, password).await.map_err(service_error)?;
            say(
                cli,
                &format!("changed the password of {}", user.login),
                json!({"login": user.login}),
            );
        }
        UserCommand::Unlock { login } => {
            let user = services.unlock_user(login).await.map_err(service_error)?;
            let was_locked = user
                .locked_until
                .is_some_and(|until| until > time::OffsetDateTime::now_utc());
            let text = if was_locked {
                format!("unlocked {}", user.login)
            } else {
                format!("{} was not locked; counted failures are forgotten", user.login)
            };
            say(cli, &text, json!({"login": user.login, "was_locked": was_locked}));
        }
        UserCommand::Remove { login } => {
            let user = services.remove_user(login).await.map_err(service_error)?;
            say(
                cli,
                &format!("removed user {} with all their tokens", user.login),
                json!({"login": user.login, "removed": true}),
            );
        }
        UserCommand::TwoFactor(TwoFactorCommand::Enable { login }) => {
            let enabled = services.enable_two_factor(login).await.map_err(service_error)?;
            let secret = enabled.secret.to_base32();
            say(
                cli,
                &format!(
                    "two-factor authentication is on for {login}\nsecret:      {secret}\notpauth URL: {}",
                    enabled.otpauth_url
                ),
                json!({"secret": secret, "otpauth_url": enabled.otpauth_url}),
            );
        }
        UserCommand::TwoFactor(TwoFactorCommand::Disable { login }) => {
            let user = services.disable_two_factor(login).await.map_err(service_error)?;
            say(
                cli,
                &format!("two-factor authentication is off for {}", user.login),
                json!({"login": user.login, "two_factor_authentication": false}),
            );
        }
    }
    Ok(())
}

/// A user as `--json` prints it (never the password hash or the two-factor seed).
fn user_json(u: &User) -> serde_json::Value {
    json!({
        "id": u.id.0,
        "login": u.login,
        "email": u.email,
        "email_verified": u.email_verified,
        "name": u.name,
        "two_factor_authentication": u.two_factor_enabled(),
        "created_at": grantd_http::views::timestamp(u.created_at),
    })
}

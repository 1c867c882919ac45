//! `grantd serve --fixtures FILE`: reads a TOML file of users, apps and personal access tokens
//! and brings the database to it at start, so a client library's test suite meets the same known
//! world on every run. Applying a file twice gives the same state: what exists is updated to the
//! file's values (passwords, secrets, seeds, scopes), nothing is created twice. The domain rules
//! (login, password, secret and token formats) are the services'; this module only reads the
//! file and names the entry a refusal is about, with its line.

use grantd_core::secret::{ClientSecret, TotpSecret};
use grantd_core::service::{EmailChange, ServiceError, Services};
use secrecy::SecretString;
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

/// A fixtures file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fixtures {
    #[serde(default)]
    users: Vec<Spanned<UserFixture>>,
    #[serde(default)]
    apps: Vec<Spanned<AppFixture>>,
    #[serde(default)]
    tokens: Vec<Spanned<TokenFixture>>,
}

/// `[[users]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UserFixture {
    login: String,
    password: String,
    email: Option<String>,
    #[serde(default)]
    email_verified: bool,
    /// The two-factor seed in base32; absent: two-factor is off.
    totp_secret: Option<String>,
}

/// `[[apps]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AppFixture {
    name: String,
    url: String,
    client_id: String,
    client_secret: String,
    #[serde(default)]
    callback_urls: Vec<String>,
}

/// `[[tokens]]`: a personal access token.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenFixture {
    /// The owner's login.
    user: String,
    token: String,
    note: String,
    #[serde(default)]
    scopes: Vec<String>,
}

/// What applying a file did, for the log.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Users in the file.
    pub users: usize,
    /// Apps in the file.
    pub apps: usize,
    /// Tokens in the file.
    pub tokens: usize,
}

/// Reads `path` and applies it; a refusal names the file, the line and the reason.
pub async fn apply_file(services: &Services, path: &Path) -> anyhow::Result<Applied> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read the fixtures file {}: {e}", path.display()))?;
    apply(services, &text)
        .await
        .map_err(|e| anyhow::anyhow!("fixtures file {}: {e}", path.display()))
}

/// Parses `text` as a fixtures file and applies it, users first, then apps, then tokens.
pub async fn apply(services: &Services, text: &str) -> anyhow::Result<Applied> {
    let fixtures: Fixtures = toml::from_str(text).map_err(|e| {
        let line = e.span().map_or(0, |s| line_of(text, s.start));
        anyhow::anyhow!("line {line}: {}", e.message().trim_end())
    })?;
    for user in &fixtures.users {
        put_user(services, user.get_ref())
            .await
            .map_err(|e| refusal(text, user, "user", e))?;
    }
    for app in &fixtures.apps {
        put_app(services, app.get_ref())
            .await
            .map_err(|e| refusal(text, app, "app", e))?;
    }
    for token in &fixtures.tokens {
        put_token(services, token.get_ref())
            .await
            .map_err(|e| refusal(text, token, "token", e))?;
    }
    Ok(Applied {
        users: fixtures.users.len(),
        apps: fixtures.apps.len(),
        tokens: fixtures.tokens.len(),
    })
}

async fn put_user(services: &Services, u: &UserFixture) -> Result<(), ServiceError> {
    let password = SecretString::from(u.password.clone());
    let exists = services.user_by_login(&u.login).await?.is_some();
    if exists {
        services.set_password(&u.login, password).await?;
        let change = match &u.email {
            Some(email) => EmailChange::Address {
                email: email.clone(),
                verified: u.email_verified,
            },
            None => EmailChange::Remove,
        };
        services.set_email(&u.login, change).await?;
    } else {
        services
            .add_user(&u.login, password, u.email.clone(), u.email_verified, None)
            .await?;
    }
    match &u.totp_secret {
        Some(encoded) => {
            // Authenticator apps show seeds in groups and either case; base32 has neither.
            let cleaned: String = encoded
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_uppercase();
            let secret = TotpSecret::from_base32(&cleaned)
                .ok_or_else(|| ServiceError::Rejected("totp_secret is not base32 (A-Z, 2-7)".into()))?;
            services.set_two_factor_secret(&u.login, secret).await?;
        }
        None if exists => {
            services.disable_two_factor(&u.login).await?;
        }
        None => {}
    }
    Ok(())
}

async fn put_app(services: &Services, a: &AppFixture) -> Result<(), ServiceError> {
    let secret = ClientSecret::from_client(&a.client_secret);
    if services.app(&a.client_id).await?.is_some() {
        services
            .update_app(&a.client_id, Some(&a.name), Some(&a.url), Some(&a.callback_urls))
            .await?;
        services.set_app_secret(&a.client_id, &secret).await?;
    } else {
        services
            .import_app(&a.name, &a.url, &a.callback_urls, &a.client_id, &secret)
            .await?;
    }
    Ok(())
}

async fn put_token(services: &Services, t: &TokenFixture) -> Result<(), ServiceError> {
    let user = services
        .user_by_login(&t.user)
        .await?
        .ok_or_else(|| ServiceError::Rejected(format!("no user has the login {:?}", t.user)))?;
    services.put_personal_token(&user, &t.token, &t.note, &t.scopes).await?;
    Ok(())
}

/// A service's refusal of one entry, with the line the entry starts on.
fn refusal<T>(text: &str, entry: &Spanned<T>, kind: &str, e: ServiceError) -> anyhow::Error {
    let line = line_of(text, entry.span().start);
    let reason = match e {
        ServiceError::Rejected(reason) => reason,
        ServiceError::Validation(errors) => errors
            .iter()
            .map(|f| {
                f.message
                    .clone()
                    .unwrap_or_else(|| format!("{} is {}", f.field, f.code))
            })
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    };
    anyhow::anyhow!("line {line}: {kind}: {reason}")
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset).map_or(0, |head| head.matches('\n').count()) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_count_from_one() {
        assert_eq!(line_of("a\nb\nc", 0), 1);
        assert_eq!(line_of("a\nb\nc", 2), 2);
        assert_eq!(line_of("a\nb\nc", 4), 3);
    }

    #[test]
    fn unknown_keys_are_refused_with_their_line() {
        let text = "[[users]]\nlogin = \"a\"\npassword = \"correct horse\"\npasword = \"x\"\n";
        let e = toml::from_str::<Fixtures>(text).expect_err("an unknown key");
        assert_eq!(line_of(text, e.span().expect("a span").start), 4, "{e}");
    }
}

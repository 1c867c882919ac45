//! What an OAuth app does with its own credentials: check, reset and revoke the tokens issued to
//! it and revoke grants (BEHAVIOR 8, 50-54); and the administration of apps (CLI).
//!
//! Decision (BEHAVIOR 12, UNCONFIRMED): an unknown `client_id` or a wrong secret in the Basic
//! credentials is 401 `Bad credentials`; valid credentials of another app than the one in the
//! path is 404 `Not Found`; an unknown token, or one of another app, is 404 (BEHAVIOR 50). None
//! of these counts towards any user's failed-login lock-out (BEHAVIOR 13).

use super::authorizations::is_web_url;
use super::{non_blank, ServiceError, ServiceResult, Services};
use crate::model::redirect::parse_callback;
use crate::model::{App, AppId, AppUpdate, Authorization, ClientId, NewApp, User};
use crate::secret::{generate_client_id, ClientSecret, Token, TokenKind};
use crate::store::{Conflict, StoreError};

/// A token as checked or reset by its app: the authorization, its owner, and the full token.
#[derive(Debug, Clone)]
pub struct CheckedToken {
    /// The authorization.
    pub authorization: Authorization,
    /// Its owner.
    pub user: User,
    /// The token (the checked one, or the new one after a reset).
    pub token: Token,
}

/// What a token check found: its answer, and the app whose credentials it established.
#[derive(Debug)]
pub struct TokenCheck {
    /// The app named in the path, when the credentials are that app's; `None` for bad
    /// credentials or another app's (the request counts as unauthenticated, BEHAVIOR 67).
    pub app: Option<AppId>,
    /// The answer: the token's authorization, or why not.
    pub result: ServiceResult<CheckedToken>,
}

impl TokenCheck {
    fn refused(error: ServiceError) -> Self {
        crate::metrics::families().token_checks.refused.inc();
        Self {
            app: None,
            result: Err(error),
        }
    }
}

impl Services {
    /// Authenticates an app by Basic `client_id:client_secret`, for the app named in the path
    /// (every app route but a token check, which asks [`Services::check_token`]).
    pub async fn authenticate_app(
        &self,
        path_client_id: &str,
        client_id: &str,
        secret: &ClientSecret,
    ) -> ServiceResult<App> {
        let app = self.store.app_by_client_id(client_id).await?;
        let app = verify_app(app, secret)?;
        if app.client_id.0 != path_client_id {
            return Err(ServiceError::NotFound);
        }
        Ok(app)
    }

    /// Checks a token of the app named in the path (BEHAVIOR 50) with the app's Basic
    /// credentials: one store question for both, then the rules of the module documentation.
    /// `raw` is `None` when the request carries no token to check; its answer is then 404 once
    /// the credentials hold (the caller may replace it with what was wrong with the request).
    pub async fn check_token(
        &self,
        path_client_id: &str,
        client_id: &str,
        secret: &ClientSecret,
        raw: Option<&str>,
    ) -> TokenCheck {
        let token = raw.and_then(|raw| Token::parse(raw.trim()).ok());
        let digest = token.as_ref().map(Token::digest);
        let found = match self
            .store
            .app_token_check(client_id, digest.as_ref(), self.clock.now())
            .await
        {
            Ok(found) => found,
            Err(e) => return TokenCheck::refused(e.into()),
        };
        let app = match verify_app(found.app, secret) {
            Ok(app) if app.client_id.0 == path_client_id => app,
            Ok(_) => return TokenCheck::refused(ServiceError::NotFound),
            Err(e) => return TokenCheck::refused(e),
        };
        let checks = &crate::metrics::families().token_checks;
        let result = match (token, found.token) {
            (Some(token), Some((authorization, user))) if authorization.app.as_ref().map(|a| a.id) == Some(app.id) => {
                checks.valid.inc();
                Ok(CheckedToken {
                    authorization,
                    user,
                    token,
                })
            }
            _ => {
                checks.unknown.inc();
                Err(ServiceError::NotFound)
            }
        };
        TokenCheck {
            app: Some(app.id),
            result,
        }
    }

    /// Replaces a token of the app with a new one; the old one dies in the same transaction
    /// (BEHAVIOR 51).
    pub async fn reset_token(&self, app: &App, raw: &str) -> ServiceResult<CheckedToken> {
        let old = Token::parse(raw.trim()).map_err(|_| ServiceError::NotFound)?;
        let token = Token::generate(TokenKind::OAuth);
        let (authorization, user) = self
            .store
            .reset_token(
                app.id,
                &old.digest(),
                &token.digest(),
                &token.last_eight(),
                self.clock.now(),
            )
            .await?;
        Ok(CheckedToken {
            authorization,
            user,
            token,
        })
    }

    /// Revokes one token of the app (BEHAVIOR 52).
    pub async fn delete_token(&self, app: &App, raw: &str) -> ServiceResult<()> {
        let token = Token::parse(raw.trim()).map_err(|_| ServiceError::NotFound)?;
        Ok(self
            .store
            .delete_token(app.id, &token.digest(), self.clock.now())
            .await?)
    }

    /// Revokes the grant the token belongs to, with every token of it (BEHAVIOR 48, 52).
    pub async fn delete_grant_by_token(&self, app: &App, raw: &str) -> ServiceResult<()> {
        let token = Token::parse(raw.trim()).map_err(|_| ServiceError::NotFound)?;
        Ok(self
            .store
            .delete_grant_by_token(app.id, &token.digest(), self.clock.now())
            .await?)
    }

    /// Revokes every token of the app (github3.py's `DELETE /applications/{client_id}/tokens`,
    /// BEHAVIOR 54).
    pub async fn revoke_all_tokens(&self, app: &App) -> ServiceResult<u64> {
        Ok(self.store.delete_app_tokens(app.id).await?)
    }

    /// Registers an OAuth app with a new client id and secret; returns it with its client secret,
    /// shown only this once. `callbacks` in order (the first is the default redirect, FLOWS 15).
    pub async fn add_app(&self, name: &str, url: &str, callbacks: &[String]) -> ServiceResult<(App, ClientSecret)> {
        let (name, url, callbacks) = app_settings(name, url, callbacks)?;
        let secret = ClientSecret::generate();
        for _ in 0..3 {
            let new = NewApp {
                client_id: ClientId(generate_client_id()),
                client_secret_digest: secret.digest(),
                name: name.clone(),
                url: url.clone(),
                callbacks: callbacks.clone(),
                now: self.clock.now(),
            };
            match self.store.create_app(new).await {
                Err(StoreError::Conflict(Conflict::ClientId)) => continue,
                Err(e) => return Err(e.into()),
                Ok(app) => return Ok((app, secret)),
            }
        }
        Err(ServiceError::internal("client id collided repeatedly"))
    }

    /// Registers an app under a client id and secret it already has (an app moving from GitHub
    /// Enterprise, or a well-known public client such as gh's, FLOWS 38). The id is 1 to 100 of
    /// `A-Z a-z 0-9 . _ -`; the secret, trimmed, at least [`MIN_IMPORTED_SECRET_LEN`] characters.
    pub async fn import_app(
        &self,
        name: &str,
        url: &str,
        callbacks: &[String],
        client_id: &str,
        secret: &ClientSecret,
    ) -> ServiceResult<App> {
        let (name, url, callbacks) = app_settings(name, url, callbacks)?;
        validate_client_id(client_id)?;
        let secret = imported_secret(secret)?;
        let new = NewApp {
            client_id: ClientId(client_id.to_owned()),
            client_secret_digest: secret.digest(),
            name,
            url,
            callbacks,
            now: self.clock.now(),
        };
        self.store.create_app(new).await.map_err(|e| match e {
            StoreError::Conflict(Conflict::ClientId) => {
                ServiceError::Rejected(format!("an app with the client id {client_id:?} exists already"))
            }
            other => other.into(),
        })
    }

    /// Changes an app's name, home page or callback URLs (a new list replaces the old one).
    pub async fn update_app(
        &self,
        client_id: &str,
        name: Option<&str>,
        url: Option<&str>,
        callbacks: Option<&[String]>,
    ) -> ServiceResult<App> {
        let app = self.require_app(client_id).await?;
        let update = AppUpdate {
            name: name.map(valid_name).transpose()?,
            url: url.map(valid_home_page).transpose()?,
            callbacks: callbacks.map(valid_callbacks).transpose()?,
        };
        if update.name.is_none() && update.url.is_none() && update.callbacks.is_none() {
            return Err(ServiceError::Rejected(
                "nothing to change: give --name, --url or --callback-url".into(),
            ));
        }
        Ok(self.store.update_app(app.id, &update, self.clock.now()).await?)
    }

    /// Every app.
    pub async fn list_apps(&self) -> ServiceResult<Vec<App>> {
        Ok(self.store.list_apps().await?)
    }

    /// The app `client_id`, if there is one (for the pages, which name the app a person signs
    /// in to or authorizes).
    pub async fn app(&self, client_id: &str) -> ServiceResult<Option<App>> {
        Ok(self.store.app_by_client_id(client_id).await?)
    }

    /// Removes an app with all its tokens and grants.
    pub async fn remove_app(&self, client_id: &str) -> ServiceResult<App> {
        let app = self.require_app(client_id).await?;
        self.store.delete_app(app.id).await?;
        Ok(app)
    }

    /// Gives an app a new client secret; the old one stops working at once.
    pub async fn reset_app_secret(&self, client_id: &str) -> ServiceResult<(App, ClientSecret)> {
        let app = self.require_app(client_id).await?;
        let secret = ClientSecret::generate();
        self.store
            .set_app_secret(app.id, &secret.digest(), self.clock.now())
            .await?;
        Ok((app, secret))
    }

    /// Gives an app the client secret it is given (fixtures: a test suite's app keeps a known
    /// secret); the same rule as [`Services::import_app`] for its length.
    pub async fn set_app_secret(&self, client_id: &str, secret: &ClientSecret) -> ServiceResult<App> {
        let secret = imported_secret(secret)?;
        let app = self.require_app(client_id).await?;
        self.store
            .set_app_secret(app.id, &secret.digest(), self.clock.now())
            .await?;
        Ok(app)
    }

    async fn require_app(&self, client_id: &str) -> ServiceResult<App> {
        self.store
            .app_by_client_id(client_id)
            .await?
            .ok_or_else(|| ServiceError::Rejected(format!("no app has the client id {client_id:?}")))
    }
}

/// Shortest client secret an imported app may have: GitHub's are 40 hexadecimal characters; 20
/// keeps guessing out of reach while accepting other servers' shorter secrets.
pub const MIN_IMPORTED_SECRET_LEN: usize = 20;

/// Longest client id an imported app may have.
pub const MAX_CLIENT_ID_LEN: usize = 100;

/// An app's name, home page and callback URLs, checked.
fn app_settings(name: &str, url: &str, callbacks: &[String]) -> ServiceResult<(String, String, Vec<url::Url>)> {
    Ok((valid_name(name)?, valid_home_page(url)?, valid_callbacks(callbacks)?))
}

fn valid_name(name: &str) -> ServiceResult<String> {
    non_blank(Some(name.to_owned())).ok_or_else(|| ServiceError::Rejected("the app needs a name".into()))
}

fn valid_home_page(url: &str) -> ServiceResult<String> {
    let url = url.trim();
    if is_web_url(url) {
        Ok(url.to_owned())
    } else {
        Err(ServiceError::Rejected(format!(
            "the app URL {url:?} is not an absolute http or https URL"
        )))
    }
}

/// Callback URLs in order, blank ones left out, each checked by [`parse_callback`]; a URL given
/// twice is kept once.
fn valid_callbacks(raw: &[String]) -> ServiceResult<Vec<url::Url>> {
    let mut callbacks: Vec<url::Url> = Vec::new();
    for r in raw.iter().filter(|r| !r.trim().is_empty()) {
        let url = parse_callback(r).map_err(ServiceError::Rejected)?;
        if !callbacks.contains(&url) {
            callbacks.push(url);
        }
    }
    Ok(callbacks)
}

/// An imported client id: 1 to [`MAX_CLIENT_ID_LEN`] characters of `A-Z a-z 0-9 . _ -` (what
/// GitHub's ids use: `Iv1.…`, `Ov23li…`, hexadecimal), so it is safe in a path segment and a log.
fn validate_client_id(client_id: &str) -> ServiceResult<()> {
    let ok = !client_id.is_empty()
        && client_id.len() <= MAX_CLIENT_ID_LEN
        && client_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(ServiceError::Rejected(format!(
            "{client_id:?} is not a valid client id: use 1 to {MAX_CLIENT_ID_LEN} letters, digits, '.', '_' or '-'"
        )))
    }
}

/// The app if `secret` is its client secret, else `Bad credentials`. Compared in constant time,
/// and against a digest even when there is no app, so an unknown id costs what a wrong secret
/// costs.
fn verify_app(app: Option<App>, secret: &ClientSecret) -> ServiceResult<App> {
    match app {
        Some(app) if secret.matches(&app.client_secret_digest) => Ok(app),
        Some(_) => Err(ServiceError::BadCredentials),
        None => {
            let _ = secret.matches(&[0u8; 32]);
            Err(ServiceError::BadCredentials)
        }
    }
}

/// A client secret given by an administrator, trimmed, if long enough.
fn imported_secret(secret: &ClientSecret) -> ServiceResult<ClientSecret> {
    let secret = ClientSecret::from_client(secret.expose().trim());
    if secret.expose().chars().count() < MIN_IMPORTED_SECRET_LEN {
        return Err(ServiceError::Rejected(format!(
            "the client secret must have at least {MIN_IMPORTED_SECRET_LEN} characters"
        )));
    }
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imported_client_ids_are_short_and_plain() {
        for ok in [
            "178c6fc778ccc68e1d6a",
            "Iv1.0123456789abcdef",
            "Ov23li_x-y",
            "a",
            &"x".repeat(100),
        ] {
            assert!(validate_client_id(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a b", "a/b", "a%2Fb", "é", "a:b", &"x".repeat(101)] {
            assert!(validate_client_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn callbacks_keep_their_order_once_each() {
        let raw = [
            "https://b.example/cb",
            " ",
            "https://a.example/cb",
            "https://B.example/cb",
        ]
        .map(String::from);
        let got: Vec<String> = valid_callbacks(&raw)
            .expect("valid")
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(got, ["https://b.example/cb", "https://a.example/cb"]);
        assert!(valid_callbacks(&["javascript:alert(1)".to_owned()]).is_err());
    }
}

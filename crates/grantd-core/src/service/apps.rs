//! What an OAuth app does with its own credentials: check, reset and revoke the tokens issued to
//! it and revoke grants (BEHAVIOR 8, 50-54); and the administration of apps (CLI).
//!
//! Decision (BEHAVIOR 12, UNCONFIRMED): an unknown `client_id` or a wrong secret in the Basic
//! credentials is 401 `Bad credentials`; valid credentials of another app than the one in the
//! path is 404 `Not Found`; an unknown token, or one of another app, is 404 (BEHAVIOR 50). None
//! of these counts towards any user's failed-login lock-out (BEHAVIOR 13).

use super::authorizations::is_web_url;
use super::{non_blank, ServiceError, ServiceResult, Services};
use crate::model::{App, AppId, Authorization, ClientId, NewApp, User};
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
        let result = match (token, found.token) {
            (Some(token), Some((authorization, user))) if authorization.app.as_ref().map(|a| a.id) == Some(app.id) => {
                Ok(CheckedToken {
                    authorization,
                    user,
                    token,
                })
            }
            _ => Err(ServiceError::NotFound),
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

    /// Registers an OAuth app; returns it with its client secret, shown only this once.
    pub async fn add_app(
        &self,
        name: &str,
        url: &str,
        callback_url: Option<&str>,
    ) -> ServiceResult<(App, ClientSecret)> {
        let name =
            non_blank(Some(name.to_owned())).ok_or_else(|| ServiceError::Rejected("the app needs a name".into()))?;
        if !is_web_url(url) {
            return Err(ServiceError::Rejected(format!(
                "the app URL {url:?} is not an absolute http or https URL"
            )));
        }
        let callback_url = non_blank(callback_url.map(str::to_owned));
        if let Some(c) = &callback_url {
            if url::Url::parse(c).is_err() {
                return Err(ServiceError::Rejected(format!(
                    "the callback URL {c:?} is not an absolute URL"
                )));
            }
        }
        let secret = ClientSecret::generate();
        for _ in 0..3 {
            let new = NewApp {
                client_id: ClientId(generate_client_id()),
                client_secret_digest: secret.digest(),
                name: name.clone(),
                url: url.to_owned(),
                callback_url: callback_url.clone(),
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

    /// Every app.
    pub async fn list_apps(&self) -> ServiceResult<Vec<App>> {
        Ok(self.store.list_apps().await?)
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

    async fn require_app(&self, client_id: &str) -> ServiceResult<App> {
        self.store
            .app_by_client_id(client_id)
            .await?
            .ok_or_else(|| ServiceError::Rejected(format!("no app has the client id {client_id:?}")))
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

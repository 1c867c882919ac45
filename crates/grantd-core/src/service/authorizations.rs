//! Authorizations (OAuth tokens and personal access tokens) as the user manages them with a
//! password: create, get-or-create, list, get, update, delete (BEHAVIOR 31-45).

use super::{non_blank, FieldError, ServiceError, ServiceResult, Services};
use crate::model::{
    App, AppSummary, Authorization, AuthorizationFlow, AuthorizationId, AuthorizationUpdate, NewAuthorization, Page,
    PageRequest, Scopes, User,
};
use crate::secret::{ClientSecret, Token, TokenKind};
use crate::store::{Conflict, StoreError};

/// Longest note accepted.
pub const MAX_NOTE_LEN: usize = 1024;
/// Longest fingerprint accepted.
pub const MAX_FINGERPRINT_LEN: usize = 255;
/// Longest note URL accepted.
pub const MAX_URL_LEN: usize = 2048;
/// How often a new token is drawn when its digest collides with a stored one (never expected).
const TOKEN_ATTEMPTS: usize = 3;

/// The body of `POST /authorizations`, after JSON parsing. Blank strings and `null` are absent.
#[derive(Debug, Clone, Default)]
pub struct CreateAuthorization {
    /// Requested scopes.
    pub scopes: Vec<String>,
    /// Note.
    pub note: Option<String>,
    /// Note URL.
    pub note_url: Option<String>,
    /// OAuth app client id (absent for a personal access token).
    pub client_id: Option<String>,
    /// OAuth app client secret.
    pub client_secret: Option<ClientSecret>,
    /// Fingerprint.
    pub fingerprint: Option<String>,
}

/// The body of `PUT /authorizations/clients/{client_id}[/{fingerprint}]`, with the path's values.
#[derive(Debug, Clone, Default)]
pub struct GetOrCreate {
    /// The app, from the path.
    pub client_id: String,
    /// Its secret, from the body (required).
    pub client_secret: Option<ClientSecret>,
    /// From the path, or from the body of the variant without one (BEHAVIOR 39).
    pub fingerprint: Option<String>,
    /// Requested scopes.
    pub scopes: Vec<String>,
    /// Note.
    pub note: Option<String>,
    /// Note URL.
    pub note_url: Option<String>,
}

/// The body of `PATCH /authorizations/{id}`.
#[derive(Debug, Clone, Default)]
pub struct UpdateAuthorization {
    /// Replace the scopes.
    pub scopes: Option<Vec<String>>,
    /// Add scopes.
    pub add_scopes: Option<Vec<String>>,
    /// Remove scopes.
    pub remove_scopes: Option<Vec<String>>,
    /// New note.
    pub note: Option<String>,
    /// New note URL.
    pub note_url: Option<String>,
    /// New fingerprint.
    pub fingerprint: Option<String>,
}

impl Services {
    /// Creates an authorization for `user`: a personal access token without `client_id`, or a
    /// token for the OAuth app whose credentials are in the body. Returns it with its token.
    pub async fn create_authorization(
        &self,
        user: &User,
        req: CreateAuthorization,
    ) -> ServiceResult<(Authorization, Token)> {
        let note = non_blank(req.note);
        let note_url = non_blank(req.note_url);
        let fingerprint = non_blank(req.fingerprint);
        let app = match non_blank(req.client_id) {
            Some(client_id) => Some(
                self.app_with_secret(&client_id, req.client_secret.as_ref())
                    .await?
                    .summary(),
            ),
            None => None,
        };
        if app.is_none() && note.is_none() {
            // BEHAVIOR 26, 35: a personal access token needs a note.
            return Err(ServiceError::field(FieldError::authorization(
                "description",
                "missing_field",
            )));
        }
        validate_fields(note.as_deref(), note_url.as_deref(), fingerprint.as_deref())?;
        let scopes = self
            .config
            .scopes
            .normalise(&req.scopes)
            .map_err(ServiceError::invalid_scopes)?;
        let (authorization, token) = self
            .insert(user, app, scopes, note, note_url, fingerprint, false)
            .await?;
        let token = token.ok_or_else(|| ServiceError::internal("a created authorization came without its token"))?;
        Ok((authorization, token))
    }

    /// Returns the user's authorization for the app (and fingerprint) with no token, or creates
    /// one and returns it with its token (BEHAVIOR 39). Atomic in the store.
    pub async fn get_or_create_authorization(
        &self,
        user: &User,
        req: GetOrCreate,
    ) -> ServiceResult<(Authorization, Option<Token>)> {
        let Some(secret) = req.client_secret.as_ref().filter(|s| !s.expose().trim().is_empty()) else {
            return Err(ServiceError::field(FieldError::authorization(
                "client_secret",
                "missing_field",
            )));
        };
        let app = self.app_with_secret(&req.client_id, Some(secret)).await?.summary();
        let note = non_blank(req.note);
        let note_url = non_blank(req.note_url);
        let fingerprint = non_blank(req.fingerprint);
        validate_fields(note.as_deref(), note_url.as_deref(), fingerprint.as_deref())?;
        let scopes = self
            .config
            .scopes
            .normalise(&req.scopes)
            .map_err(ServiceError::invalid_scopes)?;
        self.insert(user, Some(app), scopes, note, note_url, fingerprint, true)
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert(
        &self,
        user: &User,
        app: Option<AppSummary>,
        scopes: Scopes,
        note: Option<String>,
        note_url: Option<String>,
        fingerprint: Option<String>,
        get_existing: bool,
    ) -> ServiceResult<(Authorization, Option<Token>)> {
        let kind = if app.is_some() {
            TokenKind::OAuth
        } else {
            TokenKind::Personal
        };
        for _ in 0..TOKEN_ATTEMPTS {
            let now = self.clock.now();
            let token = Token::generate(kind);
            let new = NewAuthorization {
                user_id: user.id,
                app: app.clone(),
                scopes: scopes.clone(),
                token_digest: token.digest(),
                token_last_eight: token.last_eight(),
                note: note.clone(),
                note_url: note_url.clone(),
                fingerprint: fingerprint.clone(),
                now,
                expires_at: self.expiry(now),
                flow: AuthorizationFlow::Api,
            };
            let result = if get_existing {
                self.store
                    .get_or_create_authorization(new)
                    .await
                    .map(|(a, created)| (a, created.then_some(token)))
            } else {
                self.store.create_authorization(new).await.map(|a| (a, Some(token)))
            };
            match result {
                Err(StoreError::Conflict(Conflict::Token)) => continue,
                Err(StoreError::Conflict(c)) => return Err(conflict_error(c)),
                other => return other.map_err(Into::into),
            }
        }
        Err(ServiceError::internal("token digest collided repeatedly"))
    }

    /// Makes `raw` a personal access token of `user` with `note` and `scopes`, or brings the one
    /// that already is to that note and those scopes (fixtures: a test suite's token keeps a value
    /// it knows). `raw` must be a `ghp_` token with a valid checksum; only its digest is stored.
    /// A token that is another user's, or an app's, is refused rather than taken over.
    pub async fn put_personal_token(
        &self,
        user: &User,
        raw: &str,
        note: &str,
        scopes: &[String],
    ) -> ServiceResult<Authorization> {
        let token = Token::parse(raw.trim())
            .map_err(|e| ServiceError::Rejected(format!("not a token grantd could have issued: {e}")))?;
        if token.kind() != TokenKind::Personal {
            return Err(ServiceError::Rejected(
                "a personal access token starts with ghp_ (gho_ tokens belong to apps)".into(),
            ));
        }
        let Some(note) = non_blank(Some(note.to_owned())) else {
            return Err(ServiceError::Rejected("a personal access token needs a note".into()));
        };
        validate_fields(Some(&note), None, None)?;
        let scopes = self
            .config
            .scopes
            .normalise(scopes)
            .map_err(ServiceError::invalid_scopes)?;
        let now = self.clock.now();
        if let Some((existing, owner)) = self.store.authorization_by_token(&token.digest(), now).await? {
            if owner.id != user.id || existing.app.is_some() {
                return Err(ServiceError::Rejected(format!(
                    "the token ending in {} is already another user's or an app's",
                    token.last_eight()
                )));
            }
            let update = AuthorizationUpdate {
                scopes: Some(scopes),
                note: Some(note),
                ..AuthorizationUpdate::default()
            };
            return self
                .store
                .update_authorization(user.id, existing.id, update, now)
                .await
                .map_err(|e| match e {
                    StoreError::Conflict(c) => conflict_error(c),
                    other => other.into(),
                });
        }
        let new = NewAuthorization {
            user_id: user.id,
            app: None,
            scopes,
            token_digest: token.digest(),
            token_last_eight: token.last_eight(),
            note: Some(note),
            note_url: None,
            fingerprint: None,
            now,
            expires_at: self.expiry(now),
            flow: AuthorizationFlow::Api,
        };
        self.store.create_authorization(new).await.map_err(|e| match e {
            StoreError::Conflict(Conflict::Token) => ServiceError::Rejected(format!(
                "the token ending in {} is already another user's or an app's",
                token.last_eight()
            )),
            StoreError::Conflict(c) => conflict_error(c),
            other => other.into(),
        })
    }

    /// The user's authorizations, optionally only those of the app `client_id` (BEHAVIOR 43).
    pub async fn list_authorizations(
        &self,
        user: &User,
        client_id: Option<&str>,
        page: PageRequest,
    ) -> ServiceResult<Page<Authorization>> {
        let Some(app) = self.app_filter(client_id).await? else {
            return Ok(Page {
                items: Vec::new(),
                total: 0,
            });
        };
        Ok(self
            .store
            .list_authorizations(user.id, app, page, self.clock.now())
            .await?)
    }

    /// One of the user's authorizations.
    pub async fn authorization(&self, user: &User, id: AuthorizationId) -> ServiceResult<Authorization> {
        self.store
            .authorization(user.id, id, self.clock.now())
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// Changes scopes, note, note URL or fingerprint (BEHAVIOR 40). At most one of `scopes`,
    /// `add_scopes` and `remove_scopes` may be given: two or more are a 422 (a decision, as
    /// GitHub's answer is unconfirmed).
    pub async fn update_authorization(
        &self,
        user: &User,
        id: AuthorizationId,
        req: UpdateAuthorization,
    ) -> ServiceResult<Authorization> {
        let given = [
            req.scopes.is_some(),
            req.add_scopes.is_some(),
            req.remove_scopes.is_some(),
        ];
        if given.iter().filter(|g| **g).count() > 1 {
            return Err(ServiceError::field(
                FieldError::authorization("scopes", "invalid")
                    .with_message("Only one of scopes, add_scopes or remove_scopes may be given."),
            ));
        }
        let current = self.authorization(user, id).await?;
        let note = req.note.map(|n| n.trim().to_owned());
        if current.is_personal() && note.as_deref() == Some("") {
            return Err(ServiceError::field(FieldError::authorization(
                "description",
                "missing_field",
            )));
        }
        let note = note.filter(|n| !n.is_empty());
        let note_url = non_blank(req.note_url);
        let fingerprint = non_blank(req.fingerprint);
        validate_fields(note.as_deref(), note_url.as_deref(), fingerprint.as_deref())?;
        let registry = &self.config.scopes;
        let scopes = if let Some(scopes) = req.scopes {
            Some(registry.normalise(&scopes))
        } else if let Some(add) = req.add_scopes {
            let mut all: Vec<String> = current.scopes.as_slice().to_vec();
            all.extend(add);
            Some(registry.normalise(&all))
        } else if let Some(remove) = req.remove_scopes {
            // Validate the names to remove, then drop them from the current list.
            registry.normalise(&remove).map_err(ServiceError::invalid_scopes)?;
            let remove: Vec<&str> = remove.iter().map(|s| s.trim()).collect();
            let kept: Vec<&String> = current
                .scopes
                .as_slice()
                .iter()
                .filter(|s| !remove.contains(&s.as_str()))
                .collect();
            Some(registry.normalise(&kept.iter().map(|s| s.as_str()).collect::<Vec<_>>()))
        } else {
            None
        };
        let scopes = scopes.transpose().map_err(ServiceError::invalid_scopes)?;
        let update = AuthorizationUpdate {
            scopes,
            note,
            note_url,
            fingerprint,
        };
        self.store
            .update_authorization(user.id, id, update, self.clock.now())
            .await
            .map_err(|e| match e {
                StoreError::Conflict(c) => conflict_error(c),
                other => other.into(),
            })
    }

    /// Deletes one of the user's authorizations; its token stops working at once (BEHAVIOR 42).
    pub async fn delete_authorization(&self, user: &User, id: AuthorizationId) -> ServiceResult<()> {
        Ok(self.store.delete_authorization(user.id, id).await?)
    }

    /// The app `client_id`, if `secret` is its secret; otherwise GitHub's 422 (BEHAVIOR 26).
    async fn app_with_secret(&self, client_id: &str, secret: Option<&ClientSecret>) -> ServiceResult<App> {
        let Some(secret) = secret.filter(|s| !s.expose().trim().is_empty()) else {
            return Err(ServiceError::field(FieldError::authorization(
                "client_secret",
                "missing_field",
            )));
        };
        let app = self.store.app_by_client_id(client_id.trim()).await?;
        match app {
            Some(app) if secret.matches(&app.client_secret_digest) => Ok(app),
            _ => Err(ServiceError::InvalidClient),
        }
    }
}

fn conflict_error(c: Conflict) -> ServiceError {
    let field = match c {
        Conflict::Note => "description",
        Conflict::Fingerprint => "fingerprint",
        Conflict::Login | Conflict::ClientId | Conflict::Token | Conflict::NotEmpty => {
            return ServiceError::internal(format!("unexpected conflict {c:?}"));
        }
    };
    ServiceError::field(FieldError::authorization(field, "already_exists"))
}

/// Length and format checks shared by create, get-or-create and update.
fn validate_fields(note: Option<&str>, note_url: Option<&str>, fingerprint: Option<&str>) -> ServiceResult<()> {
    let mut errors = Vec::new();
    if note.is_some_and(|n| n.chars().count() > MAX_NOTE_LEN) {
        errors.push(
            FieldError::authorization("description", "invalid")
                .with_message(format!("note is longer than {MAX_NOTE_LEN} characters")),
        );
    }
    if let Some(u) = note_url {
        if u.len() > MAX_URL_LEN || !is_web_url(u) {
            errors.push(
                FieldError::authorization("note_url", "invalid")
                    .with_message("note_url must be an absolute http or https URL"),
            );
        }
    }
    if fingerprint.is_some_and(|f| f.chars().count() > MAX_FINGERPRINT_LEN) {
        errors.push(
            FieldError::authorization("fingerprint", "invalid")
                .with_message(format!("fingerprint is longer than {MAX_FINGERPRINT_LEN} characters")),
        );
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Validation(errors))
    }
}

/// Whether `s` is an absolute http(s) URL.
pub fn is_web_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

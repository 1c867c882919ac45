//! The operations of grantd, called by the HTTP layer and the admin CLI alike. Each applies
//! GitHub's rules and calls the store; none knows about HTTP.

mod apps;
mod auth_log;
mod authorizations;
mod authorize;
mod codes;
mod credentials;
mod failed_auth;
mod grants;
mod login;
mod login_gate;
mod sessions;
mod token_exchange;
mod users;

pub use apps::{CheckedToken, TokenCheck, MAX_CLIENT_ID_LEN, MIN_IMPORTED_SECRET_LEN};
pub use auth_log::AUTH_TARGET;
pub use authorizations::{CreateAuthorization, GetOrCreate, UpdateAuthorization};
pub use authorize::{denied, AuthorizeParams, AuthorizeRefusal, AuthorizeRequest, Consent};
pub use codes::CODE_LIFETIME;
pub use credentials::MAX_CREDENTIALS;
pub use failed_auth::FailedAuthPolicy;
pub use login::LoginOutcome;
pub use sessions::{CurrentSession, SessionPolicy, SignIn};
pub use token_exchange::{CodeExchange, IssuedToken, OAuthError};
pub use users::{EmailChange, EnabledTwoFactor, MIN_TOTP_SEED_BYTES};

use crate::clock::Clock;
use crate::model::{ScopeError, ScopeRegistry};
use crate::secret::{MasterKey, PasswordHasher};
use crate::store::{LockoutPolicy, Store, StoreError};
use std::sync::Arc;
use std::time::Duration;

/// The resource name GitHub reports in validation errors about authorizations (BEHAVIOR 26).
pub const AUTHORIZATION_RESOURCE: &str = "OauthAccess";

/// One field-level problem of a 422 answer (BEHAVIOR 25).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The resource, e.g. `OauthAccess`.
    pub resource: &'static str,
    /// The field, in GitHub's naming (a note is `description`, BEHAVIOR 26).
    pub field: &'static str,
    /// `missing`, `missing_field`, `invalid`, `already_exists`, `unprocessable` or `custom`.
    pub code: &'static str,
    /// A human-readable explanation, where GitHub gives one.
    pub message: Option<String>,
}

impl FieldError {
    /// A field error about an authorization.
    pub fn authorization(field: &'static str, code: &'static str) -> Self {
        Self {
            resource: AUTHORIZATION_RESOURCE,
            field,
            code,
            message: None,
        }
    }

    /// The same, with a message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }
}

/// Why an operation did not succeed, in terms the HTTP layer maps to GitHub's answers.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Wrong login, password or token (401 `Bad credentials`).
    #[error("bad credentials")]
    BadCredentials,
    /// Right password, but a TOTP code is missing or wrong (401 + `X-GitHub-OTP`).
    #[error("two-factor code required")]
    OtpRequired,
    /// Too many failed logins, of the user (BEHAVIOR 13) or from the client's address (its
    /// failed-authentication budget): 403.
    #[error("maximum number of login attempts exceeded")]
    LockedOut,
    /// A token was presented where only a password is accepted (403, BEHAVIOR 7).
    #[error("this API can only be accessed with username and password Basic Auth")]
    TokenNotAllowed,
    /// The thing does not exist, or is not the caller's (404 `Not Found`, BEHAVIOR 12).
    #[error("not found")]
    NotFound,
    /// Field-level validation failed (422 `Validation Failed`).
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
    /// App credentials in a request body are wrong (422, BEHAVIOR 26).
    #[error("invalid OAuth application client_id or secret")]
    InvalidClient,
    /// An administrative request that cannot be carried out, with the reason. Only the admin
    /// operations (`add_user`, `add_app`, password and login rules, an unknown login or client
    /// id given to the CLI) refuse this way; no HTTP request reaches one today.
    #[error("{0}")]
    Rejected(String),
    /// Too many password checks are waiting already (503, like a timeout).
    #[error("too many password checks in progress")]
    Busy,
    /// A failure of the server itself, with its cause (and the cause's own causes, for the
    /// log); never shown to a client.
    #[error("internal error")]
    Internal(#[source] BoxError),
}

/// Any error, boxed; the cause of [`ServiceError::Internal`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound,
            other => Self::Internal(Box::new(other)),
        }
    }
}

impl ServiceError {
    /// A failure of the server itself, described by `message` (a broken invariant rather than
    /// an error of a library).
    pub fn internal(message: impl Into<String>) -> Self {
        Self::Internal(message.into().into())
    }

    /// A single field error.
    pub fn field(error: FieldError) -> Self {
        Self::Validation(vec![error])
    }

    fn invalid_scopes(e: ScopeError) -> Self {
        Self::field(FieldError::authorization("scopes", "invalid").with_message(format!("{e}")))
    }
}

/// Result of service calls.
pub type ServiceResult<T> = Result<T, ServiceError>;

/// Tunables of the services.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// Known scopes.
    pub scopes: ScopeRegistry,
    /// Failed-login lock-out.
    pub lockout: LockoutPolicy,
    /// Failed logins allowed per client address.
    pub failed_auth: FailedAuthPolicy,
    /// Lifetime given to new tokens, if any (`None`: tokens do not expire, GitHub's default).
    pub token_lifetime: Option<Duration>,
    /// The issuer shown by authenticator apps.
    pub totp_issuer: String,
    /// How long browser sessions last.
    pub sessions: SessionPolicy,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            scopes: ScopeRegistry::default(),
            lockout: LockoutPolicy::default(),
            failed_auth: FailedAuthPolicy::default(),
            token_lifetime: None,
            totp_issuer: "grantd".to_owned(),
            sessions: SessionPolicy::default(),
        }
    }
}

/// Everything the operations need: the store, the clock, the password hasher, the key that seals
/// TOTP seeds, and the configuration.
#[derive(Clone)]
pub struct Services {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    passwords: PasswordHasher,
    master_key: MasterKey,
    config: ServiceConfig,
    login_gates: Arc<login_gate::LoginGates>,
    /// When this process next deletes unknown logins' counts that are over (Unix seconds).
    next_unknown_purge: Arc<std::sync::atomic::AtomicI64>,
    /// When this process next deletes sessions and codes that are over (Unix seconds).
    next_session_purge: Arc<std::sync::atomic::AtomicI64>,
    failed_auth: Arc<failed_auth::FailedAuthBudget>,
}

impl std::fmt::Debug for Services {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Services")
            .field("store", &self.store)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Services {
    /// Assembles the services.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        passwords: PasswordHasher,
        master_key: MasterKey,
        config: ServiceConfig,
    ) -> Self {
        Self {
            store,
            clock,
            passwords,
            master_key,
            failed_auth: Arc::new(failed_auth::FailedAuthBudget::new(config.failed_auth)),
            config,
            login_gates: Arc::default(),
            next_unknown_purge: Arc::default(),
            next_session_purge: Arc::default(),
        }
    }

    /// The password hasher (its counters are what the lock-out's tests observe).
    pub fn password_hasher(&self) -> &PasswordHasher {
        &self.passwords
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// The configuration.
    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    /// Whether the database answers (for readiness probes): an error when it does not.
    pub async fn ping_store(&self) -> crate::store::StoreResult<()> {
        self.store.ping().await
    }

    /// Reads what the metrics show only when scraped (the database pool's connections) into
    /// [`crate::metrics::families`].
    pub fn refresh_metrics(&self) {
        if let Some(usage) = self.store.pool_usage() {
            let families = crate::metrics::families();
            let idle = i64::try_from(usage.idle).unwrap_or(i64::MAX);
            families.pool_idle.set(idle);
            families
                .pool_in_use
                .set(i64::from(usage.size).saturating_sub(idle).max(0));
        }
    }

    /// Resolves a `?client_id=` filter (BEHAVIOR 43, 49): `Some(None)` for no filter,
    /// `Some(Some(app))` for a known app, `None` for an unknown app (an empty list).
    async fn app_filter(&self, client_id: Option<&str>) -> ServiceResult<Option<Option<crate::model::AppId>>> {
        match client_id.map(str::trim).filter(|c| !c.is_empty()) {
            None => Ok(Some(None)),
            // A NUL character cannot be in any client id (nor be looked up in PostgreSQL).
            Some(id) if id.contains('\0') => Ok(None),
            Some(id) => Ok(self.store.app_by_client_id(id).await?.map(|app| Some(app.id))),
        }
    }

    fn expiry(&self, now: time::OffsetDateTime) -> Option<time::OffsetDateTime> {
        self.config.token_lifetime.map(|d| now + d)
    }
}

/// Trims `value` and treats blank as absent (BEHAVIOR 82).
pub fn non_blank(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

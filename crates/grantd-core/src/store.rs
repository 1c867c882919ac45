//! The storage traits every database crate implements, and the errors they return.
//!
//! Each method is one transaction inside the implementation, so races between requests (and
//! between grantd instances sharing a database) are settled by the database: unique constraints,
//! upserts and conditional updates, never by in-process state.

use crate::model::{
    App, AppId, AppUpdate, Authorization, AuthorizationId, AuthorizationUpdate, Grant, GrantId, NewApp,
    NewAuthorization, NewOAuthCode, NewSession, NewUser, OAuthCode, Page, PageRequest, Session, User, UserId,
};
use crate::secret::TokenDigest;
use async_trait::async_trait;
use time::OffsetDateTime;

/// Which unique rule a write broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// A user with that login exists.
    Login,
    /// An app with that client id exists.
    ClientId,
    /// The user has a personal access token with that note.
    Note,
    /// The user has an authorization for that app (or personal token) with that fingerprint.
    Fingerprint,
    /// The token digest exists (a collision of random tokens; retry with a new token).
    Token,
    /// An import's target already holds users or apps.
    NotEmpty,
}

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique rule was broken.
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    /// The row to change does not exist (or is not the caller's).
    #[error("not found")]
    NotFound,
    /// The database failed; the cause is for the logs, never for a client.
    #[error("database error")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// Wraps a backend error.
    pub fn backend(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Backend(Box::new(e))
    }
}

/// Result of store calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// When failed logins lock a user out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failed logins within `window_seconds` that lock the user out.
    pub max_failures: i64,
    /// The window in which failures are counted.
    pub window_seconds: i64,
    /// How long the lock-out lasts.
    pub lock_seconds: i64,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            max_failures: 10,
            window_seconds: 15 * 60,
            lock_seconds: 15 * 60,
        }
    }
}

/// The answer to [`UserStore::begin_login_attempt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginAttempt {
    /// Counted; the password may be checked.
    Admitted,
    /// The user is (now) locked: refuse without checking the password.
    Locked,
}

/// Whose login attempts are counted: a user, or a login no user has (by its
/// [`login_key`](crate::model::login_key)), which is counted and locked alike so that the
/// lock-out does not tell which logins exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginTarget<'a> {
    /// A user.
    User(UserId),
    /// A login no user has, by its key.
    Unknown(&'a str),
}

impl From<UserId> for LoginTarget<'_> {
    fn from(id: UserId) -> Self {
        Self::User(id)
    }
}

/// How an admitted login attempt ended ([`UserStore::end_login_attempt`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// A wrong password, or the right one with a wrong or stale code: it stays counted.
    Failed,
    /// The login succeeded.
    Succeeded,
    /// No verdict (the password was right but the code is missing, the hash queue was full, or
    /// an error): the attempt is given back.
    Withdrawn,
}

/// Users and their login state.
#[async_trait]
pub trait UserStore: Send + Sync {
    /// Creates a user; `Conflict::Login` if the login (case-insensitively) is taken.
    async fn create_user(&self, new: NewUser) -> StoreResult<User>;
    /// The user with `login` (case-insensitive).
    async fn user_by_login(&self, login: &str) -> StoreResult<Option<User>>;
    /// The user with `id`.
    async fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>>;
    /// Every user, by id.
    async fn list_users(&self) -> StoreResult<Vec<User>>;
    /// The number of users.
    async fn count_users(&self) -> StoreResult<u64>;
    /// Replaces the password hash.
    async fn set_password_hash(&self, id: UserId, hash: &str, now: OffsetDateTime) -> StoreResult<()>;
    /// Sets or clears the sealed TOTP seed (and resets the last accepted step).
    async fn set_totp(&self, id: UserId, sealed: Option<&[u8]>, now: OffsetDateTime) -> StoreResult<()>;
    /// Sets or clears the e-mail address and whether it is verified.
    async fn set_email(&self, id: UserId, email: Option<&str>, verified: bool, now: OffsetDateTime) -> StoreResult<()>;
    /// Deletes a user with every authorization and grant.
    async fn delete_user(&self, id: UserId) -> StoreResult<()>;

    /// Counts a login attempt before its password is checked, atomically with the lock check: one
    /// conditional statement that refuses ([`LoginAttempt::Locked`], nothing counted) while the
    /// user is locked, and otherwise counts the attempt in the window (a new window when the old
    /// one is over); an attempt that brings the count past `max_failures` locks the user until
    /// `now + lock_seconds` and is refused. So concurrent attempts on many instances are admitted
    /// at most `max_failures` times per window. A login no user has is counted in a table of its
    /// own, made on its first attempt. `NotFound` for a user id no user has.
    async fn begin_login_attempt(
        &self,
        target: LoginTarget<'_>,
        now: OffsetDateTime,
        policy: &LockoutPolicy,
    ) -> StoreResult<LoginAttempt>;
    /// Settles an admitted attempt: a failure stays counted and locks the user until
    /// `now + lock_seconds` when the count has reached `max_failures`; a success gives back its
    /// own attempt and one earlier failure; a withdrawn attempt (no verdict: a code still to
    /// come, a full hash queue, an error) gives back its own. Returns whether the user is now
    /// locked.
    async fn end_login_attempt(
        &self,
        target: LoginTarget<'_>,
        now: OffsetDateTime,
        policy: &LockoutPolicy,
        outcome: AttemptOutcome,
    ) -> StoreResult<bool>;
    /// Forgets a user's counted failures and lifts their lock (an administrator's reset);
    /// `NotFound` for an unknown user.
    async fn unlock_user(&self, id: UserId) -> StoreResult<()>;
    /// Forgets the counted attempts of unknown logins whose window and lock are both over, so
    /// that guesses at many logins do not grow the database without bound; how many.
    async fn purge_unknown_logins(&self, now: OffsetDateTime, policy: &LockoutPolicy) -> StoreResult<u64>;
    /// Records that a TOTP code of `step` was accepted, unless a newer step was accepted already
    /// (then returns `false`: the code is stale). Codes of the same step stay acceptable.
    async fn accept_totp_step(&self, id: UserId, step: i64) -> StoreResult<bool>;
}

/// OAuth apps.
#[async_trait]
pub trait AppStore: Send + Sync {
    /// Creates an app; `Conflict::ClientId` if the id is taken.
    async fn create_app(&self, new: NewApp) -> StoreResult<App>;
    /// The app with `client_id`.
    async fn app_by_client_id(&self, client_id: &str) -> StoreResult<Option<App>>;
    /// Every app, by id.
    async fn list_apps(&self) -> StoreResult<Vec<App>>;
    /// Replaces the client secret digest.
    async fn set_app_secret(&self, id: AppId, digest: &[u8; 32], now: OffsetDateTime) -> StoreResult<()>;
    /// Changes an app's name, home page or callback URLs; the app as it now is, `NotFound` if
    /// there is none.
    async fn update_app(&self, id: AppId, update: &AppUpdate, now: OffsetDateTime) -> StoreResult<App>;
    /// Deletes an app with all its authorizations and grants.
    async fn delete_app(&self, id: AppId) -> StoreResult<()>;
}

/// Authorizations (tokens).
#[async_trait]
pub trait AuthorizationStore: Send + Sync {
    /// Creates an authorization (and, for an app, its grant if the user has none yet).
    /// `Conflict::Note` or `Conflict::Fingerprint` when a unique rule is broken.
    async fn create_authorization(&self, new: NewAuthorization) -> StoreResult<Authorization>;
    /// Returns the user's live authorization for the app with the same fingerprint (or none)
    /// and `false`, or creates `new` and returns it with `true` — atomically, so concurrent calls
    /// yield exactly one authorization (BEHAVIOR 39).
    async fn get_or_create_authorization(&self, new: NewAuthorization) -> StoreResult<(Authorization, bool)>;
    /// The user's live authorization `id`.
    async fn authorization(
        &self,
        user: UserId,
        id: AuthorizationId,
        now: OffsetDateTime,
    ) -> StoreResult<Option<Authorization>>;
    /// The user's live authorizations, by id, optionally only those of one app.
    async fn list_authorizations(
        &self,
        user: UserId,
        app: Option<AppId>,
        page: PageRequest,
        now: OffsetDateTime,
    ) -> StoreResult<Page<Authorization>>;
    /// Applies `update` to the user's live authorization `id`.
    async fn update_authorization(
        &self,
        user: UserId,
        id: AuthorizationId,
        update: AuthorizationUpdate,
        now: OffsetDateTime,
    ) -> StoreResult<Authorization>;
    /// Deletes the user's authorization `id` (and its grant if it was the grant's last token).
    async fn delete_authorization(&self, user: UserId, id: AuthorizationId) -> StoreResult<()>;
    /// The live authorization whose token has `digest`, with its owner.
    async fn authorization_by_token(
        &self,
        digest: &TokenDigest,
        now: OffsetDateTime,
    ) -> StoreResult<Option<(Authorization, User)>>;
    /// Replaces the token of the live authorization whose token is `old` with `new`, if it
    /// belongs to `app`: the old token stops working in the same transaction.
    async fn reset_token(
        &self,
        app: AppId,
        old: &TokenDigest,
        new: &TokenDigest,
        new_last_eight: &str,
        now: OffsetDateTime,
    ) -> StoreResult<(Authorization, User)>;
    /// Deletes the live authorization of `app` whose token is `digest`.
    async fn delete_token(&self, app: AppId, digest: &TokenDigest, now: OffsetDateTime) -> StoreResult<()>;
    /// Deletes every authorization and grant of `app`; returns how many tokens were revoked.
    async fn delete_app_tokens(&self, app: AppId) -> StoreResult<u64>;
}

/// Browser sessions (FLOWS B), by the digest of their id.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new session.
    async fn create_session(&self, new: NewSession) -> StoreResult<()>;
    /// The session with `digest` and its user, if it exists (whether live or not: the caller
    /// applies the limits); marks it used at `now`.
    async fn use_session(&self, digest: &[u8; 32], now: OffsetDateTime) -> StoreResult<Option<(Session, User)>>;
    /// Completes a pending sign-in: the session becomes signed in. `NotFound` if there is no
    /// such session.
    async fn complete_session(&self, digest: &[u8; 32], now: OffsetDateTime) -> StoreResult<()>;
    /// Deletes the session (signing out); deleting none is fine.
    async fn delete_session(&self, digest: &[u8; 32]) -> StoreResult<()>;
    /// Deletes every session of `user` (a password change, a removed user); how many.
    async fn delete_user_sessions(&self, user: UserId) -> StoreResult<u64>;
    /// Deletes sessions that ended before `now` or have not been used since `idle_before`; how
    /// many.
    async fn purge_sessions(&self, now: OffsetDateTime, idle_before: OffsetDateTime) -> StoreResult<u64>;
}

/// Authorization codes of the web application flow (FLOWS 18, 21), by the digest of the code.
#[async_trait]
pub trait CodeStore: Send + Sync {
    /// Stores a new code.
    async fn create_code(&self, new: NewOAuthCode) -> StoreResult<()>;
    /// Takes the code with `digest` out of the store and returns it (expired or not: the caller
    /// checks): a code is exchanged at most once, however many requests race for it.
    async fn take_code(&self, digest: &[u8; 32]) -> StoreResult<Option<OAuthCode>>;
    /// Deletes codes that expired before `now`; how many.
    async fn purge_codes(&self, now: OffsetDateTime) -> StoreResult<u64>;
}

/// Grants.
#[async_trait]
pub trait GrantStore: Send + Sync {
    /// The user's grants, by id, optionally only the one of an app.
    async fn list_grants(
        &self,
        user: UserId,
        app: Option<AppId>,
        page: PageRequest,
        now: OffsetDateTime,
    ) -> StoreResult<Page<Grant>>;
    /// The user's grant `id`.
    async fn grant(&self, user: UserId, id: GrantId, now: OffsetDateTime) -> StoreResult<Option<Grant>>;
    /// Deletes the user's grant `id` and every token of it (BEHAVIOR 48).
    async fn delete_grant(&self, user: UserId, id: GrantId) -> StoreResult<()>;
    /// Deletes the grant that the live token `digest` of `app` belongs to, with all its tokens.
    async fn delete_grant_by_token(&self, app: AppId, digest: &TokenDigest, now: OffsetDateTime) -> StoreResult<()>;
}

/// A grant as stored (its scopes are derived from its tokens).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRow {
    /// Grant id.
    pub id: GrantId,
    /// Owner.
    pub user_id: UserId,
    /// The app.
    pub app_id: AppId,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change.
    pub updated_at: OffsetDateTime,
}

/// Every row of a store, for copying an installation to another database (`grantd copy`).
/// Secrets stay as stored: digests, hashes, and TOTP seeds sealed with the master key (which
/// must therefore come along). Failed-login counters are not copied.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Users, by id.
    pub users: Vec<User>,
    /// Apps, by id.
    pub apps: Vec<App>,
    /// Grants, by id.
    pub grants: Vec<GrantRow>,
    /// Authorizations (expired ones included), by id.
    pub authorizations: Vec<Authorization>,
}

/// Everything grantd stores, as one object (`Arc<dyn Store>`).
#[async_trait]
pub trait Store:
    UserStore + AppStore + AuthorizationStore + GrantStore + SessionStore + CodeStore + std::fmt::Debug
{
    /// Checks the database answers (for readiness probes).
    async fn ping(&self) -> StoreResult<()>;

    /// The connection pool's connections now, for metrics; `None` where there is no pool.
    fn pool_usage(&self) -> Option<PoolUsage> {
        None
    }

    /// The app `client_id` and (with `digest`) the live authorization of that token with its owner,
    /// read as of one moment, for a token check by that app.
    async fn app_token_check(
        &self,
        client_id: &str,
        digest: Option<&TokenDigest>,
        now: OffsetDateTime,
    ) -> StoreResult<AppTokenCheck>;
}

/// A connection pool's connections at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUsage {
    /// Connections open, in use or idle.
    pub size: u32,
    /// Connections open and idle.
    pub idle: usize,
}

/// What a token check by an app found, as of one moment: the app with the client id, and the
/// live authorization whose token has the digest, with its owner.
#[derive(Debug, Clone, Default)]
pub struct AppTokenCheck {
    /// The app with that client id, if any.
    pub app: Option<App>,
    /// The live authorization with that token digest and its owner, if any (of whatever app).
    pub token: Option<(Authorization, User)>,
}

/// Copying a whole installation between stores (`grantd copy`).
#[async_trait]
pub trait SnapshotStore: Send + Sync {
    /// Reads every row, in one consistent transaction.
    async fn export(&self) -> StoreResult<Snapshot>;

    /// Writes `snapshot` into this store, keeping every id, in one transaction. Refused with
    /// `StoreError::Conflict(Conflict::NotEmpty)` unless the store holds no user and no app.
    async fn import(&self, snapshot: &Snapshot) -> StoreResult<()>;
}

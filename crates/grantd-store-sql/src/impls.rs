//! grantd-core's storage traits, implemented once for every [`Backend`](crate::Backend) by
//! [`store_impls!`](crate::store_impls): each method is the operation of this crate of the same
//! name (or the backend's own, for the reads a backend may answer its own way).

/// Implements `UserStore`, `AppStore`, `AuthorizationStore`, `GrantStore`, `SessionStore`,
/// `CodeStore`, `Store` and `SnapshotStore` for `$store`, which implements [`Backend`](crate::Backend). The calling crate
/// depends on `grantd-core`.
#[macro_export]
macro_rules! store_impls {
    ($store:ty) => {
        const _: () = {
            use ::grantd_core::model::{
                App, AppId, AppUpdate, Authorization, AuthorizationId, AuthorizationUpdate, Grant, GrantId, NewApp,
                NewAuthorization, NewOAuthCode, NewSession, NewUser, OAuthCode, Page, PageRequest, Session, User,
                UserId,
            };
            use ::grantd_core::secret::TokenDigest;
            use ::grantd_core::store::{
                AppStore, AppTokenCheck, AttemptOutcome, AuthorizationStore, CodeStore, GrantStore, LockoutPolicy,
                LoginAttempt, LoginTarget, SessionStore, Snapshot, SnapshotStore, Store, StoreResult, UserStore,
            };
            use ::time::OffsetDateTime;
            use $crate::{
                apps, authorizations as auths, codes, grants, logins, sessions, snapshot, tokens, users, Backend,
            };

            #[$crate::__private::async_trait]
            impl UserStore for $store {
                async fn create_user(&self, new: NewUser) -> StoreResult<User> {
                    users::create_user(self, new).await
                }
                async fn user_by_login(&self, login: &str) -> StoreResult<Option<User>> {
                    users::user_by_login(self, login).await
                }
                async fn user_by_id(&self, id: UserId) -> StoreResult<Option<User>> {
                    users::user_by_id(self, id).await
                }
                async fn list_users(&self) -> StoreResult<Vec<User>> {
                    users::list_users(self).await
                }
                async fn count_users(&self) -> StoreResult<u64> {
                    users::count_users(self).await
                }
                async fn set_password_hash(&self, id: UserId, hash: &str, now: OffsetDateTime) -> StoreResult<()> {
                    users::set_password_hash(self, id, hash, now).await
                }
                async fn set_totp(&self, id: UserId, sealed: Option<&[u8]>, now: OffsetDateTime) -> StoreResult<()> {
                    users::set_totp(self, id, sealed, now).await
                }
                async fn set_email(
                    &self,
                    id: UserId,
                    email: Option<&str>,
                    verified: bool,
                    now: OffsetDateTime,
                ) -> StoreResult<()> {
                    users::set_email(self, id, email, verified, now).await
                }
                async fn delete_user(&self, id: UserId) -> StoreResult<()> {
                    users::delete_user(self, id).await
                }
                async fn begin_login_attempt(
                    &self,
                    target: LoginTarget<'_>,
                    now: OffsetDateTime,
                    policy: &LockoutPolicy,
                ) -> StoreResult<LoginAttempt> {
                    logins::begin_login_attempt(self, target, now, policy).await
                }
                async fn end_login_attempt(
                    &self,
                    target: LoginTarget<'_>,
                    now: OffsetDateTime,
                    policy: &LockoutPolicy,
                    outcome: AttemptOutcome,
                ) -> StoreResult<bool> {
                    logins::end_login_attempt(self, target, now, policy, outcome).await
                }
                async fn unlock_user(&self, id: UserId) -> StoreResult<()> {
                    logins::unlock_user(self, id).await
                }
                async fn purge_unknown_logins(&self, now: OffsetDateTime, policy: &LockoutPolicy) -> StoreResult<u64> {
                    logins::purge_unknown_logins(self, now, policy).await
                }
                async fn accept_totp_step(&self, id: UserId, step: i64) -> StoreResult<bool> {
                    logins::accept_totp_step(self, id, step).await
                }
            }

            #[$crate::__private::async_trait]
            impl AppStore for $store {
                async fn create_app(&self, new: NewApp) -> StoreResult<App> {
                    apps::create_app(self, new).await
                }
                async fn app_by_client_id(&self, client_id: &str) -> StoreResult<Option<App>> {
                    Backend::app_by_client_id(self, client_id).await
                }
                async fn list_apps(&self) -> StoreResult<Vec<App>> {
                    apps::list_apps(self).await
                }
                async fn set_app_secret(&self, id: AppId, digest: &[u8; 32], now: OffsetDateTime) -> StoreResult<()> {
                    apps::set_app_secret(self, id, digest, now).await
                }
                async fn update_app(&self, id: AppId, update: &AppUpdate, now: OffsetDateTime) -> StoreResult<App> {
                    apps::update_app(self, id, update, now).await
                }
                async fn delete_app(&self, id: AppId) -> StoreResult<()> {
                    apps::delete_app(self, id).await
                }
            }

            #[$crate::__private::async_trait]
            impl AuthorizationStore for $store {
                async fn create_authorization(&self, new: NewAuthorization) -> StoreResult<Authorization> {
                    auths::create_authorization(self, new).await
                }
                async fn get_or_create_authorization(
                    &self,
                    new: NewAuthorization,
                ) -> StoreResult<(Authorization, bool)> {
                    auths::get_or_create_authorization(self, new).await
                }
                async fn authorization(
                    &self,
                    user: UserId,
                    id: AuthorizationId,
                    now: OffsetDateTime,
                ) -> StoreResult<Option<Authorization>> {
                    auths::authorization(self, user, id, now).await
                }
                async fn list_authorizations(
                    &self,
                    user: UserId,
                    app: Option<AppId>,
                    page: PageRequest,
                    now: OffsetDateTime,
                ) -> StoreResult<Page<Authorization>> {
                    auths::list_authorizations(self, user, app, page, now).await
                }
                async fn update_authorization(
                    &self,
                    user: UserId,
                    id: AuthorizationId,
                    update: AuthorizationUpdate,
                    now: OffsetDateTime,
                ) -> StoreResult<Authorization> {
                    auths::update_authorization(self, user, id, update, now).await
                }
                async fn delete_authorization(&self, user: UserId, id: AuthorizationId) -> StoreResult<()> {
                    auths::delete_authorization(self, user, id).await
                }
                async fn authorization_by_token(
                    &self,
                    digest: &TokenDigest,
                    now: OffsetDateTime,
                ) -> StoreResult<Option<(Authorization, User)>> {
                    Backend::authorization_by_token(self, digest, now).await
                }
                async fn reset_token(
                    &self,
                    app: AppId,
                    old: &TokenDigest,
                    new: &TokenDigest,
                    new_last_eight: &str,
                    now: OffsetDateTime,
                ) -> StoreResult<(Authorization, User)> {
                    tokens::reset_token(self, app, old, new, new_last_eight, now).await
                }
                async fn delete_token(&self, app: AppId, digest: &TokenDigest, now: OffsetDateTime) -> StoreResult<()> {
                    tokens::delete_token(self, app, digest, now).await
                }
                async fn delete_app_tokens(&self, app: AppId) -> StoreResult<u64> {
                    tokens::delete_app_tokens(self, app).await
                }
            }

            #[$crate::__private::async_trait]
            impl SessionStore for $store {
                async fn create_session(&self, new: NewSession) -> StoreResult<()> {
                    sessions::create_session(self, new).await
                }
                async fn use_session(
                    &self,
                    digest: &[u8; 32],
                    now: OffsetDateTime,
                ) -> StoreResult<Option<(Session, User)>> {
                    sessions::use_session(self, digest, now).await
                }
                async fn complete_session(&self, digest: &[u8; 32], now: OffsetDateTime) -> StoreResult<()> {
                    sessions::complete_session(self, digest, now).await
                }
                async fn delete_session(&self, digest: &[u8; 32]) -> StoreResult<()> {
                    sessions::delete_session(self, digest).await
                }
                async fn delete_user_sessions(&self, user: UserId) -> StoreResult<u64> {
                    sessions::delete_user_sessions(self, user).await
                }
                async fn purge_sessions(&self, now: OffsetDateTime, idle_before: OffsetDateTime) -> StoreResult<u64> {
                    sessions::purge_sessions(self, now, idle_before).await
                }
            }

            #[$crate::__private::async_trait]
            impl CodeStore for $store {
                async fn create_code(&self, new: NewOAuthCode) -> StoreResult<()> {
                    codes::create_code(self, new).await
                }
                async fn take_code(&self, digest: &[u8; 32]) -> StoreResult<Option<OAuthCode>> {
                    codes::take_code(self, digest).await
                }
                async fn purge_codes(&self, now: OffsetDateTime) -> StoreResult<u64> {
                    codes::purge_codes(self, now).await
                }
            }

            #[$crate::__private::async_trait]
            impl GrantStore for $store {
                async fn list_grants(
                    &self,
                    user: UserId,
                    app: Option<AppId>,
                    page: PageRequest,
                    now: OffsetDateTime,
                ) -> StoreResult<Page<Grant>> {
                    grants::list_grants(self, user, app, page, now).await
                }
                async fn grant(&self, user: UserId, id: GrantId, now: OffsetDateTime) -> StoreResult<Option<Grant>> {
                    grants::grant(self, user, id, now).await
                }
                async fn delete_grant(&self, user: UserId, id: GrantId) -> StoreResult<()> {
                    grants::delete_grant(self, user, id).await
                }
                async fn delete_grant_by_token(
                    &self,
                    app: AppId,
                    digest: &TokenDigest,
                    now: OffsetDateTime,
                ) -> StoreResult<()> {
                    tokens::delete_grant_by_token(self, app, digest, now).await
                }
            }

            #[$crate::__private::async_trait]
            impl Store for $store {
                async fn ping(&self) -> StoreResult<()> {
                    let mut conn = $crate::backend::read(self).await?;
                    $crate::exec::execute::<$store>(&mut conn, "SELECT 1", &[]).await?;
                    Ok(())
                }
                async fn app_token_check(
                    &self,
                    client_id: &str,
                    digest: Option<&TokenDigest>,
                    now: OffsetDateTime,
                ) -> StoreResult<AppTokenCheck> {
                    Backend::app_token_check(self, client_id, digest, now).await
                }
                fn pool_usage(&self) -> Option<::grantd_core::store::PoolUsage> {
                    let pool = Backend::pool(self);
                    Some(::grantd_core::store::PoolUsage {
                        size: pool.size(),
                        idle: pool.num_idle(),
                    })
                }
            }

            #[$crate::__private::async_trait]
            impl SnapshotStore for $store {
                async fn export(&self) -> StoreResult<Snapshot> {
                    snapshot::export(self).await
                }
                async fn import(&self, snapshot: &Snapshot) -> StoreResult<()> {
                    snapshot::import(self, snapshot).await
                }
            }
        };
    };
}

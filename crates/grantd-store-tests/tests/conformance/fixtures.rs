//! What the properties share: fixed times, fake token digests, and short ways to make users, apps
//! and tokens, read them back and check the store's errors.
//!
//! The suite only uses fixed times (`1_700_000_000` plus a few seconds) and digests of distinct
//! strings, so it needs no clock and no random numbers.

use grantd_core::model::{
    App, AppId, Authorization, AuthorizationFlow, AuthorizationId, ClientId, Grant, GrantId, NewApp, NewAuthorization,
    NewUser, PageRequest, Scopes, User, UserId,
};
use grantd_core::secret::TokenDigest;
use grantd_core::store::{Conflict, LockoutPolicy, Store, StoreError, StoreResult};
use std::fmt::Debug;
use time::OffsetDateTime;

/// `1_700_000_000 + secs` seconds after the epoch.
pub fn at(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000 + secs).expect("a valid timestamp")
}

/// The digest of the (fake) token `token`.
pub fn d(token: &str) -> TokenDigest {
    TokenDigest::of(token)
}

/// The last eight characters of `token`, as stored beside its digest.
pub fn last_eight(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    chars[chars.len().saturating_sub(8)..].iter().collect()
}

/// Scopes from their stored form, `"repo,gist"`.
pub fn scopes(list: &str) -> Scopes {
    Scopes::from_storage(list)
}

/// The scope names, in order.
pub fn names(s: &Scopes) -> Vec<&str> {
    s.as_slice().iter().map(String::as_str).collect()
}

/// Page `page` of `per_page` items.
pub fn page(page: u32, per_page: u32) -> PageRequest {
    PageRequest::new(page, per_page)
}

/// One page holding everything the tests make.
pub fn all() -> PageRequest {
    PageRequest::new(1, 100)
}

/// Three failures within a minute lock the user for five minutes.
pub const POLICY: LockoutPolicy = LockoutPolicy {
    max_failures: 3,
    window_seconds: 60,
    lock_seconds: 300,
};

/// A new user `login` with an email, a name and a fake password hash.
pub fn new_user(login: &str, now: OffsetDateTime) -> NewUser {
    NewUser {
        login: login.to_owned(),
        email: Some(format!("{login}@example.com")),
        email_verified: false,
        name: Some(format!("The {login}")),
        password_hash: format!("$argon2id$fake${login}"),
        now,
    }
}

/// Creates the user `login` at `at(0)`.
pub async fn user(store: &dyn Store, login: &str) -> User {
    store.create_user(new_user(login, at(0))).await.expect("create_user")
}

/// The stored user `id`, which must exist.
pub async fn reload_user(store: &dyn Store, id: UserId) -> User {
    store
        .user_by_id(id)
        .await
        .expect("user_by_id")
        .expect("the user exists")
}

/// A new app whose client id is `client_id`, with secret digest `[7; 32]` and a callback URL.
pub fn new_app(client_id: &str, now: OffsetDateTime) -> NewApp {
    NewApp {
        client_id: ClientId(client_id.to_owned()),
        client_secret_digest: [7; 32],
        name: format!("App {client_id}"),
        url: format!("https://{client_id}.example.com"),
        callbacks: vec![url(&format!("https://{client_id}.example.com/callback"))],
        now,
    }
}

/// A parsed URL (test input).
pub fn url(raw: &str) -> url::Url {
    url::Url::parse(raw).expect("a test URL")
}

/// Creates the app `client_id` at `at(0)`.
pub async fn app(store: &dyn Store, client_id: &str) -> App {
    store.create_app(new_app(client_id, at(0))).await.expect("create_app")
}

/// A personal access token of `user` with `note`, scope `repo`, created at `at(0)`.
pub fn pat(user: &User, note: &str, token: &str) -> NewAuthorization {
    NewAuthorization {
        user_id: user.id,
        app: None,
        scopes: scopes("repo"),
        token_digest: d(token),
        token_last_eight: last_eight(token),
        note: Some(note.to_owned()),
        note_url: None,
        fingerprint: None,
        now: at(0),
        expires_at: None,
        flow: AuthorizationFlow::Api,
    }
}

/// A token of `app` for `user`, scope `repo`, created at `at(0)`.
pub fn oauth(user: &User, app: &App, fingerprint: Option<&str>, token: &str) -> NewAuthorization {
    NewAuthorization {
        user_id: user.id,
        app: Some(app.summary()),
        scopes: scopes("repo"),
        token_digest: d(token),
        token_last_eight: last_eight(token),
        note: None,
        note_url: None,
        fingerprint: fingerprint.map(str::to_owned),
        now: at(0),
        expires_at: None,
        flow: AuthorizationFlow::Api,
    }
}

/// Small setters for `NewAuthorization`s built by [`pat`] and [`oauth`].
pub trait With {
    fn now(self, now: OffsetDateTime) -> Self;
    fn scopes(self, list: &str) -> Self;
    fn expiring(self, at: OffsetDateTime) -> Self;
}

impl With for NewAuthorization {
    fn now(self, now: OffsetDateTime) -> Self {
        Self { now, ..self }
    }
    fn scopes(self, list: &str) -> Self {
        Self {
            scopes: scopes(list),
            ..self
        }
    }
    fn expiring(self, at: OffsetDateTime) -> Self {
        Self {
            expires_at: Some(at),
            ..self
        }
    }
}

/// Creates the authorization `new`, which must succeed.
pub async fn create(store: &dyn Store, new: NewAuthorization) -> Authorization {
    store.create_authorization(new).await.expect("create_authorization")
}

/// The live authorization whose token is `token`, at `now`.
pub async fn by_token(store: &dyn Store, token: &str, now: OffsetDateTime) -> Option<Authorization> {
    store
        .authorization_by_token(&d(token), now)
        .await
        .expect("authorization_by_token")
        .map(|(a, _)| a)
}

/// The ids on one page of the user's authorizations, and the total of all pages.
pub async fn list_ids(
    store: &dyn Store,
    user: &User,
    app: Option<AppId>,
    req: PageRequest,
    now: OffsetDateTime,
) -> (Vec<AuthorizationId>, u64) {
    let p = store
        .list_authorizations(user.id, app, req, now)
        .await
        .expect("list_authorizations");
    (p.items.iter().map(|a| a.id).collect(), p.total)
}

/// The ids on one page of the user's grants, and the total of all pages.
pub async fn grant_ids(
    store: &dyn Store,
    user: &User,
    app: Option<AppId>,
    req: PageRequest,
    now: OffsetDateTime,
) -> (Vec<GrantId>, u64) {
    let p = store.list_grants(user.id, app, req, now).await.expect("list_grants");
    (p.items.iter().map(|g| g.id).collect(), p.total)
}

/// The user's grant `id` as seen at `now`.
pub async fn grant(store: &dyn Store, user: &User, id: GrantId, now: OffsetDateTime) -> Option<Grant> {
    store.grant(user.id, id, now).await.expect("grant")
}

/// The grant of an app token.
pub fn grant_of(a: &Authorization) -> GrantId {
    a.grant_id.expect("a token of an app belongs to a grant")
}

/// Asserts that `result` is the conflict `expected`.
#[track_caller]
pub fn expect_conflict<T: Debug>(result: StoreResult<T>, expected: Conflict, what: &str) {
    match result {
        Err(StoreError::Conflict(c)) => assert_eq!(c, expected, "{what}: wrong conflict"),
        other => panic!("{what}: expected Conflict::{expected:?}, got {other:?}"),
    }
}

/// Asserts that `result` is `NotFound`.
#[track_caller]
pub fn expect_not_found<T: Debug>(result: StoreResult<T>, what: &str) {
    match result {
        Err(StoreError::NotFound) => {}
        other => panic!("{what}: expected NotFound, got {other:?}"),
    }
}

/// Asserts that two authorizations agree in every field.
#[track_caller]
pub fn assert_same(got: &Authorization, want: &Authorization) {
    assert_eq!(got.id, want.id, "id");
    assert_eq!(got.user_id, want.user_id, "user_id");
    assert_eq!(got.app, want.app, "app");
    assert_eq!(got.grant_id, want.grant_id, "grant_id");
    assert_eq!(got.scopes, want.scopes, "scopes");
    assert_eq!(got.token_digest, want.token_digest, "token_digest");
    assert_eq!(got.token_last_eight, want.token_last_eight, "token_last_eight");
    assert_eq!(got.note, want.note, "note");
    assert_eq!(got.note_url, want.note_url, "note_url");
    assert_eq!(got.fingerprint, want.fingerprint, "fingerprint");
    assert_eq!(got.created_at, want.created_at, "created_at");
    assert_eq!(got.updated_at, want.updated_at, "updated_at");
    assert_eq!(got.expires_at, want.expires_at, "expires_at");
    assert_eq!(got.flow, want.flow, "flow");
}

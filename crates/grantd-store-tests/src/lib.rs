//! The one store conformance suite: every property the storage traits promise, written once and
//! run against every database crate (STYLE "Tests").
//!
//! Each property is a `pub async fn` taking a fresh, migrated, empty `Arc<dyn Store>` and
//! panicking when the store breaks it. A store crate runs them all with one line in a test file:
//!
//! ```ignore
//! async fn fresh_store() -> (Arc<dyn Store>, tempfile::TempDir) { /* open, migrate */ }
//! grantd_store_tests::conformance_tests!(fresh_store);
//! ```
//!
//! The suite only uses fixed times (`1_700_000_000` plus a few seconds) and digests of distinct
//! strings, so it needs no clock and no random numbers.

use grantd_core::model::{
    App, AppId, Authorization, AuthorizationId, AuthorizationUpdate, ClientId, Grant, GrantId, NewApp,
    NewAuthorization, NewUser, PageRequest, Scopes, User, UserId,
};
use grantd_core::secret::TokenDigest;
use grantd_core::store::{AppTokenCheck, Conflict, LockoutPolicy, Store, StoreError, StoreResult};
use std::fmt::Debug;
use std::sync::Arc;
use time::OffsetDateTime;
use tokio::sync::Barrier;

/// Expands to one `#[tokio::test]` per property of the suite, each calling `$make` for a fresh
/// store.
///
/// `$make` is anything callable with no argument that returns a future of
/// `(Arc<dyn Store>, G)`: a fresh, migrated, empty store and a guard `G` (a temporary folder, a
/// throw-away database) kept alive until the test ends. The calling crate needs `tokio` (with the
/// `macros` and `rt-multi-thread` features) among its dev-dependencies.
///
/// `conformance_tests!(optional: $make)` is the same suite for a store that needs an outside
/// server: `$make` returns a future of `Option<(Arc<dyn Store>, G)>`, and `None` (no server
/// configured; `$make` says so loudly on stderr) ends each test at once, without failing.
///
/// Besides the properties, it expands to a test that fails when a property of this crate is
/// missing from the list below, so a new property cannot be written and silently never run.
#[macro_export]
macro_rules! conformance_tests {
    (optional: $make:expr) => {
        $crate::conformance_tests!(@list optional $make);
    };
    ($make:expr) => {
        $crate::conformance_tests!(@list required $make);
    };
    (@list $mode:ident $make:expr) => {
        $crate::conformance_tests!(@expand $mode $make;
            current_thread: [
                user_login_is_case_insensitive_and_unique,
                users_are_listed_by_id_and_counted,
                set_password_hash_replaces_the_hash,
                set_totp_sets_and_clears_the_seed_and_restarts_the_steps,
                delete_user_removes_their_tokens_and_grants,
                failed_logins_lock_the_user_at_the_maximum_within_the_window,
                failed_logins_outside_the_window_do_not_lock,
                clear_failed_logins_forgets_counted_failures,
                accept_totp_step_refuses_older_steps_and_accepts_the_same_step_again,
                app_is_created_and_found_by_client_id,
                apps_are_listed_by_id,
                set_app_secret_replaces_the_digest,
                delete_app_removes_its_tokens_and_grants,
                personal_token_is_created_without_a_grant,
                app_token_is_created_with_its_grant,
                pat_note_is_unique_per_user,
                same_note_is_allowed_for_two_users,
                fingerprint_is_unique_per_user_and_app,
                token_digest_is_unique,
                get_or_create_returns_the_existing_authorization_or_creates_one,
                list_authorizations_pages_by_id_with_total_and_app_filter,
                list_totals_follow_every_way_tokens_come_and_go,
                update_authorization_changes_only_the_given_fields,
                update_authorization_refuses_a_taken_note_or_fingerprint,
                authorizations_of_other_users_are_not_found,
                delete_authorization_removes_the_grant_with_its_last_token,
                authorization_by_token_returns_the_token_and_its_owner,
                token_checks_confirm_their_app_as_of_the_token_read,
                app_token_check_answers_the_app_and_the_live_token_apart,
                expired_tokens_are_invisible_everywhere,
                expired_tokens_do_not_block_reusing_their_note_or_fingerprint,
                reset_token_replaces_the_digest_atomically,
                delete_token_revokes_one_token_of_the_app,
                delete_app_tokens_revokes_every_token_of_the_app,
                grant_scopes_are_the_union_of_its_live_tokens_scopes,
                grants_are_listed_by_id_with_total_and_app_filter,
                delete_grant_deletes_its_tokens,
                delete_grant_by_token_deletes_the_grant_and_its_tokens,
                ping_answers,
            ];
            multi_thread: [
                concurrent_get_or_create_creates_exactly_one,
                concurrent_creates_keep_notes_and_fingerprints_unique,
                concurrent_failed_logins_are_all_counted,
            ];
        );
    };
    (@open required $make:expr) => {
        ::std::option::Option::Some(($make)().await)
    };
    (@open optional $make:expr) => {
        ($make)().await
    };
    (@expand $mode:ident $make:expr;
        current_thread: [$($single:ident),* $(,)?];
        multi_thread: [$($multi:ident),* $(,)?];
    ) => {
        $(
            #[::tokio::test]
            async fn $single() {
                let opened = $crate::conformance_tests!(@open $mode $make);
                let ::std::option::Option::Some((store, guard)) = opened else {
                    return;
                };
                $crate::$single(store).await;
                // The store is gone (the property took it); only now is the guard dropped.
                drop(guard);
            }
        )*
        $(
            #[::tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $multi() {
                let opened = $crate::conformance_tests!(@open $mode $make);
                let ::std::option::Option::Some((store, guard)) = opened else {
                    return;
                };
                $crate::$multi(store).await;
                drop(guard);
            }
        )*
        #[test]
        fn conformance_suite_runs_every_property() {
            $crate::__check_every_property_runs(&[$(stringify!($single),)* $(stringify!($multi),)*]);
        }
    };
}

/// The source of this crate, read by [`__check_every_property_runs`].
#[doc(hidden)]
pub const __SOURCE: &str = include_str!("lib.rs");

/// Fails when a property of this file is missing from `run`, the list [`conformance_tests!`]
/// expands. Every `pub async fn` of this crate is a property (the helpers are private), and a
/// listed name with the wrong signature does not compile, so names are all there is to compare.
#[doc(hidden)]
pub fn __check_every_property_runs(run: &[&str]) {
    let defined: Vec<&str> = __SOURCE
        .lines()
        .filter_map(|line| line.strip_prefix("pub async fn "))
        .filter_map(|rest| rest.split_once('(').map(|(name, _)| name))
        .collect();
    let missing: Vec<&&str> = defined.iter().filter(|name| !run.contains(name)).collect();
    assert!(
        missing.is_empty(),
        "properties not listed in conformance_tests!: {missing:?}"
    );
    let unknown: Vec<&&str> = run.iter().filter(|name| !defined.contains(name)).collect();
    assert!(unknown.is_empty(), "listed but not defined: {unknown:?}");
}

// ---- helpers -------------------------------------------------------------------------------

/// `1_700_000_000 + secs` seconds after the epoch.
fn at(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000 + secs).expect("a valid timestamp")
}

/// The digest of the (fake) token `token`.
fn d(token: &str) -> TokenDigest {
    TokenDigest::of(token)
}

fn last_eight(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    chars[chars.len().saturating_sub(8)..].iter().collect()
}

fn scopes(list: &str) -> Scopes {
    Scopes::from_storage(list)
}

fn names(s: &Scopes) -> Vec<&str> {
    s.as_slice().iter().map(String::as_str).collect()
}

fn page(page: u32, per_page: u32) -> PageRequest {
    PageRequest::new(page, per_page)
}

fn all() -> PageRequest {
    PageRequest::new(1, 100)
}

const POLICY: LockoutPolicy = LockoutPolicy {
    max_failures: 3,
    window_seconds: 60,
    lock_seconds: 300,
};

fn new_user(login: &str, now: OffsetDateTime) -> NewUser {
    NewUser {
        login: login.to_owned(),
        email: Some(format!("{login}@example.com")),
        name: Some(format!("The {login}")),
        password_hash: format!("$argon2id$fake${login}"),
        now,
    }
}

async fn user(store: &dyn Store, login: &str) -> User {
    store.create_user(new_user(login, at(0))).await.expect("create_user")
}

async fn reload_user(store: &dyn Store, id: UserId) -> User {
    store
        .user_by_id(id)
        .await
        .expect("user_by_id")
        .expect("the user exists")
}

fn new_app(client_id: &str, now: OffsetDateTime) -> NewApp {
    NewApp {
        client_id: ClientId(client_id.to_owned()),
        client_secret_digest: [7; 32],
        name: format!("App {client_id}"),
        url: format!("https://{client_id}.example.com"),
        callback_url: Some(format!("https://{client_id}.example.com/callback")),
        now,
    }
}

async fn app(store: &dyn Store, client_id: &str) -> App {
    store.create_app(new_app(client_id, at(0))).await.expect("create_app")
}

/// A personal access token of `user` with `note`, scope `repo`, created at `at(0)`.
fn pat(user: &User, note: &str, token: &str) -> NewAuthorization {
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
    }
}

/// A token of `app` for `user`, scope `repo`, created at `at(0)`.
fn oauth(user: &User, app: &App, fingerprint: Option<&str>, token: &str) -> NewAuthorization {
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
    }
}

/// Small setters for `NewAuthorization`s built by [`pat`] and [`oauth`].
trait With {
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

async fn create(store: &dyn Store, new: NewAuthorization) -> Authorization {
    store.create_authorization(new).await.expect("create_authorization")
}

/// The live authorization whose token is `token`, at `now`.
async fn by_token(store: &dyn Store, token: &str, now: OffsetDateTime) -> Option<Authorization> {
    store
        .authorization_by_token(&d(token), now)
        .await
        .expect("authorization_by_token")
        .map(|(a, _)| a)
}

async fn list_ids(
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

async fn grant_ids(
    store: &dyn Store,
    user: &User,
    app: Option<AppId>,
    req: PageRequest,
    now: OffsetDateTime,
) -> (Vec<GrantId>, u64) {
    let p = store.list_grants(user.id, app, req, now).await.expect("list_grants");
    (p.items.iter().map(|g| g.id).collect(), p.total)
}

async fn grant(store: &dyn Store, user: &User, id: GrantId, now: OffsetDateTime) -> Option<Grant> {
    store.grant(user.id, id, now).await.expect("grant")
}

fn grant_of(a: &Authorization) -> GrantId {
    a.grant_id.expect("a token of an app belongs to a grant")
}

#[track_caller]
fn expect_conflict<T: Debug>(result: StoreResult<T>, expected: Conflict, what: &str) {
    match result {
        Err(StoreError::Conflict(c)) => assert_eq!(c, expected, "{what}: wrong conflict"),
        other => panic!("{what}: expected Conflict::{expected:?}, got {other:?}"),
    }
}

#[track_caller]
fn expect_not_found<T: Debug>(result: StoreResult<T>, what: &str) {
    match result {
        Err(StoreError::NotFound) => {}
        other => panic!("{what}: expected NotFound, got {other:?}"),
    }
}

#[track_caller]
fn assert_same(got: &Authorization, want: &Authorization) {
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
}

// ---- users ---------------------------------------------------------------------------------

/// A user is found by id and by login in any case; a second login differing only in case is a
/// `Conflict::Login`.
pub async fn user_login_is_case_insensitive_and_unique(store: Arc<dyn Store>) {
    let s = &*store;
    let created = s.create_user(new_user("Octocat", at(0))).await.expect("create_user");
    assert_eq!(created.login, "Octocat", "the login keeps its case");
    assert_eq!(created.email.as_deref(), Some("Octocat@example.com"));
    assert_eq!(created.name.as_deref(), Some("The Octocat"));
    assert_eq!(created.password_hash, "$argon2id$fake$Octocat");
    assert!(created.totp_sealed.is_none());
    assert_eq!(created.totp_last_step, 0);
    assert_eq!(created.failed_logins, 0);
    assert_eq!(created.locked_until, None);
    assert_eq!((created.created_at, created.updated_at), (at(0), at(0)));

    for login in ["Octocat", "octocat", "OCTOCAT", "oCtOcAt"] {
        let found = s
            .user_by_login(login)
            .await
            .expect("user_by_login")
            .unwrap_or_else(|| panic!("{login} not found"));
        assert_eq!(found.id, created.id, "{login}");
        assert_eq!(found.login, "Octocat", "{login}");
    }
    assert!(s.user_by_login("octocat2").await.expect("user_by_login").is_none());
    assert!(s.user_by_login("octo").await.expect("user_by_login").is_none());
    assert_eq!(reload_user(s, created.id).await.login, "Octocat");
    assert!(s
        .user_by_id(UserId(created.id.0 + 1000))
        .await
        .expect("user_by_id")
        .is_none());

    expect_conflict(
        s.create_user(new_user("OCTOCAT", at(1))).await,
        Conflict::Login,
        "same login in other case",
    );
    expect_conflict(
        s.create_user(new_user("Octocat", at(1))).await,
        Conflict::Login,
        "same login",
    );
    assert_eq!(
        s.count_users().await.expect("count_users"),
        1,
        "a refused user is not stored"
    );
}

/// Users are listed by id and counted; a deleted user is neither listed nor counted.
pub async fn users_are_listed_by_id_and_counted(store: Arc<dyn Store>) {
    let s = &*store;
    assert_eq!(s.count_users().await.expect("count_users"), 0);
    assert!(s.list_users().await.expect("list_users").is_empty());
    let b = user(s, "bob").await;
    let a = user(s, "alice").await;
    let c = user(s, "carol").await;
    let listed = s.list_users().await.expect("list_users");
    assert_eq!(listed.iter().map(|u| u.id).collect::<Vec<_>>(), [b.id, a.id, c.id]);
    assert_eq!(
        listed.iter().map(|u| u.login.as_str()).collect::<Vec<_>>(),
        ["bob", "alice", "carol"]
    );
    assert!(b.id < a.id && a.id < c.id, "ids grow with creation");
    assert_eq!(s.count_users().await.expect("count_users"), 3);
    s.delete_user(a.id).await.expect("delete_user");
    assert_eq!(s.count_users().await.expect("count_users"), 2);
    let listed = s.list_users().await.expect("list_users");
    assert_eq!(listed.iter().map(|u| u.id).collect::<Vec<_>>(), [b.id, c.id]);
}

/// `set_password_hash` replaces the hash and the change time; an unknown user is `NotFound`.
pub async fn set_password_hash_replaces_the_hash(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let other = user(s, "hubot").await;
    s.set_password_hash(u.id, "$argon2id$new", at(5))
        .await
        .expect("set_password_hash");
    let reloaded = reload_user(s, u.id).await;
    assert_eq!(reloaded.password_hash, "$argon2id$new");
    assert_eq!(reloaded.updated_at, at(5));
    assert_eq!(reloaded.created_at, at(0));
    assert_eq!(
        reload_user(s, other.id).await.password_hash,
        other.password_hash,
        "other users are untouched"
    );
    expect_not_found(
        s.set_password_hash(UserId(u.id.0 + 1000), "x", at(5)).await,
        "unknown user",
    );
}

/// `set_totp` stores and clears the sealed seed and starts the accepted steps over.
pub async fn set_totp_sets_and_clears_the_seed_and_restarts_the_steps(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    s.set_totp(u.id, Some(&[1, 2, 3]), at(5)).await.expect("set_totp");
    let reloaded = reload_user(s, u.id).await;
    assert_eq!(reloaded.totp_sealed.as_deref(), Some(&[1u8, 2, 3][..]));
    assert!(reloaded.two_factor_enabled());
    assert_eq!(reloaded.updated_at, at(5));

    assert!(s.accept_totp_step(u.id, 1000).await.expect("accept_totp_step"));
    assert_eq!(reload_user(s, u.id).await.totp_last_step, 1000);
    s.set_totp(u.id, Some(&[4, 5]), at(6)).await.expect("set_totp");
    let reloaded = reload_user(s, u.id).await;
    assert_eq!(reloaded.totp_sealed.as_deref(), Some(&[4u8, 5][..]));
    assert_eq!(reloaded.totp_last_step, 0, "a new seed starts its steps over");
    assert!(
        s.accept_totp_step(u.id, 10).await.expect("accept_totp_step"),
        "an older step is fine with a new seed"
    );

    s.set_totp(u.id, None, at(7)).await.expect("set_totp");
    let reloaded = reload_user(s, u.id).await;
    assert!(reloaded.totp_sealed.is_none());
    assert!(!reloaded.two_factor_enabled());
    assert_eq!(reloaded.updated_at, at(7));
    expect_not_found(s.set_totp(UserId(u.id.0 + 1000), None, at(8)).await, "unknown user");
}

/// Deleting a user deletes their tokens and grants, and nobody else's.
pub async fn delete_user_removes_their_tokens_and_grants(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let v = user(s, "hubot").await;
    let x = app(s, "app-x").await;
    create(s, pat(&u, "deploy", "u-pat")).await;
    let ux = create(s, oauth(&u, &x, None, "u-x")).await;
    let vx = create(s, oauth(&v, &x, None, "v-x")).await;

    s.delete_user(u.id).await.expect("delete_user");
    assert!(s.user_by_id(u.id).await.expect("user_by_id").is_none());
    assert!(s.user_by_login("octocat").await.expect("user_by_login").is_none());
    assert!(
        by_token(s, "u-pat", at(1)).await.is_none(),
        "the personal token is gone"
    );
    assert!(by_token(s, "u-x", at(1)).await.is_none(), "the app token is gone");
    assert_eq!(list_ids(s, &u, None, all(), at(1)).await, (vec![], 0));
    assert_eq!(grant_ids(s, &u, None, all(), at(1)).await, (vec![], 0));
    assert!(grant(s, &u, grant_of(&ux), at(1)).await.is_none());

    let (found, owner) = s
        .authorization_by_token(&d("v-x"), at(1))
        .await
        .expect("by token")
        .expect("other users keep their tokens");
    assert_eq!((found.id, owner.id), (vx.id, v.id));
    assert_eq!(grant_ids(s, &v, None, all(), at(1)).await, (vec![grant_of(&vx)], 1));
    expect_not_found(s.delete_user(u.id).await, "deleting twice");

    // The login is free again, and the new user inherits nothing.
    let again = user(s, "OctoCat").await;
    assert_ne!(again.id, u.id);
    assert_eq!(list_ids(s, &again, None, all(), at(1)).await, (vec![], 0));
}

/// Failures within the window lock the user at the maximum, until `now + lock_seconds`.
pub async fn failed_logins_lock_the_user_at_the_maximum_within_the_window(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    assert!(!s.record_failed_login(u.id, at(0), &POLICY).await.expect("record"));
    let after_one = reload_user(s, u.id).await;
    assert_eq!((after_one.failed_logins, after_one.locked_until), (1, None));
    assert!(!s.record_failed_login(u.id, at(10), &POLICY).await.expect("record"));
    assert_eq!(reload_user(s, u.id).await.locked_until, None);
    assert!(
        s.record_failed_login(u.id, at(20), &POLICY).await.expect("record"),
        "third failure in 60 s locks"
    );
    let locked = reload_user(s, u.id).await;
    assert_eq!(locked.failed_logins, 3);
    assert_eq!(
        locked.locked_until,
        Some(at(320)),
        "locked for lock_seconds from the last failure"
    );
    expect_not_found(
        s.record_failed_login(UserId(u.id.0 + 1000), at(0), &POLICY).await,
        "unknown user",
    );
}

/// Failures further apart than the window never add up to a lock-out.
pub async fn failed_logins_outside_the_window_do_not_lock(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    assert!(!s.record_failed_login(u.id, at(0), &POLICY).await.expect("record"));
    assert!(!s.record_failed_login(u.id, at(30), &POLICY).await.expect("record"));
    // More than 60 s after every earlier failure: counting starts over.
    assert!(
        !s.record_failed_login(u.id, at(100), &POLICY).await.expect("record"),
        "earlier failures expired"
    );
    let reloaded = reload_user(s, u.id).await;
    assert_eq!((reloaded.failed_logins, reloaded.locked_until), (1, None));
    assert!(!s.record_failed_login(u.id, at(110), &POLICY).await.expect("record"));
    assert!(
        s.record_failed_login(u.id, at(120), &POLICY).await.expect("record"),
        "three in the new window"
    );
    assert_eq!(reload_user(s, u.id).await.locked_until, Some(at(420)));
}

/// `clear_failed_logins` forgets the counted failures.
pub async fn clear_failed_logins_forgets_counted_failures(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let other = user(s, "hubot").await;
    s.clear_failed_logins(u.id).await.expect("clearing nothing is fine");
    for t in [0, 1] {
        assert!(!s.record_failed_login(u.id, at(t), &POLICY).await.expect("record"));
    }
    assert!(!s.record_failed_login(other.id, at(1), &POLICY).await.expect("record"));
    s.clear_failed_logins(u.id).await.expect("clear_failed_logins");
    assert_eq!(reload_user(s, u.id).await.failed_logins, 0);
    assert_eq!(
        reload_user(s, other.id).await.failed_logins,
        1,
        "other users keep their count"
    );
    assert!(!s.record_failed_login(u.id, at(2), &POLICY).await.expect("record"));
    assert!(
        !s.record_failed_login(u.id, at(3), &POLICY).await.expect("record"),
        "two failures since clearing"
    );
    assert!(
        s.record_failed_login(u.id, at(4), &POLICY).await.expect("record"),
        "three failures since clearing"
    );
}

/// A TOTP step older than the newest accepted one is refused; the same step is accepted again
/// (BEHAVIOR 80: clients reuse a code within its window).
pub async fn accept_totp_step_refuses_older_steps_and_accepts_the_same_step_again(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let other = user(s, "hubot").await;
    s.set_totp(u.id, Some(&[1]), at(0)).await.expect("set_totp");
    assert!(s.accept_totp_step(u.id, 100).await.expect("accept"));
    assert!(
        s.accept_totp_step(u.id, 100).await.expect("accept"),
        "the same step twice"
    );
    assert!(!s.accept_totp_step(u.id, 99).await.expect("accept"), "an older step");
    assert_eq!(
        reload_user(s, u.id).await.totp_last_step,
        100,
        "a refused step changes nothing"
    );
    assert!(s.accept_totp_step(u.id, 101).await.expect("accept"));
    assert!(
        !s.accept_totp_step(u.id, 100).await.expect("accept"),
        "the step before the newest"
    );
    assert_eq!(reload_user(s, u.id).await.totp_last_step, 101);
    assert!(
        s.accept_totp_step(other.id, 50).await.expect("accept"),
        "steps are per user"
    );
}

// ---- apps ----------------------------------------------------------------------------------

/// An app is found by its client id with every field; a taken client id is `Conflict::ClientId`.
pub async fn app_is_created_and_found_by_client_id(store: Arc<dyn Store>) {
    let s = &*store;
    let created = s
        .create_app(new_app("abcdef0123456789abcd", at(3)))
        .await
        .expect("create_app");
    let found = s
        .app_by_client_id("abcdef0123456789abcd")
        .await
        .expect("app_by_client_id")
        .expect("found");
    for a in [&created, &found] {
        assert_eq!(a.id, created.id);
        assert_eq!(a.client_id, ClientId("abcdef0123456789abcd".into()));
        assert_eq!(a.client_secret_digest, [7; 32]);
        assert_eq!(a.name, "App abcdef0123456789abcd");
        assert_eq!(a.url, "https://abcdef0123456789abcd.example.com");
        assert_eq!(
            a.callback_url.as_deref(),
            Some("https://abcdef0123456789abcd.example.com/callback")
        );
        assert_eq!((a.created_at, a.updated_at), (at(3), at(3)));
    }
    let no_callback = s
        .create_app(NewApp {
            callback_url: None,
            ..new_app("other", at(4))
        })
        .await
        .expect("create_app");
    assert_eq!(no_callback.callback_url, None);
    assert!(s.app_by_client_id("unknown").await.expect("app_by_client_id").is_none());
    expect_conflict(
        s.create_app(new_app("abcdef0123456789abcd", at(5))).await,
        Conflict::ClientId,
        "same client id",
    );
    assert_eq!(
        s.list_apps().await.expect("list_apps").len(),
        2,
        "a refused app is not stored"
    );
}

/// Apps are listed by id.
pub async fn apps_are_listed_by_id(store: Arc<dyn Store>) {
    let s = &*store;
    assert!(s.list_apps().await.expect("list_apps").is_empty());
    let b = app(s, "bbb").await;
    let a = app(s, "aaa").await;
    let listed = s.list_apps().await.expect("list_apps");
    assert_eq!(listed.iter().map(|x| x.id).collect::<Vec<_>>(), [b.id, a.id]);
    assert_eq!(
        listed.iter().map(|x| x.client_id.0.as_str()).collect::<Vec<_>>(),
        ["bbb", "aaa"]
    );
}

/// `set_app_secret` replaces the digest of one app; an unknown app is `NotFound`.
pub async fn set_app_secret_replaces_the_digest(store: Arc<dyn Store>) {
    let s = &*store;
    let a = app(s, "aaa").await;
    let b = app(s, "bbb").await;
    s.set_app_secret(a.id, &[9; 32], at(5)).await.expect("set_app_secret");
    let reloaded = s
        .app_by_client_id("aaa")
        .await
        .expect("app_by_client_id")
        .expect("found");
    assert_eq!(reloaded.client_secret_digest, [9; 32]);
    assert_eq!((reloaded.created_at, reloaded.updated_at), (at(0), at(5)));
    let other = s
        .app_by_client_id("bbb")
        .await
        .expect("app_by_client_id")
        .expect("found");
    assert_eq!(
        other.client_secret_digest, b.client_secret_digest,
        "other apps are untouched"
    );
    expect_not_found(
        s.set_app_secret(AppId(b.id.0 + 1000), &[1; 32], at(5)).await,
        "unknown app",
    );
}

/// Deleting an app deletes its tokens and grants, and nothing else.
pub async fn delete_app_removes_its_tokens_and_grants(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let v = user(s, "hubot").await;
    let x = app(s, "app-x").await;
    let y = app(s, "app-y").await;
    let ux = create(s, oauth(&u, &x, None, "u-x")).await;
    create(s, oauth(&v, &x, Some("f"), "v-x")).await;
    let uy = create(s, oauth(&u, &y, None, "u-y")).await;
    create(s, pat(&u, "deploy", "u-pat")).await;

    s.delete_app(x.id).await.expect("delete_app");
    assert!(s.app_by_client_id("app-x").await.expect("app_by_client_id").is_none());
    assert_eq!(
        s.list_apps()
            .await
            .expect("list_apps")
            .iter()
            .map(|a| a.id)
            .collect::<Vec<_>>(),
        [y.id]
    );
    assert!(by_token(s, "u-x", at(1)).await.is_none());
    assert!(by_token(s, "v-x", at(1)).await.is_none());
    assert!(grant(s, &u, grant_of(&ux), at(1)).await.is_none());
    assert_eq!(grant_ids(s, &v, None, all(), at(1)).await, (vec![], 0));
    assert_eq!(grant_ids(s, &u, None, all(), at(1)).await, (vec![grant_of(&uy)], 1));
    assert!(by_token(s, "u-y", at(1)).await.is_some(), "tokens of other apps stay");
    assert!(by_token(s, "u-pat", at(1)).await.is_some(), "personal tokens stay");
    assert_eq!(list_ids(s, &u, None, all(), at(1)).await.1, 2);
    expect_not_found(s.delete_app(x.id).await, "deleting twice");
}

// ---- authorizations ------------------------------------------------------------------------

/// A personal access token keeps every field it was created with and belongs to no grant
/// (BEHAVIOR 49: personal tokens are not grants).
pub async fn personal_token_is_created_without_a_grant(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let new = NewAuthorization {
        note_url: Some("https://example.com/why".into()),
        fingerprint: Some("laptop".into()),
        ..pat(&u, "deploy", "ghp_personal-token-1").scopes("repo,gist").now(at(2))
    };
    let created = create(s, new).await;
    assert_eq!(created.user_id, u.id);
    assert!(created.app.is_none() && created.is_personal());
    assert_eq!(created.grant_id, None);
    assert_eq!(names(&created.scopes), ["repo", "gist"], "scopes keep their order");
    assert_eq!(created.token_digest, d("ghp_personal-token-1"));
    assert_eq!(created.token_last_eight, "-token-1");
    assert_eq!(created.note.as_deref(), Some("deploy"));
    assert_eq!(created.note_url.as_deref(), Some("https://example.com/why"));
    assert_eq!(created.fingerprint.as_deref(), Some("laptop"));
    assert_eq!(
        (created.created_at, created.updated_at, created.expires_at),
        (at(2), at(2), None)
    );

    let fetched = s
        .authorization(u.id, created.id, at(3))
        .await
        .expect("authorization")
        .expect("found");
    assert_same(&fetched, &created);
    let empty = create(s, pat(&u, "no scopes", "ghp_personal-token-2").scopes("")).await;
    assert!(empty.scopes.is_empty(), "an empty scope list round-trips");
    assert_eq!(grant_ids(s, &u, None, all(), at(3)).await, (vec![], 0));
}

/// An app token creates the user's grant for the app, or joins it; the grant's times follow.
pub async fn app_token_is_created_with_its_grant(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let x = app(s, "app-x").await;
    let y = app(s, "app-y").await;
    let first = create(s, oauth(&u, &x, None, "gho_first").now(at(1))).await;
    assert_eq!(first.app.as_ref(), Some(&x.summary()));
    assert!(!first.is_personal());
    let g = grant_of(&first);
    let fetched = s
        .authorization(u.id, first.id, at(1))
        .await
        .expect("authorization")
        .expect("found");
    assert_same(&fetched, &first);

    let got = grant(s, &u, g, at(1)).await.expect("the grant exists");
    assert_eq!((got.id, got.user_id), (g, u.id));
    assert_eq!(got.app, x.summary());
    assert_eq!(names(&got.scopes), ["repo"]);
    assert_eq!((got.created_at, got.updated_at), (at(1), at(1)));

    let second = create(s, oauth(&u, &x, Some("second"), "gho_second").now(at(10))).await;
    assert_eq!(second.grant_id, Some(g), "one grant per user and app (BEHAVIOR 46)");
    let got = grant(s, &u, g, at(10)).await.expect("the grant exists");
    assert_eq!(
        (got.created_at, got.updated_at),
        (at(1), at(10)),
        "a new token updates the grant"
    );

    let other = create(s, oauth(&u, &y, None, "gho_other")).await;
    assert_ne!(grant_of(&other), g, "another app, another grant");
    assert_eq!(
        grant_ids(s, &u, None, all(), at(10)).await,
        (vec![g, grant_of(&other)], 2)
    );
}

/// A second personal token with a note the user already uses is `Conflict::Note` (BEHAVIOR 35);
/// app tokens do not take part.
pub async fn pat_note_is_unique_per_user(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let x = app(s, "app-x").await;
    create(s, pat(&u, "deploy", "t1")).await;
    expect_conflict(
        s.create_authorization(pat(&u, "deploy", "t2")).await,
        Conflict::Note,
        "same note",
    );
    assert!(
        by_token(s, "t2", at(1)).await.is_none(),
        "the refused token is not stored"
    );
    create(s, pat(&u, "deploy 2", "t3")).await;
    let app_token = create(
        s,
        NewAuthorization {
            note: Some("deploy".into()),
            ..oauth(&u, &x, None, "t4")
        },
    )
    .await;
    assert_eq!(
        app_token.note.as_deref(),
        Some("deploy"),
        "app tokens may share a personal token's note"
    );
    assert_eq!(list_ids(s, &u, None, all(), at(1)).await.1, 3);
}

/// Two users may each have a personal token with the same note.
pub async fn same_note_is_allowed_for_two_users(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let v = user(s, "hubot").await;
    let a = create(s, pat(&u, "deploy", "t1")).await;
    let b = create(s, pat(&v, "deploy", "t2")).await;
    assert_ne!(a.id, b.id);
    assert_eq!(by_token(s, "t1", at(1)).await.map(|x| x.user_id), Some(u.id));
    assert_eq!(by_token(s, "t2", at(1)).await.map(|x| x.user_id), Some(v.id));
    expect_conflict(
        s.create_authorization(pat(&v, "deploy", "t3")).await,
        Conflict::Note,
        "still unique per user",
    );
}

/// A fingerprint is unique per user and app (BEHAVIOR 36), and among a user's personal tokens;
/// "no fingerprint" counts as one value for app tokens (the one get-or-create returns, BEHAVIOR 39).
pub async fn fingerprint_is_unique_per_user_and_app(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let v = user(s, "hubot").await;
    let x = app(s, "app-x").await;
    let y = app(s, "app-y").await;
    let first = create(s, oauth(&u, &x, Some("f"), "t1")).await;
    expect_conflict(
        s.create_authorization(oauth(&u, &x, Some("f"), "t2")).await,
        Conflict::Fingerprint,
        "same fingerprint",
    );
    assert!(
        by_token(s, "t2", at(1)).await.is_none(),
        "the refused token is not stored"
    );
    create(s, oauth(&u, &y, Some("f"), "t3")).await;
    create(s, oauth(&v, &x, Some("f"), "t4")).await;
    let other = create(s, oauth(&u, &x, Some("g"), "t5")).await;
    assert_eq!(other.grant_id, first.grant_id);
    create(s, oauth(&u, &x, None, "t6")).await;
    expect_conflict(
        s.create_authorization(oauth(&u, &x, None, "t7")).await,
        Conflict::Fingerprint,
        "no fingerprint twice",
    );

    create(
        s,
        NewAuthorization {
            fingerprint: Some("f".into()),
            ..pat(&u, "one", "p1")
        },
    )
    .await;
    expect_conflict(
        s.create_authorization(NewAuthorization {
            fingerprint: Some("f".into()),
            ..pat(&u, "two", "p2")
        })
        .await,
        Conflict::Fingerprint,
        "same fingerprint on two personal tokens",
    );
    create(s, pat(&u, "three", "p3")).await;
    create(s, pat(&u, "four", "p4")).await;
    assert_eq!(
        list_ids(s, &u, None, all(), at(1)).await.1,
        7,
        "personal tokens without fingerprint do not collide"
    );
}

/// A token digest that is already stored is `Conflict::Token` (the service retries with a new
/// token), and the failed write leaves nothing behind, not even a grant.
pub async fn token_digest_is_unique(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let v = user(s, "hubot").await;
    let x = app(s, "app-x").await;
    create(s, pat(&u, "deploy", "same")).await;
    expect_conflict(
        s.create_authorization(oauth(&v, &x, None, "same")).await,
        Conflict::Token,
        "same digest",
    );
    expect_conflict(
        s.get_or_create_authorization(oauth(&v, &x, None, "same")).await,
        Conflict::Token,
        "same digest",
    );
    assert_eq!(
        grant_ids(s, &v, None, all(), at(1)).await,
        (vec![], 0),
        "no grant was left behind"
    );
    assert_eq!(list_ids(s, &v, None, all(), at(1)).await, (vec![], 0));
    assert_eq!(by_token(s, "same", at(1)).await.map(|a| a.user_id), Some(u.id));
}

/// Get-or-create returns the user's authorization for the app and fingerprint with `false`, or
/// creates one and returns it with `true` (BEHAVIOR 39).
pub async fn get_or_create_returns_the_existing_authorization_or_creates_one(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let v = user(s, "hubot").await;
    let x = app(s, "app-x").await;
    let y = app(s, "app-y").await;
    let goc = |new: NewAuthorization| async move { s.get_or_create_authorization(new).await.expect("get_or_create") };

    let (first, created) = goc(oauth(&u, &x, None, "t1").now(at(1))).await;
    assert!(created, "nothing to return yet");
    assert_eq!(first.token_digest, d("t1"));
    assert_eq!(first.app.as_ref(), Some(&x.summary()));
    assert!(
        grant(s, &u, grant_of(&first), at(1)).await.is_some(),
        "created with its grant"
    );

    let (again, created) = goc(oauth(&u, &x, None, "t2").scopes("gist").now(at(2))).await;
    assert!(!created, "returns the existing one");
    assert_same(&again, &first);
    assert!(
        by_token(s, "t2", at(2)).await.is_none(),
        "the unused token is not stored"
    );

    let (fp, created) = goc(oauth(&u, &x, Some("f"), "t3")).await;
    assert!(created, "another fingerprint is another authorization");
    assert_ne!(fp.id, first.id);
    assert_eq!(fp.grant_id, first.grant_id);
    let (fp_again, created) = goc(oauth(&u, &x, Some("f"), "t4")).await;
    assert!(!created);
    assert_eq!((fp_again.id, fp_again.token_digest), (fp.id, d("t3")));

    let (other_app, created) = goc(oauth(&u, &y, None, "t5")).await;
    assert!(created && other_app.id != first.id, "another app");
    let (other_user, created) = goc(oauth(&v, &x, None, "t6")).await;
    assert!(created && other_user.id != first.id, "another user");

    let made = create(s, oauth(&u, &x, Some("g"), "t7")).await;
    let (found, created) = goc(oauth(&u, &x, Some("g"), "t8")).await;
    assert!(!created, "returns one made by create_authorization too");
    assert_eq!(found.id, made.id);

    assert_eq!(list_ids(s, &u, None, all(), at(3)).await.1, 4);
    assert_eq!(list_ids(s, &v, None, all(), at(3)).await.1, 1);
}

/// Twenty simultaneous get-or-create calls for the same user, app and fingerprint create exactly
/// one authorization and all return it (BEHAVIOR 39; STYLE "Storage": races settled by the
/// database).
pub async fn concurrent_get_or_create_creates_exactly_one(store: Arc<dyn Store>) {
    const TASKS: usize = 20;
    let u = user(&*store, "octocat").await;
    let x = app(&*store, "app-x").await;
    for fingerprint in [None, Some("laptop")] {
        let barrier = Arc::new(Barrier::new(TASKS));
        let tasks: Vec<_> = (0..TASKS)
            .map(|i| {
                let store = Arc::clone(&store);
                let barrier = Arc::clone(&barrier);
                let new = oauth(&u, &x, fingerprint, &format!("race-{fingerprint:?}-{i}"));
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.get_or_create_authorization(new).await
                })
            })
            .collect();
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.expect("task").expect("get_or_create"));
        }
        let created: Vec<&Authorization> = results.iter().filter(|(_, c)| *c).map(|(a, _)| a).collect();
        assert_eq!(created.len(), 1, "exactly one call creates ({fingerprint:?})");
        let winner = created[0];
        assert!(
            results.iter().all(|(a, _)| a.id == winner.id),
            "every call returns the same authorization"
        );
        assert!(results.iter().all(|(a, _)| a.token_digest == winner.token_digest));
        let live = by_token(&*store, &format!("race-{fingerprint:?}-0"), at(1)).await;
        assert_eq!(
            live.is_some(),
            winner.token_digest == d(&format!("race-{fingerprint:?}-0"))
        );
    }
    assert_eq!(list_ids(&*store, &u, None, all(), at(1)).await.1, 2);
    assert_eq!(
        grant_ids(&*store, &u, None, all(), at(1)).await.1,
        1,
        "and exactly one grant"
    );
}

/// Simultaneous creates with one note (personal tokens) or one fingerprint (app tokens) succeed
/// exactly once; the others are the matching conflict.
pub async fn concurrent_creates_keep_notes_and_fingerprints_unique(store: Arc<dyn Store>) {
    const TASKS: usize = 20;
    let u = user(&*store, "octocat").await;
    let x = app(&*store, "app-x").await;
    let cases = [
        (
            Conflict::Note,
            (0..TASKS)
                .map(|i| pat(&u, "deploy", &format!("pat-{i}")))
                .collect::<Vec<_>>(),
        ),
        (
            Conflict::Fingerprint,
            (0..TASKS)
                .map(|i| oauth(&u, &x, Some("f"), &format!("app-{i}")))
                .collect(),
        ),
    ];
    for (conflict, news) in cases {
        let barrier = Arc::new(Barrier::new(TASKS));
        let tasks: Vec<_> = news
            .into_iter()
            .map(|new| {
                let store = Arc::clone(&store);
                let barrier = Arc::clone(&barrier);
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.create_authorization(new).await
                })
            })
            .collect();
        let mut created = 0;
        for task in tasks {
            match task.await.expect("task") {
                Ok(_) => created += 1,
                Err(StoreError::Conflict(c)) => assert_eq!(c, conflict),
                Err(e) => panic!("expected Conflict::{conflict:?}, got {e:?}"),
            }
        }
        assert_eq!(created, 1, "exactly one create succeeds ({conflict:?})");
    }
    assert_eq!(list_ids(&*store, &u, None, all(), at(1)).await.1, 2);
}

/// Simultaneous failed logins are all counted (one atomic statement each).
pub async fn concurrent_failed_logins_are_all_counted(store: Arc<dyn Store>) {
    const TASKS: usize = 12;
    let u = user(&*store, "octocat").await;
    let policy = LockoutPolicy {
        max_failures: 100,
        ..POLICY
    };
    let barrier = Arc::new(Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let store = Arc::clone(&store);
            let barrier = Arc::clone(&barrier);
            tokio::spawn(async move {
                barrier.wait().await;
                store.record_failed_login(u.id, at(0), &policy).await
            })
        })
        .collect();
    for task in tasks {
        assert!(!task.await.expect("task").expect("record_failed_login"));
    }
    assert_eq!(reload_user(&*store, u.id).await.failed_logins, 12);
}

/// A list's total is every live authorization of the user however they came and went: created,
/// got or created, expired, purged, revoked one by one, by grant, by app, and with their app or
/// another user deleted (the SQLite and PostgreSQL stores keep a per-user count for it).
pub async fn list_totals_follow_every_way_tokens_come_and_go(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let v = user(s, "hubot").await;
    let x = app(s, "app-x").await;
    let y = app(s, "app-y").await;
    // The total matches the items of one page holding everything, and `want`.
    async fn check(s: &dyn Store, user: &User, now: OffsetDateTime, want: u64, what: &str) {
        let (ids, total) = list_ids(s, user, None, all(), now).await;
        assert_eq!((ids.len() as u64, total), (want, want), "{what}");
    }
    check(s, &u, at(0), 0, "none yet").await;
    let p1 = create(s, pat(&u, "one", "p1")).await;
    create(s, pat(&u, "two", "p2")).await;
    create(s, pat(&u, "short", "p3").expiring(at(50))).await;
    create(s, oauth(&u, &x, Some("a"), "xa")).await;
    create(s, oauth(&u, &x, Some("b"), "xb").expiring(at(50))).await;
    let uy = create(s, oauth(&u, &y, None, "uy")).await;
    let (_, created) = s
        .get_or_create_authorization(oauth(&u, &y, None, "uy-again"))
        .await
        .expect("get_or_create_authorization");
    assert!(!created, "the existing one is returned");
    create(s, oauth(&v, &x, None, "vx")).await;
    check(s, &u, at(1), 6, "six created, one got").await;
    check(s, &v, at(1), 1, "another user's are their own").await;
    check(s, &u, at(50), 4, "two expired").await;
    // A write purges the expired ones; the total stays right.
    create(s, pat(&u, "three", "p4").now(at(60))).await;
    check(s, &u, at(60), 5, "purged, one more").await;
    s.delete_authorization(u.id, p1.id).await.expect("delete_authorization");
    check(s, &u, at(60), 4, "one deleted").await;
    s.reset_token(x.id, &d("xa"), &d("xa2"), &last_eight("xa2"), at(60))
        .await
        .expect("reset_token");
    check(s, &u, at(60), 4, "a reset replaces, never adds").await;
    s.delete_token(x.id, &d("xa2"), at(60)).await.expect("delete_token");
    check(s, &u, at(60), 3, "revoked by its app").await;
    s.delete_grant(u.id, grant_of(&uy)).await.expect("delete_grant");
    check(s, &u, at(60), 2, "its grant deleted").await;
    create(s, oauth(&u, &x, None, "xc").now(at(60))).await;
    create(s, oauth(&u, &y, None, "yd").now(at(60))).await;
    check(s, &u, at(60), 4, "two more").await;
    assert_eq!(s.delete_app_tokens(x.id).await.expect("delete_app_tokens"), 2);
    check(s, &u, at(60), 3, "the app's tokens revoked").await;
    check(s, &v, at(60), 0, "the other user's too").await;
    s.delete_app(y.id).await.expect("delete_app");
    check(s, &u, at(60), 2, "the app deleted").await;
    s.delete_user(v.id).await.expect("delete_user");
    check(s, &u, at(60), 2, "another user deleted").await;
    let w = user(s, "hubot").await;
    check(s, &w, at(60), 0, "a new user starts from none").await;
}

/// Listing pages through the user's authorizations by id, with the total of all pages, and
/// filters by app (BEHAVIOR 43).
pub async fn list_authorizations_pages_by_id_with_total_and_app_filter(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let v = user(s, "hubot").await;
    let x = app(s, "app-x").await;
    let y = app(s, "app-y").await;
    let z = app(s, "app-z").await;
    let mut ids = Vec::new();
    ids.push(create(s, pat(&u, "p1", "p1")).await.id);
    let x1 = create(s, oauth(&u, &x, None, "x1")).await.id;
    ids.push(x1);
    create(s, pat(&v, "p1", "v1")).await;
    ids.push(create(s, pat(&u, "p2", "p2")).await.id);
    let y1 = create(s, oauth(&u, &y, None, "y1")).await.id;
    ids.push(y1);
    ids.push(create(s, pat(&u, "p3", "p3")).await.id);
    let x2 = create(s, oauth(&u, &x, Some("second"), "x2")).await.id;
    ids.push(x2);
    ids.push(create(s, pat(&u, "p4", "p4")).await.id);
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "ids grow with creation");

    assert_eq!(list_ids(s, &u, None, page(1, 3), at(1)).await, (ids[0..3].to_vec(), 7));
    assert_eq!(list_ids(s, &u, None, page(2, 3), at(1)).await, (ids[3..6].to_vec(), 7));
    assert_eq!(list_ids(s, &u, None, page(3, 3), at(1)).await, (ids[6..].to_vec(), 7));
    assert_eq!(
        list_ids(s, &u, None, page(4, 3), at(1)).await,
        (vec![], 7),
        "past the end: empty, same total"
    );
    assert_eq!(list_ids(s, &u, None, all(), at(1)).await, (ids.clone(), 7));
    assert_eq!(list_ids(s, &u, Some(x.id), all(), at(1)).await, (vec![x1, x2], 2));
    assert_eq!(list_ids(s, &u, Some(x.id), page(2, 1), at(1)).await, (vec![x2], 2));
    assert_eq!(list_ids(s, &u, Some(y.id), all(), at(1)).await, (vec![y1], 1));
    assert_eq!(list_ids(s, &u, Some(z.id), all(), at(1)).await, (vec![], 0));
    assert_eq!(list_ids(s, &v, None, all(), at(1)).await.1, 1);
    assert_eq!(list_ids(s, &v, Some(x.id), all(), at(1)).await, (vec![], 0));

    let listed = s
        .list_authorizations(u.id, Some(x.id), all(), at(1))
        .await
        .expect("list_authorizations");
    let fetched = s
        .authorization(u.id, x2, at(1))
        .await
        .expect("authorization")
        .expect("found");
    assert_same(&listed.items[1], &fetched);
}

/// An update replaces the given fields only, and the change time; it never touches the token.
pub async fn update_authorization_changes_only_the_given_fields(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let x = app(s, "app-x").await;
    let original = create(
        s,
        NewAuthorization {
            note_url: Some("https://example.com/1".into()),
            fingerprint: Some("f".into()),
            ..pat(&u, "n", "t1")
        },
    )
    .await;
    let update = |scopes: Option<&str>, note: Option<&str>, note_url: Option<&str>, fingerprint: Option<&str>| {
        AuthorizationUpdate {
            scopes: scopes.map(Scopes::from_storage),
            note: note.map(str::to_owned),
            note_url: note_url.map(str::to_owned),
            fingerprint: fingerprint.map(str::to_owned),
        }
    };

    let mut want = original.clone();
    let got = s
        .update_authorization(u.id, original.id, update(Some("gist,user"), None, None, None), at(10))
        .await
        .expect("update");
    want.scopes = scopes("gist,user");
    want.updated_at = at(10);
    assert_same(&got, &want);
    let got = s
        .update_authorization(u.id, original.id, update(None, Some("m"), None, None), at(20))
        .await
        .expect("update");
    want.note = Some("m".into());
    want.updated_at = at(20);
    assert_same(&got, &want);
    let got = s
        .update_authorization(
            u.id,
            original.id,
            update(None, None, Some("https://example.com/2"), None),
            at(30),
        )
        .await
        .expect("update");
    want.note_url = Some("https://example.com/2".into());
    want.updated_at = at(30);
    assert_same(&got, &want);
    let got = s
        .update_authorization(u.id, original.id, update(None, None, None, Some("g")), at(40))
        .await
        .expect("update");
    want.fingerprint = Some("g".into());
    want.updated_at = at(40);
    assert_same(&got, &want);
    let got = s
        .update_authorization(u.id, original.id, update(Some("repo"), Some("k"), None, None), at(50))
        .await
        .expect("update");
    want.scopes = scopes("repo");
    want.note = Some("k".into());
    want.updated_at = at(50);
    assert_same(&got, &want);
    let fetched = s
        .authorization(u.id, original.id, at(50))
        .await
        .expect("authorization")
        .expect("found");
    assert_same(&fetched, &want);
    assert_same(&by_token(s, "t1", at(50)).await.expect("the token still works"), &want);

    // An app token's new scopes show in its grant, which is updated too.
    let token = create(s, oauth(&u, &x, None, "t2")).await;
    let got = s
        .update_authorization(u.id, token.id, update(Some("user"), None, None, None), at(60))
        .await
        .expect("update");
    assert_eq!(got.grant_id, token.grant_id);
    let g = grant(s, &u, grant_of(&token), at(60)).await.expect("the grant exists");
    assert_eq!(names(&g.scopes), ["user"]);
    assert_eq!(g.updated_at, at(60));
}

/// An update to a note or fingerprint another token holds is the matching conflict, and changes
/// nothing; keeping one's own note or fingerprint is fine.
pub async fn update_authorization_refuses_a_taken_note_or_fingerprint(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let x = app(s, "app-x").await;
    let note = |n: &str| AuthorizationUpdate {
        note: Some(n.into()),
        ..AuthorizationUpdate::default()
    };
    let fingerprint = |f: &str| AuthorizationUpdate {
        fingerprint: Some(f.into()),
        ..AuthorizationUpdate::default()
    };
    let a = create(
        s,
        NewAuthorization {
            fingerprint: Some("pf".into()),
            ..pat(&u, "a", "pa")
        },
    )
    .await;
    let b = create(s, pat(&u, "b", "pb")).await;
    create(
        s,
        NewAuthorization {
            note: Some("c".into()),
            ..oauth(&u, &x, Some("x"), "xa")
        },
    )
    .await;
    let y = create(s, oauth(&u, &x, Some("y"), "xb")).await;

    expect_conflict(
        s.update_authorization(u.id, b.id, note("a"), at(1)).await,
        Conflict::Note,
        "taken note",
    );
    expect_conflict(
        s.update_authorization(
            u.id,
            b.id,
            AuthorizationUpdate {
                scopes: Some(scopes("gist")),
                ..note("a")
            },
            at(1),
        )
        .await,
        Conflict::Note,
        "taken note with scopes",
    );
    assert_same(
        &s.authorization(u.id, b.id, at(1))
            .await
            .expect("authorization")
            .expect("found"),
        &b,
    );
    expect_conflict(
        s.update_authorization(u.id, b.id, fingerprint("pf"), at(1)).await,
        Conflict::Fingerprint,
        "taken personal fingerprint",
    );
    expect_conflict(
        s.update_authorization(u.id, y.id, fingerprint("x"), at(1)).await,
        Conflict::Fingerprint,
        "taken app fingerprint",
    );
    assert_same(
        &s.authorization(u.id, y.id, at(1))
            .await
            .expect("authorization")
            .expect("found"),
        &y,
    );

    assert_eq!(
        s.update_authorization(u.id, b.id, note("b"), at(2))
            .await
            .expect("own note")
            .note
            .as_deref(),
        Some("b")
    );
    assert_eq!(
        s.update_authorization(u.id, a.id, fingerprint("pf"), at(2))
            .await
            .expect("own fingerprint")
            .fingerprint
            .as_deref(),
        Some("pf")
    );
    assert_eq!(
        s.update_authorization(u.id, b.id, note("c"), at(2))
            .await
            .expect("an app token's note")
            .note
            .as_deref(),
        Some("c")
    );
    assert_eq!(
        s.update_authorization(u.id, y.id, note("a"), at(2))
            .await
            .expect("app notes are free")
            .note
            .as_deref(),
        Some("a")
    );
    assert_eq!(
        s.update_authorization(u.id, y.id, fingerprint("pf"), at(2))
            .await
            .expect("other kind")
            .fingerprint
            .as_deref(),
        Some("pf")
    );
}

/// Another user's authorization cannot be read, changed or deleted through its id.
pub async fn authorizations_of_other_users_are_not_found(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let v = user(s, "hubot").await;
    let a = create(s, pat(&u, "n", "t1")).await;
    let update = AuthorizationUpdate {
        note: Some("stolen".into()),
        ..AuthorizationUpdate::default()
    };
    assert!(s
        .authorization(v.id, a.id, at(1))
        .await
        .expect("authorization")
        .is_none());
    expect_not_found(
        s.update_authorization(v.id, a.id, update.clone(), at(1)).await,
        "update by another user",
    );
    expect_not_found(s.delete_authorization(v.id, a.id).await, "delete by another user");
    let unknown = AuthorizationId(a.id.0 + 1000);
    assert!(s
        .authorization(u.id, unknown, at(1))
        .await
        .expect("authorization")
        .is_none());
    expect_not_found(s.update_authorization(u.id, unknown, update, at(1)).await, "unknown id");
    expect_not_found(s.delete_authorization(u.id, unknown).await, "unknown id");
    assert_same(&by_token(s, "t1", at(1)).await.expect("still works"), &a);
}

/// Deleting an authorization revokes its token; the grant goes with the app's last token
/// (BEHAVIOR 42, 46).
pub async fn delete_authorization_removes_the_grant_with_its_last_token(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let x = app(s, "app-x").await;
    let a = create(s, oauth(&u, &x, Some("a"), "ta")).await;
    let b = create(s, oauth(&u, &x, Some("b"), "tb").scopes("gist")).await;
    let g = grant_of(&a);
    assert_eq!(
        names(&grant(s, &u, g, at(1)).await.expect("grant").scopes),
        ["gist", "repo"]
    );

    s.delete_authorization(u.id, a.id).await.expect("delete_authorization");
    assert!(
        by_token(s, "ta", at(1)).await.is_none(),
        "the token stops working at once"
    );
    assert!(s
        .authorization(u.id, a.id, at(1))
        .await
        .expect("authorization")
        .is_none());
    let left = grant(s, &u, g, at(1))
        .await
        .expect("the grant stays while it has a token");
    assert_eq!(
        names(&left.scopes),
        ["gist"],
        "the deleted token's scopes are gone from the grant"
    );

    s.delete_authorization(u.id, b.id).await.expect("delete_authorization");
    assert!(
        grant(s, &u, g, at(1)).await.is_none(),
        "the grant went with its last token"
    );
    assert_eq!(grant_ids(s, &u, None, all(), at(1)).await, (vec![], 0));
    expect_not_found(s.delete_authorization(u.id, b.id).await, "deleting twice");

    let again = create(s, oauth(&u, &x, None, "tc").now(at(5))).await;
    let (ids, total) = grant_ids(s, &u, None, all(), at(5)).await;
    assert_eq!((ids, total), (vec![grant_of(&again)], 1));
    let renewed = grant(s, &u, grant_of(&again), at(5)).await.expect("grant");
    assert_eq!(
        renewed.created_at,
        at(5),
        "authorising the app again makes a new grant (BEHAVIOR 48)"
    );
}

/// A token check by an app reads the app as of the token read: a replaced secret or a removed app
/// is seen in the same answer as the token, even when a store's cache held the app before.
pub async fn token_checks_confirm_their_app_as_of_the_token_read(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let x = app(s, "app-x").await;
    let y = app(s, "app-y").await;
    let ox = create(s, oauth(&u, &x, None, "tx")).await;
    create(s, oauth(&u, &y, None, "ty")).await;
    let check = |client_id: &'static str, token: &'static str| async move {
        s.app_token_check(client_id, Some(&d(token)), at(1))
            .await
            .expect("app_token_check")
    };
    // Read the app the way a request does, so that a store's cache holds it.
    for _ in 0..4 {
        assert!(s.app_by_client_id("app-x").await.expect("app_by_client_id").is_some());
        check("app-x", "tx").await;
    }
    let found = check("app-x", "tx").await;
    assert!(found.app.as_ref().is_some_and(|a| a.same_credentials(&x)), "{found:?}");
    let (authorization, owner) = found.token.expect("the token is live");
    assert_eq!((authorization.id, owner.id), (ox.id, u.id));

    s.set_app_secret(x.id, &[0xAB; 32], at(2))
        .await
        .expect("set_app_secret");
    let rotated = check("app-x", "tx").await;
    let current = rotated.app.expect("the app");
    assert!(!current.same_credentials(&x), "the old secret no longer holds");
    assert_eq!(current.client_secret_digest, [0xAB; 32], "the new secret is read");
    assert!(rotated.token.is_some(), "the token itself is untouched");
    let other = check("app-y", "ty").await;
    assert!(
        other.app.is_some_and(|a| a.same_credentials(&y)) && other.token.is_some(),
        "other apps are untouched"
    );

    s.delete_app(x.id).await.expect("delete_app");
    let removed = check("app-x", "tx").await;
    assert!(removed.app.is_none(), "removed: {removed:?}");
    assert!(removed.token.is_none(), "its tokens went with it");
}

/// A token check answers the app and the live token apart: no app, no token, another app's
/// token, an expired token, no digest at all.
pub async fn app_token_check_answers_the_app_and_the_live_token_apart(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let x = app(s, "app-x").await;
    let y = app(s, "app-y").await;
    let ox = create(s, oauth(&u, &x, None, "tx")).await;
    let oy = create(s, oauth(&u, &y, None, "ty")).await;
    let p = create(s, pat(&u, "n", "tp").expiring(at(100))).await;
    let check = |client_id: &'static str, digest: Option<TokenDigest>, now: i64| async move {
        s.app_token_check(client_id, digest.as_ref(), at(now))
            .await
            .expect("app_token_check")
    };
    let ids = |found: &AppTokenCheck| {
        (
            found.app.as_ref().map(|a| a.id),
            found.token.as_ref().map(|(a, o)| (a.id, o.id)),
        )
    };

    assert_eq!(
        ids(&check("app-x", Some(d("tx")), 1).await),
        (Some(x.id), Some((ox.id, u.id)))
    );
    let found = check("app-x", Some(d("tx")), 1).await;
    let (authorization, owner) = found.token.expect("found");
    assert_same(&authorization, &ox);
    assert_eq!(owner.login, "octocat");
    assert_eq!(
        ids(&check("app-x", Some(d("ty")), 1).await),
        (Some(x.id), Some((oy.id, u.id))),
        "another app's token is found: whose it is, is the caller's to compare"
    );
    assert_eq!(
        ids(&check("app-x", Some(d("nope")), 1).await),
        (Some(x.id), None),
        "no such token"
    );
    assert_eq!(ids(&check("app-x", None, 1).await), (Some(x.id), None), "no digest");
    assert_eq!(
        ids(&check("app-z", Some(d("tx")), 1).await),
        (None, Some((ox.id, u.id))),
        "no such app; the token is answered all the same"
    );
    assert_eq!(ids(&check("app-z", None, 1).await), (None, None), "neither");
    assert_eq!(
        ids(&check("app-x", Some(d("tp")), 99).await),
        (Some(x.id), Some((p.id, u.id)))
    );
    assert_eq!(
        ids(&check("app-x", Some(d("tp")), 100).await),
        (Some(x.id), None),
        "an expired token is not live (BEHAVIOR 78)"
    );
}

/// A live token is found by its digest, with its owner.
pub async fn authorization_by_token_returns_the_token_and_its_owner(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let v = user(s, "hubot").await;
    let x = app(s, "app-x").await;
    let p = create(s, pat(&u, "n", "tp")).await;
    let o = create(s, oauth(&v, &x, None, "to")).await;
    for (token, want, owner) in [("tp", &p, &u), ("to", &o, &v)] {
        let (found, user) = s
            .authorization_by_token(&d(token), at(1))
            .await
            .expect("by token")
            .expect("found");
        assert_same(&found, want);
        assert_eq!((user.id, user.login.as_str()), (owner.id, owner.login.as_str()));
    }
    assert!(s
        .authorization_by_token(&d("unknown"), at(1))
        .await
        .expect("by token")
        .is_none());
}

/// A token whose `expires_at <= now` is revoked (BEHAVIOR 78): invisible to every read and to
/// every app-side call, and its scopes leave its grant.
pub async fn expired_tokens_are_invisible_everywhere(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let x = app(s, "app-x").await;
    let y = app(s, "app-y").await;
    let p = create(s, pat(&u, "expiring", "tp").expiring(at(100))).await;
    assert_eq!(p.expires_at, Some(at(100)));
    let ox = create(s, oauth(&u, &x, None, "tx").expiring(at(100))).await;
    let live_pat = create(s, pat(&u, "forever", "tl")).await;
    let oy = create(s, oauth(&u, &y, None, "ty")).await;
    create(s, oauth(&u, &y, Some("short"), "ty2").scopes("gist").expiring(at(100))).await;
    let (gx, gy) = (grant_of(&ox), grant_of(&oy));

    // One second before: everything is visible.
    let before = at(99);
    assert!(by_token(s, "tp", before).await.is_some());
    assert!(by_token(s, "tx", before).await.is_some());
    assert!(s
        .authorization(u.id, p.id, before)
        .await
        .expect("authorization")
        .is_some());
    assert_eq!(list_ids(s, &u, None, all(), before).await.1, 5);
    assert_eq!(grant_ids(s, &u, None, all(), before).await, (vec![gx, gy], 2));
    assert_eq!(
        names(&grant(s, &u, gy, before).await.expect("grant").scopes),
        ["gist", "repo"]
    );

    // At `expires_at`: gone.
    let now = at(100);
    assert!(by_token(s, "tp", now).await.is_none());
    assert!(by_token(s, "tx", now).await.is_none());
    assert!(by_token(s, "ty2", now).await.is_none());
    assert!(s.authorization(u.id, p.id, now).await.expect("authorization").is_none());
    assert!(s
        .authorization(u.id, ox.id, now)
        .await
        .expect("authorization")
        .is_none());
    assert_eq!(list_ids(s, &u, None, all(), now).await, (vec![live_pat.id, oy.id], 2));
    assert_eq!(list_ids(s, &u, Some(x.id), all(), now).await, (vec![], 0));
    assert_eq!(
        list_ids(s, &u, None, page(1, 1), now).await,
        (vec![live_pat.id], 2),
        "the total counts live tokens"
    );
    assert_eq!(
        grant_ids(s, &u, None, all(), now).await,
        (vec![gy], 1),
        "a grant without live tokens is gone"
    );
    assert_eq!(grant_ids(s, &u, Some(x.id), all(), now).await, (vec![], 0));
    assert!(grant(s, &u, gx, now).await.is_none());
    let gy_now = grant(s, &u, gy, now).await.expect("grant");
    assert_eq!(
        names(&gy_now.scopes),
        ["repo"],
        "expired tokens' scopes leave the grant"
    );
    let listed = s.list_grants(u.id, None, all(), now).await.expect("list_grants");
    assert_eq!(names(&listed.items[0].scopes), ["repo"]);

    let update = AuthorizationUpdate {
        note: Some("revived".into()),
        ..AuthorizationUpdate::default()
    };
    expect_not_found(
        s.update_authorization(u.id, p.id, update, now).await,
        "update of an expired token",
    );
    expect_not_found(
        s.reset_token(x.id, &d("tx"), &d("tx-new"), "x-new", now).await,
        "reset of an expired token",
    );
    expect_not_found(
        s.delete_token(x.id, &d("tx"), now).await,
        "delete_token of an expired token",
    );
    expect_not_found(
        s.delete_grant_by_token(x.id, &d("tx"), now).await,
        "delete_grant_by_token of an expired token",
    );
    assert!(
        by_token(s, "tx-new", now).await.is_none(),
        "the refused reset stored nothing"
    );
    assert!(by_token(s, "tl", now).await.is_some() && by_token(s, "ty", now).await.is_some());
}

/// An expired token does not hold on to its note or fingerprint: creating, getting-or-creating
/// and updating other tokens may take them.
pub async fn expired_tokens_do_not_block_reusing_their_note_or_fingerprint(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let x = app(s, "app-x").await;
    // Each case creates its expired token (at `at(0)`) right before using its note or
    // fingerprint at `at(100)`, so a purge of expired rows by an earlier case cannot hide a
    // failure of a later one.
    create(s, pat(&u, "n", "old-n").expiring(at(100))).await;
    let n = create(s, pat(&u, "n", "new-n").now(at(100))).await;
    assert_eq!(n.note.as_deref(), Some("n"));

    create(s, oauth(&u, &x, Some("f"), "old-f").expiring(at(100))).await;
    let f = create(s, oauth(&u, &x, Some("f"), "new-f").now(at(100))).await;
    assert_eq!(f.fingerprint.as_deref(), Some("f"));

    let old = create(s, oauth(&u, &x, None, "old-none").expiring(at(100))).await;
    let (none, created) = s
        .get_or_create_authorization(oauth(&u, &x, None, "new-none").now(at(100)))
        .await
        .expect("get_or_create");
    assert!(created, "the expired authorization is not returned");
    assert_ne!(none.id, old.id);
    assert_eq!(none.token_digest, d("new-none"));

    create(s, pat(&u, "m", "old-m").expiring(at(100))).await;
    let k = create(s, pat(&u, "k", "live-k")).await;
    let note = AuthorizationUpdate {
        note: Some("m".into()),
        ..AuthorizationUpdate::default()
    };
    let k = s
        .update_authorization(u.id, k.id, note, at(100))
        .await
        .expect("update to an expired token's note");
    assert_eq!(k.note.as_deref(), Some("m"));

    create(s, oauth(&u, &x, Some("g"), "old-g").expiring(at(100))).await;
    let h = create(s, oauth(&u, &x, Some("h"), "live-h")).await;
    let fingerprint = AuthorizationUpdate {
        fingerprint: Some("g".into()),
        ..AuthorizationUpdate::default()
    };
    let h = s
        .update_authorization(u.id, h.id, fingerprint, at(100))
        .await
        .expect("update to an expired token's fingerprint");
    assert_eq!(h.fingerprint.as_deref(), Some("g"));

    assert_eq!(
        list_ids(s, &u, None, all(), at(100)).await,
        (vec![n.id, f.id, none.id, k.id, h.id], 5)
    );
}

/// Resetting replaces the token of the authorization: the old digest stops working in the same
/// call, and only the token's app may reset it (BEHAVIOR 51).
pub async fn reset_token_replaces_the_digest_atomically(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let x = app(s, "app-x").await;
    let y = app(s, "app-y").await;
    let a = create(s, oauth(&u, &x, None, "t1").now(at(1))).await;
    create(s, pat(&u, "n", "tp")).await;

    expect_not_found(
        s.reset_token(y.id, &d("t1"), &d("t2"), "last-two", at(10)).await,
        "another app",
    );
    assert!(
        by_token(s, "t1", at(10)).await.is_some(),
        "a refused reset changes nothing"
    );
    assert!(by_token(s, "t2", at(10)).await.is_none());
    expect_not_found(
        s.reset_token(x.id, &d("tp"), &d("t2"), "last-two", at(10)).await,
        "a personal token",
    );
    expect_not_found(
        s.reset_token(x.id, &d("unknown"), &d("t2"), "last-two", at(10)).await,
        "unknown token",
    );

    let (reset, owner) = s
        .reset_token(x.id, &d("t1"), &d("t2"), "last-two", at(10))
        .await
        .expect("reset_token");
    assert_eq!(owner.id, u.id);
    let mut want = a.clone();
    want.token_digest = d("t2");
    want.token_last_eight = "last-two".into();
    want.updated_at = at(10);
    assert_same(&reset, &want);
    assert!(
        by_token(s, "t1", at(10)).await.is_none(),
        "the old token stopped working"
    );
    assert_same(&by_token(s, "t2", at(10)).await.expect("the new token works"), &want);
    assert_same(
        &s.authorization(u.id, a.id, at(10))
            .await
            .expect("authorization")
            .expect("found"),
        &want,
    );
    expect_not_found(
        s.reset_token(x.id, &d("t1"), &d("t3"), "last-thr", at(11)).await,
        "resetting the old token again",
    );

    expect_conflict(
        s.reset_token(x.id, &d("t2"), &d("tp"), "collides", at(12)).await,
        Conflict::Token,
        "new digest taken",
    );
    assert_same(
        &by_token(s, "t2", at(12)).await.expect("a failed reset keeps the token"),
        &want,
    );
}

/// `delete_token` revokes one live token of the app; the grant goes with its last token.
pub async fn delete_token_revokes_one_token_of_the_app(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let x = app(s, "app-x").await;
    let y = app(s, "app-y").await;
    let a = create(s, oauth(&u, &x, Some("a"), "ta")).await;
    create(s, oauth(&u, &x, Some("b"), "tb")).await;
    create(s, pat(&u, "n", "tp")).await;
    let g = grant_of(&a);

    expect_not_found(s.delete_token(y.id, &d("ta"), at(1)).await, "another app");
    expect_not_found(s.delete_token(x.id, &d("tp"), at(1)).await, "a personal token");
    expect_not_found(s.delete_token(x.id, &d("unknown"), at(1)).await, "unknown token");
    assert!(by_token(s, "ta", at(1)).await.is_some());

    s.delete_token(x.id, &d("ta"), at(1)).await.expect("delete_token");
    assert!(by_token(s, "ta", at(1)).await.is_none());
    assert!(by_token(s, "tb", at(1)).await.is_some(), "other tokens stay");
    assert!(
        grant(s, &u, g, at(1)).await.is_some(),
        "the grant stays while it has a token"
    );
    expect_not_found(s.delete_token(x.id, &d("ta"), at(1)).await, "deleting twice");
    s.delete_token(x.id, &d("tb"), at(1)).await.expect("delete_token");
    assert!(
        grant(s, &u, g, at(1)).await.is_none(),
        "the grant went with its last token"
    );
    assert!(by_token(s, "tp", at(1)).await.is_some());
    let again = create(s, oauth(&u, &x, None, "tc").now(at(5))).await;
    let renewed = grant(s, &u, grant_of(&again), at(5)).await.expect("grant");
    assert_eq!(
        renewed.created_at,
        at(5),
        "authorising the app again makes a new grant (BEHAVIOR 48)"
    );
}

/// `delete_app_tokens` revokes every token and grant of the app, for every user, and says how
/// many tokens it revoked; the app itself stays.
pub async fn delete_app_tokens_revokes_every_token_of_the_app(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let v = user(s, "hubot").await;
    let x = app(s, "app-x").await;
    let y = app(s, "app-y").await;
    create(s, oauth(&u, &x, Some("a"), "ua")).await;
    create(s, oauth(&u, &x, Some("b"), "ub")).await;
    create(s, oauth(&v, &x, None, "va")).await;
    let uy = create(s, oauth(&u, &y, None, "uy")).await;
    create(s, pat(&u, "n", "up")).await;

    assert_eq!(s.delete_app_tokens(x.id).await.expect("delete_app_tokens"), 3);
    for token in ["ua", "ub", "va"] {
        assert!(by_token(s, token, at(1)).await.is_none(), "{token} revoked");
    }
    assert!(by_token(s, "uy", at(1)).await.is_some() && by_token(s, "up", at(1)).await.is_some());
    assert_eq!(grant_ids(s, &u, None, all(), at(1)).await, (vec![grant_of(&uy)], 1));
    assert_eq!(grant_ids(s, &v, None, all(), at(1)).await, (vec![], 0));
    assert!(
        s.app_by_client_id("app-x").await.expect("app_by_client_id").is_some(),
        "the app stays"
    );
    assert_eq!(
        s.delete_app_tokens(x.id).await.expect("delete_app_tokens"),
        0,
        "nothing left to revoke"
    );

    let again = create(s, oauth(&u, &x, Some("a"), "ua2").now(at(5))).await;
    let renewed = grant(s, &u, grant_of(&again), at(5))
        .await
        .expect("the app can be authorised again");
    assert_eq!(renewed.created_at, at(5), "as a new grant");
}

/// A grant's scopes are the normalised union of its live tokens' scopes (BEHAVIOR 47).
pub async fn grant_scopes_are_the_union_of_its_live_tokens_scopes(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let x = app(s, "app-x").await;
    let a = create(s, oauth(&u, &x, Some("a"), "ta").scopes("repo")).await;
    create(s, oauth(&u, &x, Some("b"), "tb").scopes("user,repo:status")).await;
    let g = grant_of(&a);
    assert_eq!(
        names(&grant(s, &u, g, at(1)).await.expect("grant").scopes),
        ["repo", "user"]
    );
    let listed = s.list_grants(u.id, None, all(), at(1)).await.expect("list_grants");
    assert_eq!(listed.items.len(), 1);
    assert_eq!(names(&listed.items[0].scopes), ["repo", "user"]);

    create(s, oauth(&u, &x, Some("c"), "tc").scopes("gist").expiring(at(100))).await;
    create(s, oauth(&u, &x, Some("d"), "td").scopes("")).await;
    assert_eq!(
        names(&grant(s, &u, g, at(50)).await.expect("grant").scopes),
        ["gist", "repo", "user"]
    );
    assert_eq!(
        names(&grant(s, &u, g, at(100)).await.expect("grant").scopes),
        ["repo", "user"]
    );
}

/// Grants are listed by id with the total of all pages, one per app, filtered by app
/// (BEHAVIOR 46, 49); another user's grant is not found.
pub async fn grants_are_listed_by_id_with_total_and_app_filter(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let v = user(s, "hubot").await;
    let a = app(s, "app-a").await;
    let b = app(s, "app-b").await;
    let c = app(s, "app-c").await;
    let d_app = app(s, "app-d").await;
    let gc = grant_of(&create(s, oauth(&u, &c, None, "uc").now(at(1))).await);
    let ga = grant_of(&create(s, oauth(&u, &a, None, "ua").now(at(2))).await);
    create(s, oauth(&u, &a, Some("2"), "ua2").now(at(3))).await;
    let gb = grant_of(&create(s, oauth(&u, &b, None, "ub").now(at(4))).await);
    create(s, pat(&u, "n", "up")).await;
    let gv = grant_of(&create(s, oauth(&v, &a, None, "va")).await);
    assert!(gc < ga && ga < gb, "ids grow with creation");

    assert_eq!(grant_ids(s, &u, None, page(1, 2), at(5)).await, (vec![gc, ga], 3));
    assert_eq!(grant_ids(s, &u, None, page(2, 2), at(5)).await, (vec![gb], 3));
    assert_eq!(grant_ids(s, &u, None, page(3, 2), at(5)).await, (vec![], 3));
    assert_eq!(grant_ids(s, &u, Some(a.id), all(), at(5)).await, (vec![ga], 1));
    assert_eq!(grant_ids(s, &u, Some(d_app.id), all(), at(5)).await, (vec![], 0));
    assert_eq!(grant_ids(s, &v, None, all(), at(5)).await, (vec![gv], 1));

    let listed = s
        .list_grants(u.id, Some(a.id), all(), at(5))
        .await
        .expect("list_grants");
    let got = &listed.items[0];
    assert_eq!((got.id, got.user_id), (ga, u.id));
    assert_eq!(got.app, a.summary());
    assert_eq!((got.created_at, got.updated_at), (at(2), at(3)));
    let fetched = grant(s, &u, ga, at(5)).await.expect("grant");
    assert_eq!(
        (fetched.id, &fetched.app, &fetched.scopes),
        (got.id, &got.app, &got.scopes)
    );

    assert!(grant(s, &v, ga, at(5)).await.is_none(), "another user's grant");
    assert!(grant(s, &u, gv, at(5)).await.is_none(), "another user's grant");
    assert!(
        grant(s, &u, GrantId(gv.0 + 1000), at(5)).await.is_none(),
        "unknown grant"
    );
}

/// Deleting a grant deletes every token of it (BEHAVIOR 48), and nothing else.
pub async fn delete_grant_deletes_its_tokens(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let v = user(s, "hubot").await;
    let x = app(s, "app-x").await;
    let y = app(s, "app-y").await;
    let g = grant_of(&create(s, oauth(&u, &x, Some("a"), "ta")).await);
    create(s, oauth(&u, &x, Some("b"), "tb")).await;
    let gy = grant_of(&create(s, oauth(&u, &y, None, "ty")).await);
    create(s, oauth(&v, &x, None, "tv")).await;
    create(s, pat(&u, "n", "tp")).await;

    expect_not_found(s.delete_grant(v.id, g).await, "another user's grant");
    assert!(by_token(s, "ta", at(1)).await.is_some());
    s.delete_grant(u.id, g).await.expect("delete_grant");
    assert!(by_token(s, "ta", at(1)).await.is_none() && by_token(s, "tb", at(1)).await.is_none());
    assert_eq!(list_ids(s, &u, Some(x.id), all(), at(1)).await, (vec![], 0));
    assert!(grant(s, &u, g, at(1)).await.is_none());
    assert_eq!(grant_ids(s, &u, None, all(), at(1)).await, (vec![gy], 1));
    for token in ["ty", "tv", "tp"] {
        assert!(by_token(s, token, at(1)).await.is_some(), "{token} stays");
    }
    expect_not_found(s.delete_grant(u.id, g).await, "deleting twice");
    let again = create(s, oauth(&u, &x, Some("a"), "ta2").now(at(5))).await;
    let renewed = grant(s, &u, grant_of(&again), at(5))
        .await
        .expect("the app can be authorised again");
    assert_eq!(renewed.created_at, at(5), "as a new grant");
}

/// Deleting the grant of a live token of the app deletes the grant with all its tokens
/// (BEHAVIOR 48, 52).
pub async fn delete_grant_by_token_deletes_the_grant_and_its_tokens(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let x = app(s, "app-x").await;
    let y = app(s, "app-y").await;
    let g = grant_of(&create(s, oauth(&u, &x, Some("a"), "ta")).await);
    create(s, oauth(&u, &x, Some("b"), "tb")).await;
    let gy = grant_of(&create(s, oauth(&u, &y, None, "ty")).await);
    create(s, pat(&u, "n", "tp")).await;

    expect_not_found(s.delete_grant_by_token(y.id, &d("ta"), at(1)).await, "another app");
    expect_not_found(s.delete_grant_by_token(x.id, &d("tp"), at(1)).await, "a personal token");
    expect_not_found(
        s.delete_grant_by_token(x.id, &d("unknown"), at(1)).await,
        "unknown token",
    );
    assert!(grant(s, &u, g, at(1)).await.is_some());

    s.delete_grant_by_token(x.id, &d("ta"), at(1))
        .await
        .expect("delete_grant_by_token");
    assert!(by_token(s, "ta", at(1)).await.is_none() && by_token(s, "tb", at(1)).await.is_none());
    assert!(grant(s, &u, g, at(1)).await.is_none());
    assert_eq!(grant_ids(s, &u, None, all(), at(1)).await, (vec![gy], 1));
    assert!(by_token(s, "ty", at(1)).await.is_some() && by_token(s, "tp", at(1)).await.is_some());
    expect_not_found(s.delete_grant_by_token(x.id, &d("ta"), at(1)).await, "deleting twice");
}

/// The readiness probe answers.
pub async fn ping_answers(store: Arc<dyn Store>) {
    store.ping().await.expect("ping");
}

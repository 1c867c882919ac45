//! Users: created and found by login in any case, listed, counted, given a new password hash or
//! e-mail address, deleted with their tokens and grants.

use crate::fixtures::{
    all, app, at, by_token, create, d, expect_conflict, expect_not_found, grant, grant_ids, grant_of, list_ids,
    new_user, oauth, pat, reload_user, user,
};
use grantd_core::model::{NewUser, UserId};
use grantd_core::store::{Conflict, Store};
use std::sync::Arc;

/// A user is found by id and by login in any case; a second login differing only in case is a
/// `Conflict::Login`.
async fn user_login_is_case_insensitive_and_unique(store: Arc<dyn Store>) {
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
async fn users_are_listed_by_id_and_counted(store: Arc<dyn Store>) {
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
async fn set_password_hash_replaces_the_hash(store: Arc<dyn Store>) {
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

/// Deleting a user deletes their tokens and grants, and nobody else's.
async fn delete_user_removes_their_tokens_and_grants(store: Arc<dyn Store>) {
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

/// Whether the e-mail address is verified is stored on creation and changed with the address by
/// `set_email`; every read of a user (by id, by login, listed, beside a token) sees it.
async fn email_and_its_verified_flag_round_trip(store: Arc<dyn Store>) {
    let s = &*store;
    let plain = user(s, "plain").await;
    assert!(!plain.email_verified);
    let verified = s
        .create_user(NewUser {
            email_verified: true,
            ..new_user("verified", at(0))
        })
        .await
        .expect("create_user");
    assert!(verified.email_verified);
    let x = app(s, "app-x").await;
    create(s, oauth(&verified, &x, None, "v-x")).await;
    let reads = |id: UserId| async move {
        let by_id = reload_user(s, id).await;
        let by_login = s
            .user_by_login(&by_id.login)
            .await
            .expect("user_by_login")
            .expect("found");
        let listed = s.list_users().await.expect("list_users");
        let listed = listed.into_iter().find(|u| u.id == id).expect("listed");
        let mut all = vec![by_id, by_login, listed];
        if let Some((_, owner)) = s.authorization_by_token(&d("v-x"), at(1)).await.expect("by token") {
            if owner.id == id {
                all.push(owner);
            }
        }
        all.into_iter().map(|u| (u.email, u.email_verified)).collect::<Vec<_>>()
    };
    let both = |email: Option<&str>, v: bool, n: usize| vec![(email.map(str::to_owned), v); n];
    assert_eq!(reads(verified.id).await, both(Some("verified@example.com"), true, 4));
    assert_eq!(reads(plain.id).await, both(Some("plain@example.com"), false, 3));

    s.set_email(verified.id, Some("new@example.org"), false, at(5))
        .await
        .expect("set_email");
    assert_eq!(reads(verified.id).await, both(Some("new@example.org"), false, 4));
    assert_eq!(reload_user(s, verified.id).await.updated_at, at(5));
    s.set_email(plain.id, Some("plain@example.com"), true, at(6))
        .await
        .expect("set_email");
    assert_eq!(reads(plain.id).await, both(Some("plain@example.com"), true, 3));
    s.set_email(plain.id, None, false, at(7)).await.expect("set_email");
    assert_eq!(reads(plain.id).await, both(None, false, 3));
    assert_eq!(
        reads(verified.id).await,
        both(Some("new@example.org"), false, 4),
        "other users are untouched"
    );
    expect_not_found(
        s.set_email(UserId(verified.id.0 + 1000), None, false, at(8)).await,
        "unknown user",
    );
}

store_tests!(
    user_login_is_case_insensitive_and_unique,
    email_and_its_verified_flag_round_trip,
    users_are_listed_by_id_and_counted,
    set_password_hash_replaces_the_hash,
    delete_user_removes_their_tokens_and_grants,
);

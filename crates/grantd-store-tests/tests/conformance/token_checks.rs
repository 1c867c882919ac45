//! What holds a token by its digest: the lookup with its owner, the app-side check, reset,
//! revocation of one token or of every token of an app.

use crate::fixtures::{
    all, app, assert_same, at, by_token, create, d, expect_conflict, expect_not_found, grant, grant_ids, grant_of,
    oauth, pat, user, With,
};
use grantd_core::model::App;
use grantd_core::store::{Conflict, Store, TokenForApp};
use std::sync::Arc;

/// A live token is found by its digest, with its owner.
async fn authorization_by_token_returns_the_token_and_its_owner(store: Arc<dyn Store>) {
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

/// A token check by an app (perhaps as a cache of the store held it) finds the token only while
/// the app still exists with the same secret.
async fn token_checks_confirm_their_app_as_of_the_token_read(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let x = app(s, "app-x").await;
    let y = app(s, "app-y").await;
    let ox = create(s, oauth(&u, &x, None, "tx")).await;
    create(s, oauth(&u, &y, None, "ty")).await;
    let check = |app: App, token: &'static str| async move {
        s.authorization_by_token_for_app(&app, &d(token), at(1))
            .await
            .expect("authorization_by_token_for_app")
    };
    // Read the app the way a request does, so that a store's cache holds it.
    assert!(s.app_by_client_id("app-x").await.expect("app_by_client_id").is_some());
    if let Some(cached) = s
        .cached_app_by_client_id("app-x")
        .await
        .expect("cached_app_by_client_id")
    {
        assert!(cached.same_credentials(&x), "a cache holds what was read");
    }
    match check(x.clone(), "tx").await {
        TokenForApp::Live(found) => assert_eq!((found.0.id, found.1.id), (ox.id, u.id)),
        other => panic!("the token is live: {other:?}"),
    }
    assert!(matches!(check(x.clone(), "nope").await, TokenForApp::Absent));
    // Another app's token is found too: whose it is, is the caller's to compare.
    assert!(matches!(check(x.clone(), "ty").await, TokenForApp::Live(_)));

    s.set_app_secret(x.id, &[0xAB; 32], at(2))
        .await
        .expect("set_app_secret");
    if let Some(cached) = s
        .cached_app_by_client_id("app-x")
        .await
        .expect("cached_app_by_client_id")
    {
        // A cache may still hold the old secret; it never makes the old secret good again.
        assert!(cached.same_credentials(&x) || cached.client_secret_digest == [0xAB; 32]);
    }
    let old = check(x.clone(), "tx").await;
    assert!(matches!(old, TokenForApp::AppChanged), "old secret: {old:?}");
    let rotated = s
        .app_by_client_id("app-x")
        .await
        .expect("app_by_client_id")
        .expect("the app");
    assert!(
        matches!(check(rotated.clone(), "tx").await, TokenForApp::Live(_)),
        "new secret"
    );
    assert!(
        matches!(check(y.clone(), "ty").await, TokenForApp::Live(_)),
        "other apps are untouched"
    );

    s.delete_app(x.id).await.expect("delete_app");
    assert!(matches!(check(rotated, "tx").await, TokenForApp::AppChanged), "removed");
}

/// Resetting replaces the token of the authorization: the old digest stops working in the same
/// call, and only the token's app may reset it (BEHAVIOR 51).
async fn reset_token_replaces_the_digest_atomically(store: Arc<dyn Store>) {
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
async fn delete_token_revokes_one_token_of_the_app(store: Arc<dyn Store>) {
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
async fn delete_app_tokens_revokes_every_token_of_the_app(store: Arc<dyn Store>) {
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

store_tests!(
    authorization_by_token_returns_the_token_and_its_owner,
    token_checks_confirm_their_app_as_of_the_token_read,
    reset_token_replaces_the_digest_atomically,
    delete_token_revokes_one_token_of_the_app,
    delete_app_tokens_revokes_every_token_of_the_app,
);

//! What holds a token by its digest: the lookup with its owner, the app-side check, reset,
//! revocation of one token or of every token of an app.

use crate::fixtures::{
    all, app, assert_same, at, by_token, create, d, expect_conflict, expect_not_found, grant, grant_ids, grant_of,
    oauth, pat, user, With,
};
use grantd_core::secret::TokenDigest;
use grantd_core::store::{AppTokenCheck, Conflict, Store};
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

/// A token check by an app reads the app as of the token read: a replaced secret or a removed app
/// is seen in the same answer as the token, even when a store's cache held the app before.
async fn token_checks_confirm_their_app_as_of_the_token_read(store: Arc<dyn Store>) {
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
async fn app_token_check_answers_the_app_and_the_live_token_apart(store: Arc<dyn Store>) {
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
    app_token_check_answers_the_app_and_the_live_token_apart,
    reset_token_replaces_the_digest_atomically,
    delete_token_revokes_one_token_of_the_app,
    delete_app_tokens_revokes_every_token_of_the_app,
);

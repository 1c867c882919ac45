//! Grants (BEHAVIOR 46-49): scopes as the union of the live tokens', listed by id with the app
//! filter, deleted with their tokens directly or through one of their tokens.

use crate::fixtures::{
    all, app, at, by_token, create, d, expect_not_found, grant, grant_ids, grant_of, list_ids, names, oauth, page, pat,
    user, With,
};
use grantd_core::model::GrantId;
use grantd_core::store::Store;
use std::sync::Arc;

/// A grant's scopes are the normalised union of its live tokens' scopes (BEHAVIOR 47).
async fn grant_scopes_are_the_union_of_its_live_tokens_scopes(store: Arc<dyn Store>) {
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
async fn grants_are_listed_by_id_with_total_and_app_filter(store: Arc<dyn Store>) {
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
async fn delete_grant_deletes_its_tokens(store: Arc<dyn Store>) {
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
async fn delete_grant_by_token_deletes_the_grant_and_its_tokens(store: Arc<dyn Store>) {
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

store_tests!(
    grant_scopes_are_the_union_of_its_live_tokens_scopes,
    grants_are_listed_by_id_with_total_and_app_filter,
    delete_grant_deletes_its_tokens,
    delete_grant_by_token_deletes_the_grant_and_its_tokens,
);

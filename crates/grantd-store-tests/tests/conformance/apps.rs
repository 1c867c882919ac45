//! OAuth apps: created and found by client id, listed, given a new secret, deleted with their
//! tokens and grants.

use crate::fixtures::{
    all, app, at, by_token, create, expect_conflict, expect_not_found, grant, grant_ids, grant_of, list_ids, new_app,
    oauth, pat, user,
};
use grantd_core::model::{AppId, ClientId, NewApp};
use grantd_core::store::{Conflict, Store};
use std::sync::Arc;

/// An app is found by its client id with every field; a taken client id is `Conflict::ClientId`.
async fn app_is_created_and_found_by_client_id(store: Arc<dyn Store>) {
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
async fn apps_are_listed_by_id(store: Arc<dyn Store>) {
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
async fn set_app_secret_replaces_the_digest(store: Arc<dyn Store>) {
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
async fn delete_app_removes_its_tokens_and_grants(store: Arc<dyn Store>) {
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

store_tests!(
    app_is_created_and_found_by_client_id,
    apps_are_listed_by_id,
    set_app_secret_replaces_the_digest,
    delete_app_removes_its_tokens_and_grants,
);

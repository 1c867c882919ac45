//! OAuth apps: created and found by client id, listed, changed (name, home page, callback URLs),
//! given a new secret, deleted with their tokens and grants.

use crate::fixtures::{
    all, app, at, by_token, create, d, expect_conflict, expect_not_found, grant, grant_ids, grant_of, list_ids,
    new_app, oauth, pat, url, user,
};
use grantd_core::model::{App, AppId, AppUpdate, ClientId, NewApp};
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
            a.callback_urls(),
            [url("https://abcdef0123456789abcd.example.com/callback")]
        );
        assert_eq!((a.created_at, a.updated_at), (at(3), at(3)));
    }
    let no_callback = s
        .create_app(NewApp {
            callbacks: Vec::new(),
            ..new_app("other", at(4))
        })
        .await
        .expect("create_app");
    assert!(no_callback.callback_urls().is_empty());
    let reloaded = s
        .app_by_client_id("other")
        .await
        .expect("app_by_client_id")
        .expect("found");
    assert!(reloaded.callback_urls().is_empty());
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

/// Every way an app is read, as callback URLs in the order given.
async fn callbacks_read_back(s: &dyn Store, client_id: &str) -> Vec<Vec<String>> {
    let strings = |a: &App| {
        a.callback_urls()
            .iter()
            .map(|u| u.as_str().to_owned())
            .collect::<Vec<_>>()
    };
    let by_id = s
        .app_by_client_id(client_id)
        .await
        .expect("app_by_client_id")
        .expect("found");
    let listed = s.list_apps().await.expect("list_apps");
    let listed = listed.iter().find(|a| a.client_id.0 == client_id).expect("listed");
    let checked = s
        .app_token_check(client_id, Some(&d("no such token")), at(1))
        .await
        .expect("app_token_check")
        .app
        .expect("the check finds the app");
    vec![strings(&by_id), strings(listed), strings(&checked)]
}

/// An app keeps several callback URLs in the order given, queries and ports included, through
/// every read (by client id, listed, in a token check).
async fn callbacks_keep_their_order_through_every_read(store: Arc<dyn Store>) {
    let s = &*store;
    let callbacks = [
        "https://example.com/cb?tenant=7",
        "http://127.0.0.1/callback",
        "http://localhost/",
        "com.example.app:/oauth",
        "https://a.example.com:8443/deep/path/",
    ];
    let created = s
        .create_app(NewApp {
            callbacks: callbacks.iter().map(|c| url(c)).collect(),
            ..new_app("many", at(0))
        })
        .await
        .expect("create_app");
    assert_eq!(
        created.callback_urls().iter().map(|u| u.as_str()).collect::<Vec<_>>(),
        callbacks
    );
    for read in callbacks_read_back(s, "many").await {
        assert_eq!(read, callbacks);
    }
}

/// `update_app` changes only what it is given; a new callback list replaces the old one (an
/// empty one removes them all); every read sees the change at once; an unknown app is
/// `NotFound`.
async fn update_app_changes_only_what_it_is_given(store: Arc<dyn Store>) {
    let s = &*store;
    let a = app(s, "aaa").await;
    let b = app(s, "bbb").await;
    // Read once first, so that a store keeping apps in a cache has this one in it.
    assert_eq!(
        callbacks_read_back(s, "aaa").await[0],
        ["https://aaa.example.com/callback"]
    );

    let renamed = s
        .update_app(
            a.id,
            &AppUpdate {
                name: Some("Renamed".into()),
                ..AppUpdate::default()
            },
            at(5),
        )
        .await
        .expect("update_app");
    assert_eq!(
        (renamed.name.as_str(), renamed.url.as_str()),
        ("Renamed", "https://aaa.example.com")
    );
    assert_eq!(renamed.callback_urls(), a.callback_urls());
    assert_eq!((renamed.created_at, renamed.updated_at), (at(0), at(5)));
    assert_eq!(renamed.client_secret_digest, a.client_secret_digest);

    let new = ["https://new.example.com/one", "http://127.0.0.1/two"];
    let moved = s
        .update_app(
            a.id,
            &AppUpdate {
                url: Some("https://new.example.com".into()),
                callbacks: Some(new.iter().map(|c| url(c)).collect()),
                ..AppUpdate::default()
            },
            at(6),
        )
        .await
        .expect("update_app");
    assert_eq!(
        (moved.name.as_str(), moved.url.as_str()),
        ("Renamed", "https://new.example.com")
    );
    for read in callbacks_read_back(s, "aaa").await {
        assert_eq!(read, new);
    }
    let found = s
        .app_by_client_id("aaa")
        .await
        .expect("app_by_client_id")
        .expect("found");
    assert_eq!((found.name.as_str(), found.updated_at), ("Renamed", at(6)));

    s.update_app(
        a.id,
        &AppUpdate {
            callbacks: Some(Vec::new()),
            ..AppUpdate::default()
        },
        at(7),
    )
    .await
    .expect("update_app");
    for read in callbacks_read_back(s, "aaa").await {
        assert!(read.is_empty(), "{read:?}");
    }
    let other = s
        .app_by_client_id("bbb")
        .await
        .expect("app_by_client_id")
        .expect("found");
    assert_eq!(
        (other.name.clone(), other.callback_urls(), other.updated_at),
        (b.name.clone(), b.callback_urls(), at(0)),
        "other apps are untouched"
    );
    expect_not_found(
        s.update_app(AppId(b.id.0 + 1000), &AppUpdate::default(), at(8))
            .await
            .map(|_| ()),
        "unknown app",
    );
}

store_tests!(
    app_is_created_and_found_by_client_id,
    callbacks_keep_their_order_through_every_read,
    update_app_changes_only_what_it_is_given,
    apps_are_listed_by_id,
    set_app_secret_replaces_the_digest,
    delete_app_removes_its_tokens_and_grants,
);

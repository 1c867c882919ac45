//! Get-or-create (BEHAVIOR 39): the existing authorization or exactly one new one, also under a
//! race of twenty callers.

use crate::fixtures::{
    all, app, assert_same, at, by_token, create, d, grant, grant_ids, grant_of, list_ids, oauth, user, With,
};
use grantd_core::model::{Authorization, NewAuthorization};
use grantd_core::store::Store;
use std::sync::Arc;
use tokio::sync::Barrier;

/// Get-or-create returns the user's authorization for the app and fingerprint with `false`, or
/// creates one and returns it with `true` (BEHAVIOR 39).
async fn get_or_create_returns_the_existing_authorization_or_creates_one(store: Arc<dyn Store>) {
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
async fn concurrent_get_or_create_creates_exactly_one(store: Arc<dyn Store>) {
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

store_tests!(get_or_create_returns_the_existing_authorization_or_creates_one);
store_tests!(multi_thread: concurrent_get_or_create_creates_exactly_one);

//! Creating tokens: personal tokens without a grant, app tokens with their grant, and the unique
//! rules (note, fingerprint, digest), alone and under simultaneous creates.

use crate::fixtures::{
    all, app, assert_same, at, by_token, create, d, expect_conflict, grant, grant_ids, grant_of, list_ids, names,
    oauth, pat, user, With,
};
use grantd_core::model::NewAuthorization;
use grantd_core::store::{Conflict, Store, StoreError};
use std::sync::Arc;
use tokio::sync::Barrier;

/// A personal access token keeps every field it was created with and belongs to no grant
/// (BEHAVIOR 49: personal tokens are not grants).
async fn personal_token_is_created_without_a_grant(store: Arc<dyn Store>) {
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
async fn app_token_is_created_with_its_grant(store: Arc<dyn Store>) {
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
async fn pat_note_is_unique_per_user(store: Arc<dyn Store>) {
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
async fn same_note_is_allowed_for_two_users(store: Arc<dyn Store>) {
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
async fn fingerprint_is_unique_per_user_and_app(store: Arc<dyn Store>) {
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
async fn token_digest_is_unique(store: Arc<dyn Store>) {
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

/// Simultaneous creates with one note (personal tokens) or one fingerprint (app tokens) succeed
/// exactly once; the others are the matching conflict.
async fn concurrent_creates_keep_notes_and_fingerprints_unique(store: Arc<dyn Store>) {
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

store_tests!(
    personal_token_is_created_without_a_grant,
    app_token_is_created_with_its_grant,
    pat_note_is_unique_per_user,
    same_note_is_allowed_for_two_users,
    fingerprint_is_unique_per_user_and_app,
    token_digest_is_unique,
);
store_tests!(multi_thread: concurrent_creates_keep_notes_and_fingerprints_unique);

//! Browser sessions and authorization codes: a session is found by its digest with its user,
//! marked used, completed after two-factor, deleted at sign-out, with its user and once over; a
//! code is taken at most once, however many exchanges race for it, and goes with its app.

use crate::fixtures::{app, at, scopes, user};
use grantd_core::model::{NewOAuthCode, NewSession, OAuthCode};
use grantd_core::store::Store;
use std::sync::Arc;
use tokio::sync::Barrier;

fn new_session(digest: u8, user: grantd_core::model::UserId, signed_in: bool) -> NewSession {
    NewSession {
        digest: [digest; 32],
        user_id: user,
        signed_in,
        now: at(100),
        expires_at: at(10_000),
    }
}

/// A session is found with its user, marked used (at most once a minute), completed, and
/// deleted; another digest finds nothing.
async fn a_session_is_found_used_completed_and_deleted(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = user(s, "alice").await;
    s.create_session(new_session(1, alice.id, false)).await.expect("create");
    let (session, owner) = s.use_session(&[1; 32], at(130)).await.expect("use").expect("found");
    assert_eq!((owner.id, owner.login.as_str()), (alice.id, "alice"));
    assert_eq!(
        (
            session.signed_in,
            session.created_at,
            session.last_seen_at,
            session.expires_at
        ),
        (false, at(100), at(100), at(10_000))
    );
    let (again, _) = s.use_session(&[1; 32], at(200)).await.expect("use").expect("found");
    assert_eq!(again.last_seen_at, at(100), "a use within a minute is not written");
    let (later, _) = s.use_session(&[1; 32], at(300)).await.expect("use").expect("found");
    assert_eq!(later.last_seen_at, at(200), "the use at 200 was written");
    s.complete_session(&[1; 32], at(310)).await.expect("complete");
    let (done, _) = s.use_session(&[1; 32], at(320)).await.expect("use").expect("found");
    assert!(done.signed_in);
    assert!(s.use_session(&[2; 32], at(320)).await.expect("use").is_none());
    assert!(matches!(
        s.complete_session(&[2; 32], at(320)).await,
        Err(grantd_core::store::StoreError::NotFound)
    ));
    s.delete_session(&[1; 32]).await.expect("delete");
    s.delete_session(&[1; 32]).await.expect("deleting none is fine");
    assert!(s.use_session(&[1; 32], at(330)).await.expect("use").is_none());
}

/// Sessions go with their user, by user, and once they are over.
async fn sessions_go_with_their_user_and_when_over(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = user(s, "alice").await;
    let bob = user(s, "bob").await;
    for (digest, who) in [(1, alice.id), (2, alice.id), (3, bob.id)] {
        s.create_session(new_session(digest, who, true)).await.expect("create");
    }
    assert_eq!(s.delete_user_sessions(alice.id).await.expect("delete"), 2);
    assert!(s.use_session(&[3; 32], at(150)).await.expect("use").is_some());
    s.create_session(NewSession {
        expires_at: at(500),
        ..new_session(4, bob.id, true)
    })
    .await
    .expect("create");
    // At 600 session 4 has ended; session 3 was last written as used at 100, which is not before
    // the idle limit given (100).
    assert_eq!(s.purge_sessions(at(600), at(100)).await.expect("purge"), 1);
    assert!(s.use_session(&[3; 32], at(600)).await.expect("use").is_some());
    assert_eq!(s.purge_sessions(at(600), at(700)).await.expect("purge"), 1);
    s.create_session(new_session(5, bob.id, true)).await.expect("create");
    s.delete_user(bob.id).await.expect("delete user");
    assert!(s.use_session(&[5; 32], at(150)).await.expect("use").is_none());
}

fn code(app: &grantd_core::model::App, user: &grantd_core::model::User) -> OAuthCode {
    OAuthCode {
        app_id: app.id,
        user_id: user.id,
        redirect_uri: "http://127.0.0.1:9999/cb?x=1".into(),
        scopes: scopes("repo,user"),
        code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
        created_at: at(100),
        expires_at: at(700),
    }
}

/// A code comes back as stored, once; expired codes are purged; codes go with their app.
async fn a_code_is_taken_once_and_purged_when_expired(store: Arc<dyn Store>) {
    let s = &*store;
    let alice = user(s, "alice").await;
    let an_app = app(s, "Iv1.0123456789abcdef").await;
    let stored = code(&an_app, &alice);
    s.create_code(NewOAuthCode {
        digest: [1; 32],
        code: stored.clone(),
    })
    .await
    .expect("create");
    assert_eq!(s.take_code(&[1; 32]).await.expect("take"), Some(stored.clone()));
    assert_eq!(s.take_code(&[1; 32]).await.expect("take"), None, "taken once");
    let without_pkce = OAuthCode {
        code_challenge: None,
        scopes: scopes(""),
        ..stored.clone()
    };
    s.create_code(NewOAuthCode {
        digest: [2; 32],
        code: without_pkce.clone(),
    })
    .await
    .expect("create");
    s.create_code(NewOAuthCode {
        digest: [3; 32],
        code: OAuthCode {
            expires_at: at(200),
            ..stored.clone()
        },
    })
    .await
    .expect("create");
    assert_eq!(s.purge_codes(at(300)).await.expect("purge"), 1);
    assert_eq!(s.take_code(&[2; 32]).await.expect("take"), Some(without_pkce));
    s.create_code(NewOAuthCode {
        digest: [4; 32],
        code: stored,
    })
    .await
    .expect("create");
    s.delete_app(an_app.id).await.expect("delete app");
    assert_eq!(s.take_code(&[4; 32]).await.expect("take"), None, "gone with its app");
}

/// Of many simultaneous exchanges of one code, exactly one gets it.
async fn racing_exchanges_take_a_code_once(store: Arc<dyn Store>) {
    const TASKS: usize = 12;
    let alice = user(&*store, "alice").await;
    let an_app = app(&*store, "Iv1.0123456789abcdef").await;
    store
        .create_code(NewOAuthCode {
            digest: [7; 32],
            code: code(&an_app, &alice),
        })
        .await
        .expect("create");
    let barrier = Arc::new(Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (store, barrier) = (Arc::clone(&store), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                store.take_code(&[7; 32]).await.expect("take").is_some()
            })
        })
        .collect();
    let mut taken = 0;
    for task in tasks {
        taken += usize::from(task.await.expect("task"));
    }
    assert_eq!(taken, 1);
}

store_tests!(
    a_session_is_found_used_completed_and_deleted,
    sessions_go_with_their_user_and_when_over,
    a_code_is_taken_once_and_purged_when_expired,
);
store_tests!(multi_thread: racing_exchanges_take_a_code_once);

//! Failed logins and lock-out: failures counted within the window lock the user at the maximum,
//! clearing forgets them, and simultaneous failures are all counted.

use crate::fixtures::{at, expect_not_found, reload_user, user, POLICY};
use grantd_core::model::UserId;
use grantd_core::store::{LockoutPolicy, Store};
use std::sync::Arc;
use tokio::sync::Barrier;

/// Failures within the window lock the user at the maximum, until `now + lock_seconds`.
async fn failed_logins_lock_the_user_at_the_maximum_within_the_window(store: Arc<dyn Store>) {
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
async fn failed_logins_outside_the_window_do_not_lock(store: Arc<dyn Store>) {
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
async fn clear_failed_logins_forgets_counted_failures(store: Arc<dyn Store>) {
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

/// Simultaneous failed logins are all counted (one atomic statement each).
async fn concurrent_failed_logins_are_all_counted(store: Arc<dyn Store>) {
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

store_tests!(
    failed_logins_lock_the_user_at_the_maximum_within_the_window,
    failed_logins_outside_the_window_do_not_lock,
    clear_failed_logins_forgets_counted_failures,
);
store_tests!(multi_thread: concurrent_failed_logins_are_all_counted);

//! Login attempts and lock-out: attempts are counted before the password is checked and refused
//! while the user is locked, failures counted within the window lock the user at the maximum,
//! successes decay the count, unlocking forgets it, unknown logins are counted alike, and simultaneous attempts are all counted and
//! never admitted past the maximum.

use crate::fixtures::{at, expect_not_found, reload_user, user, POLICY};
use grantd_core::model::UserId;
use grantd_core::store::{AttemptOutcome, LockoutPolicy, LoginAttempt, LoginTarget, Store};
use std::sync::Arc;
use tokio::sync::Barrier;

/// One failed login as the service makes it: an admitted attempt that failed. Whether the user
/// is now locked.
async fn fail(s: &dyn Store, id: UserId, now: time::OffsetDateTime, policy: &LockoutPolicy) -> bool {
    let attempt = s.begin_login_attempt(id.into(), now, policy).await.expect("begin");
    assert_eq!(
        attempt,
        LoginAttempt::Admitted,
        "an unlocked user's attempt is admitted"
    );
    s.end_login_attempt(id.into(), now, policy, AttemptOutcome::Failed)
        .await
        .expect("end")
}

/// Failures within the window lock the user at the maximum, until `now + lock_seconds`.
async fn failed_logins_lock_the_user_at_the_maximum_within_the_window(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    assert!(!fail(s, u.id, at(0), &POLICY).await);
    let after_one = reload_user(s, u.id).await;
    assert_eq!((after_one.failed_logins, after_one.locked_until), (1, None));
    assert!(!fail(s, u.id, at(10), &POLICY).await);
    assert_eq!(reload_user(s, u.id).await.locked_until, None);
    assert!(fail(s, u.id, at(20), &POLICY).await, "third failure in 60 s locks");
    let locked = reload_user(s, u.id).await;
    assert_eq!(locked.failed_logins, 3);
    assert_eq!(
        locked.locked_until,
        Some(at(320)),
        "locked for lock_seconds from the last failure"
    );
    expect_not_found(
        s.begin_login_attempt(UserId(u.id.0 + 1000).into(), at(0), &POLICY)
            .await,
        "unknown user",
    );
    expect_not_found(
        s.end_login_attempt(UserId(u.id.0 + 1000).into(), at(0), &POLICY, AttemptOutcome::Failed)
            .await,
        "unknown user",
    );
}

/// Failures further apart than the window never add up to a lock-out.
async fn failed_logins_outside_the_window_do_not_lock(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    assert!(!fail(s, u.id, at(0), &POLICY).await);
    assert!(!fail(s, u.id, at(30), &POLICY).await);
    // More than 60 s after every earlier failure: counting starts over.
    assert!(!fail(s, u.id, at(100), &POLICY).await, "earlier failures expired");
    let reloaded = reload_user(s, u.id).await;
    assert_eq!((reloaded.failed_logins, reloaded.locked_until), (1, None));
    assert!(!fail(s, u.id, at(110), &POLICY).await);
    assert!(fail(s, u.id, at(120), &POLICY).await, "three in the new window");
    assert_eq!(reload_user(s, u.id).await.locked_until, Some(at(420)));
}

/// `unlock_user` lifts the lock and forgets the counted failures.
async fn unlock_lifts_the_lock_and_forgets_counted_failures(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let other = user(s, "hubot").await;
    s.unlock_user(u.id).await.expect("unlocking an unlocked user is fine");
    for t in [0, 1, 2] {
        fail(s, u.id, at(t), &POLICY).await;
    }
    assert!(reload_user(s, u.id).await.locked_until.is_some());
    assert!(!fail(s, other.id, at(1), &POLICY).await);
    s.unlock_user(u.id).await.expect("unlock_user");
    let unlocked = reload_user(s, u.id).await;
    assert_eq!((unlocked.failed_logins, unlocked.locked_until), (0, None));
    assert_eq!(
        reload_user(s, other.id).await.failed_logins,
        1,
        "other users keep their count"
    );
    assert!(!fail(s, u.id, at(3), &POLICY).await);
    assert!(!fail(s, u.id, at(4), &POLICY).await, "two failures since unlocking");
    assert!(fail(s, u.id, at(5), &POLICY).await, "three failures since unlocking");
    expect_not_found(s.unlock_user(UserId(u.id.0 + 1000)).await, "unknown user");
}

/// A login no user has is counted and locked like a user's: the same answers at the same
/// attempts, whatever its case; other unknown logins and users are not affected; and its state
/// is deleted once its window and lock are over.
async fn unknown_logins_are_counted_and_locked_like_users(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let answers = |target: LoginTarget<'static>| async move {
        let mut seen = Vec::new();
        for t in 0..5 {
            let attempt = s.begin_login_attempt(target, at(t), &POLICY).await.expect("begin");
            let locked = if attempt == LoginAttempt::Admitted {
                s.end_login_attempt(target, at(t), &POLICY, AttemptOutcome::Failed)
                    .await
                    .expect("end")
            } else {
                true
            };
            seen.push((attempt, locked));
        }
        seen
    };
    let known = answers(LoginTarget::User(u.id)).await;
    let unknown = answers(LoginTarget::Unknown("ghost")).await;
    assert_eq!(known, unknown, "a known and an unknown login answer alike");
    assert_eq!(unknown[3], (LoginAttempt::Locked, true));
    let other = s
        .begin_login_attempt(LoginTarget::Unknown("spectre"), at(5), &POLICY)
        .await
        .expect("begin");
    assert_eq!(other, LoginAttempt::Admitted, "another unknown login is not locked");
    assert_eq!(
        s.purge_unknown_logins(at(50), &POLICY).await.expect("purge"),
        0,
        "nothing is over yet"
    );
    assert_eq!(
        s.begin_login_attempt(LoginTarget::Unknown("ghost"), at(301), &POLICY)
            .await
            .expect("begin"),
        LoginAttempt::Locked,
        "still locked"
    );
    // At 400 both windows (60 s) and ghost's lock (until 302) are over.
    assert_eq!(s.purge_unknown_logins(at(400), &POLICY).await.expect("purge"), 2);
    assert_eq!(
        s.begin_login_attempt(LoginTarget::Unknown("ghost"), at(400), &POLICY)
            .await
            .expect("begin"),
        LoginAttempt::Admitted,
        "counting starts over"
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
                fail(&*store, u.id, at(0), &policy).await
            })
        })
        .collect();
    for task in tasks {
        assert!(!task.await.expect("task"));
    }
    assert_eq!(reload_user(&*store, u.id).await.failed_logins, 12);
}

/// While the user is locked an attempt is refused and changes nothing; once the lock is over,
/// counting starts in a new window.
async fn a_locked_user_is_refused_without_counting(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    for t in [0, 1, 2] {
        fail(s, u.id, at(t), &POLICY).await;
    }
    let locked = reload_user(s, u.id).await;
    assert_eq!((locked.failed_logins, locked.locked_until), (3, Some(at(302))));
    for t in [3, 100, 301] {
        let attempt = s.begin_login_attempt(u.id.into(), at(t), &POLICY).await.expect("begin");
        assert_eq!(attempt, LoginAttempt::Locked, "at {t}");
    }
    let unchanged = reload_user(s, u.id).await;
    assert_eq!((unchanged.failed_logins, unchanged.locked_until), (3, Some(at(302))));
    assert_eq!(
        s.begin_login_attempt(u.id.into(), at(302), &POLICY)
            .await
            .expect("begin"),
        LoginAttempt::Admitted,
        "the lock is over at its end"
    );
    assert_eq!(reload_user(s, u.id).await.failed_logins, 1, "a new window");
}

/// The attempt that brings the count past the maximum locks the user and is refused, even while
/// the attempts before it are still being checked.
async fn the_attempt_past_the_maximum_locks_the_user(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    for _ in 0..3 {
        let attempt = s.begin_login_attempt(u.id.into(), at(5), &POLICY).await.expect("begin");
        assert_eq!(attempt, LoginAttempt::Admitted);
    }
    assert_eq!(reload_user(s, u.id).await.locked_until, None, "three pending attempts");
    assert_eq!(
        s.begin_login_attempt(u.id.into(), at(6), &POLICY).await.expect("begin"),
        LoginAttempt::Locked
    );
    assert_eq!(reload_user(s, u.id).await.locked_until, Some(at(306)));
}

/// A success gives back its own attempt and one earlier failure; a withdrawn attempt gives back
/// its own; the count never goes below zero.
async fn successes_decay_the_count_and_withdrawn_attempts_are_given_back(store: Arc<dyn Store>) {
    let s = &*store;
    let id = user(s, "octocat").await.id;
    let settle = |outcome| async move {
        let attempt = s.begin_login_attempt(id.into(), at(0), &POLICY).await.expect("begin");
        assert_eq!(attempt, LoginAttempt::Admitted);
        s.end_login_attempt(id.into(), at(0), &POLICY, outcome)
            .await
            .expect("end")
    };
    assert!(!settle(AttemptOutcome::Failed).await);
    assert!(!settle(AttemptOutcome::Failed).await);
    assert!(!settle(AttemptOutcome::Withdrawn).await);
    assert_eq!(reload_user(s, id).await.failed_logins, 2, "withdrawn: given back");
    assert!(!settle(AttemptOutcome::Succeeded).await);
    assert_eq!(
        reload_user(s, id).await.failed_logins,
        1,
        "a success forgives one failure"
    );
    assert!(!settle(AttemptOutcome::Succeeded).await);
    assert!(!settle(AttemptOutcome::Succeeded).await);
    assert_eq!(reload_user(s, id).await.failed_logins, 0, "never below zero");
    for _ in 0..3 {
        settle(AttemptOutcome::Failed).await;
    }
    assert!(
        reload_user(s, id).await.locked_until.is_some(),
        "counting goes on from there"
    );
}

/// Simultaneous attempts are admitted at most the maximum number of times, on every instance
/// together: the rest are refused and the user is locked.
async fn concurrent_attempts_never_exceed_the_maximum(store: Arc<dyn Store>) {
    const TASKS: usize = 24;
    let u = user(&*store, "octocat").await;
    let policy = LockoutPolicy {
        max_failures: 5,
        ..POLICY
    };
    let barrier = Arc::new(Barrier::new(TASKS));
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let store = Arc::clone(&store);
            let barrier = Arc::clone(&barrier);
            tokio::spawn(async move {
                barrier.wait().await;
                store.begin_login_attempt(u.id.into(), at(0), &policy).await
            })
        })
        .collect();
    let mut admitted = 0;
    for task in tasks {
        if task.await.expect("task").expect("begin_login_attempt") == LoginAttempt::Admitted {
            admitted += 1;
        }
    }
    assert_eq!(admitted, 5, "exactly the maximum admitted");
    assert_eq!(reload_user(&*store, u.id).await.locked_until, Some(at(300)));
}

store_tests!(
    a_locked_user_is_refused_without_counting,
    the_attempt_past_the_maximum_locks_the_user,
    successes_decay_the_count_and_withdrawn_attempts_are_given_back,
    failed_logins_lock_the_user_at_the_maximum_within_the_window,
    failed_logins_outside_the_window_do_not_lock,
    unlock_lifts_the_lock_and_forgets_counted_failures,
    unknown_logins_are_counted_and_locked_like_users,
);
store_tests!(multi_thread: concurrent_failed_logins_are_all_counted, concurrent_attempts_never_exceed_the_maximum);

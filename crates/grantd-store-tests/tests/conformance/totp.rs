//! Two-factor seeds and steps: the sealed seed is set and cleared, and a TOTP step older than the
//! newest accepted one is refused (BEHAVIOR 80).

use crate::fixtures::{at, expect_not_found, reload_user, user};
use grantd_core::model::UserId;
use grantd_core::store::Store;
use std::sync::Arc;

/// `set_totp` stores and clears the sealed seed and starts the accepted steps over.
async fn set_totp_sets_and_clears_the_seed_and_restarts_the_steps(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    s.set_totp(u.id, Some(&[1, 2, 3]), at(5)).await.expect("set_totp");
    let reloaded = reload_user(s, u.id).await;
    assert_eq!(reloaded.totp_sealed.as_deref(), Some(&[1u8, 2, 3][..]));
    assert!(reloaded.two_factor_enabled());
    assert_eq!(reloaded.updated_at, at(5));

    assert!(s.accept_totp_step(u.id, 1000).await.expect("accept_totp_step"));
    assert_eq!(reload_user(s, u.id).await.totp_last_step, 1000);
    s.set_totp(u.id, Some(&[4, 5]), at(6)).await.expect("set_totp");
    let reloaded = reload_user(s, u.id).await;
    assert_eq!(reloaded.totp_sealed.as_deref(), Some(&[4u8, 5][..]));
    assert_eq!(reloaded.totp_last_step, 0, "a new seed starts its steps over");
    assert!(
        s.accept_totp_step(u.id, 10).await.expect("accept_totp_step"),
        "an older step is fine with a new seed"
    );

    s.set_totp(u.id, None, at(7)).await.expect("set_totp");
    let reloaded = reload_user(s, u.id).await;
    assert!(reloaded.totp_sealed.is_none());
    assert!(!reloaded.two_factor_enabled());
    assert_eq!(reloaded.updated_at, at(7));
    expect_not_found(s.set_totp(UserId(u.id.0 + 1000), None, at(8)).await, "unknown user");
}

/// A TOTP step older than the newest accepted one is refused; the same step is accepted again
/// (BEHAVIOR 80: clients reuse a code within its window).
async fn accept_totp_step_refuses_older_steps_and_accepts_the_same_step_again(store: Arc<dyn Store>) {
    let s = &*store;
    let u = user(s, "octocat").await;
    let other = user(s, "hubot").await;
    s.set_totp(u.id, Some(&[1]), at(0)).await.expect("set_totp");
    assert!(s.accept_totp_step(u.id, 100).await.expect("accept"));
    assert!(
        s.accept_totp_step(u.id, 100).await.expect("accept"),
        "the same step twice"
    );
    assert!(!s.accept_totp_step(u.id, 99).await.expect("accept"), "an older step");
    assert_eq!(
        reload_user(s, u.id).await.totp_last_step,
        100,
        "a refused step changes nothing"
    );
    assert!(s.accept_totp_step(u.id, 101).await.expect("accept"));
    assert!(
        !s.accept_totp_step(u.id, 100).await.expect("accept"),
        "the step before the newest"
    );
    assert_eq!(reload_user(s, u.id).await.totp_last_step, 101);
    assert!(
        s.accept_totp_step(other.id, 50).await.expect("accept"),
        "steps are per user"
    );
}

store_tests!(
    set_totp_sets_and_clears_the_seed_and_restarts_the_steps,
    accept_totp_step_refuses_older_steps_and_accepts_the_same_step_again,
);

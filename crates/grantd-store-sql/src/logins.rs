//! Login attempts: counting an attempt before its password is checked (atomically with the lock
//! check), settling it afterwards, forgetting counted failures, and the newest accepted TOTP
//! step. Each is one statement, so concurrent attempts on many instances count as one sequence.

use crate::args;
use crate::backend::{read, Backend};
use crate::exec::{execute, optional};
use crate::rows::ts;
use grantd_core::model::UserId;
use grantd_core::store::{AttemptOutcome, LockoutPolicy, LoginAttempt, StoreError, StoreResult};
use time::OffsetDateTime;

/// Counts a login attempt unless the user is locked; locks the user when the count passes the
/// maximum. `$1` now, `$2` window, `$3` maximum, `$4` lock length, `$5` user.
///
/// Both databases evaluate every SET expression against the old row, so "locked" (L), "a new
/// window" (W) and the new count (N) are spelled out where each decision needs them. A locked
/// user's row keeps every value. In PostgreSQL concurrent attempts queue on the row lock and each
/// re-evaluates the statement against the row the previous one committed (READ COMMITTED); in
/// SQLite writes are serial: either way no two attempts see the same count.
const BEGIN_ATTEMPT: &str = "UPDATE users SET \
       failed_logins = CASE WHEN locked_until IS NOT NULL AND locked_until > $1 THEN failed_logins \
                            WHEN failed_window_start IS NULL OR failed_window_start <= $1 - $2 THEN 1 \
                            ELSE failed_logins + 1 END, \
       failed_window_start = CASE WHEN locked_until IS NOT NULL AND locked_until > $1 THEN failed_window_start \
                                  WHEN failed_window_start IS NULL OR failed_window_start <= $1 - $2 THEN $1 \
                                  ELSE failed_window_start END, \
       locked_until = CASE WHEN locked_until IS NOT NULL AND locked_until > $1 THEN locked_until \
                           WHEN (CASE WHEN failed_window_start IS NULL OR failed_window_start <= $1 - $2 THEN 1 \
                                      ELSE failed_logins + 1 END) > $3 THEN $1 + $4 \
                           ELSE locked_until END \
     WHERE id = $5 RETURNING locked_until";

/// Counts a login attempt before its password is checked; see
/// [`UserStore::begin_login_attempt`](grantd_core::store::UserStore::begin_login_attempt).
pub async fn begin_login_attempt<B: Backend>(
    b: &B,
    id: UserId,
    now: OffsetDateTime,
    policy: &LockoutPolicy,
) -> StoreResult<LoginAttempt> {
    let args = args![
        ts(now),
        policy.window_seconds,
        policy.max_failures,
        policy.lock_seconds,
        id.0
    ];
    let row: Option<(Option<i64>,)> = optional::<B, _>(&mut *read(b).await?, BEGIN_ATTEMPT, &args).await?;
    let (locked_until,) = row.ok_or(StoreError::NotFound)?;
    Ok(if locked_until.is_some_and(|until| until > ts(now)) {
        LoginAttempt::Locked
    } else {
        LoginAttempt::Admitted
    })
}

/// Settles an admitted attempt; see
/// [`UserStore::end_login_attempt`](grantd_core::store::UserStore::end_login_attempt).
pub async fn end_login_attempt<B: Backend>(
    b: &B,
    id: UserId,
    now: OffsetDateTime,
    policy: &LockoutPolicy,
    outcome: AttemptOutcome,
) -> StoreResult<bool> {
    // A failure is counted already; it sets the lock (from now, as the last failure) once the
    // count has reached the maximum, so the lock lasts from the failure that completed it.
    const FAILED: &str = "UPDATE users SET \
           locked_until = CASE WHEN failed_logins >= $2 THEN $1 + $3 ELSE locked_until END \
         WHERE id = $4 RETURNING locked_until";
    // A success or a withdrawn attempt gives back `$1` counted attempts (never below zero).
    const GIVE_BACK: &str = "UPDATE users SET \
           failed_logins = CASE WHEN failed_logins > $1 THEN failed_logins - $1 ELSE 0 END \
         WHERE id = $2 RETURNING locked_until";
    let mut conn = read(b).await?;
    let row: Option<(Option<i64>,)> = match outcome {
        AttemptOutcome::Failed => {
            let args = args![ts(now), policy.max_failures, policy.lock_seconds, id.0];
            optional::<B, _>(&mut conn, FAILED, &args).await?
        }
        // Its own attempt and one earlier failure: a success decays the count instead of zeroing
        // it, so the owner's next login does not wipe out a guesser's failures (each success
        // forgives one), while a user who mistypes now and then never drifts towards the lock.
        AttemptOutcome::Succeeded => optional::<B, _>(&mut conn, GIVE_BACK, &args![2_i64, id.0]).await?,
        AttemptOutcome::Withdrawn => optional::<B, _>(&mut conn, GIVE_BACK, &args![1_i64, id.0]).await?,
    };
    let (locked_until,) = row.ok_or(StoreError::NotFound)?;
    Ok(locked_until.is_some_and(|until| until > ts(now)))
}

/// Forgets counted failures.
pub async fn clear_failed_logins<B: Backend>(b: &B, id: UserId) -> StoreResult<()> {
    const SQL: &str = "UPDATE users SET failed_logins = 0, failed_window_start = NULL WHERE id = $1";
    execute::<B>(&mut *read(b).await?, SQL, &args![id.0]).await?;
    Ok(())
}

/// Records the accepted TOTP `step` unless a newer one was accepted: a conditional update, so
/// of two racing codes the older step loses once the newer one is committed.
pub async fn accept_totp_step<B: Backend>(b: &B, id: UserId, step: i64) -> StoreResult<bool> {
    const SQL: &str = "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step <= $1";
    Ok(execute::<B>(&mut *read(b).await?, SQL, &args![step, id.0]).await? == 1)
}

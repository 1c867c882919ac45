//! Login attempts: counting failed logins into a lock-out, forgetting them, and the newest
//! accepted TOTP step. Each is one statement, so concurrent requests on many instances count
//! as one sequence.

use crate::args;
use crate::backend::{read, Backend};
use crate::exec::{execute, optional};
use crate::rows::ts;
use grantd_core::model::UserId;
use grantd_core::store::{LockoutPolicy, StoreError, StoreResult};
use time::OffsetDateTime;

/// Counts a failed login; whether the user is now locked.
pub async fn record_failed_login<B: Backend>(
    b: &B,
    id: UserId,
    now: OffsetDateTime,
    policy: &LockoutPolicy,
) -> StoreResult<bool> {
    // Both databases evaluate every SET expression against the old row, so the new count is
    // spelled out where the lock decision needs it. In PostgreSQL concurrent failures queue on the
    // row lock and each re-evaluates the statement against the row the previous one committed
    // (READ COMMITTED), so every failure is counted.
    const SQL: &str = "UPDATE users SET \
           failed_logins = CASE WHEN failed_window_start IS NULL OR failed_window_start <= $1 - $2 \
                                THEN 1 ELSE failed_logins + 1 END, \
           failed_window_start = CASE WHEN failed_window_start IS NULL OR failed_window_start <= $1 - $2 \
                                      THEN $1 ELSE failed_window_start END, \
           locked_until = CASE WHEN (CASE WHEN failed_window_start IS NULL OR failed_window_start <= $1 - $2 \
                                          THEN 1 ELSE failed_logins + 1 END) >= $3 \
                               THEN $1 + $4 ELSE locked_until END \
         WHERE id = $5 RETURNING locked_until";
    let args = args![
        ts(now),
        policy.window_seconds,
        policy.max_failures,
        policy.lock_seconds,
        id.0
    ];
    let row: Option<(Option<i64>,)> = optional::<B, _>(&mut *read(b).await?, SQL, &args).await?;
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

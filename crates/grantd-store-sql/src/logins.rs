//! Login attempts: counting an attempt before its password is checked (atomically with the lock
//! check), settling it afterwards, for known logins and unknown ones alike; lifting a lock;
//! forgetting unknown logins' state once it is over; and the newest accepted TOTP step. Each
//! count is one statement, so concurrent attempts on many instances count as one sequence.

use crate::args;
use crate::backend::{read, Backend, Conn};
use crate::exec::{execute, optional, Arg};
use crate::rows::ts;
use grantd_core::store::{AttemptOutcome, LockoutPolicy, LoginAttempt, LoginTarget, StoreError, StoreResult};
use time::OffsetDateTime;

/// The statements on one table of login state: `users` (by `id`) for known logins, and
/// `unknown_logins` (by `login_key`) for logins no user has, which are counted and locked alike
/// so that the lock-out does not tell which logins exist. Both tables have the columns
/// `failed_logins`, `failed_window_start` and `locked_until`; each statement is written once,
/// below, for both.
macro_rules! attempt_statements {
    ($table:literal, $key:literal) => {
        Statements {
            // Counts a login attempt unless the login is locked; locks it when the count passes
            // the maximum. `$1` now, `$2` window, `$3` maximum, `$4` lock length, `$5` key.
            //
            // Both databases evaluate every SET expression against the old row, so "locked" (L),
            // "a new window" (W) and the new count (N) are spelled out where each decision needs
            // them. A locked row keeps every value. In PostgreSQL concurrent attempts queue on the
            // row lock and each re-evaluates the statement against the row the previous one
            // committed (READ COMMITTED); in SQLite writes are serial: either way no two attempts
            // see the same count.
            begin: concat!(
                "UPDATE ", $table, " SET \
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
                 WHERE ", $key, " = $5 RETURNING locked_until"
            ),
            // A failure is counted already; it sets the lock (from now, as the last failure) once
            // the count has reached the maximum, so the lock lasts from the failure that
            // completed it. `$1` now, `$2` maximum, `$3` lock length, `$4` key.
            failed: concat!(
                "UPDATE ", $table, " SET \
                   locked_until = CASE WHEN failed_logins >= $2 THEN $1 + $3 ELSE locked_until END \
                 WHERE ", $key, " = $4 RETURNING locked_until"
            ),
            // A success or a withdrawn attempt gives back `$1` counted attempts (never below zero).
            give_back: concat!(
                "UPDATE ", $table, " SET \
                   failed_logins = CASE WHEN failed_logins > $1 THEN failed_logins - $1 ELSE 0 END \
                 WHERE ", $key, " = $2 RETURNING locked_until"
            ),
        }
    };
}

/// The statements on one table of login state (see [`attempt_statements`]).
struct Statements {
    begin: &'static str,
    failed: &'static str,
    give_back: &'static str,
}

const USERS: Statements = attempt_statements!("users", "id");
const UNKNOWN: Statements = attempt_statements!("unknown_logins", "login_key");

/// The statements for `target` and its key argument; for an unknown login, its row is made
/// first if missing (a row is only ever counted by the conditional statements above).
async fn prepare<'a, B: Backend>(
    conn: &mut Conn<B>,
    target: LoginTarget<'a>,
) -> StoreResult<(&'static Statements, Arg<'a>)> {
    const MAKE_UNKNOWN: &str =
        "INSERT INTO unknown_logins (login_key, failed_logins) VALUES ($1, 0) ON CONFLICT (login_key) DO NOTHING";
    Ok(match target {
        LoginTarget::User(id) => (&USERS, Arg::from(id.0)),
        LoginTarget::Unknown(key) => {
            execute::<B>(conn, MAKE_UNKNOWN, &args![key]).await?;
            (&UNKNOWN, Arg::from(key))
        }
    })
}

/// Counts a login attempt before its password is checked; see
/// [`UserStore::begin_login_attempt`](grantd_core::store::UserStore::begin_login_attempt).
pub async fn begin_login_attempt<B: Backend>(
    b: &B,
    target: LoginTarget<'_>,
    now: OffsetDateTime,
    policy: &LockoutPolicy,
) -> StoreResult<LoginAttempt> {
    let mut conn = read(b).await?;
    let (sql, key) = prepare::<B>(&mut conn, target).await?;
    let args = [
        Arg::from(ts(now)),
        Arg::from(policy.window_seconds),
        Arg::from(policy.max_failures),
        Arg::from(policy.lock_seconds),
        key,
    ];
    let row: Option<(Option<i64>,)> = optional::<B, _>(&mut conn, sql.begin, &args).await?;
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
    target: LoginTarget<'_>,
    now: OffsetDateTime,
    policy: &LockoutPolicy,
    outcome: AttemptOutcome,
) -> StoreResult<bool> {
    let mut conn = read(b).await?;
    let (sql, key) = prepare::<B>(&mut conn, target).await?;
    let row: Option<(Option<i64>,)> = match outcome {
        AttemptOutcome::Failed => {
            let args = [
                Arg::from(ts(now)),
                Arg::from(policy.max_failures),
                Arg::from(policy.lock_seconds),
                key,
            ];
            optional::<B, _>(&mut conn, sql.failed, &args).await?
        }
        // Its own attempt and one earlier failure: a success decays the count instead of zeroing
        // it, so the owner's next login does not wipe out a guesser's failures (each success
        // forgives one), while a user who mistypes now and then never drifts towards the lock.
        AttemptOutcome::Succeeded => optional::<B, _>(&mut conn, sql.give_back, &[Arg::from(2_i64), key]).await?,
        AttemptOutcome::Withdrawn => optional::<B, _>(&mut conn, sql.give_back, &[Arg::from(1_i64), key]).await?,
    };
    let (locked_until,) = row.ok_or(StoreError::NotFound)?;
    Ok(locked_until.is_some_and(|until| until > ts(now)))
}

/// Forgets counted failures and lifts a lock.
pub async fn unlock_user<B: Backend>(b: &B, id: grantd_core::model::UserId) -> StoreResult<()> {
    const SQL: &str =
        "UPDATE users SET failed_logins = 0, failed_window_start = NULL, locked_until = NULL WHERE id = $1";
    if execute::<B>(&mut *read(b).await?, SQL, &args![id.0]).await? == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Forgets the state of unknown logins whose window and lock are both over; how many.
pub async fn purge_unknown_logins<B: Backend>(b: &B, now: OffsetDateTime, policy: &LockoutPolicy) -> StoreResult<u64> {
    const SQL: &str = "DELETE FROM unknown_logins \
         WHERE (locked_until IS NULL OR locked_until <= $1) \
           AND (failed_window_start IS NULL OR failed_window_start <= $1 - $2)";
    execute::<B>(&mut *read(b).await?, SQL, &args![ts(now), policy.window_seconds]).await
}

/// Records the accepted TOTP `step` unless a newer one was accepted: a conditional update, so
/// of two racing codes the older step loses once the newer one is committed.
pub async fn accept_totp_step<B: Backend>(b: &B, id: grantd_core::model::UserId, step: i64) -> StoreResult<bool> {
    const SQL: &str = "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND totp_last_step <= $1";
    Ok(execute::<B>(&mut *read(b).await?, SQL, &args![step, id.0]).await? == 1)
}

//! Browser sessions: created at sign-in, read (and marked used) on every page, completed after a
//! two-factor code, deleted at sign-out, with their user, or once over.

use crate::backend::{read, Backend};
use crate::exec::{execute, found, optional};
use crate::rows::{ts, SessionRow};
use crate::{args, owner_columns};
use grantd_core::model::{NewSession, Session, User, UserId};
use grantd_core::store::StoreResult;
use time::OffsetDateTime;

/// How stale `last_seen_at` may get before a use writes it again: a page view need not be a
/// write, and the idle limit is far longer than this.
const TOUCH_AFTER_SECONDS: i64 = 60;

/// Stores a new session.
pub async fn create_session<B: Backend>(b: &B, new: NewSession) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO sessions (digest, user_id, signed_in, created_at, last_seen_at, expires_at) \
                       VALUES ($1, $2, $3, $4, $4, $5)";
    let args = args![
        &new.digest[..],
        new.user_id.0,
        i64::from(new.signed_in),
        ts(new.now),
        ts(new.expires_at)
    ];
    execute::<B>(&mut *read(b).await?, SQL, &args).await?;
    Ok(())
}

/// The session `digest` with its user, as it was before this use; marks it used at `now`.
pub async fn use_session<B: Backend>(
    b: &B,
    digest: &[u8; 32],
    now: OffsetDateTime,
) -> StoreResult<Option<(Session, User)>> {
    const SQL: &str = concat!(
        "SELECT s.digest AS s_digest, s.user_id AS s_user_id, s.signed_in AS s_signed_in, \
         s.created_at AS s_created_at, s.last_seen_at AS s_last_seen_at, s.expires_at AS s_expires_at, ",
        owner_columns!(),
        " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.digest = $1"
    );
    const TOUCH: &str = "UPDATE sessions SET last_seen_at = $2 WHERE digest = $1 AND last_seen_at < $2 - $3";
    let mut conn = read(b).await?;
    let row: Option<SessionRow> = optional::<B, _>(&mut conn, SQL, &args![&digest[..]]).await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let found = row.try_into()?;
    execute::<B>(&mut conn, TOUCH, &args![&digest[..], ts(now), TOUCH_AFTER_SECONDS]).await?;
    Ok(Some(found))
}

/// Completes a pending sign-in.
pub async fn complete_session<B: Backend>(b: &B, digest: &[u8; 32], now: OffsetDateTime) -> StoreResult<()> {
    const SQL: &str = "UPDATE sessions SET signed_in = 1, last_seen_at = $2 WHERE digest = $1";
    found(execute::<B>(&mut *read(b).await?, SQL, &args![&digest[..], ts(now)]).await?)
}

/// Deletes a session.
pub async fn delete_session<B: Backend>(b: &B, digest: &[u8; 32]) -> StoreResult<()> {
    execute::<B>(
        &mut *read(b).await?,
        "DELETE FROM sessions WHERE digest = $1",
        &args![&digest[..]],
    )
    .await?;
    Ok(())
}

/// Deletes every session of a user.
pub async fn delete_user_sessions<B: Backend>(b: &B, user: UserId) -> StoreResult<u64> {
    execute::<B>(
        &mut *read(b).await?,
        "DELETE FROM sessions WHERE user_id = $1",
        &args![user.0],
    )
    .await
}

/// Deletes sessions that are over.
pub async fn purge_sessions<B: Backend>(b: &B, now: OffsetDateTime, idle_before: OffsetDateTime) -> StoreResult<u64> {
    const SQL: &str = "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at < $2";
    execute::<B>(&mut *read(b).await?, SQL, &args![ts(now), ts(idle_before)]).await
}

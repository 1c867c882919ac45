//! Users: creation, look-ups by login key and id, password, e-mail and TOTP seed changes,
//! deletion.
//! Logins are unique by [`login_key`], the domain's case-folding, bound from Rust.

use crate::backend::{read, Backend};
use crate::exec::{all, execute, found, one, optional};
use crate::rows::{ts, UserRow};
use crate::{args, user_columns};
use grantd_core::model::{login_key, NewUser, User, UserId};
use grantd_core::store::{Conflict, StoreError, StoreResult};
use time::OffsetDateTime;

/// Creates a user; `Conflict::Login` if the login key is taken.
pub async fn create_user<B: Backend>(b: &B, new: NewUser) -> StoreResult<User> {
    // `WHERE NOT EXISTS`: a taken login inserts nothing, so it does not use up an id (a
    // PostgreSQL sequence does not roll back); two racing creates still meet the unique rule.
    const SQL: &str = concat!(
        "INSERT INTO users (login, login_key, email, email_verified, name, password_hash, created_at, updated_at) \
         SELECT $1, $2, $3, $7, $4, $5, $6, $6 WHERE NOT EXISTS (SELECT 1 FROM users WHERE login_key = $2) \
         RETURNING ",
        user_columns!()
    );
    let key = login_key(&new.login);
    let args = args![
        &new.login,
        key.as_str(),
        &new.email,
        &new.name,
        &new.password_hash,
        ts(new.now),
        new.email_verified
    ];
    let row: Option<UserRow> = optional::<B, _>(&mut *read(b).await?, SQL, &args).await?;
    Ok(row.ok_or(StoreError::Conflict(Conflict::Login))?.into())
}

/// The user whose login has the key of `login`.
pub async fn user_by_login<B: Backend>(b: &B, login: &str) -> StoreResult<Option<User>> {
    const SQL: &str = concat!("SELECT ", user_columns!(), " FROM users WHERE login_key = $1");
    let key = login_key(login);
    let row: Option<UserRow> = optional::<B, _>(&mut *read(b).await?, SQL, &args![key.as_str()]).await?;
    Ok(row.map(User::from))
}

/// The user `id`.
pub async fn user_by_id<B: Backend>(b: &B, id: UserId) -> StoreResult<Option<User>> {
    let row: Option<UserRow> = optional::<B, _>(&mut *read(b).await?, crate::sql::USER_BY_ID, &args![id.0]).await?;
    Ok(row.map(User::from))
}

/// Every user, by id.
pub async fn list_users<B: Backend>(b: &B) -> StoreResult<Vec<User>> {
    let rows: Vec<UserRow> = all::<B, _>(&mut *read(b).await?, USERS, &[]).await?;
    Ok(rows.into_iter().map(User::from).collect())
}

/// Every user, by id.
pub const USERS: &str = concat!("SELECT ", user_columns!(), " FROM users ORDER BY id");

/// The number of users.
pub async fn count_users<B: Backend>(b: &B) -> StoreResult<u64> {
    let (n,): (i64,) = one::<B, _>(&mut *read(b).await?, "SELECT COUNT(*) FROM users", &[]).await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Replaces the password hash (and lifts a lock-out).
pub async fn set_password_hash<B: Backend>(b: &B, id: UserId, hash: &str, now: OffsetDateTime) -> StoreResult<()> {
    const SQL: &str = "UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = NULL, updated_at = $2 \
                       WHERE id = $3";
    found(execute::<B>(&mut *read(b).await?, SQL, &args![hash, ts(now), id.0]).await?)
}

/// Sets or clears the sealed TOTP seed, restarting the accepted steps.
pub async fn set_totp<B: Backend>(b: &B, id: UserId, sealed: Option<&[u8]>, now: OffsetDateTime) -> StoreResult<()> {
    const SQL: &str = "UPDATE users SET totp_sealed = $1, totp_last_step = 0, updated_at = $2 WHERE id = $3";
    found(execute::<B>(&mut *read(b).await?, SQL, &args![sealed, ts(now), id.0]).await?)
}

/// Sets or clears the e-mail address and its verified flag.
pub async fn set_email<B: Backend>(
    b: &B,
    id: UserId,
    email: Option<&str>,
    verified: bool,
    now: OffsetDateTime,
) -> StoreResult<()> {
    const SQL: &str = "UPDATE users SET email = $1, email_verified = $2, updated_at = $3 WHERE id = $4";
    found(execute::<B>(&mut *read(b).await?, SQL, &args![email, verified, ts(now), id.0]).await?)
}

/// Deletes a user; authorizations and grants go with it (their user_id cascades).
pub async fn delete_user<B: Backend>(b: &B, id: UserId) -> StoreResult<()> {
    found(execute::<B>(&mut *read(b).await?, "DELETE FROM users WHERE id = $1", &args![id.0]).await?)
}

//! Authorization codes: stored when a person approves an app, taken out exactly once when the app
//! exchanges one (a `DELETE … RETURNING`, so two racing exchanges cannot both get it), deleted
//! once expired.

use crate::args;
use crate::backend::{read, Backend};
use crate::exec::{execute, optional};
use crate::rows::{ts, CodeRow};
use grantd_core::model::{NewOAuthCode, OAuthCode};
use grantd_core::store::StoreResult;
use time::OffsetDateTime;

/// Stores a new code.
pub async fn create_code<B: Backend>(b: &B, new: NewOAuthCode) -> StoreResult<()> {
    const SQL: &str = "INSERT INTO oauth_codes \
                       (digest, app_id, user_id, redirect_uri, scopes, code_challenge, created_at, expires_at) \
                       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
    let c = &new.code;
    let scopes = c.scopes.to_storage();
    let args = args![
        &new.digest[..],
        c.app_id.0,
        c.user_id.0,
        c.redirect_uri.as_str(),
        scopes.as_str(),
        c.code_challenge.as_deref(),
        ts(c.created_at),
        ts(c.expires_at)
    ];
    execute::<B>(&mut *read(b).await?, SQL, &args).await?;
    Ok(())
}

/// Takes the code `digest` out of the store.
pub async fn take_code<B: Backend>(b: &B, digest: &[u8; 32]) -> StoreResult<Option<OAuthCode>> {
    const SQL: &str = "DELETE FROM oauth_codes WHERE digest = $1 \
                       RETURNING app_id, user_id, redirect_uri, scopes, code_challenge, created_at, expires_at";
    let row: Option<CodeRow> = optional::<B, _>(&mut *read(b).await?, SQL, &args![&digest[..]]).await?;
    Ok(row.map(OAuthCode::from))
}

/// Deletes expired codes.
pub async fn purge_codes<B: Backend>(b: &B, now: OffsetDateTime) -> StoreResult<u64> {
    execute::<B>(
        &mut *read(b).await?,
        "DELETE FROM oauth_codes WHERE expires_at <= $1",
        &args![ts(now)],
    )
    .await
}

//! Tokens as their app sees them: the look-up of a token by its digest, the token check by an
//! app (one statement), and an app's writes on its tokens (reset, revoke one, revoke all).

use crate::authorizations::{authorization_in, delete_empty_grants, user_in};
use crate::backend::{commit, lock, read, write, Backend, Conn};
use crate::exec::{execute, optional};
use crate::rows::{ts, AppRow, AuthorizationRow, TokenRow};
use crate::{args, authorization_columns, authorization_from, live, token_lookup};
use grantd_core::model::{AppId, Authorization, User, UserId};
use grantd_core::secret::TokenDigest;
use grantd_core::store::{AppTokenCheck, StoreError, StoreResult};
use sqlx::{ColumnIndex, Decode, FromRow, Row, Type};
use time::OffsetDateTime;

/// The live authorization with token digest `$1` at `$2`, with its owner.
pub const TOKEN: &str = token_lookup!("", 1, 2);

/// The app with client id `$1` (as `c_*`) and the live authorization of token digest `$2` at
/// `$3` with its owner, in one row whatever exists: [`CheckRow`].
pub const APP_TOKEN_CHECK: &str = concat!(
    "SELECT c.id AS c_id, c.client_id AS c_client_id, c.client_secret_digest AS c_client_secret_digest, \
     c.name AS c_name, c.url AS c_url, c.callback_urls AS c_callback_urls, c.created_at AS c_created_at, \
     c.updated_at AS c_updated_at, t.* FROM (SELECT $1 AS client_id) q \
     LEFT JOIN apps c ON c.client_id = q.client_id LEFT JOIN (",
    token_lookup!("", 2, 3),
    ") t ON TRUE"
);

/// The live authorization of `digest` with its owner, in one statement.
pub async fn authorization_by_token<B: Backend>(
    b: &B,
    digest: &TokenDigest,
    now: OffsetDateTime,
) -> StoreResult<Option<(Authorization, User)>> {
    let args = args![&digest.0[..], ts(now)];
    let row: Option<TokenRow> = optional::<B, _>(&mut *read(b).await?, TOKEN, &args).await?;
    row.map(TryInto::try_into).transpose()
}

/// A token check by app `client_id`, in one statement (one round trip).
pub async fn app_token_check<B: Backend>(
    b: &B,
    client_id: &str,
    digest: Option<&TokenDigest>,
    now: OffsetDateTime,
) -> StoreResult<AppTokenCheck> {
    let args = args![client_id, digest.map(|d| &d.0[..]), ts(now)];
    let row: Option<CheckRow> = optional::<B, _>(&mut *read(b).await?, APP_TOKEN_CHECK, &args).await?;
    let Some(CheckRow { app, token }) = row else {
        return Ok(AppTokenCheck::default());
    };
    Ok(AppTokenCheck {
        app: app.0.map(|r| AppRow::from(r).try_into()).transpose()?,
        token: token.0.map(TryInto::try_into).transpose()?,
    })
}

/// A row of [`APP_TOKEN_CHECK`].
#[derive(Debug, sqlx::FromRow)]
pub struct CheckRow {
    /// The app, if any.
    #[sqlx(flatten)]
    pub app: Maybe<CheckedAppRow>,
    /// The live token with its owner, if any.
    #[sqlx(flatten)]
    pub token: Maybe<TokenRow>,
}

/// A row of `apps` as `c_*` (see [`APP_TOKEN_CHECK`]).
#[derive(Debug, sqlx::FromRow)]
#[allow(missing_docs)]
pub struct CheckedAppRow {
    #[sqlx(rename = "c_id")]
    pub id: i64,
    #[sqlx(rename = "c_client_id")]
    pub client_id: String,
    #[sqlx(rename = "c_client_secret_digest")]
    pub client_secret_digest: Vec<u8>,
    #[sqlx(rename = "c_name")]
    pub name: String,
    #[sqlx(rename = "c_url")]
    pub url: String,
    #[sqlx(rename = "c_callback_urls")]
    pub callback_urls: Option<String>,
    #[sqlx(rename = "c_created_at")]
    pub created_at: i64,
    #[sqlx(rename = "c_updated_at")]
    pub updated_at: i64,
}

impl From<CheckedAppRow> for AppRow {
    fn from(r: CheckedAppRow) -> Self {
        let CheckedAppRow {
            id,
            client_id,
            client_secret_digest,
            name,
            url,
            callback_urls,
            created_at,
            updated_at,
        } = r;
        AppRow {
            id,
            client_id,
            client_secret_digest,
            name,
            url,
            callback_urls,
            created_at,
            updated_at,
        }
    }
}

/// The columns of a `LEFT JOIN`ed row type, present or all `NULL`: the row when its key column
/// (never `NULL` in a present row) is not `NULL`.
#[derive(Debug)]
pub struct Maybe<T>(pub Option<T>);

/// A row type's column that is never `NULL` when the row is present.
pub trait Keyed {
    /// That column's name.
    const KEY: &'static str;
}

impl Keyed for CheckedAppRow {
    const KEY: &'static str = "c_id";
}

impl Keyed for TokenRow {
    const KEY: &'static str = "id";
}

impl<'r, R, T> FromRow<'r, R> for Maybe<T>
where
    R: Row,
    T: FromRow<'r, R> + Keyed,
    &'static str: ColumnIndex<R>,
    Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
{
    fn from_row(row: &'r R) -> sqlx::Result<Self> {
        match row.try_get::<Option<i64>, _>(T::KEY)? {
            Some(_) => Ok(Self(Some(T::from_row(row)?))),
            None => Ok(Self(None)),
        }
    }
}

/// The live authorization of `app` whose token is `digest`.
const LIVE_APP_TOKEN: &str = concat!(
    "SELECT ",
    authorization_columns!(),
    authorization_from!(""),
    " WHERE a.token_digest = $1 AND a.app_id = $2 AND ",
    live!(3)
);

/// The live authorization of `app` whose token is `digest`, in a transaction; `NotFound` if none.
async fn live_app_token<B: Backend>(
    c: &mut Conn<B>,
    app: AppId,
    digest: &TokenDigest,
    now: OffsetDateTime,
) -> StoreResult<Authorization> {
    let args = args![&digest.0[..], app.0, ts(now)];
    let row: Option<AuthorizationRow> = optional::<B, _>(c, LIVE_APP_TOKEN, &args).await?;
    row.ok_or(StoreError::NotFound)?.try_into()
}

/// Takes the backend's lock on the owner of the live token `digest` of `app` (none where writes
/// are serialised anyway); `NotFound` if there is no such token. The caller reads the token again
/// under the lock: it may have changed meanwhile.
pub async fn lock_token_owner<B: Backend>(
    c: &mut Conn<B>,
    app: AppId,
    digest: &TokenDigest,
    now: OffsetDateTime,
) -> StoreResult<()> {
    const OWNER: &str = concat!(
        "SELECT a.user_id FROM authorizations a WHERE a.token_digest = $1 AND a.app_id = $2 AND ",
        live!(3)
    );
    if B::LOCK_USER.is_empty() {
        return Ok(());
    }
    let owner: Option<(i64,)> = optional::<B, _>(c, OWNER, &args![&digest.0[..], app.0, ts(now)]).await?;
    let (owner,) = owner.ok_or(StoreError::NotFound)?;
    lock::<B>(c, B::LOCK_USER, UserId(owner).0).await
}

/// Replaces the token `old` of `app` with `new`.
pub async fn reset_token<B: Backend>(
    b: &B,
    app: AppId,
    old: &TokenDigest,
    new: &TokenDigest,
    new_last_eight: &str,
    now: OffsetDateTime,
) -> StoreResult<(Authorization, User)> {
    const SQL: &str =
        "UPDATE authorizations SET token_digest = $1, token_last_eight = $2, updated_at = $3 WHERE id = $4";
    let mut tx = write(b).await?;
    lock_token_owner::<B>(&mut tx, app, old, now).await?;
    // Read under the lock: a concurrent reset may have replaced the token meanwhile, and then
    // this one finds nothing, as it would after the other one.
    let current = live_app_token::<B>(&mut tx, app, old, now).await?;
    execute::<B>(&mut tx, SQL, &args![&new.0[..], new_last_eight, ts(now), current.id.0]).await?;
    let updated = authorization_in::<B>(&mut tx, current.id.0).await?;
    let user = user_in::<B>(&mut tx, updated.user_id.0).await?;
    commit::<B>(tx).await?;
    Ok((updated, user))
}

/// Deletes the live token `digest` of `app` (and its grant with its last token).
pub async fn delete_token<B: Backend>(b: &B, app: AppId, digest: &TokenDigest, now: OffsetDateTime) -> StoreResult<()> {
    let mut tx = write(b).await?;
    lock_token_owner::<B>(&mut tx, app, digest, now).await?;
    let current = live_app_token::<B>(&mut tx, app, digest, now).await?;
    execute::<B>(
        &mut tx,
        "DELETE FROM authorizations WHERE id = $1",
        &args![current.id.0],
    )
    .await?;
    delete_empty_grants::<B>(&mut tx, Some(current.user_id)).await?;
    commit::<B>(tx).await
}

/// Deletes every authorization and grant of `app`; how many tokens were revoked.
pub async fn delete_app_tokens<B: Backend>(b: &B, app: AppId) -> StoreResult<u64> {
    let mut tx = write(b).await?;
    // Waits for the token writes of this app in progress and holds new ones back until the
    // commit: every token counted is revoked.
    lock::<B>(&mut tx, B::LOCK_APP, app.0).await?;
    let revoked = execute::<B>(&mut tx, "DELETE FROM authorizations WHERE app_id = $1", &args![app.0]).await?;
    execute::<B>(&mut tx, "DELETE FROM grants WHERE app_id = $1", &args![app.0]).await?;
    commit::<B>(tx).await?;
    Ok(revoked)
}

/// Deletes the grant of the live token `digest` of `app`, with all its tokens.
pub async fn delete_grant_by_token<B: Backend>(
    b: &B,
    app: AppId,
    digest: &TokenDigest,
    now: OffsetDateTime,
) -> StoreResult<()> {
    let mut tx = write(b).await?;
    lock_token_owner::<B>(&mut tx, app, digest, now).await?;
    let current = live_app_token::<B>(&mut tx, app, digest, now).await?;
    let grant = current.grant_id.ok_or(StoreError::NotFound)?;
    execute::<B>(&mut tx, "DELETE FROM grants WHERE id = $1", &args![grant.0]).await?;
    commit::<B>(tx).await
}

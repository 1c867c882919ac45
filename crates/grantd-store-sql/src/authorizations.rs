//! A user's authorizations: creation (with the grant of its app), get-or-create, look-up,
//! listing, update and deletion, and the checks and clean-ups those writes share.
//!
//! Every write runs in a [`write`] transaction and first takes the backend's locks in the order
//! user row, app row, then authorization and grant rows (see `grantd-store-postgres`).

use crate::backend::{commit, lock, read, write, Backend, Conn};
use crate::exec::{all, execute, found, one, optional};
use crate::rows::{convert, ts, AuthorizationRow, UserRow};
use crate::sql::{AUTHORIZATIONS, AUTHORIZATION_BY_ID, USER_BY_ID};
use crate::{args, authorization_columns, authorization_from, live, one_per_fingerprint};
use grantd_core::model::{
    AppId, Authorization, AuthorizationFlow, AuthorizationId, AuthorizationUpdate, NewAuthorization, Page, PageRequest,
    Scopes, User, UserId,
};
use grantd_core::store::{Conflict, StoreError, StoreResult};
use time::OffsetDateTime;

/// The authorization `id` (live or not).
pub async fn authorization_in<B: Backend>(c: &mut Conn<B>, id: i64) -> StoreResult<Authorization> {
    one::<B, AuthorizationRow>(c, AUTHORIZATION_BY_ID, &args![id])
        .await?
        .try_into()
}

/// The user `id`.
pub async fn user_in<B: Backend>(c: &mut Conn<B>, id: i64) -> StoreResult<User> {
    Ok(one::<B, UserRow>(c, USER_BY_ID, &args![id]).await?.into())
}

/// Expired tokens are dead everywhere: they are purged before a write that could collide with
/// them on a note or fingerprint.
pub async fn purge_expired<B: Backend>(c: &mut Conn<B>, user: UserId, now: OffsetDateTime) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM authorizations WHERE user_id = $1 AND expires_at IS NOT NULL AND expires_at <= $2";
    execute::<B>(c, SQL, &args![user.0, ts(now)]).await?;
    delete_empty_grants::<B>(c, Some(user)).await
}

/// Removes grants left without tokens (a grant disappears with its last token).
pub async fn delete_empty_grants<B: Backend>(c: &mut Conn<B>, user: Option<UserId>) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM grants WHERE (CAST($1 AS BIGINT) IS NULL OR user_id = $1) \
                       AND NOT EXISTS (SELECT 1 FROM authorizations a WHERE a.grant_id = grants.id)";
    execute::<B>(c, SQL, &args![user.map(|u| u.0)]).await?;
    Ok(())
}

/// Checks the unique rules a new or changed authorization must keep, so the answer names the
/// field (BEHAVIOR 26); the unique indexes enforce the same rules.
async fn check_unique<B: Backend>(
    c: &mut Conn<B>,
    user: UserId,
    app: Option<AppId>,
    flow: AuthorizationFlow,
    note: Option<&str>,
    fingerprint: Option<&str>,
    except: Option<i64>,
) -> StoreResult<()> {
    const NOTE: &str = "SELECT id FROM authorizations WHERE user_id = $1 AND app_id IS NULL AND note = $2 AND id <> $3";
    const FINGERPRINT: &str = concat!(
        "SELECT a.id FROM authorizations a WHERE a.user_id = $1 AND a.app_id IS NOT DISTINCT FROM $2 \
         AND COALESCE(a.fingerprint, '') = COALESCE($3, '') AND a.id <> $4 AND (a.app_id IS NULL OR ",
        one_per_fingerprint!(),
        ")"
    );
    let except = except.unwrap_or(0);
    if let (None, Some(note)) = (app, note) {
        let taken: Option<(i64,)> = optional::<B, _>(c, NOTE, &args![user.0, note, except]).await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(Conflict::Note));
        }
    }
    // A web flow token without a fingerprint is outside the rule (see `one_per_fingerprint!`).
    let bound = flow == AuthorizationFlow::Api || fingerprint.is_some();
    if (app.is_some() && bound) || fingerprint.is_some() {
        let args = args![user.0, app.map(|a| a.0), fingerprint, except];
        let taken: Option<(i64,)> = optional::<B, _>(c, FINGERPRINT, &args).await?;
        if taken.is_some() {
            return Err(StoreError::Conflict(Conflict::Fingerprint));
        }
    }
    Ok(())
}

/// Inserts `new` (and, for an app, its grant or a bump of the grant's `updated_at`), with
/// `on_conflict` (a backend's `ON CONFLICT …` clause, or nothing) after its values; its id, or
/// `None` when `on_conflict` made it insert nothing.
pub async fn insert_authorization<B: Backend>(
    c: &mut Conn<B>,
    new: &NewAuthorization,
    on_conflict: &str,
) -> StoreResult<Option<i64>> {
    const GRANT: &str = "INSERT INTO grants (user_id, app_id, created_at, updated_at) VALUES ($1, $2, $3, $3) \
                         ON CONFLICT (user_id, app_id) DO UPDATE SET updated_at = excluded.updated_at RETURNING id";
    const INSERT: &str = "INSERT INTO authorizations (user_id, app_id, grant_id, token_digest, token_last_eight, \
                          scopes, note, note_url, fingerprint, created_at, updated_at, expires_at, flow) \
                          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11, $12)";
    let grant_id = match &new.app {
        Some(app) => Some(
            one::<B, (i64,)>(c, GRANT, &args![new.user_id.0, app.id.0, ts(new.now)])
                .await?
                .0,
        ),
        None => None,
    };
    let scopes = new.scopes.to_storage();
    let args = args![
        new.user_id.0,
        new.app.as_ref().map(|a| a.id.0),
        grant_id,
        &new.token_digest.0[..],
        &new.token_last_eight,
        scopes.as_str(),
        &new.note,
        &new.note_url,
        &new.fingerprint,
        ts(new.now),
        new.expires_at.map(ts),
        new.flow.as_str()
    ];
    let sql = format!("{INSERT}{on_conflict} RETURNING id");
    Ok(optional::<B, (i64,)>(c, &sql, &args).await?.map(|(id,)| id))
}

/// The authorization of `user` for `app` with `fingerprint` (or none) that get-or-create returns,
/// if any: web flow tokens without a fingerprint are not it.
async fn app_authorization<B: Backend>(
    c: &mut Conn<B>,
    user: UserId,
    app: AppId,
    fingerprint: Option<&str>,
) -> StoreResult<Option<Authorization>> {
    const SQL: &str = concat!(
        "SELECT ",
        authorization_columns!(),
        authorization_from!(""),
        " WHERE a.user_id = $1 AND a.app_id = $2 AND COALESCE(a.fingerprint, '') = COALESCE($3, '') AND ",
        one_per_fingerprint!()
    );
    let row: Option<AuthorizationRow> = optional::<B, _>(c, SQL, &args![user.0, app.0, fingerprint]).await?;
    row.map(Authorization::try_from).transpose()
}

/// The user's live authorization `id`.
const LIVE_BY_ID: &str = concat!(
    "SELECT ",
    authorization_columns!(),
    authorization_from!(""),
    " WHERE a.id = $1 AND a.user_id = $2 AND ",
    live!(3)
);

/// Creates an authorization after checking its unique rules.
pub async fn create_authorization<B: Backend>(b: &B, new: NewAuthorization) -> StoreResult<Authorization> {
    let app = new.app.as_ref().map(|a| a.id);
    let mut tx = write(b).await?;
    lock::<B>(&mut tx, B::LOCK_USER, new.user_id.0).await?;
    if let Some(app) = app {
        lock::<B>(&mut tx, B::LOCK_APP_SHARED, app.0).await?;
    }
    purge_expired::<B>(&mut tx, new.user_id, new.now).await?;
    let (note, fingerprint) = (new.note.as_deref(), new.fingerprint.as_deref());
    check_unique::<B>(&mut tx, new.user_id, app, new.flow, note, fingerprint, None).await?;
    let id = insert_authorization::<B>(&mut tx, &new, "")
        .await?
        .ok_or_else(|| StoreError::Backend("INSERT … RETURNING returned no row".into()))?;
    let created = authorization_in::<B>(&mut tx, id).await?;
    commit::<B>(tx).await?;
    Ok(created)
}

/// Returns the user's authorization for the app with the same fingerprint, or creates `new`.
pub async fn get_or_create_authorization<B: Backend>(
    b: &B,
    new: NewAuthorization,
) -> StoreResult<(Authorization, bool)> {
    let app = new.app.as_ref().map(|a| a.id).ok_or(StoreError::NotFound)?;
    if new.flow != AuthorizationFlow::Api {
        // Only the Authorizations API gets or creates; the web flow always creates.
        return Err(StoreError::Backend("get-or-create of a web flow authorization".into()));
    }
    let fingerprint = new.fingerprint.as_deref();
    let mut tx = write(b).await?;
    // Under the user's lock the look-up below cannot miss a row that a concurrent call is about
    // to insert; the backend's insert keeps the answer right even without it.
    lock::<B>(&mut tx, B::LOCK_USER, new.user_id.0).await?;
    lock::<B>(&mut tx, B::LOCK_APP_SHARED, app.0).await?;
    purge_expired::<B>(&mut tx, new.user_id, new.now).await?;
    let result = match app_authorization::<B>(&mut tx, new.user_id, app, fingerprint).await? {
        Some(existing) => (existing, false),
        None => match B::insert_unless_taken(&mut tx, &new).await? {
            Some(id) => (authorization_in::<B>(&mut tx, id).await?, true),
            None => (
                app_authorization::<B>(&mut tx, new.user_id, app, fingerprint)
                    .await?
                    .ok_or(StoreError::NotFound)?,
                false,
            ),
        },
    };
    commit::<B>(tx).await?;
    Ok(result)
}

/// The user's live authorization `id`.
pub async fn authorization<B: Backend>(
    b: &B,
    user: UserId,
    id: AuthorizationId,
    now: OffsetDateTime,
) -> StoreResult<Option<Authorization>> {
    let args = args![id.0, user.0, ts(now)];
    let row: Option<AuthorizationRow> = optional::<B, _>(&mut *read(b).await?, LIVE_BY_ID, &args).await?;
    row.map(Authorization::try_from).transpose()
}

/// A page of the user's live authorizations, by id, optionally of one app.
pub async fn list_authorizations<B: Backend>(
    b: &B,
    user: UserId,
    app: Option<AppId>,
    page: PageRequest,
    now: OffsetDateTime,
) -> StoreResult<Page<Authorization>> {
    const FILTER: &str = concat!(
        " WHERE a.user_id = $1 AND (CAST($2 AS BIGINT) IS NULL OR a.app_id = $2) AND ",
        live!(3)
    );
    // Without an app filter the total is the user's kept count (migration 0004) less their
    // expired authorizations, which the (user_id, expires_at) index finds directly.
    const TOTAL: &str = "SELECT COALESCE((SELECT total FROM authorization_counts WHERE user_id = $1), 0) \
                         - (SELECT COUNT(*) FROM authorizations WHERE user_id = $1 AND expires_at IS NOT NULL \
                            AND expires_at <= $2)";
    let (limit, offset) = page_bounds(page);
    let mut conn = read(b).await?;
    let (total,): (i64,) = match app {
        None => one::<B, _>(&mut conn, TOTAL, &args![user.0, ts(now)]).await?,
        Some(app) => {
            let sql = format!("SELECT COUNT(*) FROM authorizations a{FILTER}");
            one::<B, _>(&mut conn, &sql, &args![user.0, app.0, ts(now)]).await?
        }
    };
    let sql = format!("{AUTHORIZATIONS}{FILTER} ORDER BY a.id LIMIT $4 OFFSET $5");
    let args = args![user.0, app.map(|a| a.0), ts(now), limit, offset];
    let rows: Vec<AuthorizationRow> = all::<B, _>(&mut conn, &sql, &args).await?;
    Ok(Page {
        items: convert(rows)?,
        total: u64::try_from(total).unwrap_or(0),
    })
}

/// The limit and offset of a page.
pub fn page_bounds(page: PageRequest) -> (i64, i64) {
    (
        i64::from(page.per_page),
        i64::try_from(page.offset()).unwrap_or(i64::MAX),
    )
}

/// Applies `update` to the user's live authorization `id`.
pub async fn update_authorization<B: Backend>(
    b: &B,
    user: UserId,
    id: AuthorizationId,
    update: AuthorizationUpdate,
    now: OffsetDateTime,
) -> StoreResult<Authorization> {
    const UPDATE: &str = "UPDATE authorizations SET scopes = COALESCE($1, scopes), note = COALESCE($2, note), \
                          note_url = COALESCE($3, note_url), fingerprint = COALESCE($4, fingerprint), \
                          updated_at = $5 WHERE id = $6";
    let mut tx = write(b).await?;
    lock::<B>(&mut tx, B::LOCK_USER, user.0).await?;
    // An expired token must not keep its note or fingerprint from a live one (BEHAVIOR 78).
    purge_expired::<B>(&mut tx, user, now).await?;
    let current: Option<AuthorizationRow> =
        optional::<B, _>(&mut tx, LIVE_BY_ID, &args![id.0, user.0, ts(now)]).await?;
    let current = Authorization::try_from(current.ok_or(StoreError::NotFound)?)?;
    let app = current.app.as_ref().map(|a| a.id);
    let note = update.note.as_deref().or(current.note.as_deref());
    let fingerprint = update.fingerprint.as_deref().or(current.fingerprint.as_deref());
    check_unique::<B>(&mut tx, user, app, current.flow, note, fingerprint, Some(id.0)).await?;
    let scopes = update.scopes.as_ref().map(Scopes::to_storage);
    let args = args![
        scopes.as_deref(),
        &update.note,
        &update.note_url,
        &update.fingerprint,
        ts(now),
        id.0
    ];
    execute::<B>(&mut tx, UPDATE, &args).await?;
    if let Some(grant) = current.grant_id {
        const GRANT: &str = "UPDATE grants SET updated_at = $1 WHERE id = $2";
        execute::<B>(&mut tx, GRANT, &args![ts(now), grant.0]).await?;
    }
    let updated = authorization_in::<B>(&mut tx, id.0).await?;
    commit::<B>(tx).await?;
    Ok(updated)
}

/// Deletes the user's authorization `id` (and its grant if it was the grant's last token).
pub async fn delete_authorization<B: Backend>(b: &B, user: UserId, id: AuthorizationId) -> StoreResult<()> {
    const SQL: &str = "DELETE FROM authorizations WHERE id = $1 AND user_id = $2";
    let mut tx = write(b).await?;
    lock::<B>(&mut tx, B::LOCK_USER, user.0).await?;
    found(execute::<B>(&mut tx, SQL, &args![id.0, user.0]).await?)?;
    delete_empty_grants::<B>(&mut tx, Some(user)).await?;
    commit::<B>(tx).await
}

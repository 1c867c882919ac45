//! Grants as their user sees them: listing, one grant, deletion. A grant's scopes are the union
//! of its live tokens' scopes, and a grant is visible while it has a live token.

use crate::authorizations::page_bounds;
use crate::backend::{commit, lock, read, write, Backend};
use crate::exec::{all, execute, found, one, optional};
use crate::rows::{ts, GrantViewRow};
use crate::{args, live};
use grantd_core::model::{AppId, Grant, GrantId, Page, PageRequest, UserId};
use grantd_core::store::StoreResult;
use time::OffsetDateTime;

/// Grant columns with the app joined as `p` and the scopes of the live tokens (at `$1`).
const GRANTS: &str = concat!(
    "SELECT g.id, g.user_id, g.created_at, g.updated_at, \
     p.id AS app_id, p.client_id AS app_client_id, p.name AS app_name, p.url AS app_url, \
     (SELECT string_agg(a.scopes, ',') FROM authorizations a WHERE a.grant_id = g.id AND ",
    live!(1),
    ") AS scopes FROM grants g JOIN apps p ON p.id = g.app_id"
);

/// A grant is visible while it has a live token (at `$1`).
const VISIBLE: &str = concat!(
    "EXISTS (SELECT 1 FROM authorizations a WHERE a.grant_id = g.id AND ",
    live!(1),
    ")"
);

/// A page of the user's grants, by id, optionally only the one of an app.
pub async fn list_grants<B: Backend>(
    b: &B,
    user: UserId,
    app: Option<AppId>,
    page: PageRequest,
    now: OffsetDateTime,
) -> StoreResult<Page<Grant>> {
    let filter = format!(" WHERE g.user_id = $2 AND (CAST($3 AS BIGINT) IS NULL OR g.app_id = $3) AND {VISIBLE}");
    let (limit, offset) = page_bounds(page);
    let mut conn = read(b).await?;
    let count = format!("SELECT COUNT(*) FROM grants g{filter}");
    let (total,): (i64,) = one::<B, _>(&mut conn, &count, &args![ts(now), user.0, app.map(|a| a.0)]).await?;
    let sql = format!("{GRANTS}{filter} ORDER BY g.id LIMIT $4 OFFSET $5");
    let args = args![ts(now), user.0, app.map(|a| a.0), limit, offset];
    let rows: Vec<GrantViewRow> = all::<B, _>(&mut conn, &sql, &args).await?;
    Ok(Page {
        items: rows.into_iter().map(Grant::from).collect(),
        total: u64::try_from(total).unwrap_or(0),
    })
}

/// The user's grant `id`, if visible.
pub async fn grant<B: Backend>(b: &B, user: UserId, id: GrantId, now: OffsetDateTime) -> StoreResult<Option<Grant>> {
    let sql = format!("{GRANTS} WHERE g.id = $2 AND g.user_id = $3 AND {VISIBLE}");
    let row: Option<GrantViewRow> = optional::<B, _>(&mut *read(b).await?, &sql, &args![ts(now), id.0, user.0]).await?;
    Ok(row.map(Grant::from))
}

/// Deletes the user's grant `id`; its tokens go with it (authorizations.grant_id cascades).
pub async fn delete_grant<B: Backend>(b: &B, user: UserId, id: GrantId) -> StoreResult<()> {
    let mut tx = write(b).await?;
    lock::<B>(&mut tx, B::LOCK_USER, user.0).await?;
    let done = execute::<B>(
        &mut tx,
        "DELETE FROM grants WHERE id = $1 AND user_id = $2",
        &args![id.0, user.0],
    )
    .await?;
    found(done)?;
    commit::<B>(tx).await
}

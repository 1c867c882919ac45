//! OAuth apps: creation, look-up by client id, listing, changes (name, home page, callback
//! URLs), secret replacement, deletion.

use crate::backend::{read, Backend};
use crate::exec::{all, execute, found, optional};
use crate::rows::{callbacks_to_storage, convert, ts, AppRow};
use crate::{app_columns, args};
use grantd_core::model::{App, AppId, AppUpdate, NewApp};
use grantd_core::store::{Conflict, StoreError, StoreResult};
use time::OffsetDateTime;

/// The app with client id `$1`.
pub const APP_BY_CLIENT_ID: &str = concat!("SELECT ", app_columns!(), " FROM apps WHERE client_id = $1");

/// Every app, by id.
pub const APPS: &str = concat!("SELECT ", app_columns!(), " FROM apps ORDER BY id");

/// Creates an app; `Conflict::ClientId` if the client id is taken.
pub async fn create_app<B: Backend>(b: &B, new: NewApp) -> StoreResult<App> {
    // `WHERE NOT EXISTS`, as for users: a taken client id uses up no id.
    const SQL: &str = concat!(
        "INSERT INTO apps (client_id, client_secret_digest, name, url, callback_urls, created_at, updated_at) \
         SELECT $1, $2, $3, $4, $5, $6, $6 WHERE NOT EXISTS (SELECT 1 FROM apps WHERE client_id = $1) \
         RETURNING ",
        app_columns!()
    );
    let callbacks = callbacks_to_storage(&new.callbacks);
    let args = args![
        &new.client_id.0,
        &new.client_secret_digest[..],
        &new.name,
        &new.url,
        &callbacks,
        ts(new.now)
    ];
    let row: Option<AppRow> = optional::<B, _>(&mut *read(b).await?, SQL, &args).await?;
    row.ok_or(StoreError::Conflict(Conflict::ClientId))?.try_into()
}

/// The app with `client_id`, read from the database.
pub async fn app_by_client_id<B: Backend>(b: &B, client_id: &str) -> StoreResult<Option<App>> {
    let row: Option<AppRow> = optional::<B, _>(&mut *read(b).await?, APP_BY_CLIENT_ID, &args![client_id]).await?;
    row.map(App::try_from).transpose()
}

/// Every app, by id.
pub async fn list_apps<B: Backend>(b: &B) -> StoreResult<Vec<App>> {
    convert(all::<B, AppRow>(&mut *read(b).await?, APPS, &[]).await?)
}

/// Replaces the client secret digest.
pub async fn set_app_secret<B: Backend>(b: &B, id: AppId, digest: &[u8; 32], now: OffsetDateTime) -> StoreResult<()> {
    const SQL: &str = "UPDATE apps SET client_secret_digest = $1, updated_at = $2 WHERE id = $3";
    found(execute::<B>(&mut *read(b).await?, SQL, &args![&digest[..], ts(now), id.0]).await?)
}

/// Changes what `update` gives (the rest is kept, `COALESCE` of `NULL`); the app as it now is.
pub async fn update_app<B: Backend>(b: &B, id: AppId, update: &AppUpdate, now: OffsetDateTime) -> StoreResult<App> {
    // `$5` says whether the callbacks change: `NULL` in `$3` also means "none" for them.
    const SQL: &str = concat!(
        "UPDATE apps SET name = COALESCE($1, name), url = COALESCE($2, url), \
         callback_urls = CASE WHEN $5 THEN $3 ELSE callback_urls END, updated_at = $4 WHERE id = $6 RETURNING ",
        app_columns!()
    );
    let callbacks = update.callbacks.as_deref().and_then(callbacks_to_storage);
    let args = args![
        update.name.as_deref(),
        update.url.as_deref(),
        &callbacks,
        ts(now),
        update.callbacks.is_some(),
        id.0
    ];
    let row: Option<AppRow> = optional::<B, _>(&mut *read(b).await?, SQL, &args).await?;
    row.ok_or(StoreError::NotFound)?.try_into()
}

/// Deletes an app; its authorizations and grants go with it (their app_id cascades).
pub async fn delete_app<B: Backend>(b: &B, id: AppId) -> StoreResult<()> {
    found(execute::<B>(&mut *read(b).await?, "DELETE FROM apps WHERE id = $1", &args![id.0]).await?)
}

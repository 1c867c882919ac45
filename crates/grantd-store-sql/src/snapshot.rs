//! Copying a whole installation: every row in one consistent transaction (export), and every row
//! written back with its id into an empty store (import).

use crate::backend::{commit, snapshot, write, Backend};
use crate::exec::{all, execute, one};
use crate::rows::{callbacks_to_storage, convert, ts, AppRow, AuthorizationRow, GrantTableRow, UserRow};
use crate::sql::AUTHORIZATIONS;
use crate::{args, users::USERS};
use grantd_core::model::{login_key, User};
use grantd_core::store::{Conflict, Snapshot, StoreError, StoreResult};

/// Reads every row in one [`Backend::BEGIN_SNAPSHOT`] transaction.
pub async fn export<B: Backend>(b: &B) -> StoreResult<Snapshot> {
    let mut tx = snapshot(b).await?;
    let users: Vec<UserRow> = all::<B, _>(&mut tx, USERS, &[]).await?;
    let apps: Vec<AppRow> = all::<B, _>(&mut tx, crate::apps::APPS, &[]).await?;
    const GRANTS: &str = "SELECT id, user_id, app_id, created_at, updated_at FROM grants ORDER BY id";
    let grants: Vec<GrantTableRow> = all::<B, _>(&mut tx, GRANTS, &[]).await?;
    let authorizations: Vec<AuthorizationRow> =
        all::<B, _>(&mut tx, &format!("{AUTHORIZATIONS} ORDER BY a.id"), &[]).await?;
    commit::<B>(tx).await?;
    Ok(Snapshot {
        users: users.into_iter().map(User::from).collect(),
        apps: convert(apps)?,
        grants: grants.into_iter().map(Into::into).collect(),
        authorizations: convert(authorizations)?,
    })
}

/// Writes `snapshot` into an empty store, keeping every id; `Conflict::NotEmpty` otherwise.
pub async fn import<B: Backend>(b: &B, snapshot: &Snapshot) -> StoreResult<()> {
    let keep = B::KEEP_IDS;
    let mut tx = write(b).await?;
    B::before_import(&mut tx).await?;
    const ROWS: &str = "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM apps)";
    let (rows,): (i64,) = one::<B, _>(&mut tx, ROWS, &[]).await?;
    if rows > 0 {
        return Err(StoreError::Conflict(Conflict::NotEmpty));
    }
    let sql = format!(
        "INSERT INTO users (id, login, login_key, email, email_verified, name, password_hash, totp_sealed, \
         totp_last_step, created_at, updated_at) {keep}VALUES ($1, $2, $3, $4, $11, $5, $6, $7, $8, $9, $10)"
    );
    for u in &snapshot.users {
        let key = login_key(&u.login);
        let args = args![
            u.id.0,
            &u.login,
            key.as_str(),
            &u.email,
            &u.name,
            &u.password_hash,
            u.totp_sealed.as_deref(),
            u.totp_last_step,
            ts(u.created_at),
            ts(u.updated_at),
            u.email_verified
        ];
        execute::<B>(&mut tx, &sql, &args).await?;
    }
    let sql = format!(
        "INSERT INTO apps (id, client_id, client_secret_digest, name, url, callback_urls, created_at, updated_at) \
         {keep}VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
    );
    for a in &snapshot.apps {
        let callbacks = callbacks_to_storage(&a.callbacks);
        let args = args![
            a.id.0,
            &a.client_id.0,
            &a.client_secret_digest[..],
            &a.name,
            &a.url,
            &callbacks,
            ts(a.created_at),
            ts(a.updated_at)
        ];
        execute::<B>(&mut tx, &sql, &args).await?;
    }
    let sql =
        format!("INSERT INTO grants (id, user_id, app_id, created_at, updated_at) {keep}VALUES ($1, $2, $3, $4, $5)");
    for g in &snapshot.grants {
        let args = args![g.id.0, g.user_id.0, g.app_id.0, ts(g.created_at), ts(g.updated_at)];
        execute::<B>(&mut tx, &sql, &args).await?;
    }
    let sql = format!(
        "INSERT INTO authorizations (id, user_id, app_id, grant_id, token_digest, token_last_eight, scopes, note, \
         note_url, fingerprint, created_at, updated_at, expires_at, flow) \
         {keep}VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
    );
    for a in &snapshot.authorizations {
        let scopes = a.scopes.to_storage();
        let args = args![
            a.id.0,
            a.user_id.0,
            a.app.as_ref().map(|p| p.id.0),
            a.grant_id.map(|g| g.0),
            &a.token_digest.0[..],
            &a.token_last_eight,
            scopes.as_str(),
            &a.note,
            &a.note_url,
            &a.fingerprint,
            ts(a.created_at),
            ts(a.updated_at),
            a.expires_at.map(ts),
            a.flow.as_str()
        ];
        execute::<B>(&mut tx, &sql, &args).await?;
    }
    B::after_import(&mut tx).await?;
    commit::<B>(tx).await
}

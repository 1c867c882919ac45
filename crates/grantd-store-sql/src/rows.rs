//! The rows both drivers read, as plain `sqlx::FromRow` structs (the derive is generic over the
//! driver's row type), and their conversion to the domain's types. SQLite's inline reader builds
//! the same structs from rusqlite rows by position, so each conversion is written once.

use grantd_core::model::{
    App, AppId, AppSummary, Authorization, AuthorizationFlow, AuthorizationId, ClientId, Grant, GrantId, Scopes, User,
    UserId,
};
use grantd_core::secret::TokenDigest;
use grantd_core::store::{GrantRow, StoreError, StoreResult};
use time::OffsetDateTime;
use url::Url;

/// Unix seconds, as stored.
pub fn ts(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

/// A stored time.
pub fn from_ts(secs: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// A stored SHA-256 digest.
fn digest(bytes: Vec<u8>, what: &str) -> StoreResult<[u8; 32]> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Backend(format!("{what} is not a 32-byte digest").into()))
}

/// An app's callback URLs as stored in `apps.callback_urls` (migration 0008): one URL a line,
/// in order; `NULL` when there is none. A parsed URL never holds a line break (the URL standard
/// drops tabs and newlines and percent-encodes other control characters).
pub fn callbacks_to_storage(callbacks: &[Url]) -> Option<String> {
    if callbacks.is_empty() {
        return None;
    }
    let lines: Vec<&str> = callbacks.iter().map(Url::as_str).collect();
    Some(lines.join("\n"))
}

/// The callback URLs stored by [`callbacks_to_storage`].
pub fn callbacks_from_storage(stored: Option<&str>) -> StoreResult<Vec<Url>> {
    stored
        .unwrap_or("")
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            Url::parse(line.trim())
                .map_err(|e| StoreError::Backend(format!("a stored callback URL does not parse: {e}").into()))
        })
        .collect()
}

/// A row of `users` ([`user_columns!`](crate::user_columns)).
#[derive(Debug, sqlx::FromRow)]
#[allow(missing_docs)]
pub struct UserRow {
    pub id: i64,
    pub login: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub password_hash: String,
    pub totp_sealed: Option<Vec<u8>>,
    pub totp_last_step: i64,
    pub failed_logins: i64,
    pub locked_until: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: UserId(r.id),
            login: r.login,
            email: r.email,
            email_verified: r.email_verified,
            name: r.name,
            password_hash: r.password_hash,
            totp_sealed: r.totp_sealed,
            totp_last_step: r.totp_last_step,
            failed_logins: r.failed_logins,
            locked_until: r.locked_until.map(from_ts),
            created_at: from_ts(r.created_at),
            updated_at: from_ts(r.updated_at),
        }
    }
}

/// A user beside an authorization ([`owner_columns!`](crate::owner_columns): `u_*`).
#[derive(Debug, sqlx::FromRow)]
#[allow(missing_docs)]
pub struct OwnerRow {
    #[sqlx(rename = "u_id")]
    pub id: i64,
    #[sqlx(rename = "u_login")]
    pub login: String,
    #[sqlx(rename = "u_email")]
    pub email: Option<String>,
    #[sqlx(rename = "u_email_verified")]
    pub email_verified: bool,
    #[sqlx(rename = "u_name")]
    pub name: Option<String>,
    #[sqlx(rename = "u_password_hash")]
    pub password_hash: String,
    #[sqlx(rename = "u_totp_sealed")]
    pub totp_sealed: Option<Vec<u8>>,
    #[sqlx(rename = "u_totp_last_step")]
    pub totp_last_step: i64,
    #[sqlx(rename = "u_failed_logins")]
    pub failed_logins: i64,
    #[sqlx(rename = "u_locked_until")]
    pub locked_until: Option<i64>,
    #[sqlx(rename = "u_created_at")]
    pub created_at: i64,
    #[sqlx(rename = "u_updated_at")]
    pub updated_at: i64,
}

impl From<OwnerRow> for UserRow {
    fn from(r: OwnerRow) -> Self {
        let OwnerRow {
            id,
            login,
            email,
            email_verified,
            name,
            password_hash,
            totp_sealed,
            totp_last_step,
            failed_logins,
            locked_until,
            created_at,
            updated_at,
        } = r;
        UserRow {
            id,
            login,
            email,
            email_verified,
            name,
            password_hash,
            totp_sealed,
            totp_last_step,
            failed_logins,
            locked_until,
            created_at,
            updated_at,
        }
    }
}

/// A row of `apps` ([`app_columns!`](crate::app_columns)).
#[derive(Debug, sqlx::FromRow)]
#[allow(missing_docs)]
pub struct AppRow {
    pub id: i64,
    pub client_id: String,
    pub client_secret_digest: Vec<u8>,
    pub name: String,
    pub url: String,
    pub callback_urls: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl TryFrom<AppRow> for App {
    type Error = StoreError;

    fn try_from(r: AppRow) -> StoreResult<Self> {
        Ok(App {
            id: AppId(r.id),
            client_id: ClientId(r.client_id),
            client_secret_digest: digest(r.client_secret_digest, "a client secret digest")?,
            name: r.name,
            url: r.url,
            callbacks: callbacks_from_storage(r.callback_urls.as_deref())?,
            created_at: from_ts(r.created_at),
            updated_at: from_ts(r.updated_at),
        })
    }
}

/// An authorization with its app ([`authorization_columns!`](crate::authorization_columns)).
#[derive(Debug, sqlx::FromRow)]
#[allow(missing_docs)]
pub struct AuthorizationRow {
    pub id: i64,
    pub user_id: i64,
    pub app_id: Option<i64>,
    pub grant_id: Option<i64>,
    pub token_digest: Vec<u8>,
    pub token_last_eight: String,
    pub scopes: String,
    pub note: Option<String>,
    pub note_url: Option<String>,
    pub fingerprint: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub expires_at: Option<i64>,
    pub flow: String,
    pub app_client_id: Option<String>,
    pub app_name: Option<String>,
    pub app_url: Option<String>,
}

impl TryFrom<AuthorizationRow> for Authorization {
    type Error = StoreError;

    fn try_from(r: AuthorizationRow) -> StoreResult<Self> {
        let app = match r.app_id {
            Some(id) => Some(AppSummary {
                id: AppId(id),
                client_id: ClientId(r.app_client_id.unwrap_or_default()),
                name: r.app_name.unwrap_or_default(),
                url: r.app_url.unwrap_or_default(),
            }),
            None => None,
        };
        Ok(Authorization {
            id: AuthorizationId(r.id),
            user_id: UserId(r.user_id),
            app,
            grant_id: r.grant_id.map(GrantId),
            scopes: Scopes::from_storage(&r.scopes),
            token_digest: TokenDigest(digest(r.token_digest, "a token digest")?),
            token_last_eight: r.token_last_eight,
            note: r.note,
            note_url: r.note_url,
            fingerprint: r.fingerprint,
            created_at: from_ts(r.created_at),
            updated_at: from_ts(r.updated_at),
            expires_at: r.expires_at.map(from_ts),
            flow: AuthorizationFlow::from_storage(&r.flow)
                .ok_or_else(|| StoreError::Backend(format!("unknown authorization flow {:?}", r.flow).into()))?,
        })
    }
}

/// An authorization with its owner ([`token_lookup!`](crate::token_lookup)).
#[derive(Debug, sqlx::FromRow)]
#[allow(missing_docs)]
pub struct TokenRow {
    #[sqlx(flatten)]
    pub authorization: AuthorizationRow,
    #[sqlx(flatten)]
    pub owner: OwnerRow,
}

impl TryFrom<TokenRow> for (Authorization, User) {
    type Error = StoreError;

    fn try_from(r: TokenRow) -> StoreResult<Self> {
        Ok((r.authorization.try_into()?, UserRow::from(r.owner).into()))
    }
}

/// A grant with its app and its live tokens' scopes ([`grants`](crate::grants)).
#[derive(Debug, sqlx::FromRow)]
#[allow(missing_docs)]
pub struct GrantViewRow {
    pub id: i64,
    pub user_id: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub app_id: i64,
    pub app_client_id: String,
    pub app_name: String,
    pub app_url: String,
    pub scopes: Option<String>,
}

impl From<GrantViewRow> for Grant {
    fn from(r: GrantViewRow) -> Self {
        let scopes = Scopes::from_storage(r.scopes.as_deref().unwrap_or(""));
        Grant {
            id: GrantId(r.id),
            user_id: UserId(r.user_id),
            app: AppSummary {
                id: AppId(r.app_id),
                client_id: ClientId(r.app_client_id),
                name: r.app_name,
                url: r.app_url,
            },
            scopes: Scopes::union([&scopes]),
            created_at: from_ts(r.created_at),
            updated_at: from_ts(r.updated_at),
        }
    }
}

/// A row of `grants` as stored (for a snapshot).
#[derive(Debug, sqlx::FromRow)]
#[allow(missing_docs)]
pub struct GrantTableRow {
    pub id: i64,
    pub user_id: i64,
    pub app_id: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<GrantTableRow> for GrantRow {
    fn from(r: GrantTableRow) -> Self {
        GrantRow {
            id: GrantId(r.id),
            user_id: UserId(r.user_id),
            app_id: AppId(r.app_id),
            created_at: from_ts(r.created_at),
            updated_at: from_ts(r.updated_at),
        }
    }
}

/// Converts every row.
pub fn convert<R, T: TryFrom<R, Error = StoreError>>(rows: Vec<R>) -> StoreResult<Vec<T>> {
    rows.into_iter().map(T::try_from).collect()
}

/// A row of `sessions` (`s_*`) with its user ([`owner_columns!`](crate::owner_columns)).
#[derive(Debug, sqlx::FromRow)]
#[allow(missing_docs)]
pub struct SessionRow {
    pub s_digest: Vec<u8>,
    pub s_user_id: i64,
    pub s_signed_in: i64,
    pub s_created_at: i64,
    pub s_last_seen_at: i64,
    pub s_expires_at: i64,
    #[sqlx(flatten)]
    pub owner: OwnerRow,
}

impl TryFrom<SessionRow> for (grantd_core::model::Session, User) {
    type Error = StoreError;

    fn try_from(r: SessionRow) -> StoreResult<Self> {
        let session = grantd_core::model::Session {
            digest: digest(r.s_digest, "a session digest")?,
            user_id: UserId(r.s_user_id),
            signed_in: r.s_signed_in != 0,
            created_at: from_ts(r.s_created_at),
            last_seen_at: from_ts(r.s_last_seen_at),
            expires_at: from_ts(r.s_expires_at),
        };
        Ok((session, UserRow::from(r.owner).into()))
    }
}

/// A row of `oauth_codes`.
#[derive(Debug, sqlx::FromRow)]
#[allow(missing_docs)]
pub struct CodeRow {
    pub app_id: i64,
    pub user_id: i64,
    pub redirect_uri: String,
    pub scopes: String,
    pub code_challenge: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

impl From<CodeRow> for grantd_core::model::OAuthCode {
    fn from(r: CodeRow) -> Self {
        Self {
            app_id: AppId(r.app_id),
            user_id: UserId(r.user_id),
            redirect_uri: r.redirect_uri,
            scopes: Scopes::from_storage(&r.scopes),
            code_challenge: r.code_challenge,
            created_at: from_ts(r.created_at),
            expires_at: from_ts(r.expires_at),
        }
    }
}

//! The pieces statements are built from, as macros expanding to string literals (so statements
//! are `concat!`ed at compile time): column lists matching the [`rows`](crate::rows) types, and
//! the rule that a token is live.

/// The columns of [`UserRow`](crate::rows::UserRow).
#[macro_export]
macro_rules! user_columns {
    () => {
        "id, login, email, email_verified, name, password_hash, totp_sealed, totp_last_step, failed_logins, locked_until, \
         created_at, updated_at"
    };
}

/// The columns of [`UserRow`](crate::rows::UserRow) from `u`, as `u_*` (beside an authorization).
#[macro_export]
macro_rules! owner_columns {
    () => {
        "u.id AS u_id, u.login AS u_login, u.email AS u_email, u.email_verified AS u_email_verified, u.name AS u_name, \
         u.password_hash AS u_password_hash, u.totp_sealed AS u_totp_sealed, \
         u.totp_last_step AS u_totp_last_step, u.failed_logins AS u_failed_logins, \
         u.locked_until AS u_locked_until, u.created_at AS u_created_at, u.updated_at AS u_updated_at"
    };
}

/// The columns of [`AppRow`](crate::rows::AppRow).
#[macro_export]
macro_rules! app_columns {
    () => {
        "id, client_id, client_secret_digest, name, url, callback_urls, created_at, updated_at"
    };
}

/// The columns of [`AuthorizationRow`](crate::rows::AuthorizationRow): the authorization `a`
/// with its app `p` (joined by [`authorization_from!`](crate::authorization_from)).
#[macro_export]
macro_rules! authorization_columns {
    () => {
        "a.id, a.user_id, a.app_id, a.grant_id, a.token_digest, a.token_last_eight, a.scopes, a.note, \
         a.note_url, a.fingerprint, a.created_at, a.updated_at, a.expires_at, a.flow, \
         p.client_id AS app_client_id, p.name AS app_name, p.url AS app_url"
    };
}

/// `FROM` the authorizations `a` (with `$hint`, SQLite's `INDEXED BY …` or nothing) and their
/// apps `p`.
#[macro_export]
macro_rules! authorization_from {
    ($hint:literal) => {
        concat!(" FROM authorizations a ", $hint, " LEFT JOIN apps p ON p.id = a.app_id")
    };
}

/// The rule that a token (alias `a`) is alive at parameter `$n` (BEHAVIOR 78): it has no expiry,
/// or expires after then. Written only here.
#[macro_export]
macro_rules! live {
    ($n:literal) => {
        concat!("(a.expires_at IS NULL OR a.expires_at > $", $n, ")")
    };
}

/// Which of an app's authorizations (alias `a`) keep the rule "one per user, app and fingerprint"
/// (BEHAVIOR 36, 39): those the Authorizations API made, and any with a fingerprint. The web
/// flow's tokens without one are outside it, as a person may approve an app on several devices
/// (FLOWS 17, 24). The same predicate is the unique index `authorizations_app_fingerprint`'s
/// (migration 0009) and PostgreSQL's `ON CONFLICT` clause: keep the three in step.
#[macro_export]
macro_rules! one_per_fingerprint {
    () => {
        "(a.flow = 'api' OR a.fingerprint IS NOT NULL)"
    };
}

/// The live authorization with token digest `$d` at `$n`, with its owner's columns as `u_*`:
/// [`TokenRow`](crate::rows::TokenRow). `$hint` is SQLite's index choice (or nothing).
#[macro_export]
macro_rules! token_lookup {
    ($hint:literal, $d:literal, $n:literal) => {
        concat!(
            "SELECT ",
            $crate::authorization_columns!(),
            ", ",
            $crate::owner_columns!(),
            $crate::authorization_from!($hint),
            " JOIN users u ON u.id = a.user_id WHERE a.token_digest = $",
            $d,
            " AND ",
            $crate::live!($n)
        )
    };
}

/// Selects authorizations with their apps (see [`authorization_columns!`](crate::authorization_columns)).
pub const AUTHORIZATIONS: &str = concat!("SELECT ", authorization_columns!(), authorization_from!(""));

/// A user by id `$1`.
pub const USER_BY_ID: &str = concat!("SELECT ", user_columns!(), " FROM users WHERE id = $1");

/// An authorization by id `$1` (live or not).
pub const AUTHORIZATION_BY_ID: &str = concat!(
    "SELECT ",
    authorization_columns!(),
    authorization_from!(""),
    " WHERE a.id = $1"
);

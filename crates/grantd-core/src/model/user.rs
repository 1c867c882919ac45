//! Users: the people who log in with a password and own authorizations.

use super::UserId;
use time::OffsetDateTime;

/// A stored user.
#[derive(Clone)]
pub struct User {
    /// Numeric id.
    pub id: UserId,
    /// Login name, unique case-insensitively.
    pub login: String,
    /// E-mail address, if known.
    pub email: Option<String>,
    /// Whether the e-mail address was verified (by the administrator who set it): `GET
    /// /user/emails` reports it, and sign-in integrations may refuse unverified addresses.
    pub email_verified: bool,
    /// Display name, if known.
    pub name: Option<String>,
    /// Argon2id hash in PHC string format.
    pub password_hash: String,
    /// The TOTP seed, sealed with the server's key; `None` when two-factor is off.
    pub totp_sealed: Option<Vec<u8>>,
    /// The newest TOTP time step accepted for this user: codes of older steps are refused.
    pub totp_last_step: i64,
    /// Failed logins counted in the current lock-out window.
    pub failed_logins: i64,
    /// Until when every login is refused, if locked out.
    pub locked_until: Option<OffsetDateTime>,
    /// When the user was created.
    pub created_at: OffsetDateTime,
    /// When the user was last changed.
    pub updated_at: OffsetDateTime,
}

/// The key that makes logins unique case-insensitively: the login with its ASCII letters lowered
/// and every other character kept, exactly SQLite's built-in `lower()`. Both stores store and
/// look users up by this key, bound from here, so they agree on which logins collide (a
/// database's own `lower()` may also lower non-ASCII letters, by its locale).
pub fn login_key(login: &str) -> String {
    login.to_ascii_lowercase()
}

impl User {
    /// Whether two-factor authentication is on.
    pub fn two_factor_enabled(&self) -> bool {
        self.totp_sealed.is_some()
    }
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("login", &self.login)
            .field("two_factor", &self.two_factor_enabled())
            .field("password_hash", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// What it takes to create a user.
#[derive(Clone)]
pub struct NewUser {
    /// Login name.
    pub login: String,
    /// E-mail address.
    pub email: Option<String>,
    /// Whether the address is verified.
    pub email_verified: bool,
    /// Display name.
    pub name: Option<String>,
    /// Argon2id hash of the password.
    pub password_hash: String,
    /// Creation time.
    pub now: OffsetDateTime,
}

impl std::fmt::Debug for NewUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewUser")
            .field("login", &self.login)
            .finish_non_exhaustive()
    }
}

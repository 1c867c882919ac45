//! The administration of users (CLI): create, list, change password or e-mail address, remove,
//! two-factor on/off.

use super::{non_blank, ServiceError, ServiceResult, Services};
use crate::model::{NewUser, User};
use crate::secret::TotpSecret;
use crate::store::{Conflict, StoreError};
use secrecy::{ExposeSecret, SecretString};

/// Shortest password accepted (GitHub's own minimum).
pub const MIN_PASSWORD_LEN: usize = 8;
/// Longest password accepted: Argon2 takes any length, but a bound keeps hashing cost fixed.
pub const MAX_PASSWORD_LEN: usize = 1024;
/// Shortest two-factor seed accepted: RFC 4226 asks for at least 128 bits.
pub const MIN_TOTP_SEED_BYTES: usize = 16;

/// What enabling two-factor gives the user to set up an authenticator app.
#[derive(Debug, Clone)]
pub struct EnabledTwoFactor {
    /// The seed in base32 (shown once).
    pub secret: TotpSecret,
    /// The `otpauth://` URL for a QR code.
    pub otpauth_url: String,
}

impl Services {
    /// Creates a user.
    pub async fn add_user(
        &self,
        login: &str,
        password: SecretString,
        email: Option<String>,
        email_verified: bool,
        name: Option<String>,
    ) -> ServiceResult<User> {
        validate_login(login)?;
        validate_password(&password)?;
        let email = non_blank(email);
        if let Some(e) = &email {
            validate_email(e)?;
        }
        if email_verified && email.is_none() {
            return Err(ServiceError::Rejected(
                "only an e-mail address can be verified: give one".into(),
            ));
        }
        let password_hash = self.hash_password(password).await?;
        let new = NewUser {
            login: login.to_owned(),
            email,
            email_verified,
            name: non_blank(name),
            password_hash,
            now: self.clock.now(),
        };
        self.store.create_user(new).await.map_err(|e| match e {
            StoreError::Conflict(Conflict::Login) => ServiceError::Rejected(format!("the login {login:?} is taken")),
            other => other.into(),
        })
    }

    /// Every user.
    pub async fn list_users(&self) -> ServiceResult<Vec<User>> {
        Ok(self.store.list_users().await?)
    }

    /// The user with `login`, if there is one.
    pub async fn user_by_login(&self, login: &str) -> ServiceResult<Option<User>> {
        Ok(self.store.user_by_login(login).await?)
    }

    /// The number of users (to tell an empty installation how to start).
    pub async fn count_users(&self) -> ServiceResult<u64> {
        Ok(self.store.count_users().await?)
    }

    /// Changes a user's password.
    pub async fn set_password(&self, login: &str, password: SecretString) -> ServiceResult<User> {
        validate_password(&password)?;
        let user = self.require_user(login).await?;
        let hash = self.hash_password(password).await?;
        self.store.set_password_hash(user.id, &hash, self.clock.now()).await?;
        Ok(user)
    }

    /// Changes a user's e-mail address or whether it is verified; the user as they now are.
    pub async fn set_email(&self, login: &str, change: EmailChange) -> ServiceResult<User> {
        let mut user = self.require_user(login).await?;
        let (email, verified) = match change {
            EmailChange::Address { email, verified } => {
                let email = email.trim().to_owned();
                validate_email(&email)?;
                (Some(email), verified)
            }
            EmailChange::Verified(verified) => match user.email.clone() {
                Some(email) => (Some(email), verified),
                None => {
                    return Err(ServiceError::Rejected(format!(
                        "{} has no e-mail address to mark",
                        user.login
                    )))
                }
            },
            EmailChange::Remove => (None, false),
        };
        let now = self.clock.now();
        self.store.set_email(user.id, email.as_deref(), verified, now).await?;
        user.email = email;
        user.email_verified = verified;
        user.updated_at = now;
        Ok(user)
    }

    /// Removes a user with every authorization and grant.
    pub async fn remove_user(&self, login: &str) -> ServiceResult<User> {
        let user = self.require_user(login).await?;
        self.store.delete_user(user.id).await?;
        Ok(user)
    }

    /// Lifts a user's lock-out and forgets their counted failures (`grantd user unlock`): the
    /// way back for an owner whose login others locked. Returns the user as they were, so the
    /// caller can tell whether a lock was in force.
    pub async fn unlock_user(&self, login: &str) -> ServiceResult<User> {
        let user = self.require_user(login).await?;
        self.store.unlock_user(user.id).await?;
        Ok(user)
    }

    /// Turns two-factor on with a new seed (replacing any earlier one).
    pub async fn enable_two_factor(&self, login: &str) -> ServiceResult<EnabledTwoFactor> {
        self.set_two_factor_secret(login, TotpSecret::generate()).await
    }

    /// Turns two-factor on with the given seed (replacing any earlier one): fixtures give a test
    /// suite's user a seed it knows, so the suite can compute codes.
    pub async fn set_two_factor_secret(&self, login: &str, secret: TotpSecret) -> ServiceResult<EnabledTwoFactor> {
        if secret.expose_bytes().len() < MIN_TOTP_SEED_BYTES {
            return Err(ServiceError::Rejected(format!(
                "a two-factor seed needs at least {MIN_TOTP_SEED_BYTES} bytes (RFC 4226), {} base32 characters",
                (MIN_TOTP_SEED_BYTES * 8).div_ceil(5)
            )));
        }
        let user = self.require_user(login).await?;
        let sealed = self.master_key.seal(secret.expose_bytes());
        self.store.set_totp(user.id, Some(&sealed), self.clock.now()).await?;
        let otpauth_url = secret.otpauth_url(&self.config.totp_issuer, &user.login);
        Ok(EnabledTwoFactor { secret, otpauth_url })
    }

    /// Turns two-factor off.
    pub async fn disable_two_factor(&self, login: &str) -> ServiceResult<User> {
        let user = self.require_user(login).await?;
        self.store.set_totp(user.id, None, self.clock.now()).await?;
        Ok(user)
    }

    async fn require_user(&self, login: &str) -> ServiceResult<User> {
        self.store
            .user_by_login(login)
            .await?
            .ok_or_else(|| ServiceError::Rejected(format!("no user has the login {login:?}")))
    }

    async fn hash_password(&self, password: SecretString) -> ServiceResult<String> {
        self.passwords
            .hash(password)
            .await
            .map_err(|e| ServiceError::Internal(Box::new(e)))
    }
}

/// A change of a user's e-mail address ([`Services::set_email`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailChange {
    /// A new address, verified or not.
    Address {
        /// The address.
        email: String,
        /// Whether it is verified.
        verified: bool,
    },
    /// The same address, now verified or not.
    Verified(bool),
    /// No address any more.
    Remove,
}

/// An e-mail address as grantd checks one: an `@` between non-empty parts, no white space, at
/// most 254 characters (RFC 5321's path limit). Whether it receives mail is the administrator's
/// to say (`--verified`).
fn validate_email(email: &str) -> ServiceResult<()> {
    let ok = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && email
            .rsplit_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty());
    if ok {
        Ok(())
    } else {
        Err(ServiceError::Rejected(format!("{email:?} is not an e-mail address")))
    }
}

/// GitHub's login rules: 1-39 characters, letters, digits and single hyphens, not at either end.
fn validate_login(login: &str) -> ServiceResult<()> {
    let ok = !login.is_empty()
        && login.len() <= 39
        && login.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !login.starts_with('-')
        && !login.ends_with('-')
        && !login.contains("--");
    if ok {
        Ok(())
    } else {
        Err(ServiceError::Rejected(format!(
            "{login:?} is not a valid login: use 1 to 39 letters, digits or single hyphens, not at the start or end"
        )))
    }
}

fn validate_password(password: &SecretString) -> ServiceResult<()> {
    let len = password.expose_secret().chars().count();
    if len < MIN_PASSWORD_LEN {
        return Err(ServiceError::Rejected(format!(
            "the password must have at least {MIN_PASSWORD_LEN} characters"
        )));
    }
    if len > MAX_PASSWORD_LEN {
        return Err(ServiceError::Rejected(format!(
            "the password must have at most {MAX_PASSWORD_LEN} characters"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_addresses_need_both_sides_of_an_at() {
        for ok in ["a@b", "first.last+tag@example.com", "\"odd@\"@example.com"] {
            assert!(validate_email(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a", "@b", "a@", "a b@c", "a@b\n", &format!("{}@b", "x".repeat(253))] {
            assert!(validate_email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn logins_follow_githubs_rules() {
        for ok in ["a", "alice", "al-ice", "A1", &"x".repeat(39)] {
            assert!(validate_login(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-a", "a-", "a--b", "al ice", "al_ice", "é", &"x".repeat(40)] {
            assert!(validate_login(bad).is_err(), "{bad}");
        }
    }
}

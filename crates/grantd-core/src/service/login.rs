//! Password logins with two-factor codes and the failed-login lock-out (BEHAVIOR 13-20).
//!
//! Order of checks (BEHAVIOR 19): a locked-out user is refused first (403, even with the right
//! password); a wrong password is `Bad credentials` with no OTP header and counts as a failure;
//! a right password without a code asks for one (not a failure); a wrong or stale code asks again
//! and counts as a failure, so codes cannot be guessed without limit.

use super::{ServiceError, ServiceResult, Services};
use crate::model::User;
use crate::secret::{Token, TotpCheck, TotpSecret};
use secrecy::{ExposeSecret, SecretString};

/// A successful login.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    /// The user who logged in.
    pub user: User,
}

impl Services {
    /// Logs in with a login and password, and the TOTP code when the user has two-factor on.
    pub async fn login(&self, login: &str, password: SecretString, otp: Option<&str>) -> ServiceResult<LoginOutcome> {
        let now = self.clock.now();
        let user = self.store.user_by_login(login).await?;

        // BEHAVIOR 7: a token in place of the password on the password-only endpoints.
        if let Some(user) = &user {
            if self.is_token_of(password.expose_secret(), user).await? {
                return Err(ServiceError::TokenNotAllowed);
            }
        }
        if let Some(until) = user.as_ref().and_then(|u| u.locked_until) {
            if until > now {
                return Err(ServiceError::LockedOut);
            }
        }
        let matched = self
            .passwords
            .verify(password, user.as_ref().map(|u| u.password_hash.clone()))
            .await
            .map_err(|_| ServiceError::Busy)?;
        let Some(user) = user else {
            return Err(ServiceError::BadCredentials);
        };
        if !matched {
            self.store
                .record_failed_login(user.id, now, &self.config.lockout)
                .await?;
            return Err(ServiceError::BadCredentials);
        }
        if let Some(sealed) = &user.totp_sealed {
            let Some(code) = otp.map(str::trim).filter(|c| !c.is_empty()) else {
                return Err(ServiceError::OtpRequired);
            };
            let seed = TotpSecret::from_bytes(
                self.master_key
                    .open(sealed)
                    .map_err(|e| ServiceError::Internal(Box::new(e)))?,
            );
            let fresh = match seed.check(code, now.unix_timestamp()) {
                TotpCheck::Valid { step } => self.store.accept_totp_step(user.id, step).await?,
                TotpCheck::Invalid => false,
            };
            if !fresh {
                self.store
                    .record_failed_login(user.id, now, &self.config.lockout)
                    .await?;
                return Err(ServiceError::OtpRequired);
            }
        }
        if user.failed_logins > 0 {
            self.store.clear_failed_logins(user.id).await?;
        }
        Ok(LoginOutcome { user })
    }

    /// Whether `candidate` is a live token of `user` (no database work unless it has a token's
    /// shape and checksum).
    async fn is_token_of(&self, candidate: &str, user: &User) -> ServiceResult<bool> {
        let Ok(token) = Token::parse(candidate) else {
            return Ok(false);
        };
        let found = self
            .store
            .authorization_by_token(&token.digest(), self.clock.now())
            .await?;
        Ok(found.is_some_and(|(_, owner)| owner.id == user.id))
    }

    /// Authenticates a token (`Authorization: token …`, `bearer …`, or Basic with the token as
    /// password). A malformed token is refused before any database work.
    pub async fn authenticate_token(&self, raw: &str) -> ServiceResult<(crate::model::Authorization, User)> {
        let token = Token::parse(raw.trim()).map_err(|_| ServiceError::BadCredentials)?;
        self.store
            .authorization_by_token(&token.digest(), self.clock.now())
            .await?
            .ok_or(ServiceError::BadCredentials)
    }

    /// Whether `raw` has the shape of a token grantd issues (no I/O).
    pub fn looks_like_token(raw: &str) -> bool {
        Token::parse(raw.trim()).is_ok()
    }
}

//! Password logins with two-factor codes and the failed-login lock-out (BEHAVIOR 13-20).
//!
//! Order of checks (BEHAVIOR 19): a client address over its failed-authentication budget is
//! refused first, before anything is looked up ([`super::failed_auth`]); a locked-out user is
//! refused next (403, even with the right password); a wrong password is `Bad credentials` with
//! no OTP header and counts as a failure; a right password without a code asks for one (not a
//! failure); a wrong or stale code asks again and counts as a failure, so codes cannot be
//! guessed without limit. Failures and refusals are logged ([`super::auth_log`]).
//!
//! An attempt is counted **before** the password is checked, in one conditional statement with
//! the lock check (`begin_login_attempt`), and refused without hashing when the user is or
//! thereby becomes locked; so concurrent guesses, on one instance or many, get at most the
//! policy's maximum of checks a window. Within a process, one check of a login runs at a time.
//!
//! A login no user has goes through the same steps against a dummy hash, and is counted and
//! locked alike (in a table of its own), so that neither the answers, their timing nor the
//! lock-out tell which logins exist.

use super::auth_log::{self, Reason};
use super::{ServiceError, ServiceResult, Services};
use crate::model::{login_key, Source, User};
use crate::secret::{Token, TotpCheck, TotpSecret};
use crate::store::{AttemptOutcome, LoginAttempt, LoginTarget};
use secrecy::{ExposeSecret, SecretString};
use std::sync::atomic::Ordering;

/// A successful login.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    /// The user who logged in.
    pub user: User,
}

/// What the password and the code of an admitted attempt showed.
enum Verdict {
    Success,
    WrongPassword,
    CodeMissing,
    WrongCode,
}

/// How a login attempt ended, for the answer, the address's budget and the log.
enum Attempt {
    Success(User),
    UnknownLogin,
    /// A wrong password or code; `locked`: the failure locked the user out.
    Failed {
        reason: Reason,
        locked: bool,
    },
    CodeMissing,
    Locked,
    TokenAsPassword,
}

impl Services {
    /// Logs in with a login and password, and the TOTP code when the user has two-factor on,
    /// for a client at `source` (whose failed attempts are budgeted, [`super::failed_auth`]).
    pub async fn login(
        &self,
        login: &str,
        password: SecretString,
        otp: Option<&str>,
        source: Source,
    ) -> ServiceResult<LoginOutcome> {
        let charge = match self.failed_auth.charge(source, self.clock.now().unix_timestamp()) {
            Ok(charge) => charge,
            Err(over) => {
                if over.first {
                    let policy = &self.config.failed_auth;
                    auth_log::over_budget(source, policy.limit, policy.window_seconds);
                }
                auth_log::refused(source, login, Reason::OverBudget);
                return Err(ServiceError::LockedOut);
            }
        };
        let attempt = match self.attempt(login, password, otp, source).await {
            Ok(attempt) => attempt,
            Err(e) => {
                charge.forgive();
                return Err(e);
            }
        };
        match attempt {
            Attempt::Success(user) => {
                crate::metrics::families().logins.success.inc();
                charge.forgive();
                Ok(LoginOutcome { user })
            }
            Attempt::UnknownLogin => {
                auth_log::refused(source, login, Reason::UnknownLogin);
                Err(ServiceError::BadCredentials)
            }
            Attempt::Failed { reason, locked } => {
                auth_log::refused(source, login, reason);
                if locked {
                    auth_log::locked_out(source, login, self.config.lockout.lock_seconds);
                }
                Err(if reason == Reason::WrongCode {
                    ServiceError::OtpRequired
                } else {
                    ServiceError::BadCredentials
                })
            }
            Attempt::CodeMissing => {
                charge.forgive();
                Err(ServiceError::OtpRequired)
            }
            Attempt::Locked => {
                charge.forgive();
                auth_log::refused(source, login, Reason::Locked);
                Err(ServiceError::LockedOut)
            }
            Attempt::TokenAsPassword => {
                charge.forgive();
                Err(ServiceError::TokenNotAllowed)
            }
        }
    }

    /// One attempt: the user, the lock-out, the password and the code.
    async fn attempt(
        &self,
        login: &str,
        password: SecretString,
        otp: Option<&str>,
        source: Source,
    ) -> ServiceResult<Attempt> {
        let user = self.store.user_by_login(login).await?;
        let Some(user) = user else {
            return self.attempt_unknown(login, password, source).await;
        };
        // BEHAVIOR 7: a token in place of the password on the password-only endpoints.
        if self.is_token_of(password.expose_secret(), &user).await? {
            return Ok(Attempt::TokenAsPassword);
        }
        // A lock seen already is refused without queueing for the gate or writing.
        if user.locked_until.is_some_and(|until| until > self.clock.now()) {
            return Ok(Attempt::Locked);
        }
        let _gate = self.login_gates.enter(login_key(&user.login)).await;
        let now = self.clock.now();
        let policy = &self.config.lockout;
        let target = LoginTarget::User(user.id);
        if self.store.begin_login_attempt(target, now, policy).await? == LoginAttempt::Locked {
            return Ok(Attempt::Locked);
        }
        let verdict = self.verify(&user, password, otp, now, source).await;
        let outcome = match &verdict {
            Ok(Verdict::Success) => AttemptOutcome::Succeeded,
            Ok(Verdict::WrongPassword | Verdict::WrongCode) => AttemptOutcome::Failed,
            Ok(Verdict::CodeMissing) | Err(_) => AttemptOutcome::Withdrawn,
        };
        let locked = self.store.end_login_attempt(target, now, policy, outcome).await?;
        Ok(match verdict? {
            Verdict::Success => Attempt::Success(user),
            Verdict::WrongPassword => Attempt::Failed {
                reason: Reason::WrongPassword,
                locked,
            },
            Verdict::WrongCode => Attempt::Failed {
                reason: Reason::WrongCode,
                locked,
            },
            Verdict::CodeMissing => Attempt::CodeMissing,
        })
    }

    /// The second step of a sign-in on the pages: the two-factor code of a user whose password
    /// was right a moment ago. Counted like a login attempt (a wrong or stale code is a failure
    /// that moves the lock-out; a locked user is refused), one check per login at a time.
    pub(super) async fn check_second_factor(&self, user: &User, code: &str, source: Source) -> ServiceResult<()> {
        let _gate = self.login_gates.enter(login_key(&user.login)).await;
        let now = self.clock.now();
        let policy = &self.config.lockout;
        let target = LoginTarget::User(user.id);
        if self.store.begin_login_attempt(target, now, policy).await? == LoginAttempt::Locked {
            return Err(ServiceError::LockedOut);
        }
        let verdict = self.verify_code(user, Some(code), now).await;
        let outcome = match &verdict {
            Ok(Verdict::Success) => AttemptOutcome::Succeeded,
            Ok(Verdict::WrongCode) => AttemptOutcome::Failed,
            Ok(_) | Err(_) => AttemptOutcome::Withdrawn,
        };
        let locked = self.store.end_login_attempt(target, now, policy, outcome).await?;
        if outcome == AttemptOutcome::Failed {
            auth_log::refused(source, &user.login, Reason::WrongCode);
            if locked {
                auth_log::locked_out(source, &user.login, policy.lock_seconds);
            }
        }
        match verdict? {
            Verdict::Success => {
                crate::metrics::families().logins.success.inc();
                Ok(())
            }
            Verdict::WrongPassword => Err(ServiceError::BadCredentials),
            Verdict::CodeMissing | Verdict::WrongCode => Err(ServiceError::OtpRequired),
        }
    }

    /// A login no user has: the same steps as a user's wrong password, so that neither the
    /// answers nor their timing tell that the login does not exist. Its attempts are counted
    /// and locked like a user's (after the maximum, `LockedOut`), one check at a time, against
    /// a dummy hash.
    async fn attempt_unknown(&self, login: &str, password: SecretString, source: Source) -> ServiceResult<Attempt> {
        let key = login_key(login);
        let _gate = self.login_gates.enter(key.clone()).await;
        let now = self.clock.now();
        let policy = &self.config.lockout;
        self.purge_unknown_logins(now).await;
        let target = LoginTarget::Unknown(&key);
        if self.store.begin_login_attempt(target, now, policy).await? == LoginAttempt::Locked {
            return Ok(Attempt::Locked);
        }
        let checked = self.passwords.verify(password, None, source.key()).await;
        let outcome = if checked.is_ok() {
            AttemptOutcome::Failed
        } else {
            AttemptOutcome::Withdrawn
        };
        self.store.end_login_attempt(target, now, policy, outcome).await?;
        checked.map_err(|_| ServiceError::Busy)?;
        Ok(Attempt::UnknownLogin)
    }

    /// Deletes unknown logins' counts that are over, at most once a lock-out window per process.
    async fn purge_unknown_logins(&self, now: time::OffsetDateTime) {
        let due = self.next_unknown_purge.load(Ordering::Relaxed);
        let at = now.unix_timestamp();
        let next = at + self.config.lockout.window_seconds.max(1);
        if at < due
            || self
                .next_unknown_purge
                .compare_exchange(due, next, Ordering::AcqRel, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        if let Err(e) = self.store.purge_unknown_logins(now, &self.config.lockout).await {
            tracing::warn!(error = %e, "cannot delete the counts of unknown logins that are over");
        }
    }

    /// Checks the password, then the code when the user has two-factor on.
    async fn verify(
        &self,
        user: &User,
        password: SecretString,
        otp: Option<&str>,
        now: time::OffsetDateTime,
        source: Source,
    ) -> ServiceResult<Verdict> {
        let matched = self
            .passwords
            .verify(password, Some(user.password_hash.clone()), source.key())
            .await
            .map_err(|_| ServiceError::Busy)?;
        if !matched {
            return Ok(Verdict::WrongPassword);
        }
        self.verify_code(user, otp, now).await
    }

    /// Checks the code of a user whose password was right (success when two-factor is off).
    async fn verify_code(&self, user: &User, otp: Option<&str>, now: time::OffsetDateTime) -> ServiceResult<Verdict> {
        let Some(sealed) = &user.totp_sealed else {
            return Ok(Verdict::Success);
        };
        let Some(code) = otp.map(str::trim).filter(|c| !c.is_empty()) else {
            return Ok(Verdict::CodeMissing);
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
        Ok(if fresh { Verdict::Success } else { Verdict::WrongCode })
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
        let counts = &crate::metrics::families().token_authentications;
        let found = match Token::parse(raw.trim()) {
            Ok(token) => {
                self.store
                    .authorization_by_token(&token.digest(), self.clock.now())
                    .await?
            }
            Err(_) => None,
        };
        match found {
            Some(found) => {
                counts.success.inc();
                Ok(found)
            }
            None => {
                counts.failure.inc();
                Err(ServiceError::BadCredentials)
            }
        }
    }

    /// Whether `raw` has the shape of a token grantd issues (no I/O).
    pub fn looks_like_token(raw: &str) -> bool {
        Token::parse(raw.trim()).is_ok()
    }
}

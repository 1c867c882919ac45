//! Signing in to grantd's pages (FLOWS B): a password, then — for a user with two-factor on — a
//! code on a page of its own, give a browser session. Both steps count towards the same lock-out
//! as Basic authentication ([`super::login`]), so the pages are no way around it.
//!
//! A session is known to the store only by the digest of its id. It ends after
//! [`SessionPolicy::idle`] without use or [`SessionPolicy::absolute`] after sign-in, whichever
//! comes first; a pending session (password right, code still to come) after
//! [`SessionPolicy::pending`]. Sessions that are over are deleted now and then.

use super::{ServiceError, ServiceResult, Services};
use crate::model::{NewSession, Session, Source, User};
use crate::secret::Opaque;
use secrecy::SecretString;
use std::sync::atomic::Ordering;
use time::Duration;

/// How long sessions last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session unused this long is over.
    pub idle: Duration,
    /// A session is over this long after sign-in, however much it is used.
    pub absolute: Duration,
    /// How long a pending sign-in waits for its two-factor code.
    pub pending: Duration,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        Self {
            idle: Duration::days(1),
            absolute: Duration::days(14),
            pending: Duration::minutes(5),
        }
    }
}

/// The result of a right password.
#[derive(Debug)]
pub enum SignIn {
    /// Signed in: the browser keeps this session id.
    SignedIn(Opaque),
    /// The user has two-factor on: this pending session id is good for the code's page only.
    CodeNeeded(Opaque),
}

/// A live session and its user.
#[derive(Debug, Clone)]
pub struct CurrentSession {
    /// The session.
    pub session: Session,
    /// Its user.
    pub user: User,
}

impl Services {
    /// Checks a login and password (counted as Basic authentication's are) and opens a session:
    /// signed in, or pending when the user has two-factor on.
    pub async fn sign_in(&self, login: &str, password: SecretString, source: Source) -> ServiceResult<SignIn> {
        match self.login(login, password, None, source).await {
            Ok(outcome) => Ok(SignIn::SignedIn(self.open_session(&outcome.user, true).await?)),
            // Without a code, "code required" means the password was right.
            Err(ServiceError::OtpRequired) => {
                let user = self
                    .store
                    .user_by_login(login)
                    .await?
                    .ok_or(ServiceError::BadCredentials)?;
                Ok(SignIn::CodeNeeded(self.open_session(&user, false).await?))
            }
            Err(e) => Err(e),
        }
    }

    /// Completes a pending sign-in with a two-factor code (counted towards the lock-out as a
    /// wrong code on Basic authentication is). A wrong code leaves the session pending
    /// (`OtpRequired`); a pending session that is over, or one already signed in, is
    /// `BadCredentials`.
    pub async fn sign_in_second_factor(&self, id: &Opaque, code: &str, source: Source) -> ServiceResult<()> {
        let now = self.clock.now();
        let Some((session, user)) = self.store.use_session(&id.digest(), now).await? else {
            return Err(ServiceError::BadCredentials);
        };
        let pending_until = session.created_at + self.config.sessions.pending;
        if session.signed_in || now >= pending_until {
            return Err(ServiceError::BadCredentials);
        }
        self.check_second_factor(&user, code, source).await?;
        self.store.complete_session(&id.digest(), now).await?;
        Ok(())
    }

    /// The live, signed-in session `id`, if any.
    pub async fn current_session(&self, id: &Opaque) -> ServiceResult<Option<CurrentSession>> {
        let now = self.clock.now();
        self.purge_sessions_now_and_then(now).await;
        let Some((session, user)) = self.store.use_session(&id.digest(), now).await? else {
            return Ok(None);
        };
        let live = session.signed_in && session.live_at(now, self.config.sessions.idle);
        Ok(live.then_some(CurrentSession { session, user }))
    }

    /// Ends the session `id` (signing out); ending none is fine.
    pub async fn sign_out(&self, id: &Opaque) -> ServiceResult<()> {
        Ok(self.store.delete_session(&id.digest()).await?)
    }

    /// The session policy.
    pub fn session_policy(&self) -> SessionPolicy {
        self.config.sessions
    }

    async fn open_session(&self, user: &User, signed_in: bool) -> ServiceResult<Opaque> {
        let now = self.clock.now();
        let id = Opaque::session_id();
        let lasts = if signed_in {
            self.config.sessions.absolute
        } else {
            self.config.sessions.pending
        };
        self.store
            .create_session(NewSession {
                digest: id.digest(),
                user_id: user.id,
                signed_in,
                now,
                expires_at: now + lasts,
            })
            .await?;
        Ok(id)
    }

    /// Deletes sessions and codes that are over, at most once a minute per process.
    async fn purge_sessions_now_and_then(&self, now: time::OffsetDateTime) {
        let at = now.unix_timestamp();
        let due = self.next_session_purge.load(Ordering::Relaxed);
        if at < due
            || self
                .next_session_purge
                .compare_exchange(due, at + 60, Ordering::AcqRel, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        let idle_before = now - self.config.sessions.idle;
        let families = crate::metrics::families();
        match self.store.purge_sessions(now, idle_before).await {
            Ok(purged) => families.sessions_purged.inc_by(purged),
            Err(e) => tracing::warn!(error = %e, "cannot delete sessions that are over"),
        }
        match self.store.purge_codes(now).await {
            Ok(purged) => families.codes_purged.inc_by(purged),
            Err(e) => tracing::warn!(error = %e, "cannot delete expired authorization codes"),
        }
    }
}

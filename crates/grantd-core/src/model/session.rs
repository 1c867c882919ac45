//! Browser sessions: a person signed in to grantd's pages (FLOWS B). A session is known by the
//! SHA-256 digest of its random id, which only the browser's cookie holds. A session whose
//! password was right but whose two-factor code is still to come is *pending*: it proves
//! nothing but the password, and only the two-factor page accepts it.

use super::UserId;
use time::OffsetDateTime;

/// A stored session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The digest of the session id.
    pub digest: [u8; 32],
    /// Whose session it is.
    pub user_id: UserId,
    /// Whether the sign-in is complete (`false`: the two-factor code is still to come).
    pub signed_in: bool,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it was last used.
    pub last_seen_at: OffsetDateTime,
    /// When it ends, however much it is used (the absolute limit).
    pub expires_at: OffsetDateTime,
}

impl Session {
    /// Whether the session is still good at `now`, given how long it may stay unused.
    pub fn live_at(&self, now: OffsetDateTime, idle: time::Duration) -> bool {
        now < self.expires_at && now < self.last_seen_at + idle
    }
}

/// What it takes to create a session.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The digest of the session id.
    pub digest: [u8; 32],
    /// Whose session it is.
    pub user_id: UserId,
    /// Whether the sign-in is complete.
    pub signed_in: bool,
    /// Now.
    pub now: OffsetDateTime,
    /// When it ends, however much it is used.
    pub expires_at: OffsetDateTime,
}

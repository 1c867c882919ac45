//! The trace failed password logins leave, under the target [`AUTH_TARGET`]: one line per
//! failed or refused login naming the client's address, the login tried and the reason; a
//! warning when a user becomes locked out and when an address first goes over its
//! failed-authentication budget. Never the password or the code.
//!
//! Unknown logins are named as such: the server's log is read by its operators, not by clients
//! (who get the same answer either way). The login is written quoted and escaped, and cut after
//! [`SHOWN_LOGIN_CHARS`] characters, so a hostile one can neither forge lines nor flood the log.

use crate::model::Source;

/// The log target of authentication events.
pub const AUTH_TARGET: &str = "grantd::auth";

/// Characters of a login written at most (GitHub's logins have at most 39).
pub const SHOWN_LOGIN_CHARS: usize = 64;

/// Why a password login did not succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reason {
    /// No user has the login.
    UnknownLogin,
    /// The password was wrong.
    WrongPassword,
    /// The password was right, the two-factor code wrong or used already.
    WrongCode,
    /// The user is locked out.
    Locked,
    /// The client's address has used its failed-authentication budget.
    OverBudget,
}

impl Reason {
    fn as_str(self) -> &'static str {
        match self {
            Self::UnknownLogin => "unknown login",
            Self::WrongPassword => "wrong password",
            Self::WrongCode => "wrong code",
            Self::Locked => "locked",
            Self::OverBudget => "over the address's failed-authentication budget",
        }
    }
}

/// The login as written to the log.
fn shown(login: &str) -> &str {
    login
        .char_indices()
        .nth(SHOWN_LOGIN_CHARS)
        .map_or(login, |(end, _)| &login[..end])
}

/// A failed or refused login (counted in [`crate::metrics::Logins`] too).
pub(super) fn refused(source: Source, login: &str, reason: Reason) {
    let logins = &crate::metrics::families().logins;
    match reason {
        Reason::UnknownLogin => logins.unknown_login.inc(),
        Reason::WrongPassword => logins.wrong_password.inc(),
        Reason::WrongCode => logins.wrong_code.inc(),
        Reason::Locked => logins.locked.inc(),
        Reason::OverBudget => logins.over_budget.inc(),
    }
    tracing::info!(
        target: AUTH_TARGET,
        ip = %source,
        login = ?shown(login),
        reason = reason.as_str(),
        "password login refused"
    );
}

/// A failure that locked its user out (counted in `grantd_lockouts_total` too).
pub(super) fn locked_out(source: Source, login: &str, lock_seconds: i64) {
    crate::metrics::families().lockouts.inc();
    tracing::warn!(
        target: AUTH_TARGET,
        ip = %source,
        login = ?shown(login),
        lock_seconds,
        "user locked out after too many failed logins"
    );
}

/// An address's first refusal in a window of its failed-authentication budget.
pub(super) fn over_budget(source: Source, limit: u32, window_seconds: i64) {
    tracing::warn!(
        target: AUTH_TARGET,
        ip = %source,
        limit,
        window_seconds,
        "address over its failed-authentication budget: its password logins are refused until the window ends"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_logins_are_cut_on_a_character_boundary() {
        assert_eq!(shown("alice"), "alice");
        let long = "é".repeat(100);
        assert_eq!(shown(&long).chars().count(), SHOWN_LOGIN_CHARS);
    }
}

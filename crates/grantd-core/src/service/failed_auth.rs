//! The failed-authentication budget of each client address: at most `limit` failed password
//! logins (a wrong password, a wrong or stale code, an unknown login) per address (an IPv6
//! address by its /64) in a fixed window, after which the address's logins are refused before
//! any password is hashed or any attempt is counted against a user's lock-out.
//!
//! An attempt is charged **before** its password is checked and forgiven afterwards when it did
//! not fail (a success, a code still to come, a locked user, a full hash queue, an error), so
//! concurrent guesses from one address get at most `limit` checks a window, as the lock-out's
//! counted attempts do for one user.
//!
//! The budgets live in this process: with several instances behind a load balancer, each
//! counts its own share. Memory is bounded: at most [`MAX_SOURCES`] addresses are remembered,
//! the least recently charged one forgotten first, each charge O(1).

use crate::model::{Source, SourceKey};
use hashlink::LruCache;
use std::collections::hash_map::RandomState;
use std::sync::{Mutex, PoisonError};

/// Addresses remembered at most (about 8 MiB): a client must charge this many other addresses
/// inside a window to make one forgotten, and whoever has that many has that many budgets.
pub const MAX_SOURCES: usize = 100_000;

/// How many failed logins one address may have in a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailedAuthPolicy {
    /// Failed logins per address and window; `0` turns the budget off.
    pub limit: u32,
    /// The window's length, in seconds.
    pub window_seconds: i64,
}

impl Default for FailedAuthPolicy {
    /// 100 an hour: far more than people behind one address mistype (the lock-out stops each
    /// user at 10 a quarter of an hour), and far fewer than a password-spraying run needs.
    fn default() -> Self {
        Self {
            limit: 100,
            window_seconds: 3600,
        }
    }
}

/// One address's window.
#[derive(Debug, Clone, Copy)]
struct Window {
    /// When it began (Unix seconds).
    start: i64,
    /// Attempts charged and not forgiven.
    used: u32,
    /// Whether a refusal was reported in this window already.
    refused: bool,
}

/// The budgets of the addresses charged lately.
pub(super) struct FailedAuthBudget {
    policy: FailedAuthPolicy,
    windows: Mutex<LruCache<SourceKey, Window, RandomState>>,
}

impl std::fmt::Debug for FailedAuthBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FailedAuthBudget")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// An address over its budget: the attempt is refused. `first`: the first refusal of the
/// window (worth a warning; the ones after it are the same story).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct OverBudget {
    pub(super) first: bool,
}

/// An attempt charged to its address; it stays charged unless [`Charge::forgive`]n (so does an
/// attempt whose request was abandoned mid-check: its hash was most likely spent).
#[must_use = "a charge is forgiven when the attempt did not fail"]
pub(super) struct Charge<'a> {
    budget: &'a FailedAuthBudget,
    /// The address and the window charged; `None` when nothing was (budget off, no address).
    charged: Option<(SourceKey, i64)>,
}

impl FailedAuthBudget {
    /// Budgets under `policy`.
    pub(super) fn new(policy: FailedAuthPolicy) -> Self {
        Self {
            policy,
            windows: Mutex::new(LruCache::with_hasher(MAX_SOURCES, RandomState::new())),
        }
    }

    /// Charges one attempt from `source` at `now` (Unix seconds), or refuses it when the
    /// address has used its budget. An unknown address, or a budget of 0, is never refused.
    pub(super) fn charge(&self, source: Source, now: i64) -> Result<Charge<'_>, OverBudget> {
        let key = match source.key() {
            Some(key) if self.policy.limit > 0 => key,
            _ => {
                return Ok(Charge {
                    budget: self,
                    charged: None,
                })
            }
        };
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        let fresh = Window {
            start: now,
            used: 0,
            refused: false,
        };
        // Charged now: the most recently used, the last to be forgotten.
        if windows.get_mut(&key).is_none() {
            windows.insert(key, fresh);
        }
        let Some(window) = windows.peek_mut(&key) else {
            // Just inserted; not reached.
            return Ok(Charge {
                budget: self,
                charged: None,
            });
        };
        if window.start + self.policy.window_seconds <= now || window.start > now {
            *window = fresh;
        }
        if window.used >= self.policy.limit {
            let first = !window.refused;
            window.refused = true;
            return Err(OverBudget { first });
        }
        window.used += 1;
        Ok(Charge {
            budget: self,
            charged: Some((key, window.start)),
        })
    }

    /// Gives back an attempt charged to `key` in the window begun at `start`, if that window
    /// is still the address's.
    fn forgive(&self, key: SourceKey, start: i64) {
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(window) = windows.peek_mut(&key).filter(|w| w.start == start) {
            window.used = window.used.saturating_sub(1);
        }
    }

    /// Addresses remembered (for tests).
    #[cfg(test)]
    fn len(&self) -> usize {
        self.windows.lock().map(|w| w.len()).unwrap_or(0)
    }
}

impl Charge<'_> {
    /// The attempt did not fail: it is given back.
    pub(super) fn forgive(self) {
        if let Some((key, start)) = self.charged {
            self.budget.forgive(key, start);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    fn from(ip: &str) -> Source {
        Source::new(Some(ip.parse::<IpAddr>().expect("ip")))
    }

    fn budget(limit: u32) -> FailedAuthBudget {
        FailedAuthBudget::new(FailedAuthPolicy {
            limit,
            window_seconds: 3600,
        })
    }

    #[test]
    fn an_address_is_refused_after_its_limit_until_the_window_ends() {
        let b = budget(3);
        for _ in 0..3 {
            drop(b.charge(from("192.0.2.1"), 100).expect("within the budget"));
        }
        assert_eq!(b.charge(from("192.0.2.1"), 101).err(), Some(OverBudget { first: true }));
        assert_eq!(
            b.charge(from("192.0.2.1"), 102).err(),
            Some(OverBudget { first: false })
        );
        assert!(
            b.charge(from("192.0.2.2"), 102).is_ok(),
            "other addresses have their own"
        );
        assert!(b.charge(from("192.0.2.1"), 3700).is_ok(), "a new window");
    }

    #[test]
    fn forgiven_attempts_do_not_count() {
        let b = budget(2);
        for _ in 0..10 {
            b.charge(from("192.0.2.1"), 0)
                .expect("forgiven ones leave the budget")
                .forgive();
        }
        drop(b.charge(from("192.0.2.1"), 0).expect("one"));
        drop(b.charge(from("192.0.2.1"), 0).expect("two"));
        assert!(b.charge(from("192.0.2.1"), 0).is_err());
    }

    #[test]
    fn attempts_in_flight_count_until_forgiven() {
        let b = budget(2);
        let one = b.charge(from("192.0.2.1"), 0).expect("one");
        let two = b.charge(from("192.0.2.1"), 0).expect("two");
        assert!(
            b.charge(from("192.0.2.1"), 0).is_err(),
            "two checks still running use the budget"
        );
        one.forgive();
        two.forgive();
        assert!(b.charge(from("192.0.2.1"), 0).is_ok());
    }

    #[test]
    fn an_ipv6_64_shares_one_budget() {
        let b = budget(1);
        drop(b.charge(from("2001:db8::1"), 0).expect("one"));
        assert!(b.charge(from("2001:db8::ffff"), 0).is_err());
        assert!(b.charge(from("2001:db8:0:1::1"), 0).is_ok());
    }

    #[test]
    fn zero_or_an_unknown_address_is_never_refused() {
        let off = budget(0);
        let unknown = budget(1);
        for _ in 0..10 {
            drop(off.charge(from("192.0.2.1"), 0).expect("off"));
            drop(unknown.charge(Source::unknown(), 0).expect("unknown address"));
        }
        assert_eq!(off.len() + unknown.len(), 0, "nothing remembered");
    }

    #[test]
    fn a_charge_of_a_past_window_does_not_give_back_the_new_one() {
        let b = budget(1);
        let old = b.charge(from("192.0.2.1"), 0).expect("old window");
        drop(b.charge(from("192.0.2.1"), 3600).expect("new window"));
        old.forgive();
        assert!(
            b.charge(from("192.0.2.1"), 3601).is_err(),
            "the new window's failure stays"
        );
    }

    #[test]
    fn memory_stays_bounded() {
        let b = budget(1);
        for n in 0..(MAX_SOURCES as u32 + 1000) {
            drop(b.charge(Source::new(Some(IpAddr::from(n.to_be_bytes()))), 0));
        }
        assert_eq!(b.len(), MAX_SOURCES);
    }
}

//! Step 7, primary rate limits with GitHub's messages (BEHAVIOR 67-69): a fixed hourly
//! window per authenticated user or app, and per client IP for requests without valid
//! credentials. Counters live in this process: with several instances each counts its own
//! share, which a load balancer spreading requests evenly turns into roughly N times the limit.
//!
//! Over the limit the answer is 403 (PyGithub recognises rate limiting only on 403, BEHAVIOR 69)
//! with `x-ratelimit-remaining: 0`; the headers are written in [`super::headers`].
//!
//! A request is counted once its credentials are known: before the handler, or for a token check
//! (whose credentials the handler checks, [`crate::urls::Auth::AppWithToken`]) after it.

use crate::error::ApiError;
use crate::identity::Identity;
use grantd_core::model::{AppId, UserId};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

const WINDOW_SECONDS: i64 = 3600;
/// Above this many tracked keys, expired windows are swept.
const SWEEP_AT: usize = 100_000;

/// Limits per hour; `0` turns limiting (and its headers) off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Requests per hour for an authenticated user or app (GitHub: 5,000).
    pub authenticated: u32,
    /// Requests per hour per IP address without valid credentials (GitHub: 60).
    pub anonymous: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            authenticated: 5000,
            anonymous: 60,
        }
    }
}

/// The state of one key's window after counting a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateState {
    /// The limit.
    pub limit: u32,
    /// Requests counted in this window, this one included.
    pub used: u32,
    /// When the window resets (Unix seconds).
    pub reset: i64,
}

impl RateState {
    /// Requests left.
    pub fn remaining(&self) -> u32 {
        self.limit.saturating_sub(self.used)
    }

    /// Whether this request went over the limit.
    pub fn exceeded(&self) -> bool {
        self.used > self.limit
    }
}

/// Whom a request is counted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateKey {
    /// An authenticated user.
    User(UserId),
    /// An authenticated app.
    App(AppId),
    /// A client without valid credentials, by IP address (if known).
    Ip(Option<IpAddr>),
}

impl RateKey {
    /// The key a request is counted under: its identity, or without one (failed or no
    /// authentication) its client's IP address.
    pub fn of(identity: Option<&Identity>, ip: Option<IpAddr>) -> Self {
        match identity {
            Some(Identity::User(u)) => Self::User(u.user.id),
            Some(Identity::App(app)) => Self::App(app.id),
            _ => Self::Ip(ip),
        }
    }

    fn authenticated(self) -> bool {
        !matches!(self, Self::Ip(_))
    }

    /// GitHub's message when this key went over its limit.
    fn exceeded(self) -> ApiError {
        ApiError::RateLimited(match self {
            Self::User(id) => format!("API rate limit exceeded for user ID {id}."),
            Self::App(_) => "API rate limit exceeded for this application.".to_owned(),
            Self::Ip(ip) => format!(
                "API rate limit exceeded for {}. (But here's the good news: Authenticated requests get a higher \
                 rate limit. Check out the documentation for more details.)",
                ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string())
            ),
        })
    }
}

/// Counts one request for `key` at `now`: its window after counting (`None` when limiting is
/// off for it), and the 403 to answer instead if it went over the limit.
pub fn count(limiter: &RateLimiter, key: RateKey, now: i64) -> (Option<RateState>, Option<ApiError>) {
    let rate = limiter.hit(key, now);
    let over = rate.is_some_and(|r| r.exceeded()).then(|| key.exceeded());
    (rate, over)
}

/// Counts requests per key.
#[derive(Debug, Default)]
pub struct RateLimiter {
    limits: RateLimits,
    windows: Mutex<HashMap<RateKey, (i64, u32)>>,
}

impl RateLimiter {
    /// A limiter with `limits`.
    pub fn new(limits: RateLimits) -> Self {
        Self {
            limits,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request for `key` at `now`. `None` when limiting is off for that kind of
    /// request (authenticated or not).
    pub fn hit(&self, key: RateKey, now: i64) -> Option<RateState> {
        let limit = if key.authenticated() {
            self.limits.authenticated
        } else {
            self.limits.anonymous
        };
        if limit == 0 {
            return None;
        }
        let mut windows = self.windows.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if windows.len() >= SWEEP_AT {
            windows.retain(|_, (start, _)| *start + WINDOW_SECONDS > now);
        }
        let entry = windows.entry(key).or_insert((now, 0));
        if entry.0 + WINDOW_SECONDS <= now {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        Some(RateState {
            limit,
            used: entry.1,
            reset: entry.0 + WINDOW_SECONDS,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_key_and_resets_after_the_window() {
        let limiter = RateLimiter::new(RateLimits {
            authenticated: 2,
            anonymous: 1,
        });
        let (one, two, ip) = (RateKey::User(UserId(1)), RateKey::User(UserId(2)), RateKey::Ip(None));
        let a = limiter.hit(one, 100).expect("on");
        assert_eq!((a.used, a.remaining(), a.reset, a.exceeded()), (1, 1, 3700, false));
        assert!(!limiter.hit(one, 101).expect("on").exceeded());
        assert!(limiter.hit(one, 102).expect("on").exceeded());
        assert!(!limiter.hit(two, 102).expect("on").exceeded());
        assert!(!limiter.hit(one, 3700).expect("on").exceeded());
        assert!(!limiter.hit(ip, 0).expect("on").exceeded());
        assert!(limiter.hit(ip, 1).expect("on").exceeded());
    }

    #[test]
    fn zero_turns_limiting_off() {
        let limiter = RateLimiter::new(RateLimits {
            authenticated: 0,
            anonymous: 0,
        });
        assert_eq!(limiter.hit(RateKey::User(UserId(1)), 0), None);
        assert_eq!(limiter.hit(RateKey::Ip(None), 0), None);
    }
}

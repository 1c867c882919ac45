//! Primary rate limits with GitHub's headers and messages (BEHAVIOR 67-69): a fixed hourly
//! window per authenticated user or app, and per client IP for requests without valid
//! credentials. Counters live in this process: with several instances each counts its own
//! share, which a load balancer spreading requests evenly turns into roughly N times the limit.
//!
//! Over the limit the answer is 403 (PyGithub recognises rate limiting only on 403, BEHAVIOR 69)
//! with `x-ratelimit-remaining: 0`.

use std::collections::HashMap;
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

/// Counts requests per key.
#[derive(Debug, Default)]
pub struct RateLimiter {
    limits: RateLimits,
    windows: Mutex<HashMap<String, (i64, u32)>>,
}

impl RateLimiter {
    /// A limiter with `limits`.
    pub fn new(limits: RateLimits) -> Self {
        Self {
            limits,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Whether requests of this kind are counted at all (their limit is not `0`).
    pub fn counts(&self, authenticated: bool) -> bool {
        if authenticated {
            self.limits.authenticated > 0
        } else {
            self.limits.anonymous > 0
        }
    }

    /// Counts one request for `key` at `now`; `authenticated` picks the limit. `None` when
    /// limiting is off for that kind of request.
    pub fn hit(&self, key: &str, authenticated: bool, now: i64) -> Option<RateState> {
        let limit = if authenticated {
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
        let entry = windows.entry(key.to_owned()).or_insert((now, 0));
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
        let a = limiter.hit("user:1", true, 100).expect("on");
        assert_eq!((a.used, a.remaining(), a.reset, a.exceeded()), (1, 1, 3700, false));
        assert!(!limiter.hit("user:1", true, 101).expect("on").exceeded());
        assert!(limiter.hit("user:1", true, 102).expect("on").exceeded());
        assert!(!limiter.hit("user:2", true, 102).expect("on").exceeded());
        assert!(!limiter.hit("user:1", true, 3700).expect("on").exceeded());
        assert!(!limiter.hit("ip:x", false, 0).expect("on").exceeded());
        assert!(limiter.hit("ip:x", false, 1).expect("on").exceeded());
    }

    #[test]
    fn zero_turns_limiting_off() {
        let limiter = RateLimiter::new(RateLimits {
            authenticated: 0,
            anonymous: 0,
        });
        assert_eq!(limiter.hit("user:1", true, 0), None);
    }
}

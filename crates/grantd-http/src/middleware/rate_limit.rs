//! Step 7, primary rate limits with GitHub's messages (BEHAVIOR 67-69): a fixed hourly
//! window per authenticated user or app, and per client IP for requests without valid
//! credentials. Counters live in this process: with several instances each counts its own
//! share, which a load balancer spreading requests evenly turns into roughly N times the limit.
//!
//! Over the limit the answer is 403 (PyGithub recognises rate limiting only on 403, BEHAVIOR 69)
//! with `x-ratelimit-remaining: 0`; the headers are written in [`super::headers`].
//!
//! A request is counted once its credentials are known: before the handler, or for a token check
//! (whose credentials the handler checks, [`crate::urls::Auth::AppWithToken`]) after it. A
//! request without valid credentials is counted under its client's address as
//! [`crate::client_ip`] resolves it; how windows are kept (in O(1) a request, in bounded memory,
//! IPv6 per /64) is [`table`]'s concern.

use crate::error::ApiError;
use crate::identity::Identity;
use grantd_core::model::{AppId, UserId};
use std::net::IpAddr;
use table::{Net, Table, Who, WINDOW_SECONDS};

pub mod table;

/// How many client addresses get a window of their own (about: each of the table's shards holds
/// its share). Their windows take at most ~9 MiB: per shard, two maps of 8,192 slots of 33 bytes.
pub const ADDRESS_CAPACITY: usize = 100_000;

/// Limits per hour; `0` turns limiting (and its headers) off. The default is off, as GitHub
/// Enterprise Server ships: a client's test suite sends far more than 60 requests an hour without
/// valid credentials (wrong passwords, revoked tokens), and must not fail half-way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateLimits {
    /// Requests per hour for an authenticated user or app (GitHub: 5,000).
    pub authenticated: u32,
    /// Requests per hour per IP address without valid credentials (GitHub: 60).
    pub anonymous: u32,
}

impl RateLimits {
    /// GitHub.com's primary limits (BEHAVIOR 67): 5,000 an hour per user or app, 60 per address
    /// without valid credentials.
    pub const GITHUB: Self = Self {
        authenticated: 5000,
        anonymous: 60,
    };
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
    /// A client without valid credentials, by IP address (if known); counted per IPv6 /64.
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
#[derive(Debug)]
pub struct RateLimiter {
    limits: RateLimits,
    table: Table,
}

impl Default for RateLimiter {
    fn default() -> Self {
        Self::new(RateLimits::default())
    }
}

impl RateLimiter {
    /// A limiter with `limits`, keeping windows of [`ADDRESS_CAPACITY`] addresses.
    pub fn new(limits: RateLimits) -> Self {
        Self::with_capacity(limits, ADDRESS_CAPACITY)
    }

    /// A limiter with `limits`, keeping windows of about `addresses` addresses; further addresses
    /// share windows until the hour turns (see [`table`]).
    pub fn with_capacity(limits: RateLimits, addresses: usize) -> Self {
        Self {
            limits,
            table: Table::new(addresses),
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
        let window = match key {
            RateKey::User(id) => self.table.count_who(Who::User(id), now),
            RateKey::App(id) => self.table.count_who(Who::App(id), now),
            RateKey::Ip(ip) => self.table.count_address(Net::of(ip), now),
        };
        Some(RateState {
            limit,
            used: window.used,
            reset: window.start + WINDOW_SECONDS,
        })
    }

    /// How many windows are kept (for tests and the benchmark).
    pub fn windows(&self) -> usize {
        self.table.len()
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

    #[test]
    fn an_ipv6_client_is_counted_per_64_and_told_its_own_address() {
        let limiter = RateLimiter::new(RateLimits {
            authenticated: 5,
            anonymous: 2,
        });
        let ip = |s: &str| RateKey::Ip(Some(s.parse().expect("an address")));
        assert!(!limiter.hit(ip("2001:db8:0:1::1"), 0).expect("on").exceeded());
        assert!(!limiter.hit(ip("2001:db8:0:1::2"), 0).expect("on").exceeded());
        assert!(limiter.hit(ip("2001:db8:0:1:abcd::7"), 0).expect("on").exceeded());
        assert!(!limiter.hit(ip("2001:db8:0:2::1"), 0).expect("on").exceeded());
        assert!(!limiter.hit(ip("::ffff:192.0.2.1"), 0).expect("on").exceeded());
        assert!(!limiter.hit(ip("192.0.2.1"), 0).expect("on").exceeded());
        assert!(limiter.hit(ip("::ffff:192.0.2.1"), 0).expect("on").exceeded());
        let ApiError::RateLimited(message) = ip("2001:db8:0:1:abcd::7").exceeded() else {
            panic!("a rate-limit error");
        };
        assert!(
            message.starts_with("API rate limit exceeded for 2001:db8:0:1:abcd::7."),
            "{message}"
        );
    }

    #[test]
    fn a_flood_of_200k_addresses_keeps_memory_bounded_and_counters_intact() {
        let limiter = RateLimiter::new(RateLimits {
            authenticated: 5,
            anonymous: 3,
        });
        let over = RateKey::Ip(Some("198.51.100.7".parse().expect("an address")));
        for _ in 0..4 {
            limiter.hit(over, 10);
        }
        for a in 0..200_000u32 {
            let ip = std::net::Ipv4Addr::from(0x0a00_0000 + a);
            limiter.hit(RateKey::Ip(Some(ip.into())), 11);
        }
        assert!(limiter.windows() <= ADDRESS_CAPACITY + 16, "{}", limiter.windows());
        let still = limiter.hit(over, 12).expect("on");
        assert!(still.exceeded() && still.used == 5 && still.reset == 3610, "{still:?}");
        assert!(!limiter.hit(RateKey::User(UserId(1)), 12).expect("on").exceeded());
    }
}

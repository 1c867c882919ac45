//! The source of the current time. Everything time-dependent (token expiry, TOTP steps, lock-out
//! windows, `created_at`) asks a [`Clock`], so tests can pin and move time.

use std::sync::atomic::{AtomicI64, Ordering};
use time::OffsetDateTime;

/// Tells the current time, truncated to whole seconds (GitHub's timestamps have no fraction,
/// BEHAVIOR 4).
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current UTC time in whole seconds.
    fn now(&self) -> OffsetDateTime;
}

/// The operating system's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        let now = OffsetDateTime::now_utc();
        now.replace_nanosecond(0).unwrap_or(now)
    }
}

/// A clock that only moves when told to; for tests.
#[derive(Debug)]
pub struct ManualClock {
    unix: AtomicI64,
}

impl ManualClock {
    /// A clock stopped at `unix` seconds since the epoch.
    pub fn at(unix: i64) -> Self {
        Self {
            unix: AtomicI64::new(unix),
        }
    }

    /// Moves the clock forward (or backward, with a negative value) by `seconds`.
    pub fn advance(&self, seconds: i64) {
        self.unix.fetch_add(seconds, Ordering::SeqCst);
    }

    /// Sets the clock to `unix` seconds since the epoch.
    pub fn set(&self, unix: i64) {
        self.unix.store(unix, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.unix.load(Ordering::SeqCst)).unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

//! The counters behind [`super::RateLimiter`]: one fixed window per key, starting at the key's
//! first request and lasting an hour, held so that counting a request is O(1) and memory is
//! bounded.
//!
//! - **Shards.** Keys are spread over [`SHARDS`] maps, each behind its own lock, by a keyed hash
//!   (so a client cannot aim at one shard); requests for different keys rarely wait for each other.
//! - **Generations instead of sweeps.** Each shard keeps two maps: windows that started in the
//!   current hour of the clock (`now / 3600`) and those that started in the hour before. A window
//!   lasts an hour, so when the hour turns every window of the older map is over: the current map
//!   becomes the previous one and the older map is emptied (its allocation reused). Nothing ever
//!   scans the windows, and an idle key is forgotten within two hours.
//! - **A cap on addresses.** Users and apps are keys an administrator created, so they are always
//!   counted on their own. Addresses are not: once a shard holds its share of the address
//!   capacity, an address it does not know yet is counted in the shard's one shared window until
//!   room is made by the hour turning. Addresses already counted keep their windows, so a client
//!   over its limit cannot get a fresh window by flooding the table with other addresses (which
//!   evicting the oldest would allow), and a flood cannot lock out users and apps (which refusing
//!   every request would do). See the README's decisions table.
//! - **Addresses by network.** An IPv6 client usually holds a whole /64, so IPv6 addresses are
//!   counted per /64; IPv4-mapped IPv6 addresses are counted as the IPv4 address they map.

use grantd_core::model::{AppId, UserId};
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, RandomState};
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// How long a window lasts (seconds).
pub const WINDOW_SECONDS: i64 = 3600;
/// How many shards the windows are spread over.
const SHARDS: usize = 16;

/// One key's window: when it started (Unix seconds) and the requests counted in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// When the window started.
    pub start: i64,
    /// Requests counted in it.
    pub used: u32,
}

impl Window {
    const fn new(now: i64) -> Self {
        Self { start: now, used: 0 }
    }

    const fn live(&self, now: i64) -> bool {
        self.start + WINDOW_SECONDS > now
    }

    /// Counts a request at `now`, in a new window if this one is over.
    fn count(&mut self, now: i64) -> Self {
        if !self.live(now) {
            *self = Self::new(now);
        }
        self.used = self.used.saturating_add(1);
        *self
    }
}

/// An authenticated key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Who {
    /// A user.
    User(UserId),
    /// An app.
    App(AppId),
}

/// The network an address is counted under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Net {
    /// An IPv4 address (IPv4-mapped IPv6 addresses included).
    V4(u32),
    /// An IPv6 /64: the address's upper 64 bits.
    V6(u64),
    /// A client whose address is unknown.
    Unknown,
}

impl Net {
    /// The network `ip` is counted under.
    pub fn of(ip: Option<IpAddr>) -> Self {
        match ip.map(|ip| ip.to_canonical()) {
            Some(IpAddr::V4(v4)) => Self::V4(u32::from(v4)),
            Some(IpAddr::V6(v6)) => Self::V6((u128::from(v6) >> 64) as u64),
            None => Self::Unknown,
        }
    }
}

/// The hour of the clock `now` falls in.
const fn hour(now: i64) -> i64 {
    now.div_euclid(WINDOW_SECONDS)
}

/// Windows by key in two generations: those that started in the hour `hour`, and those that
/// started in the hour before.
#[derive(Debug)]
struct Generations<K> {
    hour: i64,
    current: HashMap<K, Window>,
    previous: HashMap<K, Window>,
}

impl<K: Hash + Eq> Generations<K> {
    fn new() -> Self {
        Self {
            hour: i64::MIN,
            current: HashMap::new(),
            previous: HashMap::new(),
        }
    }

    fn len(&self) -> usize {
        self.current.len() + self.previous.len()
    }

    /// Moves on to `now`'s hour: windows of two hours ago are over and go. A clock that went
    /// back keeps the generations as they are.
    fn turn(&mut self, now: i64) {
        let hour = hour(now);
        if hour <= self.hour {
            return;
        }
        if hour == self.hour.saturating_add(1) {
            std::mem::swap(&mut self.current, &mut self.previous);
            self.current.clear();
        } else {
            self.current.clear();
            self.previous.clear();
        }
        self.hour = hour;
    }

    /// Counts a request for `key` at `now`. A key without a live window gets a new one, unless it
    /// has none at all and `room` is false: then nothing is counted and the answer is `None`.
    fn count(&mut self, key: K, now: i64, room: bool) -> Option<Window> {
        self.turn(now);
        if let Some(window) = self.current.get_mut(&key) {
            return Some(window.count(now));
        }
        if let Some(window) = self.previous.get_mut(&key) {
            if window.live(now) {
                return Some(window.count(now));
            }
            // Its new window starts this hour: it moves to the current map (taking no new room).
            self.previous.remove(&key);
        } else if !room {
            return None;
        }
        let window = Window::new(now).count(now);
        self.current.insert(key, window);
        Some(window)
    }
}

/// One shard's windows.
#[derive(Debug)]
struct Shard {
    who: Generations<Who>,
    addresses: Generations<Net>,
    /// The window shared by the addresses counted while the shard had no room for them.
    overflow: Option<Window>,
}

/// Every window; see the module documentation.
pub struct Table {
    shards: Box<[Mutex<Shard>]>,
    hasher: RandomState,
    /// Addresses each shard keeps windows of.
    room: usize,
}

impl Table {
    /// A table keeping windows of about `addresses` addresses (at least one a shard).
    pub fn new(addresses: usize) -> Self {
        let shards = (0..SHARDS)
            .map(|_| {
                Mutex::new(Shard {
                    who: Generations::new(),
                    addresses: Generations::new(),
                    overflow: None,
                })
            })
            .collect();
        Self {
            shards,
            hasher: RandomState::new(),
            room: addresses.div_ceil(SHARDS).max(1),
        }
    }

    fn shard<K: Hash>(&self, key: &K) -> MutexGuard<'_, Shard> {
        let i = (self.hasher.hash_one(key) % SHARDS as u64) as usize;
        self.shards[i].lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts a request of a user or app at `now`.
    pub fn count_who(&self, who: Who, now: i64) -> Window {
        let mut shard = self.shard(&who);
        shard.who.count(who, now, true).unwrap_or(Window::new(now))
    }

    /// Counts a request from `net` at `now`: in its own window, or in the shard's shared one
    /// when the shard has no room for a new address.
    pub fn count_address(&self, net: Net, now: i64) -> Window {
        let mut shard = self.shard(&net);
        let room = shard.addresses.len() < self.room;
        match shard.addresses.count(net, now, room) {
            Some(window) => window,
            None => shard.overflow.get_or_insert(Window::new(now)).count(now),
        }
    }

    /// How many windows are kept (users, apps and addresses; the shared windows aside).
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| {
                let s = s.lock().unwrap_or_else(PoisonError::into_inner);
                s.who.len() + s.addresses.len()
            })
            .sum()
    }

    /// Whether no window is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("windows", &self.len())
            .field("room_per_shard", &self.room)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(ip: &str) -> Net {
        Net::of(Some(ip.parse().expect("an address")))
    }

    #[test]
    fn ipv6_is_counted_per_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(net("2001:db8:1:2::1"), net("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        assert_ne!(net("2001:db8:1:2::1"), net("2001:db8:1:3::1"));
        assert_eq!(net("::ffff:192.0.2.1"), net("192.0.2.1"));
        assert_ne!(net("192.0.2.1"), net("192.0.2.2"));
        assert_eq!(Net::of(None), Net::Unknown);
        let table = Table::new(100);
        table.count_address(net("2001:db8:1:2::1"), 0);
        assert_eq!(table.count_address(net("2001:db8:1:2::99"), 1).used, 2);
        assert_eq!(table.count_address(net("2001:db8:1:3::1"), 1).used, 1);
        table.count_address(net("::ffff:192.0.2.1"), 2);
        assert_eq!(table.count_address(net("192.0.2.1"), 3).used, 2);
    }

    #[test]
    fn windows_outlive_the_hour_they_started_in_and_go_two_hours_later() {
        let table = Table::new(100_000);
        let start = 10 * WINDOW_SECONDS + 3000;
        assert_eq!(table.count_address(Net::V4(1), start), Window { start, used: 1 });
        table.count_who(Who::User(UserId(1)), start);
        // The next hour: the window goes on until an hour after its start.
        let next_hour = 11 * WINDOW_SECONDS + 100;
        assert_eq!(table.count_address(Net::V4(1), next_hour), Window { start, used: 2 });
        assert_eq!(table.count_address(Net::V4(2), next_hour).used, 1);
        assert_eq!(table.len(), 3);
        // Its hour over, a new window, counted from one.
        let over = start + WINDOW_SECONDS;
        assert_eq!(table.count_address(Net::V4(1), over), Window { start: over, used: 1 });
        // Two hours later, windows nobody used since are gone: in each shard the first request
        // of the hour turns it.
        let later = 13 * WINDOW_SECONDS;
        for a in 0..1000 {
            table.count_address(Net::V4(1000 + a), later);
        }
        for u in 2..100 {
            table.count_who(Who::User(UserId(u)), later);
        }
        assert_eq!(table.len(), 1000 + 98);
        assert_eq!(table.count_who(Who::User(UserId(1)), later).used, 1);
        assert_eq!(table.count_address(Net::V4(2), later).used, 1);
    }

    #[test]
    fn a_clock_that_goes_back_keeps_the_windows() {
        let table = Table::new(100);
        let start = 5 * WINDOW_SECONDS + 10;
        table.count_address(Net::V4(1), start);
        assert_eq!(table.count_address(Net::V4(1), start - WINDOW_SECONDS).used, 2);
        assert_eq!(table.count_address(Net::V4(1), start + 1).used, 3);
    }

    #[test]
    fn the_number_of_windows_stays_bounded_under_200k_addresses() {
        let table = Table::new(1000);
        let now = 7 * WINDOW_SECONDS;
        for _ in 0..5 {
            table.count_address(Net::V4(0), now);
        }
        table.count_who(Who::App(AppId(1)), now);
        for a in 1..=200_000u32 {
            table.count_address(Net::V4(a), now + 1);
            table.count_address(Net::V6(u64::from(a)), now + 1);
        }
        let kept = table.len();
        assert!(kept <= 1000 + SHARDS + 1, "{kept} windows");
        assert!(kept >= 1000, "{kept} windows: the table fills up to its room");
        // An address counted before the flood keeps its window: flooding gives it no new one.
        assert_eq!(table.count_address(Net::V4(0), now + 2).used, 6);
        // Users and apps are always counted on their own.
        assert_eq!(table.count_who(Who::App(AppId(1)), now + 2).used, 2);
        assert_eq!(table.count_who(Who::User(UserId(9)), now + 2).used, 1);
        // A newcomer shares its shard's window with the other newcomers of the hour.
        assert!(table.count_address(Net::V4(300_000), now + 2).used > 1);
        // Once the windows are over, there is room again.
        let later = now + 2 * WINDOW_SECONDS;
        assert_eq!(table.count_address(Net::V4(300_000), later).used, 1);
        assert_eq!(table.count_address(Net::V4(0), later).used, 1);
    }
}

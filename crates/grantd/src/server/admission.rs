//! Admitting connections: at most so many open at once in all and from one address, so idle or
//! slow clients cannot take every file descriptor of the process. A connection over either cap
//! is closed as soon as it is accepted, and the refusals are logged at most once every
//! [`REFUSAL_LOG_INTERVAL`], with how many there were, so a flood of them cannot flood the log.
//!
//! IPv6 addresses are counted by their /64 network: one host is usually given a whole /64, and
//! counting its addresses one by one would let it open as many connections as it likes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// The shortest time between two log lines about refused connections.
pub const REFUSAL_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// Per-IP connection count when none is configured: a few hundred, more than a client behind
/// one NAT address normally keeps open, far fewer than the descriptors a process has.
pub const DEFAULT_MAX_PER_IP: usize = 256;

/// Connections open at once when none is configured: half the process's file descriptor limit
/// (the other half is left to the database, log files and the descriptors accepted only to be
/// refused), at most 16,384 (also when there is no limit); 512 where the limit cannot be read.
pub fn default_max_connections() -> usize {
    const CEILING: u64 = 16_384;
    #[cfg(unix)]
    let half = rustix::process::getrlimit(rustix::process::Resource::Nofile)
        .current
        .map_or(CEILING, |n| (n / 2).clamp(1, CEILING));
    #[cfg(not(unix))]
    let half = 512;
    usize::try_from(half).unwrap_or(512)
}

/// The open connections, counted in all and by client address.
#[derive(Debug, Clone)]
pub struct Admission {
    max_total: usize,
    max_per_ip: usize,
    counts: Arc<Mutex<Counts>>,
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    per_ip: HashMap<IpAddr, usize>,
}

/// Why a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// `max_total` connections are open.
    Total,
    /// `max_per_ip` connections from this address are open.
    PerIp,
}

/// An admitted connection, counted until dropped.
#[derive(Debug)]
pub struct Ticket {
    ip: IpAddr,
    counts: Arc<Mutex<Counts>>,
}

impl Admission {
    /// At most `max_total` connections in all and `max_per_ip` from one address (0: no limit by
    /// address).
    pub fn new(max_total: usize, max_per_ip: usize) -> Self {
        Self {
            max_total,
            max_per_ip,
            counts: Arc::default(),
        }
    }

    /// Counts a connection from `ip`, unless a cap is reached.
    pub fn admit(&self, ip: IpAddr) -> Result<Ticket, Refused> {
        let ip = counted_as(ip);
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if counts.total >= self.max_total {
            return Err(Refused::Total);
        }
        let from_ip = counts.per_ip.entry(ip).or_insert(0);
        if self.max_per_ip > 0 && *from_ip >= self.max_per_ip {
            return Err(Refused::PerIp);
        }
        *from_ip += 1;
        counts.total += 1;
        Ok(Ticket {
            ip,
            counts: Arc::clone(&self.counts),
        })
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.total = counts.total.saturating_sub(1);
        if let Some(n) = counts.per_ip.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.per_ip.remove(&self.ip);
            }
        }
    }
}

/// The key `ip` is counted under: an IPv4 address (also one mapped into IPv6) as it is, an IPv6
/// address by its /64 network.
fn counted_as(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
        },
    }
}

/// Logs refused connections at most once every [`REFUSAL_LOG_INTERVAL`].
#[derive(Debug, Default)]
pub struct RefusalLog {
    last: Option<Instant>,
    unlogged: u64,
}

impl RefusalLog {
    /// Notes a refused connection from `ip`; writes a line, counting those since the last one,
    /// when the last line is old enough.
    pub fn refused(&mut self, ip: IpAddr, why: Refused, admission: &Admission) {
        self.unlogged += 1;
        let now = Instant::now();
        if self
            .last
            .is_some_and(|last| now.duration_since(last) < REFUSAL_LOG_INTERVAL)
        {
            return;
        }
        let (reason, cap) = match why {
            Refused::Total => ("--max-connections", admission.max_total),
            Refused::PerIp => ("--max-connections-per-ip", admission.max_per_ip),
        };
        tracing::warn!(
            refused = self.unlogged,
            last_from = %ip,
            "connections refused: {reason} ({cap}) reached"
        );
        self.last = Some(now);
        self.unlogged = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    #[test]
    fn caps_hold_in_all_and_per_address_and_free_with_the_ticket() {
        let admission = Admission::new(3, 2);
        let a1 = admission.admit(ip("192.0.2.1")).expect("first");
        let _a2 = admission.admit(ip("192.0.2.1")).expect("second");
        assert_eq!(admission.admit(ip("192.0.2.1")).err(), Some(Refused::PerIp));
        let _b1 = admission.admit(ip("192.0.2.2")).expect("another address");
        assert_eq!(admission.admit(ip("192.0.2.3")).err(), Some(Refused::Total));
        drop(a1);
        let _a3 = admission.admit(ip("192.0.2.1")).expect("a freed place");
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_network() {
        let admission = Admission::new(10, 1);
        let _one = admission.admit(ip("2001:db8:1:2::1")).expect("first");
        assert_eq!(admission.admit(ip("2001:db8:1:2::ffff")).err(), Some(Refused::PerIp));
        let _other = admission.admit(ip("2001:db8:1:3::1")).expect("another /64");
        let _v4 = admission.admit(ip("::ffff:192.0.2.1")).expect("a mapped IPv4 address");
        assert_eq!(admission.admit(ip("192.0.2.1")).err(), Some(Refused::PerIp));
    }

    #[test]
    fn no_cap_per_address_when_zero() {
        let admission = Admission::new(3, 0);
        let _all: Vec<_> = (0..3)
            .map(|_| admission.admit(ip("192.0.2.1")).expect("admitted"))
            .collect();
        assert_eq!(admission.admit(ip("192.0.2.1")).err(), Some(Refused::Total));
    }
}

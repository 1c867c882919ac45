//! Where a request comes from: the client's IP address as the HTTP layer established it, and the
//! key under which per-client limits count it (an IPv4 address, or an IPv6 address's /64).

use std::fmt;
use std::net::IpAddr;

/// The client a login attempt comes from; unknown when the transport gives no address (the
/// admin CLI, tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Source {
    ip: Option<IpAddr>,
}

/// What per-client limits count by: an IPv4 address, or the /64 network of an IPv6 address,
/// since one IPv6 host usually has a whole /64 to pick addresses from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKey {
    /// An IPv4 address (an IPv4-mapped IPv6 address counts as its IPv4 address).
    V4(u32),
    /// The upper 64 bits of an IPv6 address.
    V6(u64),
}

impl Source {
    /// The client at `ip`, if known.
    pub const fn new(ip: Option<IpAddr>) -> Self {
        Self { ip }
    }

    /// A client whose address is not known: counted by no per-client limit.
    pub const fn unknown() -> Self {
        Self { ip: None }
    }

    /// The client's address, if known.
    pub const fn ip(&self) -> Option<IpAddr> {
        self.ip
    }

    /// The key per-client limits count this client under; `None` when the address is unknown.
    pub fn key(&self) -> Option<SourceKey> {
        Some(match self.ip?.to_canonical() {
            IpAddr::V4(v4) => SourceKey::V4(u32::from(v4)),
            IpAddr::V6(v6) => SourceKey::V6((u128::from(v6) >> 64) as u64),
        })
    }
}

impl From<Option<IpAddr>> for Source {
    fn from(ip: Option<IpAddr>) -> Self {
        Self::new(ip)
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.ip {
            Some(ip) => write!(f, "{ip}"),
            None => f.write_str("unknown"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(ip: &str) -> Option<SourceKey> {
        Source::new(Some(ip.parse().expect("ip"))).key()
    }

    #[test]
    fn ipv6_addresses_of_one_64_share_a_key_and_ipv4_ones_do_not() {
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff:ffff:ffff:ffff"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
        assert_ne!(key("192.0.2.1"), key("192.0.2.2"));
        assert_eq!(
            key("::ffff:192.0.2.1"),
            key("192.0.2.1"),
            "an IPv4-mapped address is its IPv4 address"
        );
        assert_eq!(Source::unknown().key(), None);
        assert_eq!(Source::unknown().to_string(), "unknown");
        assert_eq!(
            Source::new(Some("192.0.2.1".parse().expect("ip"))).to_string(),
            "192.0.2.1"
        );
    }
}

//! The client IP address of a request: the one place that decides it, for the rate limit, the
//! access log and anything else that needs to know who is asking.
//!
//! It is the socket peer, unless the peer is a proxy the operator trusts (`--trusted-proxy`):
//! then it is the right-most `X-Forwarded-For` hop that is not itself a trusted proxy. Each proxy
//! appends the address it received the request from, so the hops to the right of the first
//! untrusted one were written by trusted proxies and everything to its left was written by the
//! client (and may be forged). A value that is not a list of addresses makes grantd fall back to
//! the peer rather than guess. IPv4-mapped IPv6 addresses (`::ffff:192.0.2.1`, what a dual-stack
//! socket reports for an IPv4 client) are taken as the IPv4 address they map.
//!
//! [`crate::middleware::Edge`] resolves it once, before anything else runs, and leaves it in the
//! request's extensions as a [`ClientIp`]; everything after reads it with [`ClientIp::of`].

use axum::extract::ConnectInfo;
use http::{Extensions, HeaderMap, HeaderName};
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// The header proxies append the address they received a request from to.
pub const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");

/// The networks of the proxies whose `X-Forwarded-For` is believed; none by default.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<[IpNet]>);

impl TrustedProxies {
    /// Proxies in `networks`. An IPv4-mapped IPv6 network is taken as the IPv4 network it maps,
    /// as addresses are.
    pub fn new(networks: impl IntoIterator<Item = IpNet>) -> Self {
        Self(networks.into_iter().map(canonical_network).collect())
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` belongs to a trusted proxy.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }
}

/// Parses one trusted network: CIDR notation (`10.0.0.0/8`, `fd00::/8`) or a single address
/// (`10.1.2.3`, a network of one).
pub fn parse_network(s: &str) -> Result<IpNet, String> {
    let s = s.trim();
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{s}` is neither a network in CIDR notation (10.0.0.0/8) nor an IP address"))
}

/// The client IP address of a request, as [`crate::middleware::Edge`] resolved it: `None` only
/// when the connection's peer is unknown (a service driven without a socket).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    /// The client IP of a request whose socket peer is `peer`; see the module documentation.
    pub fn resolve(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &TrustedProxies) -> Self {
        let Some(peer) = peer.map(|ip| ip.to_canonical()) else {
            return Self(None);
        };
        if trusted.is_empty() || !trusted.contains(peer) {
            return Self(Some(peer));
        }
        Self(Some(forwarded_client(headers, trusted).unwrap_or(peer)))
    }

    /// The client IP of a request with these extensions (its socket peer from axum's
    /// `ConnectInfo`, which the server inserts) and headers.
    pub fn of_request(extensions: &Extensions, headers: &HeaderMap, trusted: &TrustedProxies) -> Self {
        let peer = extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        Self::resolve(peer, headers, trusted)
    }

    /// The client IP the edge left in a request's `extensions`.
    pub fn of(extensions: &Extensions) -> Option<IpAddr> {
        extensions.get::<Self>().and_then(|c| c.0)
    }
}

/// The right-most hop of `X-Forwarded-For` (every line of it, in order) that is not a trusted
/// proxy; if every hop is trusted, the left-most. `None` when there is no hop or a hop on the way
/// is not an address.
fn forwarded_client(headers: &HeaderMap, trusted: &TrustedProxies) -> Option<IpAddr> {
    let mut left_most = None;
    for line in headers.get_all(X_FORWARDED_FOR).iter().rev() {
        let line = line.to_str().ok()?;
        for hop in line.rsplit(',') {
            let ip = parse_hop(hop.trim())?;
            if !trusted.contains(ip) {
                return Some(ip);
            }
            left_most = Some(ip);
        }
    }
    left_most
}

/// One hop: an address, or an address with a port (`192.0.2.1:4711`, `[2001:db8::1]:4711`), as
/// some proxies write it.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|a| a.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// `::ffff:10.0.0.0/104` as `10.0.0.0/8`; any other network as it is.
fn canonical_network(net: IpNet) -> IpNet {
    match (net.addr().to_canonical(), net) {
        (IpAddr::V4(v4), IpNet::V6(v6)) if v6.prefix_len() >= 96 => {
            IpNet::new(IpAddr::V4(v4), v6.prefix_len() - 96).map_or(net, |n| n.trunc())
        }
        _ => net,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trusted(networks: &[&str]) -> TrustedProxies {
        TrustedProxies::new(networks.iter().map(|n| parse_network(n).expect("a network")))
    }

    fn client(peer: &str, forwarded: &[&str], trusted: &TrustedProxies) -> Option<IpAddr> {
        let mut headers = HeaderMap::new();
        for line in forwarded {
            headers.append(X_FORWARDED_FOR, line.parse().expect("a header value"));
        }
        ClientIp::resolve(Some(peer.parse().expect("an address")), &headers, trusted).0
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("an address"))
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() {
        let none = TrustedProxies::default();
        assert_eq!(client("203.0.113.9", &["198.51.100.7"], &none), ip("203.0.113.9"));
        let elsewhere = trusted(&["10.0.0.0/8"]);
        assert_eq!(client("203.0.113.9", &["198.51.100.7"], &elsewhere), ip("203.0.113.9"));
    }

    #[test]
    fn behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client() {
        let proxies = trusted(&["10.0.0.0/8", "2001:db8:ffff::/48"]);
        assert_eq!(client("10.0.0.1", &["198.51.100.7"], &proxies), ip("198.51.100.7"));
        // Trusted hops on the right are skipped; forged hops on the left are never reached.
        assert_eq!(
            client("10.0.0.1", &["1.1.1.1, 198.51.100.7, 10.9.9.9"], &proxies),
            ip("198.51.100.7")
        );
        // Several header lines read as one list, in order.
        assert_eq!(
            client("10.0.0.1", &["1.1.1.1, 198.51.100.7", "10.9.9.9"], &proxies),
            ip("198.51.100.7")
        );
        assert_eq!(
            client("2001:db8:ffff::1", &["2001:db8:1::5, 2001:db8:ffff::2"], &proxies),
            ip("2001:db8:1::5")
        );
        // With ports, as some proxies write hops.
        assert_eq!(client("10.0.0.1", &["198.51.100.7:4711"], &proxies), ip("198.51.100.7"));
        assert_eq!(client("10.0.0.1", &["[2001:db8::1]:4711"], &proxies), ip("2001:db8::1"));
        // Every hop trusted: the left-most (a request from the proxies' own network).
        assert_eq!(client("10.0.0.1", &["10.0.0.7, 10.0.0.8"], &proxies), ip("10.0.0.7"));
        // No header: the peer.
        assert_eq!(client("10.0.0.1", &[], &proxies), ip("10.0.0.1"));
    }

    #[test]
    fn a_malformed_header_falls_back_to_the_peer() {
        let proxies = trusted(&["10.0.0.0/8"]);
        for bad in [
            "",
            "unknown",
            "198.51.100.7,",
            "198.51.100.7, , 10.0.0.2",
            "not an address",
            "198.51.100.7 10.0.0.2",
            "300.1.1.1",
        ] {
            assert_eq!(client("10.0.0.1", &[bad], &proxies), ip("10.0.0.1"), "{bad:?}");
        }
        // Only the hops walked matter: garbage to the left of the client is never read.
        assert_eq!(
            client("10.0.0.1", &["garbage, 198.51.100.7"], &proxies),
            ip("198.51.100.7")
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            X_FORWARDED_FOR,
            http::HeaderValue::from_bytes(b"198.51.100.\xff").expect("a header value"),
        );
        let peer = "10.0.0.1".parse().ok();
        assert_eq!(ClientIp::resolve(peer, &headers, &proxies).0, peer);
    }

    #[test]
    fn ipv4_mapped_addresses_are_ipv4() {
        let proxies = trusted(&["::ffff:10.0.0.0/104"]);
        assert_eq!(client("::ffff:203.0.113.9", &[], &proxies), ip("203.0.113.9"));
        assert_eq!(
            client("::ffff:10.1.2.3", &["::ffff:198.51.100.7"], &proxies),
            ip("198.51.100.7")
        );
        assert!(proxies.contains("10.200.0.1".parse().expect("an address")));
        assert!(!proxies.contains("11.0.0.1".parse().expect("an address")));
    }

    #[test]
    fn networks_parse_in_cidr_notation_or_as_one_address() {
        assert_eq!(
            parse_network(" 10.0.0.0/8 ").map(|n| n.to_string()),
            Ok("10.0.0.0/8".to_owned())
        );
        assert_eq!(
            parse_network("10.1.2.3").map(|n| n.to_string()),
            Ok("10.1.2.3/32".to_owned())
        );
        assert_eq!(
            parse_network("fd00::/8").map(|n| n.to_string()),
            Ok("fd00::/8".to_owned())
        );
        assert!(parse_network("10.0.0.0/33").is_err());
        assert!(parse_network("proxy.example").is_err());
        assert!(ClientIp::resolve(None, &HeaderMap::new(), &TrustedProxies::default())
            .0
            .is_none());
    }
}

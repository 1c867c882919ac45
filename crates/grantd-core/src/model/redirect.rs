//! Where an authorization may send the browser back to: FLOWS 15's rule matching a requested
//! `redirect_uri` against an app's callback URLs, and what a callback URL may be when it is
//! registered. Pure functions over parsed URLs: the authorize endpoint and the token exchange
//! (which compares the `redirect_uri` it is sent with the one used at authorize time) call
//! [`allowed`].

use url::{Host, Url};

/// Why a requested `redirect_uri` is refused (FLOWS 14: an error page, never a redirect).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedirectError {
    /// No `redirect_uri` was sent and the app has no callback URL to fall back on.
    #[error("the application has no callback URL")]
    NoCallback,
    /// The `redirect_uri` is not an absolute URL, or carries a user name, password or fragment.
    #[error("the redirect_uri is not a valid URL")]
    Invalid,
    /// The `redirect_uri` matches none of the app's callback URLs.
    #[error("The redirect_uri is not associated with this application.")]
    NotAssociated,
}

/// The URL to redirect to for an authorization of an app with `callbacks` (in the app's order)
/// when the request carries `requested` (FLOWS 15):
///
/// - omitted (or empty) → the first callback, its query kept;
/// - given → it must match one of the callbacks: the same scheme; the callback's host or a
///   sub-domain of it (hosts compared as the URL standard normalises them: lower case, IDNA);
///   the same port, except that a callback on `127.0.0.1`, `[::1]` or `localhost` accepts any
///   port on that same host (native apps listen on a random port); and a path equal to the
///   callback's or below it segment by segment (`/cb` accepts `/cb/x`, not `/cbx`). Paths are
///   compared after the URL standard resolved `.` and `..` segments; a segment below the callback
///   that holds an encoded `/` or `\` is refused, so that a server decoding it before resolving
///   dots cannot be led above the callback's path. The requested URL's own query is kept and
///   the callback's query is not part of the match. A user name, password or fragment is refused.
pub fn allowed(callbacks: &[Url], requested: Option<&str>) -> Result<Url, RedirectError> {
    let requested = requested.map(str::trim).filter(|r| !r.is_empty());
    let Some(raw) = requested else {
        return callbacks.first().cloned().ok_or(RedirectError::NoCallback);
    };
    let url = Url::parse(raw).map_err(|_| RedirectError::Invalid)?;
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Err(RedirectError::Invalid);
    }
    if callbacks.iter().any(|callback| matches(callback, &url)) {
        Ok(url)
    } else {
        Err(RedirectError::NotAssociated)
    }
}

/// Whether `url` falls under `callback` (see [`allowed`]).
fn matches(callback: &Url, url: &Url) -> bool {
    if callback.scheme() != url.scheme() {
        return false;
    }
    let same_host = hosts_equal(callback.host(), url.host());
    if !same_host && !is_subdomain(callback.host(), url.host()) {
        return false;
    }
    let any_port = same_host && is_loopback(callback.host());
    if !any_port && callback.port_or_known_default() != url.port_or_known_default() {
        return false;
    }
    path_below(callback.path(), url.path())
}

/// Hosts equal, ASCII case aside (the URL standard lowers the hosts of `http` and `https`, not
/// those of other schemes).
fn hosts_equal(a: Option<Host<&str>>, b: Option<Host<&str>>) -> bool {
    match (a, b) {
        (Some(Host::Domain(a)), Some(Host::Domain(b))) => a.eq_ignore_ascii_case(b),
        (a, b) => a == b,
    }
}

/// Whether `host` is a sub-domain of the domain `parent` (never of an IP address).
fn is_subdomain(parent: Option<Host<&str>>, host: Option<Host<&str>>) -> bool {
    let (Some(Host::Domain(parent)), Some(Host::Domain(host))) = (parent, host) else {
        return false;
    };
    if parent.is_empty() || host.len() <= parent.len() + 1 {
        return false;
    }
    let (label, rest) = host.split_at(host.len() - parent.len());
    label.ends_with('.') && rest.eq_ignore_ascii_case(parent)
}

/// The loopback hosts whose port a callback does not fix (FLOWS 15).
fn is_loopback(host: Option<Host<&str>>) -> bool {
    match host {
        Some(Host::Ipv4(ip)) => ip == std::net::Ipv4Addr::LOCALHOST,
        Some(Host::Ipv6(ip)) => ip == std::net::Ipv6Addr::LOCALHOST,
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Whether `path` is `base` or below it, segment by segment; a trailing `/` of `base` names the
/// same place as `base` without it.
fn path_below(base: &str, path: &str) -> bool {
    let base: Vec<&str> = base.split('/').collect();
    let base = match base.split_last() {
        Some((&"", rest)) => rest,
        _ => &base[..],
    };
    let mut segments = path.split('/');
    for expected in base {
        if segments.next() != Some(expected) {
            return false;
        }
    }
    segments.all(|s| !holds_encoded_separator(s))
}

/// Whether a path segment holds `%2F` or `%5C` (an encoded `/` or `\`) in either case.
fn holds_encoded_separator(segment: &str) -> bool {
    segment
        .as_bytes()
        .windows(3)
        .any(|w| w[0] == b'%' && matches!((w[1], w[2].to_ascii_uppercase()), (b'2', b'F') | (b'5', b'C')))
}

/// Schemes a callback URL may not have: a browser would run or read them rather than hand the
/// code to an app.
const REFUSED_SCHEMES: &[&str] = &["javascript", "data", "file", "vbscript", "about", "blob"];

/// A callback URL as an administrator registers it: an absolute URL without user name, password
/// or fragment (FLOWS 18 appends the code to it), of any scheme but those a browser would run or
/// read itself; `http` and `https` ones need a host.
pub fn parse_callback(raw: &str) -> Result<Url, String> {
    let raw = raw.trim();
    let url = Url::parse(raw).map_err(|_| format!("the callback URL {raw:?} is not an absolute URL"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("the callback URL {raw:?} holds a user name or password"));
    }
    if url.fragment().is_some() {
        return Err(format!("the callback URL {raw:?} has a fragment (#…)"));
    }
    if REFUSED_SCHEMES.contains(&url.scheme()) {
        return Err(format!("the callback URL {raw:?} has the scheme {:?}", url.scheme()));
    }
    if matches!(url.scheme(), "http" | "https") && url.host().is_none() {
        return Err(format!("the callback URL {raw:?} has no host"));
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(raw: &[&str]) -> Vec<Url> {
        raw.iter().map(|r| Url::parse(r).expect("a test URL")).collect()
    }

    /// The URL `requested` leads to with the app's `callbacks`, as a string.
    fn check(callbacks: &[&str], requested: Option<&str>) -> Result<String, RedirectError> {
        allowed(&urls(callbacks), requested).map(String::from)
    }

    fn accepts(callback: &str, requested: &str) -> bool {
        check(&[callback], Some(requested)).is_ok()
    }

    #[test]
    fn omitted_is_the_first_callback_with_its_query() {
        let app = ["https://example.com/cb?tenant=7", "https://example.com/other"];
        assert_eq!(check(&app, None).as_deref(), Ok("https://example.com/cb?tenant=7"));
        assert_eq!(check(&app, Some("")).as_deref(), Ok("https://example.com/cb?tenant=7"));
        assert_eq!(check(&[], None), Err(RedirectError::NoCallback));
        assert_eq!(
            check(&[], Some("https://example.com/cb")),
            Err(RedirectError::NotAssociated)
        );
    }

    /// GitHub's own examples for the callback `http://example.com/path` (FLOWS 15, D1).
    #[test]
    fn githubs_documented_examples() {
        let cb = "http://example.com/path";
        for good in [
            "http://example.com/path",
            "http://example.com/path/subdir/other",
            "http://oauth.example.com/path",
            "http://oauth.example.com/path/subdir/other",
        ] {
            assert!(accepts(cb, good), "{good}");
        }
        for bad in [
            "http://example.com/bar",
            "http://example.com/",
            "http://example.com:8080/path",
            "http://oauth.example.com:8080/path",
            "http://example.org",
        ] {
            assert!(!accepts(cb, bad), "{bad}");
        }
    }

    #[test]
    fn the_scheme_must_match() {
        assert!(!accepts("https://example.com/cb", "http://example.com/cb"));
        assert!(!accepts("http://example.com/cb", "https://example.com/cb"));
        assert!(accepts("com.example.app:/oauth", "com.example.app:/oauth/done"));
        assert!(!accepts("com.example.app:/oauth", "com.evil.app:/oauth"));
    }

    #[test]
    fn the_host_is_the_callbacks_or_a_sub_domain_of_it() {
        assert!(accepts("https://example.com/cb", "https://sub.example.com/cb/x"));
        assert!(accepts("https://example.com/cb", "https://a.b.example.com/cb"));
        assert!(!accepts("https://example.com/cb", "https://evil.com/cb"));
        assert!(!accepts("https://example.com/", "https://example.com.evil.com/"));
        assert!(!accepts("https://example.com/cb", "https://badexample.com/cb"));
        assert!(!accepts("https://example.com/cb", "https://.example.com/cb"));
        assert!(!accepts("https://sub.example.com/cb", "https://example.com/cb"));
        // No sub-"domains" of an IP address.
        assert!(!accepts("http://10.0.0.1/cb", "http://1.10.0.0.1/cb"));
    }

    #[test]
    fn hosts_compare_without_case() {
        assert!(accepts("https://Example.COM/cb", "https://example.com/cb"));
        assert!(accepts("https://example.com/cb", "https://SUB.EXAMPLE.com/cb"));
        assert!(accepts("myapp://Host/cb", "myapp://host/cb"));
        assert!(
            !accepts("https://example.com/CB", "https://example.com/cb"),
            "paths keep their case"
        );
    }

    #[test]
    fn the_port_must_match_with_default_ports_filled_in() {
        assert!(accepts("https://example.com/cb", "https://example.com:443/cb"));
        assert!(accepts("http://example.com:80/cb", "http://example.com/cb"));
        assert!(!accepts("https://example.com:8443/cb", "https://example.com/cb"));
        assert!(!accepts("https://example.com/cb", "https://example.com:8443/cb"));
    }

    #[test]
    fn loopback_callbacks_accept_any_port_on_the_same_host() {
        assert!(accepts("http://127.0.0.1/cb", "http://127.0.0.1:53123/cb"));
        assert!(accepts("http://127.0.0.1:8000/cb", "http://127.0.0.1:53123/cb/x"));
        assert!(accepts("http://[::1]/cb", "http://[::1]:4000/cb"));
        assert!(accepts("http://localhost/", "http://localhost:53123/"));
        assert!(accepts("http://LOCALHOST/", "http://localhost:1/"));
        // gh's callbacks (FLOWS 38).
        let gh = ["http://127.0.0.1/callback", "http://localhost/"];
        assert!(check(&gh, Some("http://127.0.0.1:40123/callback")).is_ok());
        assert!(check(&gh, Some("http://localhost:40123/")).is_ok());
        // Only the loopback host itself, only its path, only its scheme.
        assert!(!accepts("http://127.0.0.1/cb", "http://127.0.0.2:53123/cb"));
        assert!(!accepts("http://127.0.0.1/cb", "http://localhost:53123/cb"));
        assert!(!accepts("http://127.0.0.1/cb", "http://127.0.0.1:53123/other"));
        assert!(!accepts("http://127.0.0.1/cb", "https://127.0.0.1:53123/cb"));
        assert!(!accepts("http://localhost/", "http://sub.localhost:53123/"));
        // Another host keeps its port.
        assert!(!accepts("http://192.168.1.1/cb", "http://192.168.1.1:53123/cb"));
    }

    #[test]
    fn the_path_is_the_callbacks_or_below_it_segment_by_segment() {
        assert!(accepts("https://example.com/path", "https://example.com/path/sub"));
        assert!(accepts("https://example.com/path", "https://example.com/path/"));
        assert!(accepts("https://example.com/path/", "https://example.com/path"));
        assert!(accepts("https://example.com/path/", "https://example.com/path/sub"));
        assert!(!accepts("https://example.com/path", "https://example.com/pathology"));
        assert!(!accepts("https://example.com/path", "https://example.com/"));
        assert!(!accepts("https://example.com/a/b", "https://example.com/a"));
        assert!(accepts("https://example.com/", "https://example.com/anything/at/all"));
        assert!(accepts("https://example.com", "https://example.com/x"));
    }

    #[test]
    fn dot_segments_are_resolved_before_the_path_is_compared() {
        assert!(!accepts("https://example.com/cb", "https://example.com/cb/../x"));
        assert!(!accepts("https://example.com/cb", "https://example.com/cb/%2e%2e/x"));
        assert!(!accepts(
            "https://example.com/cb",
            "https://example.com/cb/%2E%2E/%2e%2E/x"
        ));
        assert!(accepts("https://example.com/cb", "https://example.com/x/../cb/y"));
        assert!(accepts("https://example.com/cb", "https://example.com/cb/./y"));
        assert_eq!(
            check(&["https://example.com/cb"], Some("https://example.com/cb/a/../b")).as_deref(),
            Ok("https://example.com/cb/b")
        );
    }

    #[test]
    fn encoded_slashes_never_reach_above_the_callback() {
        assert!(!accepts("https://example.com/cb", "https://example.com/cb%2F..%2Fx"));
        assert!(!accepts("https://example.com/cb", "https://example.com/cb/..%2F..%2Fx"));
        assert!(!accepts("https://example.com/cb", "https://example.com/cb/..%2f..%2fx"));
        assert!(!accepts("https://example.com/cb", "https://example.com/cb/..%5C..%5Cx"));
        assert!(!accepts("https://example.com/cb", "https://example.com/cb\\..\\x"));
        assert!(accepts("https://example.com/cb", "https://example.com/cb/a%20b"));
    }

    #[test]
    fn a_query_is_kept_and_not_matched() {
        assert_eq!(
            check(&["https://example.com/cb?a=1"], Some("https://example.com/cb?b=2")).as_deref(),
            Ok("https://example.com/cb?b=2")
        );
        assert!(accepts("https://example.com/cb", "https://example.com/cb?next=/admin"));
    }

    #[test]
    fn user_names_passwords_and_fragments_are_refused() {
        let cb = ["https://example.com/cb"];
        for bad in [
            "https://user@example.com/cb",
            "https://user:pass@example.com/cb",
            "https://:pass@example.com/cb",
            "https://example.com/cb#frag",
            "https://example.com/cb#",
        ] {
            assert_eq!(check(&cb, Some(bad)), Err(RedirectError::Invalid), "{bad}");
        }
        // `@` tricks end up in the host or the path, never past the rule.
        assert!(!accepts("https://example.com/cb", "https://example.com@evil.com/cb"));
        assert!(!accepts(
            "https://example.com/cb",
            "https://evil.com/cb?@example.com/cb"
        ));
        assert_eq!(check(&cb, Some("/cb")), Err(RedirectError::Invalid));
        assert_eq!(check(&cb, Some("not a url")), Err(RedirectError::Invalid));
    }

    #[test]
    fn any_of_the_apps_callbacks_may_match() {
        let app = ["https://example.com/one", "https://other.org/two"];
        assert!(check(&app, Some("https://other.org/two/x")).is_ok());
        assert!(check(&app, Some("https://example.com/one")).is_ok());
        assert_eq!(
            check(&app, Some("https://other.org/one")),
            Err(RedirectError::NotAssociated)
        );
    }

    #[test]
    fn callbacks_are_checked_when_registered() {
        assert_eq!(
            parse_callback(" https://Example.com/cb ").map(String::from).as_deref(),
            Ok("https://example.com/cb")
        );
        assert!(parse_callback("http://127.0.0.1/callback").is_ok());
        assert!(parse_callback("com.example.app:/oauth").is_ok());
        assert!(parse_callback("https://example.com/cb?tenant=1").is_ok());
        for bad in [
            "/cb",
            "example.com/cb",
            "https://u:p@example.com/cb",
            "https://example.com/cb#x",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "data:text/html,hi",
            "file:///etc/passwd",
        ] {
            assert!(parse_callback(bad).is_err(), "{bad}");
        }
    }
}

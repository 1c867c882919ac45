//! The pages' cookies: the session (`HttpOnly`, `SameSite=Lax`, for the session's absolute
//! lifetime) and the forms' CSRF token (`HttpOnly`, `SameSite=Strict`). Both are `Secure` with
//! the `__Host-` prefix when the public URL is https, so neither can be set by a sub-domain or
//! sent in clear; over plain http (a loopback or test set-up) they keep plain names.

use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use cookie::{Cookie, SameSite};
use grantd_core::secret::Opaque;

/// The cookie names and flags for a public URL.
#[derive(Debug, Clone, Copy)]
pub struct Jar {
    secure: bool,
}

impl Jar {
    /// The cookies of a server whose public URL is `public_url`.
    pub fn for_public_url(public_url: &str) -> Self {
        Self {
            secure: public_url.starts_with("https://"),
        }
    }

    fn name(self, base: &'static str) -> &'static str {
        match (self.secure, base) {
            (true, "session") => "__Host-grantd_session",
            (true, _) => "__Host-grantd_csrf",
            (false, "session") => "grantd_session",
            (false, _) => "grantd_csrf",
        }
    }

    /// The session id the request carries, if it could be one.
    pub fn session(self, headers: &HeaderMap) -> Option<Opaque> {
        read(headers, self.name("session")).and_then(|v| Opaque::from_client(&v))
    }

    /// The CSRF token the request's cookie carries.
    pub fn csrf(self, headers: &HeaderMap) -> Option<String> {
        read(headers, self.name("csrf"))
    }

    /// Sets the session cookie for `max_age`.
    pub fn set_session(self, headers: &mut HeaderMap, id: &Opaque, max_age: time::Duration) {
        let cookie = self
            .build("session", id.expose().to_owned(), SameSite::Lax)
            .max_age(max_age);
        append(headers, &cookie.build());
    }

    /// Removes the session cookie.
    pub fn clear_session(self, headers: &mut HeaderMap) {
        let cookie = self
            .build("session", String::new(), SameSite::Lax)
            .max_age(time::Duration::ZERO);
        append(headers, &cookie.build());
    }

    /// Sets the CSRF cookie (for the browser's session: it ends when the browser closes).
    pub fn set_csrf(self, headers: &mut HeaderMap, token: &str) {
        append(headers, &self.build("csrf", token.to_owned(), SameSite::Strict).build());
    }

    fn build(self, base: &'static str, value: String, same_site: SameSite) -> cookie::CookieBuilder<'static> {
        Cookie::build((self.name(base), value))
            .path("/")
            .http_only(true)
            .secure(self.secure)
            .same_site(same_site)
    }
}

/// The value of the cookie `name` in the request's `Cookie` headers.
fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

fn append(headers: &mut HeaderMap, cookie: &Cookie<'_>) {
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        headers.append(SET_COOKIE, value);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_host_only_and_secure_over_https() {
        let id = Opaque::session_id();
        let mut headers = HeaderMap::new();
        Jar::for_public_url("https://git.example.com").set_session(&mut headers, &id, time::Duration::days(14));
        let set = headers.get(SET_COOKIE).unwrap().to_str().unwrap().to_owned();
        for part in [
            "__Host-grantd_session=",
            "HttpOnly",
            "SameSite=Lax",
            "Secure",
            "Path=/",
            "Max-Age=1209600",
        ] {
            assert!(set.contains(part), "{part} in {set}");
        }
        assert!(!set.contains("Domain"), "{set}");
        let mut plain = HeaderMap::new();
        Jar::for_public_url("http://127.0.0.1:8080").set_csrf(&mut plain, "abc");
        let set = plain.get(SET_COOKIE).unwrap().to_str().unwrap();
        assert!(
            set.starts_with("grantd_csrf=abc") && set.contains("SameSite=Strict") && !set.contains("Secure"),
            "{set}"
        );
    }

    #[test]
    fn the_session_is_read_back_from_any_cookie_header() {
        let jar = Jar::for_public_url("http://localhost");
        let id = Opaque::session_id();
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("other=1; grantd_csrf=x"));
        headers.append(
            COOKIE,
            HeaderValue::from_str(&format!("grantd_session={}", id.expose())).unwrap(),
        );
        assert_eq!(jar.session(&headers).unwrap().digest(), id.digest());
        assert_eq!(jar.csrf(&headers).as_deref(), Some("x"));
        headers.clear();
        headers.append(COOKIE, HeaderValue::from_static("grantd_session=not a session;"));
        assert!(jar.session(&headers).is_none());
    }
}

//! CSRF tokens for every form (double submit): a random token in an `HttpOnly`, `SameSite=Strict`
//! cookie ([`super::cookies`]) and the same token in a hidden `authenticity_token` field (GitHub's
//! name). A form is accepted only when both are present and equal (compared in constant time). A
//! cross-site page can neither read the cookie nor, with the `__Host-` prefix over https, set it;
//! and `SameSite` keeps the cookie off cross-site posts anyway.

use super::cookies::Jar;
use axum::http::HeaderMap;
use grantd_core::secret::Opaque;
use subtle::ConstantTimeEq;

/// The token of the request's cookie, or a new one (then to be set with [`Jar::set_csrf`]).
pub fn token(jar: Jar, headers: &HeaderMap) -> (String, bool) {
    match jar.csrf(headers).filter(|t| t.len() == 43) {
        Some(existing) => (existing, false),
        // The same 256 random bits as a session id.
        None => (Opaque::session_id().expose().to_owned(), true),
    }
}

/// Whether the form's `authenticity_token` matches the request's cookie.
pub fn verify(jar: Jar, headers: &HeaderMap, submitted: &str) -> bool {
    match jar.csrf(headers) {
        Some(cookie) if cookie.len() == 43 => cookie.as_bytes().ct_eq(submitted.as_bytes()).into(),
        _ => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use axum::http::header::COOKIE;
    use axum::http::HeaderValue;

    #[test]
    fn a_form_passes_only_with_its_cookies_token() {
        let jar = Jar::for_public_url("http://localhost");
        let (new, fresh) = token(jar, &HeaderMap::new());
        assert!(fresh && new.len() == 43);
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_str(&format!("grantd_csrf={new}")).unwrap());
        assert_eq!(token(jar, &headers), (new.clone(), false));
        assert!(verify(jar, &headers, &new));
        assert!(!verify(jar, &headers, ""));
        assert!(!verify(jar, &headers, &new[1..]));
        assert!(!verify(jar, &HeaderMap::new(), &new), "no cookie");
        headers.insert(COOKIE, HeaderValue::from_static("grantd_csrf="));
        assert!(!verify(jar, &headers, ""), "an empty cookie matches nothing");
    }
}

//! Step 9: the headers GitHub adds to every answer: media type (BEHAVIOR 71), API version
//! (72), rate limit (67), OAuth scopes (63), `Vary` (29) and the Enterprise version (73).
//!
//! Also the security headers of every answer ([`security`]), which [`super::Edge`] adds so that
//! answers given before the gate (CORS preflights) have them too.

use super::rate_limit::RateState;
use crate::identity::Identity;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};

// Named once: a name given as a string is parsed at every insert.
const X_GITHUB_MEDIA_TYPE: HeaderName = HeaderName::from_static("x-github-media-type");
const X_GITHUB_API_VERSION_SELECTED: HeaderName = HeaderName::from_static("x-github-api-version-selected");
const X_GITHUB_ENTERPRISE_VERSION: HeaderName = HeaderName::from_static("x-github-enterprise-version");
const X_OAUTH_SCOPES: HeaderName = HeaderName::from_static("x-oauth-scopes");
const X_ACCEPTED_OAUTH_SCOPES: HeaderName = HeaderName::from_static("x-accepted-oauth-scopes");
const X_RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
const X_RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
const X_RATELIMIT_USED: HeaderName = HeaderName::from_static("x-ratelimit-used");
const X_RATELIMIT_RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");
const X_RATELIMIT_RESOURCE: HeaderName = HeaderName::from_static("x-ratelimit-resource");
const X_CONTENT_TYPE_OPTIONS: HeaderName = HeaderName::from_static("x-content-type-options");
const X_FRAME_OPTIONS: HeaderName = HeaderName::from_static("x-frame-options");

/// Adds the headers that keep a browser from doing more with an answer than read it as data:
/// no guessing another content type than the one given (`nosniff`), no scripts, styles or
/// anything else loaded on its behalf (`default-src 'none'`), no showing it in a frame.
pub fn security(headers: &mut HeaderMap) {
    // An answer that set its own (a page, [`crate::web::page`]) keeps it.
    headers
        .entry(X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static("default-src 'none'"));
    headers
        .entry(X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("deny"));
}

/// The GitHub Enterprise Server version grantd answers as: `X-GitHub-Enterprise-Version`
/// (BEHAVIOR 73) and `installed_version` of `GET /meta` (FLOWS 40) say the same.
pub const ENTERPRISE_VERSION: &str = "3.19.0";

/// What the answer's headers depend on, gathered on the way in.
#[derive(Debug)]
pub struct Context {
    /// `X-GitHub-Media-Type`, from the request's `Accept`.
    pub media_type: HeaderValue,
    /// `X-GitHub-Api-Version-Selected`.
    pub api_version: HeaderValue,
    /// Whether the client used the Enterprise layout.
    pub enterprise: bool,
}

/// `X-OAuth-Scopes` for a request authenticated by a token: the token's scopes (BEHAVIOR 63).
pub fn oauth_scopes(identity: &Identity) -> Option<HeaderValue> {
    match identity {
        Identity::User(user) => user
            .token
            .as_ref()
            .and_then(|token| HeaderValue::from_str(&token.scopes.header_value()).ok()),
        _ => None,
    }
}

/// Adds GitHub's headers to an answer; `scopes` from [`oauth_scopes`].
pub fn add(headers: &mut HeaderMap, context: Context, rate: Option<&RateState>, scopes: Option<HeaderValue>) {
    headers.insert(X_GITHUB_MEDIA_TYPE, context.media_type);
    headers.insert(X_GITHUB_API_VERSION_SELECTED, context.api_version);
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Authorization, Cookie, X-GitHub-OTP"),
    );
    if context.enterprise {
        headers.insert(
            X_GITHUB_ENTERPRISE_VERSION,
            HeaderValue::from_static(ENTERPRISE_VERSION),
        );
    }
    if let Some(rate) = rate {
        headers.insert(X_RATELIMIT_LIMIT, HeaderValue::from(rate.limit));
        headers.insert(X_RATELIMIT_REMAINING, HeaderValue::from(rate.remaining()));
        headers.insert(X_RATELIMIT_USED, HeaderValue::from(rate.used.min(rate.limit)));
        headers.insert(X_RATELIMIT_RESET, HeaderValue::from(rate.reset));
        headers.insert(X_RATELIMIT_RESOURCE, HeaderValue::from_static("core"));
    }
    if let Some(scopes) = scopes {
        headers.insert(X_OAUTH_SCOPES, scopes);
        if !headers.contains_key(&X_ACCEPTED_OAUTH_SCOPES) {
            headers.insert(X_ACCEPTED_OAUTH_SCOPES, HeaderValue::from_static(""));
        }
    }
}

/// `X-GitHub-Media-Type` for the request's `Accept` (BEHAVIOR 71): `github.v3; format=json`, with
/// `param=…` when the client asked for one (`application/vnd.github.v3.full+json`). Public for
/// the fuzz targets (`fuzz/`), as it reads a header the client controls.
pub fn media_type(headers: &HeaderMap) -> HeaderValue {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let param = accept.split(',').find_map(|item| {
        let item = item.split(';').next().unwrap_or("").trim();
        let rest = item.strip_prefix("application/vnd.github")?;
        let rest = rest.strip_suffix("+json").unwrap_or(rest);
        let mut parts = rest.trim_start_matches('.').split('.').filter(|p| !p.is_empty());
        let first = parts.next();
        match first {
            Some("v3") => parts.next().map(str::to_owned),
            Some(p) if !p.ends_with("-preview") => Some(p.to_owned()),
            _ => None,
        }
    });
    const PLAIN: HeaderValue = HeaderValue::from_static("github.v3; format=json");
    match param.filter(|p| p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')) {
        Some(p) => HeaderValue::from_str(&format!("github.v3; param={p}; format=json")).unwrap_or(PLAIN),
        None => PLAIN,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderValue {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, value.parse().expect("header"));
        media_type(&h)
    }

    #[test]
    fn media_type_follows_accept() {
        assert_eq!(accept("application/json"), "github.v3; format=json");
        assert_eq!(accept("application/vnd.github+json"), "github.v3; format=json");
        assert_eq!(accept("application/vnd.github.v3+json"), "github.v3; format=json");
        assert_eq!(
            accept("application/vnd.github.v3.full+json"),
            "github.v3; param=full; format=json"
        );
        assert_eq!(
            accept("application/vnd.github.doctor-strange-preview+json"),
            "github.v3; format=json"
        );
        assert_eq!(accept("*/*"), "github.v3; format=json");
        assert_eq!(media_type(&HeaderMap::new()), "github.v3; format=json");
    }
}

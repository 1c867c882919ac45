//! The gate in front of the routes ([`crate::edge::Gated`]). For every request it:
//! 1. strips the Enterprise prefix `/api/v3` and records which base URL the client used
//!    (BEHAVIOR 2, 86);
//! 2. checks `X-GitHub-Api-Version` (BEHAVIOR 72, 83);
//! 3. authenticates before routing (BEHAVIOR 20), so that e.g. `PATCH /authorizations` asks for a
//!    two-factor code and only then answers 404;
//! 4. counts the request against the rate limit (BEHAVIOR 67-69);
//! 5. runs the handler as its own task and bounds the time the client waits for it (BEHAVIOR 30);
//! 6. adds GitHub's headers: media type (71), rate limit (67), scopes (63), `Vary` (29),
//!    Enterprise version (73), and `ETag` / `Cache-Control` with 304 answers to `If-None-Match`
//!    on GET and HEAD (29).

use crate::auth::{authenticate, classify, Identity};
use crate::error::ApiError;
use crate::ratelimit::RateState;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use http_body_util::BodyExt;
use sha2::{Digest, Sha256};
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use tower::ServiceExt as _;

/// The Enterprise layout's prefix.
pub const ENTERPRISE_PREFIX: &str = "/api/v3";
/// API versions this server answers (BEHAVIOR 72, 83).
pub const SUPPORTED_API_VERSIONS: &[&str] = &["2022-11-28", "2026-03-10"];
const DEFAULT_API_VERSION: &str = "2022-11-28";
// The headers the gate adds, named once (a name given as a string is parsed at every insert).
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
/// Largest response body buffered to compute an `ETag`.
const MAX_ETAG_BODY: usize = 4 * 1024 * 1024;

/// The gate; see the module documentation.
pub async fn gate(state: AppState, mut req: Request, routes: Router) -> Response {
    let enterprise = strip_prefix(&mut req);
    let bases = state.bases(enterprise).clone();
    let is_head = req.method() == Method::HEAD;
    if is_head {
        *req.method_mut() = Method::GET;
    }
    let method = req.method().clone();
    let conditional = req.method() == Method::GET;
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    let media_type = media_type(req.headers());
    let api_version = req
        .headers()
        .get("x-github-api-version")
        .filter(|v| v.to_str().is_ok_and(|v| SUPPORTED_API_VERSIONS.contains(&v.trim())))
        .cloned()
        .unwrap_or(HeaderValue::from_static(DEFAULT_API_VERSION));

    let ip = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
    let path = req.uri().path().to_owned();
    if path.contains("%00") {
        // No resource has a NUL character in its name (and PostgreSQL cannot look one up).
        return ApiError::NotFound.into_response();
    }
    let inline = reads_only(&method, &path);
    let admitted = admit(&state, req.headers(), &path, inline, ip).await;
    let (mut response, identity, rate) = match admitted {
        Ok((identity, rate)) => {
            req.extensions_mut().insert(bases);
            req.extensions_mut().insert(identity.clone());
            let timeout = state.config().request_timeout;
            let handler = async move {
                let Ok(response) = routes.oneshot(req).await;
                response
            };
            let response = run_handler(handler, timeout, inline).await;
            (response, Some(identity), rate)
        }
        Err((error, rate)) => (error.into_response(), None, rate),
    };

    let headers = response.headers_mut();
    headers.insert(X_GITHUB_MEDIA_TYPE, media_type);
    headers.insert(X_GITHUB_API_VERSION_SELECTED, api_version);
    headers.insert(
        header::VARY,
        HeaderValue::from_static("Accept, Authorization, Cookie, X-GitHub-OTP"),
    );
    if enterprise {
        headers.insert(X_GITHUB_ENTERPRISE_VERSION, HeaderValue::from_static("3.19.0"));
    }
    if let Some(rate) = rate {
        rate_headers(headers, &rate);
    }
    if let Some(Identity::User(user)) = &identity {
        if let Some(token) = &user.token {
            if let Ok(v) = HeaderValue::from_str(&token.scopes.header_value()) {
                headers.insert(X_OAUTH_SCOPES, v);
            }
            if !headers.contains_key(&X_ACCEPTED_OAUTH_SCOPES) {
                headers.insert(X_ACCEPTED_OAUTH_SCOPES, HeaderValue::from_static(""));
            }
        }
    }

    if conditional && response.status() == StatusCode::OK {
        response = with_etag(response, if_none_match.as_ref()).await;
    }
    if is_head {
        let (parts, _) = response.into_parts();
        response = Response::from_parts(parts, Body::empty());
    }
    response
}

/// Whether a request only reads: GET (HEAD is served as GET) and a token check
/// (`POST /applications/{client_id}/token`, BEHAVIOR 50).
fn reads_only(method: &Method, path: &str) -> bool {
    *method == Method::GET
        || (*method == Method::POST
            && path
                .strip_prefix("/applications/")
                .and_then(|rest| rest.strip_suffix("/token"))
                .is_some_and(|client_id| !client_id.contains('/')))
}

/// Runs a handler within `timeout`; a panic becomes a logged 500.
///
/// A handler that writes runs as a task of its own: when the client goes away or the time limit
/// passes, the work already started (a database transaction above all) runs to its end instead
/// of being dropped half-way. A handler that only reads (`inline`) has nothing to finish and runs
/// in the request's own task, which spares a task and a wake-up per request (a token check's
/// most frequent path).
async fn run_handler(
    handler: impl Future<Output = Response> + Send + 'static,
    timeout: std::time::Duration,
    inline: bool,
) -> Response {
    use futures_util::FutureExt as _;
    let panicked =
        |what: &dyn std::fmt::Display| ApiError::Internal(format!("request handler failed: {what}")).into_response();
    if inline {
        match tokio::time::timeout(timeout, std::panic::AssertUnwindSafe(handler).catch_unwind()).await {
            Ok(Ok(response)) => response,
            Ok(Err(panic)) => panicked(&panic_message(panic.as_ref())),
            Err(_) => ApiError::Timeout.into_response(),
        }
    } else {
        match tokio::time::timeout(timeout, tokio::spawn(handler)).await {
            Ok(Ok(response)) => response,
            Ok(Err(e)) => panicked(&e),
            Err(_) => ApiError::Timeout.into_response(),
        }
    }
}

/// A panic's message, as tokio's `JoinError` shows it.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let text = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic");
    format!("panicked: {text}")
}

/// Checks the API version, authenticates and counts the request.
async fn admit(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
    reads_only: bool,
    ip: Option<IpAddr>,
) -> Result<(Identity, Option<RateState>), (ApiError, Option<RateState>)> {
    let ip = || ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
    if let Some(version) = headers.get("x-github-api-version") {
        let version = version.to_str().unwrap_or("").trim();
        if !SUPPORTED_API_VERSIONS.contains(&version) {
            return Err((
                ApiError::UnsupportedApiVersion(version.chars().take(40).collect()),
                None,
            ));
        }
    }
    let path_auth = classify(path);
    let result = authenticate(state.services(), &path_auth, headers, reads_only).await;
    let now = state.services().clock().now().unix_timestamp();
    let authenticated = matches!(result, Ok(Identity::User(_) | Identity::App(_)));
    let rate = if state.limiter().counts(authenticated) {
        let key = match result.as_ref().ok().and_then(Identity::rate_key) {
            Some(key) => key,
            None => format!("ip:{}", ip()),
        };
        state.limiter().hit(&key, authenticated, now)
    } else {
        None
    };
    if rate.is_some_and(|r| r.exceeded()) {
        let message = match &result {
            Ok(Identity::User(u)) => format!("API rate limit exceeded for user ID {}.", u.user.id),
            Ok(Identity::App(_)) => "API rate limit exceeded for this application.".to_owned(),
            _ => format!(
                "API rate limit exceeded for {}. (But here's the good news: Authenticated requests get a higher \
                 rate limit. Check out the documentation for more details.)",
                ip()
            ),
        };
        return Err((ApiError::RateLimited(message), rate));
    }
    match result {
        Ok(identity) => Ok((identity, rate)),
        Err(e) => Err((e, rate)),
    }
}

/// Removes `/api/v3` from the path; tells whether it was there.
fn strip_prefix(req: &mut Request) -> bool {
    let path = req.uri().path();
    let rest = match path.strip_prefix(ENTERPRISE_PREFIX) {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => return false,
    };
    let new = match req.uri().query() {
        Some(q) => format!("{rest}?{q}"),
        None => rest.to_owned(),
    };
    match new.parse::<Uri>() {
        Ok(uri) => {
            *req.uri_mut() = uri;
            true
        }
        Err(_) => false,
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

fn rate_headers(headers: &mut HeaderMap, rate: &RateState) {
    headers.insert(X_RATELIMIT_LIMIT, HeaderValue::from(rate.limit));
    headers.insert(X_RATELIMIT_REMAINING, HeaderValue::from(rate.remaining()));
    headers.insert(X_RATELIMIT_USED, HeaderValue::from(rate.used.min(rate.limit)));
    headers.insert(X_RATELIMIT_RESET, HeaderValue::from(rate.reset));
    headers.insert(X_RATELIMIT_RESOURCE, HeaderValue::from_static("core"));
}

/// Adds `ETag` and `Cache-Control` to a 200 answer to GET, or turns it into a 304 when the
/// client's `If-None-Match` names the same entity.
async fn with_etag(response: Response, if_none_match: Option<&HeaderValue>) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = match http_body_util::Limited::new(body, MAX_ETAG_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => return ApiError::Internal(format!("cannot buffer a response: {e}")).into_response(),
    };
    let digest = Sha256::digest(&bytes);
    let etag = format!("\"{}\"", hex::encode(&digest[..20]));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        parts.headers.insert(header::ETAG, v);
    }
    parts.headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=60, s-maxage=60"),
    );
    let matched = if_none_match.and_then(|v| v.to_str().ok()).is_some_and(|list| {
        list.split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == "*" || t == etag)
    });
    if matched {
        parts.status = StatusCode::NOT_MODIFIED;
        parts.headers.remove(header::CONTENT_TYPE);
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
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

    #[test]
    fn only_gets_and_token_checks_read_only() {
        assert!(reads_only(&Method::GET, "/authorizations"));
        assert!(reads_only(&Method::POST, "/applications/abc/token"));
        assert!(!reads_only(&Method::PATCH, "/applications/abc/token"));
        assert!(!reads_only(&Method::DELETE, "/applications/abc/token"));
        assert!(!reads_only(&Method::POST, "/authorizations"));
        assert!(!reads_only(&Method::POST, "/applications/a/b/token"));
        assert!(!reads_only(&Method::POST, "/applications/abc/tokens/x"));
    }

    #[tokio::test]
    async fn handlers_that_panic_or_overrun_are_answered_either_way() {
        let short = std::time::Duration::from_millis(50);
        for inline in [true, false] {
            let ok = run_handler(async { StatusCode::OK.into_response() }, short, inline).await;
            assert_eq!(ok.status(), StatusCode::OK);
            let failed = run_handler(async { panic!("boom") }, short, inline).await;
            assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR, "inline: {inline}");
            let cause = failed
                .extensions()
                .get::<crate::error::InternalCause>()
                .expect("a cause to log");
            assert!(cause.0.contains("boom"), "{}", cause.0);
            let slow = run_handler(
                async {
                    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                    StatusCode::OK.into_response()
                },
                short,
                inline,
            )
            .await;
            assert_eq!(
                slow.status(),
                ApiError::Timeout.into_response().status(),
                "inline: {inline}"
            );
        }
    }

    #[test]
    fn default_api_version_is_supported() {
        assert!(SUPPORTED_API_VERSIONS.contains(&DEFAULT_API_VERSION));
    }
}

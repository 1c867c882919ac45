//! Step 2: CORS as GitHub answers it (BEHAVIOR 21, 74), by tower-http's layer. Every origin gets
//! the same answer (`Access-Control-Allow-Origin: *`), so no answer varies by the request's CORS
//! headers and none carries a `Vary` for them. A preflight is answered here, before any other
//! step; [`super::Edge`] turns its 200 into GitHub's 204.

use axum::http::{HeaderName, Method, StatusCode};
use axum::response::Response;
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// The CORS layer.
pub fn layer() -> CorsLayer {
    let names = |list: &[&'static str]| list.iter().map(|n| HeaderName::from_static(n)).collect::<Vec<_>>();
    CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::PUT, Method::DELETE])
        .allow_headers(names(&[
            "authorization",
            "content-type",
            "if-match",
            "if-modified-since",
            "if-none-match",
            "if-unmodified-since",
            "x-github-otp",
            "x-requested-with",
        ]))
        .expose_headers(names(&[
            "etag",
            "link",
            "x-github-otp",
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
            "x-oauth-scopes",
            "x-accepted-oauth-scopes",
            "x-poll-interval",
        ]))
        .max_age(Duration::from_secs(86400))
        .vary(Vec::<HeaderName>::new())
}

/// The CORS layer answers a preflight with 200; GitHub with 204 (BEHAVIOR 74).
pub fn preflight_answered(method: &Method, response: &mut Response) {
    if *method == Method::OPTIONS
        && response.status() == StatusCode::OK
        && response.headers().contains_key("access-control-allow-methods")
    {
        *response.status_mut() = StatusCode::NO_CONTENT;
    }
}

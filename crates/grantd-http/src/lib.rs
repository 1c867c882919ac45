//! grantd's HTTP layer: GitHub's OAuth Authorizations REST API over axum.
//!
//! [`app`] builds the whole service: request ids and logs (with secrets redacted), CORS, the
//! [`gate`] that authenticates before routing and adds GitHub's headers, and the routes of
//! [`routes`], served at the root (github.com layout) and under `/api/v3` (Enterprise layout).

pub mod auth;
pub mod body;
pub mod edge;
pub mod error;
pub mod gate;
pub mod pagination;
pub mod ratelimit;
pub mod respond;
pub mod routes;
pub mod state;
pub mod views;

pub use edge::ACCESS_TARGET;
pub use edge::{Edge, Gated, REQUEST_ID_HEADER};
pub use ratelimit::RateLimits;
pub use state::{AppState, HttpConfig};

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Method};
use axum::routing::{delete, get, put};
use axum::Router;
use std::time::Duration;
use tower::Layer;
use tower_http::cors::{AllowOrigin, Cors, CorsLayer};

/// The routes, without the gate (paths are the github.com layout's).
fn routes(state: AppState) -> Router {
    use routes::{applications as apps, authorizations as authz, grants, meta};
    let max_body = state.config().max_body_bytes;
    Router::new()
        .route("/", get(meta::root))
        .route("/user", get(meta::user))
        .route("/authorizations", get(authz::list).post(authz::create))
        .route("/authorizations/clients/{client_id}", put(authz::get_or_create))
        .route(
            "/authorizations/clients/{client_id}/{fingerprint}",
            put(authz::get_or_create_with_fingerprint),
        )
        .route(
            "/authorizations/{authorization_id}",
            get(authz::get)
                .patch(authz::update)
                .post(authz::update)
                .delete(authz::delete),
        )
        .route("/applications/grants", get(grants::list))
        .route(
            "/applications/grants/{grant_id}",
            get(grants::get).delete(grants::delete),
        )
        .route(
            "/applications/{client_id}/token",
            axum::routing::post(apps::check_token)
                .patch(apps::reset_token)
                .delete(apps::delete_token),
        )
        .route("/applications/{client_id}/grant", delete(apps::delete_grant))
        .route(
            "/applications/{client_id}/tokens/{access_token}",
            get(apps::legacy_check)
                .post(apps::legacy_reset)
                .delete(apps::legacy_revoke),
        )
        .route("/applications/{client_id}/tokens", delete(apps::revoke_all))
        .route(
            "/applications/{client_id}/grants/{access_token}",
            delete(apps::legacy_revoke_grant),
        )
        .fallback(meta::not_found)
        .method_not_allowed_fallback(meta::not_found)
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(state)
}

/// The whole HTTP service: [`Edge`] (request id, preflight, request log), CORS, then the
/// [`gate`] in front of the routes.
pub fn app(state: AppState) -> App {
    Edge::new(cors().layer(Gated::new(state.clone(), routes(state))))
}

/// The type of [`app`]'s service.
pub type App = Edge<Cors<Gated>>;

/// CORS as GitHub answers it (BEHAVIOR 21, 74). Every origin gets the same answer
/// (`Access-Control-Allow-Origin: *`), so no answer varies by the request's CORS headers and none
/// carries a `Vary` for them.
fn cors() -> CorsLayer {
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

/// The path as logged: tokens in legacy paths are replaced (a token is never logged).
pub fn redact_path(path: &str) -> String {
    let mut out = Vec::new();
    let mut redact_next = false;
    let mut under_applications = false;
    for (i, segment) in path.split('/').enumerate() {
        if segment.is_empty() {
            // `tokens//TOKEN` still redacts TOKEN.
            out.push(segment);
            continue;
        }
        if i <= 3 && segment == "applications" {
            under_applications = true;
        }
        let redact = redact_next;
        // Also after a redacted segment: `/applications/grants/grants/TOKEN` is a client
        // called `grants`.
        redact_next = under_applications && (segment == "tokens" || segment == "grants");
        out.push(if redact { "[redacted]" } else { segment });
    }
    out.join("/")
}

#[cfg(test)]
mod tests {
    use super::redact_path;

    #[test]
    fn tokens_in_legacy_paths_are_redacted() {
        assert_eq!(
            redact_path("/applications/abc/tokens/gho_secret"),
            "/applications/abc/tokens/[redacted]"
        );
        assert_eq!(
            redact_path("/api/v3/applications/abc/grants/gho_secret"),
            "/api/v3/applications/abc/grants/[redacted]"
        );
        assert_eq!(
            redact_path("/applications/grants/12"),
            "/applications/grants/[redacted]"
        );
        assert_eq!(redact_path("/authorizations/12"), "/authorizations/12");
    }

    #[test]
    fn doubled_slashes_and_repeated_names_do_not_unredact() {
        // Found by fuzzing (fuzz/fuzz_targets/redact_path.rs): an empty segment cancelled the
        // redaction, and a redacted `tokens`/`grants` did not redact what followed it.
        assert_eq!(
            redact_path("/api/v3/applications/abc/tokens//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"),
            "/api/v3/applications/abc/tokens//[redacted]"
        );
        assert_eq!(
            redact_path("/applications/grants/grants/gho_secret"),
            "/applications/grants/[redacted]/[redacted]"
        );
    }
}

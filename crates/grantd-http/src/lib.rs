//! grantd's HTTP layer: GitHub's OAuth Authorizations REST API over axum.
//!
//! [`app`] builds the whole service: request ids and logs (with secrets redacted), CORS, the
//! [`gate`] that authenticates before routing and adds GitHub's headers, and the routes of
//! [`routes`], served at the root (github.com layout) and under `/api/v3` (Enterprise layout).

pub mod auth;
pub mod body;
pub mod error;
pub mod gate;
pub mod pagination;
pub mod ratelimit;
pub mod respond;
pub mod routes;
pub mod state;
pub mod views;

pub use ratelimit::RateLimits;
pub use state::{AppState, HttpConfig};

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{delete, get, put};
use axum::Router;
use std::time::Duration;
use tower::Layer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer};

/// The header carrying each request's id, as GitHub names it.
pub const REQUEST_ID_HEADER: &str = "x-github-request-id";

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

/// The whole HTTP service.
pub fn app(state: AppState) -> Router {
    let gated = middleware::from_fn_with_state(state.clone(), gate::gate).layer(routes(state));
    let request_id = HeaderName::from_static(REQUEST_ID_HEADER);
    Router::new()
        .fallback_service(gated)
        .layer(cors())
        .layer(middleware::from_fn(preflight_no_content))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(middleware::from_fn(access_log))
        .layer(SetRequestIdLayer::new(request_id, RandomRequestId))
}

/// The request log: one `info` line per request when it is answered, with the request id, method,
/// path (tokens redacted), status and latency; a 500 is logged at `error` with its cause instead
/// (whatever the level, so an `error` filter still shows failures).
///
/// One event and no span: tower-http's `TraceLayer` (a span of formatted fields, then an event)
/// cost about a fifth of a token check's CPU time, and a per-request span alone about a seventh.
async fn access_log(req: Request, next: Next) -> Response {
    let start = std::time::Instant::now();
    let method = req.method().clone();
    let uri = req.uri().clone();
    let id = req.headers().get(REQUEST_ID_HEADER).cloned();
    let response = next.run(req).await;
    let id = id.as_ref().and_then(|v| v.to_str().ok()).unwrap_or("");
    let status = response.status().as_u16();
    let path = || redact_path(uri.path());
    if let Some(error::InternalCause(cause)) = response.extensions().get::<error::InternalCause>() {
        tracing::error!(target: "grantd::access", id, %method, path = path(), status, %cause, "request failed");
    } else {
        tracing::info!(
            target: "grantd::access",
            id,
            %method,
            path = path(),
            status,
            latency_us = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX),
            "request"
        );
    }
    response
}

/// CORS as GitHub answers it (BEHAVIOR 21, 74).
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
}

/// GitHub answers a CORS preflight with 204 (BEHAVIOR 74); the CORS layer answers 200.
async fn preflight_no_content(req: Request, next: Next) -> Response {
    let preflight = req.method() == Method::OPTIONS;
    let mut response = next.run(req).await;
    if preflight
        && response.status() == StatusCode::OK
        && response.headers().contains_key("access-control-allow-methods")
    {
        *response.status_mut() = StatusCode::NO_CONTENT;
    }
    response
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

/// Random request ids (GitHub's `X-GitHub-Request-Id`).
#[derive(Debug, Clone, Copy)]
struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let bytes: [u8; 8] = rand_bytes();
        HeaderValue::from_str(&hex::encode(bytes).to_uppercase())
            .ok()
            .map(RequestId::new)
    }
}

fn rand_bytes() -> [u8; 8] {
    use std::hash::{BuildHasher, Hasher};
    // Request ids need to be unique, not secret: a randomly seeded hasher over a counter.
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(n);
    h.finish().to_be_bytes()
}

#[cfg(test)]
mod tests {
    use super::redact_path;
    use axum::body::Body;
    use axum::http::Request;
    use axum::response::IntoResponse as _;
    use std::sync::{Arc, Mutex};
    use tower::ServiceExt as _;

    /// Runs one request through `access_log` in front of `answer`, with logs at `level`; returns
    /// what was logged.
    async fn logged(level: tracing::Level, uri: &str, answer: crate::error::ApiError) -> String {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = buffer.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_ansi(false)
            .with_writer(move || Writer(sink.clone()))
            .finish();
        let answer = Arc::new(Mutex::new(Some(answer)));
        let router = axum::Router::new()
            .fallback(move || {
                let answer = answer.lock().expect("lock").take();
                async move {
                    answer.map_or_else(
                        || axum::http::StatusCode::OK.into_response(),
                        axum::response::IntoResponse::into_response,
                    )
                }
            })
            .layer(axum::middleware::from_fn(super::access_log));
        let request = Request::builder()
            .uri(uri)
            .header(super::REQUEST_ID_HEADER, "ABC123")
            .body(Body::empty())
            .expect("request");
        let _guard = tracing::subscriber::set_default(subscriber);
        let _ = router.oneshot(request).await.expect("answer");
        let bytes = buffer.lock().expect("lock").clone();
        String::from_utf8(bytes).expect("utf-8")
    }

    struct Writer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Writer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn each_request_is_one_line_with_its_id_and_a_redacted_path() {
        let log = logged(
            tracing::Level::INFO,
            "/applications/abc/tokens/gho_secret",
            crate::error::ApiError::NotFound,
        )
        .await;
        assert_eq!(log.lines().count(), 1, "{log}");
        assert!(
            log.contains(" INFO ") && log.contains("id=\"ABC123\"") && log.contains("status=404"),
            "{log}"
        );
        assert!(log.contains("path=\"/applications/abc/tokens/[redacted]\""), "{log}");
        assert!(!log.contains("gho_secret"), "{log}");
        let quiet = logged(tracing::Level::WARN, "/user", crate::error::ApiError::NotFound).await;
        assert_eq!(quiet, "", "nothing below the level");
    }

    #[tokio::test]
    async fn a_server_error_is_logged_with_its_cause_at_any_level() {
        let cause = crate::error::ApiError::Internal("the disk caught fire".into());
        let log = logged(tracing::Level::ERROR, "/user", cause).await;
        assert_eq!(log.lines().count(), 1, "{log}");
        assert!(log.contains("ERROR") && log.contains("the disk caught fire"), "{log}");
        assert!(log.contains("id=\"ABC123\"") && log.contains("status=500"), "{log}");
    }

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

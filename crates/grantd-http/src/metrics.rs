//! `GET /metrics`: grantd's metrics in Prometheus' text format, on the main listener (beside the
//! pages, [`crate::web`]) or, with `--metrics-listen`, only on a listener of its own
//! ([`router`]); and the family of requests, recorded once a request by the access log
//! ([`crate::middleware::request_log`]).
//!
//! The services' families live in [`grantd_core::metrics`]; the requests' family is added to the
//! same registry here. Requests are labelled by route template (never a path: a path may hold a
//! token, and paths are unbounded), method and status; a path no route matches is `unmatched`.

use crate::state::AppState;
use axum::extract::State;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse as _, Response};
use prometheus::{Encoder as _, HistogramOpts, HistogramVec, TextEncoder};
use std::sync::LazyLock;
use std::time::Duration;

/// The route label of a request whose path no route matches.
pub const UNMATCHED: &str = "unmatched";

/// Upper bounds of the latency buckets, in seconds: a token check takes well under a
/// millisecond, a password check (Argon2) tens to hundreds.
const BUCKETS: [f64; 14] = [
    0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// `grantd_http_requests_seconds{route,method,status}`: requests answered and how long they
/// took (its `_count` is the request count).
fn requests() -> &'static HistogramVec {
    static REQUESTS: LazyLock<HistogramVec> = LazyLock::new(|| {
        let opts = HistogramOpts::new(
            "grantd_http_requests_seconds",
            "HTTP requests answered, by route template, method and status, and their latency.",
        )
        .buckets(BUCKETS.to_vec());
        // A constant, valid name registered once: this cannot fail.
        let family = HistogramVec::new(opts, &["route", "method", "status"]).expect("a valid metric name");
        grantd_core::metrics::registry()
            .register(Box::new(family.clone()))
            .expect("registered once");
        family
    });
    &REQUESTS
}

/// Records one answered request.
pub fn record_request(route: &str, method: &Method, status: StatusCode, latency: Duration) {
    let method = match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        // Methods are unbounded; no route serves another.
        _ => "other",
    };
    requests()
        .with_label_values(&[route, method, status.as_str()])
        .observe(latency.as_secs_f64());
}

/// The metrics, rendered now.
pub fn render(state: &AppState) -> Response {
    requests();
    state.services().refresh_metrics();
    let mut body = Vec::new();
    if let Err(e) = TextEncoder::new().encode(&grantd_core::metrics::registry().gather(), &mut body) {
        return crate::error::ApiError::failed("cannot render the metrics", e).into_response();
    }
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// `GET /metrics` on the main listener: the metrics, unless they are served on a listener of
/// their own (then the pages' 404).
pub async fn on_main(State(state): State<AppState>) -> Response {
    if state.config().metrics_on_main {
        render(&state)
    } else {
        crate::web::page::not_found_page()
    }
}

/// The service of a metrics-only listener: `GET /metrics`, and 404 for anything else.
pub fn router(state: AppState) -> axum::Router {
    axum::Router::new()
        .route(
            "/metrics",
            axum::routing::get(|State(state): State<AppState>| async move { render(&state) }),
        )
        .fallback(|| async { StatusCode::NOT_FOUND })
        .with_state(state)
}

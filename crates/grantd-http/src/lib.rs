//! grantd's HTTP layer: GitHub's OAuth Authorizations REST API over axum.
//!
//! - [`urls`]: the URL space in one table (routes, methods, credentials, read-only, secrets);
//! - [`middleware`]: the path of a request, one module per step, in order;
//! - [`routes`]: the handlers, one module per resource; [`body`], [`pagination`], [`views`] and
//!   [`respond`] are what they read and write; [`error`] is every failure a client can see;
//! - [`identity`] and [`state`]: what the handlers receive;
//! - [`metrics`]: `GET /metrics` and the requests' metric family;
//! - [`client_ip`]: the client IP address of a request (the socket peer, or behind a trusted
//!   proxy the address it forwarded), resolved once by [`Edge`] and read with [`ClientIp::of`];
//! - [`web`]: the pages a person uses in a browser (sign-in, consent), beside the API;
//! - [`health`]: `/healthz` and `/readyz` for load balancers, beside the API too.
//!
//! The API is served at the root (github.com layout) and under `/api/v3` (Enterprise layout).

pub mod body;
pub mod client_ip;
pub mod error;
pub mod health;
pub mod identity;
pub mod metrics;
pub mod middleware;
pub mod pagination;
pub mod respond;
pub mod routes;
pub mod state;
pub mod urls;
pub mod views;
pub mod web;

pub use client_ip::{ClientIp, TrustedProxies};
pub use middleware::rate_limit::RateLimits;
pub use middleware::{Edge, Gated, ACCESS_TARGET, REQUEST_ID_HEADER};
pub use state::{AppState, HttpConfig};

use tower::Layer;
use tower_http::cors::Cors;

/// The whole HTTP service: the pages ([`web`]) and health probes ([`health`]) beside the API, whose steps ([`middleware`]) are in
/// front of its handlers; the edge (request id, access log) in front of both.
pub fn app(state: AppState) -> App {
    let trusted = state.config().trusted_proxies.clone();
    let pages = web::router(state.clone()).merge(health::router(state.clone()));
    Edge::new(
        web::Split::new(pages, middleware::cors::layer().layer(Gated::new(state))),
        trusted,
    )
}

/// The type of [`app`]'s service.
pub type App = Edge<web::Split<Cors<Gated>>>;

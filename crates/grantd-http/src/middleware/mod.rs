//! The path of a request, one module per step, in the order a request meets them:
//!
//! 1. [`request_log`]: the request's id (`X-GitHub-Request-Id`), its client IP
//!    ([`crate::client_ip`], resolved once here for every later step) and its line in the access
//!    log, written when the answer leaves ([`Edge`], outermost);
//! 2. [`cors`]: CORS headers, and preflights answered with 204 (tower-http's layer);
//! 3. [`gate`] ([`Gated`], innermost) runs the rest in order:
//!    [`prefix`] strips `/api/v3`; [`crate::urls::classify`] finds the route and what it needs;
//!    [`version`] checks `X-GitHub-Api-Version`; [`authenticate`] reads and checks credentials;
//!    [`rate_limit`] counts the request; [`run`] runs the handler (inline when it only reads,
//!    as a task of its own when it writes, with a time limit, a panic answered with 500);
//!    [`headers`] adds GitHub's headers; [`etag`] adds `ETag` and answers 304.
//!
//! Nothing here imports [`crate::routes`] but [`run`], and the routes import nothing from here.

pub mod request_log;

pub mod cors;

pub mod gate;

pub mod prefix;

pub mod version;

pub mod authenticate;

pub mod rate_limit;

pub mod run;

pub mod headers;

pub mod etag;

pub use gate::Gated;
pub use request_log::{Edge, ACCESS_TARGET, REQUEST_ID_HEADER};

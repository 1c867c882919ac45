//! grantd's pages: what a person uses in a browser (FLOWS B). Server-rendered with askama
//! templates (`templates/`), working without JavaScript, each form with a CSRF token, every page
//! with strict security headers ([`page`]).
//!
//! - [`sign_in`]: `GET /login`, `POST /session`, the two-factor step and `POST /logout`;
//! - [`access_token`]: `POST /login/oauth/access_token`, where apps exchange codes for tokens,
//!   answering in the formats of [`oauth_answer`];
//! - [`authorize`]: `GET /login/oauth/authorize` and the consent page;
//! - [`cookies`] and [`csrf`]: the session cookie and the forms' tokens;
//! - [`page`]: rendering a template with the headers every page carries; [`assets`]: the one
//!   stylesheet.
//!
//! The pages are an axum router of their own in front of the API ([`Split`]): they need none of
//! the API's steps (GitHub's headers, CORS, rate limits), and their paths (`/login…`,
//! `/session…`, `/logout`, `/assets/…`) are outside the API's URL space in both layouts.

pub mod access_token;
pub mod assets;
pub mod authorize;
pub mod cookies;
pub mod csrf;
pub mod oauth_answer;
pub mod page;
pub mod return_to;
pub mod sign_in;

use crate::state::AppState;
use axum::extract::Request;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use std::convert::Infallible;
use std::task::{Context, Poll};
use tower::Service;

/// Whether `path` is one of the pages' or a health probe's ([`crate::health`]), else the API's.
pub fn serves(path: &str) -> bool {
    crate::health::serves(path) || page_path(path)
}

fn page_path(path: &str) -> bool {
    let under = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    under("/login")
        || under("/session")
        || under("/sessions")
        || path == "/logout"
        || under("/assets")
        || path == "/metrics"
}

/// The route of a page's `path` for the request metrics: the path itself when the pages'
/// router has a route for exactly it (a bounded set), else `None`.
pub fn page_route(path: &str) -> Option<&'static str> {
    PAGE_ROUTES.iter().copied().find(|route| *route == path)
}

/// The pages' routes, as [`router`] has them.
const PAGE_ROUTES: [&str; 8] = [
    "/login",
    "/session",
    "/sessions/two-factor",
    "/logout",
    "/login/oauth/access_token",
    "/login/oauth/authorize",
    "/assets/grantd.css",
    "/metrics",
];

/// The pages' router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/login", get(sign_in::form))
        .route("/session", post(sign_in::submit))
        .route(
            "/sessions/two-factor",
            get(sign_in::code_form).post(sign_in::submit_code),
        )
        .route("/logout", post(sign_in::sign_out))
        .route("/login/oauth/access_token", post(access_token::exchange))
        .route("/login/oauth/authorize", get(authorize::start).post(authorize::decide))
        .route("/assets/grantd.css", get(assets::stylesheet))
        .route("/metrics", get(crate::metrics::on_main))
        .fallback(page::not_found)
        .with_state(state)
}

/// The pages in front of the API: a request for a page goes to `pages`, any other to `api`.
#[derive(Clone, Debug)]
pub struct Split<A> {
    pages: Router,
    api: A,
}

impl<A> Split<A> {
    /// `pages` beside `api`.
    pub fn new(pages: Router, api: A) -> Self {
        Self { pages, api }
    }
}

impl<A> Service<Request> for Split<A>
where
    A: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = futures_util::future::Either<<Router as Service<Request>>::Future, A::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.api.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        if serves(req.uri().path()) {
            futures_util::future::Either::Left(self.pages.call(req))
        } else {
            futures_util::future::Either::Right(self.api.call(req))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::serves;

    #[test]
    fn the_pages_paths_are_apart_from_the_apis() {
        for page in [
            "/login",
            "/login/oauth/authorize",
            "/session",
            "/sessions/two-factor",
            "/logout",
            "/assets/grantd.css",
        ] {
            assert!(serves(page), "{page}");
        }
        for api in [
            "/",
            "/user",
            "/authorizations",
            "/api/v3/login",
            "/loginx",
            "/sessionsx",
            "/logout/x",
            "/applications/login/token",
        ] {
            assert!(!serves(api), "{api}");
        }
    }
}

//! Step 1, outermost: [`Edge`] gives the request its id (`X-GitHub-Request-Id`), resolves its
//! client IP address once for every later step ([`ClientIp`], left in the request's extensions)
//! and writes its line in the access log when the answer leaves, naming the client IP and the
//! principal the gate counted it for ([`Principal`]); it also turns CORS's preflight answer into
//! GitHub's 204 ([`super::cors::preflight_answered`]) and adds the security headers of every
//! answer ([`super::headers::security`]).
//!
//! [`Edge`], CORS and [`super::Gated`] are services of their own, composed once, rather than
//! `Router::layer` and `middleware::from_fn` layers: axum clones a route's whole layer stack for
//! every request and `from_fn` boxes its inner service for every call, which together cost about
//! a tenth of a token check.
//!
//! The same step records the request in the metrics ([`crate::metrics::record_request`]), from
//! the route, status and latency the log line has.
//!
//! The log names the request's route by its template ([`crate::urls::route_for_log`]), never
//! the path: a template holds no secret, and for a path no route matches, every segment that
//! could hold a token is replaced. The route is classified again here, from the path as
//! received, rather than carried out of the gate: a match over a few segments costs less than
//! an extension.

use crate::client_ip::{ClientIp, TrustedProxies};
use crate::error::InternalCause;
use crate::identity::Principal;
use crate::urls::{route_for_log, RouteForLog};
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, Uri};
use axum::response::Response;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;
use tower::Service;

/// The header carrying each request's id, as GitHub names it.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-github-request-id");

/// The target of the request log's events, one a request: `info` with the fields `id`,
/// `method`, `route`, `status`, `ip`, `principal` and `latency_us`; `error` with `cause` too for
/// a 500.
pub const ACCESS_TARGET: &str = "grantd::access";

/// A boxed response future that cannot fail.
pub type ResponseFuture = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

/// The outermost service; see the module documentation.
#[derive(Clone, Debug)]
pub struct Edge<S> {
    inner: S,
    trusted: TrustedProxies,
}

impl<S> Edge<S> {
    /// `inner` behind the edge, believing `X-Forwarded-For` from the `trusted` proxies.
    pub const fn new(inner: S, trusted: TrustedProxies) -> Self {
        Self { inner, trusted }
    }
}

impl<S> Service<Request> for Edge<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let start = Instant::now();
        // grantd names every request itself: the id in the answer and the log is never one a
        // client chose (nothing behind the edge reads a request's id header).
        let id = request_id();
        let method = req.method().clone();
        let uri = req.uri().clone();
        let ip = ClientIp::of_request(req.extensions(), req.headers(), &self.trusted);
        req.extensions_mut().insert(ip);
        let answer = self.inner.call(req);
        Box::pin(async move {
            let Ok(mut response) = answer.await;
            super::cors::preflight_answered(&method, &mut response);
            log(&id, &method, &uri, ip, &response, start);
            response.headers_mut().insert(REQUEST_ID_HEADER, id);
            super::headers::security(response.headers_mut());
            Ok(response)
        })
    }
}

/// The request log (and the request's metrics): one `info` line per request when it is answered; a 500 is logged at `error`
/// with its cause and the cause's causes instead (whatever the level, so an `error` filter still
/// shows failures).
///
/// One event and no span: tower-http's `TraceLayer` (a span of formatted fields, then an event)
/// cost about a fifth of a token check's CPU time, and a per-request span alone about a seventh.
fn log(id: &HeaderValue, method: &Method, uri: &Uri, ip: ClientIp, response: &Response, start: Instant) {
    let id = id.to_str().unwrap_or("");
    let status = response.status().as_u16();
    let route = route_for_log(uri.path());
    let ip = Logged(ip.0);
    let principal = Logged(response.extensions().get::<Principal>().copied());
    let latency = start.elapsed();
    let template = match route {
        RouteForLog::Route(template) => template,
        RouteForLog::Unknown(_) => crate::web::page_route(uri.path()).unwrap_or(crate::metrics::UNMATCHED),
    };
    crate::metrics::record_request(template, method, response.status(), latency);
    let latency_us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
    if let Some(cause) = response.extensions().get::<InternalCause>() {
        tracing::error!(target: ACCESS_TARGET, id, %method, %route, status, %ip, %principal, latency_us, %cause, "request failed");
    } else {
        tracing::info!(target: ACCESS_TARGET, id, %method, %route, status, %ip, %principal, latency_us, "request");
    }
}

/// A field of the access line that may be unknown: its value, or `-` (no client address, no
/// principal), so every line has the same fields.
struct Logged<T>(Option<T>);

impl<T: std::fmt::Display> std::fmt::Display for Logged<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some(value) => value.fmt(f),
            None => f.write_str("-"),
        }
    }
}

/// A new request id: 16 upper-case hexadecimal digits, like GitHub's.
fn request_id() -> HeaderValue {
    use std::hash::{BuildHasher, Hasher};
    // Request ids need to be unique, not secret: a randomly seeded hasher over a counter.
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    thread_local! {
        static SEED: std::collections::hash_map::RandomState = std::collections::hash_map::RandomState::new();
    }
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let bits = SEED.with(|seed| {
        let mut h = seed.build_hasher();
        h.write_u64(n);
        h.finish()
    });
    let mut hex = [0u8; 16];
    for (i, digit) in hex.iter_mut().enumerate() {
        *digit = b"0123456789ABCDEF"[((bits >> (60 - 4 * i)) & 0xF) as usize];
    }
    HeaderValue::from_bytes(&hex).unwrap_or(HeaderValue::from_static("0000000000000000"))
}

#[cfg(test)]
mod tests {
    use super::{Edge, REQUEST_ID_HEADER};
    use axum::body::Body;
    use axum::http::Request;
    use axum::response::IntoResponse as _;
    use grantd_test_support::LogBuffer;
    use std::sync::{Arc, Mutex};
    use tower::{Service as _, ServiceExt as _};

    /// Runs one request through [`Edge`] in front of `answer`, with logs at `level`; returns the
    /// request id it answered with and what was logged.
    async fn logged(level: tracing::Level, uri: &str, answer: crate::error::ApiError) -> (String, String) {
        let buffer = LogBuffer::new();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_ansi(false)
            .with_writer(buffer.clone())
            .finish();
        let answer = Arc::new(Mutex::new(Some(answer)));
        let router = axum::Router::new().fallback(move || {
            let answer = answer.lock().expect("lock").take();
            async move {
                answer.map_or_else(
                    || axum::http::StatusCode::OK.into_response(),
                    axum::response::IntoResponse::into_response,
                )
            }
        });
        let request = Request::builder()
            .uri(uri)
            .header(REQUEST_ID_HEADER, "CHOSEN-BY-THE-CLIENT")
            .body(Body::empty())
            .expect("request");
        let _guard = tracing::subscriber::set_default(subscriber);
        let response = Edge::new(router, crate::client_ip::TrustedProxies::default())
            .oneshot(request)
            .await
            .expect("answer");
        let id = response.headers()[&REQUEST_ID_HEADER].to_str().expect("id").to_owned();
        (id, buffer.contents())
    }

    #[tokio::test]
    async fn each_request_is_one_line_with_its_id_and_its_route_not_its_path() {
        let (id, log) = logged(
            tracing::Level::INFO,
            "/applications/abc/tokens/gho_secret",
            crate::error::ApiError::NotFound,
        )
        .await;
        assert_eq!(log.lines().count(), 1, "{log}");
        assert!(
            log.contains(" INFO ") && log.contains(&format!("id=\"{id}\"")) && log.contains("status=404"),
            "{log}"
        );
        assert!(
            log.contains("route=/applications/{client_id}/tokens/{access_token}"),
            "{log}"
        );
        assert!(!log.contains("gho_secret"), "{log}");
        let (_, unknown) = logged(
            tracing::Level::INFO,
            "/api/v4/applications/abc/tokens/gho_secret",
            crate::error::ApiError::NotFound,
        )
        .await;
        assert!(
            unknown.contains("route=/api/v4/applications/abc/tokens/{redacted}"),
            "{unknown}"
        );
        assert!(!unknown.contains("gho_secret"), "{unknown}");
        let (_, quiet) = logged(tracing::Level::WARN, "/user", crate::error::ApiError::NotFound).await;
        assert_eq!(quiet, "", "nothing below the level");
    }

    #[tokio::test]
    async fn a_server_error_is_logged_with_its_cause_at_any_level() {
        let fire = std::io::Error::other("the disk caught fire");
        let cause = crate::error::ApiError::failed("cannot read the database", fire);
        let (id, log) = logged(tracing::Level::ERROR, "/user", cause).await;
        assert_eq!(log.lines().count(), 1, "{log}");
        assert!(
            log.contains("ERROR") && log.contains("cannot read the database: the disk caught fire"),
            "{log}"
        );
        assert!(log.contains("route=/user"), "{log}");
        assert!(
            log.contains(&format!("id=\"{id}\"")) && log.contains("status=500"),
            "{log}"
        );
    }

    #[tokio::test]
    async fn every_answer_has_a_request_id_of_grantds_own() {
        let mut ids = std::collections::HashSet::new();
        for _ in 0..100 {
            let (id, _) = logged(tracing::Level::WARN, "/", crate::error::ApiError::NotFound).await;
            assert!(
                id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_lowercase()),
                "{id}"
            );
            ids.insert(id);
        }
        assert_eq!(ids.len(), 100, "ids are unique");
    }

    #[tokio::test]
    async fn the_line_names_the_client_ip_the_edge_resolved_and_the_principal_the_gate_counted() {
        use crate::client_ip::{parse_network, ClientIp, TrustedProxies};
        use crate::identity::Principal;
        let buffer = LogBuffer::new();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_writer(buffer.clone())
            .finish();
        // The handler sees the client IP the edge resolved, and answers for user 7.
        let seen = Arc::new(Mutex::new(None));
        let seen_by_handler = seen.clone();
        let router = axum::Router::new().fallback(move |req: Request<Body>| {
            *seen_by_handler.lock().expect("lock") = Some(ClientIp::of(req.extensions()));
            async move {
                let mut response = axum::http::StatusCode::OK.into_response();
                response
                    .extensions_mut()
                    .insert(Principal::User(grantd_core::model::UserId(7)));
                response
            }
        });
        let trusted = TrustedProxies::new([parse_network("127.0.0.0/8").expect("a network")]);
        let mut edge = Edge::new(router, trusted);
        let request = |forwarded: &str| {
            let mut request = Request::builder()
                .uri("/user")
                .header("x-forwarded-for", forwarded)
                .body(Body::empty())
                .expect("request");
            let peer: std::net::SocketAddr = "127.0.0.1:40000".parse().expect("an address");
            request.extensions_mut().insert(axum::extract::ConnectInfo(peer));
            request
        };
        let _guard = tracing::subscriber::set_default(subscriber);
        edge.call(request("192.0.2.1, 198.51.100.7, 127.0.0.2"))
            .await
            .expect("answer");
        let client = "198.51.100.7".parse().ok();
        assert_eq!(*seen.lock().expect("lock"), Some(client));
        let log = buffer.contents();
        assert!(
            log.contains("status=200 ip=198.51.100.7 principal=user:7 latency_us="),
            "{log}"
        );
        // Without a peer or a principal, each field says so.
        let (_, unknown) = logged(tracing::Level::INFO, "/user", crate::error::ApiError::NotFound).await;
        assert!(unknown.contains("status=404 ip=- principal=- latency_us="), "{unknown}");
    }
}

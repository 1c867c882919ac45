//! Steps 3 to 10, behind CORS: the gate in front of the handlers. [`gate`] reads top to bottom
//! in the order of the steps; each step is a module of its own ([`super`]).
//!
//! Authentication comes before routing (BEHAVIOR 20), so that e.g. `PATCH /authorizations` asks
//! for a two-factor code and only then answers 404.

use super::rate_limit::{self, RateKey, RateState};
use super::{authenticate, etag, headers, prefix, run, version};
use crate::client_ip::ClientIp;
use crate::error::ApiError;
use crate::identity::{CheckedBy, Identity, Principal};
use crate::state::AppState;
use crate::urls::{classify, Classified};
use axum::extract::Request;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use grantd_core::model::AppId;
use std::convert::Infallible;
use std::net::IpAddr;
use std::task::{Context, Poll};
use tower::Service;

/// The innermost service: [`gate`] in front of the handlers.
#[derive(Clone, Debug)]
pub struct Gated {
    state: AppState,
}

impl Gated {
    /// The handlers of `state`'s API behind the gate.
    pub const fn new(state: AppState) -> Self {
        Self { state }
    }
}

impl Service<Request> for Gated {
    type Response = Response;
    type Error = Infallible;
    type Future = super::request_log::ResponseFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let state = self.state.clone();
        Box::pin(async move { Ok(gate(state, req).await) })
    }
}

/// The gate; see the module documentation.
pub async fn gate(state: AppState, mut req: Request) -> Response {
    // 3. The Enterprise prefix; HEAD is served as GET.
    let enterprise = prefix::strip(&mut req);
    let is_head = req.method() == Method::HEAD;
    if is_head {
        *req.method_mut() = Method::GET;
    }
    let conditional = req.method() == Method::GET;
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    let ip = ClientIp::of(req.extensions());
    if req.uri().path().contains("%00") {
        // No resource has a NUL character in its name (and PostgreSQL cannot look one up).
        return ApiError::NotFound.into_response();
    }
    // 4. The route, and what it needs.
    let classified = classify(req.method(), req.uri().path());
    let endpoint = classified.operation.map(|o| o.endpoint);
    let read_only = classified.read_only;
    // 5. The API version.
    let version = version::check(req.headers());
    let context = headers::Context {
        media_type: headers::media_type(req.headers()),
        api_version: version.as_ref().map_or_else(|_| version::default(), Clone::clone),
        enterprise,
    };
    // 6, 7. Credentials, then the rate limit.
    let admitted = match version {
        Ok(_) => admit(&state, req.headers(), classified, ip, enterprise).await,
        Err(e) => Err((e, None, None)),
    };
    let (mut response, rate, scopes, principal) = match admitted {
        Ok((identity, rate)) => {
            let scopes = headers::oauth_scopes(&identity);
            let token_check = matches!(identity, Identity::AppToCheck(_));
            let principal = Principal::of(&identity);
            req.extensions_mut().insert(state.bases(enterprise).clone());
            req.extensions_mut().insert(identity);
            // 8. The handler.
            let response = run::handler(endpoint, req, state.clone(), read_only).await;
            if token_check {
                let (response, rate, app) = count_token_check(&state, response, ip);
                (response, rate, scopes, app.map(Principal::App))
            } else {
                (response, rate, scopes, principal)
            }
        }
        Err((e, rate, principal)) => (e.into_response(), rate, None, principal),
    };
    if let Some(principal) = principal {
        response.extensions_mut().insert(principal);
    }
    // 9. GitHub's headers.
    headers::add(response.headers_mut(), context, rate.as_ref(), scopes);
    // 10. ETag.
    if conditional && response.status() == StatusCode::OK {
        response = etag::with_etag(response, if_none_match.as_ref()).await;
    }
    if is_head {
        response = etag::head_only(response);
    }
    response
}

/// What steps 6 and 7 let through: the identity and the rate-limit window it was counted in;
/// or the answer to give instead, with the window if the request was counted and the principal
/// whose credentials held (a user or app over its limit).
type Admitted = Result<(Identity, Option<RateState>), (ApiError, Option<RateState>, Option<Principal>)>;

/// Authenticates the request (step 6) and counts it (step 7), unless it is a token check, whose
/// credentials its handler checks (then see [`count_token_check`]).
async fn admit(
    state: &AppState,
    headers: &HeaderMap,
    classified: Classified<'_>,
    ip: Option<IpAddr>,
    enterprise: bool,
) -> Admitted {
    let result = authenticate::authenticate(
        state.services(),
        classified.auth,
        classified.client_id,
        headers,
        enterprise,
        ip,
    )
    .await;
    if let Ok(identity @ Identity::AppToCheck(_)) = result {
        return Ok((identity, None));
    }
    let (rate, over) = rate_limit::count(state.limiter(), RateKey::of(result.as_ref().ok(), ip), now(state));
    match (result, over) {
        (result, Some(over)) => Err((over, rate, result.ok().as_ref().and_then(Principal::of))),
        (Ok(identity), None) => Ok((identity, rate)),
        (Err(e), None) => Err((e, rate, None)),
    }
}

/// Step 7 for a token check: counted once the check established who asked (its app when the
/// credentials held, else the client's address, as for any request with bad credentials). A
/// check only reads, so having run it before this decision changes nothing a client can see: an
/// answer over the limit replaces the check's. Also returns the app whose credentials held, if
/// they did (the request's principal).
fn count_token_check(
    state: &AppState,
    response: Response,
    ip: Option<IpAddr>,
) -> (Response, Option<RateState>, Option<AppId>) {
    let app = response.extensions().get::<CheckedBy>().and_then(|c| c.0);
    let (rate, over) = rate_limit::count(state.limiter(), app.map_or(RateKey::Ip(ip), RateKey::App), now(state));
    match over {
        Some(over) => (over.into_response(), rate, app),
        None => (response, rate, app),
    }
}

/// The time rate-limit windows are counted in (Unix seconds).
fn now(state: &AppState) -> i64 {
    state.services().clock().now().unix_timestamp()
}

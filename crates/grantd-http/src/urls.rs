//! The URL space of the API, in one table: every route's template, its methods, the credentials
//! each needs, whether it only reads, and which path segment holds a secret. The one classifier
//! [`classify`] reads it for the router ([`crate::routes::call`]), for authentication and the
//! read-only fast path ([`crate::middleware`]) and for the request log ([`route_for_log`]).
//!
//! Paths are matched segment by segment with one `match` over at most five segments: no
//! allocation, no regular expressions. Paths here are without the Enterprise prefix.

use http::Method;

/// The Enterprise layout's prefix (BEHAVIOR 2, 86); what follows it is the github.com layout.
pub const ENTERPRISE_PREFIX: &str = "/api/v3";

/// The credentials a request needs (BEHAVIOR 6-8, 20).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// None.
    Public,
    /// None, and on the github.com layout none may be given: credentials there are a 403
    /// (`POST /credentials/revoke`, FLOWS 37). The Enterprise layout accepts them, unchecked:
    /// GitHub Enterprise Server documents the call as authenticated.
    Unauthenticated,
    /// Basic login and password (+ `X-GitHub-OTP`) only; a token is the 403 of BEHAVIOR 7.
    Password,
    /// A token (`token`/`bearer`, Basic `login:token`, Basic `token:x-oauth-basic`), or login
    /// and password.
    TokenOrPassword,
    /// The Basic `client_id:client_secret` of the app named in the path, checked before the
    /// handler runs.
    App,
    /// The same credentials, checked by the handler together with the token in one store read
    /// (a token check, BEHAVIOR 50): the middleware only reads them from the header.
    AppWithToken,
}

/// An HTTP method the API serves (HEAD is served as GET).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// GET (and HEAD).
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

impl Verb {
    /// The verb of `method`, if the API serves it anywhere.
    pub fn of(method: &Method) -> Option<Self> {
        Some(match *method {
            Method::GET | Method::HEAD => Self::Get,
            Method::POST => Self::Post,
            Method::PUT => Self::Put,
            Method::PATCH => Self::Patch,
            Method::DELETE => Self::Delete,
            _ => return None,
        })
    }
}

/// One operation of the API: a route and a method; [`crate::routes::call`] runs its handler
/// (each variant is documented by its row in [`ROUTES`] and by its handler).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Root,
    User,
    UserEmails,
    Meta,
    ListAuthorizations,
    CreateAuthorization,
    GetOrCreateAuthorization,
    GetOrCreateAuthorizationWithFingerprint,
    GetAuthorization,
    UpdateAuthorization,
    DeleteAuthorization,
    ListGrants,
    GetGrant,
    DeleteGrant,
    CheckToken,
    ResetToken,
    DeleteToken,
    DeleteAppGrant,
    LegacyCheckToken,
    LegacyResetToken,
    LegacyRevokeToken,
    RevokeAllTokens,
    LegacyRevokeGrant,
    RevokeCredentials,
}

/// One method of a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The method.
    pub verb: Verb,
    /// What it does.
    pub endpoint: Endpoint,
    /// The credentials it needs.
    pub auth: Auth,
    /// Whether it only reads: its handler runs inline, with nothing to finish if the client goes
    /// away (see [`crate::middleware::run`]).
    pub read_only: bool,
}

/// One route of the URL space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The route as logged, in axum's template syntax.
    pub template: &'static str,
    /// The index (from 0, after the leading `/`) of the segment that holds a token, if any: it is
    /// never logged (the log names the template).
    pub secret_segment: Option<usize>,
    /// Its methods; any other is 404 (BEHAVIOR 23), after authentication.
    pub operations: &'static [Operation],
}

const fn op(verb: Verb, endpoint: Endpoint, auth: Auth) -> Operation {
    Operation {
        verb,
        endpoint,
        auth,
        read_only: matches!(verb, Verb::Get) || matches!(auth, Auth::AppWithToken),
    }
}

const fn route(template: &'static str, operations: &'static [Operation]) -> Route {
    Route {
        template,
        secret_segment: None,
        operations,
    }
}

use Auth::{App, AppWithToken, Password, Public, TokenOrPassword, Unauthenticated};
use Endpoint as E;
use Verb::{Delete, Get, Patch, Post, Put};

/// `/` (BEHAVIOR 76).
pub const ROOT: Route = route("/", &[op(Get, E::Root, Public)]);
/// `/user` (BEHAVIOR 77).
pub const USER: Route = route("/user", &[op(Get, E::User, TokenOrPassword)]);
/// `/user/emails` (FLOWS 39).
pub const USER_EMAILS: Route = route("/user/emails", &[op(Get, E::UserEmails, TokenOrPassword)]);
/// `/meta`, without credentials (FLOWS 40).
pub const META: Route = route("/meta", &[op(Get, E::Meta, Public)]);
/// `/authorizations` (BEHAVIOR 35-38, 43).
pub const AUTHORIZATIONS: Route = route(
    "/authorizations",
    &[
        op(Get, E::ListAuthorizations, Password),
        op(Post, E::CreateAuthorization, Password),
    ],
);
/// Get-or-create for an app (BEHAVIOR 39).
pub const AUTHORIZATION_FOR_APP: Route = route(
    "/authorizations/clients/{client_id}",
    &[op(Put, E::GetOrCreateAuthorization, Password)],
);
/// Get-or-create for an app and a fingerprint (BEHAVIOR 39).
pub const AUTHORIZATION_FOR_APP_AND_FINGERPRINT: Route = route(
    "/authorizations/clients/{client_id}/{fingerprint}",
    &[op(Put, E::GetOrCreateAuthorizationWithFingerprint, Password)],
);
/// One authorization (BEHAVIOR 40-42).
pub const AUTHORIZATION: Route = route(
    "/authorizations/{authorization_id}",
    &[
        op(Get, E::GetAuthorization, Password),
        op(Patch, E::UpdateAuthorization, Password),
        op(Post, E::UpdateAuthorization, Password),
        op(Delete, E::DeleteAuthorization, Password),
    ],
);
/// A user's grants (BEHAVIOR 49).
pub const GRANTS: Route = route("/applications/grants", &[op(Get, E::ListGrants, Password)]);
/// One grant (BEHAVIOR 48).
pub const GRANT: Route = route(
    "/applications/grants/{grant_id}",
    &[op(Get, E::GetGrant, Password), op(Delete, E::DeleteGrant, Password)],
);
/// An app's token in the body (BEHAVIOR 50-52).
pub const APP_TOKEN: Route = route(
    "/applications/{client_id}/token",
    &[
        op(Post, E::CheckToken, AppWithToken),
        op(Patch, E::ResetToken, App),
        op(Delete, E::DeleteToken, App),
    ],
);
/// The grant of an app's token in the body (BEHAVIOR 48, 52).
pub const APP_GRANT: Route = route("/applications/{client_id}/grant", &[op(Delete, E::DeleteAppGrant, App)]);
/// Legacy: an app's token in the path (BEHAVIOR 54).
pub const APP_LEGACY_TOKEN: Route = Route {
    secret_segment: Some(3),
    ..route(
        "/applications/{client_id}/tokens/{access_token}",
        &[
            op(Get, E::LegacyCheckToken, AppWithToken),
            op(Post, E::LegacyResetToken, App),
            op(Delete, E::LegacyRevokeToken, App),
        ],
    )
};
/// github3.py: every token of an app (BEHAVIOR 54).
pub const APP_TOKENS: Route = route(
    "/applications/{client_id}/tokens",
    &[op(Delete, E::RevokeAllTokens, App)],
);
/// Legacy: the grant of an app's token in the path (BEHAVIOR 54).
pub const APP_LEGACY_GRANT: Route = Route {
    secret_segment: Some(3),
    ..route(
        "/applications/{client_id}/grants/{access_token}",
        &[op(Delete, E::LegacyRevokeGrant, App)],
    )
};
/// Revoking leaked tokens, unauthenticated (FLOWS 37).
pub const CREDENTIALS_REVOKE: Route = route(
    "/credentials/revoke",
    &[op(Post, E::RevokeCredentials, Unauthenticated)],
);

/// Every route.
pub const ROUTES: &[Route] = &[
    ROOT,
    USER,
    USER_EMAILS,
    META,
    AUTHORIZATIONS,
    AUTHORIZATION_FOR_APP,
    AUTHORIZATION_FOR_APP_AND_FINGERPRINT,
    AUTHORIZATION,
    GRANTS,
    GRANT,
    APP_TOKEN,
    APP_GRANT,
    APP_LEGACY_TOKEN,
    APP_TOKENS,
    APP_LEGACY_GRANT,
    CREDENTIALS_REVOKE,
];

/// Most segments a route has.
const MAX_SEGMENTS: usize = 5;

/// The route `path` matches, if any. A parameter is one segment (still percent-encoded), which
/// may be empty unless it ends the path; static segments win over parameters: both as in axum's
/// router. Nothing under `/applications/grants` is an app's route (`grants` is no client id).
pub fn route_of(path: &str) -> Option<&'static Route> {
    let mut segments = [""; MAX_SEGMENTS];
    let mut n = 0;
    for segment in path.strip_prefix('/')?.split('/') {
        *segments.get_mut(n)? = segment;
        n += 1;
    }
    let full = |s: &&str| !s.is_empty();
    let route = match &segments[..n] {
        [""] => &ROOT,
        ["user"] => &USER,
        ["user", "emails"] => &USER_EMAILS,
        ["meta"] => &META,
        ["authorizations"] => &AUTHORIZATIONS,
        ["authorizations", "clients", c] if full(c) => &AUTHORIZATION_FOR_APP,
        ["authorizations", "clients", _, f] if full(f) => &AUTHORIZATION_FOR_APP_AND_FINGERPRINT,
        ["authorizations", id] if full(id) => &AUTHORIZATION,
        ["applications", "grants"] => &GRANTS,
        ["applications", "grants", id] if full(id) => &GRANT,
        ["applications", "grants", ..] => return None,
        ["applications", _, "token"] => &APP_TOKEN,
        ["applications", _, "grant"] => &APP_GRANT,
        ["applications", _, "tokens"] => &APP_TOKENS,
        ["applications", _, "tokens", t] if full(t) => &APP_LEGACY_TOKEN,
        ["applications", _, "grants", t] if full(t) => &APP_LEGACY_GRANT,
        ["credentials", "revoke"] => &CREDENTIALS_REVOKE,
        _ => return None,
    };
    Some(route)
}

/// What the URL space says about one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Classified<'p> {
    /// The route the path matches.
    pub route: Option<&'static Route>,
    /// The operation the method selects on it; `None`: 404, after authentication.
    pub operation: Option<&'static Operation>,
    /// The credentials the request needs. A path no operation serves still needs those of the
    /// part of the URL space it falls in (BEHAVIOR 20: `PATCH /authorizations` asks for a
    /// password, then answers 404).
    pub auth: Auth,
    /// The client id in the path, for [`Auth::App`] and [`Auth::AppWithToken`] (else empty).
    pub client_id: &'p str,
    /// Whether the request only reads (GET, and a token check).
    pub read_only: bool,
}

/// Classifies a request by method and path (without the Enterprise prefix).
pub fn classify<'p>(method: &Method, path: &'p str) -> Classified<'p> {
    let route = route_of(path);
    let verb = Verb::of(method);
    let operation = route.and_then(|r| r.operations.iter().find(|o| Some(o.verb) == verb));
    let (zone, client_id) = zone(path);
    let auth = match operation {
        // An app's route with an empty client id names no app: nothing is authenticated, and
        // its handler answers 401 `Requires authentication` (as before routing was one table).
        Some(o) if zone == Public && matches!(o.auth, App | AppWithToken) => Public,
        Some(o) => o.auth,
        None => zone,
    };
    Classified {
        route,
        operation,
        auth,
        client_id,
        read_only: operation.map_or(verb == Some(Verb::Get), |o| o.read_only),
    }
}

/// The credentials a part of the URL space needs, whether or not a route serves the path:
/// `/authorizations…` and `/applications/grants…` a password, `/applications/{client_id}/…`
/// the app's credentials (with the client id), `/user` and `/user/emails` a token or password,
/// the rest nothing.
fn zone(path: &str) -> (Auth, &str) {
    let under = |prefix: &str| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    if under("/authorizations") || under("/applications/grants") {
        return (Password, "");
    }
    if let Some((client_id, _)) = path
        .strip_prefix("/applications/")
        .and_then(|rest| rest.split_once('/'))
    {
        if !client_id.is_empty() {
            return (App, client_id);
        }
    }
    if path == "/user" || path == "/user/emails" {
        return (TokenOrPassword, "");
    }
    (Public, "")
}

/// The path without the Enterprise prefix, and whether it had it.
pub fn without_prefix(path: &str) -> (&str, bool) {
    match path.strip_prefix(ENTERPRISE_PREFIX) {
        Some("") => ("/", true),
        Some(rest) if rest.starts_with('/') => (rest, true),
        _ => (path, false),
    }
}

/// How the request log names the route of a path as the client sent it (Enterprise prefix
/// included): the matched route's template, which never holds a secret, or for a path no route
/// matches, the path with every segment that could hold a token replaced (see [`UnknownPath`]).
pub fn route_for_log(path: &str) -> RouteForLog<'_> {
    let (rest, _) = without_prefix(path);
    match route_of(rest) {
        Some(route) => RouteForLog::Route(route.template),
        None => RouteForLog::Unknown(UnknownPath(path)),
    }
}

/// See [`route_for_log`].
#[derive(Debug, Clone, Copy)]
pub enum RouteForLog<'p> {
    /// A route's template.
    Route(&'static str),
    /// A path no route matches.
    Unknown(UnknownPath<'p>),
}

impl std::fmt::Display for RouteForLog<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Route(template) => f.write_str(template),
            Self::Unknown(path) => path.fmt(f),
        }
    }
}

/// A path no route matches, as logged: at most [`UnknownPath::MAX_LEN`] bytes (then `…`), each
/// segment kept only if it cannot hold a token. A token is 40 characters (GitHub's `gh?_` + 36,
/// or a legacy 40-hex one) and percent-encoding only makes it longer, so a segment of 40 bytes or
/// more is replaced; so is any segment with a `gh?_` prefix in it (in any case), so that even a
/// cut token does not reach the log.
#[derive(Debug, Clone, Copy)]
pub struct UnknownPath<'p>(pub &'p str);

impl UnknownPath<'_> {
    /// Most bytes logged of the path.
    pub const MAX_LEN: usize = 200;
    /// What stands for a segment that could hold a token.
    pub const REDACTED: &'static str = "{redacted}";

    fn may_hold_token(segment: &str) -> bool {
        const PREFIXES: [u8; 5] = [b'o', b'p', b'u', b's', b'r'];
        segment.len() >= 40
            || segment.as_bytes().windows(4).any(|w| {
                w[0].eq_ignore_ascii_case(&b'g')
                    && w[1].eq_ignore_ascii_case(&b'h')
                    && PREFIXES.contains(&w[2].to_ascii_lowercase())
                    && w[3] == b'_'
            })
    }
}

impl std::fmt::Display for UnknownPath<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut written = 0;
        for (i, segment) in self.0.split('/').enumerate() {
            let shown = if Self::may_hold_token(segment) {
                Self::REDACTED
            } else {
                segment
            };
            let sep = usize::from(i > 0);
            if written + sep + shown.len() > Self::MAX_LEN {
                return f.write_str(if i > 0 { "/…" } else { "…" });
            }
            if sep == 1 {
                f.write_str("/")?;
            }
            f.write_str(shown)?;
            written += sep + shown.len();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;

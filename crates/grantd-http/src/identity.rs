//! Who a request acts for, as authentication ([`crate::middleware::authenticate`]) leaves it in
//! the request's extensions for the handlers; and what a token check tells the rate limit.

use grantd_core::model::{App, AppId, Authorization, User};
use grantd_core::secret::ClientSecret;

/// The user a request acts for.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The user.
    pub user: User,
    /// The token used, if the request was token-authenticated (for `X-OAuth-Scopes`).
    pub token: Option<Authorization>,
}

/// An app's Basic credentials as sent, not yet checked: a token check checks them together with
/// the token, in one store read ([`grantd_core::service::Services::check_token`]).
#[derive(Clone)]
pub struct AppBasic {
    /// The client id sent.
    pub client_id: String,
    /// The client secret sent.
    pub secret: ClientSecret,
}

impl std::fmt::Debug for AppBasic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AppBasic({}, [redacted])", self.client_id)
    }
}

/// Who a request was authenticated as.
#[derive(Debug, Clone)]
pub enum Identity {
    /// A user.
    User(Box<AuthUser>),
    /// An OAuth app, by its credentials.
    App(Box<App>),
    /// An OAuth app's credentials, for the handler to check (a token check).
    AppToCheck(Box<AppBasic>),
    /// No one (a public path).
    Anonymous,
}

/// What a token check established, left in its response's extensions for the rate limit
/// ([`crate::middleware::rate_limit`]): the app whose credentials held, or `None` (the request
/// counts as unauthenticated).
#[derive(Debug, Clone, Copy)]
pub struct CheckedBy(pub Option<AppId>);

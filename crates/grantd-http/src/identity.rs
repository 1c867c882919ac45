//! Who a request acts for, as authentication ([`crate::middleware::authenticate`]) leaves it in
//! the request's extensions for the handlers; what a token check tells the rate limit; and whom
//! the access log names.

use grantd_core::model::{App, AppId, Authorization, User, UserId};
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

/// Whom a request was counted for, left in its response's extensions by the gate for the access
/// log ([`crate::middleware::request_log`]): the user or app whose credentials held. A request
/// without one (no or bad credentials, a public path) has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    /// A user, by id.
    User(UserId),
    /// An app, by id.
    App(AppId),
}

impl Principal {
    /// The principal of `identity`, if it names one (a token check's app is known only once its
    /// handler checked it: [`CheckedBy`]).
    pub fn of(identity: &Identity) -> Option<Self> {
        match identity {
            Identity::User(u) => Some(Self::User(u.user.id)),
            Identity::App(app) => Some(Self::App(app.id)),
            Identity::AppToCheck(_) | Identity::Anonymous => None,
        }
    }
}

impl std::fmt::Display for Principal {
    /// `user:ID` or `app:ID`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::User(id) => write!(f, "user:{id}"),
            Self::App(id) => write!(f, "app:{id}"),
        }
    }
}

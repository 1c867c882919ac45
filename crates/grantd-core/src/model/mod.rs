//! The entities of the OAuth Authorizations API and their invariants.

mod app;
mod authorization;
mod grant;
mod ids;
mod oauth_code;
pub mod redirect;
pub mod scope_words;
mod scopes;
mod session;
mod source;
mod user;

pub use app::{App, AppSummary, AppUpdate, ClientId, NewApp};
pub use authorization::{Authorization, AuthorizationFlow, AuthorizationUpdate, NewAuthorization, PAT_CLIENT_ID};
pub use grant::Grant;
pub use ids::{AppId, AuthorizationId, GrantId, UserId};
pub use oauth_code::{NewOAuthCode, OAuthCode};
pub use scopes::{ScopeError, ScopeRegistry, Scopes, KNOWN_SCOPES};
pub use session::{NewSession, Session};
pub use source::{Source, SourceKey};
pub use user::{login_key, NewUser, User};

/// A page request: `page` counts from 1, `per_page` is already clamped (BEHAVIOR 64).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// One-based page number.
    pub page: u32,
    /// Items per page, 1..=100.
    pub per_page: u32,
}

impl PageRequest {
    /// GitHub's defaults: page 1, 30 per page.
    pub const DEFAULT_PER_PAGE: u32 = 30;
    /// GitHub's maximum page size.
    pub const MAX_PER_PAGE: u32 = 100;

    /// Builds a page request, clamping `per_page` to 1..=100 and `page` to at least 1.
    pub fn new(page: u32, per_page: u32) -> Self {
        Self {
            page: page.max(1),
            per_page: per_page.clamp(1, Self::MAX_PER_PAGE),
        }
    }

    /// Rows to skip.
    pub fn offset(&self) -> u64 {
        u64::from(self.page - 1) * u64::from(self.per_page)
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self::new(1, Self::DEFAULT_PER_PAGE)
    }
}

/// One page of results and the total number of items across all pages.
#[derive(Debug, Clone)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// The number of items on all pages together.
    pub total: u64,
}

impl<T> Page<T> {
    /// Applies `f` to every item, keeping the total.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
        }
    }
}

//! Authorizations: one token each, owned by a user, for an OAuth app or (without an app) a
//! personal access token (BEHAVIOR 31-45).

use super::{AppSummary, AuthorizationId, GrantId, Scopes, UserId};
use crate::secret::TokenDigest;
use time::OffsetDateTime;

/// The `client_id` GitHub shows in the synthesised `app` of a personal access token
/// (BEHAVIOR 35): twenty zeros.
pub const PAT_CLIENT_ID: &str = "00000000000000000000";

/// A stored authorization. The token itself is never stored: only its SHA-256 digest
/// (`hashed_token`) and its last eight characters.
#[derive(Debug, Clone)]
pub struct Authorization {
    /// Authorization id.
    pub id: AuthorizationId,
    /// Owner.
    pub user_id: UserId,
    /// The OAuth app, or `None` for a personal access token.
    pub app: Option<AppSummary>,
    /// The grant this token belongs to (tokens of OAuth apps only).
    pub grant_id: Option<GrantId>,
    /// Normalised scopes.
    pub scopes: Scopes,
    /// SHA-256 of the token.
    pub token_digest: TokenDigest,
    /// The token's last eight characters.
    pub token_last_eight: String,
    /// The note (required and unique for personal access tokens).
    pub note: Option<String>,
    /// A URL to remind the user what the token is for.
    pub note_url: Option<String>,
    /// Distinguishes several tokens of the same app and user.
    pub fingerprint: Option<String>,
    /// Creation time.
    pub created_at: OffsetDateTime,
    /// Last change (update or reset).
    pub updated_at: OffsetDateTime,
    /// When the token stops working, if ever (BEHAVIOR 78).
    pub expires_at: Option<OffsetDateTime>,
    /// How it was made.
    pub flow: AuthorizationFlow,
}

/// How an authorization was made. The Authorizations API keeps one token per user, app and
/// fingerprint (its get-or-create returns that one, BEHAVIOR 39); the web application flow mints
/// a new token at each approval (FLOWS 17, 24), so that several devices signed in to one app keep
/// working, and its tokens are outside that rule until one is given a fingerprint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthorizationFlow {
    /// Made by the Authorizations API (`POST /authorizations`, get-or-create) or the admin CLI.
    #[default]
    Api,
    /// Made by exchanging a code of the web application flow.
    Web,
}

impl AuthorizationFlow {
    /// The stored name: `api` or `web`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Web => "web",
        }
    }

    /// The flow of a stored name, if it is one.
    pub fn from_storage(s: &str) -> Option<Self> {
        match s {
            "api" => Some(Self::Api),
            "web" => Some(Self::Web),
            _ => None,
        }
    }
}

impl Authorization {
    /// Whether this is a personal access token (no OAuth app).
    pub fn is_personal(&self) -> bool {
        self.app.is_none()
    }
}

/// What it takes to create an authorization.
#[derive(Debug, Clone)]
pub struct NewAuthorization {
    /// Owner.
    pub user_id: UserId,
    /// The app, or `None` for a personal access token.
    pub app: Option<AppSummary>,
    /// Normalised scopes.
    pub scopes: Scopes,
    /// SHA-256 of the new token.
    pub token_digest: TokenDigest,
    /// Its last eight characters.
    pub token_last_eight: String,
    /// Note.
    pub note: Option<String>,
    /// Note URL.
    pub note_url: Option<String>,
    /// Fingerprint.
    pub fingerprint: Option<String>,
    /// Creation time.
    pub now: OffsetDateTime,
    /// Expiry, if the server is configured with a token lifetime.
    pub expires_at: Option<OffsetDateTime>,
    /// How it is made.
    pub flow: AuthorizationFlow,
}

/// The fields an update replaces; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct AuthorizationUpdate {
    /// New scopes (already combined with add/remove and normalised).
    pub scopes: Option<Scopes>,
    /// New note.
    pub note: Option<String>,
    /// New note URL.
    pub note_url: Option<String>,
    /// New fingerprint.
    pub fingerprint: Option<String>,
}

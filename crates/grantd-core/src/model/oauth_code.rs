//! Authorization codes of the web application flow (FLOWS 18, 21): minted when a person
//! approves an app, exchanged once for a token within ten minutes, bound to the app, the user,
//! the redirect URI and the PKCE challenge. Only the code's SHA-256 digest is stored.

use super::{AppId, Scopes, UserId};
use time::OffsetDateTime;

/// A stored authorization code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthCode {
    /// The app it was issued to.
    pub app_id: AppId,
    /// The person who approved.
    pub user_id: UserId,
    /// The redirect URI the code was sent to (the token request must name the same, if any).
    pub redirect_uri: String,
    /// The scopes approved, normalised.
    pub scopes: Scopes,
    /// The PKCE `code_challenge` (S256), if the authorize request had one.
    pub code_challenge: Option<String>,
    /// When it was minted.
    pub created_at: OffsetDateTime,
    /// When it stops being accepted.
    pub expires_at: OffsetDateTime,
}

/// What it takes to store a new code.
#[derive(Debug, Clone)]
pub struct NewOAuthCode {
    /// The digest of the code.
    pub digest: [u8; 32],
    /// The code's fields.
    pub code: OAuthCode,
}

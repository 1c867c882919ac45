//! Grants: one per OAuth app a user has authorised, whatever the number of its tokens
//! (BEHAVIOR 46-49).

use super::{AppSummary, GrantId, Scopes, UserId};
use time::OffsetDateTime;

/// A stored grant with the union of its tokens' scopes (BEHAVIOR 47).
#[derive(Debug, Clone)]
pub struct Grant {
    /// Grant id.
    pub id: GrantId,
    /// Owner.
    pub user_id: UserId,
    /// The authorised app.
    pub app: AppSummary,
    /// Union of the scopes of every live token of this app for this user, normalised.
    pub scopes: Scopes,
    /// When the app was first authorised.
    pub created_at: OffsetDateTime,
    /// When a token of this grant was last created or changed.
    pub updated_at: OffsetDateTime,
}

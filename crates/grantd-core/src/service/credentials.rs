//! Revoking leaked credentials (FLOWS 37): anyone who holds a token may revoke it, without
//! credentials of their own; that is also the owner's way to kill a stolen token while their
//! login is locked. Strings that are not live tokens are passed over without a word, so the
//! answer tells nothing about which were valid.

use super::{ServiceError, ServiceResult, Services};
use crate::secret::Token;
use crate::store::StoreError;
use std::collections::HashSet;

/// Most credentials one request may revoke (FLOWS 37).
pub const MAX_CREDENTIALS: usize = 1000;

impl Services {
    /// Revokes every live token among `credentials` (at most [`MAX_CREDENTIALS`]); how many
    /// were revoked. Each revocation is logged with the owner and authorization ids, never the
    /// token.
    pub async fn revoke_credentials(&self, credentials: &[String]) -> ServiceResult<u64> {
        if credentials.len() > MAX_CREDENTIALS {
            return Err(ServiceError::Rejected(format!(
                "at most {MAX_CREDENTIALS} credentials can be revoked at once"
            )));
        }
        let digests: HashSet<_> = credentials
            .iter()
            .filter_map(|raw| Token::parse(raw.trim()).ok())
            .map(|token| token.digest())
            .collect();
        let mut revoked = 0;
        for digest in digests {
            let Some((authorization, owner)) = self.store.authorization_by_token(&digest, self.clock.now()).await?
            else {
                continue;
            };
            match self.store.delete_authorization(owner.id, authorization.id).await {
                Ok(()) => {
                    revoked += 1;
                    tracing::info!(
                        target: "grantd::credentials",
                        user_id = owner.id.0,
                        authorization_id = authorization.id.0,
                        "a token was revoked through /credentials/revoke"
                    );
                }
                // Revoked meanwhile by someone else: nothing left to do.
                Err(StoreError::NotFound) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(revoked)
    }
}

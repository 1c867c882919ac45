//! Grants as the user manages them with a password (BEHAVIOR 46-49).
//!
//! Decision (BEHAVIOR 49, UNCONFIRMED): personal access tokens have no app and so no grant; they
//! never appear in `/applications/grants`.

use super::{ServiceError, ServiceResult, Services};
use crate::model::{Grant, GrantId, Page, PageRequest, User};

impl Services {
    /// The user's grants, optionally only the one of the app `client_id`.
    pub async fn list_grants(
        &self,
        user: &User,
        client_id: Option<&str>,
        page: PageRequest,
    ) -> ServiceResult<Page<Grant>> {
        let Some(app) = self.app_filter(client_id).await? else {
            return Ok(Page {
                items: Vec::new(),
                total: 0,
            });
        };
        Ok(self.store.list_grants(user.id, app, page, self.clock.now()).await?)
    }

    /// One of the user's grants.
    pub async fn grant(&self, user: &User, id: GrantId) -> ServiceResult<Grant> {
        self.store
            .grant(user.id, id, self.clock.now())
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// Deletes a grant and every token of it (BEHAVIOR 48).
    pub async fn delete_grant(&self, user: &User, id: GrantId) -> ServiceResult<()> {
        Ok(self.store.delete_grant(user.id, id).await?)
    }
}

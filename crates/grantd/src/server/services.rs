//! Wiring the services: the store, the clock, the password hasher and the master key.

use grantd_core::clock::Clock;
use grantd_core::secret::{MasterKey, PasswordHasher, PasswordPolicy};
use grantd_core::service::{ServiceConfig, Services};
use grantd_core::store::Store;
use std::sync::Arc;

/// Assembles the services; `password_concurrency` bounds the password hashes computed at once.
pub fn services(
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    master_key: MasterKey,
    config: ServiceConfig,
    password_policy: PasswordPolicy,
    password_concurrency: usize,
) -> anyhow::Result<Services> {
    let passwords = PasswordHasher::new(password_policy, password_concurrency)?;
    Ok(Services::new(store, clock, passwords, master_key, config))
}

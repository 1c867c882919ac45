//! grantd's domain: the rules of GitHub's OAuth Authorizations API, free of HTTP and SQL.
//!
//! - [`model`]: the entities (users, OAuth apps, authorizations, grants) and scopes.
//! - [`secret`]: passwords (Argon2id), tokens (GitHub's format with its CRC-32 checksum),
//!   client secrets, TOTP codes and the sealing of secrets kept at rest.
//! - [`store`]: the storage traits each database crate implements.
//! - [`service`]: the operations the HTTP layer and the admin CLI both call.
//! - [`clock`]: the source of "now", so that expiry and TOTP are testable.

pub mod clock;
pub mod metrics;
pub mod model;
pub mod secret;
pub mod service;
pub mod store;

pub use clock::{Clock, ManualClock, SystemClock};

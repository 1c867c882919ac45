//! What `grantd serve` (and the API tests) assemble, one concern a file: opening the store
//! (`store.rs`), wiring the services (`services.rs`), and listening with graceful shutdown
//! (`listen.rs`), which closes idle connections (`idle.rs`) and caps how many are open at once
//! (`admission.rs`). Everything is re-exported here, so callers write `grantd::server::open_store`.

mod admission;
mod idle;
mod listen;
mod services;
mod store;

pub use admission::{default_max_connections, DEFAULT_MAX_PER_IP};
pub use listen::{default_public_url, serve, shutdown_signal, ConnectionLimits};
pub use services::services;
pub use store::{foreign_tables, is_postgres, open_full_store, open_store, DbOptions, FullStore, DEFAULT_DATABASE_URL};

//! # PetWealth Parents — persistence
//!
//! The domain's store ports over sea-orm, for MySQL/MariaDB in production and SQLite as the
//! embedded default: one set of entities, one code path, the schema from the `migrations`
//! crate. Depends on `domain` (the ports it implements) and never on Telegram or Enote.
//!
//! # Layout
//! - [`Database`]: the connection pool (`connect`, `migrate`, `ping`);
//! - [`SqlStore`]: every store port (`ClientRepository`, `TicketRepository`,
//!   `MessageRepository`, `PendingLinkRepository`, `UnitOfWork`, `Inbox`, `Outbox`);
//! - [`entities`]: sea-orm entities, one per table (they stay inside this crate's API surface
//!   for tests and tools; the bot logic only sees domain types);
//! - `lease`: [`Database::claim_lease`], which keeps a second bot instance idle;
//! - `convert`: rows ↔ domain types, defensive about legacy rows;
//! - `error`: database errors → [`domain::ports::StoreError`].

mod convert;
mod db;
pub mod entities;
mod error;
mod lease;
mod store;

pub use db::{Database, SQLITE_CHECKPOINT_EVERY};
pub use error::DatabaseError;
pub use lease::LeaseStatus;
pub use store::SqlStore;

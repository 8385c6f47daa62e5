//! # PetWealth Parents — the schema
//!
//! One [`Migrator`] for MySQL/MariaDB (production) and SQLite (the embedded default). It must be
//! able to start from three situations, so every step checks before it acts:
//!
//! - an empty database → every table is created;
//! - the original Python bot's database (`pp_clients`, `tickets`, `messages`, no
//!   `seaql_migrations`) → those tables are upgraded **in place**: missing columns and indexes
//!   are added, data is backfilled, nothing is dropped;
//! - a database that ours already migrated → nothing happens.
//!
//! # Layout
//! - [`util`]: the "create if missing / add if missing" helpers every migration uses;
//! - `m2025…_000001_utf8mb4`: MySQL only — converts legacy non-utf8mb4 tables;
//! - `m2025…_000002_core_tables`: `pp_clients`, `tickets`, `messages` (the original's, plus our
//!   columns);
//! - `m2025…_000003_bot_tables`: update inbox and offset, outbox, pending links, audit log;
//! - `m2025…_000004_backfill`: fills the new columns from legacy data and only then adds the
//!   "one open ticket per client" unique index;
//! - `m2025…_000005_instance_lease`: the lease that keeps a second bot instance idle;
//! - `m2026…_000006_failed_updates`: updates given up after failing for good, with the error;
//! - `m2026…_000007_appeal_facts`: the help desk's facts about an appeal on `tickets` (waiting
//!   since, last messages, taken via, reminders sent, away message sent);
//! - `m2026…_000008_ratings`: the client's rating of an appeal on `tickets`, and the index
//!   auto-close reads through;
//! - `m2026…_000009_reports`: the sender of staff messages, the daily report's runs, and the
//!   indexes the report's range reads go through;
//! - `m2026…_000010_pending_link_expiry`: the index the link-expiry pass reads through;
//! - `m2026…_000011_topic_group`: which support group each client's topic lives in;
//! - `m2026…_000012_former_topics`: topics clients left behind in an earlier support group;
//! - `m2026…_000013_housekeeping_indexes`: the outbox by delivery time, clients by topic group.
//!
//! How to change the schema safely: see `migrations/README.md`.

pub use sea_orm_migration::prelude::*;

mod m20250601_000001_utf8mb4;
mod m20250601_000002_core_tables;
mod m20250601_000003_bot_tables;
mod m20250601_000004_backfill;
mod m20251124_000005_instance_lease;
mod m20261202_000006_failed_updates;
mod m20261202_000007_appeal_facts;
mod m20261202_000008_ratings;
mod m20261202_000009_reports;
mod m20261202_000010_pending_link_expiry;
mod m20261202_000011_topic_group;
mod m20261202_000012_former_topics;
mod m20261202_000013_housekeeping_indexes;
pub mod util;

/// Every migration, in the order they run.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20250601_000001_utf8mb4::Migration),
            Box::new(m20250601_000002_core_tables::Migration),
            Box::new(m20250601_000003_bot_tables::Migration),
            Box::new(m20250601_000004_backfill::Migration),
            Box::new(m20251124_000005_instance_lease::Migration),
            Box::new(m20261202_000006_failed_updates::Migration),
            Box::new(m20261202_000007_appeal_facts::Migration),
            Box::new(m20261202_000008_ratings::Migration),
            Box::new(m20261202_000009_reports::Migration),
            Box::new(m20261202_000010_pending_link_expiry::Migration),
            Box::new(m20261202_000011_topic_group::Migration),
            Box::new(m20261202_000012_former_topics::Migration),
            Box::new(m20261202_000013_housekeeping_indexes::Migration),
        ]
    }
}

//! sea-orm entities: one per table, in the compact format. They mirror the schema the
//! `migrations` crate creates (and the original bot's column names); they never leave this
//! crate — `convert` turns rows into domain types at the boundary.
//!
//! Timestamps are `DateTime` (naive) holding UTC: the columns are `DATETIME`, which has no
//! time zone and no 2038 limit.

pub mod audit_log;
pub mod failed_updates;
pub mod former_topics;
pub mod instance_lease;
pub mod messages;
pub mod outbox;
pub mod pending_links;
pub mod pp_clients;
pub mod report_runs;
pub mod tickets;
pub mod update_inbox;
pub mod update_offset;

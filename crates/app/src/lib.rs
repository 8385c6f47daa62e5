//! # PetWealth Parents — the application
//!
//! Glue code: reads the configuration, opens the database and migrates it, builds the
//! adapters, hands them to the domain's use cases as ports, and runs the handler's lanes
//! ([`lanes`]) and the loops of [`runtime`]
//! until SIGINT/SIGTERM. The binary `parents-bot` (`src/main.rs`) is a thin CLI over [`start`].
//!
//! Nothing here holds a business rule: those live in `domain`.

pub mod auto_close;
pub mod check;
pub mod config;
pub mod http;
pub mod lanes;
pub mod lease;
pub mod link_log;
pub mod reminders;
pub mod reports;
pub mod runtime;
pub mod sender;
pub mod wiring;

pub use config::Settings;
pub use wiring::{Running, migrate, start};

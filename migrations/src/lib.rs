//! # PetWealth Parents — the schema (work in progress, issue 3)
//!
//! Will hold the sea-orm-migration `Migrator` that creates the schema and upgrades the original
//! bot's tables in place.

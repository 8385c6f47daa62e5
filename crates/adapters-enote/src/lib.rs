//! Enote (1C) as the bot's [`PracticeDirectory`](domain::ports::PracticeDirectory) (what it
//! reads: docs/product-rules.md, "Enote").
//!
//! Two read-only HTTP interfaces of the clinic's Enote base:
//! - 1C's standard OData interface (`ENOTE_ODATA_URL`, HTTP basic auth): animal cards
//!   (`Catalog_Карточки`) by contract number and by owner;
//! - Enote's `hs/api/v2` (`ENOTE_API_URL`, header `apikey`): `GetClient`, the owner's names and
//!   phones.
//!
//! # Layout
//! - [`config`]: [`EnoteConfig`] and how the `ENOTE_*` settings become one (or none).
//! - `http` (private): one GET with timeout, retries and the status policy; credentials only
//!   ever travel in headers and are scrubbed from every error text.
//! - `odata` / `api` (private): building 1C's queries and reading its answers.
//! - [`directory`]: [`EnoteDirectory`] and [`NotConfiguredDirectory`], the port
//!   implementations; errors become [`DirectoryError`](domain::ports::DirectoryError) there.
//! - `fake` (feature `fake-server`, tests only): `fake::FakeEnote`, an in-process Enote serving
//!   the same fixture files as this crate's contract tests.
//!
//! This crate depends on `domain` and HTTP plumbing only; it knows nothing of Telegram or the
//! database.

pub mod config;
pub mod directory;
#[cfg(feature = "fake-server")]
pub mod fake;

mod api;
mod error;
mod http;
mod odata;

pub use config::{EnoteConfig, EnoteConfigError, EnoteSetupError};
pub use directory::{EnoteDirectory, NotConfiguredDirectory};

//! # PetWealth Parents — the Telegram adapter
//!
//! Everything that speaks the Bot API, through `frankenstein`:
//! - [`gateway::TelegramGateway`] implements the domain's [`domain::ports::ChatGateway`]
//!   (send/copy/edit, pictures uploaded as multipart, forum topics, button answers, command
//!   menus), splitting long texts;
//! - [`errors`] maps Telegram's answers to the domain's typed [`domain::ports::ChatError`];
//! - [`updates`] fetches updates by long polling as raw JSON, one value per update, so one
//!   unknown update kind never stalls the loop, and [`decode`] turns a stored update into the
//!   domain's [`domain::services::Inbound`] (dropping the forum "reply" quirk);
//! - [`split`] cuts long HTML texts at safe places;
//! - [`admin`] is the bot's set-up: `getMe`, its rights in the group, the webhook;
//! - [`limiter`] keeps sends within Telegram's limits and honours every `retry_after`.
//!
//! Its tests run against the fake Bot API of the `fake-telegram` crate (a dev-dependency only).
//!
//! This crate depends on `domain` only; it knows nothing about storage.

pub mod admin;
pub mod decode;
pub mod errors;
pub mod gateway;
pub mod limiter;
pub mod split;
pub mod updates;

pub use admin::{BotAdmin, BotIdentity, GroupRights};
pub use gateway::TelegramGateway;
pub use updates::{RawUpdate, UpdateSource};

/// Builds the frankenstein client for a Bot API base URL (`https://api.telegram.org` or a
/// fake/local server) and a token. `timeout` must exceed the long-polling timeout.
pub fn bot(
    base_url: &str,
    token: &str,
    timeout: std::time::Duration,
) -> frankenstein::client_reqwest::Bot {
    let client = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(10))
        .timeout(timeout)
        .build()
        .expect("a reqwest client with rustls builds");
    frankenstein::client_reqwest::Bot::builder()
        .api_url(format!("{}/bot{token}", base_url.trim_end_matches('/')))
        .client(client)
        .build()
}

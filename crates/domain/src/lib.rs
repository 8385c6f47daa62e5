//! # PetWealth Parents — the domain
//!
//! The clinic's rules in its own language — clients, tickets (appeals), labels (topic names),
//! phones, contract numbers, links to Enote owners — the ports (traits) the rules need from the
//! outside world, and the use cases that orchestrate them.
//!
//! This crate does no I/O and depends on no runtime, HTTP, SQL or Telegram crate: adapters
//! implement [`ports`], and `app` wires them together.
//!
//! # Layout
//! - values and rules: [`phone`], [`contract`], [`owner`], [`label`] (default and auto label),
//!   [`client`], [`ticket`], [`message`], [`card`] (phone card policy), [`enote_link`] (the
//!   link flow's states), [`command`], [`working_hours`] (the help desk's hours and working
//!   time);
//! - what use cases produce: [`change::Change`] (writes, committed atomically) and
//!   [`outbound::Outbound`] (messages to send, queued in the outbox);
//! - [`report::DailyFigures`]: one day of the help desk, for the daily report and its chart;
//! - [`ports`]: the traits adapters implement;
//! - [`services`]: the use cases.
#![warn(missing_docs)]

pub mod card;
pub mod change;
pub mod client;
pub mod command;
pub mod contract;
pub mod enote_link;
pub mod html;
pub mod ids;
pub mod label;
pub mod message;
pub mod outbound;
pub mod owner;
pub mod phone;
pub mod ports;
pub mod report;
pub mod services;
pub mod texts;
pub mod ticket;
pub mod working_hours;

//! End-to-end tests: the real bot (the app assembly in-process, or the `parents-bot` binary)
//! against the in-repo fake Bot API (and fake Enote), on SQLite and — where `TEST_MYSQL_URL` is
//! set — MariaDB. One test binary for the whole suite keeps link times down.
//!
//! - `desk_auto_close`: appeals closed by themselves after the client's silence
//!   (docs/product-rules.md: auto-close);
//! - `desk_queue`: `/queue`, the open appeals at a glance (docs/product-rules.md: the staff's
//!   side);
//! - `desk_rating`: the client's rating after a close (docs/product-rules.md: ratings);
//! - `desk_report`: `/report` and the daily report, text and chart (docs/product-rules.md:
//!   reports);
//! - `desk_reminders`: first-response reminders (docs/product-rules.md: first-response
//!   reminders);
//! - `group_move`: moving the clinic to a new support group — new topics there, hints in the
//!   old group's topics, nothing lost (docs/operations.md: moving to a new support group);
//! - `desk_take`: the help desk — the take button and the away message (docs/product-rules.md:
//!   the help desk);
//! - `relay`: client ↔ topic (docs/product-rules.md: the client's and the staff's side); `staff`, `staff_link`: staff commands and the
//!   `/enote_link` flow (docs/product-rules.md: the staff's side); `reliability`, `chaos`, `outage`: nothing lost or repeated
//!   under kills, limits, faults and a database outage (docs/product-rules.md: reliability); `ops`: health, webhook,
//!   `check`/`migrate`, the instance lease; `operator_edges`: a bad or refusing database
//!   without its password printed, `check` on a fresh database, colourless logs, and the
//!   listener's timeouts, connection limit and secret-before-body.

mod chaos;
mod desk_auto_close;
mod desk_queue;
mod desk_rating;
mod desk_reminders;
mod desk_report;
mod desk_take;
mod group_move;
mod harness;
mod isolation;
mod odd_updates;
mod operator_edges;
mod ops;
mod outage;
mod relay;
mod reliability;
mod staff;
mod staff_kit;
mod staff_link;

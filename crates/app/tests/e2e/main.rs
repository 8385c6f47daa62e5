//! End-to-end tests: the real bot (the app assembly in-process, or the `parents-bot` binary)
//! against the in-repo fake Bot API (and fake Enote), on SQLite and — where `TEST_MYSQL_URL` is
//! set — MariaDB. One test binary for the whole suite keeps link times down.
//!
//! - `relay`: client ↔ topic (SPEC §3–§4); `staff`, `staff_link`: staff commands and the
//!   `/enote_link` flow (SPEC §4); `reliability`, `chaos`, `outage`: nothing lost or repeated
//!   under kills, limits, faults and a database outage (SPEC §11); `ops`: health, webhook,
//!   `check`/`migrate`, the instance lease.

mod chaos;
mod harness;
mod ops;
mod outage;
mod relay;
mod reliability;
mod staff;
mod staff_kit;
mod staff_link;

//! End-to-end tests: the real bot (the app assembly in-process, or the `parents-bot` binary)
//! against the in-repo fake Bot API, on SQLite and — where `TEST_MYSQL_URL` is set — MariaDB.
//! One test binary for the whole suite keeps link times down.

mod harness;
mod ops;
mod relay;
mod reliability;
mod outage;
mod chaos;

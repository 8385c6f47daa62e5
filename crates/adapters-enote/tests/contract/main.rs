//! Contract tests of the Enote adapter against local fake servers (wiremock) serving the
//! recorded shapes in `fixtures/`. One binary (zero2prod's layout) keeps link times down.

mod failures;
mod fake;
mod lookups;
mod setup;
mod support;

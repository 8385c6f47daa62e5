//! The use cases' tests, one file per use case, over mocked ports (`testkit`).

mod client;
mod delivery;
mod lanes;
mod link;
mod staff;
pub(crate) mod testkit;

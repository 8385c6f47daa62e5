//! The use cases' tests, one file per use case, over mocked ports (`testkit`).

mod auto_close;
mod client;
mod delivery;
mod former_group;
mod lanes;
mod link;
mod queue;
mod rating;
mod reminders;
mod report;
mod staff;
mod take;
pub(crate) mod testkit;

//! The first-response reminder loop: asks the desk every little while to remind the topics of
//! clients who wait too long (`SupportDesk::remind_waiting`; the rule is in the domain). Each
//! pass decides from what is stored, so a pass that fails or comes late is made up by the next
//! one, and a restart neither repeats nor loses a reminder.

use crate::runtime::{PassLog, Shutdown, periodic};
use domain::services::SupportDesk;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How often to look, for a target of `target`: a quarter of it, so a reminder comes at most a
/// quarter late, but between once a second and twice a minute.
pub fn interval(target: Duration) -> Duration {
    (target / 4).clamp(Duration::from_secs(1), Duration::from_secs(30))
}

/// Reminds waiting clients' topics once an [`interval`] of the desk's target, until `stop`,
/// and wakes the sender when a pass queued something. Nothing runs without a target
/// (`FIRST_RESPONSE_TARGET=0`).
pub async fn reminder_loop(desk: Arc<SupportDesk>, wake_sender: Arc<Notify>, stop: Shutdown) {
    let Some(target) = desk.settings().first_response_target else {
        tracing::info!("first-response reminders are off (FIRST_RESPONSE_TARGET=0)");
        return;
    };
    // Only a target built by hand can be negative (it reminds nobody): look seldom.
    let every = interval(target.to_std().unwrap_or(Duration::MAX));
    let log = PassLog {
        done: "clients waiting for an answer: topics reminded",
        failed: "cannot send first-response reminders; will try again",
    };
    periodic(every, every, wake_sender, stop, log, || {
        desk.remind_waiting()
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::interval;
    use std::time::Duration;

    #[test]
    fn short_targets_are_looked_at_often_long_ones_twice_a_minute() {
        assert_eq!(interval(Duration::from_secs(2)), Duration::from_secs(1));
        assert_eq!(interval(Duration::from_secs(8)), Duration::from_secs(2));
        assert_eq!(
            interval(Duration::from_secs(15 * 60)),
            Duration::from_secs(30)
        );
    }
}

//! The auto-close loop: asks the desk every little while to close the appeals whose client
//! has been silent `AUTO_CLOSE_AFTER` since staff's last answer (`SupportDesk::auto_close`;
//! the rule is in the domain). It keeps no state of its own: what is due is read from the
//! tickets each pass, and a closed appeal is no longer read, so a restart neither repeats a
//! close nor loses one.

use crate::runtime::{PassLog, Shutdown, periodic};
use domain::services::SupportDesk;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How often to look, for a silence of `after`: a quarter of it, so an appeal closes at most a
/// quarter late, but between once a second and once a minute (a close a minute late is
/// nothing after three days).
pub fn interval(after: Duration) -> Duration {
    (after / 4).clamp(Duration::from_secs(1), Duration::from_secs(60))
}

/// Closes silent appeals once an [`interval`] of the desk's `AUTO_CLOSE_AFTER`, until `stop`,
/// and wakes the sender when a pass closed something (the notices are queued). Nothing runs
/// with `AUTO_CLOSE_AFTER=0`.
pub async fn auto_close_loop(desk: Arc<SupportDesk>, wake_sender: Arc<Notify>, stop: Shutdown) {
    let Some(after) = desk.settings().auto_close_after else {
        tracing::info!("auto-close is off (AUTO_CLOSE_AFTER=0)");
        return;
    };
    // Only a setting built by hand can be negative (it would close every answered appeal at
    // once, as the rule says): look seldom.
    let every = interval(after.to_std().unwrap_or(Duration::MAX));
    let log = PassLog {
        done: "silent appeals closed automatically",
        failed: "cannot auto-close silent appeals; will try again",
    };
    periodic(every, every, wake_sender, stop, log, || desk.auto_close()).await;
}

#[cfg(test)]
mod tests {
    use super::interval;
    use std::time::Duration;

    #[test]
    fn short_silences_are_looked_at_often_long_ones_once_a_minute() {
        assert_eq!(interval(Duration::from_secs(3)), Duration::from_secs(1));
        assert_eq!(interval(Duration::from_secs(20)), Duration::from_secs(5));
        assert_eq!(
            interval(Duration::from_secs(72 * 3600)),
            Duration::from_secs(60)
        );
    }
}

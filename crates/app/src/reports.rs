//! The daily report loop: asks the desk right at start and then every little while whether the
//! day's report is due (`SupportDesk::post_daily_report`; the rule is in the domain). The last
//! posted day is stored with the report itself, so a restart neither posts a day twice nor
//! skips one that fell due while the bot was down.

use crate::runtime::{PassLog, Shutdown, periodic};
use domain::services::SupportDesk;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How often to look: the report comes at most this late after `REPORT_AT`.
pub const INTERVAL: Duration = Duration::from_secs(20);

/// Posts the daily report when due, until `stop`, and wakes the sender when it did. Nothing
/// runs without `REPORT_AT`.
pub async fn report_loop(desk: Arc<SupportDesk>, wake_sender: Arc<Notify>, stop: Shutdown) {
    if desk.settings().report_at.is_none() {
        tracing::info!("the daily report is off (no REPORT_AT)");
        return;
    }
    // First at once: a report that fell due while the bot was down goes out on start.
    let log = PassLog {
        done: "the daily report is queued for General",
        failed: "cannot post the daily report; will try again",
    };
    periodic(Duration::ZERO, INTERVAL, wake_sender, stop, log, || async {
        desk.post_daily_report().await.map(usize::from)
    })
    .await;
}

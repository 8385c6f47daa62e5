//! The running bot: the loops over the domain's ports — the poller, link expiry, inbox and
//! outbox housekeeping — and what every loop shares (stopping, retrying). The handler is
//! [`crate::lanes`], the sender [`crate::sender`].
//!
//! ```text
//! getUpdates ─▶ poller ─▶ offered to the handler: idle, it stores each update as handled
//!                 │       with its effects (crate::lanes, "updates on arrival")
//!                 ▼ declined or given back
//!               inbox (stored, offset moved in the same transaction)
//!                             │
//!                             ▼
//!                 handler (crate::lanes): a lane per conversation, in order within it
//!                 decode ─▶ SupportDesk ─▶ one commit: state + outbox + "handled"
//!                                                        │
//!                                                        ▼
//!                 sender (crate::sender): a worker per queue (a client's chat, a client's topic, the group),
//!                 queues side by side; the gateway keeps Telegram's limits per chat
//!                 Delivery::deliver ─▶ Telegram; results committed with "done"
//! ```
//! The offset Telegram sees moves only after the updates are stored (in the inbox, or as
//! handled with their effects), and an update is marked handled only together with its
//! effects, so a crash at any point loses nothing; a restart resumes both queues.

use crate::http::Vitals;
use crate::lanes::{FromPoller, PollerLine, Taken};
use adapters_telegram::UpdateSource;
use chrono::Utc;
use domain::ids::UpdateId;
use domain::ports::{ChatError, Inbox, InboxEntry, Outbox};
use domain::services::SupportDesk;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, oneshot, watch};

/// Signals the loops to stop.
pub type Shutdown = watch::Receiver<bool>;

pub(crate) async fn sleep_or_stop(stop: &mut Shutdown, d: Duration) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => false,
        _ = stop.changed() => true,
    }
}

pub(crate) fn stopping(stop: &Shutdown) -> bool {
    *stop.borrow()
}

/// Long polling into the inbox.
pub async fn poll_loop(
    source: UpdateSource,
    inbox: Arc<dyn Inbox>,
    handler: PollerLine,
    wake_handler: Arc<Notify>,
    vitals: Arc<Vitals>,
    mut stop: Shutdown,
) {
    let mut offset: Option<i64> = None;
    // The offset last saved, and when.
    let mut saved: Option<i64> = None;
    let mut offset_saved = tokio::time::Instant::now();
    let mut retry = Retry::default();
    while !stopping(&stop) {
        if offset.is_none() {
            match inbox.offset().await {
                Ok(o) => {
                    offset = Some(o.unwrap_or(0));
                    saved = offset;
                }
                Err(e) => {
                    let what = "cannot read the update offset; retrying";
                    if retry.failed(&mut stop, what, &e).await {
                        break;
                    }
                    continue;
                }
            }
        }
        let polled = tokio::select! {
            r = source.poll(offset.filter(|o| *o > 0), 100) => r,
            _ = stop.changed() => break,
        };
        let batch = match polled {
            Ok(b) => {
                retry.succeeded();
                b
            }
            Err(ChatError::RateLimited { retry_after }) => {
                if sleep_or_stop(&mut stop, retry_after).await {
                    break;
                }
                continue;
            }
            Err(e) => {
                if retry
                    .failed(&mut stop, "getUpdates failed; backing off", &e)
                    .await
                {
                    break;
                }
                continue;
            }
        };
        if batch.is_empty() {
            continue;
        }
        vitals.update_received();
        let next = batch.iter().map(|u| u.update_id).max().unwrap_or(0) + 1;
        let entries: Vec<InboxEntry> = batch
            .into_iter()
            .map(|u| InboxEntry {
                update: UpdateId(u.update_id),
                chat: u.chat_id,
                payload: u.json,
            })
            .collect();
        // Whatever the handler stored with its handling is stored; the rest is stored here.
        let stored_on_arrival = offer(&handler, &entries).await;
        let rest: Vec<InboxEntry> = entries
            .into_iter()
            .zip(&stored_on_arrival)
            .filter(|(_, stored)| !**stored)
            .map(|(entry, _)| entry)
            .collect();
        let save_offset = offset_saved.elapsed() >= OFFSET_SAVE_EVERY;
        if rest.is_empty() && !save_offset {
            offset = Some(next);
            continue;
        }
        // Until this is stored the offset does not move, so Telegram resends the batch.
        loop {
            match inbox.store_batch(rest.clone(), next).await {
                Ok(new) => {
                    tracing::debug!(new, next, "updates stored");
                    offset = Some(next);
                    saved = offset;
                    offset_saved = tokio::time::Instant::now();
                    if !rest.is_empty() {
                        let _ = handler.send(FromPoller::Stored);
                        wake_handler.notify_one();
                    }
                    break;
                }
                Err(e) => {
                    let what = "cannot store updates; retrying";
                    if retry.failed(&mut stop, what, &e).await {
                        return;
                    }
                }
            }
        }
    }
    // The offset of updates stored on arrival, for the next start (Telegram would send them
    // again otherwise, and the inbox would recognise them).
    if let Some(next) = offset.filter(|o| Some(*o) != saved)
        && let Err(e) = inbox.store_batch(Vec::new(), next).await
    {
        tracing::warn!(error = %e, "cannot save the update offset");
    }
    tracing::info!("poller stopped");
}

/// How often the offset of updates stored on arrival is saved at least. Telegram keeps the
/// offset too; the saved one only spares it resending, after a crash, updates the inbox
/// already has.
const OFFSET_SAVE_EVERY: Duration = Duration::from_secs(5);

/// Offers a batch to the handler; per entry, whether the handler stored it (with its handling).
async fn offer(handler: &PollerLine, entries: &[InboxEntry]) -> Vec<bool> {
    let none = || vec![false; entries.len()];
    let (reply, answer) = oneshot::channel();
    let offered = FromPoller::Offer {
        entries: entries.to_vec(),
        reply,
    };
    if handler.send(offered).is_err() {
        return none();
    }
    match answer.await {
        Ok(Taken::Accepted(stored)) => {
            let mut result = Vec::with_capacity(stored.len());
            for rx in stored {
                result.push(rx.await.is_ok());
            }
            result
        }
        Ok(Taken::Declined) | Err(_) => none(),
    }
}

/// Consecutive failures of one step of a loop, and the backoff they call for: every loop
/// retries what the database or Telegram refused the same way.
#[derive(Debug, Default)]
pub(crate) struct Retry {
    failures: u32,
}

impl Retry {
    /// The step went through: the next failure starts the backoff again.
    pub(crate) fn succeeded(&mut self) {
        self.failures = 0;
    }

    /// Counts a failure, logs `what` with the error, and waits out the backoff; true when the
    /// bot is stopping (the caller leaves).
    pub(crate) async fn failed(
        &mut self,
        stop: &mut Shutdown,
        what: &str,
        error: impl std::fmt::Display,
    ) -> bool {
        self.failures += 1;
        tracing::warn!(error = %error, failures = self.failures, "{what}");
        sleep_or_stop(stop, backoff(self.failures)).await
    }
}

/// How long to wait after `failures` failures in a row: 0.5 s doubling, at most 30 s.
pub(crate) fn backoff(failures: u32) -> Duration {
    Duration::from_millis((250u64 << failures.min(7)).min(30_000))
}

/// How long delivered outbox entries are kept (for "what did the bot send?" questions).
pub const OUTBOX_RETENTION: chrono::TimeDelta = chrono::TimeDelta::days(7);

/// How long handled updates are kept: long enough to recognise an update Telegram sends again,
/// and shorter than a week, because Telegram may reuse update ids after a week without updates
/// and an old row would make a new update look like a duplicate.
pub const INBOX_RETENTION: chrono::TimeDelta = chrono::TimeDelta::days(6);

/// Once an hour, forgets outbox entries delivered more than [`OUTBOX_RETENTION`] ago and updates
/// handled more than [`INBOX_RETENTION`] ago, so the tables do not grow for as long as the bot
/// runs. (Not on every write: that would cost each update a delete.)
pub async fn housekeeping_loop(outbox: Arc<dyn Outbox>, inbox: Arc<dyn Inbox>, mut stop: Shutdown) {
    loop {
        match outbox.prune(Utc::now() - OUTBOX_RETENTION).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(pruned = n, "old delivered outbox entries removed"),
            Err(e) => tracing::warn!(error = %e, "cannot prune the outbox; will try later"),
        }
        match inbox.prune(Utc::now() - INBOX_RETENTION).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(pruned = n, "old handled updates removed"),
            Err(e) => tracing::warn!(error = %e, "cannot prune the inbox; will try later"),
        }
        if sleep_or_stop(&mut stop, Duration::from_secs(3600)).await {
            return;
        }
    }
}

/// What a periodic pass of the desk says in the log: after a pass that queued messages, and
/// after one that failed (the next pass tries again).
pub(crate) struct PassLog {
    pub done: &'static str,
    pub failed: &'static str,
}

/// Runs `pass` after `first`, then once an `every`, until `stop`; a pass that queued messages
/// (it returns how many) wakes the sender. Every periodic pass of the desk — link expiry,
/// reminders, auto-close, the daily report — runs on this loop, so they stop, log and wake
/// alike.
pub(crate) async fn periodic<F, Fut>(
    first: Duration,
    every: Duration,
    wake_sender: Arc<Notify>,
    mut stop: Shutdown,
    log: PassLog,
    mut pass: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<usize, domain::services::DeskError>>,
{
    let mut wait = first;
    while !sleep_or_stop(&mut stop, wait).await {
        wait = every;
        match pass().await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(count = n, "{}", log.done);
                wake_sender.notify_one();
            }
            Err(e) => tracing::warn!(error = %e, "{}", log.failed),
        }
    }
}

/// Ends expired link flows once a `every`.
pub async fn expiry_loop(
    desk: Arc<SupportDesk>,
    every: Duration,
    wake_sender: Arc<Notify>,
    stop: Shutdown,
) {
    let log = PassLog {
        done: "link flows expired",
        failed: "cannot expire link flows; will try again",
    };
    periodic(every, every, wake_sender, stop, log, || desk.expire_links()).await;
}

//! The running bot: the loops over the domain's ports (poller, sender, link expiry, inbox and
//! outbox housekeeping; the handler is [`crate::lanes`]).
//!
//! ```text
//! getUpdates ─▶ poller ─▶ inbox (stored, offset moved in the same transaction)
//!                             │
//!                             ▼
//!                 handler (crate::lanes): a lane per conversation, in order within it
//!                 decode ─▶ SupportDesk ─▶ one commit: state + outbox + "handled"
//!                                                        │
//!                                                        ▼
//!                 sender: a worker per queue (a client's chat, a client's topic, the group),
//!                 queues side by side; the gateway keeps Telegram's limits per chat
//!                 Delivery::deliver ─▶ Telegram; results committed with "done"
//! ```
//! The offset Telegram sees moves only after the updates are stored, and an update is marked
//! handled only together with its effects, so a crash at any point loses nothing; a restart
//! resumes both queues.

use crate::http::Vitals;
use crate::queue_signal::QueuedReceiver;
use adapters_telegram::UpdateSource;
use adapters_telegram::limiter::in_one_turn;
use chrono::Utc;
use domain::change::Change;
use domain::ids::{OutboxId, UpdateId};
use domain::outbound::Queue;
use domain::ports::{ChatError, Inbox, InboxEntry, Outbox, OutboxEntry, UnitOfWork};
use domain::services::{Delivery, DeliveryError, SupportDesk};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;

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
    wake_handler: Arc<Notify>,
    vitals: Arc<Vitals>,
    mut stop: Shutdown,
) {
    let mut offset: Option<i64> = None;
    let mut failures: u32 = 0;
    while !stopping(&stop) {
        if offset.is_none() {
            match inbox.offset().await {
                Ok(o) => offset = Some(o.unwrap_or(0)),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the update offset; retrying");
                    if sleep_or_stop(&mut stop, backoff(failures)).await {
                        break;
                    }
                    failures += 1;
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
                failures = 0;
                b
            }
            Err(ChatError::RateLimited { retry_after }) => {
                if sleep_or_stop(&mut stop, retry_after).await {
                    break;
                }
                continue;
            }
            Err(e) => {
                failures += 1;
                tracing::warn!(error = %e, "getUpdates failed; backing off");
                if sleep_or_stop(&mut stop, backoff(failures)).await {
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
        // Until this is stored the offset does not move, so Telegram resends the batch.
        loop {
            match inbox.store_batch(entries.clone(), next).await {
                Ok(new) => {
                    tracing::debug!(new, next, "updates stored");
                    offset = Some(next);
                    wake_handler.notify_one();
                    break;
                }
                Err(e) => {
                    failures += 1;
                    tracing::warn!(error = %e, "cannot store updates; retrying");
                    if sleep_or_stop(&mut stop, backoff(failures)).await {
                        return;
                    }
                }
            }
        }
    }
    tracing::info!("poller stopped");
}

pub(crate) fn backoff(failures: u32) -> Duration {
    Duration::from_millis((250u64 << failures.min(7)).min(30_000))
}

/// Delivers the outbox: each queue (`Outbound::queue`) in order, queues side by side, within
/// Telegram's limits (which the gateway keeps per chat).
///
/// A queue with something due gets a worker that sends its entries one after another, asking
/// the outbox only for that queue's next entry, until the queue is empty or its head must wait
/// (a `retry_after`, a backoff). Workers are started for the queues a commit names
/// (`queued`, see [`crate::queue_signal`]) and, by a scan of the whole outbox, on start, when
/// `wake` is notified and every half second (entries whose wait is over).
pub async fn send_loop(
    delivery: Arc<Delivery>,
    outbox: Arc<dyn Outbox>,
    store: Arc<dyn UnitOfWork>,
    mut queued: QueuedReceiver,
    wake: Arc<Notify>,
    mut stop: Shutdown,
) {
    let mut failures = 0;
    let mut workers: JoinSet<()> = JoinSet::new();
    let mut busy = Busy::default();
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<Finished>();
    let mut scan = true;
    let mut to_start: Vec<Queue> = Vec::new();
    loop {
        while let Ok(done) = done_rx.try_recv() {
            to_start.extend(busy.release(done));
        }
        while let Ok(q) = queued.try_recv() {
            busy.queued(q, &mut to_start, &mut scan);
        }
        while workers.try_join_next().is_some() {}
        if stopping(&stop) {
            // Finish what is being sent; the rest stays queued for the next start.
            while workers.join_next().await.is_some() {}
            break;
        }
        let mut start: Vec<(Option<Queue>, Option<OutboxEntry>)> = Vec::new();
        if scan {
            match outbox.due(Utc::now(), 200).await {
                Ok(due) => {
                    failures = 0;
                    scan = false;
                    for entry in due {
                        if busy.take(entry.id, entry.queue) {
                            start.push((entry.queue, Some(entry)));
                        }
                    }
                }
                Err(e) => {
                    failures += 1;
                    tracing::warn!(error = %e, "cannot read the outbox; retrying");
                    // Stopping or not, the top of the loop decides what comes next.
                    sleep_or_stop(&mut stop, backoff(failures)).await;
                    continue;
                }
            }
        }
        for q in to_start.drain(..) {
            if busy.take_queue(q) {
                start.push((Some(q), None));
            }
        }
        for (queue, first) in start {
            let finished = Finished {
                queue,
                entry: first.as_ref().map(|e| e.id),
            };
            let (delivery, outbox, store, done, stop) = (
                delivery.clone(),
                outbox.clone(),
                store.clone(),
                done_tx.clone(),
                stop.clone(),
            );
            workers.spawn(async move {
                work_through(
                    &delivery,
                    outbox.as_ref(),
                    store.as_ref(),
                    queue,
                    first,
                    stop,
                )
                .await;
                let _ = done.send(finished);
            });
        }
        tokio::select! {
            Some(done) = done_rx.recv() => to_start.extend(busy.release(done)),
            Some(q) = queued.recv() => busy.queued(q, &mut to_start, &mut scan),
            _ = wake.notified() => scan = true,
            _ = tokio::time::sleep(Duration::from_millis(500)) => scan = true,
            _ = stop.changed() => {}
        }
    }
    tracing::info!("sender stopped");
}

/// What the sender has in flight.
#[derive(Default)]
struct Busy {
    /// Queues with a worker: their next entry is that worker's to send, keeping the order.
    queues: HashSet<Queue>,
    /// Entries in flight: one without a queue (a button answer) must not start twice.
    entries: HashSet<OutboxId>,
    /// Queues that got something while their worker was finishing: started again after it.
    again: HashSet<Queue>,
}

impl Busy {
    /// Takes an entry found by a scan; false if it or its queue is in flight.
    fn take(&mut self, entry: OutboxId, queue: Option<Queue>) -> bool {
        if self.entries.contains(&entry) || queue.is_some_and(|q| self.queues.contains(&q)) {
            return false;
        }
        self.entries.insert(entry);
        if let Some(q) = queue {
            self.queues.insert(q);
        }
        true
    }

    /// Takes a queue; false if it has a worker.
    fn take_queue(&mut self, queue: Queue) -> bool {
        self.queues.insert(queue)
    }

    /// A commit filled `queue`: start it, or start it again once its worker ends (the worker
    /// may have looked already). Entries without a queue are found by a scan.
    fn queued(&mut self, queue: Option<Queue>, to_start: &mut Vec<Queue>, scan: &mut bool) {
        match queue {
            None => *scan = true,
            Some(q) if self.queues.contains(&q) => {
                self.again.insert(q);
            }
            Some(q) => to_start.push(q),
        }
    }

    /// A worker ended; returns its queue if it must start again.
    fn release(&mut self, done: Finished) -> Option<Queue> {
        if let Some(id) = done.entry {
            self.entries.remove(&id);
        }
        let q = done.queue?;
        self.queues.remove(&q);
        self.again.remove(&q).then_some(q)
    }
}

/// A worker has ended: its queue, and the entry it was started with, are free again.
struct Finished {
    queue: Option<Queue>,
    entry: Option<OutboxId>,
}

/// Sends `first` (or the head of `queue`), then the rest of the queue while each next entry is
/// due.
async fn work_through(
    delivery: &Delivery,
    outbox: &dyn Outbox,
    store: &dyn UnitOfWork,
    queue: Option<Queue>,
    first: Option<OutboxEntry>,
    stop: Shutdown,
) {
    let mut next = first;
    loop {
        let entry = match (next.take(), queue) {
            (Some(e), _) => e,
            (None, Some(q)) => match outbox.next_in(q, Utc::now()).await {
                Ok(Some(e)) => e,
                Ok(None) => return,
                Err(e) => {
                    // The sender's periodic scan picks the queue up again.
                    tracing::warn!(error = %e, "cannot read the outbox; retrying");
                    return;
                }
            },
            (None, None) => return,
        };
        let sent = deliver_one(delivery, outbox, store, entry, stop.clone()).await;
        if !sent || stopping(&stop) {
            return;
        }
    }
}

/// Delivers one entry and records the outcome; true when the entry is done with.
async fn deliver_one(
    delivery: &Delivery,
    outbox: &dyn Outbox,
    store: &dyn UnitOfWork,
    entry: OutboxEntry,
    stop: Shutdown,
) -> bool {
    // The gateway waits for Telegram's limits call by call, the whole delivery as one turn in
    // the group's line; here only the outcome is kept.
    let result = in_one_turn(delivery.deliver(&entry)).await;
    let now = Utc::now();
    let postpone =
        |d: Duration| now + chrono::Duration::from_std(d).unwrap_or(chrono::Duration::seconds(60));
    let outcome = match result {
        Ok(()) => return true,
        Err(DeliveryError::RetryAfter(d)) => {
            tracing::info!(
                outbox = entry.id.get(),
                retry_after = d.as_secs(),
                "rate limited by Telegram"
            );
            outbox
                .postpone(
                    entry.id,
                    postpone(d),
                    format!("retry after {}s", d.as_secs()),
                )
                .await
        }
        Err(DeliveryError::Transient(_)) if stopping(&stop) => {
            // Most likely never sent because the bot is stopping: it stays queued as it was.
            return false;
        }
        Err(DeliveryError::Transient(e)) => {
            let wait = backoff(entry.attempts + 1);
            tracing::warn!(outbox = entry.id.get(), attempts = entry.attempts + 1, error = %e, "send failed; will retry");
            outbox.postpone(entry.id, postpone(wait), e).await
        }
        Err(DeliveryError::Store(e)) => {
            tracing::warn!(outbox = entry.id.get(), error = %e, "store failed during delivery; will retry");
            outbox
                .postpone(
                    entry.id,
                    postpone(backoff(entry.attempts + 1)),
                    e.to_string(),
                )
                .await
        }
        Err(DeliveryError::Unrecorded { changes, error }) => {
            tracing::warn!(outbox = entry.id.get(), error = %error, "sent, but the database failed to record it; retrying the record");
            record_until_stored(store, changes, stop).await;
            return true;
        }
        Err(DeliveryError::Misconfigured(e)) => {
            // Loud, and patient: the message waits until an administrator fixes the group.
            let wait = backoff(entry.attempts + 1).max(Duration::from_secs(5));
            tracing::error!(outbox = entry.id.get(), error = %e, "the support group is not set up for the bot (run `parents-bot check`); the message waits");
            outbox.postpone(entry.id, postpone(wait), e).await
        }
        Err(DeliveryError::Permanent(e)) => {
            tracing::error!(outbox = entry.id.get(), error = %e, action = ?entry.action, "Telegram refused; giving up");
            let given_up = outbox.give_up(entry.id, e).await;
            if given_up.is_ok() {
                // The queue goes on without it.
                return true;
            }
            given_up
        }
    };
    if let Err(e) = outcome {
        tracing::warn!(outbox = entry.id.get(), error = %e, "cannot record the send outcome");
    }
    false
}

/// Commits what a completed send changed, retrying while the database is away: delivering
/// the entry again instead would send the message twice. Gives up only when the bot stops and
/// the database stays away for a while longer (the entry is then sent again after a restart).
async fn record_until_stored(store: &dyn UnitOfWork, changes: Vec<Change>, mut stop: Shutdown) {
    let mut failures = 0u32;
    let mut stopping_since: Option<tokio::time::Instant> = None;
    loop {
        match store.commit(changes.clone()).await {
            Ok(()) => {
                if failures > 0 {
                    tracing::info!(failures, "the send is recorded");
                }
                return;
            }
            Err(e) => {
                failures += 1;
                if stopping(&stop) {
                    let since = *stopping_since.get_or_insert_with(tokio::time::Instant::now);
                    if since.elapsed() > Duration::from_secs(10) {
                        tracing::error!(error = %e, "stopping with a send not recorded; it may be sent again after the restart");
                        return;
                    }
                }
                tracing::warn!(error = %e, failures, "cannot record a completed send; retrying");
            }
        }
        let wait = backoff(failures).min(Duration::from_secs(5));
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.changed() => {}
        }
    }
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

/// Ends expired link flows once a `every`.
pub async fn expiry_loop(
    desk: Arc<SupportDesk>,
    every: Duration,
    wake_sender: Arc<Notify>,
    mut stop: Shutdown,
) {
    while !sleep_or_stop(&mut stop, every).await {
        match desk.expire_links().await {
            Ok(0) => {}
            Ok(n) => {
                tracing::info!(expired = n, "link flows expired");
                wake_sender.notify_one();
            }
            Err(e) => tracing::warn!(error = %e, "cannot expire link flows"),
        }
    }
}

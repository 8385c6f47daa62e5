//! The sender: delivers the outbox, each queue (`Outbound::queue`: a client's private chat, a
//! client's topic, the group's own messages) in order, queues side by side, within Telegram's
//! limits (which the gateway keeps per chat).
//!
//! A queue with something due gets a worker that sends its entries one after another, asking
//! the outbox only for that queue's next entry, until the queue is empty or its head must wait
//! (a `retry_after`, a backoff). Workers are started for the queues a commit names
//! ([`crate::queue_signal`]) and, by a scan of the whole outbox, on start, when woken and every
//! half second (entries whose wait is over). A completed send whose record failed is committed
//! again, never sent again; a group the bot cannot use holds its messages until it is fixed.

use crate::queue_signal::QueuedReceiver;
use crate::runtime::{Retry, Shutdown, backoff, stopping};
use adapters_telegram::limiter::in_one_turn;
use chrono::Utc;
use domain::change::Change;
use domain::ids::OutboxId;
use domain::outbound::Queue;
use domain::ports::{Outbox, OutboxEntry, UnitOfWork};
use domain::services::{Delivery, DeliveryError};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore, mpsc};
use tokio::task::JoinSet;

/// Workers reading their queue's next entry at once. After a backlog thousands of queues may
/// have a worker; each read in progress holds a query and its rows in memory, and the database
/// answers a few at a time anyway, so this bounds memory whatever the backlog. Only the read is
/// bounded: a worker waiting for Telegram's limits holds no turn, so a queue that waits for the
/// group's budget never delays a client's private chat.
const MAX_READING: usize = 32;

/// Runs the sender until `stop` (see the module doc).
pub async fn send_loop(
    delivery: Arc<Delivery>,
    outbox: Arc<dyn Outbox>,
    store: Arc<dyn UnitOfWork>,
    queued: QueuedReceiver,
    wake: Arc<Notify>,
    stop: Shutdown,
) {
    let (done_tx, done_rx) = mpsc::unbounded_channel();
    let mut sender = Sender {
        delivery,
        outbox,
        store,
        stop,
        workers: JoinSet::new(),
        reading: Arc::new(Semaphore::new(MAX_READING)),
        busy: Busy::default(),
        done_tx,
        done_rx,
        scan: true,
        to_start: Vec::new(),
        retry: Retry::default(),
    };
    sender.run(queued, wake).await;
    tracing::info!("sender stopped");
}

/// The sender's state between its waits.
struct Sender {
    delivery: Arc<Delivery>,
    outbox: Arc<dyn Outbox>,
    store: Arc<dyn UnitOfWork>,
    stop: Shutdown,
    workers: JoinSet<()>,
    /// Turns to read the outbox (see [`MAX_READING`]).
    reading: Arc<Semaphore>,
    busy: Busy,
    done_tx: mpsc::UnboundedSender<Finished>,
    done_rx: mpsc::UnboundedReceiver<Finished>,
    /// The whole outbox is to be scanned for due entries.
    scan: bool,
    /// Queues a commit filled or a finished worker left behind.
    to_start: Vec<Queue>,
    retry: Retry,
}

impl Sender {
    async fn run(&mut self, mut queued: QueuedReceiver, wake: Arc<Notify>) {
        loop {
            self.take_news(&mut queued);
            if stopping(&self.stop) {
                // Finish what is being sent; the rest stays queued for the next start.
                while self.workers.join_next().await.is_some() {}
                return;
            }
            let Ok(mut start) = self.scan_if_asked().await else {
                continue;
            };
            start.extend(self.queues_to_start());
            for (queue, first) in start {
                self.spawn_worker(queue, first);
            }
            let mut stop = self.stop.clone();
            tokio::select! {
                Some(done) = self.done_rx.recv() => self.to_start.extend(self.busy.release(done)),
                Some(q) = queued.recv() => self.busy.queued(q, &mut self.to_start, &mut self.scan),
                _ = wake.notified() => self.scan = true,
                _ = tokio::time::sleep(Duration::from_millis(500)) => self.scan = true,
                _ = stop.changed() => {}
            }
        }
    }

    /// Takes in what happened since the last look: finished workers, filled queues.
    fn take_news(&mut self, queued: &mut QueuedReceiver) {
        while let Ok(done) = self.done_rx.try_recv() {
            self.to_start.extend(self.busy.release(done));
        }
        while let Ok(q) = queued.try_recv() {
            self.busy.queued(q, &mut self.to_start, &mut self.scan);
        }
        while self.workers.try_join_next().is_some() {}
    }

    /// The due entries a scan finds that are not in flight; `Err` after a failed read (already
    /// waited for).
    async fn scan_if_asked(&mut self) -> Result<Vec<(Option<Queue>, Option<OutboxEntry>)>, ()> {
        let mut start = Vec::new();
        if !self.scan {
            return Ok(start);
        }
        match self.outbox.due(Utc::now(), 200).await {
            Ok(due) => {
                self.retry.succeeded();
                self.scan = false;
                for entry in due {
                    if self.busy.take(entry.id, entry.queue) {
                        start.push((entry.queue, Some(entry)));
                    }
                }
                Ok(start)
            }
            Err(e) => {
                // Stopping or not, the top of the loop decides what comes next.
                self.retry
                    .failed(
                        &mut self.stop.clone(),
                        "cannot read the outbox; retrying",
                        &e,
                    )
                    .await;
                Err(())
            }
        }
    }

    /// The queues to start that have no worker yet.
    fn queues_to_start(&mut self) -> Vec<(Option<Queue>, Option<OutboxEntry>)> {
        let mut start = Vec::new();
        for q in std::mem::take(&mut self.to_start) {
            if self.busy.take_queue(q) {
                start.push((Some(q), None));
            }
        }
        start
    }

    fn spawn_worker(&mut self, queue: Option<Queue>, first: Option<OutboxEntry>) {
        let finished = Finished {
            queue,
            entry: first.as_ref().map(|e| e.id),
        };
        let (delivery, outbox, store, done, stop, reading) = (
            self.delivery.clone(),
            self.outbox.clone(),
            self.store.clone(),
            self.done_tx.clone(),
            self.stop.clone(),
            self.reading.clone(),
        );
        self.workers.spawn(async move {
            work_through(
                &delivery,
                outbox.as_ref(),
                store.as_ref(),
                queue,
                first,
                &reading,
                stop,
            )
            .await;
            let _ = done.send(finished);
        });
    }
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
    reading: &Semaphore,
    stop: Shutdown,
) {
    let mut next = first;
    loop {
        let entry = match (next.take(), queue) {
            (Some(e), _) => e,
            (None, Some(q)) => match read_next(outbox, q, reading).await {
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

/// The queue's next due entry, read in a turn (see [`MAX_READING`]).
async fn read_next(
    outbox: &dyn Outbox,
    queue: Queue,
    reading: &Semaphore,
) -> Result<Option<OutboxEntry>, domain::ports::StoreError> {
    // Never closed: the sender owns the semaphore for as long as its workers run.
    let _turn = reading.acquire().await;
    outbox.next_in(queue, Utc::now()).await
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

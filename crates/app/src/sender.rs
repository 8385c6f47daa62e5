//! The sender: delivers the outbox, each queue (`Outbound::queue`: a client's private chat, a
//! client's topic, the group's own messages) in order, queues side by side, within Telegram's
//! limits (which the gateway keeps per chat).
//!
//! A queue with something due gets a worker that sends its entries one after another, asking
//! the outbox only for that queue's next entry, until the queue is empty or its head must wait
//! (a `retry_after`, a backoff). Workers are started for the entries the store announces as it
//! stores them (`SqlStore::announce_enqueued`) and, by a scan of the whole outbox, on start,
//! when woken and every half second (entries whose wait is over). A completed send whose record
//! failed is committed again, never sent again; a group the bot cannot use holds its messages
//! until it is fixed.
//!
//! Fresh entries are sent as announced, without reading them back, when their queue is known to
//! be empty: its last worker found nothing left, and every entry since then was announced (in
//! the order of the ids). That is a steady day's common case, and it spares a message two reads
//! of the outbox. Otherwise the worker reads the queue from its head, so that nothing overtakes
//! an entry that waits. An announcement of an entry some worker has already sent (it read the
//! entry before its announcement arrived) is recognised by its id and dropped.

use crate::runtime::{Retry, Shutdown, backoff, stopping};
use adapters_telegram::limiter::in_one_turn;
use chrono::Utc;
use domain::change::Change;
use domain::ids::OutboxId;
use domain::outbound::Queue;
use domain::ports::{Outbox, OutboxEntry, QueueHead, UnitOfWork};
use domain::services::{Delivery, DeliveryError};
use std::collections::{HashMap, HashSet, VecDeque};
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

/// Queues the sender remembers as empty (with the last id sent in each). Beyond it they are
/// forgotten together, and their next entries are read from the outbox: a bound on memory over
/// months of clients, at the price of a read.
const MAX_KNOWN: usize = 4096;

/// What the store announces: the entries one stored transaction enqueued, in the order of their
/// ids (`SqlStore::announce_enqueued`).
pub type Enqueued = mpsc::UnboundedReceiver<Vec<OutboxEntry>>;

/// Runs the sender until `stop` (see the module doc).
pub async fn send_loop(
    delivery: Arc<Delivery>,
    outbox: Arc<dyn Outbox>,
    store: Arc<dyn UnitOfWork>,
    enqueued: Enqueued,
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
        fresh: Vec::new(),
        retry: Retry::default(),
    };
    sender.run(enqueued, wake).await;
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
    /// Queues a commit filled or a finished worker left behind: read from their head.
    to_start: Vec<Queue>,
    /// Announced entries to send as they are (their queues already taken).
    fresh: Vec<Start>,
    retry: Retry,
}

impl Sender {
    async fn run(&mut self, mut enqueued: Enqueued, wake: Arc<Notify>) {
        loop {
            self.take_news(&mut enqueued);
            if stopping(&self.stop) {
                // Finish what is being sent; the rest stays queued for the next start.
                while self.workers.join_next().await.is_some() {}
                return;
            }
            // Before the scan: an announced entry's queue is taken, so a scan that finds the
            // entry too leaves it to this worker.
            for start in std::mem::take(&mut self.fresh) {
                self.spawn_worker(start);
            }
            let Ok(mut start) = self.scan_if_asked().await else {
                continue;
            };
            start.extend(self.queues_to_start());
            for start in start {
                self.spawn_worker(start);
            }
            let mut stop = self.stop.clone();
            tokio::select! {
                Some(done) = self.done_rx.recv() => self.to_start.extend(self.busy.release(done)),
                Some(fresh) = enqueued.recv() => self.busy.enqueued(fresh, &mut self.fresh, &mut self.to_start),
                _ = wake.notified() => self.scan = true,
                _ = tokio::time::sleep(Duration::from_millis(500)) => self.scan = true,
                _ = stop.changed() => {}
            }
        }
    }

    /// Takes in what happened since the last look: finished workers, announced entries.
    fn take_news(&mut self, enqueued: &mut Enqueued) {
        while let Ok(done) = self.done_rx.try_recv() {
            self.to_start.extend(self.busy.release(done));
        }
        while let Ok(fresh) = enqueued.try_recv() {
            self.busy
                .enqueued(fresh, &mut self.fresh, &mut self.to_start);
        }
        while self.workers.try_join_next().is_some() {}
    }

    /// The due entries a scan finds that are not in flight; `Err` after a failed read (already
    /// waited for).
    async fn scan_if_asked(&mut self) -> Result<Vec<Start>, ()> {
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
                        start.push(Start::head(entry));
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
    fn queues_to_start(&mut self) -> Vec<Start> {
        let mut start = Vec::new();
        for q in std::mem::take(&mut self.to_start) {
            if self.busy.take_queue(q) {
                start.push(Start::read(q));
            }
        }
        start
    }

    fn spawn_worker(&mut self, start: Start) {
        let queue = start.queue;
        let entry = start.entries.front().map(|e| e.id);
        let (delivery, outbox, store, done, stop, reading) = (
            self.delivery.clone(),
            self.outbox.clone(),
            self.store.clone(),
            self.done_tx.clone(),
            self.stop.clone(),
            self.reading.clone(),
        );
        self.workers.spawn(async move {
            let worked = work_through(
                &delivery,
                outbox.as_ref(),
                store.as_ref(),
                start,
                &reading,
                stop,
            )
            .await;
            let _ = done.send(Finished {
                queue,
                entry,
                upto: worked.upto,
                empty: worked.empty,
            });
        });
    }
}

/// What a worker is started with.
struct Start {
    queue: Option<Queue>,
    /// Entries to send first, in order.
    entries: VecDeque<OutboxEntry>,
    /// `entries` are all the queue holds: once they are sent the worker ends without reading.
    whole: bool,
}

impl Start {
    /// A queue to read from its head.
    fn read(queue: Queue) -> Start {
        Start {
            queue: Some(queue),
            entries: VecDeque::new(),
            whole: false,
        }
    }

    /// A queue's head found by a scan: what follows it is read.
    fn head(entry: OutboxEntry) -> Start {
        Start {
            queue: entry.queue,
            entries: VecDeque::from([entry]),
            whole: false,
        }
    }
}

/// What the sender has in flight, and what it knows of the queues without one.
#[derive(Default)]
struct Busy {
    /// Queues with a worker: their next entry is that worker's to send, keeping the order.
    queues: HashSet<Queue>,
    /// Entries in flight: one without a queue (a button answer) must not start twice.
    entries: HashSet<OutboxId>,
    /// Queues that got something while their worker was finishing: started again after it.
    again: HashSet<Queue>,
    /// Queues without a worker known to hold nothing: their last worker found them empty, and
    /// since then every entry for them was announced.
    empty: HashSet<Queue>,
    /// The highest id a worker of each queue has taken: an announcement of an entry at or
    /// below it comes after a worker read the entry from the outbox.
    taken: HashMap<Queue, OutboxId>,
    /// Announced entries at or below this id are not trusted to be unsent (see [`MAX_KNOWN`]).
    forgotten_upto: Option<OutboxId>,
    /// The highest id seen so far.
    highest: Option<OutboxId>,
}

impl Busy {
    /// Takes an entry found by a scan; false if it or its queue is in flight.
    fn take(&mut self, entry: OutboxId, queue: Option<Queue>) -> bool {
        if self.entries.contains(&entry) || queue.is_some_and(|q| self.queues.contains(&q)) {
            return false;
        }
        self.entries.insert(entry);
        if let Some(q) = queue {
            self.take_queue(q);
        }
        true
    }

    /// Takes a queue; false if it has a worker.
    fn take_queue(&mut self, queue: Queue) -> bool {
        self.empty.remove(&queue);
        self.queues.insert(queue)
    }

    /// A transaction enqueued `fresh` (in the order of their ids). An entry without a queue
    /// (a button answer) starts at once; a queue known to be empty starts with its entries as
    /// they are (`starts`); a queue with a worker starts again after it; any other queue is
    /// read from its head (`to_start`).
    fn enqueued(
        &mut self,
        fresh: Vec<OutboxEntry>,
        starts: &mut Vec<Start>,
        to_start: &mut Vec<Queue>,
    ) {
        let mut by_queue: Vec<(Queue, VecDeque<OutboxEntry>)> = Vec::new();
        for entry in fresh {
            self.highest = self.highest.max(Some(entry.id));
            match entry.queue {
                None => {
                    if self.take(entry.id, None) {
                        starts.push(Start::head(entry));
                    }
                }
                Some(q) => match by_queue.iter_mut().find(|(k, _)| *k == q) {
                    Some((_, entries)) => entries.push_back(entry),
                    None => by_queue.push((q, VecDeque::from([entry]))),
                },
            }
        }
        for (q, mut entries) in by_queue {
            if self.queues.contains(&q) {
                self.again.insert(q);
                continue;
            }
            if !self.empty.contains(&q) {
                to_start.push(q);
                continue;
            }
            let taken = self.taken.get(&q).copied();
            entries.retain(|e| Some(e.id) > taken);
            if entries.is_empty() {
                // Already sent by a worker that read them first: the queue stays empty.
                continue;
            }
            if entries.iter().any(|e| Some(e.id) <= self.forgotten_upto) {
                to_start.push(q);
                continue;
            }
            self.take_queue(q);
            starts.push(Start {
                queue: Some(q),
                entries,
                whole: true,
            });
        }
    }

    /// A worker ended; returns its queue if it must start again.
    fn release(&mut self, done: Finished) -> Option<Queue> {
        if let Some(id) = done.entry {
            self.entries.remove(&id);
        }
        let q = done.queue?;
        self.queues.remove(&q);
        if let Some(id) = done.upto {
            self.highest = self.highest.max(Some(id));
            let taken = self.taken.entry(q).or_insert(id);
            *taken = (*taken).max(id);
        }
        let again = self.again.remove(&q);
        if done.empty && !again {
            self.empty.insert(q);
        }
        if self.taken.len() > MAX_KNOWN {
            // Forgotten queues are read from their head again; an announcement still on its
            // way for an entry a worker already sent must not be trusted either.
            self.taken.clear();
            self.empty.clear();
            self.forgotten_upto = self.highest;
        }
        again.then_some(q)
    }
}

/// A worker has ended: its queue, and the entry it was started with, are free again.
struct Finished {
    queue: Option<Queue>,
    entry: Option<OutboxId>,
    /// The highest id it took.
    upto: Option<OutboxId>,
    /// It left its queue empty.
    empty: bool,
}

/// What a worker did to its queue.
#[derive(Debug, Default, PartialEq)]
struct Worked {
    upto: Option<OutboxId>,
    empty: bool,
}

/// Sends the start's entries, then (unless they are the whole queue) the rest of the queue
/// while each next entry is due.
async fn work_through(
    delivery: &Delivery,
    outbox: &dyn Outbox,
    store: &dyn UnitOfWork,
    start: Start,
    reading: &Semaphore,
    stop: Shutdown,
) -> Worked {
    let Start {
        queue,
        mut entries,
        whole,
    } = start;
    let mut worked = Worked::default();
    loop {
        let entry = match (entries.pop_front(), queue) {
            (Some(e), _) => e,
            (None, Some(q)) if !whole => match read_next(outbox, q, reading).await {
                Ok(QueueHead::Due(e)) => e,
                Ok(QueueHead::Empty) => {
                    return Worked {
                        empty: true,
                        ..worked
                    };
                }
                Ok(QueueHead::Later) => return worked,
                Err(e) => {
                    // The sender's periodic scan picks the queue up again.
                    tracing::warn!(error = %e, "cannot read the outbox; retrying");
                    return worked;
                }
            },
            (None, _) => {
                return Worked {
                    empty: whole,
                    ..worked
                };
            }
        };
        worked.upto = worked.upto.max(Some(entry.id));
        let sent = deliver_one(delivery, outbox, store, entry, stop.clone()).await;
        if !sent || stopping(&stop) {
            return worked;
        }
    }
}

/// The queue's next due entry, read in a turn (see [`MAX_READING`]).
async fn read_next(
    outbox: &dyn Outbox,
    queue: Queue,
    reading: &Semaphore,
) -> Result<QueueHead, domain::ports::StoreError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use domain::ids::UserId;
    use domain::outbound::{BotText, Outbound};

    fn client(n: i64) -> Queue {
        Queue::Client(UserId::new(n).unwrap())
    }

    fn entry(id: i64, queue: Option<Queue>) -> OutboxEntry {
        let action = match queue {
            Some(Queue::Client(c)) => Outbound::TextToClient {
                client: c,
                text: BotText::new("hi"),
            },
            _ => Outbound::AnswerButton {
                callback_id: id.to_string(),
                text: "ok".into(),
            },
        };
        OutboxEntry {
            id: OutboxId::new(id).unwrap(),
            queue,
            action,
            attempts: 0,
            not_before: None,
        }
    }

    fn finished(queue: Queue, upto: Option<i64>, empty: bool) -> Finished {
        Finished {
            queue: Some(queue),
            entry: None,
            upto: upto.map(|id| OutboxId::new(id).unwrap()),
            empty,
        }
    }

    /// A worker started with entries: its queue, their ids, whether they are the whole queue.
    type Started = (Option<Queue>, Vec<i64>, bool);

    /// Announces `fresh`; returns (started as they are, read from the head).
    fn announce(busy: &mut Busy, fresh: Vec<OutboxEntry>) -> (Vec<Started>, Vec<Queue>) {
        let (mut starts, mut to_start) = (Vec::new(), Vec::new());
        busy.enqueued(fresh, &mut starts, &mut to_start);
        let starts = starts
            .into_iter()
            .map(|s| {
                (
                    s.queue,
                    s.entries.iter().map(|e| e.id.get()).collect(),
                    s.whole,
                )
            })
            .collect();
        (starts, to_start)
    }

    /// A queue that had a worker which found it empty after sending up to `upto`.
    fn emptied(busy: &mut Busy, q: Queue, upto: i64) {
        assert!(busy.take_queue(q));
        assert_eq!(busy.release(finished(q, Some(upto), true)), None);
    }

    #[test]
    fn a_queue_known_to_be_empty_starts_with_the_announced_entries_as_they_are() {
        let mut busy = Busy::default();
        emptied(&mut busy, client(1), 5);
        let (starts, to_start) = announce(
            &mut busy,
            vec![
                entry(6, Some(client(1))),
                entry(7, Some(client(2))),
                entry(8, Some(client(1))),
            ],
        );
        assert_eq!(starts, [(Some(client(1)), vec![6, 8], true)]);
        assert_eq!(
            to_start,
            [client(2)],
            "a queue never seen is read from its head"
        );
        assert!(busy.queues.contains(&client(1)), "the queue is taken");
        assert!(!busy.empty.contains(&client(1)));
    }

    #[test]
    fn a_queue_whose_head_waits_is_read_from_its_head() {
        let mut busy = Busy::default();
        assert!(busy.take_queue(client(1)));
        // Its worker stopped at a postponed entry (a retry_after): the queue is not empty.
        busy.release(finished(client(1), Some(5), false));
        let (starts, to_start) = announce(&mut busy, vec![entry(6, Some(client(1)))]);
        assert!(starts.is_empty(), "{starts:?}");
        assert_eq!(to_start, [client(1)]);
    }

    #[test]
    fn an_announcement_of_an_entry_a_worker_already_sent_is_dropped() {
        let mut busy = Busy::default();
        // A worker read entry 7 from the outbox before its announcement arrived.
        emptied(&mut busy, client(1), 7);
        let (starts, to_start) = announce(&mut busy, vec![entry(7, Some(client(1)))]);
        assert!(starts.is_empty() && to_start.is_empty());
        assert!(busy.empty.contains(&client(1)), "still known to be empty");
        let (starts, _) = announce(
            &mut busy,
            vec![entry(6, Some(client(1))), entry(8, Some(client(1)))],
        );
        assert_eq!(starts, [(Some(client(1)), vec![8], true)]);
    }

    #[test]
    fn a_queue_with_a_worker_starts_again_after_it_from_its_head() {
        let mut busy = Busy::default();
        emptied(&mut busy, client(1), 5);
        let (starts, _) = announce(&mut busy, vec![entry(6, Some(client(1)))]);
        assert_eq!(starts.len(), 1);
        let (starts, to_start) = announce(&mut busy, vec![entry(7, Some(client(1)))]);
        assert!(starts.is_empty() && to_start.is_empty());
        // The worker sent 6 and found nothing more, but 7 came meanwhile.
        assert_eq!(
            busy.release(finished(client(1), Some(6), true)),
            Some(client(1))
        );
        assert!(
            !busy.empty.contains(&client(1)),
            "read again, not trusted empty"
        );
    }

    #[test]
    fn a_button_answer_starts_at_once_and_a_scan_does_not_start_it_again() {
        let mut busy = Busy::default();
        let (starts, to_start) = announce(&mut busy, vec![entry(3, None)]);
        assert_eq!(starts, [(None, vec![3], false)]);
        assert!(to_start.is_empty());
        assert!(!busy.take(OutboxId::new(3).unwrap(), None), "in flight");
        busy.release(Finished {
            queue: None,
            entry: Some(OutboxId::new(3).unwrap()),
            upto: Some(OutboxId::new(3).unwrap()),
            empty: false,
        });
        assert!(busy.take(OutboxId::new(3).unwrap(), None));
    }

    #[test]
    fn a_scan_takes_a_queue_out_of_the_known_empty_ones() {
        let mut busy = Busy::default();
        emptied(&mut busy, client(1), 5);
        assert!(busy.take(OutboxId::new(6).unwrap(), Some(client(1))));
        assert!(!busy.empty.contains(&client(1)));
        let (starts, _) = announce(&mut busy, vec![entry(6, Some(client(1)))]);
        assert!(starts.is_empty(), "the scan's worker has it");
        assert!(busy.again.contains(&client(1)));
    }

    #[test]
    fn forgotten_queues_are_read_again_and_older_announcements_are_not_trusted() {
        let mut busy = Busy::default();
        let n = i64::try_from(MAX_KNOWN).unwrap() + 1;
        for q in 1..=n {
            emptied(&mut busy, client(q), q * 10);
        }
        assert!(busy.taken.is_empty() && busy.empty.is_empty(), "forgotten");
        // Queue 1 is seen empty again by a worker that took nothing: an announcement of an
        // entry older than the forgetting may be one an earlier worker sent.
        assert!(busy.take_queue(client(1)));
        busy.release(finished(client(1), None, true));
        assert!(busy.empty.contains(&client(1)));
        let (starts, to_start) = announce(&mut busy, vec![entry(15, Some(client(1)))]);
        assert!(starts.is_empty(), "{starts:?}");
        assert_eq!(to_start, [client(1)]);
        // Newer ones are trusted again.
        emptied(&mut busy, client(2), n * 10 + 1);
        let (starts, _) = announce(&mut busy, vec![entry(n * 10 + 2, Some(client(2)))]);
        assert_eq!(starts, [(Some(client(2)), vec![n * 10 + 2], true)]);
    }
}

//! The handler: stored updates are handled in lanes, one lane per conversation — a client's
//! private chat, one topic of the support group, the group's General — so that whatever one
//! conversation waits for holds up only that conversation.
//!
//! ```text
//! inbox ──read on (no batch barrier)──▶ dispatcher ──by conversation──▶ lane (a worker each)
//!                                                                        │ in arrival order
//!                                                                        ▼
//!                                             SupportDesk::handle_in_lane ─▶ one commit
//!                                                                        │ needs Enote?
//!                                                                        ▼
//!                        off the lane: SupportDesk::handle_with_directory, Enote bounded by
//!                        a deadline (2 × ENOTE_TIMEOUT) ─▶ one commit; the lane goes on
//! ```
//!
//! - Order holds within a conversation (its lane handles one update at a time), not across
//!   conversations: they are independent.
//! - An update that needs Enote (`/patient`, `/auto_label`, a contract number) leaves its lane
//!   untouched and is handled beside it, so a staff answer typed while Enote is slow reaches the
//!   client at once. It is marked handled only with its answer: a crash meanwhile hands it to
//!   the next start.
//! - Failures: a transient one (the database away) is retried with backoff and holds only its
//!   lane; a permanent one (a value the database refuses, a broken rule, a panic) is retried a
//!   few times, then given up — kept in `failed_updates` with the error, with a notice where it
//!   happened — and the lane moves on.
//! - Memory is bounded: at most [`LaneSettings::max_in_flight`] updates are read ahead, and at
//!   most [`LaneSettings::max_handling`] are handled at once, whatever the backlog.
//! - Updates on arrival: the poller offers each batch fresh from Telegram ([`FromPoller`]).
//!   When the handler has nothing else to do (no lane busy, nothing unread in the inbox), it
//!   takes the batch into its lanes and each update is stored *as handled*, in the same commit
//!   as its effects — one commit on an update's way instead of two. An update that needs more
//!   (Enote, a retry) is given back untouched, and so is every later one of its conversation
//!   in that batch; the poller stores them in the inbox and they are handled from there, in
//!   order. Telegram's offset moves only once every update of the batch is stored either way.
//!   When the handler is busy (a backlog), the poller stores the batch as before.

use crate::runtime::{Retry, Shutdown, backoff, sleep_or_stop, stopping};
use adapters_telegram::decode::decode;
use async_trait::async_trait;
use domain::contract::ContractNumber;
use domain::ids::{GroupId, UpdateId};
use domain::message::{Conversation, Inbound};
use domain::owner::{OwnerKey, OwnerProfile, Pet};
use domain::ports::{Arrival, DirectoryError, Inbox, InboxEntry, PracticeDirectory};
use domain::services::{DeskError, Handled, SupportDesk};
use domain::texts;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore, mpsc, oneshot};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tracing::Instrument;

/// How the handler runs.
#[derive(Debug, Clone)]
pub struct LaneSettings {
    /// The support group (to decode updates).
    pub group: GroupId,
    /// The most time one update may spend waiting for Enote, all its lookups together.
    pub directory_deadline: Duration,
    /// Updates read ahead of their handling, all lanes together.
    pub max_in_flight: usize,
    /// Updates being handled at once, all lanes together: the rest wait in their lanes. Each
    /// one handled holds its reads and its commit in memory, and the database serves only a
    /// few at a time anyway (SQLite has one writer; commits are grouped), so more would only
    /// grow memory with the backlog.
    pub max_handling: usize,
    /// Updates waiting for Enote at once (each holds a connection to it).
    pub max_lookups: usize,
    /// How often an update that fails for good is tried before it is given up.
    pub tries_before_giving_up: u32,
}

impl LaneSettings {
    /// The defaults for a group, with `enote_timeout` per Enote request.
    pub fn new(group: GroupId, enote_timeout: Duration) -> Self {
        Self {
            group,
            directory_deadline: enote_timeout.saturating_mul(2),
            max_in_flight: 2_000,
            max_handling: 32,
            max_lookups: 16,
            tries_before_giving_up: 3,
        }
    }
}

/// Which lane an update goes to: its conversation, or a lane of its own for an update related
/// to nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Lane {
    Of(Conversation),
    Alone(UpdateId),
}

impl Lane {
    fn of(update: UpdateId, inbound: &Inbound) -> Self {
        match inbound.conversation() {
            Conversation::Unrelated => Lane::Alone(update),
            c => Lane::Of(c),
        }
    }
}

impl fmt::Display for Lane {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lane::Of(Conversation::Private(u)) => write!(f, "private:{u}"),
            Lane::Of(Conversation::Topic(t)) => write!(f, "topic:{t}"),
            Lane::Of(Conversation::General) => f.write_str("general"),
            Lane::Of(Conversation::Unrelated) | Lane::Alone(_) => f.write_str("alone"),
        }
    }
}

/// One update for a lane.
struct Job {
    update: UpdateId,
    inbound: Inbound,
    /// Set for an update fresh from the poller, not stored yet.
    arrived: Option<Arrived>,
}

/// An update taken fresh from the poller: the lane stores it with its handling, or gives it
/// back to the poller by dropping `stored` unanswered.
struct Arrived {
    entry: InboxEntry,
    stored: oneshot::Sender<()>,
}

/// What the poller tells the handler.
pub enum FromPoller {
    /// A batch fresh from Telegram, not stored yet: the handler answers whether it takes it.
    Offer {
        /// The batch, in Telegram's order.
        entries: Vec<InboxEntry>,
        /// The handler's answer.
        reply: oneshot::Sender<Taken>,
    },
    /// Updates were stored in the inbox (a declined offer, or updates given back): read them.
    Stored,
}

/// The handler's answer to an offer.
pub enum Taken {
    /// Not now (a backlog, or an update still in a lane): the poller stores the batch.
    Declined,
    /// Taken into the lanes: one answer per entry, in order. An entry whose sender is dropped
    /// unanswered was given back (nothing of it was written): the poller stores it.
    Accepted(Vec<oneshot::Receiver<()>>),
}

/// The poller's end of the line to the handler.
pub type PollerLine = mpsc::UnboundedSender<FromPoller>;
/// The handler's end.
pub type HandlerLine = mpsc::UnboundedReceiver<FromPoller>;

/// The line between the poller and the handler.
pub fn poller_line() -> (PollerLine, HandlerLine) {
    mpsc::unbounded_channel()
}

/// What the lanes tell the dispatcher.
enum Event {
    /// The lane is done with one of its updates (handled, given up, or sent off the lane).
    MovedOn(Lane),
    /// The update is done with (committed or given up): it may leave the read-ahead set.
    Finished(UpdateId),
}

/// What every lane worker shares.
#[derive(Clone)]
struct Shared {
    desk: Arc<SupportDesk>,
    directory: Arc<dyn PracticeDirectory>,
    settings: LaneSettings,
    lookups: Arc<Semaphore>,
    handling: Arc<Semaphore>,
    events: mpsc::UnboundedSender<Event>,
    stop: Shutdown,
}

/// A lane with a worker: its sender, and how many of its updates are not moved on from yet.
struct Running {
    jobs: mpsc::UnboundedSender<Job>,
    waiting: usize,
}

/// Handles stored updates in lanes (see the module doc) until `stop`.
pub async fn handle_loop(
    desk: Arc<SupportDesk>,
    inbox: Arc<dyn Inbox>,
    directory: Arc<dyn PracticeDirectory>,
    settings: LaneSettings,
    wake: Arc<Notify>,
    mut poller: HandlerLine,
    mut stop: Shutdown,
) {
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let shared = Shared {
        desk,
        directory,
        lookups: Arc::new(Semaphore::new(settings.max_lookups.max(1))),
        handling: Arc::new(Semaphore::new(settings.max_handling.max(1))),
        settings: settings.clone(),
        events: events_tx,
        stop: stop.clone(),
    };
    let mut workers: JoinSet<()> = JoinSet::new();
    let mut lanes: HashMap<Lane, Running> = HashMap::new();
    let mut in_flight: HashSet<UpdateId> = HashSet::new();
    let mut cursor: Option<Arrival> = None;
    let mut read = true;
    let mut retry = Retry::default();
    // Now and then the inbox is read from its start again: a row committed out of arrival
    // order (concurrent webhook requests) lands behind the cursor.
    let mut rescan = tokio::time::interval(Duration::from_secs(1));
    rescan.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    const BATCH: usize = 500;

    loop {
        if stopping(&stop) {
            break;
        }
        let room = settings.max_in_flight.saturating_sub(in_flight.len());
        if read && room > 0 {
            let limit = room.min(BATCH);
            match inbox.unhandled_after(cursor, limit as u64).await {
                Ok(rows) => {
                    retry.succeeded();
                    read = rows.len() == limit;
                    for (arrival, entry) in rows {
                        cursor = Some(arrival);
                        if !in_flight.insert(entry.update) {
                            continue;
                        }
                        let inbound = decode(&entry.payload, settings.group);
                        let lane = Lane::of(entry.update, &inbound);
                        let job = Job {
                            update: entry.update,
                            inbound,
                            arrived: None,
                        };
                        dispatch(lane, job, &mut lanes, &mut workers, &shared);
                    }
                }
                Err(e) => {
                    if retry
                        .failed(&mut stop, "cannot read the inbox; retrying", &e)
                        .await
                    {
                        break;
                    }
                    continue;
                }
            }
        }
        if read && in_flight.len() < settings.max_in_flight {
            // More is waiting in the inbox: read on before waiting for anything.
            while let Ok(event) = events.try_recv() {
                on_event(event, &mut lanes, &mut in_flight);
            }
            tokio::task::yield_now().await;
            continue;
        }
        tokio::select! {
            Some(event) = events.recv() => {
                on_event(event, &mut lanes, &mut in_flight);
                while let Ok(event) = events.try_recv() {
                    on_event(event, &mut lanes, &mut in_flight);
                }
                // Room again after the read-ahead was full.
                read |= in_flight.len() < settings.max_in_flight && room == 0;
            }
            Some(said) = poller.recv() => {
                // What the lanes did before the poller spoke is known first: a lane reports
                // moving on before it answers the poller.
                while let Ok(event) = events.try_recv() {
                    on_event(event, &mut lanes, &mut in_flight);
                }
                match said {
                    FromPoller::Stored => read = true,
                    FromPoller::Offer { entries, reply } => {
                        // Only when nothing is before it: an update of a conversation taken
                        // fresh must not overtake one of the same conversation still waiting.
                        let taken = if lanes.is_empty() && !read && !stopping(&stop) {
                            let mut stored = Vec::with_capacity(entries.len());
                            for entry in entries {
                                let (tx, rx) = oneshot::channel();
                                stored.push(rx);
                                if !in_flight.insert(entry.update) {
                                    // Already in hand (Telegram sent it again): given back.
                                    continue;
                                }
                                let inbound = decode(&entry.payload, settings.group);
                                let lane = Lane::of(entry.update, &inbound);
                                let job = Job {
                                    update: entry.update,
                                    inbound,
                                    arrived: Some(Arrived { entry, stored: tx }),
                                };
                                dispatch(lane, job, &mut lanes, &mut workers, &shared);
                            }
                            Taken::Accepted(stored)
                        } else {
                            Taken::Declined
                        };
                        let _ = reply.send(taken);
                    }
                }
            }
            _ = wake.notified() => read = true,
            _ = rescan.tick() => {
                cursor = None;
                read = true;
            }
            _ = stop.changed() => {}
        }
        while workers.try_join_next().is_some() {}
    }
    // Each lane finishes the update it is on; the rest stays in the inbox for the next start.
    drop(lanes);
    while workers.join_next().await.is_some() {}
    tracing::info!("handler stopped");
}

/// Hands `job` to its lane, starting the lane's worker if it has none.
fn dispatch(
    lane: Lane,
    job: Job,
    lanes: &mut HashMap<Lane, Running>,
    workers: &mut JoinSet<()>,
    shared: &Shared,
) {
    let running = lanes.entry(lane).or_insert_with(|| {
        let (tx, rx) = mpsc::unbounded_channel();
        workers.spawn(lane_worker(lane, rx, shared.clone()));
        Running {
            jobs: tx,
            waiting: 0,
        }
    });
    running.waiting += 1;
    // The worker ends only when its sender is dropped (`on_event`, or the handler stopping).
    let _ = running.jobs.send(job);
}

fn on_event(event: Event, lanes: &mut HashMap<Lane, Running>, in_flight: &mut HashSet<UpdateId>) {
    match event {
        Event::MovedOn(lane) => {
            if let Some(running) = lanes.get_mut(&lane) {
                running.waiting = running.waiting.saturating_sub(1);
                if running.waiting == 0 {
                    // Dropping the sender ends the idle worker; new updates start a new one.
                    lanes.remove(&lane);
                }
            }
        }
        Event::Finished(update) => {
            in_flight.remove(&update);
        }
    }
}

/// One lane: its updates one after another, in arrival order.
async fn lane_worker(lane: Lane, mut jobs: mpsc::UnboundedReceiver<Job>, shared: Shared) {
    // Once an update fresh from the poller is given back, the later fresh ones of this lane
    // go back too, so that the conversation keeps its order through the inbox.
    let mut gave_back = false;
    while let Some(mut job) = jobs.recv().await {
        if stopping(&shared.stop) {
            return;
        }
        let client = match lane {
            Lane::Of(Conversation::Private(user)) => Some(user.get()),
            _ => None,
        };
        let span = tracing::info_span!("update", update = job.update.0, lane = %lane, client);
        match job.arrived.take() {
            Some(arrived) => {
                let stored = !gave_back
                    && on_arrival(&job, &arrived.entry, &shared)
                        .instrument(span)
                        .await;
                gave_back |= !stored;
                // The dispatcher hears of it before the poller does (see `FromPoller`).
                let _ = shared.events.send(Event::Finished(job.update));
                let _ = shared.events.send(Event::MovedOn(lane));
                if stored {
                    let _ = arrived.stored.send(());
                }
            }
            None => {
                in_lane(job, &shared).instrument(span).await;
                let _ = shared.events.send(Event::MovedOn(lane));
            }
        }
    }
}

/// Handles an update fresh from the poller and stores it with its handling, in one try;
/// false when it was not stored (it needs Enote, or failed): it is given back.
async fn on_arrival(job: &Job, entry: &InboxEntry, shared: &Shared) -> bool {
    let Ok(_permit) = shared.handling.clone().acquire_owned().await else {
        return false;
    };
    let desk = shared.desk.clone();
    let (entry, inbound) = (entry.clone(), job.inbound.clone());
    // A task of its own, so that a bug that panics gives back this update only.
    let result = tokio::spawn(async move { desk.handle_on_arrival(&entry, &inbound).await })
        .await
        .map_err(Failure::panicked);
    match result {
        Ok(Ok(Handled::Done)) => {
            tracing::debug!(outcome = "handled on arrival");
            true
        }
        Ok(Ok(Handled::NeedsDirectory)) => {
            tracing::debug!(outcome = "needs Enote: stored to be handled from the inbox");
            false
        }
        Ok(Err(e)) => {
            tracing::debug!(error = %e, outcome = "stored to be handled from the inbox");
            false
        }
        Err(e) => {
            tracing::warn!(error = %e, outcome = "stored to be handled from the inbox", "update failed on arrival");
            false
        }
    }
}

/// Handles one update in its lane; an update that needs Enote is handed to a task beside it.
async fn in_lane(job: Job, shared: &Shared) {
    let Job {
        update, inbound, ..
    } = job;
    let mut attempt = Attempts::default();
    loop {
        let Ok(permit) = shared.handling.clone().acquire_owned().await else {
            return;
        };
        let desk = shared.desk.clone();
        let handling = inbound.clone();
        // A task of its own, so that a bug that panics is a failure of this update only.
        let result = tokio::spawn(async move {
            desk.handle_in_lane(update, &handling)
                .await
                .map_err(Failure::Desk)
        })
        .await
        .unwrap_or_else(|e| Err(Failure::panicked(e)));
        drop(permit);
        match result {
            Ok(Handled::Done) => {
                tracing::debug!(outcome = "handled");
                break;
            }
            Ok(Handled::NeedsDirectory) => {
                tracing::debug!(outcome = "looking up in Enote");
                let shared = shared.clone();
                let span = tracing::Span::current();
                tokio::spawn(off_lane(update, inbound, shared.clone()).instrument(span));
                return;
            }
            Err(e) => {
                if !attempt.failed(&e, shared).await {
                    return;
                }
                if attempt.permanent >= shared.settings.tries_before_giving_up {
                    give_up(update, &inbound, &e, shared).await;
                    break;
                }
            }
        }
    }
    let _ = shared.events.send(Event::Finished(update));
}

/// Handles an update that needs Enote, beside its lane, within the deadline.
async fn off_lane(update: UpdateId, inbound: Inbound, shared: Shared) {
    let Ok(_permit) = shared.lookups.clone().acquire_owned().await else {
        return;
    };
    let mut attempt = Attempts::default();
    loop {
        let directory: Arc<dyn PracticeDirectory> = Arc::new(WithDeadline {
            inner: shared.directory.clone(),
            deadline: Instant::now() + shared.settings.directory_deadline,
        });
        let desk = shared.desk.clone();
        let handling = inbound.clone();
        let result = tokio::spawn(async move {
            desk.handle_with_directory(update, handling, directory)
                .await
                .map_err(Failure::Desk)
        })
        .await
        .unwrap_or_else(|e| Err(Failure::panicked(e)));
        match result {
            Ok(()) => {
                tracing::debug!(outcome = "handled after an Enote lookup");
                break;
            }
            Err(e) => {
                if !attempt.failed(&e, &shared).await {
                    // Stopping: unhandled, so the next start looks it up again.
                    return;
                }
                if attempt.permanent >= shared.settings.tries_before_giving_up {
                    give_up(update, &inbound, &e, &shared).await;
                    break;
                }
            }
        }
    }
    let _ = shared.events.send(Event::Finished(update));
}

/// Failed tries of one update.
#[derive(Default)]
struct Attempts {
    transient: u32,
    permanent: u32,
}

impl Attempts {
    /// Counts a failure and waits before the next try; false when the bot is stopping.
    async fn failed(&mut self, e: &Failure, shared: &Shared) -> bool {
        let wait = if e.is_transient() {
            self.transient += 1;
            tracing::warn!(error = %e, failures = self.transient, outcome = "will retry", "update not handled: the database is unavailable");
            backoff(self.transient)
        } else {
            self.permanent += 1;
            tracing::warn!(error = %e, failures = self.permanent, outcome = "will retry", "update failed");
            Duration::from_millis(200 * u64::from(self.permanent))
        };
        let mut stop = shared.stop.clone();
        !sleep_or_stop(&mut stop, wait).await
    }
}

/// Records the update as failed, with a notice for the staff; retried while the database is
/// away (the update must not be lost, and must not block its lane either).
async fn give_up(update: UpdateId, inbound: &Inbound, e: &Failure, shared: &Shared) {
    let error = e.to_string();
    tracing::error!(error = %error, outcome = "given up", "update failed for good; kept in failed_updates");
    let mut retry = Retry::default();
    let mut stop = shared.stop.clone();
    loop {
        match shared.desk.give_up(update, inbound, &error).await {
            Ok(()) => return,
            Err(e) => {
                let what = "cannot record the failed update; retrying";
                if retry.failed(&mut stop, what, &e).await {
                    return;
                }
            }
        }
    }
}

/// Why handling an update failed: the desk's error, or a bug that panicked (caught per update,
/// so it fails that update alone).
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error(transparent)]
    Desk(DeskError),
    #[error("internal error (panic): {0}")]
    Panic(String),
}

impl Failure {
    fn panicked(e: tokio::task::JoinError) -> Self {
        let why = match e.try_into_panic() {
            Ok(p) => p
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".into()),
            Err(e) => e.to_string(),
        };
        Failure::Panic(why)
    }

    /// Whether trying again later may succeed (the database is away); a panic will repeat.
    fn is_transient(&self) -> bool {
        matches!(self, Failure::Desk(e) if e.is_transient())
    }
}

/// Enote with one deadline for all the lookups of one update: past it, every call fails at
/// once as unavailable, so the staff get an answer within the deadline whatever Enote does.
struct WithDeadline {
    inner: Arc<dyn PracticeDirectory>,
    deadline: Instant,
}

impl WithDeadline {
    async fn bounded<T>(
        &self,
        call: impl Future<Output = Result<T, DirectoryError>>,
    ) -> Result<T, DirectoryError> {
        tokio::time::timeout_at(self.deadline, call)
            .await
            .unwrap_or_else(|_| {
                Err(DirectoryError::Unavailable(
                    texts::DIRECTORY_TOO_SLOW.into(),
                ))
            })
    }
}

#[async_trait]
impl PracticeDirectory for WithDeadline {
    async fn owner_by_contract(
        &self,
        contract: &ContractNumber,
    ) -> Result<OwnerKey, DirectoryError> {
        self.bounded(self.inner.owner_by_contract(contract)).await
    }

    async fn pets_of_owner(&self, owner: &OwnerKey) -> Result<Vec<Pet>, DirectoryError> {
        self.bounded(self.inner.pets_of_owner(owner)).await
    }

    async fn owner_profile(&self, owner: &OwnerKey) -> Result<OwnerProfile, DirectoryError> {
        self.bounded(self.inner.owner_profile(owner)).await
    }
}

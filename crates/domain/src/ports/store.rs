//! Persistence ports: reads through small repositories, writes through one
//! [`UnitOfWork::commit`] so that what belongs together is stored together.

use crate::change::Change;
use crate::client::Client;
use crate::enote_link::PendingLink;
use crate::ids::{
    GroupId, MessageId, OutboxId, PendingLinkId, ThreadId, TicketId, UpdateId, UserId,
};
use crate::label::Label;
use crate::message::MessageRecord;
use crate::outbound::{Outbound, Queue};
use crate::ticket::Ticket;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

/// Why the store failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The database cannot be reached (down, restarting, pool exhausted): retry later.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// A write broke a rule the database guards (e.g. a second open ticket).
    #[error("conflicting write: {0}")]
    Conflict(String),
    /// A stored value cannot be read back (a legacy row with an impossible value).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// Anything else.
    #[error("database error: {0}")]
    Other(String),
}

/// Clients (`pp_clients`).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ClientRepository: Send + Sync {
    /// The client, if known.
    async fn get(&self, id: UserId) -> Result<Option<Client>, StoreError>;
    /// The client and their open ticket, read together: what answering a client's message
    /// starts from, in one query instead of two. Either may be missing — a new client has
    /// neither, and an appeal of the original bot's may outlive its client's row.
    async fn with_open_ticket(
        &self,
        id: UserId,
    ) -> Result<(Option<Client>, Option<Ticket>), StoreError>;
    /// The client whose current topic is `thread` of `group`. Topic numbers are per group:
    /// after a move to a new support group, topic 5 of the new group and topic 5 of the old
    /// one belong to different clients. A row that predates the stored group (NULL) counts as
    /// a topic of the group the store was opened for (the configured support group).
    async fn by_topic(
        &self,
        group: GroupId,
        thread: ThreadId,
    ) -> Result<Option<Client>, StoreError>;
    /// A topic a client left behind in an earlier support group, if `thread` of `group` is
    /// one: whose it was, and when the bot last answered a staff message there.
    async fn former_topic(
        &self,
        group: GroupId,
        thread: ThreadId,
    ) -> Result<Option<FormerTopic>, StoreError>;
}

/// A client's topic in an earlier support group (docs/operations.md: moving to a new support
/// group): staff who write there are told that the conversation moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormerTopic {
    /// Whose topic it was.
    pub client: UserId,
    /// When the bot last answered a staff message there (`None`: never).
    pub hinted_at: Option<DateTime<Utc>>,
}

/// Tickets (`tickets`).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait TicketRepository: Send + Sync {
    /// The client's open ticket (there is at most one).
    async fn open_for(&self, client: UserId) -> Result<Option<Ticket>, StoreError>;
    /// The client's most recent ticket, open or closed.
    async fn latest_for(&self, client: UserId) -> Result<Option<Ticket>, StoreError>;
    /// Open tickets whose client waits for an answer (`waiting_since` set), with the reminders
    /// already sent for that wait: what the first-response reminders look at.
    async fn waiting_for_answer(&self) -> Result<Vec<Ticket>, StoreError>;
    /// Every open appeal (at most one per client), with its client's current label and topic,
    /// in no particular order (`/queue` orders them). Read without a query per appeal.
    async fn open_appeals(&self) -> Result<Vec<OpenAppeal>, StoreError>;
    /// A ticket by id, open or closed.
    async fn by_id(&self, id: TicketId) -> Result<Option<Ticket>, StoreError>;
    /// Open tickets whose client waits for nothing (`waiting_since` unset) and whose last staff
    /// answer came at or before `answered_before`, oldest answer first: what auto-close looks
    /// at. Read through an index of open tickets, so closed ones cost nothing.
    async fn answered_before(
        &self,
        answered_before: DateTime<Utc>,
    ) -> Result<Vec<Ticket>, StoreError>;
}

/// An open appeal as `/queue` lists it: the ticket with its facts, and where staff find the
/// client now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenAppeal {
    /// The open ticket.
    pub ticket: Ticket,
    /// The client's current label (the topic's name); the ticket's own label, or the default
    /// one, if the client's row is missing.
    pub label: Label,
    /// The client's current topic (`None`: none yet, or staff deleted it).
    pub thread: Option<ThreadId>,
}

/// The facts the staff's report is computed from (`/report`, the daily report): raw rows of
/// a UTC range, the same on every backend; medians, percentiles and working time are the
/// domain's (`services::report`). Each read goes through an index on its time column, so a
/// day's report costs the same after a year of history as after a week.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ReportRepository: Send + Sync {
    /// Every appeal that touches `[from, to)` — opened, first answered, closed or rated in
    /// it — and every appeal open now; each once, in no particular order.
    async fn appeals_touching(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Ticket>, StoreError>;
    /// Staff messages relayed to clients in `[from, to)`, counted by sender (messages stored
    /// before senders were recorded are not counted).
    async fn answers_by_staff(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(UserId, u32)>, StoreError>;
    /// Appeals closed by staff (`/close`, `/close_silent`) in `[from, to)`, counted by who
    /// closed them; auto-closes are nobody's and are not counted.
    async fn closes_by_staff(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(UserId, u32)>, StoreError>;
    /// The latest day (the clinic's date) the daily report was posted for.
    async fn last_daily_report(&self) -> Result<Option<NaiveDate>, StoreError>;
}

/// Relayed messages (`messages`), looked up from either side.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MessageRepository: Send + Sync {
    /// By its id in the client's chat.
    async fn by_client_message(
        &self,
        client: UserId,
        message: MessageId,
    ) -> Result<Option<MessageRecord>, StoreError>;
    /// By its id in the support group.
    async fn by_group_message(
        &self,
        message: MessageId,
    ) -> Result<Option<MessageRecord>, StoreError>;
}

/// Pending `/enote_link` flows.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PendingLinkRepository: Send + Sync {
    /// A flow by id.
    async fn get(&self, id: PendingLinkId) -> Result<Option<PendingLink>, StoreError>;
    /// The flow `initiator` started in `thread`, if any.
    async fn of_initiator(
        &self,
        thread: ThreadId,
        initiator: UserId,
    ) -> Result<Option<PendingLink>, StoreError>;
    /// Flows expired at `now`.
    async fn expired(&self, now: DateTime<Utc>) -> Result<Vec<PendingLink>, StoreError>;
}

/// The one way to write.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UnitOfWork: Send + Sync {
    /// Applies every change in one transaction, in order: all or nothing.
    ///
    /// `OpenTicket` MUST NOT create a second open ticket for a client (it is then a no-op);
    /// `TicketRef::OpenOf` MUST resolve to the ticket opened earlier in the same commit;
    /// `Enqueue` MUST keep the order of the commit within each queue (`Outbound::queue`).
    async fn commit(&self, changes: Vec<Change>) -> Result<(), StoreError>;
}

/// An inbound update waiting to be handled.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InboxEntry {
    /// Telegram's update id.
    pub update: UpdateId,
    /// The chat it belongs to (updates of one chat are handled in order).
    pub chat: Option<i64>,
    /// The raw update (JSON), decoded by the Telegram adapter.
    pub payload: String,
}

/// An update's place in the inbox's arrival order (not Telegram's update id, which may start
/// again after a quiet week).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Arrival(pub i64);

/// The inbox: updates stored before Telegram is told they were received.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Inbox: Send + Sync {
    /// Stores a batch of updates, each once (a duplicate `update_id` is ignored), and moves the
    /// stored offset to `next_offset` — in one transaction. Returns how many were new.
    async fn store_batch(
        &self,
        updates: Vec<InboxEntry>,
        next_offset: i64,
    ) -> Result<usize, StoreError>;
    /// The offset to ask Telegram for next (last confirmed update id + 1).
    async fn offset(&self) -> Result<Option<i64>, StoreError>;
    /// Unhandled updates, oldest first.
    async fn unhandled(&self, limit: u64) -> Result<Vec<InboxEntry>, StoreError>;
    /// Unhandled updates that arrived after `after` (all of them for `None`), oldest first,
    /// each with its place in the arrival order: how the handler reads on past updates that
    /// are still being handled without reading them again.
    async fn unhandled_after(
        &self,
        after: Option<Arrival>,
        limit: u64,
    ) -> Result<Vec<(Arrival, InboxEntry)>, StoreError>;
    /// Forgets updates handled before `before` (unhandled ones are kept); returns how many.
    async fn prune(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;
}

/// A queued outbound action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Its id (order of enqueueing).
    pub id: OutboxId,
    /// The queue whose order it keeps (`Outbound::queue`).
    pub queue: Option<Queue>,
    /// What to do.
    pub action: Outbound,
    /// Failed attempts so far.
    pub attempts: u32,
    /// Not before this instant (backoff, retry_after).
    pub not_before: Option<DateTime<Utc>>,
}

/// What a queue holds at its head ([`Outbox::next_in`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueHead {
    /// Nothing waits in the queue.
    Empty,
    /// Its head must wait (a backoff, a `retry_after`), and nothing may overtake it; or it
    /// could not be read. Either way the queue is not known to be empty.
    Later,
    /// Its head, due now.
    Due(OutboxEntry),
}

impl QueueHead {
    /// The entry due now, if any.
    pub fn due(self) -> Option<OutboxEntry> {
        match self {
            QueueHead::Due(e) => Some(e),
            QueueHead::Empty | QueueHead::Later => None,
        }
    }
}

/// The outbox: outbound actions waiting for delivery.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Entries to deliver now: for each queue only its oldest entry (so the queue's order
    /// holds), due at `now`; up to `limit`, oldest first.
    async fn due(&self, now: DateTime<Utc>, limit: u64) -> Result<Vec<OutboxEntry>, StoreError>;
    /// The oldest entry of `queue` if it is due at `now` (else whether the queue is empty):
    /// what to send next to a queue whose previous entry just went out, without scanning every
    /// queue.
    async fn next_in(&self, queue: Queue, now: DateTime<Utc>) -> Result<QueueHead, StoreError>;
    /// Postpones an entry after a failed attempt.
    async fn postpone(
        &self,
        id: OutboxId,
        until: DateTime<Utc>,
        error: String,
    ) -> Result<(), StoreError>;
    /// Gives an entry up (permanent failure), keeping it for inspection.
    async fn give_up(&self, id: OutboxId, error: String) -> Result<(), StoreError>;
    /// How many entries wait.
    async fn depth(&self) -> Result<u64, StoreError>;
    /// Forgets entries delivered before `before` (given-up ones are kept for inspection);
    /// returns how many. Keeps the table small over months of running.
    async fn prune(&self, before: DateTime<Utc>) -> Result<u64, StoreError>;
}

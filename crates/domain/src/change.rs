//! Changes: what a use case decided to write. A use case reads through the repository ports,
//! decides, and hands its whole decision to [`crate::ports::UnitOfWork::commit`], which applies
//! it in one transaction — so a state change and the messages it causes (outbox entries) are
//! stored together or not at all.

use crate::client::{ClientLink, Profile};
use crate::enote_link::{NewPendingLink, PendingLink};
use crate::ids::{GroupId, OutboxId, PendingLinkId, ThreadId, TicketId, UpdateId, UserId};
use crate::label::Label;
use crate::message::{Direction, MediaKind};
use crate::outbound::Outbound;
use crate::phone::Phone;
use crate::ports::InboxEntry;
use crate::ticket::{Assignee, Rating, TakenVia};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Which ticket a message belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TicketRef {
    /// A known ticket.
    Id(TicketId),
    /// The client's open ticket, possibly opened earlier in the same commit.
    OpenOf(UserId),
}

/// A staff action, for the audit table: who did what, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// The staff member.
    pub actor: UserId,
    /// `link`, `label`, `assign`, `close`, `close_silent`, `reopen`, `auto_close`.
    pub action: String,
    /// The client acted upon.
    pub client: UserId,
    /// Details (the new label, the owner key…).
    pub detail: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// One write. Field-level on purpose: two writers changing different fields of one client never
/// lose each other's update.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    /// Create the client if missing; refresh username and names.
    UpsertClient {
        /// The client.
        client: UserId,
        /// The Telegram profile.
        profile: Profile,
    },
    /// Store a phone.
    SetPhone {
        /// The client.
        client: UserId,
        /// The normalized phone.
        phone: Phone,
        /// Shared as the client's own contact.
        confirmed: bool,
    },
    /// Remember that the bot asked for the phone.
    MarkPhonePrompted {
        /// The client.
        client: UserId,
        /// When.
        at: DateTime<Utc>,
    },
    /// Set the label (topic name).
    SetLabel {
        /// The client.
        client: UserId,
        /// The label.
        label: Label,
    },
    /// Write the Enote link.
    SetLink {
        /// The client.
        client: UserId,
        /// The link.
        link: ClientLink,
    },
    /// Set or clear the client's topic; the client's open ticket follows it.
    SetThread {
        /// The client.
        client: UserId,
        /// The topic, `None` when it is gone.
        thread: Option<ThreadId>,
    },
    /// Record which support group the client's topic lives in (with [`Change::SetThread`]
    /// when a topic is created).
    SetTopicGroup {
        /// The client.
        client: UserId,
        /// The group.
        group: GroupId,
    },
    /// Remember a topic the client leaves behind in an earlier support group, as a new one is
    /// made for them in the current group, so that staff writing there can be told where the
    /// conversation went. A topic already remembered keeps what is stored about it.
    KeepFormerTopic {
        /// Whose topic it was.
        client: UserId,
        /// The earlier group.
        group: GroupId,
        /// The topic there.
        thread: ThreadId,
    },
    /// The bot answered a staff message in a topic of an earlier support group (remembering
    /// the topic as the client's former one, if it was not yet).
    FormerTopicHinted {
        /// Whose topic it is.
        client: UserId,
        /// The earlier group.
        group: GroupId,
        /// The topic there.
        thread: ThreadId,
        /// When.
        at: DateTime<Utc>,
    },
    /// Mark whether the client blocked the bot (one notice per blocking).
    SetBlocked {
        /// The client.
        client: UserId,
        /// Blocked or not.
        blocked: bool,
    },
    /// `total_closed += 1`.
    CountClose {
        /// The client.
        client: UserId,
    },
    /// Open a ticket, unless the client already has an open one (then nothing happens).
    OpenTicket {
        /// The client.
        client: UserId,
        /// Their topic, if any.
        thread: Option<ThreadId>,
        /// Their label at opening time.
        label: Label,
        /// When.
        at: DateTime<Utc>,
    },
    /// Close an open ticket.
    CloseTicket {
        /// The ticket.
        ticket: TicketId,
        /// When.
        at: DateTime<Utc>,
    },
    /// Close an open ticket because its client has been silent since staff's last answer
    /// (auto-close). Guarded in the store: it applies only while the ticket is still open, its
    /// client does not wait, and staff's last answer came no later than `answered_before`;
    /// otherwise the whole commit fails with [`crate::ports::StoreError::Conflict`], so the
    /// notice and the count queued with it go nowhere.
    AutoCloseTicket {
        /// The ticket.
        ticket: TicketId,
        /// When.
        at: DateTime<Utc>,
        /// The silence began no later than this (now minus `AUTO_CLOSE_AFTER`).
        answered_before: DateTime<Utc>,
    },
    /// Store the client's rating of an appeal. Applied only while the appeal has none: one
    /// rating per appeal, whatever presses come later.
    RateTicket {
        /// The ticket.
        ticket: TicketId,
        /// The rating.
        rating: Rating,
        /// When.
        at: DateTime<Utc>,
    },
    /// Reopen a closed ticket.
    ReopenTicket {
        /// The ticket.
        ticket: TicketId,
        /// When.
        at: DateTime<Utc>,
    },
    /// Assign a ticket.
    AssignTicket {
        /// The ticket.
        ticket: TicketId,
        /// To whom.
        assignee: Assignee,
        /// By the take button or by `/assign`.
        via: TakenVia,
    },
    /// A first-response reminder went out for the appeal's current wait: `count` in all.
    /// Applied only while the client still waits and only upwards, so an answer that reached
    /// the client meanwhile (and reset the count) is never undone.
    ReminderSent {
        /// The ticket.
        ticket: TicketId,
        /// Reminders sent for this wait (1 or 2).
        count: u8,
    },
    /// The client was told the clinic is closed (once per appeal).
    AwaySent {
        /// The appeal, possibly opened earlier in the same commit.
        ticket: TicketRef,
        /// When.
        at: DateTime<Utc>,
    },
    /// A staff answer reached the client: the appeal's first response (if it has none yet), its
    /// last staff message; the client no longer waits, and the reminders start again from
    /// zero for the next wait.
    StaffAnswered {
        /// The ticket.
        ticket: TicketRef,
        /// When.
        at: DateTime<Utc>,
    },
    /// Record a relayed message.
    RecordMessage {
        /// The client.
        client: UserId,
        /// Its ticket.
        ticket: TicketRef,
        /// Which way.
        direction: Direction,
        /// Its id in the client's chat (known for client messages).
        client_message_id: Option<crate::ids::MessageId>,
        /// Its id in the group (known for staff messages).
        group_message_id: Option<crate::ids::MessageId>,
        /// Text or caption.
        text: Option<String>,
        /// Kind.
        media: MediaKind,
        /// When.
        at: DateTime<Utc>,
        /// Who wrote it, for a staff message (the report counts answers by sender); `None`
        /// for a client's.
        staff: Option<UserId>,
    },
    /// The daily report for `day` (the clinic's date) was queued. Guarded in the store: a day
    /// already posted fails the whole commit with [`crate::ports::StoreError::Conflict`], so
    /// the report queued with it never goes out twice.
    DailyReportPosted {
        /// The clinic's date.
        day: chrono::NaiveDate,
        /// When.
        at: DateTime<Utc>,
    },
    /// After delivery: the id of the copy on the other side.
    MapMessage {
        /// The client.
        client: UserId,
        /// Which way the message went.
        direction: Direction,
        /// The original's id (client chat for client messages, group for staff messages).
        source: crate::ids::MessageId,
        /// The copy's id on the other side.
        copy: crate::ids::MessageId,
    },
    /// Start a link flow (replacing the initiator's earlier one in the same topic).
    CreatePendingLink(NewPendingLink),
    /// Update a link flow.
    UpdatePendingLink(PendingLink),
    /// Finish a link flow.
    RemovePendingLink(PendingLinkId),
    /// Queue an outbound action.
    Enqueue(Outbound),
    /// An outbox entry was delivered (or given up).
    CompleteOutbox(OutboxId),
    /// Record a staff action.
    Audit(AuditEntry),
    /// The inbound update has been handled: its effects are in this same commit.
    InboxHandled(UpdateId),
    /// An update fresh from Telegram, not stored yet, is stored as handled together with its
    /// effects: one commit instead of two (store, then handle). The store refuses it as a
    /// conflict when the update is stored already (Telegram sent it again): then nothing of
    /// the commit is written.
    InboxArrivedHandled(InboxEntry),
    /// The inbound update failed for good: keep it with the error for an administrator, and
    /// mark it handled so its conversation moves on.
    InboxFailed {
        /// The update.
        update: UpdateId,
        /// Why it failed.
        error: String,
    },
}

/// Builds a commit fluently.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Changes(pub Vec<Change>);

impl Changes {
    /// An empty commit.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a change.
    pub fn push(&mut self, change: Change) -> &mut Self {
        self.0.push(change);
        self
    }

    /// Queues an outbound action.
    pub fn send(&mut self, action: Outbound) -> &mut Self {
        self.push(Change::Enqueue(action))
    }

    /// The queued outbound actions, in order.
    pub fn outbound(&self) -> impl Iterator<Item = &Outbound> {
        self.0.iter().filter_map(|c| match c {
            Change::Enqueue(o) => Some(o),
            _ => None,
        })
    }

    /// Whether nothing is to be written.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

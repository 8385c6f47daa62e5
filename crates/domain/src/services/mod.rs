//! The use cases. [`SupportDesk`] handles what arrives (client messages, staff messages and
//! commands, edits, button presses) and decides what to write and send; [`Delivery`] carries
//! out one queued outbound action through the chat gateway, handling Telegram's refusals
//! (deleted or closed topics, blocked clients).
//!
//! Every decision is committed at once through [`crate::ports::UnitOfWork`] together with the
//! mark that the inbound update was handled, so a crash never half-applies an update.

mod auto_close;
mod client_side;
mod commands;
mod delivery;
mod enote_link;
mod former_group;
pub mod queue;
mod rating;
mod reminders;
pub mod report;
mod staff_side;
mod take;

pub use delivery::{Delivery, DeliveryError};
// Where the handler's callers have always found them.
pub use crate::message::{Conversation, Inbound};

use crate::change::{Change, Changes, TicketRef};
use crate::ids::{GroupId, MessageId, ThreadId, UpdateId, UserId};
use crate::message::{Direction, EditedMessage, IncomingMessage, Place};
use crate::outbound::{BotText, Outbound};
use crate::ports::{
    ClientRepository, Clock, InboxEntry, LinkEvent, LinkEventLog, MessageRepository,
    PendingLinkRepository, PracticeDirectory, ReportRepository, StoreError, TicketRepository,
    UnitOfWork,
};
use crate::texts;
use crate::working_hours::Schedule;
use chrono::{DateTime, Duration, Utc};
use std::sync::Arc;

/// How handling an update in its conversation's lane ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// Decided and committed, with the update's handled mark.
    Done,
    /// It needs Enote: nothing was written; handle it off the lane with
    /// [`SupportDesk::handle_with_directory`], so that a slow Enote holds up no conversation.
    NeedsDirectory,
}

/// Settings the rules depend on.
#[derive(Debug, Clone)]
pub struct DeskSettings {
    /// The support group.
    pub group: GroupId,
    /// The bot's @username, to tell `/cmd@ThisBot` from `/cmd@OtherBot`.
    pub bot_username: Option<String>,
    /// Messages starting with this are internal notes (`NOTE_PREFIX`, default `//`).
    pub note_prefix: String,
    /// How long a pending `/enote_link` lives (`LINK_TTL`, default 10 min).
    pub link_ttl: Duration,
    /// How often the bot may ask for the phone (`PHONE_PROMPT_INTERVAL`, default 24 h).
    pub phone_prompt_interval: Duration,
    /// When the clinic answers (`WORKING_HOURS` in `TIMEZONE`; default: always).
    pub schedule: Schedule,
    /// How long a client may wait for an answer, in working time, before the topic is
    /// reminded (`FIRST_RESPONSE_TARGET`, default 15 min; `None`: no reminders).
    pub first_response_target: Option<Duration>,
    /// How long a client may stay silent after staff's last answer before the appeal closes
    /// by itself (`AUTO_CLOSE_AFTER`, default 72 h; `None`: never).
    pub auto_close_after: Option<Duration>,
    /// When the daily report is posted in General, in `TIMEZONE` (`REPORT_AT`; `None`: no
    /// daily report).
    pub report_at: Option<chrono::NaiveTime>,
}

impl DeskSettings {
    /// The default settings (README, "Configuration") for a group.
    pub fn new(group: GroupId) -> Self {
        Self {
            group,
            bot_username: None,
            note_prefix: "//".into(),
            link_ttl: Duration::minutes(10),
            phone_prompt_interval: Duration::hours(24),
            schedule: Schedule::default(),
            first_response_target: Some(Duration::minutes(15)),
            auto_close_after: Some(Duration::hours(72)),
            report_at: None,
        }
    }
}

/// The ports the desk needs.
#[derive(Clone)]
pub struct DeskPorts {
    /// Clients.
    pub clients: Arc<dyn ClientRepository>,
    /// Tickets.
    pub tickets: Arc<dyn TicketRepository>,
    /// Relayed messages.
    pub messages: Arc<dyn MessageRepository>,
    /// Pending link flows.
    pub links: Arc<dyn PendingLinkRepository>,
    /// The report's facts.
    pub reports: Arc<dyn ReportRepository>,
    /// Writes.
    pub store: Arc<dyn UnitOfWork>,
    /// Enote.
    pub directory: Arc<dyn PracticeDirectory>,
    /// `logs/enote_link.log`.
    pub link_log: Arc<dyn LinkEventLog>,
    /// Time.
    pub clock: Arc<dyn Clock>,
}

/// Why handling failed: only the store can make it fail (then the update stays unhandled and is
/// tried again); everything else becomes a visible answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeskError {
    /// Reading or committing failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The decision needs Enote, which this handling may not call (in a conversation's lane).
    /// [`SupportDesk::handle_in_lane`] turns it into [`Handled::NeedsDirectory`]; no public
    /// method returns it.
    #[error("the decision needs Enote")]
    NeedsDirectory,
}

impl DeskError {
    /// Whether trying the same update again later may succeed (the database is away), as
    /// opposed to a failure that will repeat (a value the database refuses, a broken rule).
    pub fn is_transient(&self) -> bool {
        matches!(self, DeskError::Store(StoreError::Unavailable(_)))
    }
}

/// The decision being built while handling one update.
#[derive(Default)]
pub(crate) struct Decision {
    pub changes: Changes,
    pub events: Vec<LinkEvent>,
    /// Enote, when this handling may call it.
    pub directory: Option<Arc<dyn PracticeDirectory>>,
}

impl Decision {
    fn with_directory(directory: Option<Arc<dyn PracticeDirectory>>) -> Self {
        Self {
            directory,
            ..Self::default()
        }
    }

    /// Records a message relayed between a client and their topic and queues its copy to the
    /// other side, replying to `reply_to` there (the other side's id of the message it
    /// answers).
    pub fn relay(
        &mut self,
        client: UserId,
        ticket: TicketRef,
        direction: Direction,
        msg: &IncomingMessage,
        reply_to: Option<MessageId>,
        at: DateTime<Utc>,
    ) {
        let staff = match direction {
            Direction::StaffToClient => msg.from.id,
            Direction::ClientToStaff => None,
        };
        let (client_message_id, group_message_id, copy) = match direction {
            Direction::ClientToStaff => (
                Some(msg.message_id),
                None,
                Outbound::ClientMessageToTopic {
                    client,
                    message: msg.message_id,
                    reply_to,
                },
            ),
            Direction::StaffToClient => (
                None,
                Some(msg.message_id),
                Outbound::StaffMessageToClient {
                    client,
                    message: msg.message_id,
                    reply_to,
                },
            ),
        };
        self.changes.push(Change::RecordMessage {
            client,
            ticket,
            direction,
            client_message_id,
            group_message_id,
            text: msg.content.text().map(str::to_owned),
            media: msg.content.kind(),
            at,
            staff,
        });
        self.changes.send(copy);
    }

    /// Enote, or [`DeskError::NeedsDirectory`] when this handling must not wait for it.
    pub fn directory(&self) -> Result<Arc<dyn PracticeDirectory>, DeskError> {
        self.directory.clone().ok_or(DeskError::NeedsDirectory)
    }
}

/// The support desk: every inbound update goes through [`SupportDesk::handle`].
pub struct SupportDesk {
    pub(crate) ports: DeskPorts,
    pub(crate) settings: DeskSettings,
}

impl SupportDesk {
    /// A desk over these ports.
    pub fn new(ports: DeskPorts, settings: DeskSettings) -> Self {
        Self { ports, settings }
    }

    /// The settings.
    pub fn settings(&self) -> &DeskSettings {
        &self.settings
    }

    /// Handles one update, calling Enote as needed: decides, then commits the decision with
    /// the update's handled mark.
    pub async fn handle(&self, update: UpdateId, inbound: Inbound) -> Result<(), DeskError> {
        let directory = self.ports.directory.clone();
        self.handle_with_directory(update, inbound, directory).await
    }

    /// Handles one update in its conversation's lane: everything that needs no outside system
    /// is decided and committed; an update that needs Enote is left untouched and answered
    /// [`Handled::NeedsDirectory`].
    pub async fn handle_in_lane(
        &self,
        update: UpdateId,
        inbound: &Inbound,
    ) -> Result<Handled, DeskError> {
        match self
            .decide(Change::InboxHandled(update), inbound, None)
            .await
        {
            Ok(d) => self.finish(d).await.map(|()| Handled::Done),
            Err(DeskError::NeedsDirectory) => Ok(Handled::NeedsDirectory),
            Err(e) => Err(e),
        }
    }

    /// Handles an update fresh from Telegram that is not stored yet, in its conversation's
    /// lane: when it needs no outside system, it is stored as handled in the same commit as
    /// its effects ([`Change::InboxArrivedHandled`]) — one commit on the update's way instead
    /// of two. Anything but [`Handled::Done`] (it needs Enote, or the store refused it, e.g.
    /// because Telegram sent it again) has written nothing: the caller stores the update in the
    /// inbox and it is handled from there.
    pub async fn handle_on_arrival(
        &self,
        entry: &InboxEntry,
        inbound: &Inbound,
    ) -> Result<Handled, DeskError> {
        let mark = Change::InboxArrivedHandled(entry.clone());
        match self.decide(mark, inbound, None).await {
            Ok(d) => self.finish(d).await.map(|()| Handled::Done),
            Err(DeskError::NeedsDirectory) => Ok(Handled::NeedsDirectory),
            Err(e) => Err(e),
        }
    }

    /// Handles one update with `directory` as Enote (the caller bounds its time).
    pub async fn handle_with_directory(
        &self,
        update: UpdateId,
        inbound: Inbound,
        directory: Arc<dyn PracticeDirectory>,
    ) -> Result<(), DeskError> {
        let d = self
            .decide(Change::InboxHandled(update), &inbound, Some(directory))
            .await?;
        self.finish(d).await
    }

    /// Decides what `inbound` calls for; `mark` (the update's handled mark) is committed with
    /// it.
    async fn decide(
        &self,
        mark: Change,
        inbound: &Inbound,
        directory: Option<Arc<dyn PracticeDirectory>>,
    ) -> Result<Decision, DeskError> {
        let mut d = Decision::with_directory(directory);
        match inbound {
            Inbound::Message(msg) => self.on_message(msg, &mut d).await?,
            Inbound::Edited(edit) => self.on_edit(edit, &mut d).await?,
            Inbound::Button(press) => self.on_button(press, &mut d).await?,
            Inbound::Ignored => {}
        }
        d.changes.push(mark);
        Ok(d)
    }

    /// Gives an update up after it failed for good: it is kept with `error` for an
    /// administrator, marked handled so its conversation moves on, and the staff see a short
    /// notice where it happened (the topic, General, or the client's topic).
    pub async fn give_up(
        &self,
        update: UpdateId,
        inbound: &Inbound,
        error: &str,
    ) -> Result<(), DeskError> {
        let mut changes = Changes::new();
        changes.push(Change::InboxFailed {
            update,
            error: error.to_owned(),
        });
        let notice = match inbound {
            Inbound::Message(m) => match m.place {
                Place::SupportGroup { thread, .. } => Some((thread, Some(m.message_id))),
                Place::Private(user) => Some((self.topic_of(user).await, None)),
                // Not the support group: nobody there is owed a notice.
                Place::Elsewhere | Place::OtherGroupTopic { .. } => None,
            },
            Inbound::Edited(e) => match e.place {
                Place::SupportGroup { thread, .. } => Some((thread, None)),
                Place::Private(user) => Some((self.topic_of(user).await, None)),
                Place::Elsewhere | Place::OtherGroupTopic { .. } => None,
            },
            Inbound::Button(b) => match b.place {
                Place::SupportGroup { thread, .. } => Some((thread, None)),
                _ => None,
            },
            Inbound::Ignored => None,
        };
        if let Some((thread, reply_to)) = notice {
            changes.send(Outbound::TextToGroup {
                thread,
                text: BotText::new(texts::update_failed(error)),
                reply_to,
            });
        }
        Ok(self.ports.store.commit(changes.0).await?)
    }

    /// The client's topic, if the store can tell (a notice goes to General otherwise).
    async fn topic_of(&self, user: UserId) -> Option<ThreadId> {
        self.ports
            .clients
            .get(user)
            .await
            .ok()
            .flatten()
            .and_then(|c| c.topic_in(self.settings.group))
    }

    /// Ends link flows whose time ran out (run periodically).
    pub async fn expire_links(&self) -> Result<usize, DeskError> {
        let mut d = Decision::with_directory(None);
        let n = self.expire_pending_links(&mut d).await?;
        if n > 0 {
            self.finish(d).await?;
        }
        Ok(n)
    }

    async fn finish(&self, d: Decision) -> Result<(), DeskError> {
        self.ports.store.commit(d.changes.0).await?;
        for event in d.events {
            self.ports.link_log.record(event).await;
        }
        Ok(())
    }

    async fn on_message(&self, msg: &IncomingMessage, d: &mut Decision) -> Result<(), DeskError> {
        if msg.from.is_bot {
            return Ok(());
        }
        match msg.place {
            Place::Private(user) => self.on_client_message(user, msg, d).await,
            Place::SupportGroup { group, thread } if group == self.settings.group => {
                self.on_staff_message(thread, msg, d).await
            }
            Place::OtherGroupTopic { group, thread } if group != self.settings.group => {
                self.on_former_topic_message(group, thread, msg, d).await
            }
            _ => Ok(()),
        }
    }

    async fn on_edit(&self, edit: &EditedMessage, d: &mut Decision) -> Result<(), DeskError> {
        if edit.from.is_bot {
            return Ok(());
        }
        match edit.place {
            Place::Private(user) => self.on_client_edit(user, edit, d).await,
            Place::SupportGroup {
                group,
                thread: Some(_),
            } if group == self.settings.group => self.on_staff_edit(edit, d).await,
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests;

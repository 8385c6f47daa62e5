//! The use cases. [`SupportDesk`] handles what arrives (client messages, staff messages and
//! commands, edits, button presses) and decides what to write and send; [`Delivery`] carries
//! out one queued outbound action through the chat gateway, handling Telegram's refusals
//! (deleted or closed topics, blocked clients).
//!
//! Every decision is committed at once through [`crate::ports::UnitOfWork`] together with the
//! mark that the inbound update was handled, so a crash never half-applies an update.

mod client_side;
mod commands;
mod delivery;
mod enote_link;
mod staff_side;

pub use delivery::{Delivery, DeliveryError};

use crate::change::{Change, Changes};
use crate::ids::{GroupId, UpdateId};
use crate::message::{ButtonPress, EditedMessage, IncomingMessage, Place};
use crate::ports::{
    ClientRepository, Clock, LinkEvent, LinkEventLog, MessageRepository, PendingLinkRepository,
    PracticeDirectory, StoreError, TicketRepository, UnitOfWork,
};
use chrono::Duration;
use std::sync::Arc;

/// What arrived from Telegram, decoded by the adapter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// A new message.
    Message(IncomingMessage),
    /// An edited message.
    Edited(EditedMessage),
    /// An inline-button press.
    Button(ButtonPress),
    /// Anything the bot does not act on (kept so its update is still marked handled).
    Ignored,
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
}

impl DeskSettings {
    /// The defaults of SPEC §9 for a group.
    pub fn new(group: GroupId) -> Self {
        Self {
            group,
            bot_username: None,
            note_prefix: "//".into(),
            link_ttl: Duration::minutes(10),
            phone_prompt_interval: Duration::hours(24),
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
}

/// The decision being built while handling one update.
#[derive(Debug, Default)]
pub(crate) struct Decision {
    pub changes: Changes,
    pub events: Vec<LinkEvent>,
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

    /// Handles one update: decides, then commits the decision with the update's handled mark.
    pub async fn handle(&self, update: UpdateId, inbound: Inbound) -> Result<(), DeskError> {
        let mut d = Decision::default();
        match &inbound {
            Inbound::Message(msg) => self.on_message(msg, &mut d).await?,
            Inbound::Edited(edit) => self.on_edit(edit, &mut d).await?,
            Inbound::Button(press) => self.on_button(press, &mut d).await?,
            Inbound::Ignored => {}
        }
        d.changes.push(Change::InboxHandled(update));
        self.finish(d).await
    }

    /// Ends link flows whose time ran out (run periodically).
    pub async fn expire_links(&self) -> Result<usize, DeskError> {
        let mut d = Decision::default();
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
            Place::Private(user) => self.client_message(user, msg, d).await,
            Place::SupportGroup { group, thread } if group == self.settings.group => {
                self.staff_message(thread, msg, d).await
            }
            _ => Ok(()),
        }
    }

    async fn on_edit(&self, edit: &EditedMessage, d: &mut Decision) -> Result<(), DeskError> {
        if edit.from.is_bot {
            return Ok(());
        }
        match edit.place {
            Place::Private(user) => self.client_edit(user, edit, d).await,
            Place::SupportGroup {
                group,
                thread: Some(_),
            } if group == self.settings.group => self.staff_edit(edit, d).await,
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
pub(crate) mod testkit;
#[cfg(test)]
mod tests_client;
#[cfg(test)]
mod tests_delivery;
#[cfg(test)]
mod tests_link;
#[cfg(test)]
mod tests_staff;

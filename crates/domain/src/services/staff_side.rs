//! The staff's side (docs/product-rules.md: the staff's side): messages in a client's topic go to the client, replies and edits
//! are mapped, internal notes stay in the topic, commands are dispatched.

use super::rating::RateButton;
use super::take::TakeButton;
use super::{Decision, DeskError, SupportDesk};
use crate::change::{Change, TicketRef};
use crate::command::Command;
use crate::enote_link::{LinkState, parse_button_data};
use crate::ids::ThreadId;
use crate::message::{ButtonPress, Content, Direction, EditedMessage, IncomingMessage, Place};
use crate::outbound::{BotText, Outbound};
use crate::texts;

impl SupportDesk {
    pub(super) async fn on_staff_message(
        &self,
        thread: Option<ThreadId>,
        msg: &IncomingMessage,
        d: &mut Decision,
    ) -> Result<(), DeskError> {
        if msg.content == Content::Service {
            return Ok(());
        }
        let text = msg.content.text().unwrap_or("");
        if !self.settings.note_prefix.is_empty() && text.starts_with(&self.settings.note_prefix) {
            return Ok(());
        }
        if let Some(cmd) = Command::parse(text, self.settings.bot_username.as_deref()) {
            return self.staff_command(cmd, thread, msg, d).await;
        }
        // General-topic chatter and staff's own topics are not client conversations.
        let Some(thread) = thread else {
            return Ok(());
        };
        // By group and number: a topic of the same number left in an earlier group is not
        // this one.
        let Some(client) = self
            .ports
            .clients
            .by_topic(self.settings.group, thread)
            .await?
        else {
            return Ok(());
        };
        let Some(staff) = msg.from.id else {
            return Ok(());
        };

        if let Content::Text(typed) = &msg.content
            && let Some(pending) = self.ports.links.of_initiator(thread, staff).await?
            && pending.state == LinkState::AwaitingContract
            && !pending.is_expired(self.ports.clock.now())
            && self.answers_contract_prompt(typed, msg).await?
        {
            return self.contract_typed(pending, &client, typed, msg, d).await;
        }

        let now = self.ports.clock.now();
        let ticket = match self.ports.tickets.open_for(client.id).await? {
            Some(t) => TicketRef::Id(t.id),
            // Writing to a client between appeals belongs to the last appeal.
            None => match self.ports.tickets.latest_for(client.id).await? {
                Some(t) => TicketRef::Id(t.id),
                None => {
                    d.changes.push(Change::OpenTicket {
                        client: client.id,
                        thread: Some(thread),
                        label: client.display_label(),
                        at: now,
                    });
                    TicketRef::OpenOf(client.id)
                }
            },
        };
        let reply_to = match msg.reply_to {
            Some(r) => self
                .ports
                .messages
                .by_group_message(r)
                .await?
                .filter(|m| m.client == client.id)
                .and_then(|m| m.client_message_id),
            None => None,
        };
        d.relay(
            client.id,
            ticket,
            Direction::StaffToClient,
            msg,
            reply_to,
            now,
        );
        Ok(())
    }

    /// Whether a text of the staff member who started `/enote_link` is their contract number:
    /// a reply to one of the bot's own messages (the prompt), or a lone contract-like word. A
    /// reply to the client's message, or a sentence, is meant for the client.
    async fn answers_contract_prompt(
        &self,
        typed: &str,
        msg: &IncomingMessage,
    ) -> Result<bool, DeskError> {
        if let Some(target) = msg.reply_to {
            let relayed = self.ports.messages.by_group_message(target).await?;
            let to_bot = msg.reply_to_sender.as_ref().is_some_and(|s| s.is_bot);
            return Ok(relayed.is_none() && to_bot);
        }
        Ok(crate::contract::ContractNumber::looks_like(typed))
    }

    pub(super) async fn on_staff_edit(
        &self,
        edit: &EditedMessage,
        d: &mut Decision,
    ) -> Result<(), DeskError> {
        let Some(text) = edit.content.text() else {
            return Ok(());
        };
        if text.starts_with(&self.settings.note_prefix) {
            return Ok(());
        }
        let Some(record) = self
            .ports
            .messages
            .by_group_message(edit.message_id)
            .await?
        else {
            return Ok(());
        };
        if record.direction != Direction::StaffToClient {
            return Ok(());
        }
        if let Some(copy) = record.client_message_id {
            d.changes.send(Outbound::EditInClient {
                client: record.client,
                message: copy,
                text: text.to_owned(),
                caption: edit.content.kind().has_caption(),
            });
        }
        Ok(())
    }

    pub(super) async fn on_button(
        &self,
        press: &ButtonPress,
        d: &mut Decision,
    ) -> Result<(), DeskError> {
        // A client's rating, in their own chat (and so in their own lane).
        if let Place::Private(user) = press.place
            && press.from.id == Some(user)
            && let Some(button) = RateButton::parse(&press.data)
        {
            return self.rate_pressed(user, button, press, d).await;
        }
        let in_group = matches!(press.place, Place::SupportGroup { group, .. } if group == self.settings.group);
        if in_group
            && let Some(who) = press.from.id
            && let Some(button) = TakeButton::parse(&press.data)
        {
            return self.take_pressed(button, who, press, d).await;
        }
        match (in_group, parse_button_data(&press.data), press.from.id) {
            (true, Some((decision, id)), Some(who)) => {
                self.link_button(decision, id, who, press, d).await
            }
            _ => {
                d.changes.send(Outbound::AnswerButton {
                    callback_id: press.callback_id.clone(),
                    text: texts::PRESS_UNKNOWN.into(),
                });
                Ok(())
            }
        }
    }

    /// A short answer in the topic (or in General) to a staff message.
    pub(super) fn answer_in_group(
        &self,
        thread: Option<ThreadId>,
        msg: &IncomingMessage,
        html: impl Into<String>,
        d: &mut Decision,
    ) {
        d.changes.send(Outbound::TextToGroup {
            thread,
            text: BotText::new(html),
            reply_to: Some(msg.message_id),
        });
    }
}

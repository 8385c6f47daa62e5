//! The client's side (docs/product-rules.md: the client's side): `/start`, sharing the phone, messages relayed into the topic,
//! edits mirrored.

use super::{Decision, DeskError, SupportDesk};
use crate::change::{Change, TicketRef};
use crate::client::{Client, Profile};
use crate::command::Command;
use crate::ids::UserId;
use crate::message::{Content, Direction, EditedMessage, IncomingMessage, Sender};
use crate::outbound::{BotText, Buttons, Outbound};
use crate::phone::Phone;
use crate::texts;
use crate::ticket::Ticket;
use chrono::{DateTime, Utc};

impl From<&Sender> for Profile {
    fn from(s: &Sender) -> Self {
        let clean = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Profile {
            username: clean(&s.username),
            first_name: clean(&s.first_name),
            last_name: clean(&s.last_name),
        }
    }
}

impl SupportDesk {
    pub(super) async fn on_client_message(
        &self,
        user: UserId,
        msg: &IncomingMessage,
        d: &mut Decision,
    ) -> Result<(), DeskError> {
        let (client, open) = self.known_client(user, &msg.from, d).await?;
        let now = self.ports.clock.now();
        match &msg.content {
            Content::Service => Ok(()),
            Content::Text(text)
                if Command::parse(text, self.settings.bot_username.as_deref())
                    == Some(Command::Start) =>
            {
                self.greet(&client, now, d);
                Ok(())
            }
            Content::Contact { phone, user_id } if *user_id == Some(user.get()) => {
                self.own_contact(&client, phone, d);
                Ok(())
            }
            Content::Contact { .. } if !client.phone_confirmed => {
                // Someone else's card: it is content for staff, but not the client's phone.
                d.changes.send(Outbound::TextToClient {
                    client: user,
                    text: BotText::new(texts::PHONE_NOT_YOURS),
                });
                self.relay_to_topic(&client, open, msg, now, d).await
            }
            _ => {
                self.relay_to_topic(&client, open, msg, now, d).await?;
                if self.should_prompt(&client, now) {
                    self.prompt_phone(user, texts::ASK_PHONE, now, d);
                }
                Ok(())
            }
        }
    }

    /// Loads the client with their open ticket (one read), creating or refreshing their
    /// profile as part of the decision.
    async fn known_client(
        &self,
        user: UserId,
        from: &Sender,
        d: &mut Decision,
    ) -> Result<(Client, Option<Ticket>), DeskError> {
        let (stored, open) = self.ports.clients.with_open_ticket(user).await?;
        let profile = Profile::from(from);
        let mut client = stored.clone().unwrap_or_else(|| Client::new(user));
        if stored.is_none() || !profile.matches(&client) {
            d.changes.push(Change::UpsertClient {
                client: user,
                profile: profile.clone(),
            });
            client.username = profile.username;
            client.first_name = profile.first_name;
            client.last_name = profile.last_name;
        }
        if client.blocked {
            // They write to us, so they have unblocked the bot.
            d.changes.push(Change::SetBlocked {
                client: user,
                blocked: false,
            });
            client.blocked = false;
        }
        Ok((client, open))
    }

    fn should_prompt(&self, client: &Client, now: DateTime<Utc>) -> bool {
        !client.phone_confirmed
            && client
                .last_phone_prompt_at
                .is_none_or(|at| now - at >= self.settings.phone_prompt_interval)
    }

    fn prompt_phone(&self, user: UserId, text: &str, now: DateTime<Utc>, d: &mut Decision) {
        d.changes.send(Outbound::TextToClient {
            client: user,
            text: BotText::new(text).with_buttons(Buttons::RequestContact {
                caption: texts::SHARE_PHONE_BUTTON.into(),
            }),
        });
        d.changes.push(Change::MarkPhonePrompted {
            client: user,
            at: now,
        });
    }

    fn greet(&self, client: &Client, now: DateTime<Utc>, d: &mut Decision) {
        if self.should_prompt(client, now) {
            let text = format!("{}\n\n{}", texts::GREETING, texts::ASK_PHONE);
            self.prompt_phone(client.id, &text, now, d);
        } else {
            d.changes.send(Outbound::TextToClient {
                client: client.id,
                text: BotText::new(texts::GREETING),
            });
        }
    }

    fn own_contact(&self, client: &Client, raw: &str, d: &mut Decision) {
        let phone = match Phone::parse(raw) {
            Ok(p) => p,
            Err(_) => {
                d.changes.send(Outbound::TextToClient {
                    client: client.id,
                    text: BotText::new(texts::PHONE_UNREADABLE),
                });
                return;
            }
        };
        d.changes.push(Change::SetPhone {
            client: client.id,
            phone: phone.clone(),
            confirmed: true,
        });
        d.changes.send(Outbound::TextToClient {
            client: client.id,
            text: BotText::new(texts::PHONE_THANKS).with_buttons(Buttons::RemoveKeyboard),
        });
        if client.topic_in(self.settings.group).is_some() {
            d.changes.send(Outbound::TextToTopic {
                client: client.id,
                text: BotText::new(texts::phone_confirmed(&phone.to_string())),
                reply_to: None,
            });
        }
    }

    /// Records the message and queues its copy into the topic; opens a ticket when none is open
    /// (`open`, read with the client), announcing it to staff with the take button, and tells
    /// a client who opens it while the clinic is closed when it answers.
    async fn relay_to_topic(
        &self,
        client: &Client,
        open: Option<Ticket>,
        msg: &IncomingMessage,
        now: DateTime<Utc>,
        d: &mut Decision,
    ) -> Result<(), DeskError> {
        let (ticket, away_due) = match open {
            // An appeal opened without the client (by staff writing first) is still theirs to
            // open: their first message in it counts as the opening one.
            Some(t) => (
                TicketRef::Id(t.id),
                t.away_sent_at.is_none() && t.last_client_message_at.is_none(),
            ),
            None => {
                d.changes.push(Change::OpenTicket {
                    client: client.id,
                    thread: client.topic_in(self.settings.group),
                    label: client.display_label(),
                    at: now,
                });
                // A new client's topic does not exist yet: its card carries the button.
                if client.topic_in(self.settings.group).is_some() {
                    self.announce_new_appeal(client.id, d);
                }
                (TicketRef::OpenOf(client.id), true)
            }
        };
        let reply_to = match msg.reply_to {
            Some(r) => self
                .ports
                .messages
                .by_client_message(client.id, r)
                .await?
                .and_then(|m| m.group_message_id),
            None => None,
        };
        d.relay(
            client.id,
            ticket,
            Direction::ClientToStaff,
            msg,
            reply_to,
            now,
        );
        if away_due && let Some(away) = self.settings.schedule.away_message(now) {
            d.changes.send(Outbound::TextToClient {
                client: client.id,
                text: BotText::new(away),
            });
            d.changes.push(Change::AwaySent { ticket, at: now });
        }
        Ok(())
    }

    pub(super) async fn on_client_edit(
        &self,
        user: UserId,
        edit: &EditedMessage,
        d: &mut Decision,
    ) -> Result<(), DeskError> {
        let Some(text) = edit.content.text() else {
            return Ok(());
        };
        let record = self
            .ports
            .messages
            .by_client_message(user, edit.message_id)
            .await?;
        match record {
            Some(r) => {
                // Not copied yet: the pending copy will carry the new content.
                if let Some(copy) = r.group_message_id {
                    d.changes.send(Outbound::EditInTopic {
                        client: user,
                        message: copy,
                        text: text.to_owned(),
                        caption: edit.content.kind().has_caption(),
                    });
                }
            }
            None => {
                let has_topic = self
                    .ports
                    .clients
                    .get(user)
                    .await?
                    .is_some_and(|c| c.topic_in(self.settings.group).is_some());
                if has_topic {
                    d.changes.send(Outbound::TextToTopic {
                        client: user,
                        text: BotText::new(texts::client_edited(text)),
                        reply_to: None,
                    });
                }
            }
        }
        Ok(())
    }
}

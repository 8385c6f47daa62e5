//! Staff commands inside a client's topic (docs/product-rules.md: the staff's side): `/phone` `/client` `/patient`
//! `/auto_label` `/label` `/assign` `/close` `/close_silent` `/reopen` `/help`, and the start
//! of `/enote_link`.

use super::{Decision, DeskError, SupportDesk};
use crate::card::client_card;
use crate::change::{AuditEntry, Change};
use crate::client::Client;
use crate::command::Command;
use crate::ids::{ThreadId, UserId};
use crate::label::{Label, LabelError, MAX_LABEL_CHARS, auto_label};
use crate::message::IncomingMessage;
use crate::outbound::{BotText, Outbound};
use crate::ports::DirectoryError;
use crate::texts;
use crate::ticket::{Assignee, TakenVia, Ticket, Username};

impl SupportDesk {
    pub(super) async fn staff_command(
        &self,
        cmd: Command,
        thread: Option<ThreadId>,
        msg: &IncomingMessage,
        d: &mut Decision,
    ) -> Result<(), DeskError> {
        if cmd == Command::Help {
            let help = texts::help_with_prefix(&self.settings.note_prefix);
            self.answer_in_group(thread, msg, help, d);
            return Ok(());
        }
        if matches!(cmd, Command::Start) {
            return Ok(());
        }
        let client = match thread {
            Some(t) => self.ports.clients.by_thread(t).await?,
            None => None,
        };
        let (Some(thread), Some(client), Some(actor)) = (thread, client, msg.from.id) else {
            self.answer_in_group(thread, msg, texts::ONLY_IN_TOPIC, d);
            return Ok(());
        };
        let now = self.ports.clock.now();
        let audit = |action: &str, detail: String| {
            Change::Audit(AuditEntry {
                actor,
                action: action.into(),
                client: client.id,
                detail,
                at: now,
            })
        };
        let reply =
            |d: &mut Decision, html: String| self.answer_in_group(Some(thread), msg, html, d);

        match cmd {
            Command::Card => reply(d, client_card(&client)),
            Command::EnoteLink => self.start_link(thread, &client, actor, msg, d),
            Command::Patient => {
                let text = match self.owner_pets(&client, d).await? {
                    Ok(pets) => texts::pets(&pets),
                    Err(text) => text,
                };
                reply(d, text);
            }
            Command::Cancel => self.cancel_link(thread, &client, actor, msg, d).await?,
            Command::AutoLabel => match self.build_auto_label(&client, d).await? {
                Ok(label) => {
                    self.set_label(&client, label.clone(), d);
                    d.changes.push(audit("auto_label", label.to_string()));
                    reply(d, texts::label_set(label.as_str()));
                }
                Err(text) => reply(d, text),
            },
            Command::Label(text) => match Label::new(&text) {
                Ok(label) => {
                    self.set_label(&client, label.clone(), d);
                    d.changes.push(audit("label", label.to_string()));
                    reply(d, texts::label_set(label.as_str()));
                }
                Err(LabelError::Empty) => reply(d, texts::LABEL_USAGE.into()),
                Err(LabelError::TooLong(n)) => reply(d, texts::label_too_long(n, MAX_LABEL_CHARS)),
            },
            Command::Assign(username) => {
                let assignee = match (&msg.reply_to_sender, username) {
                    (Some(s), _) if !s.is_bot && s.id.is_some() => Assignee::Staff {
                        id: s.id.unwrap_or(actor),
                        name: s.display(),
                    },
                    (_, Some(u)) => match Username::parse(&u) {
                        Ok(u) => Assignee::Username(u.into()),
                        Err(e) => {
                            reply(d, texts::bad_username(&e));
                            return Ok(());
                        }
                    },
                    _ => Assignee::Staff {
                        id: actor,
                        name: msg.from.display(),
                    },
                };
                match self.current_ticket(client.id).await? {
                    Some(t) => {
                        d.changes.push(Change::AssignTicket {
                            ticket: t.id,
                            assignee: assignee.clone(),
                            via: TakenVia::Command,
                        });
                        d.changes.push(audit("assign", assignee.stored()));
                        reply(d, texts::assigned(&assignee.to_string()));
                    }
                    None => reply(d, texts::NO_TICKET.into()),
                }
            }
            Command::Close | Command::CloseSilent => {
                let silent = cmd == Command::CloseSilent;
                match self.ports.tickets.open_for(client.id).await? {
                    Some(t) => {
                        d.changes.push(Change::CloseTicket {
                            ticket: t.id,
                            at: now,
                        });
                        d.changes.push(Change::CountClose { client: client.id });
                        let action = if silent { "close_silent" } else { "close" };
                        d.changes.push(audit(action, format!("ticket {}", t.id)));
                        if silent {
                            reply(d, texts::CLOSED_SILENTLY.into());
                        } else {
                            d.changes.send(Outbound::TextToClient {
                                client: client.id,
                                text: BotText::new(texts::CLOSED_FOR_CLIENT),
                            });
                            reply(d, texts::CLOSED_AND_TOLD.into());
                        }
                    }
                    None => {
                        let latest = self.ports.tickets.latest_for(client.id).await?;
                        let text = if latest.is_some() {
                            texts::ALREADY_CLOSED
                        } else {
                            texts::NO_TICKET
                        };
                        reply(d, text.into());
                    }
                }
            }
            Command::Reopen => match self.ports.tickets.latest_for(client.id).await? {
                None => reply(d, texts::NO_TICKET.into()),
                Some(t) if t.is_open() => reply(d, texts::ALREADY_OPEN.into()),
                Some(t) => {
                    d.changes.push(Change::ReopenTicket {
                        ticket: t.id,
                        at: now,
                    });
                    d.changes.push(audit("reopen", format!("ticket {}", t.id)));
                    reply(d, texts::REOPENED.into());
                }
            },
            Command::Unknown(name) => reply(d, texts::unknown_command(&name)),
            Command::Help | Command::Start => {}
        }
        Ok(())
    }

    /// The open ticket, else the latest one.
    async fn current_ticket(&self, client: UserId) -> Result<Option<Ticket>, DeskError> {
        if let Some(t) = self.ports.tickets.open_for(client).await? {
            return Ok(Some(t));
        }
        Ok(self.ports.tickets.latest_for(client).await?)
    }

    fn set_label(&self, client: &Client, label: Label, d: &mut Decision) {
        d.changes.push(Change::SetLabel {
            client: client.id,
            label: label.clone(),
        });
        d.changes.send(Outbound::RenameTopic {
            client: client.id,
            label,
        });
    }

    /// The linked owner's live pets, or the sentence staff should read instead.
    async fn owner_pets(
        &self,
        client: &Client,
        d: &Decision,
    ) -> Result<Result<Vec<crate::owner::Pet>, String>, DeskError> {
        let Some(link) = client.link.as_ref() else {
            return Ok(Err(texts::NOT_LINKED.to_owned()));
        };
        Ok(d.directory()?
            .pets_of_owner(&link.owner_key)
            .await
            .map_err(|e| texts::directory_failure(&e)))
    }

    async fn build_auto_label(
        &self,
        client: &Client,
        d: &Decision,
    ) -> Result<Result<Label, String>, DeskError> {
        let Some(link) = client.link.as_ref() else {
            return Ok(Err(texts::NOT_LINKED.to_owned()));
        };
        let given = match d.directory()?.owner_profile(&link.owner_key).await {
            Ok(profile) => profile.given_name(),
            // Enote no longer knows the owner by key: the name stored with the link still serves.
            Err(DirectoryError::NotFound) => link
                .owner_name
                .as_deref()
                .map(crate::owner::given_name_from_full)
                .unwrap_or_default(),
            Err(e) => return Ok(Err(texts::directory_failure(&e))),
        };
        let pets = match self.owner_pets(client, d).await? {
            Ok(pets) => pets,
            Err(text) => return Ok(Err(text)),
        };
        Ok(auto_label(&given, &pets).map_err(|_| texts::AUTO_LABEL_IMPOSSIBLE.to_owned()))
    }
}

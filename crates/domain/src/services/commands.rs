//! Staff commands (docs/product-rules.md: the staff's side): `/phone` `/client` `/patient`
//! `/auto_label` `/label` `/assign` `/close` `/close_silent` `/reopen`, the start of
//! `/enote_link` and `/cancel` work inside a client's topic; `/help`, `/queue` (`queue.rs`)
//! and `/report` (`report.rs`) anywhere in the group.

use super::{Decision, DeskError, SupportDesk};
use crate::card::client_card;
use crate::change::{AuditEntry, Change};
use crate::client::Client;
use crate::command::Command;
use crate::ids::{ThreadId, UserId};
use crate::label::{Label, LabelError, MAX_LABEL_CHARS, auto_label};
use crate::message::IncomingMessage;
use crate::outbound::Outbound;
use crate::ports::DirectoryError;
use crate::texts;
use crate::ticket::{Assignee, TakenVia, Ticket, Username};
use chrono::{DateTime, Utc};

/// A command in a client's topic: where, about whom, by whom, when.
struct InTopic<'a> {
    thread: ThreadId,
    client: &'a Client,
    actor: UserId,
    msg: &'a IncomingMessage,
    now: DateTime<Utc>,
}

impl InTopic<'_> {
    /// The audit row of what the command did.
    fn audit(&self, action: &str, detail: String) -> Change {
        Change::Audit(AuditEntry {
            actor: self.actor,
            action: action.into(),
            client: self.client.id,
            detail,
            at: self.now,
        })
    }
}

impl SupportDesk {
    pub(super) async fn staff_command(
        &self,
        cmd: Command,
        thread: Option<ThreadId>,
        msg: &IncomingMessage,
        d: &mut Decision,
    ) -> Result<(), DeskError> {
        match cmd {
            Command::Start => return Ok(()),
            Command::Help => {
                let help = texts::help_with_prefix(&self.settings.note_prefix);
                self.answer_in_group(thread, msg, help, d);
                return Ok(());
            }
            // The queue is about every client, so it needs no topic: General or any topic will do.
            Command::Queue => {
                let text = self.queue().await?;
                self.answer_in_group(thread, msg, text, d);
                return Ok(());
            }
            // About everyone too: the text where it was asked, the chart right after it.
            Command::Report(args) => {
                match super::report::report_days(&args) {
                    Some(days) => {
                        let (text, days) = self.report(days, false).await?;
                        self.answer_in_group(thread, msg, text, d);
                        d.changes.send(Outbound::ChartToGroup { thread, days });
                    }
                    None => self.answer_in_group(thread, msg, texts::REPORT_USAGE, d),
                }
                return Ok(());
            }
            _ => {}
        }
        let client = match thread {
            Some(t) => self.ports.clients.by_topic(self.settings.group, t).await?,
            None => None,
        };
        let (Some(thread), Some(client), Some(actor)) = (thread, client, msg.from.id) else {
            self.answer_in_group(thread, msg, texts::ONLY_IN_TOPIC, d);
            return Ok(());
        };
        let at = InTopic {
            thread,
            client: &client,
            actor,
            msg,
            now: self.ports.clock.now(),
        };
        match cmd {
            Command::Card => self.reply(&at, client_card(&client), d),
            Command::EnoteLink => self.start_link(thread, &client, actor, msg, d),
            Command::Cancel => self.cancel_link(thread, &client, actor, msg, d).await?,
            Command::Patient => {
                let text = match self.owner_pets(&client, d).await? {
                    Ok(pets) => texts::pets(&pets),
                    Err(text) => text,
                };
                self.reply(&at, text, d);
            }
            Command::AutoLabel => match self.build_auto_label(&client, d).await? {
                Ok(label) => self.relabel(&at, label, "auto_label", d),
                Err(text) => self.reply(&at, text, d),
            },
            Command::Label(text) => match Label::new(&text) {
                Ok(label) => self.relabel(&at, label, "label", d),
                Err(LabelError::Empty) => self.reply(&at, texts::LABEL_USAGE.into(), d),
                Err(LabelError::TooLong(n)) => {
                    self.reply(&at, texts::label_too_long(n, MAX_LABEL_CHARS), d)
                }
            },
            Command::Assign(username) => self.assign(&at, username, d).await?,
            Command::Close => self.close(&at, false, d).await?,
            Command::CloseSilent => self.close(&at, true, d).await?,
            Command::Reopen => self.reopen(&at, d).await?,
            Command::Unknown(name) => self.reply(&at, texts::unknown_command(&name), d),
            Command::Help | Command::Start | Command::Queue | Command::Report(_) => {}
        }
        Ok(())
    }

    fn reply(&self, at: &InTopic<'_>, html: String, d: &mut Decision) {
        self.answer_in_group(Some(at.thread), at.msg, html, d);
    }

    /// `/label`, `/auto_label`: the new name, stored and shown, and audited as `action`.
    fn relabel(&self, at: &InTopic<'_>, label: Label, action: &str, d: &mut Decision) {
        self.set_label(at.client, label.clone(), d);
        d.changes.push(at.audit(action, label.to_string()));
        self.reply(at, texts::label_set(label.as_str()), d);
    }

    /// `/assign`: to the staff member replied to, to `@username`, or to the sender.
    async fn assign(
        &self,
        at: &InTopic<'_>,
        username: Option<String>,
        d: &mut Decision,
    ) -> Result<(), DeskError> {
        let msg = at.msg;
        let assignee = match (&msg.reply_to_sender, username) {
            (Some(s), _) if !s.is_bot && s.id.is_some() => Assignee::Staff {
                id: s.id.unwrap_or(at.actor),
                name: s.display(),
            },
            (_, Some(u)) => match Username::parse(&u) {
                Ok(u) => Assignee::Username(u.into()),
                Err(e) => {
                    self.reply(at, texts::bad_username(&e), d);
                    return Ok(());
                }
            },
            _ => Assignee::Staff {
                id: at.actor,
                name: msg.from.display(),
            },
        };
        match self.current_ticket(at.client.id).await? {
            Some(t) => {
                d.changes.push(Change::AssignTicket {
                    ticket: t.id,
                    assignee: assignee.clone(),
                    via: TakenVia::Command,
                });
                d.changes.push(at.audit("assign", assignee.stored()));
                self.reply(at, texts::assigned(&assignee.to_string()), d);
            }
            None => self.reply(at, texts::NO_TICKET.into(), d),
        }
        Ok(())
    }

    /// `/close` (the client is told) and `/close_silent`.
    async fn close(
        &self,
        at: &InTopic<'_>,
        silent: bool,
        d: &mut Decision,
    ) -> Result<(), DeskError> {
        let client = at.client.id;
        let Some(t) = self.ports.tickets.open_for(client).await? else {
            let latest = self.ports.tickets.latest_for(client).await?;
            let text = match latest {
                Some(_) => texts::ALREADY_CLOSED,
                None => texts::NO_TICKET,
            };
            self.reply(at, text.into(), d);
            return Ok(());
        };
        d.changes.push(Change::CloseTicket {
            ticket: t.id,
            at: at.now,
        });
        d.changes.push(Change::CountClose { client });
        let action = if silent { "close_silent" } else { "close" };
        d.changes.push(at.audit(action, format!("ticket {}", t.id)));
        if silent {
            self.reply(at, texts::CLOSED_SILENTLY.into(), d);
        } else {
            d.changes.send(Outbound::TextToClient {
                client,
                text: super::rating::closing_notice(t.id),
            });
            self.reply(at, texts::CLOSED_AND_TOLD.into(), d);
        }
        Ok(())
    }

    /// `/reopen`: the latest appeal, if it is closed.
    async fn reopen(&self, at: &InTopic<'_>, d: &mut Decision) -> Result<(), DeskError> {
        match self.ports.tickets.latest_for(at.client.id).await? {
            None => self.reply(at, texts::NO_TICKET.into(), d),
            Some(t) if t.is_open() => self.reply(at, texts::ALREADY_OPEN.into(), d),
            Some(t) => {
                d.changes.push(Change::ReopenTicket {
                    ticket: t.id,
                    at: at.now,
                });
                d.changes
                    .push(at.audit("reopen", format!("ticket {}", t.id)));
                self.reply(at, texts::REOPENED.into(), d);
            }
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

//! Delivery: carries out one queued outbound action through the chat gateway and records what
//! came of it. Telegram's refusals that have a known remedy are handled here — a deleted topic
//! is recreated (the message goes there; so is a topic left in an earlier support group, its
//! card saying where the earlier conversation is, and the old topic remembered so staff
//! writing there are pointed to the new one), a closed one reopened, a reply target that
//! vanished is dropped, a client who blocked the bot gets a notice in their topic — so the
//! sender only has to retry what is transient and honour `retry_after`.
//!
//! A refusal retrying cannot cure, of something a person expects to see (a client's message,
//! a staff answer, a topic's new name), completes the entry with a notice in the client's
//! topic (or General) saying what did not arrive and why: given up silently, it would only be
//! a log line nobody reads while both sides wait. Refusals of the bot's own texts are only
//! logged, so a notice can never cause another notice. A topic name Telegram refuses is
//! replaced by a plain one, so the client still gets their topic.

use super::take::{TakeButton, TakeOn};
use crate::card::client_card;
use crate::change::{Change, Changes, TicketRef};
use crate::client::Client;
use crate::ids::{ChatRef, GroupId, MessageId, ThreadId, UserId};
use crate::label::Label;
use crate::message::Direction;
use crate::outbound::{BotText, Outbound};
use crate::ports::{
    ChartRenderer, ChatError, ChatGateway, ClientRepository, Clock, OutboxEntry, StoreError,
    TicketRepository, UnitOfWork,
};
use crate::texts;
use std::sync::Arc;
use std::time::Duration;

/// Why an action was not delivered (yet).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// Telegram asked to wait this long before sending to that chat again.
    #[error("rate limited for {0:?}")]
    RetryAfter(Duration),
    /// Try again later with backoff.
    #[error("transient: {0}")]
    Transient(String),
    /// The support group is not set up for the bot; the entry waits for an administrator.
    #[error("the support group is not set up: {0}")]
    Misconfigured(String),
    /// Retrying cannot help; the entry is given up.
    #[error("permanent: {0}")]
    Permanent(String),
    /// The store failed before anything was sent; the entry stays queued.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Telegram carried the action out, but recording it failed. The caller must commit
    /// `changes` (retrying until the store is back) instead of delivering the entry again,
    /// which would send the message twice.
    #[error("sent, but not recorded: {error}")]
    Unrecorded {
        /// What to commit: the results and the entry's completion.
        changes: Vec<Change>,
        /// Why the first commit failed.
        error: StoreError,
    },
}

impl From<ChatError> for DeliveryError {
    fn from(e: ChatError) -> Self {
        match e {
            ChatError::RateLimited { retry_after } => DeliveryError::RetryAfter(retry_after),
            ChatError::Transient(s) => DeliveryError::Transient(s),
            ChatError::Misconfigured(s) => DeliveryError::Misconfigured(s),
            // The same remedy as a misconfigured group: wait, loudly, for an administrator.
            e @ ChatError::Unauthorized(_) => DeliveryError::Misconfigured(e.to_string()),
            other => DeliveryError::Permanent(other.to_string()),
        }
    }
}

/// A failure inside a delivery, Telegram's refusal kept whole so it can be told to staff.
enum Failed {
    Chat(ChatError),
    Other(DeliveryError),
}

impl From<ChatError> for Failed {
    fn from(e: ChatError) -> Self {
        Failed::Chat(e)
    }
}

impl From<StoreError> for Failed {
    fn from(e: StoreError) -> Self {
        Failed::Other(e.into())
    }
}

impl From<Failed> for DeliveryError {
    fn from(f: Failed) -> Self {
        match f {
            Failed::Chat(e) => e.into(),
            Failed::Other(e) => e,
        }
    }
}

/// Whether retrying cannot help: Telegram said no to this very action.
fn refused(e: &ChatError) -> bool {
    !matches!(
        e,
        ChatError::RateLimited { .. }
            | ChatError::Transient(_)
            | ChatError::Misconfigured(_)
            | ChatError::Unauthorized(_)
    )
}

/// Delivers outbox entries.
pub struct Delivery {
    chat: Arc<dyn ChatGateway>,
    clients: Arc<dyn ClientRepository>,
    tickets: Arc<dyn TicketRepository>,
    store: Arc<dyn UnitOfWork>,
    clock: Arc<dyn Clock>,
    group: GroupId,
    charts: Option<Arc<dyn ChartRenderer>>,
}

impl Delivery {
    /// A delivery service for the support group.
    pub fn new(
        chat: Arc<dyn ChatGateway>,
        clients: Arc<dyn ClientRepository>,
        tickets: Arc<dyn TicketRepository>,
        store: Arc<dyn UnitOfWork>,
        clock: Arc<dyn Clock>,
        group: GroupId,
    ) -> Self {
        Self {
            chat,
            clients,
            tickets,
            store,
            clock,
            group,
            charts: None,
        }
    }

    /// The same service, drawing the report's charts with `charts` (without one, a chart
    /// cannot be drawn and staff are told so).
    pub fn with_charts(mut self, charts: Arc<dyn ChartRenderer>) -> Self {
        self.charts = Some(charts);
        self
    }

    /// Delivers one entry. On `Ok` the entry is complete (its completion is committed with the
    /// results); on [`DeliveryError::Unrecorded`] it was sent and only its record is missing;
    /// on any other `Err` nothing about the entry is complete and the caller retries or gives
    /// up.
    pub async fn deliver(&self, entry: &OutboxEntry) -> Result<(), DeliveryError> {
        let mut done = Changes::new();
        self.perform(&entry.action, &mut done).await?;
        done.push(Change::CompleteOutbox(entry.id));
        self.store
            .commit(done.0.clone())
            .await
            .map_err(|error| DeliveryError::Unrecorded {
                changes: done.0,
                error,
            })
    }

    fn group(&self) -> ChatRef {
        ChatRef::Group(self.group)
    }

    async fn client(&self, id: UserId) -> Result<Client, DeliveryError> {
        self.clients
            .get(id)
            .await?
            .ok_or_else(|| DeliveryError::Permanent(format!("unknown client {id}")))
    }

    async fn perform(&self, action: &Outbound, done: &mut Changes) -> Result<(), DeliveryError> {
        match action {
            Outbound::ClientMessageToTopic {
                client,
                message,
                reply_to,
            } => {
                self.copy_into_topic(*client, *message, *reply_to, done)
                    .await
            }
            Outbound::StaffMessageToClient {
                client,
                message,
                reply_to,
            } => {
                self.copy_to_client(*client, *message, *reply_to, done)
                    .await
            }
            Outbound::TextToClient { client, text } => {
                match self
                    .chat
                    .send_text(ChatRef::Client(*client), None, text, None)
                    .await
                {
                    Ok(_) => Ok(()),
                    // A notice nobody can receive is not worth a retry.
                    Err(ChatError::Blocked) => Ok(()),
                    Err(e) => Err(e.into()),
                }
            }
            Outbound::TextToTopic {
                client,
                text,
                reply_to,
            } => {
                let c = self.client(*client).await?;
                let Some(thread) = c.topic_in(self.group) else {
                    return Ok(());
                };
                match self.send_in_thread(thread, text, *reply_to).await {
                    Err(ChatError::TopicGone) => {
                        done.push(Change::SetThread {
                            client: *client,
                            thread: None,
                        });
                        Ok(())
                    }
                    other => other.map(|_| ()).map_err(Into::into),
                }
            }
            Outbound::TextToGroup {
                thread,
                text,
                reply_to,
            } => {
                let sent = match thread {
                    Some(t) => self.send_in_thread(*t, text, *reply_to).await,
                    None => {
                        self.chat
                            .send_text(self.group(), None, text, *reply_to)
                            .await
                    }
                };
                match sent {
                    Ok(_) | Err(ChatError::TopicGone) => Ok(()),
                    Err(e) => Err(e.into()),
                }
            }
            Outbound::EditInTopic {
                client,
                message,
                text,
                caption,
            } => match self
                .chat
                .edit_copy(self.group(), *message, text, *caption)
                .await
            {
                Ok(()) | Err(ChatError::NotModified) => Ok(()),
                Err(ChatError::MessageGone | ChatError::Permanent(_)) => {
                    // Some copies cannot be edited (e.g. a caption-less sticker): say it visibly.
                    done.send(Outbound::TextToTopic {
                        client: *client,
                        text: BotText::new(texts::client_edited(text)),
                        reply_to: Some(*message),
                    });
                    Ok(())
                }
                Err(ChatError::TopicGone) => Ok(()),
                Err(e) => Err(e.into()),
            },
            Outbound::EditInClient {
                client,
                message,
                text,
                caption,
            } => {
                let chat = ChatRef::Client(*client);
                match self.chat.edit_copy(chat, *message, text, *caption).await {
                    Ok(()) | Err(ChatError::NotModified) | Err(ChatError::Blocked) => Ok(()),
                    Err(ChatError::MessageGone | ChatError::Permanent(_)) => {
                        done.send(Outbound::TextToClient {
                            client: *client,
                            text: BotText::new(texts::staff_correction(text)),
                        });
                        Ok(())
                    }
                    Err(e) => Err(e.into()),
                }
            }
            Outbound::EditGroupText { message, text } => {
                match self.chat.edit_bot_text(self.group(), *message, text).await {
                    Ok(())
                    | Err(ChatError::NotModified | ChatError::MessageGone | ChatError::TopicGone) => {
                        Ok(())
                    }
                    Err(e) => Err(e.into()),
                }
            }
            Outbound::EditClientText {
                client,
                message,
                text,
            } => {
                let chat = ChatRef::Client(*client);
                match self.chat.edit_bot_text(chat, *message, text).await {
                    // Gone, blocked or unchanged: the client sees what there is to see.
                    Ok(())
                    | Err(ChatError::NotModified | ChatError::MessageGone | ChatError::Blocked) => {
                        Ok(())
                    }
                    Err(e) => Err(e.into()),
                }
            }
            Outbound::RenameTopic { client, label } => {
                let c = self.client(*client).await?;
                let Some(thread) = c.topic_in(self.group) else {
                    return Ok(());
                };
                match self.chat.rename_topic(thread, label).await {
                    Ok(()) | Err(ChatError::NotModified) => Ok(()),
                    Err(ChatError::TopicGone) => {
                        done.push(Change::SetThread {
                            client: *client,
                            thread: None,
                        });
                        Ok(())
                    }
                    // Unlike a new topic, a renamed one keeps a name staff already know,
                    // which serves them better than a plain fallback would.
                    Err(e) if refused(&e) => {
                        done.send(Outbound::TextToTopic {
                            client: *client,
                            text: BotText::new(texts::topic_rename_refused(
                                label.as_str(),
                                &texts::refusal_reason(&e),
                            )),
                            reply_to: None,
                        });
                        Ok(())
                    }
                    Err(e) => Err(e.into()),
                }
            }
            Outbound::ChartToGroup { thread, days } => self.post_chart(*thread, days, done).await,
            Outbound::FormerTopicHint {
                client,
                group,
                thread,
                reply_to,
            } => {
                self.hint_in_former_topic(*client, *group, *thread, *reply_to)
                    .await
            }
            Outbound::AnswerButton { callback_id, text } => {
                match self.chat.answer_button(callback_id, text).await {
                    Ok(()) => Ok(()),
                    Err(e @ (ChatError::RateLimited { .. } | ChatError::Transient(_))) => {
                        Err(e.into())
                    }
                    // An old or unknown query: the spinner is gone anyway.
                    Err(_) => Ok(()),
                }
            }
        }
    }

    /// Answers a staff message in the client's topic in an earlier support group with the
    /// hint that the conversation moved, linking to the client's topic here — created first,
    /// card and all, if they have none yet (the move on staff demand). The hint is a courtesy:
    /// a refusal in the old group (the bot removed from it, the topic deleted or closed) drops
    /// it; only a wait Telegram asks for, or a transient failure, is retried.
    async fn hint_in_former_topic(
        &self,
        client: UserId,
        group: GroupId,
        thread: ThreadId,
        mut reply_to: Option<MessageId>,
    ) -> Result<(), DeliveryError> {
        let c = self.client(client).await?;
        let here = match c.topic_in(self.group) {
            Some(t) => Some(t),
            None => match self.open_topic(&c).await {
                Ok(t) => Some(t),
                // Telegram refuses the topic itself: the hint still says where to look.
                Err(Failed::Chat(e)) if refused(&e) => None,
                Err(f) => return Err(f.into()),
            },
        };
        let link = here.and_then(|t| super::queue::topic_link(self.group, t));
        let text = BotText::new(texts::former_topic_hint(link.as_deref()));
        loop {
            match self
                .chat
                .send_text(ChatRef::Group(group), Some(thread), &text, reply_to)
                .await
            {
                Ok(_) => return Ok(()),
                Err(ChatError::MessageGone) if reply_to.is_some() => reply_to = None,
                Err(e @ (ChatError::RateLimited { .. } | ChatError::Transient(_))) => {
                    return Err(e.into());
                }
                Err(_) => return Ok(()),
            }
        }
    }

    /// Draws the report's chart and posts it in General or a topic. Drawing again would fail
    /// the same way, so a drawing failure completes the entry with a notice where the chart
    /// was expected, instead of a retry.
    async fn post_chart(
        &self,
        thread: Option<ThreadId>,
        days: &[crate::report::DailyFigures],
        done: &mut Changes,
    ) -> Result<(), DeliveryError> {
        let drawn = match &self.charts {
            Some(charts) => charts.daily(days),
            None => Err("no chart renderer is set up".to_owned()),
        };
        let png = match drawn {
            Ok(png) => png,
            Err(reason) => {
                done.send(Outbound::TextToGroup {
                    thread,
                    text: BotText::new(texts::chart_not_drawn(&reason)),
                    reply_to: None,
                });
                return Ok(());
            }
        };
        let mut reopened = false;
        loop {
            match self
                .chat
                .send_photo(self.group(), thread, png.clone(), None)
                .await
            {
                Ok(_) | Err(ChatError::TopicGone) => return Ok(()),
                Err(ChatError::TopicClosed) if !reopened => {
                    if let Some(t) = thread {
                        self.chat.reopen_topic(t).await?;
                    }
                    reopened = true;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Sends a bot text into a topic, reopening it once if it is closed and dropping a reply
    /// target that no longer exists.
    async fn send_in_thread(
        &self,
        thread: ThreadId,
        text: &BotText,
        mut reply_to: Option<MessageId>,
    ) -> Result<MessageId, ChatError> {
        let mut reopened = false;
        loop {
            match self
                .chat
                .send_text(self.group(), Some(thread), text, reply_to)
                .await
            {
                Err(ChatError::TopicClosed) if !reopened => {
                    self.chat.reopen_topic(thread).await?;
                    reopened = true;
                }
                Err(ChatError::MessageGone) if reply_to.is_some() => reply_to = None,
                other => return other,
            }
        }
    }

    /// Creates the client's topic, stores it at once (so a failure later never creates a
    /// second one) and posts the client card at its top, with the take button while the
    /// client's appeal is open and nobody has it. A name Telegram refuses is replaced by a
    /// plain one, and the card says so. A topic that replaces one left behind in an earlier
    /// support group says on its card that the earlier conversation is there.
    async fn open_topic(&self, client: &Client) -> Result<ThreadId, Failed> {
        let moved = client.topic_elsewhere(self.group);
        // The topic left behind, remembered so staff writing there are pointed here.
        let left = match (client.topic_group, client.thread) {
            (Some(group), Some(thread)) if moved => Some(Change::KeepFormerTopic {
                client: client.id,
                group,
                thread,
            }),
            _ => None,
        };
        // Read before the topic exists: a failure here leaves nothing half done.
        let takeable = self
            .tickets
            .open_for(client.id)
            .await?
            .is_some_and(|t| t.assigned_to.is_none());
        let label = client.display_label();
        let (thread, renamed) = match self.chat.create_topic(&label).await {
            Ok(thread) => (thread, None),
            // The only thing createForumTopic is given is the name, so a "Bad Request" is
            // about the name (invalid, too long as Telegram counts, empty once cleaned up).
            Err(e @ ChatError::Permanent(_)) => {
                let plain = Label::new(&texts::fallback_topic_name(client.id))
                    .ok()
                    .filter(|plain| *plain != label)
                    .ok_or_else(|| Failed::Chat(e.clone()))?;
                let thread = self.chat.create_topic(&plain).await?;
                let why = texts::topic_name_refused(
                    label.as_str(),
                    plain.as_str(),
                    &texts::refusal_reason(&e),
                );
                (thread, Some(why))
            }
            Err(e) => return Err(e.into()),
        };
        self.store
            .commit(
                [
                    Change::SetThread {
                        client: client.id,
                        thread: Some(thread),
                    },
                    Change::SetTopicGroup {
                        client: client.id,
                        group: self.group,
                    },
                ]
                .into_iter()
                .chain(left)
                .collect(),
            )
            .await?;
        // On the card rather than a message of its own: the group's budget is 20 a minute.
        let mut html = client_card(client);
        if let Some(why) = renamed {
            html = format!("{html}\n\n{why}");
        }
        if moved {
            html = format!("{html}\n\n{}", texts::TOPIC_MOVED);
        }
        let mut card = BotText::new(html);
        if takeable {
            let button = TakeButton {
                client: client.id,
                on: TakeOn::Card,
            };
            card = card.with_buttons(button.buttons());
        }
        if self
            .chat
            .send_text(self.group(), Some(thread), &card, None)
            .await
            .is_err()
        {
            // The card is a courtesy; the client's message matters more, so it goes after it.
            // It is queued now rather than with the copy's results: the topic exists from here
            // on, so if the copy fails too no later attempt would post the card.
            self.store
                .commit(vec![Change::Enqueue(Outbound::TextToTopic {
                    client: client.id,
                    text: card,
                    reply_to: None,
                })])
                .await?;
        }
        Ok(thread)
    }

    async fn copy_into_topic(
        &self,
        client: UserId,
        message: MessageId,
        reply_to: Option<MessageId>,
        done: &mut Changes,
    ) -> Result<(), DeliveryError> {
        let mut c = self.client(client).await?;
        match self.copy_to_topic(&mut c, message, reply_to, done).await {
            Ok(()) => Ok(()),
            Err(Failed::Chat(e)) if refused(&e) => {
                // The client believes staff have read it: staff must at least see that it
                // did not come, and why.
                let reason = texts::refusal_reason(&e);
                let notice = match c.topic_in(self.group) {
                    Some(_) if e != ChatError::TopicGone => Outbound::TextToTopic {
                        client,
                        text: BotText::new(texts::client_message_not_relayed(&reason)),
                        reply_to: None,
                    },
                    _ => Outbound::TextToGroup {
                        thread: None,
                        text: BotText::new(texts::client_message_not_relayed_for(
                            &format!("{} ({})", c.display_label(), c.id),
                            &reason,
                        )),
                        reply_to: None,
                    },
                };
                done.send(notice);
                Ok(())
            }
            Err(f) => Err(f.into()),
        }
    }

    /// Copies a client's message into their topic; `client.thread` follows the topic the
    /// message is meant for (created or recreated here).
    async fn copy_to_topic(
        &self,
        c: &mut Client,
        message: MessageId,
        mut reply_to: Option<MessageId>,
        done: &mut Changes,
    ) -> Result<(), Failed> {
        let client = c.id;
        let mut fresh = false;
        let mut thread = match c.topic_in(self.group) {
            Some(t) => t,
            None => {
                fresh = true;
                // A reply target in a topic left in an earlier group is no message here.
                if c.topic_elsewhere(self.group) {
                    reply_to = None;
                }
                let t = self.open_topic(c).await?;
                c.thread = Some(t);
                c.topic_group = Some(self.group);
                t
            }
        };
        let mut reopened = false;
        loop {
            let copied = self
                .chat
                .copy_message(
                    ChatRef::Client(client),
                    message,
                    self.group(),
                    Some(thread),
                    reply_to,
                )
                .await;
            match copied {
                Ok(copy) => {
                    done.push(Change::MapMessage {
                        client,
                        direction: Direction::ClientToStaff,
                        source: message,
                        copy,
                    });
                    return Ok(());
                }
                Err(ChatError::TopicGone) if !fresh => {
                    // Staff deleted the topic: the client gets a new one, the message goes there.
                    c.thread = None;
                    thread = self.open_topic(c).await?;
                    c.thread = Some(thread);
                    c.topic_group = Some(self.group);
                    fresh = true;
                    reply_to = None;
                }
                Err(ChatError::TopicClosed) if !reopened => {
                    self.chat.reopen_topic(thread).await?;
                    reopened = true;
                }
                Err(ChatError::MessageGone) if reply_to.is_some() => reply_to = None,
                // The client deleted the message before we copied it: nothing to relay.
                Err(ChatError::MessageGone) => return Ok(()),
                Err(e) => return Err(e.into()),
            }
        }
    }

    async fn copy_to_client(
        &self,
        client: UserId,
        message: MessageId,
        mut reply_to: Option<MessageId>,
        done: &mut Changes,
    ) -> Result<(), DeliveryError> {
        loop {
            let copied = self
                .chat
                .copy_message(
                    self.group(),
                    message,
                    ChatRef::Client(client),
                    None,
                    reply_to,
                )
                .await;
            match copied {
                Ok(copy) => {
                    done.push(Change::MapMessage {
                        client,
                        direction: Direction::StaffToClient,
                        source: message,
                        copy,
                    });
                    done.push(Change::StaffAnswered {
                        ticket: TicketRef::OpenOf(client),
                        at: self.clock.now(),
                    });
                    return Ok(());
                }
                Err(ChatError::Blocked) => {
                    done.push(Change::SetBlocked {
                        client,
                        blocked: true,
                    });
                    done.send(Outbound::TextToTopic {
                        client,
                        text: BotText::new(texts::CLIENT_BLOCKED),
                        reply_to: Some(message),
                    });
                    return Ok(());
                }
                Err(ChatError::MessageGone) if reply_to.is_some() => reply_to = None,
                // Staff deleted their message before it was sent: nothing to relay.
                Err(ChatError::MessageGone) => return Ok(()),
                // Staff believe the client has it: they must see that it did not go.
                Err(e) if refused(&e) => {
                    done.send(Outbound::TextToTopic {
                        client,
                        text: BotText::new(texts::staff_message_not_delivered(
                            &texts::refusal_reason(&e),
                        )),
                        reply_to: Some(message),
                    });
                    return Ok(());
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
}

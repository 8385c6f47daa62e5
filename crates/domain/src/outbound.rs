//! What the bot sends: outbound actions, stored in the outbox with the state change that caused
//! them and delivered later, in order per destination chat.

use crate::ids::{GroupId, MessageId, ThreadId, UserId};
use crate::label::Label;
use crate::report::DailyFigures;
use serde::{Deserialize, Serialize};

/// An inline button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InlineButton {
    /// The caption.
    pub text: String,
    /// Callback data (≤ 64 bytes).
    pub data: String,
}

/// Buttons or keyboard changes attached to a bot text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Buttons {
    /// Rows of inline buttons under the message.
    Inline(Vec<Vec<InlineButton>>),
    /// A reply-keyboard button that shares the client's contact.
    RequestContact {
        /// The button's caption.
        caption: String,
    },
    /// Remove the reply keyboard.
    RemoveKeyboard,
    /// Ask for a reply (used to collect the contract number).
    ForceReply {
        /// Placeholder in the input field.
        placeholder: String,
    },
}

/// A text written by the bot, in Telegram HTML (everything interpolated is escaped).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotText {
    /// HTML body. May exceed 4096 characters: the gateway splits it.
    pub html: String,
    /// Attached buttons.
    pub buttons: Option<Buttons>,
}

impl BotText {
    /// A text without buttons.
    pub fn new(html: impl Into<String>) -> Self {
        Self {
            html: html.into(),
            buttons: None,
        }
    }

    /// The same text with buttons.
    pub fn with_buttons(mut self, buttons: Buttons) -> Self {
        self.buttons = Some(buttons);
        self
    }
}

/// One outbound action.
///
/// Stored: the outbox keeps each action as JSON (serde's form of this enum) until it is sent,
/// maybe across an upgrade. Renaming a variant or a field makes queued rows unreadable (they
/// are given up), so keep old names readable with `#[serde(alias = …)]`;
/// `tests/stored_forms.rs` pins today's forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outbound {
    /// Copy a client's message into their topic; the topic is created, recreated or reopened
    /// as needed.
    ClientMessageToTopic {
        /// The client (also the source chat).
        client: UserId,
        /// The message in the client's chat.
        message: MessageId,
        /// The group message to reply to, when the client replied to a staff message.
        reply_to: Option<MessageId>,
    },
    /// Copy a staff message from the topic to the client.
    StaffMessageToClient {
        /// The client.
        client: UserId,
        /// The message in the support group.
        message: MessageId,
        /// The client-chat message to reply to, when staff replied to a client message.
        reply_to: Option<MessageId>,
    },
    /// A bot text to the client.
    TextToClient {
        /// The client.
        client: UserId,
        /// The text.
        text: BotText,
    },
    /// A bot text into the client's topic.
    TextToTopic {
        /// The client whose topic it is.
        client: UserId,
        /// The text.
        text: BotText,
        /// A group message to reply to (e.g. the command).
        reply_to: Option<MessageId>,
    },
    /// A bot text in the group outside client topics (hints in General).
    TextToGroup {
        /// The topic, `None` for General.
        thread: Option<ThreadId>,
        /// The text.
        text: BotText,
        /// A group message to reply to.
        reply_to: Option<MessageId>,
    },
    /// Mirror a client's edit onto the copy in their topic.
    EditInTopic {
        /// The client.
        client: UserId,
        /// The copy in the group.
        message: MessageId,
        /// The new text or caption.
        text: String,
        /// Whether it is a caption.
        caption: bool,
    },
    /// Mirror a staff edit onto the copy in the client's chat.
    EditInClient {
        /// The client.
        client: UserId,
        /// The copy in the client's chat.
        message: MessageId,
        /// The new text or caption.
        text: String,
        /// Whether it is a caption.
        caption: bool,
    },
    /// Replace a bot text in the group (the link preview once decided).
    EditGroupText {
        /// The bot's message.
        message: MessageId,
        /// Its new text (buttons removed when `None`).
        text: BotText,
    },
    /// Replace a bot text in the client's chat (the closing notice once rated).
    EditClientText {
        /// The client.
        client: UserId,
        /// The bot's message in the client's chat.
        message: MessageId,
        /// Its new text (buttons removed when `None`).
        text: BotText,
    },
    /// Rename the client's topic.
    RenameTopic {
        /// The client.
        client: UserId,
        /// The new name.
        label: Label,
    },
    /// Draw the report's chart of these days and post it in the group outside client topics
    /// (General, or the topic `/report` was asked in). Drawn at delivery, so the outbox keeps
    /// the figures, not the picture.
    ChartToGroup {
        /// The topic, `None` for General.
        thread: Option<ThreadId>,
        /// The days to draw.
        days: Vec<DailyFigures>,
    },
    /// Answer a staff message written in the client's topic in an earlier support group: it
    /// was not sent, and the conversation is now in the support group — with a link to the
    /// client's topic there, which is created first if they have none yet (as their next
    /// message would, card and all).
    FormerTopicHint {
        /// Whose topic it is.
        client: UserId,
        /// The earlier group.
        group: GroupId,
        /// The topic there.
        thread: ThreadId,
        /// The staff message answered.
        reply_to: Option<MessageId>,
    },
    /// Answer an inline-button press (a short notice over the chat).
    AnswerButton {
        /// Telegram's callback query id.
        callback_id: String,
        /// The notice.
        text: String,
    },
}

/// The queue an outbound action waits in. A queue's actions go out one at a time, in the order
/// they were queued; queues are independent of each other, so a client with a backlog never
/// holds up another. Telegram's limits are per *chat* and are kept by the gateway, not here:
/// every client topic is its own queue, but all of them share the group's budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Queue {
    /// The client's private chat.
    Client(UserId),
    /// The client's topic in the support group (their copies, the bot's texts there, renames).
    Topic(UserId),
    /// The support group outside client topics (hints in General, edits of the bot's texts).
    Group,
}

impl Outbound {
    /// The queue whose order this action keeps; `None` for button answers, which are not
    /// messages and must not wait behind anything.
    pub fn queue(&self) -> Option<Queue> {
        match self {
            Outbound::StaffMessageToClient { client, .. }
            | Outbound::TextToClient { client, .. }
            | Outbound::EditInClient { client, .. }
            | Outbound::EditClientText { client, .. } => Some(Queue::Client(*client)),
            Outbound::ClientMessageToTopic { client, .. }
            | Outbound::TextToTopic { client, .. }
            | Outbound::EditInTopic { client, .. }
            | Outbound::RenameTopic { client, .. }
            // In the client's topic queue: the hint may create their topic, which must never
            // race a copy of their message doing the same.
            | Outbound::FormerTopicHint { client, .. } => Some(Queue::Topic(*client)),
            Outbound::TextToGroup { .. }
            | Outbound::EditGroupText { .. }
            | Outbound::ChartToGroup { .. } => Some(Queue::Group),
            Outbound::AnswerButton { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_client_has_a_queue_for_their_chat_and_one_for_their_topic() {
        let client = UserId::new(5).unwrap();
        let other = UserId::new(6).unwrap();
        let m = MessageId::new(1).unwrap();
        let into_topic = |client| Outbound::ClientMessageToTopic {
            client,
            message: m,
            reply_to: None,
        };
        assert_eq!(into_topic(client).queue(), Some(Queue::Topic(client)));
        // Another client's topic is another queue: a backlog in one never holds up the other.
        assert_ne!(into_topic(client).queue(), into_topic(other).queue());
        // A client's copies and the bot's texts in their topic keep one order.
        assert_eq!(
            Outbound::TextToTopic {
                client,
                text: BotText::new("card"),
                reply_to: None
            }
            .queue(),
            Some(Queue::Topic(client))
        );
        assert_eq!(
            Outbound::StaffMessageToClient {
                client,
                message: m,
                reply_to: None
            }
            .queue(),
            Some(Queue::Client(client))
        );
        assert_eq!(
            Outbound::TextToGroup {
                thread: None,
                text: BotText::new("hint"),
                reply_to: None
            }
            .queue(),
            Some(Queue::Group)
        );
        assert_eq!(
            Outbound::AnswerButton {
                callback_id: "1".into(),
                text: "ok".into()
            }
            .queue(),
            None
        );
    }
}

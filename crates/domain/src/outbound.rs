//! What the bot sends: outbound actions, stored in the outbox with the state change that caused
//! them and delivered later, in order per destination chat.

use crate::ids::{ChatRef, GroupId, MessageId, ThreadId, UserId};
use crate::label::Label;
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
    /// Rename the client's topic.
    RenameTopic {
        /// The client.
        client: UserId,
        /// The new name.
        label: Label,
    },
    /// Answer an inline-button press (a short notice over the chat).
    AnswerButton {
        /// Telegram's callback query id.
        callback_id: String,
        /// The notice.
        text: String,
    },
}

impl Outbound {
    /// The chat whose order this action keeps; `None` for button answers, which are not
    /// messages and must not wait behind the group's queue.
    pub fn destination(&self, group: GroupId) -> Option<ChatRef> {
        match self {
            Outbound::StaffMessageToClient { client, .. }
            | Outbound::TextToClient { client, .. }
            | Outbound::EditInClient { client, .. } => Some(ChatRef::Client(*client)),
            Outbound::ClientMessageToTopic { .. }
            | Outbound::TextToTopic { .. }
            | Outbound::TextToGroup { .. }
            | Outbound::EditInTopic { .. }
            | Outbound::EditGroupText { .. }
            | Outbound::RenameTopic { .. } => Some(ChatRef::Group(group)),
            Outbound::AnswerButton { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn destinations_keep_each_chat_in_order() {
        let group = GroupId::new(-100).unwrap();
        let client = UserId::new(5).unwrap();
        let m = MessageId::new(1).unwrap();
        assert_eq!(
            Outbound::ClientMessageToTopic {
                client,
                message: m,
                reply_to: None
            }
            .destination(group),
            Some(ChatRef::Group(group))
        );
        assert_eq!(
            Outbound::StaffMessageToClient {
                client,
                message: m,
                reply_to: None
            }
            .destination(group),
            Some(ChatRef::Client(client))
        );
        assert_eq!(
            Outbound::AnswerButton {
                callback_id: "1".into(),
                text: "ok".into()
            }
            .destination(group),
            None
        );
    }
}

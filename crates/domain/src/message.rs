//! Relayed messages and what arrives from Telegram, in the domain's terms.

use crate::ids::{GroupId, MessageId, ThreadId, TicketId, UserId};
use serde::{Deserialize, Serialize};

/// Which way a message went (`messages.direction`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Direction {
    /// From the client's private chat into their topic.
    ClientToStaff,
    /// From the topic to the client.
    StaffToClient,
}

impl Direction {
    /// The stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::ClientToStaff => "client_to_staff",
            Direction::StaffToClient => "staff_to_client",
        }
    }
}

/// The kind of content, for `messages.media` and for choosing text vs caption edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MediaKind {
    /// Plain text.
    Text,
    /// Photo.
    Photo,
    /// Video.
    Video,
    /// Document (file).
    Document,
    /// Voice message.
    Voice,
    /// Audio file.
    Audio,
    /// Round video.
    VideoNote,
    /// Sticker.
    Sticker,
    /// GIF.
    Animation,
    /// Location or venue.
    Location,
    /// Contact card.
    Contact,
    /// Poll, dice, game, a forwarded story, a kind newer than the bot… anything else; it is
    /// relayed by `copyMessage` all the same, and a refusal is told to staff.
    Other,
}

impl MediaKind {
    /// The stored value (`messages.media`), `None` for plain text.
    pub fn stored(self) -> Option<&'static str> {
        Some(match self {
            MediaKind::Text => return None,
            MediaKind::Photo => "photo",
            MediaKind::Video => "video",
            MediaKind::Document => "document",
            MediaKind::Voice => "voice",
            MediaKind::Audio => "audio",
            MediaKind::VideoNote => "video_note",
            MediaKind::Sticker => "sticker",
            MediaKind::Animation => "animation",
            MediaKind::Location => "location",
            MediaKind::Contact => "contact",
            MediaKind::Other => "other",
        })
    }

    /// Whether the content's text is a caption (edited with `editMessageCaption`).
    pub fn has_caption(self) -> bool {
        matches!(
            self,
            MediaKind::Photo
                | MediaKind::Video
                | MediaKind::Document
                | MediaKind::Audio
                | MediaKind::Voice
                | MediaKind::Animation
        )
    }
}

/// A relayed message (`messages`), with its id on both sides so replies and edits map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    /// The appeal it belongs to.
    pub ticket: TicketId,
    /// The client.
    pub client: UserId,
    /// Which way it went.
    pub direction: Direction,
    /// Its id in the client's private chat (the original or the bot's copy).
    pub client_message_id: Option<MessageId>,
    /// Its id in the support group (the original or the bot's copy).
    pub group_message_id: Option<MessageId>,
    /// Text or caption.
    pub text: Option<String>,
    /// Kind of content.
    pub media: MediaKind,
}

/// Who sent something.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Sender {
    /// Telegram id; `None` when Telegram names no user. Anonymous admins of the support group
    /// all share the id of Telegram's stand-in user for them.
    pub id: Option<UserId>,
    /// @username without `@`.
    pub username: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// Bots (including this one), and chats other than the support group posting in it, are
    /// never relayed.
    pub is_bot: bool,
}

impl Sender {
    /// How staff see this person: `@username`, else the first name, else the id.
    pub fn display(&self) -> String {
        if let Some(u) = self.username.as_deref().filter(|u| !u.is_empty()) {
            return format!("@{u}");
        }
        if let Some(f) = self.first_name.as_deref().filter(|f| !f.trim().is_empty()) {
            return f.trim().to_owned();
        }
        self.id.map(|i| i.to_string()).unwrap_or_else(|| "—".into())
    }
}

/// Where a message was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Place {
    /// A client's private chat with the bot.
    Private(UserId),
    /// The support group; `thread` is `None` in General.
    SupportGroup {
        /// The group.
        group: GroupId,
        /// The topic, if the message is inside one.
        thread: Option<ThreadId>,
    },
    /// Any other group or channel: ignored.
    Elsewhere,
    /// A topic of a forum supergroup other than the support group — such as the group the
    /// clinic moved away from. Only a staff message in a known client's topic there is
    /// answered (with a pointer to the new group); everything else is ignored.
    OtherGroupTopic {
        /// The group.
        group: GroupId,
        /// The topic.
        thread: ThreadId,
    },
}

/// The content of an incoming message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Content {
    /// Text (commands included).
    Text(String),
    /// A contact card.
    Contact {
        /// The phone as Telegram gives it.
        phone: String,
        /// The Telegram user the contact belongs to, if any.
        user_id: Option<i64>,
    },
    /// Media with an optional caption.
    Media {
        /// Which kind.
        kind: MediaKind,
        /// Its caption.
        caption: Option<String>,
    },
    /// A service message (topic created, member joined…): never relayed.
    Service,
}

impl Content {
    /// Text or caption.
    pub fn text(&self) -> Option<&str> {
        match self {
            Content::Text(t) => Some(t),
            Content::Media { caption, .. } => caption.as_deref(),
            _ => None,
        }
    }

    /// The kind stored in `messages.media`.
    pub fn kind(&self) -> MediaKind {
        match self {
            Content::Text(_) => MediaKind::Text,
            Content::Contact { .. } => MediaKind::Contact,
            Content::Media { kind, .. } => *kind,
            Content::Service => MediaKind::Other,
        }
    }
}

/// A new message, as the Telegram adapter hands it to the domain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncomingMessage {
    /// Where it was written.
    pub place: Place,
    /// Who wrote it.
    pub from: Sender,
    /// Its id in that chat.
    pub message_id: MessageId,
    /// What it holds.
    pub content: Content,
    /// The message it replies to. The adapter drops the forum quirk (a "reply" to the topic's
    /// creation message) so this is only ever a real reply.
    pub reply_to: Option<MessageId>,
    /// For a staff reply: who wrote the message replied to (for `/assign` by reply).
    pub reply_to_sender: Option<Sender>,
    /// Album id: items of one album share it.
    pub media_group_id: Option<String>,
}

/// An edited message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditedMessage {
    /// Where it was written.
    pub place: Place,
    /// Who edited it.
    pub from: Sender,
    /// Its id in that chat.
    pub message_id: MessageId,
    /// The new content.
    pub content: Content,
}

/// A press on an inline button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ButtonPress {
    /// Telegram's callback query id (to answer it).
    pub callback_id: String,
    /// Who pressed.
    pub from: Sender,
    /// Where the button's message is.
    pub place: Place,
    /// The button's message.
    pub message_id: Option<MessageId>,
    /// The button's data.
    pub data: String,
}

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

/// A conversation: the unit of order. Updates of one conversation are handled one after another
/// in arrival order; different conversations never wait for each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Conversation {
    /// A client's private chat with the bot.
    Private(UserId),
    /// One topic (a client's conversation with the staff): of the support group, or of
    /// another group, whose topic of the same number is another conversation.
    Topic(TopicKey),
    /// The support group's General topic.
    General,
    /// Anything else: related to nothing, so each such update is its own conversation.
    Unrelated,
}

/// A topic as a conversation: its number, and its group when that is not the support group.
/// After a move to a new support group, topic 5 of the old group and topic 5 of the new one
/// are different conversations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TopicKey {
    /// The topic.
    pub thread: ThreadId,
    /// The group, when it is not the support group.
    pub other_group: Option<GroupId>,
}

impl TopicKey {
    /// A topic of the support group.
    pub fn support(thread: ThreadId) -> Self {
        Self {
            thread,
            other_group: None,
        }
    }

    /// A topic of another group.
    pub fn other(group: GroupId, thread: ThreadId) -> Self {
        Self {
            thread,
            other_group: Some(group),
        }
    }
}

impl std::fmt::Display for TopicKey {
    /// `77` in the support group (as logs always named it), `-1001234567890/77` elsewhere.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.other_group {
            None => write!(f, "{}", self.thread),
            Some(g) => write!(f, "{g}/{}", self.thread),
        }
    }
}

impl Inbound {
    /// The conversation this update belongs to.
    pub fn conversation(&self) -> Conversation {
        let place = match self {
            Inbound::Message(m) => &m.place,
            Inbound::Edited(e) => &e.place,
            Inbound::Button(b) => &b.place,
            Inbound::Ignored => return Conversation::Unrelated,
        };
        match place {
            Place::Private(user) => Conversation::Private(*user),
            Place::SupportGroup {
                thread: Some(t), ..
            } => Conversation::Topic(TopicKey::support(*t)),
            Place::SupportGroup { thread: None, .. } => Conversation::General,
            Place::OtherGroupTopic { group, thread } => {
                Conversation::Topic(TopicKey::other(*group, *thread))
            }
            Place::Elsewhere => Conversation::Unrelated,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_display() {
        let mut s = Sender {
            id: UserId::new(9).ok(),
            ..Default::default()
        };
        assert_eq!(s.display(), "9");
        s.first_name = Some("Марта".into());
        assert_eq!(s.display(), "Марта");
        s.username = Some("marta".into());
        assert_eq!(s.display(), "@marta");
    }

    #[test]
    fn captions_are_edited_as_captions() {
        assert!(MediaKind::Photo.has_caption());
        assert!(!MediaKind::Text.has_caption());
        assert!(!MediaKind::Sticker.has_caption());
        assert_eq!(MediaKind::Text.stored(), None);
        assert_eq!(MediaKind::VideoNote.stored(), Some("video_note"));
    }
}

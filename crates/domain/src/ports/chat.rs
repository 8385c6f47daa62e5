//! The chat gateway: what the bot does in Telegram (docs/product-rules.md: Telegram).

use crate::ids::{ChatRef, MessageId, ThreadId};
use crate::label::Label;
use crate::outbound::BotText;
use async_trait::async_trait;
use std::time::Duration;

/// A Telegram failure, by what the caller should do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    /// The client blocked the bot (403) or deleted their account.
    #[error("the user blocked the bot")]
    Blocked,
    /// The forum topic was deleted ("message thread not found", TOPIC_DELETED, TOPIC_ID_INVALID).
    #[error("the topic is gone")]
    TopicGone,
    /// The forum topic is closed (TOPIC_CLOSED).
    #[error("the topic is closed")]
    TopicClosed,
    /// The message to copy, edit or reply to does not exist (any more).
    #[error("the message is gone")]
    MessageGone,
    /// An edit that changes nothing.
    #[error("the message is not modified")]
    NotModified,
    /// 429: wait this long before sending to that chat again.
    #[error("rate limited, retry after {retry_after:?}")]
    RateLimited {
        /// From `parameters.retry_after`.
        retry_after: Duration,
    },
    /// 5xx, network failure, a non-JSON answer: retry with backoff.
    #[error("transient Telegram failure: {0}")]
    Transient(String),
    /// The bot cannot act in the support group as set up (not a forum, no right to manage
    /// topics, removed from the group): nothing is wrong with the message, so it must wait
    /// until an administrator fixes the group, not be dropped.
    #[error("the support group is not set up for the bot: {0}")]
    Misconfigured(String),
    /// Telegram does not accept the bot's token (401, or 404 for a token of the wrong form):
    /// revoked or mistyped. Nothing can be sent until an administrator fixes `BOT_TOKEN`.
    #[error("Telegram rejects the bot token: {0}")]
    Unauthorized(String),
    /// Any other refusal: retrying will not help.
    #[error("Telegram refused: {0}")]
    Permanent(String),
}

/// Where `setMyCommands` applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandScope {
    /// Private chats (clients).
    Clients,
    /// The support group (staff).
    Staff,
}

/// Telegram, as the domain needs it. Topics are created, renamed and reopened in the
/// configured support group only; a text may go to any chat the bot is in (a hint goes into a
/// topic of an earlier support group).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ChatGateway: Send + Sync {
    /// Sends a bot text (split when longer than Telegram allows); returns the first message.
    async fn send_text(
        &self,
        to: ChatRef,
        thread: Option<ThreadId>,
        text: &BotText,
        reply_to: Option<MessageId>,
    ) -> Result<MessageId, ChatError>;

    /// Sends a picture (PNG bytes, e.g. the daily report's chart) with an optional caption;
    /// returns the message's id. A caption longer than Telegram takes on a photo goes on in
    /// texts after it (its buttons under the last), so no word of it is lost.
    async fn send_photo<'a>(
        &self,
        to: ChatRef,
        thread: Option<ThreadId>,
        png: Vec<u8>,
        caption: Option<&'a BotText>,
    ) -> Result<MessageId, ChatError>;

    /// Copies a message (no forward banner); returns the copy's id.
    async fn copy_message(
        &self,
        from: ChatRef,
        message: MessageId,
        to: ChatRef,
        thread: Option<ThreadId>,
        reply_to: Option<MessageId>,
    ) -> Result<MessageId, ChatError>;

    /// Replaces a bot text (and its inline buttons).
    async fn edit_bot_text(
        &self,
        chat: ChatRef,
        message: MessageId,
        text: &BotText,
    ) -> Result<(), ChatError>;

    /// Replaces the plain text or caption of a relayed copy.
    async fn edit_copy(
        &self,
        chat: ChatRef,
        message: MessageId,
        text: &str,
        caption: bool,
    ) -> Result<(), ChatError>;

    /// Creates a topic in the support group.
    async fn create_topic(&self, name: &Label) -> Result<ThreadId, ChatError>;

    /// Renames a topic.
    async fn rename_topic(&self, thread: ThreadId, name: &Label) -> Result<(), ChatError>;

    /// Reopens a closed topic.
    async fn reopen_topic(&self, thread: ThreadId) -> Result<(), ChatError>;

    /// Answers an inline-button press with a short notice.
    async fn answer_button(&self, callback_id: &str, text: &str) -> Result<(), ChatError>;

    /// Registers the command menu for a scope.
    async fn set_commands(
        &self,
        scope: CommandScope,
        commands: &[(&'static str, &'static str)],
    ) -> Result<(), ChatError>;
}

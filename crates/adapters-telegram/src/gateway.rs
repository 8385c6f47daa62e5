//! The domain's chat gateway over the Bot API.

use crate::errors::map_error;
use crate::limiter::RateLimiter;
use crate::split::{MAX_TEXT_UNITS, split_html};
use async_trait::async_trait;
use domain::ids::{ChatRef, GroupId, MessageId, ThreadId};
use domain::label::Label;
use domain::outbound::{BotText, Buttons};
use domain::ports::{ChatError, ChatGateway, CommandScope};
use frankenstein::AsyncTelegramApi;
use frankenstein::ParseMode;
use frankenstein::client_reqwest::Bot;
use frankenstein::methods::{
    AnswerCallbackQueryParams, CopyMessageParams, CreateForumTopicParams, EditForumTopicParams,
    EditMessageCaptionParams, EditMessageTextParams, ReopenForumTopicParams, SendMessageParams,
    SetMyCommandsParams,
};
use frankenstein::types::{
    BotCommand, BotCommandScope, BotCommandScopeChat, ChatId, ForceReply, InlineKeyboardButton,
    InlineKeyboardMarkup, KeyboardButton, LinkPreviewOptions, ReplyKeyboardMarkup,
    ReplyKeyboardRemove, ReplyMarkup, ReplyParameters,
};
use std::sync::Arc;

/// Telegram, for one bot and one support group.
#[derive(Clone)]
pub struct TelegramGateway {
    bot: Bot,
    group: GroupId,
    limiter: Option<Arc<RateLimiter>>,
}

impl TelegramGateway {
    /// A gateway for `bot` acting in `group`, sending as fast as it is asked to.
    pub fn new(bot: Bot, group: GroupId) -> Self {
        Self {
            bot,
            group,
            limiter: None,
        }
    }

    /// The same gateway, keeping every API call within `limiter`'s limits. The limiter sits
    /// here, at the single HTTP call, because one domain action may take several calls (a new
    /// client's first message: create the topic, post the card, copy the message).
    pub fn with_limiter(mut self, limiter: Arc<RateLimiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    fn group_chat(&self) -> ChatId {
        ChatId::Integer(self.group.get())
    }

    /// Runs one API call that counts against `chat`'s limits (`None`: the bot's overall limit
    /// only), and remembers a `retry_after` Telegram announces for that chat.
    async fn call<T>(
        &self,
        chat: Option<i64>,
        request: impl Future<Output = Result<T, frankenstein::Error>>,
    ) -> Result<T, ChatError> {
        let slot = match &self.limiter {
            // Not sent: the entry stays queued for the next start.
            Some(limiter) => Some(
                limiter
                    .take(chat)
                    .await
                    .map_err(|closed| ChatError::Transient(closed.to_string()))?,
            ),
            None => None,
        };
        let result = request.await.map_err(|e| map_error(&e));
        if let (Err(ChatError::RateLimited { retry_after }), Some(limiter)) =
            (&result, &self.limiter)
        {
            limiter.penalize(chat, *retry_after, tokio::time::Instant::now());
        }
        // The chat's next call starts only now, knowing of any retry_after.
        drop(slot);
        result
    }
}

fn chat_id(chat: ChatRef) -> ChatId {
    ChatId::Integer(chat.chat_id())
}

fn reply(to: Option<MessageId>) -> Option<ReplyParameters> {
    to.map(|m| ReplyParameters::builder().message_id(m.get()).build())
}

fn markup(buttons: &Option<Buttons>) -> Option<ReplyMarkup> {
    buttons.as_ref().map(|b| match b {
        Buttons::Inline(rows) => ReplyMarkup::InlineKeyboardMarkup(inline(rows)),
        Buttons::RequestContact { caption } => ReplyMarkup::ReplyKeyboardMarkup(
            ReplyKeyboardMarkup::builder()
                .keyboard(vec![vec![
                    KeyboardButton::builder()
                        .text(caption.clone())
                        .request_contact(true)
                        .build(),
                ]])
                .resize_keyboard(true)
                .one_time_keyboard(true)
                .build(),
        ),
        Buttons::RemoveKeyboard => ReplyMarkup::ReplyKeyboardRemove(
            ReplyKeyboardRemove::builder().remove_keyboard(true).build(),
        ),
        Buttons::ForceReply { placeholder } => ReplyMarkup::ForceReply(
            ForceReply::builder()
                .force_reply(true)
                .input_field_placeholder(placeholder.clone())
                .selective(true)
                .build(),
        ),
    })
}

fn inline(rows: &[Vec<domain::outbound::InlineButton>]) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::builder()
        .inline_keyboard(
            rows.iter()
                .map(|row| {
                    row.iter()
                        .map(|b| {
                            InlineKeyboardButton::builder()
                                .text(b.text.clone())
                                .callback_data(b.data.clone())
                                .build()
                        })
                        .collect()
                })
                .collect(),
        )
        .build()
}

fn no_preview() -> LinkPreviewOptions {
    LinkPreviewOptions::builder().is_disabled(true).build()
}

#[async_trait]
impl ChatGateway for TelegramGateway {
    async fn send_text(
        &self,
        to: ChatRef,
        thread: Option<ThreadId>,
        text: &BotText,
        reply_to: Option<MessageId>,
    ) -> Result<MessageId, ChatError> {
        let parts = split_html(&text.html, MAX_TEXT_UNITS);
        let last = parts.len() - 1;
        let mut first = None;
        for (i, part) in parts.into_iter().enumerate() {
            // Buttons go under the last part; only the first part is the reply.
            let params = SendMessageParams::builder()
                .chat_id(chat_id(to))
                .maybe_message_thread_id(thread.map(ThreadId::get))
                .text(part)
                .parse_mode(ParseMode::Html)
                .link_preview_options(no_preview())
                .maybe_reply_parameters(if i == 0 { reply(reply_to) } else { None })
                .maybe_reply_markup(if i == last {
                    markup(&text.buttons)
                } else {
                    None
                })
                .build();
            let sent = self
                .call(Some(to.chat_id()), self.bot.send_message(&params))
                .await?;
            first.get_or_insert(sent.result.message_id);
        }
        let id = first.unwrap_or_default();
        MessageId::new(i64::from(id)).map_err(|e| ChatError::Permanent(e.to_string()))
    }

    async fn copy_message(
        &self,
        from: ChatRef,
        message: MessageId,
        to: ChatRef,
        thread: Option<ThreadId>,
        reply_to: Option<MessageId>,
    ) -> Result<MessageId, ChatError> {
        let params = CopyMessageParams::builder()
            .chat_id(chat_id(to))
            .maybe_message_thread_id(thread.map(ThreadId::get))
            .from_chat_id(chat_id(from))
            .message_id(message.get())
            .maybe_reply_parameters(reply(reply_to))
            .build();
        let copied = self
            .call(Some(to.chat_id()), self.bot.copy_message(&params))
            .await?;
        MessageId::new(i64::from(copied.result.message_id))
            .map_err(|e| ChatError::Permanent(e.to_string()))
    }

    async fn edit_bot_text(
        &self,
        chat: ChatRef,
        message: MessageId,
        text: &BotText,
    ) -> Result<(), ChatError> {
        let keyboard = match &text.buttons {
            Some(Buttons::Inline(rows)) => Some(inline(rows)),
            _ => None,
        };
        let params = EditMessageTextParams::builder()
            .chat_id(chat_id(chat))
            .message_id(message.get())
            .text(split_html(&text.html, MAX_TEXT_UNITS).swap_remove(0))
            .parse_mode(ParseMode::Html)
            .link_preview_options(no_preview())
            .maybe_reply_markup(keyboard)
            .build();
        self.call(Some(chat.chat_id()), self.bot.edit_message_text(&params))
            .await
            .map(|_| ())
    }

    async fn edit_copy(
        &self,
        chat: ChatRef,
        message: MessageId,
        text: &str,
        caption: bool,
    ) -> Result<(), ChatError> {
        // Relayed content is sent without a parse mode: it is the person's own text.
        if caption {
            let params = EditMessageCaptionParams::builder()
                .chat_id(chat_id(chat))
                .message_id(message.get())
                .caption(text.chars().take(1024).collect::<String>())
                .build();
            self.call(Some(chat.chat_id()), self.bot.edit_message_caption(&params))
                .await
                .map(|_| ())
        } else {
            let params = EditMessageTextParams::builder()
                .chat_id(chat_id(chat))
                .message_id(message.get())
                .text(text.chars().take(MAX_TEXT_UNITS).collect::<String>())
                .build();
            self.call(Some(chat.chat_id()), self.bot.edit_message_text(&params))
                .await
                .map(|_| ())
        }
    }

    async fn create_topic(&self, name: &Label) -> Result<ThreadId, ChatError> {
        let params = CreateForumTopicParams::builder()
            .chat_id(self.group_chat())
            .name(name.as_str())
            .build();
        let topic = self
            .call(Some(self.group.get()), self.bot.create_forum_topic(&params))
            .await?;
        ThreadId::new(i64::from(topic.result.message_thread_id))
            .map_err(|e| ChatError::Permanent(e.to_string()))
    }

    async fn rename_topic(&self, thread: ThreadId, name: &Label) -> Result<(), ChatError> {
        let params = EditForumTopicParams::builder()
            .chat_id(self.group_chat())
            .message_thread_id(thread.get())
            .name(name.as_str())
            .build();
        self.call(Some(self.group.get()), self.bot.edit_forum_topic(&params))
            .await
            .map(|_| ())
    }

    async fn reopen_topic(&self, thread: ThreadId) -> Result<(), ChatError> {
        let params = ReopenForumTopicParams::builder()
            .chat_id(self.group_chat())
            .message_thread_id(thread.get())
            .build();
        match self
            .call(Some(self.group.get()), self.bot.reopen_forum_topic(&params))
            .await
        {
            // Someone reopened it meanwhile: what we wanted.
            Ok(_) | Err(ChatError::NotModified) => Ok(()),
            Err(e) => Err(e),
        }
    }

    async fn answer_button(&self, callback_id: &str, text: &str) -> Result<(), ChatError> {
        let params = AnswerCallbackQueryParams::builder()
            .callback_query_id(callback_id)
            .text(text)
            .build();
        // Not a message: only the bot's overall limit applies.
        self.call(None, self.bot.answer_callback_query(&params))
            .await
            .map(|_| ())
    }

    async fn set_commands(
        &self,
        scope: CommandScope,
        commands: &[(&'static str, &'static str)],
    ) -> Result<(), ChatError> {
        let scope = match scope {
            CommandScope::Clients => BotCommandScope::AllPrivateChats,
            CommandScope::Staff => BotCommandScope::Chat(
                BotCommandScopeChat::builder()
                    .chat_id(self.group_chat())
                    .build(),
            ),
        };
        let params = SetMyCommandsParams::builder()
            .commands(
                commands
                    .iter()
                    .map(|(c, d)| BotCommand::builder().command(*c).description(*d).build())
                    .collect(),
            )
            .scope(scope)
            .build();
        self.call(None, self.bot.set_my_commands(&params))
            .await
            .map(|_| ())
    }
}

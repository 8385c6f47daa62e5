//! The domain's chat gateway over the Bot API. Calls go through frankenstein, except uploads:
//! frankenstein 0.52 uploads only files on disk, so a picture made in memory (the report's
//! chart) is posted as multipart with the same reqwest client and URL.

use crate::errors::{map_api, map_error, redact};
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
use serde::Deserialize;
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

    /// Runs one frankenstein call within `chat`'s limits (see [`Self::limited`]).
    async fn call<T>(
        &self,
        chat: Option<i64>,
        request: impl Future<Output = Result<T, frankenstein::Error>>,
    ) -> Result<T, ChatError> {
        self.limited(chat, async { request.await.map_err(|e| map_error(&e)) })
            .await
    }

    /// Runs one API call that counts against `chat`'s limits (`None`: the bot's overall limit
    /// only), and remembers a `retry_after` Telegram announces for that chat.
    async fn limited<T>(
        &self,
        chat: Option<i64>,
        request: impl Future<Output = Result<T, ChatError>>,
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
        let result = request.await;
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

/// Telegram's limit on a photo's caption (UTF-16 code units).
const MAX_CAPTION_UNITS: usize = 1024;

/// The file name of an uploaded picture: Telegram keeps none for photos, but the part needs one.
const PHOTO_FILE_NAME: &str = "chart.png";

/// The Bot API's answer to a sent message, as far as the gateway reads it: only the id, so a
/// field Telegram adds tomorrow cannot break decoding.
#[derive(Deserialize)]
struct Envelope {
    ok: bool,
    result: Option<SentMessage>,
    error_code: Option<u64>,
    description: Option<String>,
    parameters: Option<EnvelopeParameters>,
}

#[derive(Deserialize)]
struct SentMessage {
    message_id: i64,
}

#[derive(Deserialize)]
struct EnvelopeParameters {
    retry_after: Option<u16>,
}

/// A network failure, without the request URL (it holds the token).
fn network(err: reqwest::Error) -> ChatError {
    ChatError::Transient(redact(&format!("network: {}", err.without_url())))
}

/// Reads the Bot API's answer to an upload, mapped as frankenstein's answers are.
fn sent_message_id(status: u16, body: &[u8]) -> Result<MessageId, ChatError> {
    let Ok(envelope) = serde_json::from_slice::<Envelope>(body) else {
        // A proxy's HTML 502, a truncated answer.
        return Err(ChatError::Transient(
            "Telegram answered with a body that is not JSON".into(),
        ));
    };
    match envelope {
        Envelope {
            ok: true,
            result: Some(sent),
            ..
        } => MessageId::new(sent.message_id).map_err(|e| ChatError::Permanent(e.to_string())),
        Envelope {
            ok: true,
            result: None,
            ..
        } => Err(ChatError::Permanent(
            "Telegram answered without the message".into(),
        )),
        Envelope {
            error_code,
            description,
            parameters,
            ..
        } => Err(map_api(
            error_code.unwrap_or(u64::from(status)),
            &redact(description.as_deref().unwrap_or_default()),
            parameters.and_then(|p| p.retry_after),
        )),
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

    async fn send_photo<'a>(
        &self,
        to: ChatRef,
        thread: Option<ThreadId>,
        png: Vec<u8>,
        caption: Option<&'a BotText>,
    ) -> Result<MessageId, ChatError> {
        // A caption too long for a photo goes on in texts after it, its buttons under the last.
        let (caption, rest) = match caption {
            None => (None, None),
            Some(text) => {
                let mut parts = split_html(&text.html, MAX_CAPTION_UNITS).into_iter();
                let first = parts.next().unwrap_or_default();
                let rest: Vec<String> = parts.collect();
                if rest.is_empty() {
                    (Some((first, markup(&text.buttons))), None)
                } else {
                    let rest = BotText {
                        html: rest.join("\n"),
                        buttons: text.buttons.clone(),
                    };
                    (Some((first, None)), Some(rest))
                }
            }
        };
        let photo = reqwest::multipart::Part::bytes(png)
            .file_name(PHOTO_FILE_NAME)
            .mime_str("image/png")
            .map_err(|e| ChatError::Permanent(e.to_string()))?;
        let mut form = reqwest::multipart::Form::new()
            .text("chat_id", to.chat_id().to_string())
            .part("photo", photo);
        if let Some(thread) = thread {
            form = form.text("message_thread_id", thread.get().to_string());
        }
        if let Some((html, buttons)) = caption {
            form = form.text("caption", html).text("parse_mode", "HTML");
            if let Some(buttons) = buttons {
                let json = serde_json::to_string(&buttons)
                    .map_err(|e| ChatError::Permanent(e.to_string()))?;
                form = form.text("reply_markup", json);
            }
        }
        let request = async {
            let response = self
                .bot
                .client
                .post(format!("{}/sendPhoto", self.bot.api_url))
                .multipart(form)
                .send()
                .await
                .map_err(network)?;
            let status = response.status().as_u16();
            let body = response.bytes().await.map_err(network)?;
            sent_message_id(status, &body)
        };
        let id = self.limited(Some(to.chat_id()), request).await?;
        if let Some(rest) = rest {
            self.send_text(to, thread, &rest, None).await?;
        }
        Ok(id)
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

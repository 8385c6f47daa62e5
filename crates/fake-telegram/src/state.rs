//! The fake's world: the bot, the support forum and its topics, private chats, every message
//! (ids counted per chat, as in Telegram), the update queue, the call log and the knobs. All of it
//! lives behind one mutex; tests read it through the accessors here (e.g. inside
//! [`crate::FakeTelegram::wait_until`]).

use crate::limits::{EnforcedLimits, Failure, Faults, RateState, Rng};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// A Telegram user (a client, a staff member or the bot itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TgUser {
    /// `User.id`; a private chat's id equals its user's id.
    pub id: u64,
    /// `first_name`.
    pub first_name: String,
    /// `last_name`.
    pub last_name: Option<String>,
    /// `username`, without `@`.
    pub username: Option<String>,
    /// `is_bot`.
    pub is_bot: bool,
}

impl TgUser {
    /// A human user.
    pub fn new(id: u64, first_name: impl Into<String>) -> Self {
        Self {
            id,
            first_name: first_name.into(),
            last_name: None,
            username: None,
            is_bot: false,
        }
    }

    /// With a `username` (without `@`).
    pub fn with_username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// With a `last_name`.
    pub fn with_last_name(mut self, last_name: impl Into<String>) -> Self {
        self.last_name = Some(last_name.into());
        self
    }

    /// The Bot API `User` JSON.
    pub fn to_json(&self) -> Value {
        let mut o = json!({"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name});
        if let Some(l) = &self.last_name {
            o["last_name"] = json!(l);
        }
        if let Some(u) = &self.username {
            o["username"] = json!(u);
        }
        o
    }
}

/// What a message carries besides text (the Message field that holds it): a photo, a
/// document, a contact…
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttachmentKind {
    /// `photo`
    Photo,
    /// `video`
    Video,
    /// `document`
    Document,
    /// `voice`
    Voice,
    /// `audio`
    Audio,
    /// `sticker`
    Sticker,
    /// `animation` (also carries `document`, as in Telegram)
    Animation,
    /// `video_note`
    VideoNote,
    /// `contact`
    Contact,
    /// `location`
    Location,
}

impl AttachmentKind {
    /// The Message field that holds it.
    pub fn field(self) -> &'static str {
        match self {
            Self::Photo => "photo",
            Self::Video => "video",
            Self::Document => "document",
            Self::Voice => "voice",
            Self::Audio => "audio",
            Self::Sticker => "sticker",
            Self::Animation => "animation",
            Self::VideoNote => "video_note",
            Self::Contact => "contact",
            Self::Location => "location",
        }
    }

    /// Whether a caption is allowed with it.
    pub fn takes_caption(self) -> bool {
        matches!(
            self,
            Self::Photo
                | Self::Video
                | Self::Document
                | Self::Voice
                | Self::Audio
                | Self::Animation
        )
    }
}

/// Media with its Bot API JSON (`file_id`s and so on), copied verbatim by copyMessage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Media {
    /// The kind.
    pub kind: AttachmentKind,
    /// The value of the Message field (e.g. the `photo` array).
    pub json: Value,
}

/// A file the fake knows: one the bot uploaded (sendPhoto, sendDocument; its bytes are kept),
/// or one attached to a message a person sent (no bytes: the fake invents only its metadata).
/// Every `file_id` of a message's media resolves to one, so it can be sent again by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredFile {
    /// `file_id`.
    pub file_id: String,
    /// `file_unique_id`.
    pub file_unique_id: String,
    /// What it was sent as.
    pub kind: AttachmentKind,
    /// `file_name` (documents).
    pub file_name: Option<String>,
    /// `mime_type`.
    pub mime_type: Option<String>,
    /// `file_size` in bytes.
    pub file_size: Option<u64>,
    /// The `file_path` getFile answers (download at `/file/bot<token>/<file_path>`).
    pub file_path: String,
    /// The uploaded bytes (`None` for files of injected messages). Every size of an uploaded
    /// photo serves the original upload: the fake does not resample.
    #[serde(skip)]
    pub bytes: Option<Arc<[u8]>>,
    /// The media JSON it belongs to (a photo's whole size list), reused when it is sent again
    /// by `file_id`.
    #[serde(skip)]
    pub(crate) media: Value,
}

/// A service message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    /// `forum_topic_created`: the topic's root; its message id is the thread id.
    TopicCreated {
        /// Topic name.
        name: String,
        /// Icon colour.
        icon_color: u32,
    },
    /// `forum_topic_edited`.
    TopicEdited {
        /// New name, if changed.
        name: Option<String>,
    },
    /// `forum_topic_closed`.
    TopicClosed,
    /// `forum_topic_reopened`.
    TopicReopened,
}

/// One stored message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredMessage {
    /// Chat id.
    pub chat_id: i64,
    /// Id within the chat.
    pub message_id: i32,
    /// Topic (supergroup) — `None` in private chats and in General.
    pub thread_id: Option<i32>,
    /// `is_topic_message`.
    pub is_topic_message: bool,
    /// Sender.
    pub from: TgUser,
    /// Unix time.
    pub date: u64,
    /// Unix time of the last edit.
    pub edit_date: Option<u64>,
    /// Text after entity parsing (as Telegram stores it).
    pub text: Option<String>,
    /// Text entities.
    pub entities: Option<Value>,
    /// Caption after entity parsing.
    pub caption: Option<String>,
    /// Caption entities.
    pub caption_entities: Option<Value>,
    /// The text/caption exactly as the bot sent it (with HTML tags), for inspection.
    pub source: Option<String>,
    /// `parse_mode` the bot used.
    pub parse_mode: Option<String>,
    /// Media.
    pub media: Option<Media>,
    /// Service content.
    pub service: Option<Service>,
    /// An explicit reply target (same chat). The forum quirk is added when rendering, not here.
    pub reply_to: Option<i32>,
    /// `reply_markup` as sent (inline keyboard, reply keyboard, remove, force reply).
    pub reply_markup: Option<Value>,
    /// `media_group_id`.
    pub media_group_id: Option<String>,
    /// Source `(chat, message)` when this is a copy made by copyMessage(s).
    pub copied_from: Option<(i64, i32)>,
    /// Source `(chat, message)` when this is a forward made by forwardMessage(s).
    pub forwarded_from: Option<(i64, i32)>,
    /// `forward_origin` (the original sender and date) of a forwarded message.
    pub forward_origin: Option<Value>,
    /// Whether the bot sent it (via the API) rather than a person (injected).
    pub by_bot: bool,
    /// Deleted (with its topic, or by deleteMessage).
    pub deleted: bool,
}

impl StoredMessage {
    /// A message with no content yet: the shell every send, copy and injection fills in.
    pub(crate) fn blank(
        chat: i64,
        id: i32,
        thread: Option<i32>,
        from: &TgUser,
        by_bot: bool,
    ) -> Self {
        Self {
            chat_id: chat,
            message_id: id,
            thread_id: thread,
            is_topic_message: thread.is_some(),
            from: from.clone(),
            date: unix_now(),
            edit_date: None,
            text: None,
            entities: None,
            caption: None,
            caption_entities: None,
            source: None,
            parse_mode: None,
            media: None,
            service: None,
            reply_to: None,
            reply_markup: None,
            media_group_id: None,
            copied_from: None,
            forwarded_from: None,
            forward_origin: None,
            by_bot,
            deleted: false,
        }
    }

    /// Text or caption, whichever it has.
    pub fn content(&self) -> Option<&str> {
        self.text.as_deref().or(self.caption.as_deref())
    }

    /// Media kind, if any.
    pub fn media_kind(&self) -> Option<AttachmentKind> {
        self.media.as_ref().map(|m| m.kind)
    }

    /// `callback_data` of every inline button.
    pub fn button_data(&self) -> Vec<String> {
        self.reply_markup
            .as_ref()
            .and_then(|m| m.get("inline_keyboard"))
            .and_then(Value::as_array)
            .map(|rows| {
                rows.iter()
                    .filter_map(Value::as_array)
                    .flatten()
                    .filter_map(|b| b.get("callback_data").and_then(Value::as_str))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// A forum topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Topic {
    /// `message_thread_id` (= id of its `forum_topic_created` message).
    pub thread_id: i32,
    /// Name.
    pub name: String,
    /// Icon colour.
    pub icon_color: u32,
    /// Custom emoji icon.
    pub icon_custom_emoji_id: Option<String>,
    /// Closed.
    pub closed: bool,
    /// Deleted.
    pub deleted: bool,
}

/// One API call as the fake saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallRecord {
    /// Order of arrival (from 1).
    pub seq: u64,
    /// Canonical method name (e.g. `sendMessage`).
    pub method: String,
    /// `chat_id` parameter.
    pub chat_id: Option<i64>,
    /// `message_thread_id` parameter.
    pub thread_id: Option<i32>,
    /// Time since the fake started.
    pub at: Duration,
    /// Whether the call was performed (true also for TruncatedJson/DropResponse faults).
    pub ok: bool,
    /// HTTP status / `error_code` answered, if not 200.
    pub error_code: Option<u16>,
    /// `description` answered, if any.
    pub description: Option<String>,
    /// The injected fault, if any.
    pub fault: Option<String>,
    /// A send repeated before its `retry_after` ran out.
    pub violation: bool,
    /// Messages created by the call (sends, copies, topic service messages).
    pub message_ids: Vec<i32>,
}

/// An answered callback query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnsweredCallback {
    /// `callback_query_id`.
    pub id: String,
    /// The pressed button's data.
    pub data: Option<String>,
    /// `text`.
    pub text: Option<String>,
    /// `show_alert`.
    pub show_alert: bool,
}

/// Commands registered by setMyCommands for one scope and language.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RegisteredCommands {
    /// The `scope` JSON (`{"type":"default"}` when none).
    pub scope: Value,
    /// `language_code` ("" when none).
    pub language_code: String,
    /// `(command, description)` in order.
    pub commands: Vec<(String, String)>,
}

/// The registered webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Webhook {
    /// `url`.
    pub url: String,
    /// `secret_token`.
    pub secret_token: Option<String>,
    /// `allowed_updates`.
    pub allowed_updates: Option<Vec<String>>,
    /// `max_connections`.
    pub max_connections: u32,
    /// Last delivery error (unix time, message).
    pub last_error: Option<(u64, String)>,
}

/// How many confirmed updates the fake keeps for [`crate::FakeTelegram::redeliver`].
pub(crate) const CONFIRMED_KEPT: usize = 1_000;

#[derive(Debug, Clone)]
pub(crate) struct PendingUpdate {
    pub id: i64,
    pub kind: String,
    pub json: Value,
    /// Injected raw: delivered whatever `allowed_updates` says.
    pub raw: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct UserState {
    pub user: TgUser,
    pub blocked: bool,
    /// Has a private chat with the bot (wrote to it at least once).
    pub has_chat: bool,
}

#[derive(Debug, Default)]
pub(crate) struct ChatLog {
    pub next_id: i32,
    pub messages: BTreeMap<i32, StoredMessage>,
}

/// The knobs that can be changed while the fake runs.
#[derive(Debug, Clone)]
pub(crate) struct Knobs {
    pub limits: EnforcedLimits,
    pub faults: Faults,
    pub delay: Duration,
    pub bot_can_manage_topics: bool,
    pub bot_can_post_in_closed_topics: bool,
}

/// A forum supergroup besides the support group (the group a clinic moves from or to): the
/// bot is an administrator there too, with the same rights.
#[derive(Debug, Clone, Default)]
pub(crate) struct Forum {
    pub title: String,
    pub topics: BTreeMap<i32, Topic>,
}

/// The whole fake state. Read it in [`crate::FakeTelegram::read`] / `wait_until` predicates.
pub struct State {
    pub(crate) bot: TgUser,
    pub(crate) group_id: i64,
    pub(crate) group_title: String,
    pub(crate) started: Instant,
    pub(crate) knobs: Knobs,
    pub(crate) users: HashMap<u64, UserState>,
    pub(crate) chats: HashMap<i64, ChatLog>,
    pub(crate) topics: BTreeMap<i32, Topic>,
    /// Other forum supergroups the bot is an administrator of, by chat id.
    pub(crate) other_forums: BTreeMap<i64, Forum>,
    pub(crate) updates: VecDeque<PendingUpdate>,
    /// The latest confirmed updates (at most [`CONFIRMED_KEPT`]), so a test can have one sent
    /// again, as Telegram does when the confirmation never reached it.
    pub(crate) confirmed: VecDeque<PendingUpdate>,
    pub(crate) next_update_id: i64,
    pub(crate) allowed_updates: Option<Vec<String>>,
    /// Bumped by every getUpdates; a waiting one that sees another number was superseded.
    pub(crate) poll_generation: u64,
    pub(crate) webhook: Option<Webhook>,
    pub(crate) calls: Vec<CallRecord>,
    /// Inspection for benchmarks: per `update_id`, when getUpdates first returned it.
    pub(crate) served: HashMap<i64, Duration>,
    /// Per `update_id`, how many getUpdates answers carried it.
    pub(crate) served_times: HashMap<i64, u32>,
    pub(crate) rate: RateState,
    pub(crate) rate_limited: u64,
    pub(crate) violations: u64,
    pub(crate) rng: Rng,
    pub(crate) one_shots: HashMap<String, VecDeque<Failure>>,
    pub(crate) callbacks: HashMap<String, Option<String>>,
    pub(crate) answered: Vec<AnsweredCallback>,
    pub(crate) next_callback: u64,
    pub(crate) next_file: u64,
    /// Every known file by `file_id`.
    pub(crate) files: HashMap<String, StoredFile>,
    pub(crate) next_media_group: u64,
    pub(crate) commands: BTreeMap<String, RegisteredCommands>,
    pub(crate) stopping: bool,
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl State {
    pub(crate) fn new(
        bot: TgUser,
        group_id: i64,
        group_title: String,
        first_update_id: i64,
        knobs: Knobs,
    ) -> Self {
        let seed = knobs.faults.seed;
        let mut chats = HashMap::new();
        // Id 1 is the General topic's own creation in a real forum (and General's thread id),
        // so the group's first message is 2: no topic can have thread id 1.
        chats.insert(
            group_id,
            ChatLog {
                next_id: 2,
                ..ChatLog::default()
            },
        );
        Self {
            bot,
            group_id,
            group_title,
            started: Instant::now(),
            knobs,
            users: HashMap::new(),
            chats,
            topics: BTreeMap::new(),
            other_forums: BTreeMap::new(),
            updates: VecDeque::new(),
            confirmed: VecDeque::new(),
            next_update_id: first_update_id,
            allowed_updates: None,
            poll_generation: 0,
            webhook: None,
            calls: Vec::new(),
            served: HashMap::new(),
            served_times: HashMap::new(),
            rate: RateState::default(),
            rate_limited: 0,
            violations: 0,
            rng: Rng::new(seed),
            one_shots: HashMap::new(),
            callbacks: HashMap::new(),
            answered: Vec::new(),
            next_callback: 1,
            next_file: 1,
            files: HashMap::new(),
            next_media_group: 1,
            commands: BTreeMap::new(),
            stopping: false,
        }
    }

    // ---- read accessors (the inspection API) ----

    /// The bot's user.
    pub fn bot(&self) -> &TgUser {
        &self.bot
    }

    /// The support group's id.
    pub fn group_id(&self) -> i64 {
        self.group_id
    }

    /// How many getUpdates requests have started (a waiting long poll is recorded in
    /// [`State::calls`] only when it returns).
    pub fn polls_started(&self) -> u64 {
        self.poll_generation
    }

    /// Every message of a chat (deleted ones included, flagged), in id order.
    pub fn messages(&self, chat_id: i64) -> Vec<&StoredMessage> {
        self.chats
            .get(&chat_id)
            .map(|c| c.messages.values().collect())
            .unwrap_or_default()
    }

    /// One message.
    pub fn message(&self, chat_id: i64, message_id: i32) -> Option<&StoredMessage> {
        self.chats.get(&chat_id)?.messages.get(&message_id)
    }

    /// The group's messages in one topic (`Some(thread)`) or in General (`None`), service
    /// messages included, in id order.
    pub fn thread_messages(&self, thread: Option<i32>) -> Vec<&StoredMessage> {
        self.messages(self.group_id)
            .into_iter()
            .filter(|m| m.thread_id == thread)
            .collect()
    }

    /// The messages the bot sent (or copied) into a chat, not deleted, in id order.
    pub fn bot_messages(&self, chat_id: i64) -> Vec<&StoredMessage> {
        self.messages(chat_id)
            .into_iter()
            .filter(|m| m.by_bot && m.service.is_none() && !m.deleted)
            .collect()
    }

    /// All topics, by thread id.
    pub fn topics(&self) -> Vec<&Topic> {
        self.topics.values().collect()
    }

    /// One topic.
    pub fn topic(&self, thread_id: i32) -> Option<&Topic> {
        self.topics.get(&thread_id)
    }

    /// The topics of a forum (the support group or another one the fake knows), by thread id;
    /// none for any other chat.
    pub fn topics_in(&self, chat_id: i64) -> Vec<&Topic> {
        self.forum_topics(chat_id)
            .map(|t| t.values().collect())
            .unwrap_or_default()
    }

    /// What the bot sent or copied into a topic (`Some`) or General (`None`) of any forum.
    pub fn bot_messages_in_forum(&self, chat_id: i64, thread: Option<i32>) -> Vec<&StoredMessage> {
        self.bot_messages(chat_id)
            .into_iter()
            .filter(|m| m.thread_id == thread)
            .collect()
    }

    /// The newest topic with this name (deleted ones included).
    pub fn topic_named(&self, name: &str) -> Option<&Topic> {
        self.topics.values().rev().find(|t| t.name == name)
    }

    /// Every API call in order of arrival.
    pub fn calls(&self) -> &[CallRecord] {
        &self.calls
    }

    /// The fake's clock: the time since it started, the time base of [`CallRecord::at`] and
    /// [`State::served_at`].
    pub fn now(&self) -> Duration {
        self.elapsed()
    }

    /// When getUpdates first returned the update `update_id` (time since the fake started,
    /// taken as the response is about to be written), for latency benchmarks: pair it with the
    /// [`CallRecord::at`] of the call that acted on it. `None` if never returned.
    pub fn served_at(&self, update_id: i64) -> Option<Duration> {
        self.served.get(&update_id).copied()
    }

    /// How many getUpdates answers carried the update `update_id` (more than one when it was
    /// sent again).
    pub fn times_served(&self, update_id: i64) -> u32 {
        self.served_times.get(&update_id).copied().unwrap_or(0)
    }

    /// The calls of one method.
    pub fn calls_of(&self, method: &str) -> Vec<&CallRecord> {
        self.calls
            .iter()
            .filter(|c| c.method.eq_ignore_ascii_case(method))
            .collect()
    }

    /// How many 429s the fake answered because of its rate limits.
    pub fn rate_limited_count(&self) -> u64 {
        self.rate_limited
    }

    /// How many sends came before an announced `retry_after` ran out.
    pub fn violations(&self) -> u64 {
        self.violations
    }

    /// Answered callback queries, in order.
    pub fn answered_callbacks(&self) -> &[AnsweredCallback] {
        &self.answered
    }

    /// Registered command lists.
    pub fn commands(&self) -> Vec<&RegisteredCommands> {
        self.commands.values().collect()
    }

    /// The webhook, if set.
    pub fn webhook(&self) -> Option<&Webhook> {
        self.webhook.as_ref()
    }

    /// Updates not yet confirmed by an offset.
    pub fn pending_updates(&self) -> usize {
        self.updates.len()
    }

    /// A known file by `file_id` (uploaded ones carry their bytes).
    pub fn file(&self, file_id: &str) -> Option<&StoredFile> {
        self.files.get(file_id)
    }

    /// Every known file, in `file_path` order.
    pub fn files(&self) -> Vec<&StoredFile> {
        let mut all: Vec<_> = self.files.values().collect();
        all.sort_by(|a, b| {
            a.file_path
                .cmp(&b.file_path)
                .then(a.file_id.cmp(&b.file_id))
        });
        all
    }

    /// Whether the user blocked the bot.
    pub fn is_blocked(&self, user_id: u64) -> bool {
        self.users.get(&user_id).is_some_and(|u| u.blocked)
    }

    // ---- internals ----

    pub(crate) fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    pub(crate) fn next_file_id(&mut self, prefix: &str) -> (String, String) {
        let n = self.next_file;
        self.next_file += 1;
        (format!("{prefix}-fake-file-{n}"), format!("AQAD{n}"))
    }

    pub(crate) fn new_media_group(&mut self) -> String {
        let n = self.next_media_group;
        self.next_media_group += 1;
        format!("1{n:016}")
    }

    /// The user whose private chat `chat_id` is, if the fake has seen them.
    pub(crate) fn user_of_chat(&self, chat_id: i64) -> Option<&UserState> {
        u64::try_from(chat_id).ok().and_then(|u| self.users.get(&u))
    }

    /// A forum, or a private chat with a user the fake has seen.
    pub(crate) fn knows_chat(&self, chat_id: i64) -> bool {
        self.is_forum(chat_id) || self.user_of_chat(chat_id).is_some()
    }

    pub(crate) fn is_private(&self, chat_id: i64) -> bool {
        !self.is_forum(chat_id)
    }

    /// The support group, or another forum supergroup the fake knows.
    pub(crate) fn is_forum(&self, chat_id: i64) -> bool {
        chat_id == self.group_id || self.other_forums.contains_key(&chat_id)
    }

    /// A forum's topics.
    pub(crate) fn forum_topics(&self, chat_id: i64) -> Option<&BTreeMap<i32, Topic>> {
        if chat_id == self.group_id {
            Some(&self.topics)
        } else {
            self.other_forums.get(&chat_id).map(|f| &f.topics)
        }
    }

    /// A forum's topics, to change them.
    pub(crate) fn forum_topics_mut(&mut self, chat_id: i64) -> Option<&mut BTreeMap<i32, Topic>> {
        if chat_id == self.group_id {
            Some(&mut self.topics)
        } else {
            self.other_forums.get_mut(&chat_id).map(|f| &mut f.topics)
        }
    }

    /// A live topic of a forum (not deleted).
    pub(crate) fn live_topic_in(&self, chat_id: i64, thread: i32) -> Option<&Topic> {
        self.forum_topics(chat_id)?
            .get(&thread)
            .filter(|t| !t.deleted)
    }

    /// Adds a forum supergroup with the bot as an administrator (a no-op for a known one).
    pub(crate) fn add_forum(&mut self, chat_id: i64, title: &str) {
        if self.is_forum(chat_id) {
            return;
        }
        self.other_forums.insert(
            chat_id,
            Forum {
                title: title.to_owned(),
                topics: BTreeMap::new(),
            },
        );
        // As in the support group: id 1 is General's own, so no topic can have thread id 1.
        self.chats.insert(
            chat_id,
            ChatLog {
                next_id: 2,
                ..ChatLog::default()
            },
        );
    }

    /// Allocates the next message id in a chat (each chat counts from 1).
    pub(crate) fn alloc_id(&mut self, chat_id: i64) -> i32 {
        let log = self.chats.entry(chat_id).or_insert_with(|| ChatLog {
            next_id: 1,
            ..ChatLog::default()
        });
        let id = log.next_id;
        log.next_id += 1;
        id
    }

    pub(crate) fn store(&mut self, m: StoredMessage) {
        if let Some(media) = &m.media {
            self.register_media_files(media);
        }
        self.chats
            .entry(m.chat_id)
            .or_default()
            .messages
            .insert(m.message_id, m);
    }

    /// Makes every `file_id` in a message's media known (metadata only; uploads are registered
    /// with their bytes before their message is stored).
    fn register_media_files(&mut self, media: &Media) {
        fn walk(v: &Value, out: &mut Vec<Value>) {
            match v {
                Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
                Value::Object(o) if o.get("file_id").is_some_and(Value::is_string) => {
                    out.push(v.clone());
                }
                _ => {}
            }
        }
        let mut found = Vec::new();
        walk(&media.json, &mut found);
        for f in found {
            let id = f["file_id"].as_str().unwrap_or_default().to_owned();
            if self.files.contains_key(&id) {
                continue;
            }
            let n = self.files.len() + 1;
            let file = StoredFile {
                file_id: id.clone(),
                file_unique_id: f["file_unique_id"].as_str().unwrap_or(&id).to_owned(),
                kind: media.kind,
                file_name: f["file_name"].as_str().map(str::to_owned),
                mime_type: f["mime_type"].as_str().map(str::to_owned),
                file_size: f["file_size"].as_u64(),
                file_path: format!("{}s/file_{n}", media.kind.field()),
                bytes: None,
                media: media.json.clone(),
            };
            self.files.insert(id, file);
        }
    }

    pub(crate) fn ensure_user(&mut self, user: &TgUser) {
        let entry = self.users.entry(user.id).or_insert_with(|| UserState {
            user: user.clone(),
            blocked: false,
            has_chat: false,
        });
        // Keep name/username current, as Telegram does.
        entry.user = user.clone();
    }

    pub(crate) fn chat_json(&self, chat_id: i64) -> Value {
        if chat_id == self.group_id {
            return json!({"id": chat_id, "title": self.group_title, "type": "supergroup", "is_forum": true});
        }
        if let Some(forum) = self.other_forums.get(&chat_id) {
            return json!({"id": chat_id, "title": forum.title, "type": "supergroup", "is_forum": true});
        }
        let mut o = json!({"id": chat_id, "type": "private"});
        if let Some(u) = u64::try_from(chat_id)
            .ok()
            .and_then(|id| self.users.get(&id))
        {
            o["first_name"] = json!(u.user.first_name);
            if let Some(l) = &u.user.last_name {
                o["last_name"] = json!(l);
            }
            if let Some(n) = &u.user.username {
                o["username"] = json!(n);
            }
        }
        o
    }

    /// The Bot API `Message` JSON. `reply_to_message` is included one level deep (as Telegram
    /// does); inside a topic a message without an explicit reply "replies" to the topic's
    /// `forum_topic_created` message — the forum quirk.
    pub(crate) fn message_json(&self, m: &StoredMessage, with_reply: bool) -> Value {
        let mut o = Map::new();
        o.insert("message_id".into(), json!(m.message_id));
        if let Some(t) = m.thread_id {
            o.insert("message_thread_id".into(), json!(t));
        }
        o.insert("from".into(), m.from.to_json());
        o.insert("chat".into(), self.chat_json(m.chat_id));
        o.insert("date".into(), json!(m.date));
        if let Some(origin) = &m.forward_origin {
            o.insert("forward_origin".into(), origin.clone());
        }
        if m.is_topic_message {
            o.insert("is_topic_message".into(), json!(true));
        }
        if with_reply {
            let quirk = match m.thread_id {
                Some(t) if m.is_topic_message && t != m.message_id => Some(t),
                _ => None,
            };
            let target = m.reply_to.or(quirk);
            if let Some(r) = target
                .and_then(|r| self.message(m.chat_id, r))
                .filter(|r| !r.deleted)
            {
                o.insert("reply_to_message".into(), self.message_json(r, false));
            }
        }
        if let Some(d) = m.edit_date {
            o.insert("edit_date".into(), json!(d));
        }
        if let Some(g) = &m.media_group_id {
            o.insert("media_group_id".into(), json!(g));
        }
        if let Some(t) = &m.text {
            o.insert("text".into(), json!(t));
        }
        if let Some(e) = &m.entities {
            o.insert("entities".into(), e.clone());
        }
        if let Some(media) = &m.media {
            if media.kind == AttachmentKind::Animation {
                o.insert("document".into(), media.json.clone());
            }
            o.insert(media.kind.field().into(), media.json.clone());
        }
        if let Some(c) = &m.caption {
            o.insert("caption".into(), json!(c));
        }
        if let Some(e) = &m.caption_entities {
            o.insert("caption_entities".into(), e.clone());
        }
        match &m.service {
            Some(Service::TopicCreated { name, icon_color }) => {
                o.insert(
                    "forum_topic_created".into(),
                    json!({"name": name, "icon_color": icon_color}),
                );
            }
            Some(Service::TopicEdited { name }) => {
                let v = match name {
                    Some(n) => json!({"name": n}),
                    None => json!({}),
                };
                o.insert("forum_topic_edited".into(), v);
            }
            Some(Service::TopicClosed) => {
                o.insert("forum_topic_closed".into(), json!({}));
            }
            Some(Service::TopicReopened) => {
                o.insert("forum_topic_reopened".into(), json!({}));
            }
            None => {}
        }
        // Only inline keyboards are part of a Message.
        if let Some(mk) = &m.reply_markup
            && mk.get("inline_keyboard").is_some()
        {
            o.insert("reply_markup".into(), mk.clone());
        }
        Value::Object(o)
    }

    /// Queues an update of `kind` (`message`, `edited_message`, …) and returns its id. As in
    /// Telegram, `allowed_updates` filters when an update is created: one of a kind the bot did
    /// not ask for is never queued, while updates queued before the bot set its filter stay.
    pub(crate) fn push_update(&mut self, kind: &str, payload: Value) -> i64 {
        let id = self.next_update_id;
        self.next_update_id += 1;
        let mut json = json!({ "update_id": id });
        json[kind] = payload;
        let update = PendingUpdate {
            id,
            kind: kind.to_owned(),
            json,
            raw: false,
        };
        if Self::allowed(self.allowed_updates.as_ref(), &update) {
            self.updates.push_back(update);
        }
        id
    }

    /// Whether an update of `kind` passes the given `allowed_updates` (Telegram's default
    /// leaves out chat_member and reactions).
    pub(crate) fn allowed(allowed: Option<&Vec<String>>, u: &PendingUpdate) -> bool {
        if u.raw {
            return true;
        }
        match allowed {
            Some(list) if !list.is_empty() => list.iter().any(|k| k == &u.kind),
            _ => !matches!(
                u.kind.as_str(),
                "chat_member" | "message_reaction" | "message_reaction_count"
            ),
        }
    }
}

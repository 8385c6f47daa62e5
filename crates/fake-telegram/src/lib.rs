//! # A fake Telegram Bot API server
//!
//! An in-process stand-in for `api.telegram.org` (axum) for tests, benchmarks and manual tries,
//! faithful where a support bot depends on it: the `{"ok":…}` envelope and Telegram's error
//! descriptions, per-chat message ids, forum topics (with the `forum_topic_created` root and the
//! "reply" quirk), long-polled getUpdates with offset confirmation and the 409 conflicts,
//! more forum supergroups beside the support group ([`FakeTelegram::add_forum`], each with its
//! own topics, as when a clinic moves to a new group), sendMessage, copyMessage(s) and
//! forwardMessage(s) (with `forward_origin`), sendPhoto and
//! sendDocument (multipart/form-data uploads or a known `file_id`; the uploaded bytes are kept),
//! getFile and `/file/bot<token>/…` downloads, edits, callbacks, command menus, webhooks, rate
//! limits with `retry_after` ([`EnforcedLimits`]), and injectable faults (5xx, an HTML 502,
//! truncated JSON, a response that never comes).
//!
//! Parameters come as JSON, a form, multipart/form-data or a query string, as Telegram takes
//! them; method names are case-insensitive. A method the fake does not model ([`METHODS`] lists
//! those it does) is answered as Telegram answers an unknown one: HTTP 404
//! `{"ok":false,"error_code":404,"description":"Not Found"}`. Every call, modelled or not,
//! answered or refused, is in the call log ([`FakeTelegram::calls`], `GET /_fake/calls`).
//!
//! Tests drive it through [`FakeTelegram`]: inject what clients and staff do, then inspect what
//! the bot did (messages, topics, uploaded files, the call log), waiting with
//! [`FakeTelegram::wait_until`]. Another process (a bot in another language, a human with curl)
//! drives it through the `/_fake/…` control API of the `fake-bot-api` binary
//! (`cargo run -p fake-telegram --bin fake-bot-api`; the routes are listed there).
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use fake_telegram::{FakeConfig, FakeTelegram, TgUser};
//! use std::time::Duration;
//! let tg = FakeTelegram::start(FakeConfig::default()).await?;
//! let olena = TgUser::new(8_000_000_001, "Олена");
//! tg.client_text(&olena, "Привіт");
//! // …run the bot against tg.base_url() / tg.token()…
//! let copied = tg
//!     .wait_until(Duration::from_secs(5), |s| {
//!         s.topics().iter().any(|t| !s.bot_messages_in(Some(t.thread_id)).is_empty())
//!     })
//!     .await;
//! assert!(copied);
//! # Ok(()) }
//! ```
//!
//! Not modelled: inline mode, payments, sticker sets, games, business and channel features,
//! other kinds of upload (sendVoice, sendVideo, media groups), fetching files from URLs (a URL
//! is answered "failed to get HTTP URL content"), MarkdownV2 parsing (the raw text is kept), and
//! resampling: every size of an uploaded photo serves the original bytes.
//!
//! Modules: `state` (the world and its read accessors), `methods` (the Bot API methods),
//! `inject` (what people do), `limits` (rate limits and faults), `html` (parse_mode=HTML),
//! `upload` (multipart bodies, image sizes), `server` (HTTP, getUpdates, webhook delivery,
//! downloads, the `/_fake` control API).
//!
//! It depends on no crate of this workspace; the adapter and the app use it as a
//! dev-dependency only, so the bot never links it.

mod html;
mod inject;
mod limits;
mod methods;
mod server;
mod state;
mod upload;

pub use inject::{Injected, NewContent};
pub use limits::{EnforcedLimits, Failure, Faults, SEND_METHODS};
pub use methods::{ApiError, METHODS};
pub use state::{
    AnsweredCallback, AttachmentKind, CallRecord, Media, RegisteredCommands, Service, State,
    StoredFile, StoredMessage, TgUser, Topic, Webhook,
};

use serde_json::Value;
use server::Shared;
use state::Knobs;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{oneshot, watch};

/// How the fake starts.
#[derive(Debug, Clone)]
pub struct FakeConfig {
    /// Where to listen (default `127.0.0.1:0`, an ephemeral port).
    pub addr: SocketAddr,
    /// The bot (its id is also the token's prefix).
    pub bot: TgUser,
    /// The token's secret part; the token is `{bot.id}:{secret}`.
    pub token_secret: String,
    /// The support supergroup (a forum).
    pub group_id: i64,
    /// Its title.
    pub group_title: String,
    /// The first `update_id`.
    pub first_update_id: i64,
    /// Rate limits (off by default).
    pub limits: EnforcedLimits,
    /// Random faults (off by default).
    pub faults: Faults,
    /// A delay before every API call is handled.
    pub delay: Duration,
    /// The bot is an admin with `can_manage_topics` (default true).
    pub bot_can_manage_topics: bool,
    /// The bot may post in closed topics (true for real admins; false → 400 TOPIC_CLOSED).
    pub bot_can_post_in_closed_topics: bool,
}

impl Default for FakeConfig {
    fn default() -> Self {
        let mut bot =
            TgUser::new(7_000_000_001, "PetWealth Parents").with_username("petwealth_parents_bot");
        bot.is_bot = true;
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            bot,
            token_secret: "AAH-fake-token-secret-for-tests-0123456".into(),
            group_id: -1_001_234_567_890,
            group_title: "PetWealth Support".into(),
            first_update_id: 500_000_001,
            limits: EnforcedLimits::off(),
            faults: Faults::default(),
            delay: Duration::ZERO,
            bot_can_manage_topics: true,
            bot_can_post_in_closed_topics: true,
        }
    }
}

struct ServerHandle {
    shared: Arc<Shared>,
    shutdown: Mutex<Option<oneshot::Sender<()>>>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl ServerHandle {
    fn signal_stop(&self) {
        self.shared.write(|s| s.stopping = true);
        if let Some(tx) = self
            .shutdown
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
        {
            let _ = tx.send(());
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.signal_stop();
    }
}

/// A running fake Bot API. Cheap to clone; the server stops when the last clone is dropped or
/// on [`FakeTelegram::stop`].
#[derive(Clone)]
pub struct FakeTelegram {
    shared: Arc<Shared>,
    handle: Arc<ServerHandle>,
    addr: SocketAddr,
    token: Arc<str>,
    group_id: i64,
}

impl FakeTelegram {
    /// Binds `config.addr` and starts serving (needs a tokio runtime).
    pub async fn start(config: FakeConfig) -> std::io::Result<Self> {
        let token = format!("{}:{}", config.bot.id, config.token_secret);
        let knobs = Knobs {
            limits: config.limits,
            faults: config.faults.clone(),
            delay: config.delay,
            bot_can_manage_topics: config.bot_can_manage_topics,
            bot_can_post_in_closed_topics: config.bot_can_post_in_closed_topics,
        };
        let state = State::new(
            config.bot.clone(),
            config.group_id,
            config.group_title.clone(),
            config.first_update_id,
            knobs,
        );
        let (changed, _) = watch::channel(0u64);
        let shared = Arc::new(Shared {
            token: token.clone(),
            state: Mutex::new(state),
            changed,
        });
        let (addr, tx, task) = server::serve(config.addr, shared.clone()).await?;
        Ok(Self {
            handle: Arc::new(ServerHandle {
                shared: shared.clone(),
                shutdown: Mutex::new(Some(tx)),
                task: Mutex::new(Some(task)),
            }),
            shared,
            addr,
            token: token.into(),
            group_id: config.group_id,
        })
    }

    /// Stops serving: waiting long polls return empty, open connections are closed.
    pub async fn stop(&self) {
        self.handle.signal_stop();
        let task = self
            .handle
            .task
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(task) = task {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(2), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }

    // ---- addresses ----

    /// `http://127.0.0.1:PORT` — the bot appends `/bot{token}`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `{base_url}/bot{token}` — frankenstein's `api_url`.
    pub fn api_url(&self) -> String {
        format!("{}/bot{}", self.base_url(), self.token)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bot token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The support group's id.
    pub fn group_id(&self) -> i64 {
        self.group_id
    }

    /// The bot's user.
    pub fn bot_user(&self) -> TgUser {
        self.read(|s| s.bot().clone())
    }

    // ---- reading and waiting ----

    /// Reads the state under the lock. Keep `f` short; do not call back into the fake.
    pub fn read<T>(&self, f: impl FnOnce(&State) -> T) -> T {
        self.shared.read(f)
    }

    /// Waits until `pred` holds (re-checked on every change, no polling); `false` on timeout.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        mut pred: impl FnMut(&State) -> bool,
    ) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut rx = self.shared.changed.subscribe();
        loop {
            rx.borrow_and_update();
            if self.read(&mut pred) {
                return true;
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => {}
                _ => return self.read(&mut pred),
            }
        }
    }

    /// Every message of a chat, in id order (deleted ones flagged).
    pub fn messages(&self, chat_id: i64) -> Vec<StoredMessage> {
        self.read(|s| s.messages(chat_id).into_iter().cloned().collect())
    }

    /// The group's messages in a topic (`Some`) or General (`None`), service messages included.
    pub fn thread_messages(&self, thread: Option<i32>) -> Vec<StoredMessage> {
        self.read(|s| s.thread_messages(thread).into_iter().cloned().collect())
    }

    /// What the bot sent or copied into a chat (no service messages, nothing deleted).
    pub fn bot_messages(&self, chat_id: i64) -> Vec<StoredMessage> {
        self.read(|s| s.bot_messages(chat_id).into_iter().cloned().collect())
    }

    /// One message.
    pub fn message(&self, chat_id: i64, message_id: i32) -> Option<StoredMessage> {
        self.read(|s| s.message(chat_id, message_id).cloned())
    }

    /// All topics.
    pub fn topics(&self) -> Vec<Topic> {
        self.read(|s| s.topics().into_iter().cloned().collect())
    }

    /// The topics of a forum (the support group or another one the fake knows).
    pub fn topics_in(&self, chat_id: i64) -> Vec<Topic> {
        self.read(|s| s.topics_in(chat_id).into_iter().cloned().collect())
    }

    /// One topic.
    pub fn topic(&self, thread_id: i32) -> Option<Topic> {
        self.read(|s| s.topic(thread_id).cloned())
    }

    /// The newest topic with this name.
    pub fn topic_named(&self, name: &str) -> Option<Topic> {
        self.read(|s| s.topic_named(name).cloned())
    }

    /// A known file by `file_id`; an uploaded one carries its bytes.
    pub fn file(&self, file_id: &str) -> Option<StoredFile> {
        self.read(|s| s.file(file_id).cloned())
    }

    /// The bytes the bot uploaded under a `file_id` (sendPhoto, sendDocument).
    pub fn file_bytes(&self, file_id: &str) -> Option<Vec<u8>> {
        self.read(|s| s.file(file_id)?.bytes.as_deref().map(<[u8]>::to_vec))
    }

    /// The call log.
    pub fn calls(&self) -> Vec<CallRecord> {
        self.read(|s| s.calls().to_vec())
    }

    /// The calls of one method.
    pub fn calls_of(&self, method: &str) -> Vec<CallRecord> {
        self.read(|s| s.calls_of(method).into_iter().cloned().collect())
    }

    /// 429s answered by the rate limits.
    pub fn rate_limited_count(&self) -> u64 {
        self.read(State::rate_limited_count)
    }

    /// Sends made before an announced `retry_after` ran out (should stay 0).
    pub fn violations(&self) -> u64 {
        self.read(State::violations)
    }

    /// Answered callback queries.
    pub fn answered_callbacks(&self) -> Vec<AnsweredCallback> {
        self.read(|s| s.answered_callbacks().to_vec())
    }

    /// Registered command lists.
    pub fn commands(&self) -> Vec<RegisteredCommands> {
        self.read(|s| s.commands().into_iter().cloned().collect())
    }

    /// The webhook, if set.
    pub fn webhook(&self) -> Option<Webhook> {
        self.read(|s| s.webhook().cloned())
    }

    // ---- clients (private chats) ----

    /// A client sends anything (`reply_to` = a message of that private chat).
    pub fn client_send(
        &self,
        user: &TgUser,
        content: NewContent,
        reply_to: Option<i32>,
    ) -> Result<Injected, String> {
        self.shared
            .write(|s| s.inject_private(user, &content, reply_to, None))
    }

    fn client(&self, user: &TgUser, content: NewContent) -> Injected {
        self.client_send(user, content, None)
            .unwrap_or_else(|e| panic!("fake: cannot inject a client message: {e}"))
    }

    /// A client's text.
    pub fn client_text(&self, user: &TgUser, text: &str) -> Injected {
        self.client(user, NewContent::text(text))
    }

    /// `/start` (with its `bot_command` entity).
    pub fn client_start(&self, user: &TgUser) -> Injected {
        self.client(user, NewContent::text("/start"))
    }

    /// A photo with an optional caption.
    pub fn client_photo(&self, user: &TgUser, caption: Option<&str>) -> Injected {
        self.client(
            user,
            NewContent::Photo {
                caption: caption.map(str::to_owned),
            },
        )
    }

    /// A document.
    pub fn client_document(
        &self,
        user: &TgUser,
        file_name: &str,
        caption: Option<&str>,
    ) -> Injected {
        self.client(
            user,
            NewContent::Document {
                file_name: file_name.into(),
                caption: caption.map(str::to_owned),
            },
        )
    }

    /// A voice note.
    pub fn client_voice(&self, user: &TgUser) -> Injected {
        self.client(user, NewContent::Voice)
    }

    /// A sticker.
    pub fn client_sticker(&self, user: &TgUser, emoji: &str) -> Injected {
        self.client(
            user,
            NewContent::Sticker {
                emoji: emoji.into(),
            },
        )
    }

    /// A contact: the client's own when `contact_user_id == Some(user.id)`, else someone else's.
    pub fn client_contact(
        &self,
        user: &TgUser,
        phone: &str,
        contact_user_id: Option<u64>,
    ) -> Injected {
        self.client(
            user,
            NewContent::Contact {
                phone: phone.into(),
                first_name: user.first_name.clone(),
                user_id: contact_user_id,
            },
        )
    }

    /// An album: `count` photos sharing one `media_group_id`, the caption on the first — one
    /// update each, as Telegram sends them.
    pub fn client_album(
        &self,
        user: &TgUser,
        count: usize,
        caption: Option<&str>,
    ) -> Vec<Injected> {
        self.shared.write(|s| {
            let group = s.new_media_group();
            (0..count)
                .filter_map(|i| {
                    let caption = if i == 0 {
                        caption.map(str::to_owned)
                    } else {
                        None
                    };
                    s.inject_private(
                        user,
                        &NewContent::Photo { caption },
                        None,
                        Some(group.clone()),
                    )
                    .ok()
                })
                .collect()
        })
    }

    /// A client's reply to a message of their chat (e.g. one the bot copied from staff).
    pub fn client_reply(
        &self,
        user: &TgUser,
        reply_to: i32,
        text: &str,
    ) -> Result<Injected, String> {
        self.client_send(user, NewContent::text(text), Some(reply_to))
    }

    /// A client edits their message (text, or caption of media).
    pub fn client_edit(
        &self,
        user: &TgUser,
        message_id: i32,
        new_text: &str,
    ) -> Result<Injected, String> {
        let chat = i64::try_from(user.id).map_err(|_| "user id too large".to_owned())?;
        self.shared
            .write(|s| s.inject_edit(chat, message_id, new_text))
    }

    /// The user blocks the bot (a `my_chat_member` update is queued).
    pub fn block_bot(&self, user_id: u64) {
        self.shared.write(|s| s.set_blocked(user_id, true));
    }

    /// The user unblocks the bot.
    pub fn unblock_bot(&self, user_id: u64) {
        self.shared.write(|s| s.set_blocked(user_id, false));
    }

    // ---- staff (the support group) ----

    /// Staff sends anything in a topic (`Some`) or General (`None`), optionally as a reply.
    /// Not a reply in a topic → the update carries the forum quirk (`reply_to_message` = root).
    pub fn staff_send(
        &self,
        staff: &TgUser,
        thread: Option<i32>,
        content: NewContent,
        reply_to: Option<i32>,
    ) -> Result<Injected, String> {
        self.shared
            .write(|s| s.inject_group(staff, thread, &content, reply_to))
    }

    /// Staff text in a topic.
    pub fn staff_text(&self, staff: &TgUser, thread: i32, text: &str) -> Result<Injected, String> {
        self.staff_send(staff, Some(thread), NewContent::text(text), None)
    }

    /// Staff's explicit reply to a group message (lands in that message's topic).
    pub fn staff_reply(
        &self,
        staff: &TgUser,
        reply_to: i32,
        text: &str,
    ) -> Result<Injected, String> {
        self.staff_send(staff, None, NewContent::text(text), Some(reply_to))
    }

    /// A command such as `/close` in a topic (`Some`) or General (`None`), with its entity.
    pub fn staff_command(
        &self,
        staff: &TgUser,
        thread: Option<i32>,
        command: &str,
    ) -> Result<Injected, String> {
        self.staff_send(staff, thread, NewContent::text(command), None)
    }

    /// A message in General.
    pub fn general_text(&self, staff: &TgUser, text: &str) -> Result<Injected, String> {
        self.staff_send(staff, None, NewContent::text(text), None)
    }

    /// Staff (or anyone) sends anything in a topic (`Some`) or General (`None`) of another
    /// forum supergroup the fake knows ([`FakeTelegram::add_forum`]), optionally as a reply.
    pub fn staff_send_in(
        &self,
        chat_id: i64,
        staff: &TgUser,
        thread: Option<i32>,
        content: NewContent,
        reply_to: Option<i32>,
    ) -> Result<Injected, String> {
        self.shared
            .write(|s| s.inject_forum(chat_id, staff, thread, &content, reply_to))
    }

    /// Staff text in a topic of a forum the fake knows.
    pub fn staff_text_in(
        &self,
        chat_id: i64,
        staff: &TgUser,
        thread: i32,
        text: &str,
    ) -> Result<Injected, String> {
        self.staff_send_in(chat_id, staff, Some(thread), NewContent::text(text), None)
    }

    /// Staff edits their message.
    pub fn staff_edit(&self, message_id: i32, new_text: &str) -> Result<Injected, String> {
        let group = self.group_id;
        self.shared
            .write(|s| s.inject_edit(group, message_id, new_text))
    }

    /// Someone presses an inline button (`data`) under a message; returns the callback id.
    pub fn press_button(
        &self,
        user: &TgUser,
        chat_id: i64,
        message_id: i32,
        data: &str,
    ) -> Result<Injected, String> {
        self.shared
            .write(|s| s.inject_callback(user, chat_id, message_id, data))
    }

    /// Staff closes a topic (service message + update).
    pub fn staff_close_topic(&self, staff: &TgUser, thread: i32) -> Result<Injected, String> {
        self.shared
            .write(|s| s.staff_set_closed(staff, thread, true))
    }

    /// Staff reopens a topic.
    pub fn staff_reopen_topic(&self, staff: &TgUser, thread: i32) -> Result<Injected, String> {
        self.shared
            .write(|s| s.staff_set_closed(staff, thread, false))
    }

    /// Staff deletes a topic with its messages (no update, as in Telegram). `false` if unknown.
    pub fn delete_topic(&self, thread: i32) -> bool {
        self.shared.write(|s| s.delete_topic_now(thread))
    }

    /// Queues a raw update (any JSON object; `update_id` is assigned). Delivered whatever
    /// `allowed_updates` says — it exists to test unknown kinds.
    pub fn inject_raw(&self, update: Value) -> i64 {
        self.shared.write(|s| s.inject_raw(update))
    }

    /// Sends a confirmed update again, with its id, as Telegram does when the bot's
    /// confirmation (the next offset) never reached it — e.g. the bot was killed after
    /// handling it. Delivered to a getUpdates whose offset does not confirm it already (a
    /// restarted bot's, from its saved offset). `false` if the update is not among the latest
    /// confirmed ones.
    pub fn redeliver(&self, update_id: i64) -> bool {
        self.shared.write(|s| {
            let Some(u) = s.confirmed.iter().find(|u| u.id == update_id).cloned() else {
                return false;
            };
            let at = s.updates.partition_point(|p| p.id < update_id);
            s.updates.insert(at, u);
            true
        })
    }

    /// The next `update_id` (Telegram restarts ids randomly after a week without updates).
    pub fn set_next_update_id(&self, id: i64) {
        self.shared.write(|s| s.next_update_id = id);
    }

    // ---- knobs ----

    /// Another forum supergroup with the bot as an administrator with the same rights as in
    /// the support group — the group a clinic moves to, or the one it leaves. Its topics and
    /// messages are its own: a thread id of the support group means nothing there. Sends into
    /// a forum the fake does not know answer `Bad Request: chat not found`, as Telegram does.
    pub fn add_forum(&self, chat_id: i64, title: &str) {
        self.shared.write(|s| s.add_forum(chat_id, title));
    }

    /// Replaces the rate limits.
    pub fn set_limits(&self, limits: EnforcedLimits) {
        self.shared.write(|s| s.knobs.limits = limits);
    }

    /// Replaces the random faults (and reseeds the generator).
    pub fn set_faults(&self, faults: Faults) {
        self.shared.write(|s| {
            s.rng = limits::Rng::new(faults.seed);
            s.knobs.faults = faults;
        });
    }

    /// A delay before every API call.
    pub fn set_delay(&self, delay: Duration) {
        self.shared.write(|s| s.knobs.delay = delay);
    }

    /// The next call of `method` (canonical name, e.g. `copyMessage`) fails this way. Queued:
    /// call it twice for the next two calls.
    pub fn fail_next(&self, method: &str, failure: Failure) {
        let method = methods::METHODS
            .iter()
            .find(|m| m.eq_ignore_ascii_case(method))
            .map_or_else(|| method.to_owned(), |m| (*m).to_owned());
        self.shared
            .write(|s| s.one_shots.entry(method).or_default().push_back(failure));
    }

    /// Whether the bot may post into closed topics (false → 400 TOPIC_CLOSED).
    pub fn set_bot_can_post_in_closed_topics(&self, can: bool) {
        self.shared
            .write(|s| s.knobs.bot_can_post_in_closed_topics = can);
    }

    /// Whether the bot has `can_manage_topics`.
    pub fn set_bot_can_manage_topics(&self, can: bool) {
        self.shared.write(|s| s.knobs.bot_can_manage_topics = can);
    }
}

impl State {
    /// What the bot sent or copied into a topic (`Some`) or General (`None`) of the group.
    pub fn bot_messages_in(&self, thread: Option<i32>) -> Vec<&StoredMessage> {
        self.bot_messages(self.group_id)
            .into_iter()
            .filter(|m| m.thread_id == thread)
            .collect()
    }
}

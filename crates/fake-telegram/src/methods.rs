//! The Bot API methods the fake implements, as synchronous functions over [`State`]: parameter
//! reading (JSON, form or query values alike), Telegram's checks in Telegram's order, and the
//! exact error descriptions the bot's error mapping relies on. getUpdates is not here: it waits,
//! so the server runs it (see `server.rs`).

use crate::html;
use crate::state::{
    AnsweredCallback, AttachmentKind, Media, RegisteredCommands, Service, State, StoredFile,
    StoredMessage, Topic, Webhook, unix_now,
};
use crate::upload;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// Text limit (UTF-16 units, after entity parsing).
pub const MAX_TEXT: usize = 4096;
/// Caption limit.
pub const MAX_CAPTION: usize = 1024;
/// The icon colours Telegram accepts for topics.
pub const TOPIC_COLORS: [u32; 6] = [
    7_322_096, 16_766_590, 13_338_331, 9_367_192, 16_749_490, 16_478_047,
];

/// The largest upload Telegram takes (50 MB); a bigger file is answered 413.
pub const MAX_UPLOAD: usize = 50 * 1024 * 1024;
/// The largest file getFile hands out (20 MB).
pub const MAX_DOWNLOAD: u64 = 20 * 1024 * 1024;

/// Every method the fake knows, by canonical name (Telegram matches names case-insensitively).
/// Any other method is answered 404 "Not Found", as Telegram does (and logged like the rest).
pub const METHODS: [&str; 32] = [
    "getMe",
    "getUpdates",
    "sendMessage",
    "sendPhoto",
    "sendDocument",
    "copyMessage",
    "copyMessages",
    "forwardMessage",
    "forwardMessages",
    "getFile",
    "editMessageText",
    "editMessageCaption",
    "editMessageReplyMarkup",
    "deleteMessage",
    "createForumTopic",
    "editForumTopic",
    "closeForumTopic",
    "reopenForumTopic",
    "deleteForumTopic",
    "answerCallbackQuery",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "getChat",
    "getChatMember",
    "setWebhook",
    "deleteWebhook",
    "getWebhookInfo",
    "sendChatAction",
    "leaveChat",
    "logOut",
    "close",
];

/// The canonical name of a method, if the fake knows it.
pub fn canonical(method: &str) -> Option<&'static str> {
    METHODS
        .iter()
        .copied()
        .find(|m| m.eq_ignore_ascii_case(method))
}

/// An error envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// `error_code` (also the HTTP status).
    pub code: u16,
    /// `description`.
    pub description: String,
    /// `parameters.retry_after`.
    pub retry_after: Option<u16>,
}

impl ApiError {
    pub(crate) fn new(code: u16, description: impl Into<String>) -> Self {
        Self {
            code,
            description: description.into(),
            retry_after: None,
        }
    }

    pub(crate) fn bad(what: impl std::fmt::Display) -> Self {
        Self::new(400, format!("Bad Request: {what}"))
    }

    pub(crate) fn blocked() -> Self {
        Self::new(403, "Forbidden: bot was blocked by the user")
    }

    pub(crate) fn too_many(retry_after: u16) -> Self {
        Self {
            code: 429,
            description: format!("Too Many Requests: retry after {retry_after}"),
            retry_after: Some(retry_after),
        }
    }

    /// The JSON envelope.
    pub fn to_json(&self) -> Value {
        let mut o = json!({"ok": false, "error_code": self.code, "description": self.description});
        if let Some(r) = self.retry_after {
            o["parameters"] = json!({ "retry_after": r });
        }
        o
    }
}

type R<T> = Result<T, ApiError>;

/// A file part of a `multipart/form-data` call.
#[derive(Debug, Clone)]
pub(crate) struct Upload {
    /// The part's `filename`.
    pub file_name: Option<String>,
    /// The part's `Content-Type`.
    pub content_type: Option<String>,
    /// The content.
    pub bytes: Vec<u8>,
}

/// Parameters of one call, whatever way they came. Form, multipart and query values are
/// strings; JSON-ish ones (reply_markup, reply_parameters, arrays) are parsed when read. File
/// parts of a multipart body are kept apart, by field name.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pub(crate) values: Map<String, Value>,
    pub(crate) files: HashMap<String, Upload>,
}

impl Params {
    fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name).filter(|v| !v.is_null())
    }

    pub(crate) fn int(&self, name: &str) -> R<Option<i64>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64))
                .map(Some)
                .ok_or_else(|| ApiError::bad(format!("invalid {name} specified"))),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| ApiError::bad(format!("invalid {name} specified"))),
            Some(Value::Bool(b)) => Ok(Some(i64::from(*b))),
            Some(_) => Err(ApiError::bad(format!("invalid {name} specified"))),
        }
    }

    pub(crate) fn int32(&self, name: &str) -> R<Option<i32>> {
        self.int(name)?
            .map(|v| {
                i32::try_from(v).map_err(|_| ApiError::bad(format!("invalid {name} specified")))
            })
            .transpose()
    }

    pub(crate) fn str(&self, name: &str) -> Option<String> {
        match self.get(name)? {
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        }
    }

    pub(crate) fn bool(&self, name: &str) -> bool {
        match self.get(name) {
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => matches!(s.as_str(), "true" | "True" | "1"),
            Some(Value::Number(n)) => n.as_i64().is_some_and(|v| v != 0),
            _ => false,
        }
    }

    /// An object or array, given as JSON or as a JSON string (form/query).
    pub(crate) fn json(&self, name: &str) -> R<Option<Value>> {
        match self.get(name) {
            None => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => serde_json::from_str(s)
                .map(Some)
                .map_err(|_| ApiError::bad(format!("can't parse {name} JSON object"))),
            Some(v) => Ok(Some(v.clone())),
        }
    }

    /// `chat_id`: an integer; `@username` only resolves to nothing here.
    pub(crate) fn chat(&self, name: &str) -> R<i64> {
        match self.get(name) {
            None => Err(ApiError::bad("chat_id is empty")),
            Some(Value::String(s)) if s.starts_with('@') => Err(ApiError::bad("chat not found")),
            Some(_) => self
                .int(name)?
                .ok_or_else(|| ApiError::bad("chat_id is empty")),
        }
    }

    pub(crate) fn required_int32(&self, name: &str) -> R<i32> {
        self.int32(name)?
            .ok_or_else(|| ApiError::bad(format!("{name} is empty")))
    }
}

/// What a call concerns, for the log and the limiter: `(chat, thread, messages it would create)`.
pub fn target(method: &str, p: &Params) -> (Option<i64>, Option<i32>, u32) {
    let chat = p.int("chat_id").ok().flatten();
    let thread = p.int32("message_thread_id").ok().flatten();
    let n = if matches!(method, "copyMessages" | "forwardMessages") {
        p.json("message_ids")
            .ok()
            .flatten()
            .and_then(|v| v.as_array().map(|a| a.len() as u32))
            .unwrap_or(1)
    } else {
        1
    };
    (chat, thread, n)
}

/// Runs one method (not getUpdates). Returns the `result` or an error envelope, plus the ids of
/// messages created.
pub fn dispatch(s: &mut State, method: &str, p: &Params) -> (R<Value>, Vec<i32>) {
    let mut created = Vec::new();
    let result = match method {
        "getMe" => Ok(get_me(s)),
        "sendMessage" => send_message(s, p, &mut created),
        "sendPhoto" => send_file(s, p, AttachmentKind::Photo, &mut created),
        "sendDocument" => send_file(s, p, AttachmentKind::Document, &mut created),
        "copyMessage" => copy_message(s, p, &mut created),
        "copyMessages" => copy_messages(s, p, &mut created),
        "forwardMessage" => forward_message(s, p, &mut created),
        "forwardMessages" => forward_messages(s, p, &mut created),
        "getFile" => get_file(s, p),
        "editMessageText" => edit_text(s, p),
        "editMessageCaption" => edit_caption(s, p),
        "editMessageReplyMarkup" => edit_markup(s, p),
        "deleteMessage" => delete_message(s, p),
        "createForumTopic" => create_topic(s, p, &mut created),
        "editForumTopic" => edit_topic(s, p, &mut created),
        "closeForumTopic" => close_topic(s, p, true, &mut created),
        "reopenForumTopic" => close_topic(s, p, false, &mut created),
        "deleteForumTopic" => delete_topic(s, p),
        "answerCallbackQuery" => answer_callback(s, p),
        "setMyCommands" => set_commands(s, p),
        "getMyCommands" => get_commands(s, p),
        "deleteMyCommands" => delete_commands(s, p),
        "getChat" => get_chat(s, p),
        "getChatMember" => get_chat_member(s, p),
        "setWebhook" => set_webhook(s, p),
        "deleteWebhook" => delete_webhook(s, p),
        "getWebhookInfo" => Ok(webhook_info(s)),
        "sendChatAction" => chat_action(s, p),
        "leaveChat" | "logOut" | "close" => Ok(json!(true)),
        _ => Err(ApiError::new(404, "Not Found")),
    };
    (result, created)
}

fn get_me(s: &State) -> Value {
    let mut me = s.bot.to_json();
    me["can_join_groups"] = json!(true);
    me["can_read_all_group_messages"] = json!(false);
    me["supports_inline_queries"] = json!(false);
    me["can_connect_to_business"] = json!(false);
    me["has_main_web_app"] = json!(false);
    me
}

/// Text or caption after `parse_mode`: `(plain, entities)`.
fn parse_content(
    text: &str,
    parse_mode: Option<&str>,
    entities: Option<Value>,
) -> R<(String, Option<Value>)> {
    match parse_mode.map(str::to_ascii_lowercase).as_deref() {
        Some("html") => {
            let parsed = html::parse(text)
                .map_err(|e| ApiError::bad(format!("can't parse entities: {e}")))?;
            let ents = (!parsed.entities.is_empty()).then_some(Value::Array(parsed.entities));
            Ok((parsed.text, ents))
        }
        // MarkdownV2/Markdown are not parsed: the raw text is counted (see the report).
        Some("markdownv2" | "markdown") | None | Some("") => Ok((text.to_owned(), entities)),
        Some(other) => Err(ApiError::bad(format!("unsupported parse_mode \"{other}\""))),
    }
}

fn units(s: &str) -> usize {
    s.encode_utf16().count()
}

fn checked_text(p: &Params, field: &str) -> R<(String, Option<Value>)> {
    let raw = p.str(field).unwrap_or_default();
    let (text, ents) = parse_content(
        &raw,
        p.str("parse_mode").as_deref(),
        p.json(&format!("{field}_entities"))
            .ok()
            .flatten()
            .or(p.json("entities").ok().flatten()),
    )?;
    if text.trim().is_empty() {
        return Err(ApiError::bad("message text is empty"));
    }
    if units(&text) > MAX_TEXT {
        return Err(ApiError::bad("message is too long"));
    }
    Ok((text, ents))
}

fn checked_caption(p: &Params) -> R<Option<(String, Option<Value>)>> {
    let Some(raw) = p.str("caption") else {
        return Ok(None);
    };
    let (text, ents) = parse_content(
        &raw,
        p.str("parse_mode").as_deref(),
        p.json("caption_entities")?,
    )?;
    if units(&text) > MAX_CAPTION {
        return Err(ApiError::bad("message caption is too long"));
    }
    Ok(Some((text, ents)))
}

/// Checks a destination: the chat exists and accepts the bot, the thread exists and is usable.
/// Returns the thread to store (`None` in private chats and General).
fn check_destination(s: &State, chat: i64, thread: Option<i32>) -> R<Option<i32>> {
    if s.is_forum(chat) {
        let Some(t) = thread else { return Ok(None) };
        let Some(topic) = s.live_topic_in(chat, t) else {
            return Err(ApiError::bad("message thread not found"));
        };
        if topic.closed && !s.knobs.bot_can_post_in_closed_topics {
            return Err(ApiError::bad("TOPIC_CLOSED"));
        }
        return Ok(Some(t));
    }
    let user = u64::try_from(chat).ok().and_then(|id| s.users.get(&id));
    match user {
        Some(u) if u.blocked => Err(ApiError::blocked()),
        Some(u) if u.has_chat => Ok(None),
        Some(_) => Err(ApiError::new(
            403,
            "Forbidden: bot can't initiate conversation with a user",
        )),
        None => Err(ApiError::bad("chat not found")),
    }
}

/// Reply target from `reply_parameters` (or the legacy `reply_to_message_id`). Returns the
/// target and, in a forum, the target's thread (a reply goes where its target is).
fn reply_target(s: &State, chat: i64, p: &Params) -> R<(Option<i32>, Option<Option<i32>>)> {
    let (id, allow) = match p.json("reply_parameters")? {
        Some(rp) => {
            let id = rp
                .get("message_id")
                .and_then(Value::as_i64)
                .and_then(|v| i32::try_from(v).ok())
                .ok_or_else(|| ApiError::bad("message to be replied not found"))?;
            let allow = rp
                .get("allow_sending_without_reply")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if let Some(other) = rp.get("chat_id").and_then(Value::as_i64)
                && other != chat
            {
                // Cross-chat replies (quotes from another chat) are not modelled.
                return Err(ApiError::bad("message to be replied not found"));
            }
            (id, allow)
        }
        None => match p.int32("reply_to_message_id")? {
            Some(id) => (id, p.bool("allow_sending_without_reply")),
            None => return Ok((None, None)),
        },
    };
    match s.message(chat, id).filter(|m| !m.deleted) {
        Some(m) => Ok((Some(id), Some(m.thread_id))),
        None if allow => Ok((None, None)),
        None => Err(ApiError::bad("message to be replied not found")),
    }
}

fn new_message(s: &State, chat: i64, id: i32, thread: Option<i32>) -> StoredMessage {
    StoredMessage::blank(chat, id, thread, &s.bot, true)
}

/// Resolves chat, thread and reply of a send; the thread comes from the parameter or, when
/// absent, from the reply target.
fn destination(s: &State, p: &Params) -> R<(i64, Option<i32>, Option<i32>)> {
    let chat = p.chat("chat_id")?;
    let thread = p.int32("message_thread_id")?;
    check_destination(s, chat, thread)?;
    let (reply, reply_thread) = reply_target(s, chat, p)?;
    let thread = if s.is_forum(chat) {
        let t = thread.or(reply_thread.flatten());
        check_destination(s, chat, t)?
    } else {
        None
    };
    Ok((chat, thread, reply))
}

fn send_message(s: &mut State, p: &Params, created: &mut Vec<i32>) -> R<Value> {
    let (chat, thread, reply) = destination(s, p)?;
    let (text, entities) = checked_text(p, "text")?;
    let id = s.alloc_id(chat);
    let mut m = new_message(s, chat, id, thread);
    m.text = Some(text);
    m.entities = entities;
    m.source = p.str("text");
    m.parse_mode = p.str("parse_mode");
    m.reply_to = reply;
    m.reply_markup = p.json("reply_markup")?;
    let json = s.message_json(&m, true);
    s.store(m);
    created.push(id);
    Ok(json)
}

fn source_message(s: &State, from_chat: i64, id: i32) -> R<StoredMessage> {
    if !s.knows_chat(from_chat) {
        return Err(ApiError::bad("chat not found"));
    }
    let m = s
        .message(from_chat, id)
        .filter(|m| !m.deleted)
        .ok_or_else(|| ApiError::bad("message to copy not found"))?;
    if m.service.is_some() {
        return Err(ApiError::bad("message can't be copied"));
    }
    Ok(m.clone())
}

fn copy_into(s: &mut State, src: &StoredMessage, chat: i64, thread: Option<i32>) -> StoredMessage {
    let id = s.alloc_id(chat);
    let mut m = new_message(s, chat, id, thread);
    m.text = src.text.clone();
    m.entities = src.entities.clone();
    m.caption = src.caption.clone();
    m.caption_entities = src.caption_entities.clone();
    m.media = src.media.clone();
    m.source = src.content().map(str::to_owned);
    m.copied_from = Some((src.chat_id, src.message_id));
    m
}

fn copy_message(s: &mut State, p: &Params, created: &mut Vec<i32>) -> R<Value> {
    let (chat, thread, reply) = destination(s, p)?;
    let from_chat = p.chat("from_chat_id")?;
    let src = source_message(s, from_chat, p.required_int32("message_id")?)?;
    let caption = checked_caption(p)?;
    let mut m = copy_into(s, &src, chat, thread);
    if m.media.as_ref().is_some_and(|md| md.kind.takes_caption()) {
        if let Some((c, e)) = caption {
            m.caption = (!c.is_empty()).then_some(c);
            m.caption_entities = e;
            m.source = p.str("caption");
        }
        if p.bool("remove_caption") {
            m.caption = None;
            m.caption_entities = None;
        }
    }
    m.reply_to = reply;
    m.reply_markup = p.json("reply_markup")?;
    let id = m.message_id;
    s.store(m);
    created.push(id);
    Ok(json!({ "message_id": id }))
}

/// `message_ids` of copyMessages and forwardMessages: 1–100, strictly increasing.
fn message_ids(p: &Params) -> R<Vec<i32>> {
    let ids: Vec<i32> = p
        .json("message_ids")?
        .and_then(|v| v.as_array().cloned())
        .ok_or_else(|| ApiError::bad("message_ids is empty"))?
        .iter()
        .filter_map(|v| v.as_i64().and_then(|i| i32::try_from(i).ok()))
        .collect();
    if ids.is_empty() || ids.len() > 100 {
        return Err(ApiError::bad("message_ids is empty"));
    }
    if ids.windows(2).any(|w| w[0] >= w[1]) {
        return Err(ApiError::bad(
            "message identifiers must be in a strictly increasing order",
        ));
    }
    Ok(ids)
}

fn copy_messages(s: &mut State, p: &Params, created: &mut Vec<i32>) -> R<Value> {
    let (chat, thread, _) = destination(s, p)?;
    let from_chat = p.chat("from_chat_id")?;
    let ids = message_ids(p)?;
    // Missing ones are skipped, as in Telegram; none at all is an error.
    let sources: Vec<StoredMessage> = ids
        .iter()
        .filter_map(|id| source_message(s, from_chat, *id).ok())
        .collect();
    if sources.is_empty() {
        return Err(ApiError::bad("message to copy not found"));
    }
    let mut groups: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    let mut out = Vec::new();
    for src in &sources {
        let mut m = copy_into(s, src, chat, thread);
        // Album grouping is kept for copied messages.
        if let Some(g) = &src.media_group_id {
            let new = match groups.get(g) {
                Some(n) => n.clone(),
                None => {
                    let n = s.new_media_group();
                    groups.insert(g.clone(), n.clone());
                    n
                }
            };
            m.media_group_id = Some(new);
        }
        if p.bool("remove_caption") {
            m.caption = None;
            m.caption_entities = None;
        }
        out.push(json!({ "message_id": m.message_id }));
        created.push(m.message_id);
        s.store(m);
    }
    Ok(Value::Array(out))
}

// ---- forwards ----

/// The message to forward: as copyMessage's, with forwardMessage's error texts.
fn forward_source(s: &State, from_chat: i64, id: i32) -> R<StoredMessage> {
    if !s.knows_chat(from_chat) {
        return Err(ApiError::bad("chat not found"));
    }
    let m = s
        .message(from_chat, id)
        .filter(|m| !m.deleted)
        .ok_or_else(|| ApiError::bad("message to forward not found"))?;
    if m.service.is_some() {
        return Err(ApiError::bad("message can't be forwarded"));
    }
    Ok(m.clone())
}

/// A forward: the content unchanged, sent by the bot, with `forward_origin` naming the original
/// sender and date (a forward of a forward keeps the first origin, as in Telegram).
fn forward_into(
    s: &mut State,
    src: &StoredMessage,
    chat: i64,
    thread: Option<i32>,
) -> StoredMessage {
    let mut m = copy_into(s, src, chat, thread);
    m.copied_from = None;
    m.forwarded_from = Some((src.chat_id, src.message_id));
    m.forward_origin = Some(src.forward_origin.clone().unwrap_or_else(
        || json!({"type": "user", "sender_user": src.from.to_json(), "date": src.date}),
    ));
    m
}

fn forward_message(s: &mut State, p: &Params, created: &mut Vec<i32>) -> R<Value> {
    let (chat, thread, _) = destination(s, p)?;
    let from_chat = p.chat("from_chat_id")?;
    let src = forward_source(s, from_chat, p.required_int32("message_id")?)?;
    let m = forward_into(s, &src, chat, thread);
    let json = s.message_json(&m, true);
    created.push(m.message_id);
    s.store(m);
    Ok(json)
}

fn forward_messages(s: &mut State, p: &Params, created: &mut Vec<i32>) -> R<Value> {
    let (chat, thread, _) = destination(s, p)?;
    let from_chat = p.chat("from_chat_id")?;
    let ids = message_ids(p)?;
    // Missing ones are skipped, as in Telegram; none at all is an error.
    let sources: Vec<StoredMessage> = ids
        .iter()
        .filter_map(|id| forward_source(s, from_chat, *id).ok())
        .collect();
    if sources.is_empty() {
        return Err(ApiError::bad("message to forward not found"));
    }
    let mut groups: HashMap<String, String> = HashMap::new();
    let mut out = Vec::new();
    for src in &sources {
        let mut m = forward_into(s, src, chat, thread);
        if let Some(g) = &src.media_group_id {
            let new = groups
                .entry(g.clone())
                .or_insert_with(|| s.new_media_group())
                .clone();
            m.media_group_id = Some(new);
        }
        out.push(json!({ "message_id": m.message_id }));
        created.push(m.message_id);
        s.store(m);
    }
    Ok(Value::Array(out))
}

// ---- files: sendPhoto, sendDocument, getFile ----

/// A file parameter: a part of a multipart body (under the field's own name, or named by
/// `attach://<part>`), or the `file_id` of a file the fake knows.
enum FileInput {
    Upload(Upload),
    Known(StoredFile),
}

const WRONG_FILE: &str = "wrong file identifier/HTTP URL specified";

fn file_input(s: &State, p: &Params, field: &str) -> R<Option<FileInput>> {
    if let Some(u) = p.files.get(field) {
        return Ok(Some(FileInput::Upload(u.clone())));
    }
    let Some(v) = p.str(field).filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    if let Some(part) = v.strip_prefix("attach://") {
        return p
            .files
            .get(part)
            .cloned()
            .map(|u| Some(FileInput::Upload(u)))
            .ok_or_else(|| ApiError::bad(WRONG_FILE));
    }
    if v.starts_with("http://") || v.starts_with("https://") {
        // Telegram would download it; the fake reaches no URL.
        return Err(ApiError::bad("failed to get HTTP URL content"));
    }
    s.files
        .get(v.trim())
        .cloned()
        .map(|f| Some(FileInput::Known(f)))
        .ok_or_else(|| ApiError::bad(WRONG_FILE))
}

/// Registers an uploaded file under a new `file_id`; returns `(file_id, file_unique_id)`.
fn register_upload(
    s: &mut State,
    kind: AttachmentKind,
    file_name: Option<String>,
    mime: &str,
    bytes: &Arc<[u8]>,
    size: u64,
) -> (String, String) {
    let prefix = if kind == AttachmentKind::Photo {
        "AgAC"
    } else {
        "BQAC"
    };
    let (file_id, unique) = s.next_file_id(prefix);
    let n = s.files.len() + 1;
    let ext = upload::extension(file_name.as_deref(), mime);
    s.files.insert(
        file_id.clone(),
        StoredFile {
            file_id: file_id.clone(),
            file_unique_id: unique.clone(),
            kind,
            file_name,
            mime_type: Some(mime.to_owned()),
            file_size: Some(size),
            file_path: format!("{}s/file_{n}.{ext}", kind.field()),
            bytes: Some(bytes.clone()),
            media: Value::Null,
        },
    );
    (file_id, unique)
}

/// The `photo` array for an upload: Telegram's sizes, each its own `file_id`.
fn uploaded_photo(s: &mut State, u: &Upload) -> R<Value> {
    let (w, h) =
        upload::image_size(&u.bytes).ok_or_else(|| ApiError::bad("IMAGE_PROCESS_FAILED"))?;
    if w == 0 || h == 0 || w + h > 10_000 || w.max(h) > 20 * w.min(h) {
        return Err(ApiError::bad("PHOTO_INVALID_DIMENSIONS"));
    }
    let mime = upload::mime_type(
        u.content_type.as_deref(),
        u.file_name.as_deref().unwrap_or(""),
    );
    let bytes: Arc<[u8]> = Arc::from(u.bytes.as_slice());
    let full = u64::try_from(u.bytes.len()).unwrap_or(u64::MAX);
    let area = u64::from(w) * u64::from(h);
    let mut sizes = Vec::new();
    for (sw, sh) in upload::photo_sizes(w, h) {
        let size = (full * u64::from(sw) * u64::from(sh) / area.max(1)).max(1);
        let (file_id, unique) = register_upload(
            s,
            AttachmentKind::Photo,
            u.file_name.clone(),
            &mime,
            &bytes,
            size,
        );
        sizes.push(
            json!({"file_id": file_id, "file_unique_id": unique, "file_size": size,
            "width": sw, "height": sh}),
        );
    }
    let sizes = Value::Array(sizes);
    for f in sizes.as_array().into_iter().flatten() {
        if let Some(stored) = f["file_id"].as_str().and_then(|id| s.files.get_mut(id)) {
            stored.media = sizes.clone();
        }
    }
    Ok(sizes)
}

fn uploaded_document(s: &mut State, u: &Upload) -> Value {
    let name = u
        .file_name
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "document".to_owned());
    let mime = upload::mime_type(u.content_type.as_deref(), &name);
    let bytes: Arc<[u8]> = Arc::from(u.bytes.as_slice());
    let size = u64::try_from(u.bytes.len()).unwrap_or(u64::MAX);
    let (file_id, unique) = register_upload(
        s,
        AttachmentKind::Document,
        Some(name.clone()),
        &mime,
        &bytes,
        size,
    );
    let json = json!({"file_id": file_id, "file_unique_id": unique, "file_name": name,
        "mime_type": mime, "file_size": size});
    if let Some(stored) = s.files.get_mut(&file_id) {
        stored.media = json.clone();
    }
    json
}

/// sendPhoto (`kind` Photo) and sendDocument (`kind` Document): a multipart upload or a known
/// `file_id`; answers the Message with `photo` (the sizes) or `document`.
fn send_file(s: &mut State, p: &Params, kind: AttachmentKind, created: &mut Vec<i32>) -> R<Value> {
    let (chat, thread, reply) = destination(s, p)?;
    let field = kind.field();
    let input = file_input(s, p, field)?
        .ok_or_else(|| ApiError::bad(format!("there is no {field} in the request")))?;
    let caption = checked_caption(p)?;
    let reply_markup = p.json("reply_markup")?;
    let json = match input {
        FileInput::Upload(u) => {
            if u.bytes.len() > MAX_UPLOAD {
                return Err(ApiError::new(413, "Request Entity Too Large"));
            }
            if u.bytes.is_empty() {
                return Err(ApiError::bad("file must be non-empty"));
            }
            match kind {
                AttachmentKind::Photo => uploaded_photo(s, &u)?,
                _ => uploaded_document(s, &u),
            }
        }
        FileInput::Known(f) => {
            let fits = f.kind == kind
                || (kind == AttachmentKind::Document && f.kind == AttachmentKind::Animation);
            if !fits || f.media.is_null() {
                return Err(ApiError::bad("type of file mismatch"));
            }
            f.media
        }
    };
    let id = s.alloc_id(chat);
    let mut m = new_message(s, chat, id, thread);
    if let Some((c, e)) = caption.filter(|(c, _)| !c.is_empty()) {
        m.caption = Some(c);
        m.caption_entities = e;
    }
    m.source = p.str("caption");
    m.parse_mode = p.str("parse_mode");
    m.media = Some(Media { kind, json });
    m.reply_to = reply;
    m.reply_markup = reply_markup;
    let out = s.message_json(&m, true);
    s.store(m);
    created.push(id);
    Ok(out)
}

fn get_file(s: &State, p: &Params) -> R<Value> {
    let id = p.str("file_id").unwrap_or_default();
    let f = s
        .files
        .get(id.trim())
        .ok_or_else(|| ApiError::bad("invalid file_id"))?;
    if f.file_size.is_some_and(|n| n > MAX_DOWNLOAD) {
        return Err(ApiError::bad("file is too big"));
    }
    let mut out = json!({"file_id": f.file_id, "file_unique_id": f.file_unique_id,
        "file_path": f.file_path});
    if let Some(n) = f.file_size {
        out["file_size"] = json!(n);
    }
    Ok(out)
}

fn editable(s: &State, p: &Params) -> R<(i64, i32)> {
    if p.str("inline_message_id").is_some() {
        return Err(ApiError::bad(
            "inline messages are not supported by the fake",
        ));
    }
    let chat = p.chat("chat_id")?;
    let id = p.required_int32("message_id")?;
    if !s.knows_chat(chat) {
        return Err(ApiError::bad("chat not found"));
    }
    let m = s
        .message(chat, id)
        .filter(|m| !m.deleted)
        .ok_or_else(|| ApiError::bad("message to edit not found"))?;
    if !m.by_bot || m.service.is_some() {
        return Err(ApiError::bad("message can't be edited"));
    }
    if let Some(t) = m.thread_id
        && s.forum_topics(chat)
            .and_then(|topics| topics.get(&t))
            .is_some_and(|t| t.deleted)
    {
        return Err(ApiError::bad("message to edit not found"));
    }
    Ok((chat, id))
}

const NOT_MODIFIED: &str = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";

fn inline_markup(p: &Params) -> R<Option<Value>> {
    Ok(p.json("reply_markup")?
        .filter(|m| m.get("inline_keyboard").is_some()))
}

fn finish_edit(s: &mut State, chat: i64, id: i32, f: impl FnOnce(&mut StoredMessage)) -> R<Value> {
    let Some(m) = s.chats.get_mut(&chat).and_then(|c| c.messages.get_mut(&id)) else {
        return Err(ApiError::bad("message to edit not found"));
    };
    f(m);
    m.edit_date = Some(unix_now());
    let m = m.clone();
    Ok(s.message_json(&m, true))
}

fn edit_text(s: &mut State, p: &Params) -> R<Value> {
    let (chat, id) = editable(s, p)?;
    let (text, entities) = checked_text(p, "text")?;
    let markup = inline_markup(p)?;
    let m = s
        .message(chat, id)
        .cloned()
        .ok_or_else(|| ApiError::bad("message to edit not found"))?;
    if m.text.is_none() {
        return Err(ApiError::bad("there is no text in the message to edit"));
    }
    let old_markup = m
        .reply_markup
        .clone()
        .filter(|v| v.get("inline_keyboard").is_some());
    if m.text.as_deref() == Some(text.as_str()) && m.entities == entities && old_markup == markup {
        return Err(ApiError::bad(NOT_MODIFIED));
    }
    let source = p.str("text");
    let mode = p.str("parse_mode");
    finish_edit(s, chat, id, |m| {
        m.text = Some(text);
        m.entities = entities;
        m.source = source;
        m.parse_mode = mode;
        m.reply_markup = markup;
    })
}

fn edit_caption(s: &mut State, p: &Params) -> R<Value> {
    let (chat, id) = editable(s, p)?;
    let caption = checked_caption(p)?;
    let markup = inline_markup(p)?;
    let m = s
        .message(chat, id)
        .cloned()
        .ok_or_else(|| ApiError::bad("message to edit not found"))?;
    if !m.media.as_ref().is_some_and(|md| md.kind.takes_caption()) {
        return Err(ApiError::bad("there is no caption in the message to edit"));
    }
    let (text, entities) = match caption {
        Some((c, e)) if !c.is_empty() => (Some(c), e),
        _ => (None, None),
    };
    let old_markup = m
        .reply_markup
        .clone()
        .filter(|v| v.get("inline_keyboard").is_some());
    if m.caption == text && m.caption_entities == entities && old_markup == markup {
        return Err(ApiError::bad(NOT_MODIFIED));
    }
    let source = p.str("caption");
    finish_edit(s, chat, id, |m| {
        m.caption = text;
        m.caption_entities = entities;
        m.source = source;
        m.reply_markup = markup;
    })
}

fn edit_markup(s: &mut State, p: &Params) -> R<Value> {
    let (chat, id) = editable(s, p)?;
    let markup = inline_markup(p)?;
    let m = s
        .message(chat, id)
        .cloned()
        .ok_or_else(|| ApiError::bad("message to edit not found"))?;
    let old_markup = m
        .reply_markup
        .clone()
        .filter(|v| v.get("inline_keyboard").is_some());
    if old_markup == markup {
        return Err(ApiError::bad(NOT_MODIFIED));
    }
    finish_edit(s, chat, id, |m| m.reply_markup = markup)
}

fn delete_message(s: &mut State, p: &Params) -> R<Value> {
    let chat = p.chat("chat_id")?;
    let id = p.required_int32("message_id")?;
    match s.chats.get_mut(&chat).and_then(|c| c.messages.get_mut(&id)) {
        Some(m) if !m.deleted && m.service.is_none() => {
            m.deleted = true;
            Ok(json!(true))
        }
        _ => Err(ApiError::bad("message to delete not found")),
    }
}

/// The forum a topic method acts in: a chat the bot knows that is a forum supergroup.
fn forum(s: &State, p: &Params) -> R<i64> {
    let chat = p.chat("chat_id")?;
    if !s.is_forum(chat) {
        return Err(if s.user_of_chat(chat).is_some() {
            ApiError::bad("the chat is not a forum")
        } else {
            ApiError::bad("chat not found")
        });
    }
    if !s.knobs.bot_can_manage_topics {
        return Err(ApiError::bad("not enough rights to manage topics"));
    }
    Ok(chat)
}

fn topic_name(name: Option<String>) -> R<String> {
    let name = name.unwrap_or_default();
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 128 {
        return Err(ApiError::bad("TOPIC_NAME_INVALID"));
    }
    Ok(n.to_owned())
}

fn service_message(
    s: &mut State,
    chat: i64,
    thread: i32,
    service: Service,
    created: &mut Vec<i32>,
) {
    let id = s.alloc_id(chat);
    let mut m = new_message(s, chat, id, Some(thread));
    m.service = Some(service);
    s.store(m);
    created.push(id);
}

fn create_topic(s: &mut State, p: &Params, created: &mut Vec<i32>) -> R<Value> {
    let chat = forum(s, p)?;
    let name = topic_name(p.str("name"))?;
    let color = match p.int("icon_color")? {
        None => TOPIC_COLORS[0],
        Some(c) => u32::try_from(c)
            .ok()
            .filter(|c| TOPIC_COLORS.contains(c))
            .ok_or_else(|| ApiError::bad("TOPIC_ICON_COLOR_INVALID"))?,
    };
    let emoji = p.str("icon_custom_emoji_id").filter(|e| !e.is_empty());
    // The topic's root is a service message; its id is the thread id.
    let id = s.alloc_id(chat);
    let mut root = new_message(s, chat, id, Some(id));
    root.service = Some(Service::TopicCreated {
        name: name.clone(),
        icon_color: color,
    });
    s.store(root);
    created.push(id);
    let Some(topics) = s.forum_topics_mut(chat) else {
        return Err(ApiError::bad("chat not found"));
    };
    topics.insert(
        id,
        Topic {
            thread_id: id,
            name: name.clone(),
            icon_color: color,
            icon_custom_emoji_id: emoji.clone(),
            closed: false,
            deleted: false,
        },
    );
    let mut out = json!({"message_thread_id": id, "name": name, "icon_color": color});
    if let Some(e) = emoji {
        out["icon_custom_emoji_id"] = json!(e);
    }
    Ok(out)
}

fn live_topic(s: &State, chat: i64, p: &Params) -> R<i32> {
    let t = p.required_int32("message_thread_id")?;
    match s.live_topic_in(chat, t) {
        Some(_) => Ok(t),
        None => Err(ApiError::bad("TOPIC_ID_INVALID")),
    }
}

fn edit_topic(s: &mut State, p: &Params, created: &mut Vec<i32>) -> R<Value> {
    let chat = forum(s, p)?;
    let t = live_topic(s, chat, p)?;
    let name = p.str("name").map(|n| topic_name(Some(n))).transpose()?;
    let emoji = p.str("icon_custom_emoji_id");
    let topic = s
        .live_topic_in(chat, t)
        .cloned()
        .ok_or_else(|| ApiError::bad("TOPIC_ID_INVALID"))?;
    let name_changed = name.as_ref().is_some_and(|n| *n != topic.name);
    let emoji_changed = emoji
        .as_ref()
        .is_some_and(|e| Some(e) != topic.icon_custom_emoji_id.as_ref());
    if !name_changed && !emoji_changed {
        return Err(ApiError::bad("TOPIC_NOT_MODIFIED"));
    }
    if let Some(topic) = s
        .forum_topics_mut(chat)
        .and_then(|topics| topics.get_mut(&t))
    {
        if let Some(n) = &name {
            topic.name = n.clone();
        }
        if let Some(e) = &emoji {
            topic.icon_custom_emoji_id = (!e.is_empty()).then(|| e.clone());
        }
    }
    service_message(
        s,
        chat,
        t,
        Service::TopicEdited {
            name: name.filter(|_| name_changed),
        },
        created,
    );
    Ok(json!(true))
}

fn close_topic(s: &mut State, p: &Params, close: bool, created: &mut Vec<i32>) -> R<Value> {
    let chat = forum(s, p)?;
    let t = live_topic(s, chat, p)?;
    let Some(topic) = s
        .forum_topics_mut(chat)
        .and_then(|topics| topics.get_mut(&t))
    else {
        return Err(ApiError::bad("TOPIC_ID_INVALID"));
    };
    if topic.closed == close {
        return Err(ApiError::bad("TOPIC_NOT_MODIFIED"));
    }
    topic.closed = close;
    let service = if close {
        Service::TopicClosed
    } else {
        Service::TopicReopened
    };
    service_message(s, chat, t, service, created);
    Ok(json!(true))
}

fn delete_topic(s: &mut State, p: &Params) -> R<Value> {
    let chat = forum(s, p)?;
    let t = live_topic(s, chat, p)?;
    s.delete_topic_in(chat, t);
    Ok(json!(true))
}

impl State {
    /// Deletes a topic of the support group with all its messages (the staff toggle).
    pub(crate) fn delete_topic_now(&mut self, thread: i32) -> bool {
        self.delete_topic_in(self.group_id, thread)
    }

    /// Deletes a topic of a forum with all its messages (the API call and the staff toggle).
    pub(crate) fn delete_topic_in(&mut self, chat: i64, thread: i32) -> bool {
        let Some(topic) = self
            .forum_topics_mut(chat)
            .and_then(|topics| topics.get_mut(&thread))
            .filter(|t| !t.deleted)
        else {
            return false;
        };
        topic.deleted = true;
        if let Some(log) = self.chats.get_mut(&chat) {
            for m in log
                .messages
                .values_mut()
                .filter(|m| m.thread_id == Some(thread))
            {
                m.deleted = true;
            }
        }
        true
    }
}

fn answer_callback(s: &mut State, p: &Params) -> R<Value> {
    let id = p.str("callback_query_id").unwrap_or_default();
    let Some(data) = s.callbacks.remove(&id) else {
        return Err(ApiError::bad(
            "query is too old and response timeout expired or query ID is invalid",
        ));
    };
    let text = p.str("text").filter(|t| !t.is_empty());
    if text.as_ref().is_some_and(|t| t.chars().count() > 200) {
        return Err(ApiError::bad("MESSAGE_TOO_LONG"));
    }
    s.answered.push(AnsweredCallback {
        id,
        data,
        text,
        show_alert: p.bool("show_alert"),
    });
    Ok(json!(true))
}

fn scope_key(p: &Params) -> R<(String, Value, String)> {
    let scope = p
        .json("scope")?
        .unwrap_or_else(|| json!({"type": "default"}));
    let lang = p.str("language_code").unwrap_or_default();
    if scope.get("type").and_then(Value::as_str).is_none() {
        return Err(ApiError::bad("can't parse BotCommandScope JSON object"));
    }
    Ok((format!("{scope}|{lang}"), scope, lang))
}

fn set_commands(s: &mut State, p: &Params) -> R<Value> {
    let (key, scope, language_code) = scope_key(p)?;
    let list = p
        .json("commands")?
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default();
    let mut commands = Vec::new();
    for c in list {
        let command = c.get("command").and_then(Value::as_str).unwrap_or_default();
        let description = c
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let valid = !command.is_empty()
            && command.len() <= 32
            && command
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
        if !valid {
            return Err(ApiError::bad("BOT_COMMAND_INVALID"));
        }
        if description.is_empty() || description.chars().count() > 256 {
            return Err(ApiError::bad("BOT_COMMAND_DESCRIPTION_INVALID"));
        }
        commands.push((command.to_owned(), description.to_owned()));
    }
    if commands.len() > 100 {
        return Err(ApiError::bad("too many commands"));
    }
    if commands.is_empty() {
        s.commands.remove(&key);
    } else {
        s.commands.insert(
            key,
            RegisteredCommands {
                scope,
                language_code,
                commands,
            },
        );
    }
    Ok(json!(true))
}

fn get_commands(s: &mut State, p: &Params) -> R<Value> {
    let (key, _, _) = scope_key(p)?;
    let list = s
        .commands
        .get(&key)
        .map(|r| {
            r.commands
                .iter()
                .map(|(c, d)| json!({"command": c, "description": d}))
                .collect()
        })
        .unwrap_or_default();
    Ok(Value::Array(list))
}

fn delete_commands(s: &mut State, p: &Params) -> R<Value> {
    let (key, _, _) = scope_key(p)?;
    s.commands.remove(&key);
    Ok(json!(true))
}

fn get_chat(s: &State, p: &Params) -> R<Value> {
    let chat = p.chat("chat_id")?;
    let known = s.is_forum(chat) || s.user_of_chat(chat).is_some_and(|u| u.has_chat);
    if !known {
        return Err(ApiError::bad("chat not found"));
    }
    let mut info = s.chat_json(chat);
    info["accent_color_id"] = json!(0);
    info["max_reaction_count"] = json!(11);
    info["accepted_gift_types"] = json!({"unlimited_gifts": false, "limited_gifts": false,
        "unique_gifts": false, "premium_subscription": false, "gifts_from_channels": false});
    Ok(info)
}

fn get_chat_member(s: &State, p: &Params) -> R<Value> {
    let chat = p.chat("chat_id")?;
    let user = p
        .int("user_id")?
        .ok_or_else(|| ApiError::bad("user_id is empty"))?;
    let user = u64::try_from(user).map_err(|_| ApiError::bad("invalid user_id specified"))?;
    if !s.knows_chat(chat) {
        return Err(ApiError::bad("chat not found"));
    }
    if user == s.bot.id {
        if !s.is_forum(chat) {
            return Ok(json!({"status": "member", "user": s.bot.to_json()}));
        }
        let topics = s.knobs.bot_can_manage_topics;
        return Ok(
            json!({"status": "administrator", "user": s.bot.to_json(), "can_be_edited": false,
            "is_anonymous": false, "can_manage_chat": true, "can_delete_messages": true,
            "can_manage_video_chats": true, "can_restrict_members": true, "can_promote_members": false,
            "can_change_info": true, "can_invite_users": true, "can_post_stories": false,
            "can_edit_stories": false, "can_delete_stories": false, "can_pin_messages": true,
            "can_manage_topics": topics, "can_send_welcome_messages": false}),
        );
    }
    match s.users.get(&user) {
        Some(u) => Ok(json!({"status": "member", "user": u.user.to_json()})),
        None => Err(ApiError::bad("user not found")),
    }
}

fn set_webhook(s: &mut State, p: &Params) -> R<Value> {
    let url = p.str("url").unwrap_or_default();
    if url.is_empty() {
        return delete_webhook(s, p);
    }
    // Real Telegram wants HTTPS on 443/80/88/8443; the fake takes plain http for local tests.
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(ApiError::bad(
            "bad webhook: An HTTPS URL must be provided for webhook",
        ));
    }
    let secret = p.str("secret_token").filter(|t| !t.is_empty());
    if let Some(t) = &secret
        && (t.len() > 256
            || !t
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    {
        return Err(ApiError::bad("secret token contains unallowed characters"));
    }
    let allowed = allowed_list(p)?;
    if p.bool("drop_pending_updates") {
        s.updates.clear();
    }
    if allowed.is_some() {
        s.allowed_updates.clone_from(&allowed);
    }
    s.webhook = Some(Webhook {
        url,
        secret_token: secret,
        allowed_updates: allowed,
        max_connections: p
            .int("max_connections")?
            .and_then(|m| u32::try_from(m).ok())
            .unwrap_or(40),
        last_error: None,
    });
    Ok(json!(true))
}

fn delete_webhook(s: &mut State, p: &Params) -> R<Value> {
    if p.bool("drop_pending_updates") {
        s.updates.clear();
    }
    s.webhook = None;
    Ok(json!(true))
}

fn webhook_info(s: &State) -> Value {
    let pending = s.updates.len();
    match &s.webhook {
        None => {
            json!({"url": "", "has_custom_certificate": false, "pending_update_count": pending})
        }
        Some(w) => {
            let mut o = json!({"url": w.url, "has_custom_certificate": false,
                "pending_update_count": pending, "max_connections": w.max_connections});
            if let Some(a) = &w.allowed_updates {
                o["allowed_updates"] = json!(a);
            }
            if let Some((at, msg)) = &w.last_error {
                o["last_error_date"] = json!(at);
                o["last_error_message"] = json!(msg);
            }
            o
        }
    }
}

/// `allowed_updates` as a list of kinds.
pub(crate) fn allowed_list(p: &Params) -> R<Option<Vec<String>>> {
    Ok(p.json("allowed_updates")?.map(|v| {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }))
}

fn chat_action(s: &State, p: &Params) -> R<Value> {
    let chat = p.chat("chat_id")?;
    if p.str("action").is_none_or(|a| a.is_empty()) {
        return Err(ApiError::bad("action is empty"));
    }
    if s.is_forum(chat) {
        // Succeeds even in deleted topics, as in Telegram: it cannot probe a topic.
        return Ok(json!(true));
    }
    check_destination(s, chat, None)?;
    Ok(json!(true))
}

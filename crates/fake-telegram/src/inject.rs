//! Injecting what people do: a client writing to the bot, staff writing in a topic, edits,
//! button presses, blocking the bot, closing or deleting a topic, and raw updates of kinds
//! nobody knows yet. Each action stores its message (with a per-chat id) and queues the update
//! Telegram would send, in the Bot API's JSON shape.

use crate::state::{AttachmentKind, Media, Service, State, StoredMessage, TgUser, unix_now};
use serde::Serialize;
use serde_json::{Value, json};

/// What a person sends.
#[derive(Debug, Clone, PartialEq)]
pub enum NewContent {
    /// A text (a leading `/command` gets a `bot_command` entity).
    Text(String),
    /// A photo with an optional caption.
    Photo {
        /// Caption.
        caption: Option<String>,
    },
    /// A video with an optional caption.
    Video {
        /// Caption.
        caption: Option<String>,
    },
    /// A document.
    Document {
        /// File name.
        file_name: String,
        /// Caption.
        caption: Option<String>,
    },
    /// A voice note.
    Voice,
    /// A sticker.
    Sticker {
        /// Its emoji.
        emoji: String,
    },
    /// A shared contact (own when `user_id` is the sender's id).
    Contact {
        /// Phone as Telegram sends it (often without `+`).
        phone: String,
        /// Contact's first name.
        first_name: String,
        /// The contact's Telegram id, if they are a user.
        user_id: Option<u64>,
    },
    /// A location.
    Location {
        /// Latitude.
        latitude: f64,
        /// Longitude.
        longitude: f64,
    },
}

impl NewContent {
    /// A text.
    pub fn text(t: impl Into<String>) -> Self {
        Self::Text(t.into())
    }
}

/// What an injection produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Injected {
    /// The queued update's id.
    pub update_id: i64,
    /// The chat.
    pub chat_id: i64,
    /// The stored message's id (the pressed message for a callback).
    pub message_id: i32,
    /// The callback query id, for button presses.
    pub callback_id: Option<String>,
}

fn command_entities(text: &str) -> Option<Value> {
    if !text.starts_with('/') {
        return None;
    }
    let cmd = text.split(char::is_whitespace).next().unwrap_or(text);
    Some(json!([{"type": "bot_command", "offset": 0, "length": cmd.encode_utf16().count()}]))
}

impl State {
    fn media(&mut self, content: &NewContent) -> (Option<String>, Option<String>, Option<Media>) {
        let (file_id, unique) = self.next_file_id("BQAC");
        let media = |kind, json| Some(Media { kind, json });
        match content {
            NewContent::Text(t) => (Some(t.clone()), None, None),
            NewContent::Photo { caption } => (
                None,
                caption.clone(),
                media(
                    AttachmentKind::Photo,
                    json!([
                        {"file_id": format!("{file_id}-s"), "file_unique_id": format!("{unique}s"), "width": 90, "height": 68, "file_size": 1200},
                        {"file_id": file_id, "file_unique_id": unique, "width": 1280, "height": 960, "file_size": 98000}
                    ]),
                ),
            ),
            NewContent::Video { caption } => (
                None,
                caption.clone(),
                media(
                    AttachmentKind::Video,
                    json!({"file_id": file_id, "file_unique_id": unique, "width": 640, "height": 480, "duration": 5, "mime_type": "video/mp4"}),
                ),
            ),
            NewContent::Document { file_name, caption } => (
                None,
                caption.clone(),
                media(
                    AttachmentKind::Document,
                    json!({"file_id": file_id, "file_unique_id": unique, "file_name": file_name, "mime_type": "application/pdf", "file_size": 34567}),
                ),
            ),
            NewContent::Voice => (
                None,
                None,
                media(
                    AttachmentKind::Voice,
                    json!({"file_id": file_id, "file_unique_id": unique, "duration": 3, "mime_type": "audio/ogg", "file_size": 4567}),
                ),
            ),
            NewContent::Sticker { emoji } => (
                None,
                None,
                media(
                    AttachmentKind::Sticker,
                    json!({"file_id": file_id, "file_unique_id": unique, "type": "regular", "width": 512, "height": 512,
                        "is_animated": false, "is_video": false, "emoji": emoji}),
                ),
            ),
            NewContent::Contact {
                phone,
                first_name,
                user_id,
            } => {
                let mut c = json!({"phone_number": phone, "first_name": first_name});
                if let Some(u) = user_id {
                    c["user_id"] = json!(u);
                }
                (None, None, media(AttachmentKind::Contact, c))
            }
            NewContent::Location {
                latitude,
                longitude,
            } => (
                None,
                None,
                media(
                    AttachmentKind::Location,
                    json!({"latitude": latitude, "longitude": longitude}),
                ),
            ),
        }
    }

    fn person_message(
        &mut self,
        chat: i64,
        thread: Option<i32>,
        from: &TgUser,
        content: &NewContent,
        reply_to: Option<i32>,
    ) -> StoredMessage {
        let (text, caption, media) = self.media(content);
        let id = self.alloc_id(chat);
        StoredMessage {
            entities: text.as_deref().and_then(command_entities),
            text,
            caption,
            media,
            reply_to,
            ..StoredMessage::blank(chat, id, thread, from, false)
        }
    }

    /// A client writes to the bot in private (this also opens the private chat; a blocked bot
    /// is unblocked first, as Telegram requires to write).
    pub(crate) fn inject_private(
        &mut self,
        user: &TgUser,
        content: &NewContent,
        reply_to: Option<i32>,
        media_group_id: Option<String>,
    ) -> Result<Injected, String> {
        let chat = i64::try_from(user.id).map_err(|_| "user id too large".to_owned())?;
        if let Some(r) = reply_to
            && self.message(chat, r).is_none_or(|m| m.deleted)
        {
            return Err(format!("no message {r} in chat {chat} to reply to"));
        }
        self.ensure_user(user);
        if self.is_blocked(user.id) {
            self.set_blocked(user.id, false);
        }
        if let Some(u) = self.users.get_mut(&user.id) {
            u.has_chat = true;
        }
        let mut m = self.person_message(chat, None, user, content, reply_to);
        m.media_group_id = media_group_id;
        Ok(self.queue_message(m))
    }

    /// Staff writes in the support group: in a topic (`Some(thread)`) or General (`None`).
    pub(crate) fn inject_group(
        &mut self,
        from: &TgUser,
        thread: Option<i32>,
        content: &NewContent,
        reply_to: Option<i32>,
    ) -> Result<Injected, String> {
        self.inject_forum(self.group_id, from, thread, content, reply_to)
    }

    /// Someone writes in a forum the fake knows (the support group or another one): in a
    /// topic (`Some(thread)`) or General (`None`).
    pub(crate) fn inject_forum(
        &mut self,
        chat: i64,
        from: &TgUser,
        thread: Option<i32>,
        content: &NewContent,
        reply_to: Option<i32>,
    ) -> Result<Injected, String> {
        if !self.is_forum(chat) {
            return Err(format!("chat {chat} is no forum the fake knows"));
        }
        if let Some(t) = thread
            && self.live_topic_in(chat, t).is_none()
        {
            return Err(format!("topic {t} does not exist or was deleted"));
        }
        let mut thread = thread;
        if let Some(r) = reply_to {
            let target = self
                .message(chat, r)
                .filter(|m| !m.deleted)
                .ok_or_else(|| format!("no message {r} in the group to reply to"))?;
            // A reply lives where its target lives.
            thread = thread.or(target.thread_id);
        }
        self.ensure_user(from);
        let m = self.person_message(chat, thread, from, content, reply_to);
        Ok(self.queue_message(m))
    }

    fn queue_message(&mut self, m: StoredMessage) -> Injected {
        let json = self.message_json(&m, true);
        let (chat_id, message_id) = (m.chat_id, m.message_id);
        self.store(m);
        let update_id = self.push_update("message", json);
        Injected {
            update_id,
            chat_id,
            message_id,
            callback_id: None,
        }
    }

    /// A person edits their message: its text (or caption, for media) becomes `new_text`.
    pub(crate) fn inject_edit(
        &mut self,
        chat: i64,
        message_id: i32,
        new_text: &str,
    ) -> Result<Injected, String> {
        let m = self
            .chats
            .get_mut(&chat)
            .and_then(|c| c.messages.get_mut(&message_id))
            .filter(|m| !m.deleted && !m.by_bot)
            .ok_or_else(|| format!("no person's message {message_id} in chat {chat}"))?;
        if m.text.is_some() {
            m.text = Some(new_text.to_owned());
            m.entities = command_entities(new_text);
        } else {
            m.caption = Some(new_text.to_owned());
        }
        m.edit_date = Some(unix_now());
        let m = m.clone();
        let json = self.message_json(&m, true);
        let update_id = self.push_update("edited_message", json);
        Ok(Injected {
            update_id,
            chat_id: chat,
            message_id,
            callback_id: None,
        })
    }

    /// A person presses an inline button of a bot message.
    pub(crate) fn inject_callback(
        &mut self,
        from: &TgUser,
        chat: i64,
        message_id: i32,
        data: &str,
    ) -> Result<Injected, String> {
        let m = self
            .message(chat, message_id)
            .filter(|m| !m.deleted)
            .cloned()
            .ok_or_else(|| format!("no message {message_id} in chat {chat}"))?;
        self.ensure_user(from);
        let n = self.next_callback;
        self.next_callback += 1;
        let id = format!("{}{:08}", from.id, n);
        let payload = json!({
            "id": id,
            "from": from.to_json(),
            "message": self.message_json(&m, true),
            "chat_instance": format!("{}", chat.unsigned_abs() ^ 0x5eed),
            "data": data,
        });
        self.callbacks.insert(id.clone(), Some(data.to_owned()));
        let update_id = self.push_update("callback_query", payload);
        Ok(Injected {
            update_id,
            chat_id: chat,
            message_id,
            callback_id: Some(id),
        })
    }

    /// Queues a raw update; its `update_id` is (re)assigned so ids keep increasing.
    pub(crate) fn inject_raw(&mut self, mut json: Value) -> i64 {
        let id = self.next_update_id;
        self.next_update_id += 1;
        if !json.is_object() {
            json = json!({});
        }
        json["update_id"] = json!(id);
        let kind = json
            .as_object()
            .and_then(|o| o.keys().find(|k| *k != "update_id").cloned())
            .unwrap_or_default();
        self.updates.push_back(crate::state::PendingUpdate {
            id,
            kind,
            json,
            raw: true,
        });
        id
    }

    /// The user blocks (or unblocks) the bot; Telegram tells the bot with `my_chat_member`.
    pub(crate) fn set_blocked(&mut self, user_id: u64, blocked: bool) -> Option<i64> {
        let u = self.users.get_mut(&user_id)?;
        if u.blocked == blocked {
            return None;
        }
        u.blocked = blocked;
        let user = u.user.clone();
        let (old, new) = if blocked {
            ("member", "kicked")
        } else {
            ("kicked", "member")
        };
        let mut new_member = json!({"status": new, "user": self.bot.to_json()});
        if blocked {
            new_member["until_date"] = json!(0);
        }
        let mut old_member = json!({"status": old, "user": self.bot.to_json()});
        if !blocked {
            old_member["until_date"] = json!(0);
        }
        let payload = json!({
            "chat": self.chat_json(i64::try_from(user_id).unwrap_or_default()),
            "from": user.to_json(),
            "date": unix_now(),
            "old_chat_member": old_member,
            "new_chat_member": new_member,
        });
        Some(self.push_update("my_chat_member", payload))
    }

    /// Staff closes or reopens a topic: the service message and its update.
    pub(crate) fn staff_set_closed(
        &mut self,
        from: &TgUser,
        thread: i32,
        closed: bool,
    ) -> Result<Injected, String> {
        let topic = self
            .topics
            .get_mut(&thread)
            .filter(|t| !t.deleted)
            .ok_or_else(|| format!("topic {thread} does not exist or was deleted"))?;
        if topic.closed == closed {
            return Err(format!(
                "topic {thread} is already {}",
                if closed { "closed" } else { "open" }
            ));
        }
        topic.closed = closed;
        self.ensure_user(from);
        let chat = self.group_id;
        let id = self.alloc_id(chat);
        let m = StoredMessage {
            service: Some(if closed {
                Service::TopicClosed
            } else {
                Service::TopicReopened
            }),
            ..self.person_message_shell(chat, id, thread, from)
        };
        Ok(self.queue_message(m))
    }

    fn person_message_shell(
        &self,
        chat: i64,
        id: i32,
        thread: i32,
        from: &TgUser,
    ) -> StoredMessage {
        StoredMessage::blank(chat, id, Some(thread), from, false)
    }
}

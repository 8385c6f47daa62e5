//! A stored update → the domain's [`Inbound`]. Telegram specifics end here: chat types, the
//! forum's fake "reply" to the topic's creation message, media kinds.

use domain::ids::{GroupId, MessageId, ThreadId, UserId};
use domain::message::{
    ButtonPress, Content, EditedMessage, IncomingMessage, MediaKind, Place, Sender,
};
use domain::services::Inbound;
use frankenstein::types::{ChatType, MaybeInaccessibleMessage, Message, User};
use frankenstein::updates::{Update, UpdateContent};

/// Decodes one update (raw JSON). What the bot does not act on — or cannot read — is
/// [`Inbound::Ignored`], so its update is still marked handled and never blocks the queue.
pub fn decode(json: &str, group: GroupId) -> Inbound {
    let Ok(update) = serde_json::from_str::<Update>(json) else {
        return Inbound::Ignored;
    };
    match update.content {
        UpdateContent::Message(m) => match message(&m, group) {
            Some(msg) => Inbound::Message(msg),
            None => Inbound::Ignored,
        },
        UpdateContent::EditedMessage(m) => match message(&m, group) {
            Some(msg) => Inbound::Edited(EditedMessage {
                place: msg.place,
                from: msg.from,
                message_id: msg.message_id,
                content: msg.content,
            }),
            None => Inbound::Ignored,
        },
        UpdateContent::CallbackQuery(cb) => {
            let (place, message_id) = match &cb.message {
                Some(MaybeInaccessibleMessage::Message(m)) => (
                    place(m, group),
                    MessageId::new(i64::from(m.message_id)).ok(),
                ),
                _ => (Place::Elsewhere, None),
            };
            Inbound::Button(ButtonPress {
                callback_id: cb.id.clone(),
                from: sender(Some(&cb.from)),
                place,
                message_id,
                data: cb.data.clone().unwrap_or_default(),
            })
        }
        _ => Inbound::Ignored,
    }
}

fn sender(user: Option<&User>) -> Sender {
    match user {
        Some(u) => Sender {
            id: i64::try_from(u.id).ok().and_then(|id| UserId::new(id).ok()),
            username: u.username.clone(),
            first_name: Some(u.first_name.clone()),
            last_name: u.last_name.clone(),
            is_bot: u.is_bot,
        },
        None => Sender::default(),
    }
}

fn place(m: &Message, group: GroupId) -> Place {
    match m.chat.type_field {
        ChatType::Private => match UserId::new(m.chat.id) {
            Ok(u) => Place::Private(u),
            Err(_) => Place::Elsewhere,
        },
        ChatType::Supergroup if m.chat.id == group.get() => Place::SupportGroup {
            group,
            thread: if m.is_topic_message == Some(true) {
                m.message_thread_id
                    .and_then(|t| ThreadId::new(i64::from(t)).ok())
            } else {
                None
            },
        },
        _ => Place::Elsewhere,
    }
}

fn content(m: &Message) -> Content {
    let caption = m.caption.clone();
    let media = |kind| Content::Media {
        kind,
        caption: caption.clone(),
    };
    if let Some(t) = &m.text {
        return Content::Text(t.clone());
    }
    if let Some(c) = &m.contact {
        return Content::Contact {
            phone: c.phone_number.clone(),
            user_id: c.user_id.and_then(|u| i64::try_from(u).ok()),
        };
    }
    if m.photo.is_some() {
        return media(MediaKind::Photo);
    }
    if m.video.is_some() {
        return media(MediaKind::Video);
    }
    if m.animation.is_some() {
        // An animation also carries `document`; check it first.
        return media(MediaKind::Animation);
    }
    if m.document.is_some() {
        return media(MediaKind::Document);
    }
    if m.voice.is_some() {
        return media(MediaKind::Voice);
    }
    if m.audio.is_some() {
        return media(MediaKind::Audio);
    }
    if m.video_note.is_some() {
        return media(MediaKind::VideoNote);
    }
    if m.sticker.is_some() {
        return media(MediaKind::Sticker);
    }
    if m.location.is_some() || m.venue.is_some() {
        return media(MediaKind::Location);
    }
    if m.poll.is_some() || m.dice.is_some() {
        return media(MediaKind::Other);
    }
    Content::Service
}

fn message(m: &Message, group: GroupId) -> Option<IncomingMessage> {
    let place = place(m, group);
    if place == Place::Elsewhere {
        return None;
    }
    // Forum quirk: inside a topic, a message that replies to nothing "replies" to the topic's
    // creation message (whose id is the thread id). That is no reply.
    let real_reply = m
        .reply_to_message
        .as_deref()
        .filter(|r| r.forum_topic_created.is_none() && Some(r.message_id) != m.message_thread_id);
    Some(IncomingMessage {
        place,
        from: sender(m.from.as_deref()),
        message_id: MessageId::new(i64::from(m.message_id)).ok()?,
        content: content(m),
        reply_to: real_reply.and_then(|r| MessageId::new(i64::from(r.message_id)).ok()),
        reply_to_sender: real_reply.map(|r| sender(r.from.as_deref())),
        media_group_id: m.media_group_id.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const GROUP: i64 = -1001234567890;

    fn group() -> GroupId {
        GroupId::new(GROUP).unwrap()
    }

    fn user(id: u64) -> serde_json::Value {
        json!({"id": id, "is_bot": false, "first_name": "Олена", "username": "olena"})
    }

    #[test]
    fn a_private_text() {
        let u = json!({"update_id": 1, "message": {"message_id": 5, "date": 0,
            "chat": {"id": 8000000001i64, "type": "private"}, "from": user(8000000001), "text": "Привіт"}});
        let Inbound::Message(m) = decode(&u.to_string(), group()) else {
            panic!()
        };
        assert_eq!(m.place, Place::Private(UserId::new(8000000001).unwrap()));
        assert_eq!(m.content, Content::Text("Привіт".into()));
        assert_eq!(m.from.username.as_deref(), Some("olena"));
    }

    #[test]
    fn the_forum_quirk_is_no_reply_but_a_real_reply_is() {
        let root = json!({"message_id": 77, "date": 0, "chat": {"id": GROUP, "type": "supergroup"},
            "message_thread_id": 77, "forum_topic_created": {"name": "Олена", "icon_color": 7322096}});
        let quirk = json!({"update_id": 2, "message": {"message_id": 80, "date": 0, "message_thread_id": 77,
            "is_topic_message": true, "chat": {"id": GROUP, "type": "supergroup", "is_forum": true},
            "from": user(600), "text": "Відповідь", "reply_to_message": root}});
        let Inbound::Message(m) = decode(&quirk.to_string(), group()) else {
            panic!()
        };
        assert_eq!(m.reply_to, None);
        assert_eq!(
            m.place,
            Place::SupportGroup {
                group: group(),
                thread: ThreadId::new(77).ok()
            }
        );

        let target = json!({"message_id": 79, "date": 0, "chat": {"id": GROUP, "type": "supergroup"},
            "message_thread_id": 77, "is_topic_message": true, "from": {"id": 42, "is_bot": true, "first_name": "Bot"}, "text": "клієнт"});
        let real = json!({"update_id": 3, "message": {"message_id": 81, "date": 0, "message_thread_id": 77,
            "is_topic_message": true, "chat": {"id": GROUP, "type": "supergroup"},
            "from": user(600), "text": "так", "reply_to_message": target}});
        let Inbound::Message(m) = decode(&real.to_string(), group()) else {
            panic!()
        };
        assert_eq!(m.reply_to, MessageId::new(79).ok());
        assert!(m.reply_to_sender.unwrap().is_bot);
    }

    #[test]
    fn general_topic_has_no_thread_and_other_groups_are_ignored() {
        let general = json!({"update_id": 4, "message": {"message_id": 3, "date": 0,
            "chat": {"id": GROUP, "type": "supergroup"}, "from": user(600), "text": "/help"}});
        let Inbound::Message(m) = decode(&general.to_string(), group()) else {
            panic!()
        };
        assert_eq!(
            m.place,
            Place::SupportGroup {
                group: group(),
                thread: None
            }
        );

        let other = json!({"update_id": 5, "message": {"message_id": 3, "date": 0,
            "chat": {"id": -100999, "type": "supergroup"}, "from": user(600), "text": "hi"}});
        assert_eq!(decode(&other.to_string(), group()), Inbound::Ignored);
    }

    #[test]
    fn media_contacts_and_buttons() {
        let photo = json!({"update_id": 6, "message": {"message_id": 9, "date": 0, "media_group_id": "alb1",
            "chat": {"id": 5, "type": "private"}, "from": user(5), "caption": "лапа",
            "photo": [{"file_id": "a", "file_unique_id": "b", "width": 1, "height": 1}]}});
        let Inbound::Message(m) = decode(&photo.to_string(), group()) else {
            panic!()
        };
        assert_eq!(
            m.content,
            Content::Media {
                kind: MediaKind::Photo,
                caption: Some("лапа".into())
            }
        );
        assert_eq!(m.media_group_id.as_deref(), Some("alb1"));

        let contact = json!({"update_id": 7, "message": {"message_id": 10, "date": 0,
            "chat": {"id": 5, "type": "private"}, "from": user(5),
            "contact": {"phone_number": "+380674210303", "first_name": "Олена", "user_id": 5}}});
        let Inbound::Message(m) = decode(&contact.to_string(), group()) else {
            panic!()
        };
        assert_eq!(
            m.content,
            Content::Contact {
                phone: "+380674210303".into(),
                user_id: Some(5)
            }
        );

        let press = json!({"update_id": 8, "callback_query": {"id": "cb1", "from": user(600), "chat_instance": "x",
            "data": "link:ok:3", "message": {"message_id": 90, "date": 0, "message_thread_id": 77, "is_topic_message": true,
            "chat": {"id": GROUP, "type": "supergroup"}, "text": "preview"}}});
        let Inbound::Button(b) = decode(&press.to_string(), group()) else {
            panic!()
        };
        assert_eq!(b.data, "link:ok:3");
        assert_eq!(b.message_id, MessageId::new(90).ok());
    }

    #[test]
    fn unknown_kinds_and_garbage_are_ignored() {
        assert_eq!(
            decode(r#"{"update_id": 9, "some_future_kind": {}}"#, group()),
            Inbound::Ignored
        );
        assert_eq!(decode("not json", group()), Inbound::Ignored);
    }
}

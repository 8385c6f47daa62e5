//! A stored update → the domain's [`Inbound`]. Telegram specifics end here: chat types, the
//! forum's fake "reply" to the topic's creation message, anonymous admins, media kinds.
//!
//! The update is read field by field from its JSON rather than through a typed model of the
//! whole Bot API: Telegram adds fields and kinds every few months, and a typed model that
//! rejects one unknown value (a new `forward_origin` type, a new message kind) would lose the
//! client's message with it. Only what routing needs must be readable; everything else may be
//! anything.

use domain::ids::{GroupId, MessageId, ThreadId, UserId};
use domain::message::Inbound;
use domain::message::{
    ButtonPress, Content, EditedMessage, IncomingMessage, MediaKind, Place, Sender,
};
use domain::texts;
use serde_json::Value;

/// Message fields that make a message a service message (Bot API 9.x). Service messages are
/// never relayed: Telegram refuses to copy them, and they are not something a person wrote.
const SERVICE_KEYS: &[&str] = &[
    "new_chat_members",
    "left_chat_member",
    "new_chat_title",
    "new_chat_photo",
    "delete_chat_photo",
    "group_chat_created",
    "supergroup_chat_created",
    "channel_chat_created",
    "message_auto_delete_timer_changed",
    "migrate_to_chat_id",
    "migrate_from_chat_id",
    "pinned_message",
    "successful_payment",
    "refunded_payment",
    "users_shared",
    "user_shared",
    "chat_shared",
    "gift",
    "unique_gift",
    "connected_website",
    "write_access_allowed",
    "passport_data",
    "proximity_alert_triggered",
    "boost_added",
    "chat_background_set",
    "checklist_tasks_done",
    "checklist_tasks_added",
    "direct_message_price_changed",
    "paid_message_price_changed",
    "forum_topic_created",
    "forum_topic_edited",
    "forum_topic_closed",
    "forum_topic_reopened",
    "general_forum_topic_hidden",
    "general_forum_topic_unhidden",
    "giveaway_created",
    "giveaway_completed",
    "video_chat_scheduled",
    "video_chat_started",
    "video_chat_ended",
    "video_chat_participants_invited",
    "web_app_data",
    "suggested_post_approved",
    "suggested_post_approval_failed",
    "suggested_post_declined",
    "suggested_post_paid",
    "suggested_post_refunded",
];

/// Content fields in the order they are recognised. An animation also carries `document`, so
/// it comes first; what is not listed here and is no service message is relayed as
/// [`MediaKind::Other`] (copyMessage copies it whatever it is, or Telegram says why not).
const MEDIA_KEYS: &[(&str, MediaKind)] = &[
    ("photo", MediaKind::Photo),
    ("video", MediaKind::Video),
    ("animation", MediaKind::Animation),
    ("document", MediaKind::Document),
    ("voice", MediaKind::Voice),
    ("audio", MediaKind::Audio),
    ("video_note", MediaKind::VideoNote),
    ("sticker", MediaKind::Sticker),
    ("location", MediaKind::Location),
    ("venue", MediaKind::Location),
];

/// The user Telegram puts in `from` of a message an anonymous admin sent on behalf of the
/// group.
pub const GROUP_ANONYMOUS_BOT: i64 = 1_087_968_824;

/// Decodes one update (raw JSON). What the bot does not act on — or cannot read — is
/// [`Inbound::Ignored`], so its update is still marked handled and never blocks the queue.
pub fn decode(json: &str, group: GroupId) -> Inbound {
    let Ok(update) = serde_json::from_str::<Value>(json) else {
        return Inbound::Ignored;
    };
    if let Some(m) = update.get("message") {
        return match message(m, group) {
            Some(msg) => Inbound::Message(msg),
            None => Inbound::Ignored,
        };
    }
    if let Some(m) = update.get("edited_message") {
        return match message(m, group) {
            Some(msg) => Inbound::Edited(EditedMessage {
                place: msg.place,
                from: msg.from,
                message_id: msg.message_id,
                content: msg.content,
            }),
            None => Inbound::Ignored,
        };
    }
    if let Some(cb) = update.get("callback_query") {
        return button(cb, group).map_or(Inbound::Ignored, Inbound::Button);
    }
    Inbound::Ignored
}

fn button(cb: &Value, group: GroupId) -> Option<ButtonPress> {
    let callback_id = text_of(cb, "id")?.to_owned();
    // An inaccessible message (too old) still names its chat and id, which is all we use.
    let (place, message_id) = match cb.get("message").filter(|m| m.is_object()) {
        Some(m) => (
            place(m, group),
            int_of(m, "message_id").and_then(|id| MessageId::new(id).ok()),
        ),
        None => (Place::Elsewhere, None),
    };
    Some(ButtonPress {
        callback_id,
        from: user(cb.get("from")),
        place,
        message_id,
        data: text_of(cb, "data").unwrap_or_default().to_owned(),
    })
}

fn int_of(v: &Value, key: &str) -> Option<i64> {
    v.get(key).and_then(Value::as_i64)
}

fn text_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn has(v: &Value, key: &str) -> bool {
    v.get(key).is_some_and(|x| !x.is_null())
}

fn owned(v: &Value, key: &str) -> Option<String> {
    text_of(v, key).map(str::to_owned)
}

fn user(v: Option<&Value>) -> Sender {
    match v.filter(|u| u.is_object()) {
        Some(u) => Sender {
            id: int_of(u, "id").and_then(|id| UserId::new(id).ok()),
            username: owned(u, "username"),
            first_name: owned(u, "first_name"),
            last_name: owned(u, "last_name"),
            is_bot: u.get("is_bot").and_then(Value::as_bool).unwrap_or(false),
        },
        None => Sender::default(),
    }
}

/// Who wrote a message. An anonymous admin, or the group posting as itself, writes "on behalf
/// of" the support group: that is staff, whatever fake bot user Telegram puts in `from`. Any
/// other chat writing (a linked channel's automatic forwards) is no person, so it counts as a
/// bot and is never relayed.
fn sender(m: &Value, group: GroupId) -> Sender {
    let from = user(m.get("from"));
    match m.get("sender_chat").and_then(|c| int_of(c, "id")) {
        Some(chat) if chat == group.get() => Sender {
            id: from.id.or_else(|| UserId::new(GROUP_ANONYMOUS_BOT).ok()),
            username: None,
            first_name: Some(
                text_of(m, "author_signature")
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .unwrap_or(texts::ANONYMOUS_ADMIN)
                    .to_owned(),
            ),
            last_name: None,
            is_bot: false,
        },
        Some(_) => Sender {
            is_bot: true,
            ..from
        },
        None => from,
    }
}

fn place(m: &Value, group: GroupId) -> Place {
    let Some(chat) = m.get("chat") else {
        return Place::Elsewhere;
    };
    let Some(id) = int_of(chat, "id") else {
        return Place::Elsewhere;
    };
    match text_of(chat, "type") {
        Some("private") => match UserId::new(id) {
            Ok(u) => Place::Private(u),
            Err(_) => Place::Elsewhere,
        },
        Some("supergroup") if id == group.get() => Place::SupportGroup {
            group,
            thread: topic_of(m),
        },
        // Another forum's topic (the group the clinic moved from, or any group someone added
        // the bot to): the domain decides whether it is a client's old topic.
        Some("supergroup") => match (GroupId::new(id), topic_of(m)) {
            (Ok(other), Some(thread)) => Place::OtherGroupTopic {
                group: other,
                thread,
            },
            _ => Place::Elsewhere,
        },
        _ => Place::Elsewhere,
    }
}

/// The topic a group message is in; `None` in General.
fn topic_of(m: &Value) -> Option<ThreadId> {
    if m.get("is_topic_message").and_then(Value::as_bool) == Some(true) {
        int_of(m, "message_thread_id").and_then(|t| ThreadId::new(t).ok())
    } else {
        None
    }
}

fn content(m: &Value) -> Content {
    let caption = owned(m, "caption");
    let media = |kind| Content::Media {
        kind,
        caption: caption.clone(),
    };
    if let Some(t) = text_of(m, "text") {
        return Content::Text(t.to_owned());
    }
    if let Some(c) = m.get("contact").filter(|c| c.is_object()) {
        return Content::Contact {
            phone: owned(c, "phone_number").unwrap_or_default(),
            user_id: int_of(c, "user_id"),
        };
    }
    if let Some((_, kind)) = MEDIA_KEYS.iter().find(|(key, _)| has(m, key)) {
        return media(*kind);
    }
    if SERVICE_KEYS.iter().any(|key| has(m, key)) {
        return Content::Service;
    }
    // A poll, a dice, a forwarded story, paid media, or a kind newer than this code: the
    // person wrote something, so it goes to the other side.
    media(MediaKind::Other)
}

fn message(m: &Value, group: GroupId) -> Option<IncomingMessage> {
    let place = place(m, group);
    if place == Place::Elsewhere {
        return None;
    }
    // An admin writing on behalf of a group is staff of that group, whichever it is.
    let group = match place {
        Place::OtherGroupTopic { group: other, .. } => other,
        _ => group,
    };
    let message_id = MessageId::new(int_of(m, "message_id")?).ok()?;
    // Forum quirk: inside a topic, a message that replies to nothing "replies" to the topic's
    // creation message (whose id is the thread id). That is no reply.
    let thread = int_of(m, "message_thread_id");
    let real_reply = m.get("reply_to_message").filter(|r| {
        r.is_object()
            && !has(r, "forum_topic_created")
            && int_of(r, "message_id").is_some()
            && int_of(r, "message_id") != thread
    });
    Some(IncomingMessage {
        place,
        from: sender(m, group),
        message_id,
        content: content(m),
        reply_to: real_reply
            .and_then(|r| int_of(r, "message_id"))
            .and_then(|id| MessageId::new(id).ok()),
        reply_to_sender: real_reply.map(|r| sender(r, group)),
        media_group_id: owned(m, "media_group_id"),
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
    fn a_topic_of_another_forum_is_told_by_its_group() {
        const OLD: i64 = -1001111111111;
        let in_old = json!({"update_id": 24, "message": {"message_id": 40, "date": 0,
            "message_thread_id": 7, "is_topic_message": true,
            "chat": {"id": OLD, "type": "supergroup", "is_forum": true},
            "from": user(600), "text": "Добрий день"}});
        let Inbound::Message(m) = decode(&in_old.to_string(), group()) else {
            panic!()
        };
        assert_eq!(
            m.place,
            Place::OtherGroupTopic {
                group: GroupId::new(OLD).unwrap(),
                thread: ThreadId::new(7).unwrap()
            }
        );
        assert!(!m.from.is_bot);
        // An anonymous admin of that group writes as staff there, not as a stranger chat.
        let anonymous = json!({"update_id": 25, "message": {"message_id": 41, "date": 0,
            "message_thread_id": 7, "is_topic_message": true,
            "chat": {"id": OLD, "type": "supergroup", "is_forum": true},
            "from": anonymous_bot(), "sender_chat": {"id": OLD, "type": "supergroup"},
            "text": "Добрий день"}});
        let Inbound::Message(m) = decode(&anonymous.to_string(), group()) else {
            panic!()
        };
        assert!(!m.from.is_bot);
        // Its General, and basic groups, stay ignored.
        let general = json!({"update_id": 26, "message": {"message_id": 42, "date": 0,
            "chat": {"id": OLD, "type": "supergroup", "is_forum": true},
            "from": user(600), "text": "hi"}});
        assert_eq!(decode(&general.to_string(), group()), Inbound::Ignored);
        let basic = json!({"update_id": 27, "message": {"message_id": 43, "date": 0,
            "message_thread_id": 7, "is_topic_message": true,
            "chat": {"id": -4000000001i64, "type": "group"}, "from": user(600), "text": "hi"}});
        assert_eq!(decode(&basic.to_string(), group()), Inbound::Ignored);
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

    fn private_message(extra: serde_json::Value) -> String {
        let mut m = json!({"message_id": 12, "date": 1700000000,
            "chat": {"id": 8000000001i64, "type": "private", "first_name": "Олена"},
            "from": user(8000000001)});
        for (k, v) in extra.as_object().unwrap() {
            m[k] = v.clone();
        }
        json!({"update_id": 20, "message": m}).to_string()
    }

    fn relayed_content(json: &str) -> Content {
        match decode(json, group()) {
            Inbound::Message(m) => {
                assert_eq!(m.message_id, MessageId::new(12).unwrap());
                m.content
            }
            other => panic!("expected a message, got {other:?}"),
        }
    }

    #[test]
    fn a_forward_of_an_origin_type_nobody_knows_yet_still_relays() {
        let u = private_message(json!({
            "forward_origin": {"type": "hidden_future_origin", "date": 1699999999,
                "some_new_field": {"deep": [1, 2, 3]}},
            "text": "Переслане"
        }));
        assert_eq!(relayed_content(&u), Content::Text("Переслане".into()));
    }

    #[test]
    fn a_message_of_a_kind_nobody_knows_yet_is_relayed_as_other() {
        let u = private_message(json!({
            "paid_media_v2": {"star_count": 5, "items": [{"type": "hologram"}]},
            "caption": "дивіться"
        }));
        assert_eq!(
            relayed_content(&u),
            Content::Media {
                kind: MediaKind::Other,
                caption: Some("дивіться".into())
            }
        );
        // Even a message with nothing recognisable in it is something a person sent.
        assert_eq!(
            relayed_content(&private_message(json!({}))),
            Content::Media {
                kind: MediaKind::Other,
                caption: None
            }
        );
    }

    #[test]
    fn a_forwarded_story_relays() {
        let u = private_message(json!({
            "forward_origin": {"type": "channel", "date": 1699999999, "message_id": 4,
                "chat": {"id": -1002000000000i64, "type": "channel", "title": "Котики"}},
            "story": {"chat": {"id": -1002000000000i64, "type": "channel", "title": "Котики"}, "id": 17}
        }));
        assert_eq!(
            relayed_content(&u),
            Content::Media {
                kind: MediaKind::Other,
                caption: None
            }
        );
    }

    #[test]
    fn polls_dice_and_venues_are_relayed_media() {
        let poll = private_message(json!({"poll": {"id": "1", "question": "?", "options": []}}));
        assert!(matches!(
            relayed_content(&poll),
            Content::Media {
                kind: MediaKind::Other,
                ..
            }
        ));
        let venue = private_message(json!({
            "location": {"latitude": 50.45, "longitude": 30.52},
            "venue": {"location": {"latitude": 50.45, "longitude": 30.52}, "title": "Клініка", "address": "Київ"}
        }));
        assert!(matches!(
            relayed_content(&venue),
            Content::Media {
                kind: MediaKind::Location,
                ..
            }
        ));
        let gif = private_message(json!({
            "animation": {"file_id": "a", "file_unique_id": "b", "width": 1, "height": 1, "duration": 1},
            "document": {"file_id": "a", "file_unique_id": "b"}
        }));
        assert!(matches!(
            relayed_content(&gif),
            Content::Media {
                kind: MediaKind::Animation,
                ..
            }
        ));
    }

    #[test]
    fn service_messages_stay_service() {
        let services = [
            json!({"new_chat_members": [user(5)]}),
            json!({"left_chat_member": user(5)}),
            json!({"pinned_message": {"message_id": 3, "date": 0,
                "chat": {"id": GROUP, "type": "supergroup"}, "text": "закріплене"}}),
            json!({"forum_topic_created": {"name": "Олена", "icon_color": 7322096}}),
            json!({"forum_topic_edited": {"name": "Олена — Барсік"}}),
            json!({"forum_topic_closed": {}}),
            json!({"forum_topic_reopened": {}}),
            json!({"general_forum_topic_hidden": {}}),
            json!({"new_chat_title": "Підтримка"}),
            json!({"message_auto_delete_timer_changed": {"message_auto_delete_time": 86400}}),
            json!({"video_chat_started": {}}),
            json!({"write_access_allowed": {"from_request": true}}),
            json!({"boost_added": {"boost_count": 1}}),
            json!({"chat_background_set": {"type": {"type": "fill"}}}),
        ];
        for extra in services {
            let u = private_message(extra.clone());
            assert_eq!(relayed_content(&u), Content::Service, "{extra}");
        }
    }

    #[test]
    fn a_field_of_an_unexpected_shape_does_not_lose_the_message() {
        let u = private_message(json!({
            "text": "Привіт",
            "entities": "not an array",
            "link_preview_options": 42,
            "date": "yesterday"
        }));
        assert_eq!(relayed_content(&u), Content::Text("Привіт".into()));
    }

    fn in_topic(extra: serde_json::Value) -> String {
        let mut m = json!({"message_id": 85, "date": 0, "message_thread_id": 77,
            "is_topic_message": true, "chat": {"id": GROUP, "type": "supergroup", "is_forum": true},
            "text": "Добрий день"});
        for (k, v) in extra.as_object().unwrap() {
            m[k] = v.clone();
        }
        json!({"update_id": 21, "message": m}).to_string()
    }

    fn anonymous_bot() -> serde_json::Value {
        json!({"id": 1087968824, "is_bot": true, "first_name": "Group", "username": "GroupAnonymousBot"})
    }

    #[test]
    fn an_anonymous_admin_is_staff() {
        let signed = in_topic(json!({
            "from": anonymous_bot(),
            "sender_chat": {"id": GROUP, "type": "supergroup", "title": "PetWealth Support"},
            "author_signature": "Марта"
        }));
        let Inbound::Message(m) = decode(&signed, group()) else {
            panic!()
        };
        assert!(!m.from.is_bot);
        assert_eq!(m.from.id, UserId::new(GROUP_ANONYMOUS_BOT).ok());
        assert_eq!(m.from.first_name.as_deref(), Some("Марта"));
        assert_eq!(m.from.display(), "Марта");

        let unsigned = in_topic(json!({
            "from": anonymous_bot(),
            "sender_chat": {"id": GROUP, "type": "supergroup", "title": "PetWealth Support"}
        }));
        let Inbound::Message(m) = decode(&unsigned, group()) else {
            panic!()
        };
        assert!(!m.from.is_bot);
        assert_eq!(m.from.display(), texts::ANONYMOUS_ADMIN);
    }

    #[test]
    fn other_chats_posting_in_the_group_count_as_bots() {
        let forward = json!({"update_id": 22, "message": {"message_id": 86, "date": 0,
            "chat": {"id": GROUP, "type": "supergroup"},
            "from": {"id": 777000, "is_bot": false, "first_name": "Telegram"},
            "sender_chat": {"id": -1002000000000i64, "type": "channel", "title": "Клініка"},
            "is_automatic_forward": true, "text": "Новина каналу"}});
        let Inbound::Message(m) = decode(&forward.to_string(), group()) else {
            panic!()
        };
        assert!(m.from.is_bot);
    }

    #[test]
    fn a_reply_to_an_anonymous_admin_is_a_reply_to_staff() {
        let target = json!({"message_id": 84, "date": 0, "message_thread_id": 77,
            "is_topic_message": true, "chat": {"id": GROUP, "type": "supergroup"},
            "from": anonymous_bot(), "sender_chat": {"id": GROUP, "type": "supergroup"},
            "text": "раніше"});
        let u = in_topic(json!({"from": user(600), "reply_to_message": target}));
        let Inbound::Message(m) = decode(&u, group()) else {
            panic!()
        };
        assert_eq!(m.reply_to, MessageId::new(84).ok());
        assert!(!m.reply_to_sender.unwrap().is_bot);
    }

    #[test]
    fn an_edit_keeps_its_place_and_content() {
        let u = json!({"update_id": 23, "edited_message": {"message_id": 12, "date": 0,
            "edit_date": 1, "chat": {"id": 5, "type": "private"}, "from": user(5),
            "text": "виправлено", "forward_origin": {"type": "brand_new"}}});
        let Inbound::Edited(e) = decode(&u.to_string(), group()) else {
            panic!()
        };
        assert_eq!(e.content, Content::Text("виправлено".into()));
        assert_eq!(e.place, Place::Private(UserId::new(5).unwrap()));
    }

    #[test]
    fn unknown_kinds_and_garbage_are_ignored() {
        assert_eq!(
            decode(r#"{"update_id": 9, "some_future_kind": {}}"#, group()),
            Inbound::Ignored
        );
        assert_eq!(decode("not json", group()), Inbound::Ignored);
        assert_eq!(decode("[1, 2]", group()), Inbound::Ignored);
        assert_eq!(
            decode(r#"{"update_id": 10, "message": "text"}"#, group()),
            Inbound::Ignored
        );
        assert_eq!(
            decode(
                r#"{"update_id": 11, "message": {"chat": {"id": 5, "type": "private"}}}"#,
                group()
            ),
            Inbound::Ignored,
            "a message without an id cannot be copied"
        );
    }
}

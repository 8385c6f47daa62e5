//! What Telegram sends that the bot was not written for, and what it refuses: messages with
//! fields or kinds newer than the bot, anonymous admins, copies and topic names Telegram will
//! not take. Nobody's message may vanish without a word.
//!
//! The fake stores only message kinds it knows, so an update of a kind it cannot make is
//! injected raw and borrows the id of a stored message the bot does not relay by itself (a
//! client's `/start`, a post of the group's anonymous admin bot). copyMessage then finds that
//! message, and its copy proves the bot copied exactly the id the odd update carried.

use crate::harness::{Bench, bot_texts_in, bot_texts_to, client, copies, staff};
use fake_telegram::{Failure, TgUser};
use serde_json::{Value, json};

/// A client's `/start`: a stored message the bot answers but never copies. Returns its id once
/// the bot has greeted, so the raw update that reuses it comes strictly after.
async fn carrier(bench: &Bench, user: &TgUser) -> i32 {
    let greeted = bench.tg.read(|s| bot_texts_to(s, user.id).len());
    let start = bench.tg.client_start(user);
    bench
        .wait("the greeting", |s| bot_texts_to(s, user.id).len() > greeted)
        .await;
    start.message_id
}

/// A private message update from `user` with message id `id`, plus `fields`.
fn private_update(user: &TgUser, id: i32, fields: Value) -> Value {
    let mut m = json!({
        "message_id": id,
        "date": 1_760_000_000,
        "chat": {"id": user.id, "type": "private", "first_name": user.first_name},
        "from": user.to_json(),
    });
    for (k, v) in fields.as_object().expect("fields are an object") {
        m[k] = v.clone();
    }
    json!({ "message": m })
}

#[tokio::test]
async fn a_forward_from_an_origin_of_a_type_nobody_knows_reaches_the_topic() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let olena = client(8_000_000_101, "Олена", None);
    let chat = olena.id as i64;
    let id = carrier(&bench, &olena).await;

    bench.tg.inject_raw(private_update(
        &olena,
        id,
        json!({
            "forward_origin": {"type": "hidden_channel_of_the_future", "date": 1_759_999_999,
                "sender_hologram": {"id": 1, "shape": "cat"}},
            "text": "Переслала вам пораду з каналу"
        }),
    ));
    let thread = bench.topic_of("Олена").await;
    bench
        .wait("the forward copied into the topic", |s| {
            !copies(s, chat, id).is_empty()
        })
        .await;
    let copy = &bench.copies_of(chat, id)[0];
    assert_eq!(copy.thread_id, Some(thread));
    bot.shutdown().await;
}

#[tokio::test]
async fn messages_of_kinds_nobody_knows_reach_the_topic() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let ivan = client(8_000_000_102, "Іван", None);
    let chat = ivan.id as i64;

    let future_kind = carrier(&bench, &ivan).await;
    bench.tg.inject_raw(private_update(
        &ivan,
        future_kind,
        json!({
            "paid_media_v2": {"star_count": 5, "items": [{"type": "hologram"}]},
            "caption": "Ось знімок"
        }),
    ));
    let thread = bench.topic_of("Іван").await;
    bench
        .wait("the unknown kind copied into the topic", |s| {
            !copies(s, chat, future_kind).is_empty()
        })
        .await;

    let story = carrier(&bench, &ivan).await;
    bench.tg.inject_raw(private_update(
        &ivan,
        story,
        json!({
            "forward_origin": {"type": "channel", "date": 1_759_999_999, "message_id": 4,
                "chat": {"id": -1_002_000_000_000i64, "type": "channel", "title": "Котики"}},
            "story": {"chat": {"id": -1_002_000_000_000i64, "type": "channel", "title": "Котики"},
                "id": 17}
        }),
    ));
    bench
        .wait("the forwarded story copied into the topic", |s| {
            !copies(s, chat, story).is_empty()
        })
        .await;
    for id in [future_kind, story] {
        let copied = bench.copies_of(chat, id);
        assert_eq!(copied.len(), 1, "{copied:?}");
        assert_eq!(copied[0].thread_id, Some(thread));
    }
    bot.shutdown().await;
}

#[tokio::test]
async fn an_anonymous_admins_answer_reaches_the_client() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let group = bench.tg.group_id();
    let marko = client(8_000_000_103, "Марко", None);
    let q = bench.tg.client_text(&marko, "Чи працюєте в неділю?");
    let thread = bench.topic_of("Марко").await;
    bench
        .wait("the question copied", |s| {
            !copies(s, marko.id as i64, q.message_id).is_empty()
        })
        .await;
    bench.settled(&bot).await;

    let mut anonymous = TgUser::new(1_087_968_824, "Group").with_username("GroupAnonymousBot");
    anonymous.is_bot = true;
    // Stored as the fake can render it (no `sender_chat`): a bot's post, rightly ignored.
    let answer = bench
        .tg
        .staff_text(&anonymous, thread, "Так, з 10 до 16.")
        .unwrap();
    // The same message as Telegram sends it: on behalf of the group, signed.
    bench.tg.inject_raw(json!({"message": {
        "message_id": answer.message_id,
        "date": 1_760_000_000,
        "message_thread_id": thread,
        "is_topic_message": true,
        "chat": {"id": group, "type": "supergroup", "title": "PetWealth Support", "is_forum": true},
        "from": anonymous.to_json(),
        "sender_chat": {"id": group, "type": "supergroup", "title": "PetWealth Support"},
        "author_signature": "Марта",
        "text": "Так, з 10 до 16."
    }}));
    bench
        .wait("the anonymous admin's answer reaches the client", |s| {
            !copies(s, group, answer.message_id).is_empty()
        })
        .await;
    let copied = bench.copies_of(group, answer.message_id);
    assert_eq!(copied.len(), 1, "{copied:?}");
    assert_eq!(copied[0].chat_id, marko.id as i64);
    assert_eq!(copied[0].content(), Some("Так, з 10 до 16."));
    bot.shutdown().await;
}

#[tokio::test]
async fn copies_telegram_refuses_are_noticed_in_the_topic() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let group = bench.tg.group_id();
    let daria = client(8_000_000_104, "Дарина", None);
    let chat = daria.id as i64;
    let first = bench.tg.client_text(&daria, "Добрий день");
    let thread = bench.topic_of("Дарина").await;
    bench
        .wait("the first message copied", |s| {
            !copies(s, chat, first.message_id).is_empty()
        })
        .await;
    bench.settled(&bot).await;

    bench.tg.fail_next(
        "copyMessage",
        Failure::api(400, "Bad Request: message can't be copied"),
    );
    let refused = bench.tg.client_text(&daria, "Ось рахунок");
    bench
        .wait("a notice about the client's message in the topic", |s| {
            bot_texts_in(s, thread)
                .iter()
                .any(|t| t.starts_with("⚠️ Повідомлення клієнта не вдалося переслати"))
        })
        .await;
    assert!(bench.copies_of(chat, refused.message_id).is_empty());
    bench.settled(&bot).await;

    bench.tg.fail_next(
        "copyMessage",
        Failure::api(400, "Bad Request: message can't be copied"),
    );
    let answer = bench
        .tg
        .staff_text(
            &staff(600, "Лікар"),
            thread,
            "Надішліть, будь ласка, ще раз",
        )
        .unwrap();
    bench
        .wait("a notice about the staff answer in the topic", |s| {
            bot_texts_in(s, thread)
                .iter()
                .any(|t| t.starts_with("⚠️ Повідомлення не доставлено клієнту"))
        })
        .await;
    let notice_reply = bench.tg.read(|s| {
        s.bot_messages_in(Some(thread))
            .iter()
            .find(|m| {
                m.content()
                    .is_some_and(|t| t.starts_with("⚠️ Повідомлення не доставлено клієнту"))
            })
            .and_then(|m| m.reply_to)
    });
    assert_eq!(
        notice_reply,
        Some(answer.message_id),
        "the notice points at the answer"
    );
    assert!(bench.copies_of(group, answer.message_id).is_empty());
    bot.shutdown().await;
}

#[tokio::test]
async fn a_topic_name_telegram_refuses_is_replaced_by_a_plain_one() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let zoia = client(8_000_000_105, "Зоя", None);
    let chat = zoia.id as i64;
    bench.tg.fail_next(
        "createForumTopic",
        Failure::api(400, "Bad Request: TOPIC_NAME_INVALID"),
    );
    let m = bench.tg.client_text(&zoia, "Кіт не їсть");
    let thread = bench.topic_of("Клієнт 8000000105").await;
    bench
        .wait("the message copied into the plain-named topic", |s| {
            copies(s, chat, m.message_id)
                .iter()
                .any(|c| c.thread_id == Some(thread))
        })
        .await;
    bench
        .wait("the refused name told in the topic", |s| {
            bot_texts_in(s, thread)
                .iter()
                .any(|t| t.contains("«Зоя»") && t.contains("«Клієнт 8000000105»"))
        })
        .await;
    bot.shutdown().await;
}

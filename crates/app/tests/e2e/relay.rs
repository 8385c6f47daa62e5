//! The relay of docs/product-rules.md (the client's side)–§4 end to end: client ↔ topic, through the real app assembly and the
//! fake Bot API.

use crate::harness::{Bench, bot_texts_in, bot_texts_to, client, copies, staff};
use domain::texts;
use fake_telegram::{Failure, NewContent};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn start_contact_first_message_topic_card_and_a_staff_answer() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let olena = client(8_000_000_001, "Олена", Some("olena"));
    let chat = olena.id as i64;

    bench.tg.client_start(&olena);
    bench
        .wait("the greeting and the phone request", |s| {
            let texts = bot_texts_to(s, olena.id);
            texts.iter().any(|t| t.starts_with("Вітаємо!"))
                && s.messages(chat).iter().any(|m| {
                    m.reply_markup
                        .as_ref()
                        .is_some_and(|k| k["keyboard"][0][0]["request_contact"] == json!(true))
                })
        })
        .await;

    bench
        .tg
        .client_contact(&olena, "+38 (067) 421-03-03", Some(olena.id));
    bench
        .wait("thanks for the phone, keyboard removed", |s| {
            s.messages(chat).iter().any(|m| {
                m.content() == Some(texts::PHONE_THANKS)
                    && m.reply_markup
                        .as_ref()
                        .is_some_and(|k| k["remove_keyboard"] == json!(true))
            })
        })
        .await;

    let first = bench.tg.client_text(&olena, "Кіт чхає третій день 🤧");
    let thread = bench.topic_of("Олена (@olena)").await;
    bench
        .wait("the message copied into the topic", |s| {
            !copies(s, chat, first.message_id).is_empty()
        })
        .await;
    let (card, copy) = bench.tg.read(|s| {
        let bot_msgs = s.bot_messages_in(Some(thread));
        (
            bot_msgs
                .first()
                .and_then(|m| m.content().map(str::to_owned)),
            copies(s, chat, first.message_id),
        )
    });
    let card = card.expect("a card at the top of the topic");
    assert!(card.starts_with("Картка клієнта"), "{card}");
    assert!(card.contains("8000000001"), "{card}");
    assert!(
        card.contains("380674210303"),
        "the shared phone is on the card: {card}"
    );
    assert_eq!(copy.len(), 1);
    assert_eq!(copy[0].thread_id, Some(thread));
    assert_eq!(copy[0].content(), Some("Кіт чхає третій день 🤧"));
    assert_eq!(copy[0].reply_to, None);

    let doctor = staff(600, "Лікар");
    let answer = bench
        .tg
        .staff_text(&doctor, thread, "Добрий день! Чи є температура?")
        .unwrap();
    bench
        .wait("the staff answer reaches the client", |s| {
            !copies(s, bench.tg.group_id(), answer.message_id).is_empty()
        })
        .await;
    let to_client = bench.copies_of(bench.tg.group_id(), answer.message_id);
    assert_eq!(to_client.len(), 1);
    assert_eq!(to_client[0].chat_id, chat);
    assert_eq!(
        to_client[0].content(),
        Some("Добрий день! Чи є температура?")
    );
    // The forum quirk (reply_to the topic's creation message) is no reply for the client.
    assert_eq!(to_client[0].reply_to, None);
    bot.shutdown().await;
}

#[tokio::test]
async fn five_messages_at_once_make_one_topic_and_keep_their_order() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let taras = client(8_000_000_002, "Тарас", None);
    let chat = taras.id as i64;
    let sent: Vec<i32> = (1..=5)
        .map(|i| {
            bench
                .tg
                .client_text(&taras, &format!("повідомлення {i}"))
                .message_id
        })
        .collect();
    bench
        .wait("all five copied", |s| {
            sent.iter().all(|m| !copies(s, chat, *m).is_empty())
        })
        .await;
    let topics = bench.tg.topics();
    assert_eq!(topics.len(), 1, "one topic for one client: {topics:?}");
    assert_eq!(topics[0].name, "Тарас");
    let in_topic: Vec<(i32, i32)> = bench.tg.read(|s| {
        s.bot_messages_in(Some(topics[0].thread_id))
            .iter()
            .filter_map(|m| m.copied_from.map(|(_, src)| (m.message_id, src)))
            .collect()
    });
    let sources: Vec<i32> = in_topic.iter().map(|(_, src)| *src).collect();
    assert_eq!(sources, sent, "each exactly once, in the client's order");
    bot.shutdown().await;
}

#[tokio::test]
async fn a_deleted_topic_is_recreated_and_the_message_lands_there() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let iryna = client(8_000_000_003, "Ірина", Some("iryna_vet"));
    let chat = iryna.id as i64;
    let first = bench.tg.client_text(&iryna, "Перше");
    bench
        .wait("first copied", |s| {
            !copies(s, chat, first.message_id).is_empty()
        })
        .await;
    let old = bench.tg.topics()[0].thread_id;
    assert!(bench.tg.delete_topic(old));

    let second = bench.tg.client_text(&iryna, "Друге, після видалення теми");
    bench
        .wait("second copied", |s| {
            !copies(s, chat, second.message_id).is_empty()
        })
        .await;
    let copy = &bench.copies_of(chat, second.message_id)[0];
    let live: Vec<_> = bench
        .tg
        .topics()
        .into_iter()
        .filter(|t| !t.deleted)
        .collect();
    assert_eq!(live.len(), 1, "{live:?}");
    assert_ne!(live[0].thread_id, old);
    assert_eq!(copy.thread_id, Some(live[0].thread_id));
    assert_eq!(live[0].name, "Ірина (@iryna_vet)");
    let card = bench.tg.read(|s| bot_texts_in(s, live[0].thread_id));
    assert!(
        card[0].starts_with("Картка клієнта"),
        "the new topic has a card: {card:?}"
    );
    bot.shutdown().await;
}

#[tokio::test]
async fn a_closed_topic_is_reopened_for_the_clients_message() {
    let bench = Bench::new().await;
    bench.tg.set_bot_can_post_in_closed_topics(false);
    let bot = bench.start().await;
    let petro = client(8_000_000_004, "Петро", None);
    let chat = petro.id as i64;
    let first = bench.tg.client_text(&petro, "Дякую, все добре");
    bench
        .wait("first copied", |s| {
            !copies(s, chat, first.message_id).is_empty()
        })
        .await;
    let thread = bench.tg.topics()[0].thread_id;
    bench
        .tg
        .staff_close_topic(&staff(600, "Лікар"), thread)
        .unwrap();
    assert!(bench.tg.topic(thread).unwrap().closed);

    let again = bench.tg.client_text(&petro, "Ой, ще питання");
    bench
        .wait("copied after reopening", |s| {
            !copies(s, chat, again.message_id).is_empty()
        })
        .await;
    let topic = bench.tg.topic(thread).unwrap();
    assert!(!topic.closed, "the topic was reopened");
    assert_eq!(
        bench.copies_of(chat, again.message_id)[0].thread_id,
        Some(thread)
    );
    assert_eq!(bench.tg.topics().len(), 1, "no second topic");
    bot.shutdown().await;
}

#[tokio::test]
async fn replies_are_mapped_both_ways() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let group = bench.tg.group_id();
    let olha = client(8_000_000_005, "Ольга", None);
    let chat = olha.id as i64;
    let question = bench.tg.client_text(&olha, "Скільки коштує щеплення?");
    let thread = bench.topic_of("Ольга").await;
    bench
        .wait("question copied", |s| {
            !copies(s, chat, question.message_id).is_empty()
        })
        .await;
    let question_copy = bench.copies_of(chat, question.message_id)[0].message_id;
    bench.settled(&bot).await;

    // Staff reply explicitly to the client's copy → the client sees a reply to their question.
    let doctor = staff(600, "Лікар");
    let answer = bench
        .tg
        .staff_reply(&doctor, question_copy, "500 грн")
        .unwrap();
    bench
        .wait("answer delivered", |s| {
            !copies(s, group, answer.message_id).is_empty()
        })
        .await;
    let answer_copy = bench.copies_of(group, answer.message_id)[0].clone();
    assert_eq!(answer_copy.reply_to, Some(question.message_id));
    bench.settled(&bot).await;

    // The client replies to the staff answer → in the topic, a reply to the staff's original.
    let follow_up = bench
        .tg
        .client_reply(&olha, answer_copy.message_id, "А на суботу можна?")
        .unwrap();
    bench
        .wait("follow-up copied", |s| {
            !copies(s, chat, follow_up.message_id).is_empty()
        })
        .await;
    let follow_copy = &bench.copies_of(chat, follow_up.message_id)[0];
    assert_eq!(follow_copy.thread_id, Some(thread));
    assert_eq!(follow_copy.reply_to, Some(answer.message_id));
    bot.shutdown().await;
}

#[tokio::test]
async fn edits_are_propagated_both_ways() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let group = bench.tg.group_id();
    let anna = client(8_000_000_006, "Анна", None);
    let chat = anna.id as i64;
    let msg = bench.tg.client_text(&anna, "Собака кашляє");
    let thread = bench.topic_of("Анна").await;
    bench
        .wait("copied", |s| !copies(s, chat, msg.message_id).is_empty())
        .await;
    bench.settled(&bot).await;
    bench
        .tg
        .client_edit(&anna, msg.message_id, "Собака кашляє і чхає")
        .unwrap();
    let copy_id = bench.copies_of(chat, msg.message_id)[0].message_id;
    bench
        .wait("the copy in the topic edited", |s| {
            s.message(group, copy_id).and_then(|m| m.content()) == Some("Собака кашляє і чхає")
        })
        .await;

    let answer = bench
        .tg
        .staff_text(&staff(600, "Лікар"), thread, "Привезіть о 15:00")
        .unwrap();
    bench
        .wait("answer delivered", |s| {
            !copies(s, group, answer.message_id).is_empty()
        })
        .await;
    bench.settled(&bot).await;
    bench
        .tg
        .staff_edit(answer.message_id, "Привезіть о 16:00")
        .unwrap();
    let answer_copy = bench.copies_of(group, answer.message_id)[0].message_id;
    bench
        .wait("the client's copy edited", |s| {
            s.message(chat, answer_copy).and_then(|m| m.content()) == Some("Привезіть о 16:00")
        })
        .await;
    bot.shutdown().await;
}

#[tokio::test]
async fn an_album_is_relayed_item_by_item_in_order() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let max = client(8_000_000_007, "Максим", None);
    let chat = max.id as i64;
    let items: Vec<i32> = bench
        .tg
        .client_album(&max, 4, Some("Лапа після операції"))
        .iter()
        .map(|i| i.message_id)
        .collect();
    let thread = bench.topic_of("Максим").await;
    bench
        .wait("every album item copied", |s| {
            items.iter().all(|m| !copies(s, chat, *m).is_empty())
        })
        .await;
    let sources: Vec<i32> = bench.tg.read(|s| {
        s.bot_messages_in(Some(thread))
            .iter()
            .filter_map(|m| m.copied_from.map(|(_, src)| src))
            .collect()
    });
    assert_eq!(sources, items);
    let first = &bench.copies_of(chat, items[0])[0];
    assert!(first.media.is_some(), "the photo itself is copied");
    assert_eq!(first.content(), Some("Лапа після операції"));
    bot.shutdown().await;
}

#[tokio::test]
async fn internal_notes_stay_in_the_topic() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let group = bench.tg.group_id();
    let oksana = client(8_000_000_008, "Оксана", None);
    let chat = oksana.id as i64;
    let q = bench.tg.client_text(&oksana, "Добрий день");
    let thread = bench.topic_of("Оксана").await;
    bench
        .wait("copied", |s| !copies(s, chat, q.message_id).is_empty())
        .await;
    let doctor = staff(600, "Лікар");
    let note = bench
        .tg
        .staff_text(&doctor, thread, "// клієнтка нервує, говорити м'яко")
        .unwrap();
    let answer = bench.tg.staff_text(&doctor, thread, "Вітаю!").unwrap();
    bench
        .wait("the answer after the note delivered", |s| {
            !copies(s, group, answer.message_id).is_empty()
        })
        .await;
    assert!(
        bench.copies_of(group, note.message_id).is_empty(),
        "a note is never sent to the client"
    );
    let client_sees: Vec<String> = bench
        .tg
        .messages(chat)
        .iter()
        .filter_map(|m| m.content().map(str::to_owned))
        .collect();
    assert!(
        !client_sees.iter().any(|t| t.contains("нервує")),
        "{client_sees:?}"
    );
    bot.shutdown().await;
}

#[tokio::test]
async fn a_client_who_blocked_the_bot_gives_one_notice_per_undelivered_message() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let ivan = client(8_000_000_009, "Іван", None);
    let chat = ivan.id as i64;
    let q = bench.tg.client_text(&ivan, "Питання");
    let thread = bench.topic_of("Іван").await;
    bench
        .wait("copied", |s| !copies(s, chat, q.message_id).is_empty())
        .await;
    bench.tg.block_bot(ivan.id);
    let answer = bench
        .tg
        .staff_text(&staff(600, "Лікар"), thread, "Відповідь")
        .unwrap();
    bench
        .wait("the blocked notice in the topic", |s| {
            bot_texts_in(s, thread)
                .iter()
                .any(|t| t == texts::CLIENT_BLOCKED)
        })
        .await;
    // Give the sender time to (wrongly) retry before counting.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let notices = bench.tg.read(|s| {
        bot_texts_in(s, thread)
            .into_iter()
            .filter(|t| t == texts::CLIENT_BLOCKED)
            .count()
    });
    assert_eq!(notices, 1);
    assert!(
        bench
            .copies_of(bench.tg.group_id(), answer.message_id)
            .is_empty()
    );
    let notice_reply = bench.tg.read(|s| {
        s.bot_messages_in(Some(thread))
            .iter()
            .find(|m| m.content() == Some(texts::CLIENT_BLOCKED))
            .and_then(|m| m.reply_to)
    });
    assert_eq!(
        notice_reply,
        Some(answer.message_id),
        "the notice points at the message"
    );
    bot.shutdown().await;
}

#[tokio::test]
async fn general_chatter_other_chats_and_unknown_updates_are_ignored_without_stalling() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let doctor = staff(600, "Лікар");
    bench
        .tg
        .general_text(&doctor, "Хто сьогодні чергує?")
        .unwrap();
    bench.tg.inject_raw(json!({"some_future_kind": {"x": 1}}));
    bench.tg.inject_raw(json!({"message": {
        "message_id": 5, "date": 0,
        "chat": {"id": -1009999999999i64, "type": "supergroup", "title": "Інша група"},
        "from": {"id": 601, "is_bot": false, "first_name": "Хтось"},
        "text": "спам"
    }}));
    // A later client message proves the queue moved past all of the above.
    let nadia = client(8_000_000_010, "Надія", None);
    let m = bench.tg.client_text(&nadia, "Привіт");
    bench
        .wait("the client's message relayed", |s| {
            !copies(s, nadia.id as i64, m.message_id).is_empty()
        })
        .await;
    let general_bot_msgs = bench.tg.read(|s| s.bot_messages_in(None).len());
    assert_eq!(general_bot_msgs, 0, "General chatter gets no answer");
    let sends_elsewhere = bench.tg.read(|s| {
        s.calls()
            .iter()
            .filter(|c| c.chat_id == Some(-1009999999999))
            .count()
    });
    assert_eq!(sends_elsewhere, 0, "other chats are ignored");
    bot.shutdown().await;
}

#[tokio::test]
async fn a_lost_reply_target_does_not_lose_the_message() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let group = bench.tg.group_id();
    let lina = client(8_000_000_011, "Ліна", None);
    let q = bench.tg.client_text(&lina, "Питання");
    let thread = bench.topic_of("Ліна").await;
    bench
        .wait("copied", |s| {
            !copies(s, lina.id as i64, q.message_id).is_empty()
        })
        .await;
    // The copy's id must be recorded before staff can reply to it meaningfully.
    bench.settled(&bot).await;
    // Telegram refuses the first copy: the reply target vanished meanwhile.
    bench.tg.fail_next(
        "copyMessage",
        Failure::api(400, "Bad Request: message to be replied not found"),
    );
    let q_copy = bench.copies_of(lina.id as i64, q.message_id)[0].message_id;
    let answer = bench
        .tg
        .staff_send(
            &staff(600, "Лікар"),
            Some(thread),
            NewContent::text("Відповідь"),
            Some(q_copy),
        )
        .unwrap();
    bench
        .wait("delivered without the reply", |s| {
            !copies(s, group, answer.message_id).is_empty()
        })
        .await;
    assert_eq!(bench.copies_of(group, answer.message_id)[0].reply_to, None);
    bot.shutdown().await;
}

//! Moving the clinic to a new support group end to end (docs/operations.md: moving to a new
//! support group): clients write while the bot runs with group A; it is restarted with
//! `SUPPORT_GROUP_ID` = group B. A client who writes again gets a new topic in B (card, the
//! "earlier conversation" line, their message); staff writing in an old topic in A get one
//! hint there — never relayed — which links to the client's topic in B, created at once if the
//! client has not written since; answers in B reach the client; no message is lost or doubled.

use crate::harness::{Bench, PROMPT, client, copies, staff};
use crate::staff_kit::{client_topic, db, plain, text_of};
use adapters_mysql::entities::update_inbox;
use domain::texts;
use fake_telegram::{State, StoredMessage, TgUser};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::time::{Duration, Instant};

/// The new support group (a forum the bot administers too).
const GROUP_B: i64 = -1_009_876_543_210;

/// The URL of every link in a message, as Telegram parsed its HTML.
fn link_urls(m: &StoredMessage) -> Vec<String> {
    m.entities
        .as_ref()
        .and_then(|e| e.as_array().cloned())
        .unwrap_or_default()
        .into_iter()
        .filter(|e| e["type"] == "text_link")
        .filter_map(|e| e["url"].as_str().map(str::to_owned))
        .collect()
}

/// The bot's messages (not copies) in a topic of group A that reply to `msg`.
fn hints_to(s: &State, group_a: i64, thread: i32, msg: i32) -> Vec<StoredMessage> {
    s.bot_messages_in_forum(group_a, Some(thread))
        .into_iter()
        .filter(|m| m.copied_from.is_none() && m.reply_to == Some(msg))
        .cloned()
        .collect()
}

/// The client's topic in group B, once there is one.
fn topic_in_b(s: &State, name: &str) -> Option<i32> {
    s.topics_in(GROUP_B)
        .into_iter()
        .find(|t| t.name == name && !t.deleted)
        .map(|t| t.thread_id)
}

/// Waits until the bot has handled update `update` (whatever it decided).
async fn handled(bench: &Bench, update: i64) {
    let until = Instant::now() + PROMPT;
    loop {
        let row = update_inbox::Entity::find()
            .filter(update_inbox::Column::UpdateId.eq(update))
            .one(&db(bench).await)
            .await
            .expect("query");
        if row.is_some_and(|r| r.handled) {
            return;
        }
        assert!(Instant::now() < until, "update {update} never handled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Copies of `(chat, message)` into a private chat (what reached a client).
fn copies_to_clients(s: &State, chat: i64, message: i32) -> Vec<StoredMessage> {
    copies(s, chat, message)
        .into_iter()
        .filter(|m| m.chat_id > 0)
        .collect()
}

#[tokio::test]
async fn a_move_to_a_new_group_keeps_every_message_and_points_staff_from_the_old_topics() {
    let mut bench = Bench::new().await;
    let group_a = bench.tg.group_id();
    bench.tg.add_forum(GROUP_B, "PetWealth Support (new)");
    let marta = staff(600, "Марта");
    let olena = client(8_000_000_001, "Олена", Some("olena"));
    let petro = client(8_000_000_002, "Петро", Some("petro"));

    // Before the move: both clients get topics in group A.
    let bot = bench.start().await;
    let first = bench.tg.client_text(&olena, "Кіт чхає");
    let (olena_a, _) = client_topic_of(&bench, &olena, first.message_id).await;
    let (petro_a, _) = client_topic(&bench, &petro, "Пес кульгає").await;
    assert_ne!(olena_a, petro_a);
    assert!(bench.tg.topics_in(GROUP_B).is_empty());
    bot.shutdown().await;

    // The move: the bot restarts with group B.
    bench.set("SUPPORT_GROUP_ID", GROUP_B.to_string());
    let bot = bench.start().await;

    // Olena writes again: a new topic in B, the card with the line, then her message.
    let second = bench.tg.client_text(&olena, "Вже краще, але не їсть");
    let olena_chat = olena.id as i64;
    bench
        .wait("the second message copied into group B", |s| {
            copies(s, olena_chat, second.message_id)
                .iter()
                .any(|c| c.chat_id == GROUP_B)
        })
        .await;
    let olena_b = bench
        .tg
        .read(|s| topic_in_b(s, "Олена (@olena)"))
        .expect("Olena's topic in B");
    let in_b: Vec<StoredMessage> = bench.tg.read(|s| {
        s.bot_messages_in_forum(GROUP_B, Some(olena_b))
            .into_iter()
            .cloned()
            .collect()
    });
    let card = text_of(&in_b[0]);
    assert!(card.contains("Картка клієнта"), "{card}");
    assert!(card.contains(texts::TOPIC_MOVED), "{card}");
    assert_eq!(
        in_b[1].copied_from,
        Some((olena_chat, second.message_id)),
        "the message right after the card"
    );

    // Staff write in Olena's old topic in A: one hint there, linking to her topic in B.
    let old_answer = bench
        .tg
        .staff_text(&marta, olena_a, "Добрий день! Як кіт?")
        .expect("the old topic takes messages");
    bench
        .wait("the hint in the old topic", |s| {
            !hints_to(s, group_a, olena_a, old_answer.message_id).is_empty()
        })
        .await;
    let hint = bench
        .tg
        .read(|s| hints_to(s, group_a, olena_a, old_answer.message_id))
        .remove(0);
    assert_eq!(text_of(&hint), plain(&texts::former_topic_hint(Some("x"))));
    assert_eq!(
        link_urls(&hint),
        vec![format!("https://t.me/c/9876543210/{olena_b}")]
    );

    // A second message right after: handled, but no second hint.
    let again = bench
        .tg
        .staff_text(&marta, olena_a, "Ви тут?")
        .expect("the old topic takes messages");
    handled(&bench, again.update_id).await;

    // Petro has not written since the move: a staff message in his old topic creates his
    // topic in B at once (card and line), and the hint links to it.
    let to_petro = bench
        .tg
        .staff_text(&marta, petro_a, "Як лапа?")
        .expect("the old topic takes messages");
    bench
        .wait("Petro's hint in the old topic", |s| {
            !hints_to(s, group_a, petro_a, to_petro.message_id).is_empty()
        })
        .await;
    let petro_b = bench
        .tg
        .read(|s| topic_in_b(s, "Петро (@petro)"))
        .expect("Petro's topic in B, made on staff demand");
    let petro_card = bench.tg.read(|s| {
        s.bot_messages_in_forum(GROUP_B, Some(petro_b))
            .first()
            .map(|m| text_of(m))
    });
    assert!(
        petro_card
            .as_deref()
            .is_some_and(|c| c.contains(texts::TOPIC_MOVED)),
        "{petro_card:?}"
    );
    let petro_hint = bench
        .tg
        .read(|s| hints_to(s, group_a, petro_a, to_petro.message_id))
        .remove(0);
    assert_eq!(
        link_urls(&petro_hint),
        vec![format!("https://t.me/c/9876543210/{petro_b}")]
    );

    // An answer in B reaches Olena.
    let answer = bench
        .tg
        .staff_text_in(GROUP_B, &marta, olena_b, "Дайте йому води")
        .expect("the new topic takes messages");
    bench
        .wait("the answer from B reaches the client", |s| {
            !copies_to_clients(s, GROUP_B, answer.message_id).is_empty()
        })
        .await;
    bench.settled(&bot).await;

    bench.tg.read(|s| {
        // Every client message exactly once; nothing written in the old group reached anyone.
        assert_eq!(copies(s, olena_chat, first.message_id).len(), 1);
        assert_eq!(copies(s, olena_chat, second.message_id).len(), 1);
        assert_eq!(copies_to_clients(s, GROUP_B, answer.message_id).len(), 1);
        for old in [&old_answer, &again, &to_petro] {
            assert!(
                copies(s, group_a, old.message_id).is_empty(),
                "message {} from the old group was relayed",
                old.message_id
            );
        }
        assert_eq!(
            hints_to(s, group_a, olena_a, old_answer.message_id).len(),
            1
        );
        assert!(hints_to(s, group_a, olena_a, again.message_id).is_empty());
        // The clients read only what staff wrote in B.
        let to_olena: Vec<&StoredMessage> = s
            .messages(olena_chat)
            .into_iter()
            .filter(|m| m.by_bot && m.copied_from.is_some())
            .collect();
        assert_eq!(to_olena.len(), 1, "{to_olena:#?}");
        assert!(
            s.messages(petro.id as i64)
                .iter()
                .all(|m| !m.by_bot || m.copied_from.is_none()),
            "nothing from the old topic reached Petro"
        );
        // One topic per client in B, none made for the old messages.
        assert_eq!(s.topics_in(GROUP_B).len(), 2);
    });
    bot.shutdown().await;
}

/// The topic the client's message `message` was copied into, once it is.
async fn client_topic_of(bench: &Bench, who: &TgUser, message: i32) -> (i32, i32) {
    let chat = who.id as i64;
    bench
        .wait("the client's message copied into a topic", |s| {
            !copies(s, chat, message).is_empty()
        })
        .await;
    let copy = bench.copies_of(chat, message).remove(0);
    (copy.thread_id.expect("in a topic"), copy.message_id)
}

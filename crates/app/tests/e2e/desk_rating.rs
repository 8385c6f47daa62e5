//! Ratings end to end (docs/product-rules.md: ratings): `/close` tells the client with five
//! buttons `1`…`5`; a press is stored with the appeal, the buttons give way to thanks, and the
//! topic gets one line (the assignee mentioned for a low rating); a second press changes
//! nothing; `/close_silent` asks nothing; an old appeal's buttons rate nothing.

use crate::harness::{Bench, client, copies, staff};
use crate::staff_kit::*;
use domain::texts;
use fake_telegram::{StoredMessage, TgUser};

/// The bot's closing notices in the client's chat (with or without their buttons), oldest
/// first.
pub fn notices(bench: &Bench, who: &TgUser) -> Vec<StoredMessage> {
    bench.tg.read(|s| {
        s.messages(who.id as i64)
            .into_iter()
            .filter(|m| m.by_bot && m.copied_from.is_none())
            .filter(|m| {
                m.content()
                    .is_some_and(|t| t.starts_with("Ваше звернення закрито"))
            })
            .cloned()
            .collect()
    })
}

/// Waits for the `n`-th closing notice; returns it.
pub async fn notice(bench: &Bench, who: &TgUser, n: usize) -> StoredMessage {
    bench
        .wait(&format!("closing notice {n} to the client"), |s| {
            s.messages(who.id as i64)
                .iter()
                .filter(|m| m.by_bot && m.copied_from.is_none())
                .filter(|m| {
                    m.content()
                        .is_some_and(|t| t.starts_with("Ваше звернення закрито"))
                })
                .count()
                >= n
        })
        .await;
    notices(bench, who).remove(n - 1)
}

/// The rating buttons' data for a ticket.
pub fn rating_data(ticket: i64) -> Vec<String> {
    (1..=5).map(|n| format!("rate:{ticket}:{n}")).collect()
}

/// The rating lines in the topic (their HTML, as sent), oldest first.
pub fn rating_lines(bench: &Bench, thread: i32) -> Vec<String> {
    bench.tg.read(|s| {
        s.bot_messages_in(Some(thread))
            .into_iter()
            .filter(|m| m.copied_from.is_none())
            .filter(|m| {
                m.content()
                    .is_some_and(|t| t.starts_with("⭐ Оцінка клієнта"))
            })
            .map(|m| m.source.clone().or(m.text.clone()).unwrap_or_default())
            .collect()
    })
}

/// `(rating, rated)` of each of the client's tickets, oldest first.
async fn ratings(bench: &Bench, who: &TgUser) -> Vec<(Option<i32>, bool)> {
    tickets_of(bench, who.id)
        .await
        .into_iter()
        .map(|t| (t.rating, t.rated_at.is_some()))
        .collect()
}

#[tokio::test]
async fn a_close_asks_for_a_rating_and_the_first_press_is_stored_once() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let marta = staff(600, "Марта");
    let olena = client(8_400_000_001, "Олена", None);
    let (thread, _) = client_topic(&bench, &olena, "Кіт чхає").await;
    command(&bench, &marta, thread, "/assign").await;
    assert_eq!(
        command(&bench, &marta, thread, "/close").await,
        texts::CLOSED_AND_TOLD
    );

    let asked = notice(&bench, &olena, 1).await;
    let id = tickets_of(&bench, olena.id).await[0].id;
    assert_eq!(asked.button_data(), rating_data(id));
    let captions: Vec<String> = asked.reply_markup.as_ref().expect("buttons")["inline_keyboard"][0]
        .as_array()
        .expect("one row")
        .iter()
        .map(|b| b["text"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(captions, ["1", "2", "3", "4", "5"]);
    assert!(text_of(&asked).contains("Оцініть, будь ласка, нашу допомогу"));
    assert_eq!(ratings(&bench, &olena).await, [(None, false)]);

    // A low rating: stored, thanked, the buttons gone, the assignee called in the topic.
    assert_eq!(
        press_data(&bench, &olena, &asked, &format!("rate:{id}:2")).await,
        texts::RATE_THANKS
    );
    let (chat, message) = (asked.chat_id, asked.message_id);
    bench
        .wait("the notice edited, its buttons gone", |s| {
            s.message(chat, message)
                .is_some_and(|m| m.edit_date.is_some() && m.button_data().is_empty())
        })
        .await;
    let thanked = bench.tg.message(chat, message).expect("still there");
    assert_eq!(text_of(&thanked), texts::closed_and_rated(2));
    assert_eq!(ratings(&bench, &olena).await, [(Some(2), true)]);
    wait_text_in(&bench, thread, "⭐ Оцінка клієнта: 2/5").await;
    let lines = rating_lines(&bench, thread);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains(&format!("<a href=\"tg://user?id={}\">", marta.id)),
        "a low rating calls the assignee: {}",
        lines[0]
    );

    // A second press, of the same or another number, changes nothing.
    for n in [5, 2] {
        assert_eq!(
            press_data(&bench, &olena, &asked, &format!("rate:{id}:{n}")).await,
            texts::RATE_ALREADY
        );
    }
    settle().await;
    bench.settled(&bot).await;
    assert_eq!(ratings(&bench, &olena).await, [(Some(2), true)]);
    assert_eq!(rating_lines(&bench, thread).len(), 1);
    assert_eq!(
        text_of(&bench.tg.message(chat, message).expect("there")),
        texts::closed_and_rated(2)
    );

    // Data the bot never wrote: the unknown press.
    assert_eq!(
        press_data(&bench, &olena, &asked, "rate:oops").await,
        texts::PRESS_UNKNOWN
    );

    // Writing again simply opens a new appeal.
    let again = bench.tg.client_text(&olena, "Ще питання");
    bench
        .wait("the new message copied", |s| {
            !copies(s, olena.id as i64, again.message_id).is_empty()
        })
        .await;
    let t = tickets_of(&bench, olena.id).await;
    assert_eq!(
        t.iter().map(|t| t.status.as_str()).collect::<Vec<_>>(),
        ["closed", "open"]
    );
    assert_eq!(t[1].rating, None);
    bot.shutdown().await;
}

#[tokio::test]
async fn close_silent_asks_nothing_a_good_rating_mentions_nobody_old_buttons_rate_nothing() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let marta = staff(600, "Марта");
    let taras = client(8_400_000_002, "Тарас", None);
    let (thread, _) = client_topic(&bench, &taras, "Перше питання").await;
    command(&bench, &marta, thread, "/assign").await;
    assert_eq!(
        command(&bench, &marta, thread, "/close_silent").await,
        texts::CLOSED_SILENTLY
    );
    bench.settled(&bot).await;
    let rating_buttons = bench.tg.read(|s| {
        s.messages(taras.id as i64)
            .iter()
            .filter(|m| m.button_data().iter().any(|d| d.starts_with("rate:")))
            .count()
    });
    assert_eq!(rating_buttons, 0, "/close_silent tells the client nothing");
    assert!(notices(&bench, &taras).is_empty());

    // Reopened and closed with `/close`: a good rating mentions nobody.
    assert_eq!(
        command(&bench, &marta, thread, "/reopen").await,
        texts::REOPENED
    );
    command(&bench, &marta, thread, "/close").await;
    let first = notice(&bench, &taras, 1).await;
    let id = tickets_of(&bench, taras.id).await[0].id;
    assert_eq!(first.button_data(), rating_data(id));
    assert_eq!(
        press_data(&bench, &taras, &first, &format!("rate:{id}:5")).await,
        texts::RATE_THANKS
    );
    wait_text_in(&bench, thread, "⭐ Оцінка клієнта: 5/5").await;
    assert_eq!(rating_lines(&bench, thread), ["⭐ Оцінка клієнта: 5/5"]);

    // A second appeal, closed but not rated; then a third opens. The second one's buttons
    // rate nothing now: the conversation moved on.
    let second = bench.tg.client_text(&taras, "Друге питання");
    bench
        .wait("the second appeal's message copied", |s| {
            !copies(s, taras.id as i64, second.message_id).is_empty()
        })
        .await;
    command(&bench, &marta, thread, "/close").await;
    let old = notice(&bench, &taras, 2).await;
    let second_id = tickets_of(&bench, taras.id).await[1].id;
    assert_eq!(old.button_data(), rating_data(second_id));
    let third = bench.tg.client_text(&taras, "Третє питання");
    bench
        .wait("the third appeal's message copied", |s| {
            !copies(s, taras.id as i64, third.message_id).is_empty()
        })
        .await;
    assert_eq!(
        press_data(&bench, &taras, &old, &format!("rate:{second_id}:1")).await,
        texts::RATE_STALE
    );
    // The first appeal's buttons (the client's app may still show them): rated already.
    assert_eq!(
        press_data(&bench, &taras, &first, &format!("rate:{id}:1")).await,
        texts::RATE_ALREADY
    );
    settle().await;
    assert_eq!(
        ratings(&bench, &taras).await,
        [(Some(5), true), (None, false), (None, false)]
    );
    assert_eq!(rating_lines(&bench, thread).len(), 1);
    bot.shutdown().await;
}

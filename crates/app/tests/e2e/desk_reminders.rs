//! First-response reminders end to end (docs/product-rules.md: first-response reminders): a
//! client who waits `FIRST_RESPONSE_TARGET` is reminded in their topic, again at twice it, then
//! no more; the assignee is mentioned; an answered client is not reminded; a reminder due while
//! the bot was down comes once after the restart.

use crate::harness::{Bench, client, copies, staff};
use crate::staff_kit::{client_topic, command, settle, tickets_of};
use fake_telegram::{State, StoredMessage};
use std::time::Duration;

/// The target the tests run with: short, so the suite stays quick.
const TARGET: &str = "2s";
/// A little over twice [`TARGET`] plus a few of the loop's passes (one a second).
const PAST_TWICE_THE_TARGET: Duration = Duration::from_millis(6_500);

/// The bot's reminders in a topic, oldest first.
fn reminders_in(s: &State, thread: i32) -> Vec<StoredMessage> {
    s.bot_messages_in(Some(thread))
        .into_iter()
        .filter(|m| m.copied_from.is_none())
        .filter(|m| {
            m.content()
                .is_some_and(|t| t.starts_with("⏰ Клієнт чекає"))
        })
        .cloned()
        .collect()
}

fn count_in(bench: &Bench, thread: i32) -> usize {
    bench.tg.read(|s| reminders_in(s, thread).len())
}

/// Waits until the topic has `n` reminders; returns them.
async fn wait_reminders(bench: &Bench, thread: i32, n: usize) -> Vec<StoredMessage> {
    bench
        .wait(&format!("{n} reminder(s) in topic {thread}"), |s| {
            reminders_in(s, thread).len() >= n
        })
        .await;
    bench.tg.read(|s| reminders_in(s, thread))
}

/// A bench whose bot reminds after [`TARGET`].
async fn reminding_bench() -> Bench {
    let mut bench = Bench::new().await;
    bench.set("FIRST_RESPONSE_TARGET", TARGET);
    bench
}

#[tokio::test]
async fn a_waiting_client_is_reminded_at_the_target_and_at_twice_it_then_no_more() {
    let bench = reminding_bench().await;
    let bot = bench.start().await;
    let olena = client(8_300_000_001, "Олена", None);

    let (thread, _) = client_topic(&bench, &olena, "Кіт не їсть").await;
    assert_eq!(count_in(&bench, thread), 0, "no reminder before the target");

    let first = wait_reminders(&bench, thread, 1).await;
    assert_eq!(
        first[0].content(),
        Some("⏰ Клієнт чекає менше хвилини без відповіді."),
        "nobody is assigned: nobody is mentioned"
    );
    let both = wait_reminders(&bench, thread, 2).await;
    assert_eq!(both.len(), 2, "the second one, once");
    assert_eq!(both[0].message_id, first[0].message_id);

    tokio::time::sleep(PAST_TWICE_THE_TARGET).await;
    assert_eq!(
        count_in(&bench, thread),
        2,
        "two reminders per wait at most"
    );
    let ticket = tickets_of(&bench, olena.id).await.remove(0);
    assert_eq!(ticket.reminders_sent, 2);
    assert!(ticket.waiting_since.is_some(), "the client still waits");
    bot.shutdown().await;
}

#[tokio::test]
async fn the_reminder_mentions_the_assignee() {
    let bench = reminding_bench().await;
    let bot = bench.start().await;
    let marta = staff(600, "Марта");
    let olena = client(8_300_000_011, "Олена", None);
    let ivan = client(8_300_000_012, "Іван", None);

    let (by_id, _) = client_topic(&bench, &olena, "Собака кашляє").await;
    let (by_name, _) = client_topic(&bench, &ivan, "Запис на щеплення").await;
    // Commands are not answers: the clients still wait.
    command(&bench, &marta, by_id, "/assign").await;
    command(&bench, &marta, by_name, "/assign @olga_vet").await;

    let mentioned = wait_reminders(&bench, by_id, 1).await.remove(0);
    let html = mentioned.source.clone().unwrap_or_default();
    assert!(
        html.contains(&format!("<a href=\"tg://user?id={}\">", marta.id)),
        "a mention that notifies the assignee: {html}"
    );
    assert_eq!(mentioned.parse_mode.as_deref(), Some("HTML"));

    let named = wait_reminders(&bench, by_name, 1).await.remove(0);
    assert!(
        named.content().is_some_and(|t| t.ends_with("👤 @olga_vet")),
        "{:?}",
        named.content()
    );
    bot.shutdown().await;
}

#[tokio::test]
async fn an_answered_client_gets_no_reminder() {
    let mut bench = Bench::new().await;
    // Longer than elsewhere: the answer must reach the client well within it.
    bench.set("FIRST_RESPONSE_TARGET", "3s");
    let bot = bench.start().await;
    let marta = staff(600, "Марта");
    let answered = client(8_300_000_021, "Олена", None);
    let waiting = client(8_300_000_022, "Іван", None);

    let (answered_topic, _) = client_topic(&bench, &answered, "Кіт чхає").await;
    let reply = bench
        .tg
        .staff_text(&marta, answered_topic, "Добрий день! Зараз подивимось.")
        .unwrap();
    bench
        .wait("the answer reached the client", |s| {
            !copies(s, s.group_id(), reply.message_id).is_empty()
        })
        .await;
    let (waiting_topic, _) = client_topic(&bench, &waiting, "Пес кульгає").await;

    // The unanswered client, who wrote later, gets both reminders: the loop is running.
    wait_reminders(&bench, waiting_topic, 2).await;
    settle().await;
    assert_eq!(
        count_in(&bench, answered_topic),
        0,
        "the answered client waits for nothing"
    );
    let ticket = tickets_of(&bench, answered.id).await.remove(0);
    assert_eq!((ticket.waiting_since, ticket.reminders_sent), (None, 0));
    bot.shutdown().await;
}

#[tokio::test]
async fn a_reminder_due_while_the_bot_was_down_comes_once_after_the_restart() {
    let bench = reminding_bench().await;
    let bot = bench.start().await;
    let olena = client(8_300_000_031, "Олена", None);
    let (thread, _) = client_topic(&bench, &olena, "Коли прийом?").await;
    bot.shutdown().await;
    assert_eq!(count_in(&bench, thread), 0, "stopped before the target");

    // Down past twice the target: both reminders are due when it comes back.
    tokio::time::sleep(PAST_TWICE_THE_TARGET).await;
    let bot = bench.start().await;
    wait_reminders(&bench, thread, 1).await;
    // Several passes of the loop: a second message would show up meanwhile.
    tokio::time::sleep(Duration::from_millis(3_000)).await;
    assert_eq!(
        count_in(&bench, thread),
        1,
        "one reminder for the whole wait, not one per missed threshold"
    );
    assert_eq!(tickets_of(&bench, olena.id).await[0].reminders_sent, 2);
    bot.shutdown().await;

    // And a second restart repeats nothing.
    let bot = bench.start().await;
    tokio::time::sleep(Duration::from_millis(3_000)).await;
    assert_eq!(count_in(&bench, thread), 1);
    bot.shutdown().await;
}

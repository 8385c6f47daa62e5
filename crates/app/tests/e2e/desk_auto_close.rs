//! Auto-close end to end (docs/product-rules.md: auto-close): with `AUTO_CLOSE_AFTER` short,
//! an appeal whose client was answered and then stayed silent is closed with the closing
//! notice and its rating buttons, and its topic is told; an appeal waiting for staff stays
//! open; a restart neither closes twice nor sends a second notice.

use crate::desk_rating::{notice, notices, rating_data};
use crate::harness::{Bench, client, copies, staff};
use crate::staff_kit::*;
use domain::texts;
use fake_telegram::TgUser;
use std::time::Duration;

/// The silence the tests run with: short, so the suite stays quick.
const AFTER: &str = "3s";
/// A little over [`AFTER`] plus a few of the loop's passes (one a second).
const PAST_IT: Duration = Duration::from_millis(5_500);
const LINE: &str = "🕒 Закрито автоматично: клієнт не відповідав";

async fn auto_closing_bench() -> Bench {
    let mut bench = Bench::new().await;
    bench.set("AUTO_CLOSE_AFTER", AFTER);
    bench
}

/// The client writes, staff answer, and the answer reaches the client (and is recorded).
async fn answered_client(bench: &Bench, who: &TgUser) -> i32 {
    let marta = staff(600, "Марта");
    let (thread, _) = client_topic(bench, who, "Кіт чхає").await;
    let reply = bench
        .tg
        .staff_text(&marta, thread, "Добрий день! Дайте йому води.")
        .unwrap();
    bench
        .wait("the answer reached the client", |s| {
            !copies(s, s.group_id(), reply.message_id).is_empty()
        })
        .await;
    thread
}

/// The auto-close lines in the topic.
fn lines_in(bench: &Bench, thread: i32) -> Vec<String> {
    bench.tg.read(|s| {
        crate::harness::bot_texts_in(s, thread)
            .into_iter()
            .filter(|t| t.starts_with(LINE))
            .collect()
    })
}

/// The client's audit actions, oldest first, with their actors.
async fn audit(bench: &Bench, who: &TgUser) -> Vec<(String, i64)> {
    audit_of(bench, who.id)
        .await
        .into_iter()
        .map(|a| (a.action, a.actor_id))
        .collect()
}

#[tokio::test]
async fn a_silent_answered_client_is_closed_and_asked_a_waiting_one_stays_open() {
    let bench = auto_closing_bench().await;
    let bot = bench.start().await;
    let olena = client(8_500_000_001, "Олена", None);
    let ivan = client(8_500_000_002, "Іван", None);
    let thread = answered_client(&bench, &olena).await;
    let (waiting_topic, _) = client_topic(&bench, &ivan, "Пес кульгає").await;

    let asked = notice(&bench, &olena, 1).await;
    let id = tickets_of(&bench, olena.id).await[0].id;
    assert_eq!(asked.button_data(), rating_data(id));
    let line = wait_text_in(&bench, thread, LINE).await;
    assert_eq!(line, format!("{LINE} менше хвилини"));
    let t = tickets_of(&bench, olena.id).await;
    assert_eq!(t[0].status, "closed");
    assert!(t[0].closed_at.is_some() && t[0].open_client_id.is_none());
    assert_eq!(client_row(&bench, olena.id).await.total_closed, Some(1));
    assert_eq!(
        audit(&bench, &olena).await,
        [("auto_close".to_owned(), olena.id as i64)]
    );

    // The client waiting for staff, past the same time: open, nothing said.
    tokio::time::sleep(PAST_IT).await;
    let t = tickets_of(&bench, ivan.id).await;
    assert_eq!(
        t[0].status, "open",
        "a client waiting for staff is never closed"
    );
    assert!(notices(&bench, &ivan).is_empty());
    assert!(lines_in(&bench, waiting_topic).is_empty());

    // The auto-close's buttons rate as `/close`'s do.
    assert_eq!(
        press_data(&bench, &olena, &asked, &format!("rate:{id}:4")).await,
        texts::RATE_THANKS
    );
    wait_text_in(&bench, thread, "⭐ Оцінка клієнта: 4/5").await;
    assert_eq!(tickets_of(&bench, olena.id).await[0].rating, Some(4));
    bot.shutdown().await;
}

#[tokio::test]
async fn a_close_due_while_the_bot_was_down_comes_once_and_a_restart_repeats_nothing() {
    let bench = auto_closing_bench().await;
    let bot = bench.start().await;
    let olena = client(8_500_000_011, "Олена", None);
    let thread = answered_client(&bench, &olena).await;
    // Stopped before the silence is long enough, once the answer is recorded.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while tickets_of(&bench, olena.id).await[0]
        .last_staff_message_at
        .is_none()
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the answer never recorded"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bot.shutdown().await;

    // Down past the silence: the close is due when it comes back.
    tokio::time::sleep(PAST_IT).await;
    let bot = bench.start().await;
    notice(&bench, &olena, 1).await;
    wait_text_in(&bench, thread, LINE).await;
    // Several passes of the loop: a second close would show up meanwhile.
    tokio::time::sleep(Duration::from_millis(3_000)).await;
    bench.settled(&bot).await;
    bot.shutdown().await;

    // And a second restart repeats nothing.
    let bot = bench.start().await;
    tokio::time::sleep(Duration::from_millis(3_000)).await;
    bench.settled(&bot).await;
    assert_eq!(notices(&bench, &olena).len(), 1, "one notice");
    assert_eq!(lines_in(&bench, thread).len(), 1, "one line in the topic");
    assert_eq!(client_row(&bench, olena.id).await.total_closed, Some(1));
    assert_eq!(
        audit(&bench, &olena).await,
        [("auto_close".to_owned(), olena.id as i64)]
    );
    let t = tickets_of(&bench, olena.id).await;
    assert_eq!((t.len(), t[0].status.as_str()), (1, "closed"));
    bot.shutdown().await;
}

//! The chaos suite: the bot killed again and again mid-burst, a send whose answer is
//! lost, an hour-long `retry_after`, and bodies that are not JSON at all.

use crate::harness::{Bench, PROMPT, client, copies, kill_hard, relayed_sources, terminate};
use fake_telegram::{Failure, State, TgUser};
use std::time::Duration;

fn relayed(s: &State, user: &TgUser, ids: &[i32]) -> usize {
    ids.iter()
        .filter(|m| !copies(s, user.id as i64, **m).is_empty())
        .count()
}

/// Some copyMessage was answered with the error `code`.
fn copy_answered_with(s: &State, code: u16) -> bool {
    s.calls_of("copyMessage")
        .iter()
        .any(|c| c.error_code == Some(code))
}

fn sources_in_group(bench: &Bench, user: &TgUser) -> Vec<i32> {
    relayed_sources(bench, user).0
}

// Multi-threaded: the fake keeps serving the child bot while this test blocks on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_three_times_during_one_burst_nothing_is_lost() {
    let bench = Bench::new().await;
    bench.tg.set_delay(Duration::from_millis(10));
    let user = client(8_800_000_001, "Руслана", None);
    let sent: Vec<i32> = (1..=40)
        .map(|i| bench.tg.client_text(&user, &format!("{i}")).message_id)
        .collect();
    let mut kills = 0;
    for threshold in [5, 15, 25] {
        let mut bot = bench.spawn();
        bench
            .wait(&format!("{threshold} relayed"), |s| {
                relayed(s, &user, &sent) >= threshold
            })
            .await;
        kill_hard(&mut bot);
        kills += 1;
    }
    let mut bot = bench.spawn();
    bench
        .wait("all 40 relayed", |s| relayed(s, &user, &sent) == 40)
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sources = sources_in_group(&bench, &user);
    let mut deduped = sources.clone();
    deduped.dedup();
    assert_eq!(deduped, sent, "every message, in order");
    let repeats = sources.len() - deduped.len();
    // Each kill can cut off the answer of the one send in flight to the client's topic, no
    // more.
    assert!(repeats <= kills, "{repeats} repeats after {kills} kills");
    assert_eq!(bench.tg.topics().len(), 1);
    assert!(terminate(&mut bot).success());
}

#[tokio::test]
async fn a_send_whose_answer_was_lost_is_the_only_one_repeated() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let user = client(8_800_000_002, "Степан", None);
    let first = bench.tg.client_text(&user, "перше");
    bench.topic_of("Степан").await;
    bench
        .wait("first relayed", |s| {
            relayed(s, &user, &[first.message_id]) == 1
        })
        .await;
    // Telegram performs the next copy but the connection drops before the answer arrives:
    // the bot cannot know the message went through (the Bot API has no idempotency key).
    bench.tg.fail_next("copyMessage", Failure::DropResponse);
    let lost = bench.tg.client_text(&user, "відповідь загубилась");
    let after: Vec<i32> = (1..=3)
        .map(|i| {
            bench
                .tg
                .client_text(&user, &format!("після {i}"))
                .message_id
        })
        .collect();
    bench
        .wait("everything relayed", |s| relayed(s, &user, &after) == 3)
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(bench.copies_of(user.id as i64, lost.message_id).len(), 2);
    for m in std::iter::once(&first.message_id).chain(&after) {
        assert_eq!(bench.copies_of(user.id as i64, *m).len(), 1, "message {m}");
    }
    bot.shutdown().await;
}

#[tokio::test]
async fn an_hour_long_retry_after_holds_the_group_without_dropping_or_spinning() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let group = bench.tg.group_id();
    let user = client(8_800_000_003, "Тетяна", None);
    let first = bench.tg.client_text(&user, "перше");
    bench.topic_of("Тетяна").await;
    bench
        .wait("first relayed", |s| {
            relayed(s, &user, &[first.message_id]) == 1
        })
        .await;
    bench
        .tg
        .fail_next("copyMessage", Failure::too_many_requests(3600));
    let held: Vec<i32> = (1..=3)
        .map(|i| {
            bench
                .tg
                .client_text(&user, &format!("чекає {i}"))
                .message_id
        })
        .collect();
    bench
        .wait("the 429 answered", |s| copy_answered_with(s, 429))
        .await;
    let group_calls = |s: &State| {
        s.calls()
            .iter()
            .filter(|c| c.chat_id == Some(group))
            .count()
    };
    let before = bench.tg.read(group_calls);
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        bench.tg.read(group_calls),
        before,
        "nothing goes to the group before the hour is over"
    );
    assert_eq!(bench.tg.violations(), 0);
    // Nothing was dropped: the three messages wait in the outbox.
    let health: serde_json::Value = reqwest::get(format!("http://{}/healthz", bot.listen_addr()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["outbox_depth"], 3, "{health}");
    assert!(
        held.iter()
            .all(|m| bench.copies_of(user.id as i64, *m).is_empty())
    );
    // Other chats are not held up by the group's penalty.
    let other = client(8_800_000_004, "Уляна", None);
    bench.tg.client_text(&other, "привіт");
    bench
        .wait("the other client's chat still served", |s| {
            s.messages(other.id as i64).iter().any(|m| m.by_bot)
        })
        .await;
    bot.shutdown().await;
}

#[tokio::test]
async fn a_message_waiting_after_a_failed_send_is_not_overtaken_by_the_next() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let user = client(8_800_000_005, "Ярина", None);
    let first = bench.tg.client_text(&user, "перше").message_id;
    bench.topic_of("Ярина").await;
    bench
        .wait("first relayed", |s| relayed(s, &user, &[first]) == 1)
        .await;
    // The next copy fails: it waits out a backoff at the head of the topic's queue.
    bench.tg.fail_next(
        "copyMessage",
        Failure::api(500, "Internal Server Error: try again"),
    );
    let second = bench.tg.client_text(&user, "друге").message_id;
    bench
        .wait("the failed copy answered", |s| copy_answered_with(s, 500))
        .await;
    // Arrives while the second waits: it must go after it, not at once.
    let third = bench.tg.client_text(&user, "третє").message_id;
    bench
        .wait("all relayed", |s| {
            relayed(s, &user, &[first, second, third]) == 3
        })
        .await;
    assert_eq!(sources_in_group(&bench, &user), [first, second, third]);
    bot.shutdown().await;
}

#[tokio::test]
async fn html_and_truncated_answers_back_off_and_recover() {
    let bench = Bench::new().await;
    for f in [
        Failure::BadGatewayHtml,
        Failure::TruncatedJson,
        Failure::BadGatewayHtml,
    ] {
        bench.tg.fail_next("getUpdates", f);
    }
    for f in [
        Failure::BadGatewayHtml,
        Failure::InternalServerError,
        Failure::BadGatewayHtml,
    ] {
        bench.tg.fail_next("copyMessage", f);
    }
    let bot = bench.start().await;
    let user = client(8_800_000_005, "Фелікс", None);
    let sent: Vec<i32> = (1..=3)
        .map(|i| bench.tg.client_text(&user, &format!("{i}")).message_id)
        .collect();
    assert!(
        bench
            .tg
            .wait_until(PROMPT, |s| relayed(s, &user, &sent) == 3)
            .await,
        "relayed once Telegram answers properly again"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sources = sources_in_group(&bench, &user);
    assert_eq!(sources, sent, "once each, in order");
    // Backing off, not hammering: three failed polls and a few good ones, not hundreds.
    let polls = bench.tg.read(|s| s.polls_started());
    assert!(polls < 15, "{polls} getUpdates calls");
    bot.shutdown().await;
}

#[tokio::test]
async fn a_group_without_topic_rights_holds_messages_until_fixed() {
    let bench = Bench::new().await;
    // An administrator took the bot's right to manage topics, then gave it back.
    for _ in 0..2 {
        bench.tg.fail_next(
            "createForumTopic",
            Failure::api(400, "Bad Request: not enough rights to create a topic"),
        );
    }
    let bot = bench.start().await;
    let user = client(8_800_000_006, "Хома", None);
    let sent: Vec<i32> = (1..=2)
        .map(|i| bench.tg.client_text(&user, &format!("{i}")).message_id)
        .collect();
    assert!(
        bench
            .tg
            .wait_until(PROMPT, |s| relayed(s, &user, &sent) == 2)
            .await,
        "the messages waited and were relayed once the topic could be made"
    );
    let refused = bench.tg.read(|s| {
        s.calls_of("createForumTopic")
            .iter()
            .filter(|c| c.error_code == Some(400))
            .count()
    });
    assert_eq!(refused, 2);
    assert_eq!(sources_in_group(&bench, &user), sent);
    bot.shutdown().await;
}

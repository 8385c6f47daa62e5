//! `/queue` end to end (docs/product-rules.md: the staff's side): three clients write, staff
//! answer one; the queue, asked in General and in a topic, lists the waiting ones first with
//! their wait, who has taken each appeal, and links that open each client's topic.

use crate::harness::{Bench, client, copies, staff};
use crate::staff_kit::*;
use fake_telegram::StoredMessage;
use std::time::{Duration, Instant};

/// `/queue` by `who` in `thread` (`None`: General); the bot's answer.
async fn queue(bench: &Bench, who: &fake_telegram::TgUser, thread: Option<i32>) -> StoredMessage {
    let sent = bench
        .tg
        .staff_command(who, thread, "/queue")
        .expect("the fake takes the command");
    answer_to(bench, sent.message_id).await
}

/// The links of a message as Telegram parsed them: (the text they cover, the URL).
fn links(m: &StoredMessage) -> Vec<(String, String)> {
    let text: Vec<u16> = text_of(m).encode_utf16().collect();
    let entities = m.entities.clone().unwrap_or_default();
    entities
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["type"] == "text_link")
        .map(|e| {
            let at = e["offset"].as_u64().unwrap() as usize;
            let len = e["length"].as_u64().unwrap() as usize;
            (
                String::from_utf16(&text[at..at + len]).unwrap(),
                e["url"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The appeal lines of a queue: what follows the header and the blank line.
fn lines(m: &StoredMessage) -> Vec<String> {
    let text = text_of(m);
    let (_, list) = text
        .split_once("\n\n")
        .unwrap_or_else(|| panic!("a header, then the list: {text}"));
    list.lines().map(str::to_owned).collect()
}

/// Whether `line` is `<start><a wait or time ago><end>`, the time as a test run can make it
/// (under a minute, or some minutes on a slow machine).
fn reads(line: &str, start: &str, end: &str) -> bool {
    let Some(span) = line
        .strip_prefix(start)
        .and_then(|rest| rest.strip_suffix(end))
    else {
        return false;
    };
    span == "менше хвилини"
        || span
            .strip_suffix(" хв")
            .is_some_and(|n| n.parse::<u32>().is_ok())
}

/// Waits until the staff answer to `client` is recorded as having reached them (the client no
/// longer waits).
async fn answered_in_store(bench: &Bench, client: u64) {
    let until = Instant::now() + crate::harness::PROMPT;
    loop {
        let t = tickets_of(bench, client).await;
        if t.last().is_some_and(|t| t.waiting_since.is_none()) {
            return;
        }
        assert!(Instant::now() < until, "the answer never recorded: {t:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn queue_lists_the_waiting_first_with_assignees_and_topic_links_anywhere() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let marta = staff(600, "Марта");
    let olena = client(8_200_000_301, "Олена", None);
    let taras = client(8_200_000_302, "Тарас", None);
    let andrii = client(8_200_000_303, "Андрій", None);
    let (olena_topic, _) = client_topic(&bench, &olena, "Кіт чхає").await;
    let (taras_topic, _) = client_topic(&bench, &taras, "Собака не їсть").await;
    let (andrii_topic, _) = client_topic(&bench, &andrii, "Запис на щеплення").await;

    // Staff answer Андрій; once it reached him, he no longer waits.
    let group = bench.tg.group_id();
    let answer = bench
        .tg
        .staff_text(&marta, andrii_topic, "Записали на завтра о 10:00")
        .unwrap();
    bench
        .wait("the answer copied to Андрій", |s| {
            !copies(s, group, answer.message_id).is_empty()
        })
        .await;
    answered_in_store(&bench, andrii.id).await;

    // In General: the two who wait (the one who wrote first, first), then the answered one.
    let general = queue(&bench, &marta, None).await;
    assert_eq!(general.thread_id, None, "answered in General");
    let text = text_of(&general);
    assert!(
        text.starts_with("📋 Черга звернень\nВідкрито: 3 · чекають відповіді: 2\n\n"),
        "{text}"
    );
    let list = lines(&general);
    assert_eq!(list.len(), 3, "{text}");
    assert!(
        reads(&list[0], "⏳ Олена — чекає ", " · не взято"),
        "{text}"
    );
    assert!(
        reads(&list[1], "⏳ Тарас — чекає ", " · не взято"),
        "{text}"
    );
    assert!(
        reads(&list[2], "💬 Андрій — відповіли ", " тому · не взято"),
        "{text}"
    );
    let internal = group.to_string().replacen("-100", "", 1);
    let link = |thread: i32| format!("https://t.me/c/{internal}/{thread}");
    assert_eq!(
        links(&general),
        [
            ("Олена".to_owned(), link(olena_topic)),
            ("Тарас".to_owned(), link(taras_topic)),
            ("Андрій".to_owned(), link(andrii_topic)),
        ]
    );

    // Taken: by the sender in Тарас's topic, by @username in Олена's. Андрій's appeal closes.
    command(&bench, &marta, taras_topic, "/assign").await;
    command(&bench, &marta, olena_topic, "/assign @olga_vet").await;
    command(&bench, &marta, andrii_topic, "/close_silent").await;

    // Inside a topic it answers there, with the same list.
    let in_topic = queue(&bench, &marta, Some(olena_topic)).await;
    assert_eq!(
        in_topic.thread_id,
        Some(olena_topic),
        "answered in the topic"
    );
    let text = text_of(&in_topic);
    assert!(
        text.starts_with("📋 Черга звернень\nВідкрито: 2 · чекають відповіді: 2\n\n"),
        "{text}"
    );
    let list = lines(&in_topic);
    assert_eq!(list.len(), 2, "the closed appeal is gone: {text}");
    assert!(
        reads(&list[0], "⏳ Олена — чекає ", " · 👤 olga_vet"),
        "{text}"
    );
    assert!(
        reads(&list[1], "⏳ Тарас — чекає ", " · 👤 ID 600"),
        "{text}"
    );
    assert_eq!(
        links(&in_topic),
        [
            ("Олена".to_owned(), link(olena_topic)),
            ("Тарас".to_owned(), link(taras_topic)),
        ]
    );

    // Nobody left: one line.
    command(&bench, &marta, olena_topic, "/close_silent").await;
    command(&bench, &marta, taras_topic, "/close_silent").await;
    let empty = queue(&bench, &marta, None).await;
    assert_eq!(text_of(&empty), domain::texts::QUEUE_EMPTY);
    bot.shutdown().await;
}

//! The staff's report end to end (docs/product-rules.md: reports): `/report` answers where it
//! was asked with the text and the chart (a real 1080×720 PNG), and `REPORT_AT` posts the
//! daily report in General once a day — not again after a restart.

use crate::harness::{Bench, client, copies, staff};
use crate::staff_kit::*;
use fake_telegram::{State, StoredMessage};
use std::time::Duration;

/// The bot's photos in the group, in `thread` (`None`: General), oldest first.
fn photos_in(s: &State, thread: Option<i32>) -> Vec<StoredMessage> {
    s.bot_messages(s.group_id())
        .into_iter()
        .filter(|m| m.thread_id == thread && m.media.as_ref().is_some_and(|x| x.json.is_array()))
        .cloned()
        .collect()
}

/// The bot's texts in General that are daily reports.
fn daily_reports(s: &State) -> Vec<String> {
    s.bot_messages(s.group_id())
        .into_iter()
        .filter(|m| m.thread_id.is_none())
        .filter_map(|m| m.content().map(str::to_owned))
        .filter(|t| t.starts_with("📊 Щоденний звіт"))
        .collect()
}

/// Decodes the largest size of a photo the bot uploaded: (width, height).
fn png_size(bench: &Bench, photo: &StoredMessage) -> (u32, u32) {
    let sizes = photo
        .media
        .as_ref()
        .unwrap()
        .json
        .as_array()
        .unwrap()
        .clone();
    let file_id = sizes.last().unwrap()["file_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let bytes = bench.tg.file_bytes(&file_id).expect("the uploaded bytes");
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let reader = decoder.read_info().expect("a PNG");
    let info = reader.info();
    (info.width, info.height)
}

#[tokio::test]
async fn report_posts_the_figures_and_the_chart_where_asked() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let marta = staff(600, "Марта");
    let olena = client(8_200_000_401, "Олена", None);
    let (topic, _) = client_topic(&bench, &olena, "Кіт чхає").await;
    let group = bench.tg.group_id();
    let answer = bench
        .tg
        .staff_text(&marta, topic, "Дайте йому води")
        .unwrap();
    bench
        .wait("the answer copied to Олена", |s| {
            !copies(s, group, answer.message_id).is_empty()
        })
        .await;

    // A bad number: the usage, no chart.
    let bad = bench.tg.staff_command(&marta, None, "/report 100").unwrap();
    let usage = answer_to(&bench, bad.message_id).await;
    assert_eq!(text_of(&usage), plain(domain::texts::REPORT_USAGE));

    let sent = bench.tg.staff_command(&marta, None, "/report 7").unwrap();
    let report = answer_to(&bench, sent.message_id).await;
    assert_eq!(report.thread_id, None, "answered in General");
    let text = text_of(&report);
    assert!(text.starts_with("📊 Звіт за 7 днів\n"), "{text}");
    assert!(text.contains("📥 Нових звернень: 1 · закрито: 0"), "{text}");
    assert!(
        text.contains("📂 Зараз відкрито: 1 · чекають відповіді: 0"),
        "{text}"
    );
    assert!(text.contains("⏱ Перша відповідь: медіана"), "{text}");
    assert!(
        text.contains("• ID 600 — відповідей: 1 · закрито: 0"),
        "{text}"
    );
    bench
        .wait("the chart in General", |s| !photos_in(s, None).is_empty())
        .await;
    let chart = bench.tg.read(|s| photos_in(s, None)).remove(0);
    assert!(
        chart.message_id > report.message_id,
        "the chart after the text"
    );
    assert_eq!(png_size(&bench, &chart), (1080, 720));

    // In a topic: both there.
    let sent = bench
        .tg
        .staff_command(&marta, Some(topic), "/report")
        .unwrap();
    let report = answer_to(&bench, sent.message_id).await;
    assert_eq!(report.thread_id, Some(topic));
    assert!(text_of(&report).starts_with("📊 Звіт за 1 день\n"));
    bench
        .wait("the chart in the topic", |s| {
            !photos_in(s, Some(topic)).is_empty()
        })
        .await;
    bot.shutdown().await;
}

#[tokio::test]
async fn the_daily_report_is_posted_once_and_not_again_after_a_restart() {
    let mut bench = Bench::new().await;
    // Midnight has always just passed today.
    bench.set("REPORT_AT", "00:00");
    let bot = bench.start().await;
    bench
        .wait("the daily report in General", |s| {
            daily_reports(s).len() == 1 && photos_in(s, None).len() == 1
        })
        .await;
    let chart = bench.tg.read(|s| photos_in(s, None)).remove(0);
    assert_eq!(png_size(&bench, &chart), (1080, 720));
    bot.shutdown().await;

    let bot = bench.start().await;
    // The loop looks at once on start; a command answered after that shows it has had its
    // turn.
    let marta = staff(600, "Марта");
    let sent = bench.tg.staff_command(&marta, None, "/queue").unwrap();
    answer_to(&bench, sent.message_id).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (reports, photos) = bench
        .tg
        .read(|s| (daily_reports(s).len(), photos_in(s, None).len()));
    assert_eq!(
        (reports, photos),
        (1, 1),
        "one report a day, whatever the restarts"
    );
    bot.shutdown().await;
}

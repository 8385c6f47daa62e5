//! Isolation: one conversation's trouble — a hanging Enote, a command the database refuses, a
//! bad value — holds up no other conversation, and nothing is lost on the way.

use crate::harness::{Bench, client, copies, staff};
use crate::staff_kit::{answer_to, client_topic, db, enote_bench, text_of, wait_text_in};
use domain::texts;
use sea_orm::{ConnectionTrait, Statement};

/// Whether the bot has answered message `msg` in the group.
fn answered(bench: &Bench, msg: i32) -> bool {
    crate::staff_kit::answered(bench, msg)
}

/// Enote hangs on a contract lookup in one topic: a staff answer typed in that same topic, an
/// answer in another topic and a new client's first message all go through while it hangs;
/// the lookup itself answers within its bound (2 × ENOTE_TIMEOUT) with a clear message.
#[tokio::test]
async fn a_hanging_enote_holds_up_nobody_and_answers_within_its_bound() {
    let (mut bench, enote) = enote_bench().await;
    bench.set("ENOTE_TIMEOUT", "4");
    let bot = bench.start().await;
    let olena = client(8_130_000_001, "Олена", None);
    let petro = client(8_130_000_002, "Петро", None);
    let (thread_a, _) = client_topic(&bench, &olena, "Кіт чхає").await;
    let (thread_b, _) = client_topic(&bench, &petro, "Пес кульгає").await;
    let marta = staff(600, "Марта");

    enote.slow().await;
    let cmd = bench
        .tg
        .staff_command(&marta, Some(thread_a), "/enote_link")
        .unwrap();
    let ask = answer_to(&bench, cmd.message_id).await;
    let typed = bench
        .tg
        .staff_reply(&marta, ask.message_id, "1001")
        .unwrap();

    // While the lookup hangs: the same topic, another topic, a new client.
    let same = bench
        .tg
        .staff_text(&marta, thread_a, "Зараз перевірю картку")
        .unwrap();
    let other = bench
        .tg
        .staff_text(&marta, thread_b, "Приходьте о 15:00")
        .unwrap();
    let ivan = client(8_130_000_003, "Іван", None);
    let first = bench.tg.client_text(&ivan, "Добрий день");
    let group = bench.tg.group_id();
    bench
        .wait("both staff answers and the new client relayed", |s| {
            !copies(s, group, same.message_id).is_empty()
                && !copies(s, group, other.message_id).is_empty()
                && !copies(s, ivan.id as i64, first.message_id).is_empty()
        })
        .await;
    assert!(
        !answered(&bench, typed.message_id),
        "everything went through while the lookup still hung"
    );
    assert_eq!(
        bench.copies_of(group, same.message_id)[0].chat_id,
        olena.id as i64,
        "the answer typed during the lookup went to the client"
    );

    // The lookup answers within its bound, saying Enote did not answer.
    let answer = answer_to(&bench, typed.message_id).await;
    let unavailable = crate::staff_kit::plain(&texts::directory_failure(
        &domain::ports::DirectoryError::Unavailable(String::new()),
    ));
    assert_eq!(text_of(&answer), unavailable);
    bot.shutdown().await;
}

/// The database refuses one command's write for good: the command is tried a few times, then
/// kept in `failed_updates` with the error and noticed in its topic; meanwhile and afterwards
/// every other conversation — including the same topic — goes on.
#[tokio::test]
async fn a_command_the_database_refuses_is_given_up_visibly_and_blocks_nothing() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let olena = client(8_130_000_011, "Олена", None);
    let petro = client(8_130_000_012, "Петро", None);
    let (thread_a, _) = client_topic(&bench, &olena, "Кіт чхає").await;
    let (thread_b, _) = client_topic(&bench, &petro, "Пес кульгає").await;
    let marta = staff(600, "Марта");

    // Every staff command writes an audit row: without its table, the write fails every time.
    let conn = db(&bench).await;
    conn.execute_raw(Statement::from_string(
        conn.get_database_backend(),
        "ALTER TABLE audit_log RENAME TO audit_log_away".to_owned(),
    ))
    .await
    .expect("rename");

    let bad = bench
        .tg
        .staff_command(&marta, Some(thread_a), "/label Олена Шевченко")
        .unwrap();
    let notice = answer_to(&bench, bad.message_id).await;
    assert!(
        text_of(&notice).starts_with("⚠️ Повідомлення не оброблено"),
        "{}",
        text_of(&notice)
    );
    let failed = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT update_id, error FROM failed_updates".to_owned(),
        ))
        .await
        .unwrap()
        .expect("the failed update is kept");
    assert!(
        failed
            .try_get_by_index::<String>(1)
            .unwrap()
            .contains("audit_log"),
        "the error names what failed"
    );
    let group = bench.tg.group_id();
    // Nothing of the failed command was applied: the topic keeps its name.
    assert_ne!(
        bench.tg.topic(thread_a).expect("the topic").name,
        "Олена Шевченко"
    );

    // After it, the same topic and others go on.
    let same = bench
        .tg
        .staff_text(&marta, thread_a, "Вибачте, технічна пауза")
        .unwrap();
    let other = bench
        .tg
        .staff_text(&marta, thread_b, "Добрий день")
        .unwrap();
    bench
        .wait("both answers relayed", |s| {
            !copies(s, group, same.message_id).is_empty()
                && !copies(s, group, other.message_id).is_empty()
        })
        .await;
    bot.shutdown().await;
}

/// `/assign @` with a name longer than any Telegram username (and than the stored column) is
/// answered plainly in its topic; then 500 more updates in that and other conversations are all
/// handled.
#[tokio::test]
async fn an_overlong_assign_is_answered_and_500_more_updates_go_through() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let olena = client(8_130_000_021, "Олена", None);
    let petro = client(8_130_000_022, "Петро", None);
    let (thread_a, _) = client_topic(&bench, &olena, "Кіт чхає").await;
    let (thread_b, _) = client_topic(&bench, &petro, "Пес кульгає").await;
    let marta = staff(600, "Марта");

    let long = format!("/assign @{}", "m".repeat(65));
    let cmd = bench
        .tg
        .staff_command(&marta, Some(thread_a), &long)
        .unwrap();
    let answer = text_of(&answer_to(&bench, cmd.message_id).await);
    assert!(answer.starts_with("Не схоже на @username"), "{answer}");

    let mut last = Vec::new();
    for i in 0..500 {
        let sent = match i % 3 {
            0 => bench
                .tg
                .staff_text(&marta, thread_a, &format!("А{i}"))
                .unwrap(),
            1 => bench
                .tg
                .staff_text(&marta, thread_b, &format!("Б{i}"))
                .unwrap(),
            _ => bench.tg.client_text(&olena, &format!("К{i}")),
        };
        if i >= 497 {
            last.push((sent.chat_id, sent.message_id));
        }
    }
    bench
        .wait("the last of 500 updates relayed", |s| {
            last.iter()
                .all(|(chat, m)| !copies(s, *chat, *m).is_empty())
        })
        .await;
    let topic = wait_text_in(&bench, thread_a, "Не схоже на @username").await;
    assert!(topic.contains("32"), "{topic}");
    bot.shutdown().await;
}

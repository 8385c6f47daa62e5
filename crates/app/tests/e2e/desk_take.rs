//! The help desk end to end (docs/product-rules.md: the help desk): the "🙋 Взяти" button on a
//! new appeal's card and on a returning client's new appeal, what a press does (and does not
//! do), and the away message out of working hours.

use crate::harness::{Bench, bot_texts_to, client, copies, staff};
use crate::staff_kit::*;
use chrono::{Duration, Timelike, Utc};
use domain::texts;
use fake_telegram::{StoredMessage, TgUser};

/// The bot's message in the topic whose text starts with `start` (waits for it).
async fn bot_message_in(bench: &Bench, thread: i32, start: &str) -> StoredMessage {
    let find = |s: &fake_telegram::State| {
        s.bot_messages_in(Some(thread))
            .into_iter()
            .find(|m| m.copied_from.is_none() && m.content().is_some_and(|t| t.starts_with(start)))
            .cloned()
    };
    bench
        .wait(&format!("{start:?} in topic {thread}"), |s| {
            find(s).is_some()
        })
        .await;
    bench.tg.read(find).expect("found")
}

/// The message as the fake holds it now.
fn now_of(bench: &Bench, m: &StoredMessage) -> StoredMessage {
    bench
        .tg
        .message(m.chat_id, m.message_id)
        .expect("still there")
}

/// Waits until the bot edited `m` (its button gone); returns it.
async fn edited(bench: &Bench, m: &StoredMessage) -> StoredMessage {
    let (chat, id) = (m.chat_id, m.message_id);
    bench
        .wait("the pressed message edited", |s| {
            s.message(chat, id)
                .is_some_and(|m| m.edit_date.is_some() && m.button_data().is_empty())
        })
        .await;
    now_of(bench, m)
}

/// `(assigned_to, taken_via)` of each of the client's tickets, oldest first.
async fn takers(bench: &Bench, who: &TgUser) -> Vec<(Option<String>, Option<String>)> {
    tickets_of(bench, who.id)
        .await
        .into_iter()
        .map(|t| (t.assigned_to, t.taken_via))
        .collect()
}

fn taken(by: &str, via: &str) -> (Option<String>, Option<String>) {
    (Some(by.to_owned()), Some(via.to_owned()))
}

#[tokio::test]
async fn a_new_appeals_card_has_the_take_button_and_the_first_press_takes_it() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let marta = staff(600, "Марта");
    let olga = staff(601, "Ольга");
    let olena = client(8_300_000_001, "Олена", None);
    let (thread, _) = client_topic(&bench, &olena, "Кіт чхає").await;

    let card = bot_message_in(&bench, thread, "Картка клієнта").await;
    let data = format!("take:{}:card", olena.id);
    assert_eq!(card.button_data(), [data.as_str()]);
    let caption = &card.reply_markup.as_ref().expect("buttons")["inline_keyboard"][0][0]["text"];
    assert_eq!(caption, texts::TAKE_BUTTON);
    assert_eq!(takers(&bench, &olena).await, [(None, None)]);

    // Marta takes it: as `/assign` would, by the button.
    assert_eq!(
        press_data(&bench, &marta, &card, &data).await,
        texts::TAKEN_BY_YOU
    );
    let card_now = edited(&bench, &card).await;
    let shown = text_of(&card_now);
    assert!(shown.starts_with("Картка клієнта\n"), "{shown}");
    assert!(shown.ends_with("\n\n✅ Взяв(ла): @staff600"), "{shown}");
    assert_eq!(takers(&bench, &olena).await, [taken("600", "button")]);
    let audit: Vec<(String, i64, Option<String>)> = audit_of(&bench, olena.id)
        .await
        .into_iter()
        .map(|a| (a.action, a.actor_id, a.detail))
        .collect();
    let marta_took = ("assign".to_owned(), 600, Some("600".to_owned()));
    assert_eq!(audit, [marta_took]);

    // Olga presses too late (the button as her client still showed it): told who has it.
    assert_eq!(
        press_data(&bench, &olga, &card, &data).await,
        "Це звернення вже взяв(ла): ID 600"
    );
    // Marta again: it is hers already.
    assert_eq!(
        press_data(&bench, &marta, &card, &data).await,
        texts::ALREADY_YOURS
    );
    settle().await;
    assert_eq!(takers(&bench, &olena).await, [taken("600", "button")]);
    assert_eq!(audit_of(&bench, olena.id).await.len(), 1);
    assert_eq!(text_of(&now_of(&bench, &card)), shown, "not edited again");

    // `/assign` still reassigns.
    let answer = command(&bench, &olga, thread, "/assign").await;
    assert_eq!(answer, "👤 Звернення призначено: @staff601");
    assert_eq!(takers(&bench, &olena).await, [taken("601", "command")]);
    bot.shutdown().await;
}

#[tokio::test]
async fn a_returning_clients_new_appeal_gets_a_line_with_the_take_button() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let marta = staff(600, "Марта");
    let olga = staff(601, "Ольга");
    let taras = client(8_300_000_002, "Тарас", None);
    let (thread, _) = client_topic(&bench, &taras, "Перше питання").await;
    assert_eq!(
        command(&bench, &marta, thread, "/close_silent").await,
        texts::CLOSED_SILENTLY
    );

    let again = bench.tg.client_text(&taras, "Друге питання");
    bench
        .wait("the new appeal's message copied", |s| {
            !copies(s, taras.id as i64, again.message_id).is_empty()
        })
        .await;
    let line = bot_message_in(&bench, thread, texts::NEW_APPEAL).await;
    assert_eq!(text_of(&line), texts::NEW_APPEAL);
    let data = format!("take:{}:new", taras.id);
    assert_eq!(line.button_data(), [data.as_str()]);
    let copy = &bench.copies_of(taras.id as i64, again.message_id)[0];
    assert_eq!(copy.thread_id, Some(thread));
    assert!(
        line.message_id < copy.message_id,
        "the line comes before the client's message"
    );
    // The first appeal's card (never taken) keeps its button; a press takes the open appeal.
    let card = bot_message_in(&bench, thread, "Картка клієнта").await;
    assert_eq!(card.button_data(), [format!("take:{}:card", taras.id)]);

    assert_eq!(
        press_data(&bench, &olga, &line, &data).await,
        texts::TAKEN_BY_YOU
    );
    let line_now = edited(&bench, &line).await;
    assert_eq!(
        text_of(&line_now),
        "📥 Нове звернення\n✅ Взяв(ла): @staff601"
    );
    // The new appeal is Olga's; the closed one stays as it was.
    assert_eq!(
        takers(&bench, &taras).await,
        [(None, None), taken("601", "button")]
    );
    bot.shutdown().await;
}

#[tokio::test]
async fn a_press_from_outside_the_group_or_with_no_open_appeal_takes_nothing() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let marta = staff(600, "Марта");
    let iryna = client(8_300_000_003, "Ірина", None);
    let (thread, _) = client_topic(&bench, &iryna, "Питання").await;
    let card = bot_message_in(&bench, thread, "Картка клієнта").await;
    let data = format!("take:{}:card", iryna.id);

    // The bot's phone request in the client's own chat, with take data forged on it.
    bench
        .wait("the phone request", |s| {
            bot_texts_to(s, iryna.id)
                .iter()
                .any(|t| t == texts::ASK_PHONE)
        })
        .await;
    let private = bench
        .tg
        .read(|s| {
            s.messages(iryna.id as i64)
                .into_iter()
                .find(|m| m.by_bot && m.content() == Some(texts::ASK_PHONE))
                .cloned()
        })
        .expect("the phone request");
    assert_eq!(
        press_data(&bench, &iryna, &private, &data).await,
        texts::PRESS_UNKNOWN
    );
    settle().await;
    assert_eq!(takers(&bench, &iryna).await, [(None, None)]);
    assert!(audit_of(&bench, iryna.id).await.is_empty());
    assert_eq!(now_of(&bench, &card).button_data(), [data.as_str()]);

    // Closed: nothing to take, answered plainly.
    command(&bench, &marta, thread, "/close_silent").await;
    assert_eq!(
        press_data(&bench, &marta, &card, &data).await,
        texts::NOTHING_TO_TAKE
    );
    settle().await;
    assert_eq!(takers(&bench, &iryna).await, [(None, None)]);
    let actions: Vec<String> = audit_of(&bench, iryna.id)
        .await
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert_eq!(actions, ["close_silent"]);
    bot.shutdown().await;
}

const TIMEZONE: &str = "Europe/Kyiv";

/// The clinic's time zone (through the domain: the test needs no time-zone crate).
fn clinic_tz() -> impl chrono::TimeZone {
    domain::working_hours::parse_time_zone(TIMEZONE).expect("a known time zone")
}

/// The clinic's wall clock now.
fn clinic_now() -> chrono::DateTime<impl chrono::TimeZone> {
    Utc::now().with_timezone(&clinic_tz())
}

/// Waits out the last seconds of a day in the clinic, so "today" and "tomorrow" cannot change
/// while a test runs.
async fn clear_of_midnight() {
    let now = clinic_now();
    let left = 86_400 - i64::from(now.num_seconds_from_midnight());
    if left < 30 {
        tokio::time::sleep(std::time::Duration::from_secs(left as u64 + 1)).await;
    }
}

#[tokio::test]
async fn out_of_hours_a_new_appeal_gets_the_away_message_once() {
    clear_of_midnight().await;
    // Open one hour a day, twelve hours from now: closed now, whatever the time.
    let opens = (Utc::now() + Duration::hours(12)).with_timezone(&clinic_tz());
    let hour = opens.hour();
    let mut bench = Bench::new().await;
    bench.set("TIMEZONE", TIMEZONE);
    bench.set(
        "WORKING_HOURS",
        format!("mon-sun {hour:02}:00-{:02}:00", hour + 1),
    );
    let bot = bench.start().await;
    let day = if opens.date_naive() == clinic_now().date_naive() {
        texts::OPENS_TODAY
    } else {
        texts::OPENS_TOMORROW
    };
    let expected = texts::away(&texts::opens_at(day, hour, &format!("{hour:02}:00")));
    assert!(expected.contains(&format!("{hour:02}:00")), "{expected}");

    let petro = client(8_300_000_004, "Петро", None);
    let (thread, _) = client_topic(&bench, &petro, "Собака кульгає").await;
    bench
        .wait("the away message", |s| {
            bot_texts_to(s, petro.id).contains(&expected)
        })
        .await;
    // The second message of the same appeal: relayed, and no second away message.
    let second = bench.tg.client_text(&petro, "Ви тут?");
    bench
        .wait("the second message copied", |s| {
            copies(s, petro.id as i64, second.message_id)
                .iter()
                .any(|c| c.thread_id == Some(thread))
        })
        .await;
    bench.settled(&bot).await;
    let away: Vec<String> = bench.tg.read(|s| {
        bot_texts_to(s, petro.id)
            .into_iter()
            .filter(|t| t.starts_with("Дякуємо за звернення"))
            .collect()
    });
    assert_eq!(away, [expected]);
    let t = tickets_of(&bench, petro.id).await;
    assert_eq!(t.len(), 1);
    assert!(t[0].away_sent_at.is_some(), "{t:?}");
    bot.shutdown().await;
}

#[tokio::test]
async fn within_working_hours_there_is_no_away_message() {
    clear_of_midnight().await;
    // From an hour ago to two hours on (running past midnight where it must).
    let hour = clinic_now().hour();
    let mut bench = Bench::new().await;
    bench.set("TIMEZONE", TIMEZONE);
    bench.set(
        "WORKING_HOURS",
        format!(
            "mon-sun {:02}:00-{:02}:00",
            (hour + 23) % 24,
            (hour + 2) % 24
        ),
    );
    let bot = bench.start().await;
    let petro = client(8_300_000_005, "Петро", None);
    client_topic(&bench, &petro, "Собака кульгає").await;
    bench.settled(&bot).await;
    let to_client = bench.tg.read(|s| bot_texts_to(s, petro.id));
    assert_eq!(
        to_client,
        [texts::ASK_PHONE],
        "only the phone request: {to_client:?}"
    );
    assert_eq!(tickets_of(&bench, petro.id).await[0].away_sent_at, None);
    bot.shutdown().await;
}

//! Helpers for the staff-command tests (docs/product-rules.md: the staff's side): a bench pointed at a fake Enote, a client
//! with a topic, "the bot's answer to this message", the link flow, button presses, and looks
//! into the database and `logs/enote_link.log`.

use crate::harness::{Bench, PROMPT, copies};
use adapters_enote::fake::{FAKE_API_KEY, FAKE_ODATA_PASS, FAKE_ODATA_USER, FakeEnote};
use adapters_mysql::entities::{audit_log, pp_clients, tickets};
use domain::texts;
use fake_telegram::{StoredMessage, TgUser};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use std::time::{Duration, Instant};

/// Owner of contracts 1001 and 1002 in the fixtures.
pub const OWNER_1: &str = "0a000001-1a2b-11f0-8a00-0a1b2c3d4e5f";
/// Owner of contract 2001.
pub const OWNER_2: &str = "0a000002-1a2b-11f0-8a00-0a1b2c3d4e5f";

/// Points the bot's `ENOTE_*` settings at the fake (1 s per attempt).
pub fn point_at(bench: &mut Bench, enote: &FakeEnote) {
    bench.set("ENOTE_ODATA_URL", enote.odata_url());
    bench.set("ENOTE_ODATA_USER", FAKE_ODATA_USER);
    bench.set("ENOTE_ODATA_PASS", FAKE_ODATA_PASS);
    bench.set("ENOTE_API_URL", enote.api_url());
    bench.set("ENOTE_API_KEY", FAKE_API_KEY);
    bench.set("ENOTE_TIMEOUT", "1");
}

/// A SQLite bench whose bot talks to a fresh fake Enote.
pub async fn enote_bench() -> (Bench, FakeEnote) {
    let enote = FakeEnote::start().await;
    let mut bench = Bench::new().await;
    point_at(&mut bench, &enote);
    (bench, enote)
}

/// The client writes `text`; returns the client's topic and the copy's id in it.
pub async fn client_topic(bench: &Bench, who: &TgUser, text: &str) -> (i32, i32) {
    let sent = bench.tg.client_text(who, text);
    let chat = who.id as i64;
    bench
        .wait("the client's message copied into a topic", |s| {
            !copies(s, chat, sent.message_id).is_empty()
        })
        .await;
    let copy = bench.copies_of(chat, sent.message_id).remove(0);
    (
        copy.thread_id.expect("copied into a topic"),
        copy.message_id,
    )
}

/// The bot's message in the group that replies to `msg` (its answer to a command or input).
pub async fn answer_to(bench: &Bench, msg: i32) -> StoredMessage {
    let group = bench.tg.group_id();
    let find = |s: &fake_telegram::State| {
        s.bot_messages(group)
            .into_iter()
            .find(|m| m.reply_to == Some(msg) && m.copied_from.is_none())
            .cloned()
    };
    bench
        .wait(&format!("the bot's answer to message {msg}"), |s| {
            find(s).is_some()
        })
        .await;
    bench.tg.read(find).expect("answer")
}

/// Whether the bot answered `msg` at all (for "nothing happened" checks after a short pause).
pub fn answered(bench: &Bench, msg: i32) -> bool {
    let group = bench.tg.group_id();
    bench.tg.read(|s| {
        s.bot_messages(group)
            .iter()
            .any(|m| m.reply_to == Some(msg) && m.copied_from.is_none())
    })
}

/// A staff command in the topic; returns the bot's answer text.
pub async fn command(bench: &Bench, who: &TgUser, thread: i32, cmd: &str) -> String {
    text_of(&command_msg(bench, who, thread, cmd).await)
}

/// A staff command in the topic; returns the bot's answer.
pub async fn command_msg(bench: &Bench, who: &TgUser, thread: i32, cmd: &str) -> StoredMessage {
    let sent = bench
        .tg
        .staff_command(who, Some(thread), cmd)
        .expect("the fake takes the command");
    answer_to(bench, sent.message_id).await
}

/// The text Telegram shows for a message, from the HTML the bot sent (independent of the
/// fake's own entity parsing).
pub fn shown(m: &StoredMessage) -> String {
    match (m.parse_mode.as_deref(), m.source.as_deref()) {
        (Some("HTML"), Some(html)) => plain(html),
        _ => text_of(m),
    }
}

/// A message's text as Telegram shows it.
pub fn text_of(m: &StoredMessage) -> String {
    m.content().unwrap_or_default().to_owned()
}

/// `/enote_link` in the topic, the contract typed as a reply to the ask: the preview (or the
/// bot's refusal) the contract got as an answer.
pub async fn ask_and_type(
    bench: &Bench,
    who: &TgUser,
    thread: i32,
    contract: &str,
) -> StoredMessage {
    let cmd = bench
        .tg
        .staff_command(who, Some(thread), "/enote_link")
        .unwrap();
    let ask = answer_to(bench, cmd.message_id).await;
    assert_eq!(ask.content(), Some(texts::ASK_CONTRACT));
    let typed = bench.tg.staff_reply(who, ask.message_id, contract).unwrap();
    answer_to(bench, typed.message_id).await
}

/// Presses the preview's button (`0` = ✅, `1` = ❌) as `who`; returns the callback answer.
pub async fn press(bench: &Bench, who: &TgUser, preview: &StoredMessage, which: usize) -> String {
    let data = preview.button_data();
    assert_eq!(data.len(), 2, "✅ and ❌ under the preview: {data:?}");
    press_data(bench, who, preview, &data[which]).await
}

/// Presses a button with this `data` under `msg`; returns the callback answer.
pub async fn press_data(bench: &Bench, who: &TgUser, msg: &StoredMessage, data: &str) -> String {
    let pressed = bench
        .tg
        .press_button(who, msg.chat_id, msg.message_id, data)
        .expect("the fake takes the press");
    let id = pressed.callback_id.expect("a callback id");
    let find = |s: &fake_telegram::State| {
        s.answered_callbacks()
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.text.clone().unwrap_or_default())
    };
    bench
        .wait("the press answered", |s| find(s).is_some())
        .await;
    bench.tg.read(find).expect("answered")
}

/// The whole flow: ask, contract, preview, ✅ by `who`.
pub async fn link(bench: &Bench, who: &TgUser, thread: i32, contract: &str) {
    let preview = ask_and_type(bench, who, thread, contract).await;
    assert_eq!(press(bench, who, &preview, 0).await, texts::PRESS_LINKED);
}

/// The texts of the bot's own messages in the topic containing `needle` (waits for one).
pub async fn wait_text_in(bench: &Bench, thread: i32, needle: &str) -> String {
    let find = |s: &fake_telegram::State| {
        crate::harness::bot_texts_in(s, thread)
            .into_iter()
            .find(|t| t.contains(needle))
    };
    bench
        .wait(&format!("{needle:?} in the topic"), |s| find(s).is_some())
        .await;
    bench.tg.read(find).expect("found")
}

/// The bot's database.
pub async fn db(bench: &Bench) -> DatabaseConnection {
    sea_orm::Database::connect(bench.database_url())
        .await
        .expect("the bot's database opens")
}

/// The client's row.
pub async fn client_row(bench: &Bench, id: u64) -> pp_clients::Model {
    pp_clients::Entity::find_by_id(id as i64)
        .one(&db(bench).await)
        .await
        .expect("query")
        .expect("the client's row")
}

/// The client's tickets, oldest first.
pub async fn tickets_of(bench: &Bench, id: u64) -> Vec<tickets::Model> {
    tickets::Entity::find()
        .filter(tickets::Column::ClientUserId.eq(id as i64))
        .order_by_asc(tickets::Column::Id)
        .all(&db(bench).await)
        .await
        .expect("query")
}

/// The audit rows about a client, oldest first.
pub async fn audit_of(bench: &Bench, id: u64) -> Vec<audit_log::Model> {
    audit_log::Entity::find()
        .filter(audit_log::Column::ClientUserId.eq(id as i64))
        .order_by_asc(audit_log::Column::Id)
        .all(&db(bench).await)
        .await
        .expect("query")
}

/// The lines of `logs/enote_link.log`, parsed.
pub fn link_log(bench: &Bench) -> Vec<Value> {
    let path = bench.dir.join("logs").join("enote_link.log");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// Waits until the link log has `n` lines; returns them. (The log is written right after the
/// commit, so it may trail the bot's message by a moment.)
pub async fn link_log_lines(bench: &Bench, n: usize) -> Vec<Value> {
    let until = Instant::now() + PROMPT;
    loop {
        let lines = link_log(bench);
        if lines.len() >= n || Instant::now() > until {
            assert_eq!(lines.len(), n, "link log: {lines:#?}");
            return lines;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The `event` fields of the link log.
pub fn events(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l["event"].as_str().unwrap_or("?").to_owned())
        .collect()
}

/// Telegram strips HTML: the plain text of one of `texts`' HTML sentences.
pub fn plain(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A short pause before asserting that something did NOT happen.
pub async fn settle() {
    tokio::time::sleep(Duration::from_millis(400)).await;
}

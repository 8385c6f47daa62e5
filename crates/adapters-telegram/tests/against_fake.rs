//! The adapter against the fake Bot API (`fake-telegram`): the update decoder on the fake's
//! forum updates, the error mapping on its refusals, the raw poller past an unknown update kind,
//! and the chat gateway end to end.

use adapters_telegram::errors::map_api;
use adapters_telegram::{TelegramGateway, UpdateSource};
use domain::ids::{ChatRef, GroupId, MessageId, UserId};
use domain::label::Label;
use domain::outbound::BotText;
use domain::ports::{ChatError, ChatGateway};
use domain::services::Inbound;
use fake_telegram::{FakeConfig, FakeTelegram, TgUser};
use frankenstein::AsyncTelegramApi;
use frankenstein::client_reqwest::Bot;
use frankenstein::methods::{
    CopyMessageParams, CreateForumTopicParams, GetUpdatesParams, SendMessageParams,
};
use frankenstein::types::ChatId;
use frankenstein::{Error, ParseMode};
use serde_json::{Value, json};
use std::time::Duration;

async fn fake() -> (FakeTelegram, Bot) {
    let tg = FakeTelegram::start(FakeConfig::default())
        .await
        .expect("fake starts");
    let bot = adapters_telegram::bot(&tg.base_url(), tg.token(), Duration::from_secs(30));
    (tg, bot)
}

fn olena() -> TgUser {
    TgUser::new(8_000_000_001, "Олена").with_username("olena")
}

fn staff() -> TgUser {
    TgUser::new(600, "Лікар").with_username("vet_anna")
}

fn chat(id: i64) -> ChatId {
    ChatId::Integer(id)
}

async fn create_topic(bot: &Bot, tg: &FakeTelegram, name: &str) -> i32 {
    let p = CreateForumTopicParams::builder()
        .chat_id(chat(tg.group_id()))
        .name(name)
        .build();
    bot.create_forum_topic(&p)
        .await
        .unwrap()
        .result
        .message_thread_id
}

async fn send(bot: &Bot, to: i64, thread: Option<i32>, text: &str) -> Result<i32, Error> {
    let p = SendMessageParams::builder()
        .chat_id(chat(to))
        .maybe_message_thread_id(thread)
        .text(text)
        .parse_mode(ParseMode::Html)
        .build();
    bot.send_message(&p).await.map(|m| m.result.message_id)
}

fn api_err(e: Error) -> (u64, String, Option<u16>) {
    match e {
        Error::Api(r) => (
            r.error_code,
            r.description,
            r.parameters.and_then(|p| p.retry_after),
        ),
        other => panic!("expected an API error, got {other:?}"),
    }
}

async fn raw_updates(tg: &FakeTelegram, offset: Option<i64>) -> Vec<Value> {
    let r: Value = reqwest::Client::new()
        .post(format!("{}/getUpdates", tg.api_url()))
        .json(&json!({"offset": offset, "timeout": 0}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["result"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn the_decoder_drops_the_forum_reply_quirk_and_keeps_real_replies() {
    let (tg, bot) = fake().await;
    let a = tg.client_text(&olena(), "Питання");
    let thread = create_topic(&bot, &tg, "Олена").await;
    let copy = CopyMessageParams::builder()
        .chat_id(chat(tg.group_id()))
        .message_thread_id(thread)
        .from_chat_id(chat(a.chat_id))
        .message_id(a.message_id)
        .build();
    let copied = bot.copy_message(&copy).await.unwrap().result.message_id;
    tg.staff_text(&staff(), thread, "Добрий день").unwrap();
    tg.staff_reply(&staff(), copied, "Скільки йому років?")
        .unwrap();

    let ups = raw_updates(&tg, Some(a.update_id + 1)).await;
    assert_eq!(ups.len(), 2);
    // The fake sends the quirk (a "reply" to the topic's root) …
    assert_eq!(ups[0]["message"]["reply_to_message"]["message_id"], thread);
    // … and the decoder sees no reply in the first, the real target in the second.
    let group = GroupId::new(tg.group_id()).unwrap();
    let decoded: Vec<_> = ups
        .iter()
        .map(|u| adapters_telegram::decode::decode(&u.to_string(), group))
        .collect();
    let Inbound::Message(plain) = &decoded[0] else {
        panic!("{:?}", decoded[0])
    };
    assert_eq!(plain.reply_to, None);
    let Inbound::Message(reply) = &decoded[1] else {
        panic!("{:?}", decoded[1])
    };
    assert_eq!(reply.reply_to.map(i64::from), Some(i64::from(copied)));
}

#[tokio::test]
async fn the_fakes_refusals_map_to_the_domains_errors() {
    let (tg, bot) = fake().await;
    let thread = create_topic(&bot, &tg, "Олена").await;
    tg.delete_topic(thread);
    let (code, desc, retry) = api_err(
        send(&bot, tg.group_id(), Some(thread), "hi")
            .await
            .unwrap_err(),
    );
    assert_eq!(map_api(code, &desc, retry), ChatError::TopicGone);

    let a = tg.client_text(&olena(), "hi");
    tg.block_bot(olena().id);
    let (code, desc, retry) = api_err(send(&bot, a.chat_id, None, "hi").await.unwrap_err());
    assert_eq!(map_api(code, &desc, retry), ChatError::Blocked);
}

#[tokio::test]
async fn the_raw_poller_gets_past_an_unknown_update_kind() {
    let (tg, bot) = fake().await;
    tg.client_text(&olena(), "hi");
    tg.inject_raw(json!({"some_future_kind": {"x": 1}}));
    tg.client_text(&olena(), "after");
    // frankenstein cannot decode the batch (the trap); the raw poller can.
    assert!(matches!(
        bot.get_updates(&GetUpdatesParams::builder().build()).await,
        Err(Error::JsonDecode { .. })
    ));
    let source = UpdateSource::new(bot.clone(), 0);
    let polled = source.poll(None, 100).await.unwrap();
    assert_eq!(polled.len(), 3);
}

#[tokio::test]
async fn the_real_gateway_works_against_the_fake() {
    let (tg, bot) = fake().await;
    let group = GroupId::new(tg.group_id()).unwrap();
    let gw = TelegramGateway::new(bot, group);
    let a = tg.client_text(&olena(), "Привіт");
    let client = ChatRef::Client(UserId::new(a.chat_id).unwrap());
    let thread = gw
        .create_topic(&Label::new("Олена").unwrap())
        .await
        .unwrap();
    let copied = gw
        .copy_message(
            client,
            MessageId::new(i64::from(a.message_id)).unwrap(),
            ChatRef::Group(group),
            Some(thread),
            None,
        )
        .await
        .unwrap();
    let stored = tg
        .message(tg.group_id(), i32::try_from(i64::from(copied)).unwrap())
        .unwrap();
    assert_eq!(stored.text.as_deref(), Some("Привіт"));
    // A long HTML text is split by the gateway, every part within the limit.
    let long = format!("<b>Картка</b>\n{}", "рядок тексту\n".repeat(600));
    gw.send_text(
        ChatRef::Group(group),
        Some(thread),
        &BotText::new(long),
        None,
    )
    .await
    .unwrap();
    assert!(tg.thread_messages(Some(thread.get())).len() >= 4);

    tg.delete_topic(thread.get());
    let err = gw
        .send_text(
            ChatRef::Group(group),
            Some(thread),
            &BotText::new("x"),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(err, ChatError::TopicGone);
    tg.block_bot(olena().id);
    let err = gw
        .send_text(client, None, &BotText::new("x"), None)
        .await
        .unwrap_err();
    assert_eq!(err, ChatError::Blocked);
}

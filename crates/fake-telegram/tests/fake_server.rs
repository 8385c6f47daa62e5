//! Tests of the fake Bot API itself, through plain HTTP (reqwest) and through the real
//! frankenstein client the bot uses — so we know frankenstein decodes every answer the fake gives.
//! The bot's own adapter against the fake is tested in `crates/adapters-telegram/tests`.

use fake_telegram::{
    AttachmentKind, EnforcedLimits, Failure, FakeConfig, FakeTelegram, Faults, NewContent, TgUser,
};
use frankenstein::AsyncTelegramApi;
use frankenstein::client_reqwest::Bot;
use frankenstein::methods::{
    AnswerCallbackQueryParams, CloseForumTopicParams, CopyMessageParams, CopyMessagesParams,
    CreateForumTopicParams, DeleteForumTopicParams, DeleteWebhookParams, EditForumTopicParams,
    EditMessageTextParams, GetChatMemberParams, GetChatParams, GetMyCommandsParams,
    GetUpdatesParams, ReopenForumTopicParams, SendChatActionParams, SendMessageParams,
    SetMyCommandsParams, SetWebhookParams,
};
use frankenstein::types::{
    AllowedUpdate, BotCommand, BotCommandScope, BotCommandScopeChat, ChatAction, ChatId,
    ChatMember, InlineKeyboardButton, InlineKeyboardMarkup, ReplyMarkup, ReplyParameters,
};
use frankenstein::updates::UpdateContent;
use frankenstein::{Error, ParseMode};
use serde_json::{Value, json};
use std::time::Duration;

const T: Duration = Duration::from_secs(5);

async fn fake() -> (FakeTelegram, Bot) {
    let tg = FakeTelegram::start(FakeConfig::default())
        .await
        .expect("fake starts");
    let bot = Bot::new_url(tg.api_url());
    (tg, bot)
}

fn olena() -> TgUser {
    TgUser::new(8_000_000_001, "Олена").with_username("olena")
}

fn petro() -> TgUser {
    TgUser::new(8_000_000_002, "Петро")
}

fn staff() -> TgUser {
    TgUser::new(600, "Лікар").with_username("vet_anna")
}

fn chat(id: i64) -> ChatId {
    ChatId::Integer(id)
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

async fn raw_updates(tg: &FakeTelegram, offset: Option<i64>, timeout: u32) -> Vec<Value> {
    let body = json!({"offset": offset, "timeout": timeout});
    let r: Value = reqwest::Client::new()
        .post(format!("{}/getUpdates", tg.api_url()))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["result"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn envelope_token_method_and_parameter_encodings() {
    let (tg, bot) = fake().await;
    let me = bot.get_me().await.unwrap().result;
    assert!(me.is_bot);
    assert_eq!(me.username.as_deref(), Some("petwealth_parents_bot"));

    let http = reqwest::Client::new();
    let wrong = http
        .post(format!("{}/bot1:wrong/getMe", tg.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert_eq!(
        wrong.json::<Value>().await.unwrap(),
        json!({"ok": false, "error_code": 401, "description": "Unauthorized"})
    );
    let unknown = http
        .post(format!("{}/sendPigeon", tg.api_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    assert_eq!(
        unknown.json::<Value>().await.unwrap(),
        json!({"ok": false, "error_code": 404, "description": "Not Found"})
    );

    // GET with a query string, and a form body; method names are case-insensitive.
    tg.client_text(&olena(), "hi");
    let get: Value = http
        .get(format!(
            "{}/SENDMESSAGE?chat_id=8000000001&text=%D0%9F%D1%80%D0%B8%D0%B2%D1%96%D1%82+%21",
            tg.api_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(get["ok"], true);
    assert_eq!(get["result"]["text"], "Привіт !");
    assert_eq!(get["result"]["message_id"], 2);
    let form: Value = http
        .post(format!("{}/sendMessage", tg.api_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("chat_id=8000000001&text=%3Cb%3Eform%3C%2Fb%3E&parse_mode=HTML&reply_parameters=%7B%22message_id%22%3A1%7D")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(form["result"]["text"], "form");
    assert_eq!(form["result"]["entities"][0]["type"], "bold");
    assert_eq!(form["result"]["reply_to_message"]["text"], "hi");
    // Malformed JSON is a 400, not a crash.
    let bad = http
        .post(format!("{}/sendMessage", tg.api_url()))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    // Every call is logged, the refused one too.
    let sends = tg.calls_of("sendMessage");
    assert_eq!(sends.len(), 3);
    assert_eq!(
        (sends[2].ok, sends[2].error_code),
        (false, Some(400)),
        "the malformed JSON"
    );
}

#[tokio::test]
async fn get_updates_confirms_by_offset_and_frankenstein_decodes_them() {
    let (tg, bot) = fake().await;
    let first = tg.client_start(&olena());
    tg.client_photo(&olena(), Some("лапа"));
    tg.client_contact(&olena(), "380674210303", Some(olena().id));
    tg.client_voice(&olena());
    tg.client_sticker(&olena(), "🐶");
    tg.client_document(&olena(), "analysis.pdf", None);

    let p = GetUpdatesParams::builder().timeout(0).build();
    let ups = bot.get_updates(&p).await.unwrap().result;
    assert_eq!(ups.len(), 6);
    assert_eq!(i64::from(ups[0].update_id), first.update_id);
    let UpdateContent::Message(m) = &ups[0].content else {
        panic!("message")
    };
    assert_eq!(m.text.as_deref(), Some("/start"));
    assert_eq!(m.chat.id, 8_000_000_001);
    assert_eq!(m.message_id, 1);
    let e = &m.entities.as_ref().unwrap()[0];
    assert_eq!((e.offset, e.length), (0, 6));
    let UpdateContent::Message(photo) = &ups[1].content else {
        panic!()
    };
    assert!(photo.photo.is_some());
    assert_eq!(photo.caption.as_deref(), Some("лапа"));
    let UpdateContent::Message(contact) = &ups[2].content else {
        panic!()
    };
    assert_eq!(contact.contact.as_ref().unwrap().user_id, Some(olena().id));

    // Not confirmed yet: the same batch again.
    assert_eq!(bot.get_updates(&p).await.unwrap().result.len(), 6);
    // limit, then an offset past the third confirms the first three.
    let limited = GetUpdatesParams::builder().limit(2).build();
    assert_eq!(bot.get_updates(&limited).await.unwrap().result.len(), 2);
    let next = GetUpdatesParams::builder()
        .offset(first.update_id + 3)
        .build();
    let rest = bot.get_updates(&next).await.unwrap().result;
    assert_eq!(rest.len(), 3);
    assert_eq!(tg.read(|s| s.pending_updates()), 3);
    let last = i64::from(rest[2].update_id);
    assert!(
        bot.get_updates(&GetUpdatesParams::builder().offset(last + 1).build())
            .await
            .unwrap()
            .result
            .is_empty()
    );
    assert_eq!(tg.read(|s| s.pending_updates()), 0);
}

#[tokio::test]
async fn long_poll_wakes_up_on_injection() {
    let (tg, bot) = fake().await;
    let poll = tokio::spawn(async move {
        let started = std::time::Instant::now();
        let p = GetUpdatesParams::builder().timeout(20).build();
        let ups = bot.get_updates(&p).await.unwrap().result;
        (ups.len(), started.elapsed())
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    tg.client_text(&olena(), "є хтось?");
    let (n, took) = poll.await.unwrap();
    assert_eq!(n, 1);
    assert!(took < Duration::from_secs(5), "woke up in {took:?}");

    // An empty long poll returns after its timeout with [].
    let started = std::time::Instant::now();
    assert!(raw_updates(&tg, Some(i64::MAX), 1).await.is_empty());
    assert!(started.elapsed() >= Duration::from_millis(900));
}

#[tokio::test]
async fn a_newer_get_updates_terminates_the_waiting_one_with_409() {
    let (_tg, bot) = fake().await;
    let first = {
        let bot = bot.clone();
        tokio::spawn(async move {
            bot.get_updates(&GetUpdatesParams::builder().timeout(10).build())
                .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let short = GetUpdatesParams::builder().timeout(1).build();
    let second = bot.get_updates(&short);
    let (first, second) = tokio::join!(first, second);
    let (code, desc, _) = api_err(first.unwrap().unwrap_err());
    assert_eq!(code, 409);
    assert_eq!(
        desc,
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
    );
    assert!(second.unwrap().result.is_empty());
}

#[tokio::test]
async fn copy_message_into_a_new_topic_with_per_chat_ids() {
    let (tg, bot) = fake().await;
    let a = tg.client_text(&olena(), "Кіт не їсть");
    let b = tg.client_text(&petro(), "Собака кашляє");
    assert_eq!(
        (a.message_id, b.message_id),
        (1, 1),
        "each chat counts from 1"
    );

    let thread = create_topic(&bot, &tg, "Олена").await;
    let root = tg.message(tg.group_id(), thread).unwrap();
    assert!(matches!(
        root.service,
        Some(fake_telegram::Service::TopicCreated { .. })
    ));
    let copy = CopyMessageParams::builder()
        .chat_id(chat(tg.group_id()))
        .message_thread_id(thread)
        .from_chat_id(chat(a.chat_id))
        .message_id(a.message_id)
        .build();
    let copied = bot.copy_message(&copy).await.unwrap().result.message_id;
    assert_eq!(copied, thread + 1, "the group's own counter");
    let m = tg.message(tg.group_id(), copied).unwrap();
    assert_eq!(m.text.as_deref(), Some("Кіт не їсть"));
    assert_eq!(m.thread_id, Some(thread));
    assert!(m.is_topic_message && m.by_bot);
    assert_eq!(m.copied_from, Some((a.chat_id, a.message_id)));

    // The bot's reply in Olena's chat gets id 2 there.
    assert_eq!(send(&bot, a.chat_id, None, "Дякуємо!").await.unwrap(), 2);

    let missing = CopyMessageParams::builder()
        .chat_id(chat(tg.group_id()))
        .message_thread_id(thread)
        .from_chat_id(chat(a.chat_id))
        .message_id(99)
        .build();
    let (code, desc, _) = api_err(bot.copy_message(&missing).await.unwrap_err());
    assert_eq!(
        (code, desc.as_str()),
        (400, "Bad Request: message to copy not found")
    );

    // An album: several updates with one media_group_id; copyMessages keeps the grouping.
    let album = tg.client_album(&olena(), 3, Some("рентген"));
    assert_eq!(album.len(), 3);
    let groups: Vec<_> = album
        .iter()
        .map(|i| tg.message(i.chat_id, i.message_id).unwrap().media_group_id)
        .collect();
    assert!(groups[0].is_some() && groups.iter().all(|g| *g == groups[0]));
    let copies = CopyMessagesParams::builder()
        .chat_id(chat(tg.group_id()))
        .message_thread_id(thread)
        .from_chat_id(chat(a.chat_id))
        .message_ids(album.iter().map(|i| i.message_id).collect())
        .build();
    let ids = bot.copy_messages(&copies).await.unwrap().result;
    assert_eq!(ids.len(), 3);
    let first = tg.message(tg.group_id(), ids[0].message_id).unwrap();
    assert_eq!(first.media_kind(), Some(AttachmentKind::Photo));
    assert_eq!(first.caption.as_deref(), Some("рентген"));
    assert!(first.media_group_id.is_some() && first.media_group_id != groups[0]);
    assert_eq!(tg.bot_messages(tg.group_id()).len(), 4);
    assert_eq!(tg.thread_messages(Some(thread)).len(), 5);
}

#[tokio::test]
async fn staff_topic_messages_carry_the_forum_quirk() {
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
    let plain = tg.staff_text(&staff(), thread, "Добрий день").unwrap();
    let _reply = tg
        .staff_reply(&staff(), copied, "Скільки йому років?")
        .unwrap();
    let cmd = tg.staff_command(&staff(), Some(thread), "/close").unwrap();
    let general = tg.general_text(&staff(), "загальне").unwrap();

    let ups = raw_updates(&tg, Some(a.update_id + 1), 0).await;
    assert_eq!(ups.len(), 4);
    let m = &ups[0]["message"];
    assert_eq!(m["message_id"], plain.message_id);
    assert_eq!(m["message_thread_id"], thread);
    assert_eq!(m["is_topic_message"], true);
    assert_eq!(m["from"]["id"], 600);
    assert_eq!(m["chat"]["type"], "supergroup");
    assert_eq!(m["chat"]["is_forum"], true);
    // The quirk: no reply, yet reply_to_message = the topic's creation message.
    assert_eq!(m["reply_to_message"]["message_id"], thread);
    assert_eq!(
        m["reply_to_message"]["forum_topic_created"]["name"],
        "Олена"
    );
    // An explicit reply points at the real target, which lives in the topic.
    let r = &ups[1]["message"];
    assert_eq!(r["reply_to_message"]["message_id"], copied);
    assert_eq!(r["message_thread_id"], thread);
    assert_eq!(r["reply_to_message"]["from"]["is_bot"], true);
    let c = &ups[2]["message"];
    assert_eq!(
        c["entities"],
        json!([{"type": "bot_command", "offset": 0, "length": 6}])
    );
    let g = &ups[3]["message"];
    assert!(g.get("message_thread_id").is_none() && g.get("is_topic_message").is_none());

    let _ = (cmd, general);

    // And frankenstein decodes the same batch.
    let typed = bot
        .get_updates(&GetUpdatesParams::builder().offset(a.update_id + 1).build())
        .await
        .unwrap()
        .result;
    let UpdateContent::Message(m) = &typed[0].content else {
        panic!()
    };
    assert!(
        m.reply_to_message
            .as_ref()
            .unwrap()
            .forum_topic_created
            .is_some()
    );
}

#[tokio::test]
async fn deleted_and_closed_topics() {
    let (tg, bot) = fake().await;
    let thread = create_topic(&bot, &tg, "Олена").await;
    let gone = create_topic(&bot, &tg, "Петро").await;
    let del = DeleteForumTopicParams::builder()
        .chat_id(chat(tg.group_id()))
        .message_thread_id(gone)
        .build();
    assert!(bot.delete_forum_topic(&del).await.unwrap().result);
    let err = send(&bot, tg.group_id(), Some(gone), "hi")
        .await
        .unwrap_err();
    let (code, desc, _) = api_err(err);
    assert_eq!(
        (code, desc.as_str()),
        (400, "Bad Request: message thread not found")
    );
    let (_, desc, _) = api_err(
        send(&bot, tg.group_id(), Some(12345), "hi")
            .await
            .unwrap_err(),
    );
    assert_eq!(desc, "Bad Request: message thread not found");
    // sendChatAction cannot probe a deleted topic.
    let action = SendChatActionParams::builder()
        .chat_id(chat(tg.group_id()))
        .message_thread_id(gone)
        .action(ChatAction::Typing)
        .build();
    assert!(bot.send_chat_action(&action).await.unwrap().result);
    assert!(tg.topic(gone).unwrap().deleted);

    // Closed: the bot (admin) may still post by default; the knob makes it TOPIC_CLOSED.
    let close = CloseForumTopicParams::builder()
        .chat_id(chat(tg.group_id()))
        .message_thread_id(thread)
        .build();
    assert!(bot.close_forum_topic(&close).await.unwrap().result);
    assert!(tg.topic(thread).unwrap().closed);
    send(&bot, tg.group_id(), Some(thread), "still here")
        .await
        .unwrap();
    tg.set_bot_can_post_in_closed_topics(false);
    let (_, desc, _) = api_err(
        send(&bot, tg.group_id(), Some(thread), "x")
            .await
            .unwrap_err(),
    );
    assert_eq!(desc, "Bad Request: TOPIC_CLOSED");
    let reopen = ReopenForumTopicParams::builder()
        .chat_id(chat(tg.group_id()))
        .message_thread_id(thread)
        .build();
    assert!(bot.reopen_forum_topic(&reopen).await.unwrap().result);
    let (_, desc, _) = api_err(bot.reopen_forum_topic(&reopen).await.unwrap_err());
    assert_eq!(desc, "Bad Request: TOPIC_NOT_MODIFIED");

    // Renaming: unchanged name is TOPIC_NOT_MODIFIED, too long is TOPIC_NAME_INVALID.
    let same = EditForumTopicParams::builder()
        .chat_id(chat(tg.group_id()))
        .message_thread_id(thread)
        .name("Олена")
        .build();
    assert_eq!(
        api_err(bot.edit_forum_topic(&same).await.unwrap_err()).1,
        "Bad Request: TOPIC_NOT_MODIFIED"
    );
    let renamed = EditForumTopicParams::builder()
        .chat_id(chat(tg.group_id()))
        .message_thread_id(thread)
        .name("Олена К.")
        .build();
    assert!(bot.edit_forum_topic(&renamed).await.unwrap().result);
    assert_eq!(tg.topic(thread).unwrap().name, "Олена К.");
    let long = CreateForumTopicParams::builder()
        .chat_id(chat(tg.group_id()))
        .name("я".repeat(129))
        .build();
    assert_eq!(
        api_err(bot.create_forum_topic(&long).await.unwrap_err()).1,
        "Bad Request: TOPIC_NAME_INVALID"
    );

    // Staff cannot write into a deleted topic either.
    assert!(tg.staff_text(&staff(), gone, "hello?").is_err());
}

#[tokio::test]
async fn private_chat_refusals() {
    let (tg, bot) = fake().await;
    let (code, desc, _) = api_err(send(&bot, 8_000_000_009, None, "hi").await.unwrap_err());
    assert_eq!((code, desc.as_str()), (400, "Bad Request: chat not found"));

    let a = tg.client_text(&olena(), "hi");
    tg.block_bot(olena().id);
    let (code, desc, _) = api_err(send(&bot, a.chat_id, None, "hi").await.unwrap_err());
    assert_eq!(
        (code, desc.as_str()),
        (403, "Forbidden: bot was blocked by the user")
    );
    // The block arrives as my_chat_member; writing again unblocks.
    let ups = raw_updates(&tg, None, 0).await;
    assert_eq!(
        ups[1]["my_chat_member"]["new_chat_member"]["status"],
        "kicked"
    );
    tg.client_text(&olena(), "я повернулась");
    send(&bot, a.chat_id, None, "вітаємо").await.unwrap();

    let p = SendMessageParams::builder()
        .chat_id(chat(a.chat_id))
        .text("reply")
        .reply_parameters(ReplyParameters::builder().message_id(77).build())
        .build();
    assert_eq!(
        api_err(bot.send_message(&p).await.unwrap_err()).1,
        "Bad Request: message to be replied not found"
    );
    let p = SendMessageParams::builder()
        .chat_id(chat(a.chat_id))
        .text("reply")
        .reply_parameters(
            ReplyParameters::builder()
                .message_id(77)
                .allow_sending_without_reply(true)
                .build(),
        )
        .build();
    assert!(
        bot.send_message(&p)
            .await
            .unwrap()
            .result
            .reply_to_message
            .is_none()
    );

    // A one-shot programmed failure.
    tg.fail_next("copyMessage", Failure::blocked());
    let copy = CopyMessageParams::builder()
        .chat_id(chat(a.chat_id))
        .from_chat_id(chat(a.chat_id))
        .message_id(1)
        .build();
    assert_eq!(api_err(bot.copy_message(&copy).await.unwrap_err()).0, 403);
    assert!(bot.copy_message(&copy).await.is_ok());
}

#[tokio::test]
async fn the_group_limit_answers_429_and_counts_violations() {
    let (tg, bot) = fake().await;
    let thread = create_topic(&bot, &tg, "Олена").await;
    tg.set_limits(EnforcedLimits {
        group_per_min: Some(3),
        ..EnforcedLimits::off()
    });
    let other = create_topic(&bot, &tg, "Петро").await; // createForumTopic counts
    send(&bot, tg.group_id(), Some(thread), "1").await.unwrap();
    send(&bot, tg.group_id(), Some(other), "2").await.unwrap();
    // The whole forum shares the budget: the 4th send in a minute is refused.
    let (code, desc, retry) = api_err(
        send(&bot, tg.group_id(), Some(thread), "3")
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 429);
    assert_eq!(desc, "Too Many Requests: retry after 60");
    assert_eq!(retry, Some(60));
    assert_eq!(tg.violations(), 0);
    // Sending again before retry_after ran out is a violation (and another 429).
    let (code, _, retry) = api_err(
        send(&bot, tg.group_id(), Some(thread), "3")
            .await
            .unwrap_err(),
    );
    assert_eq!((code, retry.is_some()), (429, true));
    assert_eq!(tg.rate_limited_count(), 2);
    assert_eq!(tg.violations(), 1);
    assert!(tg.calls_of("sendMessage").iter().any(|c| c.violation));
    // Private chats are not affected by the group's budget.
    tg.client_text(&olena(), "hi");
    send(&bot, 8_000_000_001, None, "ok").await.unwrap();

    // Raw shape of a 429.
    let r: Value = reqwest::Client::new()
        .post(format!("{}/sendMessage", tg.api_url()))
        .json(&json!({"chat_id": tg.group_id(), "text": "x"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["error_code"], 429);
    assert!(r["parameters"]["retry_after"].as_u64().unwrap() >= 1);
}

#[tokio::test]
async fn injected_502_html_truncated_json_500_and_dropped_responses() {
    let (tg, bot) = fake().await;
    let a = tg.client_text(&olena(), "hi");

    tg.fail_next("sendMessage", Failure::BadGatewayHtml);
    match send(&bot, a.chat_id, None, "1").await.unwrap_err() {
        Error::JsonDecode { input, .. } => {
            assert!(input.contains("<title>502 Bad Gateway</title>"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        tg.bot_messages(a.chat_id).len(),
        0,
        "a 502 is not performed"
    );
    let raw = {
        tg.fail_next("sendMessage", Failure::BadGatewayHtml);
        reqwest::Client::new()
            .post(format!("{}/sendMessage", tg.api_url()))
            .json(&json!({"chat_id": a.chat_id, "text": "x"}))
            .send()
            .await
            .unwrap()
    };
    assert_eq!(raw.status(), 502);
    assert!(
        raw.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );

    tg.fail_next("sendMessage", Failure::InternalServerError);
    let (code, desc, _) = api_err(send(&bot, a.chat_id, None, "2").await.unwrap_err());
    assert_eq!((code, desc.as_str()), (500, "Internal Server Error"));

    tg.fail_next("sendMessage", Failure::TruncatedJson);
    assert!(matches!(
        send(&bot, a.chat_id, None, "3").await.unwrap_err(),
        Error::JsonDecode { .. }
    ));
    assert_eq!(tg.bot_messages(a.chat_id).len(), 1, "performed, answer cut");

    tg.fail_next("sendMessage", Failure::DropResponse);
    assert!(matches!(
        send(&bot, a.chat_id, None, "4").await.unwrap_err(),
        Error::HttpReqwest(_)
    ));
    assert_eq!(
        tg.bot_messages(a.chat_id).len(),
        2,
        "performed, answer lost"
    );
    // The server is fine afterwards.
    send(&bot, a.chat_id, None, "5").await.unwrap();

    // An injected 429: retrying before retry_after is counted as a violation.
    tg.fail_next("sendMessage", Failure::too_many_requests(30));
    assert_eq!(
        api_err(send(&bot, a.chat_id, None, "6").await.unwrap_err()).2,
        Some(30)
    );
    assert!(send(&bot, a.chat_id, None, "6").await.is_err());
    assert_eq!(tg.violations(), 1);

    // Random faults are seeded: the same seed gives the same sequence.
    let pattern = |seed| {
        let tg = tg.clone();
        let bot = bot.clone();
        async move {
            tg.set_faults(Faults {
                seed,
                internal_error: 0.5,
                methods: vec!["getChat".into()],
                ..Faults::default()
            });
            let mut out = Vec::new();
            for _ in 0..12 {
                out.push(
                    bot.get_chat(
                        &GetChatParams::builder()
                            .chat_id(chat(tg.group_id()))
                            .build(),
                    )
                    .await
                    .is_ok(),
                );
            }
            out
        }
    };
    let first = pattern(42).await;
    assert_eq!(first, pattern(42).await);
    assert!(first.contains(&true) && first.contains(&false));
}

#[tokio::test]
async fn text_length_empty_and_html_checks() {
    let (tg, bot) = fake().await;
    let a = tg.client_text(&olena(), "hi");
    let too_long = "a".repeat(4097);
    let (code, desc, _) = api_err(send(&bot, a.chat_id, None, &too_long).await.unwrap_err());
    assert_eq!(
        (code, desc.as_str()),
        (400, "Bad Request: message is too long")
    );
    // Measured after the tags are stripped…
    let tagged = format!("<b>{}</b>", "a".repeat(4096));
    send(&bot, a.chat_id, None, &tagged).await.unwrap();
    // …and in UTF-16 units: 2049 dogs are 4098 units.
    let dogs = "🐶".repeat(2049);
    assert_eq!(
        api_err(send(&bot, a.chat_id, None, &dogs).await.unwrap_err()).1,
        "Bad Request: message is too long"
    );
    send(&bot, a.chat_id, None, &"🐶".repeat(2048))
        .await
        .unwrap();
    assert_eq!(
        api_err(send(&bot, a.chat_id, None, "").await.unwrap_err()).1,
        "Bad Request: message text is empty"
    );
    assert_eq!(
        api_err(send(&bot, a.chat_id, None, "<b></b> ").await.unwrap_err()).1,
        "Bad Request: message text is empty"
    );
    let desc = api_err(
        send(&bot, a.chat_id, None, "<b>unclosed")
            .await
            .unwrap_err(),
    )
    .1;
    assert!(
        desc.starts_with("Bad Request: can't parse entities: "),
        "{desc}"
    );
    let desc = api_err(
        send(&bot, a.chat_id, None, "line<br>break")
            .await
            .unwrap_err(),
    )
    .1;
    assert!(desc.contains("Unsupported start tag \"br\""), "{desc}");
    let stored = tg.bot_messages(a.chat_id);
    assert_eq!(stored[0].source.as_deref(), Some(tagged.as_str()));
}

#[tokio::test]
async fn edits_buttons_callbacks_and_commands() {
    let (tg, bot) = fake().await;
    let thread = create_topic(&bot, &tg, "Олена").await;
    let keyboard = InlineKeyboardMarkup::builder()
        .inline_keyboard(vec![vec![
            InlineKeyboardButton::builder()
                .text("✅ Прив'язати")
                .callback_data("link:ok:3")
                .build(),
            InlineKeyboardButton::builder()
                .text("❌ Скасувати")
                .callback_data("link:no:3")
                .build(),
        ]])
        .build();
    let p = SendMessageParams::builder()
        .chat_id(chat(tg.group_id()))
        .message_thread_id(thread)
        .text("Прев'ю")
        .reply_markup(ReplyMarkup::InlineKeyboardMarkup(keyboard.clone()))
        .build();
    let sent = bot.send_message(&p).await.unwrap().result;
    assert!(sent.reply_markup.is_some());
    // A bot message in a topic carries the quirk too.
    assert_eq!(sent.reply_to_message.as_ref().unwrap().message_id, thread);
    assert_eq!(
        tg.message(tg.group_id(), sent.message_id)
            .unwrap()
            .button_data(),
        ["link:ok:3", "link:no:3"]
    );

    let press = tg
        .press_button(&staff(), tg.group_id(), sent.message_id, "link:ok:3")
        .unwrap();
    let ups = bot
        .get_updates(&GetUpdatesParams::builder().build())
        .await
        .unwrap()
        .result;
    let UpdateContent::CallbackQuery(cb) = &ups[0].content else {
        panic!()
    };
    assert_eq!(cb.data.as_deref(), Some("link:ok:3"));
    assert_eq!(Some(cb.id.clone()), press.callback_id);
    let ans = AnswerCallbackQueryParams::builder()
        .callback_query_id(cb.id.clone())
        .text("Прив'язано")
        .build();
    assert!(bot.answer_callback_query(&ans).await.unwrap().result);
    assert!(
        bot.answer_callback_query(&ans).await.is_err(),
        "a query is answered once"
    );
    assert_eq!(
        tg.answered_callbacks()[0].text.as_deref(),
        Some("Прив'язано")
    );

    let edit = EditMessageTextParams::builder()
        .chat_id(chat(tg.group_id()))
        .message_id(sent.message_id)
        .text("Прев'ю")
        .reply_markup(keyboard)
        .build();
    let desc = api_err(bot.edit_message_text(&edit).await.unwrap_err()).1;
    assert!(desc.starts_with("Bad Request: message is not modified: specified new message content and reply markup are exactly the same"));
    let edit = EditMessageTextParams::builder()
        .chat_id(chat(tg.group_id()))
        .message_id(sent.message_id)
        .text("Прив'язано ✅")
        .build();
    bot.edit_message_text(&edit).await.unwrap();
    let m = tg.message(tg.group_id(), sent.message_id).unwrap();
    assert_eq!(m.text.as_deref(), Some("Прив'язано ✅"));
    assert!(m.edit_date.is_some() && m.reply_markup.is_none());
    let edit = EditMessageTextParams::builder()
        .chat_id(chat(tg.group_id()))
        .message_id(999)
        .text("x")
        .build();
    assert_eq!(
        api_err(bot.edit_message_text(&edit).await.unwrap_err()).1,
        "Bad Request: message to edit not found"
    );

    // Edited client message → edited_message update.
    let a = tg.client_text(&olena(), "стара");
    tg.client_edit(&olena(), a.message_id, "нова").unwrap();
    let ups = raw_updates(&tg, Some(a.update_id), 0).await;
    assert_eq!(ups[1]["edited_message"]["text"], "нова");
    assert!(ups[1]["edited_message"]["edit_date"].is_u64());

    // Commands per scope.
    let scope = BotCommandScope::Chat(
        BotCommandScopeChat::builder()
            .chat_id(chat(tg.group_id()))
            .build(),
    );
    let set = SetMyCommandsParams::builder()
        .commands(vec![
            BotCommand::builder()
                .command("close")
                .description("Закрити")
                .build(),
        ])
        .scope(scope.clone())
        .build();
    assert!(bot.set_my_commands(&set).await.unwrap().result);
    let got = bot
        .get_my_commands(&GetMyCommandsParams::builder().scope(scope).build())
        .await
        .unwrap()
        .result;
    assert_eq!(got[0].command, "close");
    assert!(
        bot.get_my_commands(&GetMyCommandsParams::builder().build())
            .await
            .unwrap()
            .result
            .is_empty()
    );
    assert_eq!(
        tg.commands()[0].commands,
        vec![("close".to_owned(), "Закрити".to_owned())]
    );

    // Chat info and the bot's rights.
    let info = bot
        .get_chat(
            &GetChatParams::builder()
                .chat_id(chat(tg.group_id()))
                .build(),
        )
        .await
        .unwrap()
        .result;
    assert_eq!(info.is_forum, Some(true));
    let me = tg.bot_user();
    let member = GetChatMemberParams::builder()
        .chat_id(chat(tg.group_id()))
        .user_id(me.id)
        .build();
    let ChatMember::Administrator(admin) = bot.get_chat_member(&member).await.unwrap().result
    else {
        panic!()
    };
    assert_eq!(admin.can_manage_topics, Some(true));
}

#[tokio::test]
async fn unknown_kinds_and_allowed_updates() {
    let (tg, bot) = fake().await;
    let a = tg.client_text(&olena(), "hi");
    let raw = tg.inject_raw(json!({"update_id": 1, "some_future_kind": {"x": 1}}));
    assert_eq!(raw, a.update_id + 1, "ids keep increasing");
    let sent = send(&bot, a.chat_id, None, "buttons").await.unwrap();
    tg.press_button(&olena(), a.chat_id, sent, "x").unwrap();
    tg.client_text(&olena(), "after");

    // frankenstein cannot decode the batch (the trap); the raw JSON has all four.
    assert!(matches!(
        bot.get_updates(&GetUpdatesParams::builder().build()).await,
        Err(Error::JsonDecode { .. })
    ));
    let polled = raw_updates(&tg, None, 0).await;
    assert_eq!(polled.len(), 4);
    // allowed_updates filters when updates are created: what was queued before still comes…
    let p = GetUpdatesParams::builder()
        .allowed_updates(vec![AllowedUpdate::Message])
        .build();
    assert!(bot.get_updates(&p).await.is_err());
    assert_eq!(raw_updates(&tg, None, 0).await.len(), 4);
    // …but a callback pressed now is never queued; raw updates always are.
    tg.press_button(&olena(), a.chat_id, sent, "y").unwrap();
    tg.inject_raw(json!({"another_kind": {}}));
    let last = polled[3]["update_id"].as_i64().unwrap();
    let ups = raw_updates(&tg, Some(last + 1), 0).await;
    assert_eq!(ups.len(), 1);
    assert!(ups[0].get("another_kind").is_some());
}

#[tokio::test]
async fn webhook_blocks_get_updates_and_delivers_with_the_secret() {
    use axum::routing::post;
    let (tg, bot) = fake().await;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(Option<String>, Value)>();
    let app = axum::Router::new().route(
        "/hook",
        post(
            move |headers: axum::http::HeaderMap, axum::Json(v): axum::Json<Value>| {
                let tx = tx.clone();
                async move {
                    let secret = headers
                        .get("x-telegram-bot-api-secret-token")
                        .and_then(|h| h.to_str().ok())
                        .map(str::to_owned);
                    let _ = tx.send((secret, v));
                    "ok"
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let set = SetWebhookParams::builder()
        .url(hook.clone())
        .secret_token("s3cret_token")
        .build();
    assert!(bot.set_webhook(&set).await.unwrap().result);
    let (code, desc, _) = api_err(
        bot.get_updates(&GetUpdatesParams::builder().build())
            .await
            .unwrap_err(),
    );
    assert_eq!(code, 409);
    assert!(desc.starts_with("Conflict: can't use getUpdates method while webhook is active"));
    assert_eq!(bot.get_webhook_info().await.unwrap().result.url, hook);

    tg.client_text(&olena(), "через вебхук");
    let (secret, update) = tokio::time::timeout(T, rx.recv()).await.unwrap().unwrap();
    assert_eq!(secret.as_deref(), Some("s3cret_token"));
    assert_eq!(update["message"]["text"], "через вебхук");
    assert!(tg.wait_until(T, |s| s.pending_updates() == 0).await);

    assert!(
        bot.delete_webhook(&DeleteWebhookParams::builder().build())
            .await
            .unwrap()
            .result
    );
    assert!(
        bot.get_updates(&GetUpdatesParams::builder().build())
            .await
            .unwrap()
            .result
            .is_empty()
    );
}

#[tokio::test]
async fn wait_until_sees_the_bot_relay_a_client_message_into_a_new_topic() {
    let (tg, bot) = fake().await;
    // A stand-in for the bot: poll, create a topic, copy the message into it.
    let relay = {
        let (tg, bot) = (tg.clone(), bot.clone());
        tokio::spawn(async move {
            let ups = bot
                .get_updates(&GetUpdatesParams::builder().timeout(10).build())
                .await
                .unwrap()
                .result;
            let UpdateContent::Message(m) = &ups[0].content else {
                return;
            };
            let thread =
                create_topic(&bot, &tg, &m.chat.first_name.clone().unwrap_or_default()).await;
            let copy = CopyMessageParams::builder()
                .chat_id(chat(tg.group_id()))
                .message_thread_id(thread)
                .from_chat_id(chat(m.chat.id))
                .message_id(m.message_id)
                .build();
            bot.copy_message(&copy).await.unwrap();
        })
    };
    tg.client_text(&olena(), "Кіт чхає");
    let relayed = tg
        .wait_until(T, |s| {
            s.topic_named("Олена").is_some_and(|t| {
                s.bot_messages_in(Some(t.thread_id))
                    .iter()
                    .any(|m| m.text.as_deref() == Some("Кіт чхає"))
            })
        })
        .await;
    assert!(relayed);
    relay.await.unwrap();
    assert!(
        !tg.wait_until(Duration::from_millis(100), |s| s.topics().len() > 1)
            .await
    );
    tg.stop().await;
    assert!(bot.get_me().await.is_err(), "stopped");
}

#[tokio::test]
async fn control_api_for_humans_and_benchmarks() {
    let (tg, _bot) = fake().await;
    let http = reqwest::Client::new();
    let injected: Value = http
        .post(format!("{}/_fake/client/text", tg.base_url()))
        .json(&json!({"user_id": 8000000001u64, "first_name": "Олена", "text": "Привіт"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(injected["message_id"], 1);
    let msgs: Value = http
        .get(format!(
            "{}/_fake/messages?chat_id=8000000001",
            tg.base_url()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(msgs[0]["text"], "Привіт");
    let stats: Value = http
        .get(format!("{}/_fake/stats", tg.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["pending_updates"], 1);
    let topics: Value = http
        .get(format!("{}/_fake/topics", tg.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(topics, json!([]));
    let _ = NewContent::text("unused");
}

#[tokio::test]
async fn a_second_forum_has_topics_of_its_own_and_an_unknown_chat_is_not_found() {
    let (tg, bot) = fake().await;
    const OTHER: i64 = -1_009_876_543_210;
    let in_other = |name: &str| {
        CreateForumTopicParams::builder()
            .chat_id(chat(OTHER))
            .name(name)
            .build()
    };
    // Before it is known, the forum is no chat the bot is in.
    let err = bot
        .create_forum_topic(&in_other("Олена"))
        .await
        .unwrap_err();
    assert_eq!(api_err(err).1, "Bad Request: chat not found");

    tg.add_forum(OTHER, "PetWealth Support 2");
    let here = create_topic(&bot, &tg, "Олена").await;
    let there = bot
        .create_forum_topic(&in_other("Олена"))
        .await
        .unwrap()
        .result
        .message_thread_id;
    // Message ids count per chat: both forums' first topic has the same number.
    assert_eq!(here, there);
    assert_eq!(tg.topics().len(), 1);
    assert_eq!(tg.topics_in(OTHER).len(), 1);
    send(&bot, OTHER, Some(there), "туди").await.unwrap();
    assert_eq!(
        tg.read(|s| s.bot_messages_in_forum(OTHER, Some(there)).len()),
        1
    );
    assert!(tg.read(|s| s.bot_messages_in(Some(here)).is_empty()));
    // A topic number of one forum is nothing in the other.
    let err = send(&bot, OTHER, Some(here + 10), "x").await.unwrap_err();
    assert_eq!(api_err(err).1, "Bad Request: message thread not found");

    // The bot is an administrator there; people write in its topics.
    let member = GetChatMemberParams::builder()
        .chat_id(chat(OTHER))
        .user_id(tg.bot_user().id)
        .build();
    assert!(matches!(
        bot.get_chat_member(&member).await.unwrap().result,
        ChatMember::Administrator(_)
    ));
    let injected = tg
        .staff_text_in(OTHER, &staff(), there, "Добрий день")
        .unwrap();
    assert_eq!(injected.chat_id, OTHER);
    let updates = raw_updates(&tg, None, 0).await;
    let m = &updates.last().unwrap()["message"];
    assert_eq!(m["chat"]["id"], json!(OTHER));
    assert_eq!(m["chat"]["is_forum"], json!(true));
    assert_eq!(m["message_thread_id"], json!(there));
    assert_eq!(m["is_topic_message"], json!(true));
    assert!(
        tg.staff_text_in(-1_000_000_000_001, &staff(), there, "x")
            .is_err()
    );
}

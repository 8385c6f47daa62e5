//! `/enote_link` end to end (docs/product-rules.md: linking a client to Enote): ask → contract → preview with ✅/❌ → link written
//! or cancelled, against the fake Bot API and a fake Enote serving the shared fixtures.

use crate::harness::{Bench, bot_texts_to, client, staff};
use crate::staff_kit::*;
use domain::ports::DirectoryError;
use domain::texts;
use serde_json::json;

/// The preview's text with the HTML parsed away, as staff read it.
const PREVIEW_1001: &str = "Прив'язка до Єнота — перевірте дані\n\
     Договір: 1001\n\
     Власник: Шевченко Олена Петрівна\n\
     Телефон: +380671234567, +380501234567\n\
     Тварини:\n\
     • Барсік — 1001\n\
     • Рекс — 1002\n\
     Ключ власника: 0a000001-1a2b-11f0-8a00-0a1b2c3d4e5f";

#[tokio::test]
async fn link_in_the_topic_preview_confirm_and_every_step_logged() {
    let (bench, _enote) = enote_bench().await;
    let bot = bench.start().await;
    let olena = client(8_100_000_001, "Олена", Some("olena"));
    let (thread, _) = client_topic(&bench, &olena, "Добрий день").await;
    let marta = staff(600, "Марта");
    let group = bench.tg.group_id();

    // Plain /enote_link in the topic: a ForceReply ask in the same topic.
    let cmd = bench
        .tg
        .staff_command(&marta, Some(thread), "/enote_link")
        .unwrap();
    let ask = answer_to(&bench, cmd.message_id).await;
    assert_eq!(ask.content(), Some(texts::ASK_CONTRACT));
    assert_eq!(ask.thread_id, Some(thread));
    let markup = ask.reply_markup.clone().expect("a ForceReply");
    assert_eq!(markup["force_reply"], json!(true), "{markup}");
    assert_eq!(
        markup["input_field_placeholder"],
        json!(texts::CONTRACT_PLACEHOLDER)
    );

    // The contract as the same staff member's next plain message in the topic.
    let typed = bench.tg.staff_text(&marta, thread, "1001").unwrap();
    let preview = answer_to(&bench, typed.message_id).await;
    assert_eq!(preview.thread_id, Some(thread));
    assert_eq!(text_of(&preview), PREVIEW_1001, "Бім is deleted: not shown");
    let keyboard = &preview.reply_markup.as_ref().expect("buttons")["inline_keyboard"];
    assert_eq!(keyboard[0][0]["text"], json!(texts::BUTTON_LINK));
    assert_eq!(keyboard[0][1]["text"], json!(texts::BUTTON_CANCEL));
    // The number was for the bot, not for the client.
    assert!(bench.copies_of(group, typed.message_id).is_empty());
    assert!(bench.copies_of(group, cmd.message_id).is_empty());
    assert!(
        client_row(&bench, olena.id).await.owner_ref_key.is_none(),
        "nothing written before ✅"
    );

    assert_eq!(
        press(&bench, &marta, &preview, 0).await,
        texts::PRESS_LINKED
    );
    let done = wait_text_in(&bench, thread, "Тепер доступні /patient").await;
    assert_eq!(
        done,
        "✅ Клієнта прив'язано до власника в Єноті: Шевченко Олена Петрівна (договір 1001).\n\
         Тепер доступні /patient і /auto_label."
    );
    bench
        .wait("the preview edited into the outcome", |s| {
            s.message(group, preview.message_id)
                .and_then(|m| m.content())
                .is_some_and(|t| t.starts_with("✅ Клієнта прив'язано"))
        })
        .await;

    let row = client_row(&bench, olena.id).await;
    assert_eq!(row.owner_ref_key.as_deref(), Some(OWNER_1));
    assert_eq!(
        row.owner_name_enote.as_deref(),
        Some("Шевченко Олена Петрівна")
    );
    assert_eq!(row.owner_phone_enote.as_deref(), Some("380671234567"));
    assert_eq!(row.linked_contract_number.as_deref(), Some("1001"));
    assert_eq!(row.linked_by, Some(600));
    assert!(row.linked_at.is_some());

    let audit = audit_of(&bench, olena.id).await;
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!((audit[0].action.as_str(), audit[0].actor_id), ("link", 600));
    assert!(audit[0].detail.as_deref().unwrap_or("").contains(OWNER_1));

    let log = link_log_lines(&bench, 2).await;
    assert_eq!(events(&log), ["preview", "linked"]);
    for line in &log {
        assert!(line["ts"].is_string(), "{line}");
        assert_eq!(line["chat"], json!(group));
        assert_eq!(line["thread"], json!(thread));
        assert_eq!(line["client"], json!(olena.id));
        assert_eq!(line["actor"], json!(600));
        assert_eq!(line["contract"], json!("1001"));
        assert_eq!(line["owner_key"], json!(OWNER_1));
        assert_eq!(line["error"], json!(null));
    }

    // The finished flow's buttons do nothing more.
    assert_eq!(press(&bench, &marta, &preview, 1).await, texts::PRESS_GONE);
    assert_eq!(press(&bench, &marta, &preview, 0).await, texts::PRESS_GONE);
    settle().await;
    assert_eq!(link_log(&bench).len(), 2);
    assert_eq!(audit_of(&bench, olena.id).await.len(), 1);
    let to_client = bench.tg.read(|s| bot_texts_to(s, olena.id));
    assert!(
        to_client
            .iter()
            .all(|t| !t.contains("Єнот") && !t.contains("1001")),
        "the client hears nothing of the link: {to_client:?}"
    );
    bot.shutdown().await;
}

#[tokio::test]
async fn link_as_a_reply_to_the_client_and_cancel_writes_nothing() {
    let (bench, _enote) = enote_bench().await;
    let bot = bench.start().await;
    let andrii = client(8_100_000_002, "Андрій", None);
    let (thread, copy) = client_topic(&bench, &andrii, "Запис на щеплення").await;
    let marta = staff(600, "Марта");

    let cmd = bench.tg.staff_reply(&marta, copy, "/enote_link").unwrap();
    let ask = answer_to(&bench, cmd.message_id).await;
    assert_eq!(ask.content(), Some(texts::ASK_CONTRACT));
    assert_eq!(ask.thread_id, Some(thread));
    let typed = bench
        .tg
        .staff_reply(&marta, ask.message_id, "2001")
        .unwrap();
    let preview = answer_to(&bench, typed.message_id).await;
    let text = text_of(&preview);
    assert!(text.contains("Договір: 2001\n"), "{text}");
    assert!(text.contains("Власник: Коваленко Андрій\n"), "{text}");
    assert!(text.contains("Телефон: +380931112233\n"), "{text}");
    assert!(text.contains(OWNER_2), "{text}");
    assert!(!text.contains("⚠️"), "not linked yet: no warning: {text}");

    assert_eq!(
        press(&bench, &marta, &preview, 1).await,
        texts::PRESS_CANCELLED
    );
    let group = bench.tg.group_id();
    bench
        .wait("the preview says cancelled", |s| {
            s.message(group, preview.message_id)
                .and_then(|m| m.content())
                == Some("❌ Прив'язку скасовано.")
        })
        .await;
    // ✅ after ❌: the flow is over.
    assert_eq!(press(&bench, &marta, &preview, 0).await, texts::PRESS_GONE);
    settle().await;
    let row = client_row(&bench, andrii.id).await;
    assert_eq!(row.owner_ref_key, None);
    assert_eq!(row.linked_contract_number, None);
    assert!(audit_of(&bench, andrii.id).await.is_empty());
    let log = link_log_lines(&bench, 2).await;
    assert_eq!(events(&log), ["preview", "cancel"]);
    assert_eq!(log[1]["contract"], json!("2001"));
    assert_eq!(log[1]["owner_key"], json!(OWNER_2));
    bot.shutdown().await;
}

#[tokio::test]
async fn only_the_initiator_may_confirm_or_type_the_number() {
    let (bench, _enote) = enote_bench().await;
    let bot = bench.start().await;
    let olena = client(8_100_000_003, "Олена", None);
    let (thread, _) = client_topic(&bench, &olena, "Питання").await;
    let marta = staff(600, "Марта");
    let ivan = staff(601, "Іван");
    let group = bench.tg.group_id();

    let cmd = bench
        .tg
        .staff_command(&marta, Some(thread), "/enote_link")
        .unwrap();
    answer_to(&bench, cmd.message_id).await;
    // A colleague's message while Marta's flow waits is an ordinary answer to the client.
    let colleague = bench.tg.staff_text(&ivan, thread, "2001").unwrap();
    bench
        .wait("the colleague's message reaches the client", |s| {
            !crate::harness::copies(s, group, colleague.message_id).is_empty()
        })
        .await;
    assert!(!answered(&bench, colleague.message_id));

    let typed = bench.tg.staff_text(&marta, thread, "1001").unwrap();
    let preview = answer_to(&bench, typed.message_id).await;
    assert_eq!(text_of(&preview), PREVIEW_1001);

    assert_eq!(
        press(&bench, &ivan, &preview, 0).await,
        texts::PRESS_FOREIGN
    );
    assert_eq!(
        press(&bench, &ivan, &preview, 1).await,
        texts::PRESS_FOREIGN
    );
    settle().await;
    assert_eq!(client_row(&bench, olena.id).await.owner_ref_key, None);
    assert_eq!(
        bench
            .tg
            .message(group, preview.message_id)
            .unwrap()
            .content(),
        preview.content(),
        "a foreign press leaves the preview alone"
    );
    assert_eq!(events(&link_log(&bench)), ["preview"]);

    // The initiator still can.
    assert_eq!(
        press(&bench, &marta, &preview, 0).await,
        texts::PRESS_LINKED
    );
    wait_text_in(&bench, thread, "Тепер доступні /patient").await;
    let row = client_row(&bench, olena.id).await;
    assert_eq!(row.owner_ref_key.as_deref(), Some(OWNER_1));
    assert_eq!(row.linked_by, Some(600));
    bot.shutdown().await;
}

#[tokio::test]
async fn an_expired_preview_writes_nothing() {
    let (mut bench, _enote) = enote_bench().await;
    bench.set("LINK_TTL", "2");
    let bot = bench.start().await;
    let olena = client(8_100_000_004, "Олена", None);
    let (thread, _) = client_topic(&bench, &olena, "Питання").await;
    let marta = staff(600, "Марта");

    let preview = ask_and_type(&bench, &marta, thread, "1001").await;
    assert_eq!(text_of(&preview), PREVIEW_1001);
    // The expiry loop ends it visibly (it runs every second for a 2 s LINK_TTL).
    wait_text_in(&bench, thread, "⌛ Час на /enote_link минув").await;
    let answer = press(&bench, &marta, &preview, 0).await;
    assert!(
        answer == texts::PRESS_EXPIRED || answer == texts::PRESS_GONE,
        "{answer}"
    );
    settle().await;
    let row = client_row(&bench, olena.id).await;
    assert_eq!(row.owner_ref_key, None);
    assert!(audit_of(&bench, olena.id).await.is_empty());
    let log = link_log_lines(&bench, 2).await;
    assert_eq!(events(&log), ["preview", "expired"]);
    assert_eq!(log[1]["contract"], json!("1001"));
    assert_eq!(log[1]["owner_key"], json!(OWNER_1));
    bot.shutdown().await;
}

#[tokio::test]
async fn a_press_after_link_ttl_is_refused_even_before_the_expiry_loop_runs() {
    // The expiry loop runs every second, so a press right at expiry may meet the stored flow
    // (refused by the domain as expired) or find it gone; neither writes the link.
    let (mut bench, _enote) = enote_bench().await;
    bench.set("LINK_TTL", "2");
    let bot = bench.start().await;
    let olena = client(8_100_000_005, "Олена", None);
    let (thread, _) = client_topic(&bench, &olena, "Питання").await;
    let marta = staff(600, "Марта");
    let preview = ask_and_type(&bench, &marta, thread, "1001").await;
    assert!(!preview.button_data().is_empty(), "{}", text_of(&preview));
    tokio::time::sleep(std::time::Duration::from_millis(2000)).await;
    let answer = press(&bench, &marta, &preview, 0).await;
    assert!(
        answer == texts::PRESS_EXPIRED || answer == texts::PRESS_GONE,
        "{answer}"
    );
    settle().await;
    assert_eq!(client_row(&bench, olena.id).await.owner_ref_key, None);
    assert!(!events(&link_log(&bench)).contains(&"linked".to_owned()));
    bot.shutdown().await;
}

#[tokio::test]
async fn relinking_warns_with_the_current_link_and_confirm_overwrites() {
    let (bench, _enote) = enote_bench().await;
    let bot = bench.start().await;
    let olena = client(8_100_000_006, "Олена", None);
    let (thread, _) = client_topic(&bench, &olena, "Питання").await;
    let marta = staff(600, "Марта");
    link(&bench, &marta, thread, "1001").await;
    wait_text_in(&bench, thread, "Тепер доступні /patient").await;

    let ivan = staff(601, "Іван");
    let preview = ask_and_type(&bench, &ivan, thread, "2001").await;
    let text = text_of(&preview);
    assert!(
        text.ends_with(&format!(
            "⚠️ Клієнт уже прив'язаний: Шевченко Олена Петрівна (договір 1001, ключ {OWNER_1}). \
             ✅ перезапише прив'язку."
        )),
        "{text}"
    );
    assert!(text.contains("Власник: Коваленко Андрій"), "{text}");
    // Until ✅ the old link stands.
    assert_eq!(
        client_row(&bench, olena.id).await.owner_ref_key.as_deref(),
        Some(OWNER_1)
    );
    assert_eq!(press(&bench, &ivan, &preview, 0).await, texts::PRESS_LINKED);
    wait_text_in(&bench, thread, "Коваленко Андрій (договір 2001)").await;
    let row = client_row(&bench, olena.id).await;
    assert_eq!(row.owner_ref_key.as_deref(), Some(OWNER_2));
    assert_eq!(row.owner_name_enote.as_deref(), Some("Коваленко Андрій"));
    assert_eq!(row.owner_phone_enote.as_deref(), Some("380931112233"));
    assert_eq!(row.linked_contract_number.as_deref(), Some("2001"));
    assert_eq!(row.linked_by, Some(601));
    let audit = audit_of(&bench, olena.id).await;
    let who: Vec<(&str, i64)> = audit
        .iter()
        .map(|a| (a.action.as_str(), a.actor_id))
        .collect();
    assert_eq!(who, [("link", 600), ("link", 601)]);
    assert_eq!(
        events(&link_log_lines(&bench, 4).await),
        ["preview", "linked", "preview", "linked"]
    );
    bot.shutdown().await;
}

#[tokio::test]
async fn a_pending_flow_survives_restarts() {
    let (bench, _enote) = enote_bench().await;
    let olena = client(8_100_000_007, "Олена", None);
    let marta = staff(600, "Марта");

    let bot = bench.start().await;
    let (thread, _) = client_topic(&bench, &olena, "Питання").await;
    let cmd = bench
        .tg
        .staff_command(&marta, Some(thread), "/enote_link")
        .unwrap();
    let ask = answer_to(&bench, cmd.message_id).await;
    bot.shutdown().await;

    // Typed while the bot is down; read after the restart.
    let typed = bench
        .tg
        .staff_reply(&marta, ask.message_id, "1001")
        .unwrap();
    let bot = bench.start().await;
    let preview = answer_to(&bench, typed.message_id).await;
    assert_eq!(text_of(&preview), PREVIEW_1001);
    bot.shutdown().await;

    let bot = bench.start().await;
    assert_eq!(
        press(&bench, &marta, &preview, 0).await,
        texts::PRESS_LINKED
    );
    wait_text_in(&bench, thread, "Тепер доступні /patient").await;
    assert_eq!(
        client_row(&bench, olena.id).await.owner_ref_key.as_deref(),
        Some(OWNER_1)
    );
    assert_eq!(
        events(&link_log_lines(&bench, 2).await),
        ["preview", "linked"]
    );
    bot.shutdown().await;
}

#[tokio::test]
async fn an_unknown_or_malformed_contract_is_said_plainly_and_the_flow_stays_open() {
    let (bench, _enote) = enote_bench().await;
    let bot = bench.start().await;
    let olena = client(8_100_000_008, "Олена", None);
    let (thread, _) = client_topic(&bench, &olena, "Питання").await;
    let marta = staff(600, "Марта");

    let answer = ask_and_type(&bench, &marta, thread, "9999").await;
    assert_eq!(text_of(&answer), plain(&texts::contract_not_found("9999")));
    assert!(answer.button_data().is_empty());
    let log = link_log_lines(&bench, 1).await;
    assert_eq!(events(&log), ["error"]);
    assert_eq!(log[0]["contract"], json!("9999"));
    assert!(log[0]["error"].is_string(), "{}", log[0]);

    // Still waiting for a number: a malformed one (two lines pasted) is refused, the next good
    // one previews.
    let bad = bench.tg.staff_text(&marta, thread, "1001\n1002").unwrap();
    let refused = text_of(&answer_to(&bench, bad.message_id).await);
    assert!(
        refused.starts_with("Не схоже на номер договору"),
        "{refused}"
    );
    let good = bench.tg.staff_text(&marta, thread, "1001").unwrap();
    let preview = answer_to(&bench, good.message_id).await;
    assert_eq!(text_of(&preview), PREVIEW_1001);
    assert_eq!(
        events(&link_log_lines(&bench, 3).await),
        ["error", "error", "preview"]
    );
    // None of it reached the client.
    let group = bench.tg.group_id();
    for m in [bad.message_id, good.message_id] {
        assert!(bench.copies_of(group, m).is_empty());
    }
    bot.shutdown().await;
}

/// The answer to a contract typed while Enote fails.
async fn contract_answer(bench: &Bench, thread: i32, who_id: u64) -> String {
    let who = staff(who_id, "Марта");
    let answer = ask_and_type(bench, &who, thread, "1001").await;
    assert!(answer.button_data().is_empty(), "no preview on a failure");
    text_of(&answer)
}

#[tokio::test]
async fn enote_failures_get_distinct_clear_answers_and_end_the_flow() {
    let (bench, enote) = enote_bench().await;
    let bot = bench.start().await;
    let olena = client(8_100_000_009, "Олена", None);
    let (thread, _) = client_topic(&bench, &olena, "Питання").await;

    enote.fail_with(503).await;
    let unavailable = contract_answer(&bench, thread, 600).await;
    assert_eq!(
        unavailable,
        texts::directory_failure(&DirectoryError::Unavailable(String::new()))
    );
    // The flow ended: the next "1001" from the same staff member goes to the client.
    enote.heal().await;
    let group = bench.tg.group_id();
    let after = bench
        .tg
        .staff_text(&staff(600, "Марта"), thread, "1001")
        .unwrap();
    bench
        .wait("an ordinary message once the flow ended", |s| {
            !crate::harness::copies(s, group, after.message_id).is_empty()
        })
        .await;

    enote.unauthorized().await;
    let unauthorized = contract_answer(&bench, thread, 600).await;
    assert_eq!(
        unauthorized,
        texts::directory_failure(&DirectoryError::Unauthorized)
    );

    enote.slow().await;
    let started = std::time::Instant::now();
    let slow = contract_answer(&bench, thread, 600).await;
    assert_eq!(slow, unavailable, "a timeout is 'Enote does not answer'");
    assert!(started.elapsed() < std::time::Duration::from_secs(9));

    for (text, raw) in [
        (&unavailable, "503"),
        (&unauthorized, "401"),
        (&slow, "timed out"),
    ] {
        assert!(!text.contains(raw), "raw error shown: {text}");
        assert!(!text.to_lowercase().contains("error"), "{text}");
    }
    assert_ne!(unavailable, unauthorized);
    let log = link_log_lines(&bench, 3).await;
    assert_eq!(events(&log), ["error", "error", "error"]);
    for line in &log {
        assert_eq!(line["contract"], json!("1001"));
        assert!(
            line["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{line}"
        );
    }
    assert_eq!(client_row(&bench, olena.id).await.owner_ref_key, None);
    bot.shutdown().await;
}

#[tokio::test]
async fn without_enote_settings_link_says_not_configured() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let olena = client(8_100_000_010, "Олена", None);
    let (thread, _) = client_topic(&bench, &olena, "Питання").await;
    let not_configured = contract_answer(&bench, thread, 600).await;
    assert_eq!(
        not_configured,
        texts::directory_failure(&DirectoryError::NotConfigured)
    );
    let all = [
        not_configured.clone(),
        texts::directory_failure(&DirectoryError::Unavailable(String::new())),
        texts::directory_failure(&DirectoryError::Unauthorized),
        plain(&texts::contract_not_found("1001")),
    ];
    let distinct: std::collections::HashSet<&String> = all.iter().collect();
    assert_eq!(distinct.len(), all.len());
    assert_eq!(events(&link_log_lines(&bench, 1).await), ["error"]);
    bot.shutdown().await;
}

#[tokio::test]
async fn starting_again_replaces_the_earlier_flow_and_stray_buttons_change_nothing() {
    let (bench, _enote) = enote_bench().await;
    let bot = bench.start().await;
    let olena = client(8_100_000_011, "Олена", None);
    let (thread, _) = client_topic(&bench, &olena, "Питання").await;
    let marta = staff(600, "Марта");
    let group = bench.tg.group_id();

    let first = ask_and_type(&bench, &marta, thread, "2001").await;
    assert!(text_of(&first).contains("Коваленко Андрій"));
    // A second /enote_link by the same person replaces the first flow.
    let second = ask_and_type(&bench, &marta, thread, "1001").await;
    assert_eq!(text_of(&second), PREVIEW_1001);
    assert_eq!(press(&bench, &marta, &first, 0).await, texts::PRESS_GONE);
    settle().await;
    assert_eq!(client_row(&bench, olena.id).await.owner_ref_key, None);

    // Buttons the bot never made.
    assert_eq!(
        press_data(&bench, &marta, &second, "link:ok:999999").await,
        texts::PRESS_GONE
    );
    assert_eq!(
        press_data(&bench, &marta, &second, "pay:now").await,
        texts::PRESS_UNKNOWN
    );
    assert_eq!(press(&bench, &marta, &second, 0).await, texts::PRESS_LINKED);
    wait_text_in(&bench, thread, "Тепер доступні /patient").await;
    assert_eq!(
        client_row(&bench, olena.id).await.owner_ref_key.as_deref(),
        Some(OWNER_1)
    );

    // Once linked, the same person's next message is for the client again.
    let hello = bench
        .tg
        .staff_text(&marta, thread, "Дякуємо, картку знайдено")
        .unwrap();
    bench
        .wait("delivered to the client", |s| {
            !crate::harness::copies(s, group, hello.message_id).is_empty()
        })
        .await;
    assert!(!answered(&bench, hello.message_id));
    bot.shutdown().await;
}

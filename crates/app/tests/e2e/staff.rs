//! Staff commands in a client's topic end to end (docs/product-rules.md: the staff's side): the card and its phone cases,
//! `/patient`, labels, `/assign`, `/close`/`/reopen`, `/help` and the command menus, hints
//! outside a topic, nothing revealed to clients, escaping, and the audit table.

use crate::harness::{Bench, bot_texts_in, bot_texts_to, client, copies, staff};
use crate::staff_kit::*;
use adapters_mysql::entities::pp_clients;
use domain::command::{CLIENT_COMMANDS, STAFF_COMMANDS};
use domain::ports::DirectoryError;
use domain::texts;
use fake_telegram::TgUser;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::json;

/// A client who shared their own phone and wrote once: their topic.
async fn client_with_phone(bench: &Bench, who: &TgUser, phone: &str) -> i32 {
    bench.tg.client_contact(who, phone, Some(who.id));
    bench
        .wait("the phone saved", |s| {
            bot_texts_to(s, who.id)
                .iter()
                .any(|t| t == texts::PHONE_THANKS)
        })
        .await;
    client_topic(bench, who, "Добрий день").await.0
}

/// `tickets.assigned_to` of the client's only ticket.
async fn assigned(bench: &Bench, client: u64) -> Option<String> {
    let t = tickets_of(bench, client).await;
    assert_eq!(t.len(), 1, "{t:?}");
    t[0].assigned_to.clone()
}

/// The `• Телефон…` part of a card.
fn phones_of(card: &str) -> &str {
    let at = card
        .find("• Телефон")
        .unwrap_or_else(|| panic!("no phones: {card}"));
    &card[at..]
}

#[tokio::test]
async fn card_phone_cases_with_an_enote_link() {
    let (bench, _enote) = enote_bench().await;
    let bot = bench.start().await;
    let marta = staff(600, "Марта");

    // Confirmed bot phone equal to Enote's (another spelling of it): one authorized line.
    let olena = client(8_200_000_101, "Олена", Some("olena"));
    let thread = client_with_phone(&bench, &olena, "+38 (067) 123-45-67").await;
    link(&bench, &marta, thread, "1001").await;
    let card = command(&bench, &marta, thread, "/phone").await;
    assert_eq!(
        card,
        "Картка клієнта\n\
         • Клієнт: Олена (@olena)\n\
         • Telegram ID: 8200000101\n\
         • Нікнейм: @olena\n\
         • Власник (Єнот): Шевченко Олена Петрівна (договір 1001)\n\
         • Телефон: +380671234567 (авторизовано ✅)"
    );
    assert_eq!(command(&bench, &marta, thread, "/client").await, card);

    // Different phones: both, labelled.
    let taras = client(8_200_000_102, "Тарас", None);
    let thread = client_with_phone(&bench, &taras, "0661112233").await;
    link(&bench, &marta, thread, "1001").await;
    let card = command(&bench, &marta, thread, "/phone").await;
    assert_eq!(
        phones_of(&card),
        "• Телефони:\n   бот: +380661112233\n   Єнот [enote]: +380671234567",
        "{card}"
    );

    // Only Enote's: the client never shared one.
    let andrii = client(8_200_000_103, "Андрій", None);
    let (thread, _) = client_topic(&bench, &andrii, "Питання").await;
    link(&bench, &marta, thread, "2001").await;
    let card = command(&bench, &marta, thread, "/phone").await;
    assert_eq!(
        phones_of(&card),
        "• Телефон: +380931112233 [enote]",
        "{card}"
    );
    assert!(
        card.contains("• Власник (Єнот): Коваленко Андрій (договір 2001)\n"),
        "{card}"
    );
    bot.shutdown().await;
}

#[tokio::test]
async fn card_phone_cases_without_a_link() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let marta = staff(600, "Марта");

    // Only the bot's, confirmed.
    let iryna = client(8_200_000_111, "Ірина", None);
    let thread = client_with_phone(&bench, &iryna, "380674210303").await;
    let card = command(&bench, &marta, thread, "/phone").await;
    assert_eq!(
        card,
        "Картка клієнта\n\
         • Клієнт: Ірина\n\
         • Telegram ID: 8200000111\n\
         • Нікнейм: —\n\
         • Власник (Єнот): не прив'язано (/enote_link)\n\
         • Телефон: +380674210303"
    );

    // Someone else's contact is not the client's phone.
    let petro = client(8_200_000_112, "Петро", None);
    bench.tg.client_contact(&petro, "0991234567", Some(999));
    bench
        .wait("refused politely", |s| {
            bot_texts_to(s, petro.id)
                .iter()
                .any(|t| t == texts::PHONE_NOT_YOURS)
        })
        .await;
    let (thread, _) = client_topic(&bench, &petro, "Це номер дружини").await;
    let card = command(&bench, &marta, thread, "/phone").await;
    assert_eq!(
        phones_of(&card),
        "• Телефон: клієнт ще не поділився телефоном"
    );

    // Only the bot's, unconfirmed: a row the original bot left behind.
    let mut row: pp_clients::ActiveModel = client_row(&bench, petro.id).await.into();
    row.phone = Set(Some("380661112233".into()));
    row.phone_confirmed = Set(Some(0));
    row.update(&db(&bench).await).await.expect("legacy phone");
    let card = command(&bench, &marta, thread, "/client").await;
    assert_eq!(
        phones_of(&card),
        "• Телефон: +380661112233 (не підтверджено)"
    );

    // None at all.
    let nina = client(8_200_000_113, "Ніна", Some("nina"));
    let (thread, _) = client_topic(&bench, &nina, "Привіт").await;
    let card = command(&bench, &marta, thread, "/phone").await;
    assert_eq!(
        phones_of(&card),
        "• Телефон: клієнт ще не поділився телефоном"
    );
    // The card itself is not sent to the client.
    assert!(
        bench
            .tg
            .read(|s| bot_texts_to(s, nina.id))
            .iter()
            .all(|t| !t.contains("Картка")),
    );
    bot.shutdown().await;
}

#[tokio::test]
async fn patient_and_auto_label_from_enote_and_their_failures() {
    let (bench, enote) = enote_bench().await;
    let bot = bench.start().await;
    let marta = staff(600, "Марта");
    let olena = client(8_200_000_121, "Olena", Some("olena_k"));
    let (thread, _) = client_topic(&bench, &olena, "Привіт").await;
    let name_before = bench.tg.topic(thread).unwrap().name;
    assert_eq!(name_before, "Olena (@olena_k)");

    assert_eq!(
        command(&bench, &marta, thread, "/patient").await,
        texts::NOT_LINKED
    );
    assert_eq!(
        command(&bench, &marta, thread, "/auto_label").await,
        texts::NOT_LINKED
    );

    link(&bench, &marta, thread, "1001").await;
    assert_eq!(
        command(&bench, &marta, thread, "/patient").await,
        "Тварини власника:\n• Барсік — 1001\n• Рекс — 1002"
    );
    assert_eq!(
        command(&bench, &marta, thread, "/auto_label").await,
        "🏷 Назву теми змінено: Олена — Барсік (1001), Рекс (1002)"
    );
    bench
        .wait("the topic renamed", |s| {
            s.topic(thread)
                .is_some_and(|t| t.name == "Олена — Барсік (1001), Рекс (1002)")
        })
        .await;
    assert_eq!(
        client_row(&bench, olena.id).await.label.as_deref(),
        Some("Олена — Барсік (1001), Рекс (1002)")
    );

    // Enote failing: a clear sentence, the topic left as it is.
    enote.fail_with(503).await;
    let unavailable = texts::directory_failure(&DirectoryError::Unavailable(String::new()));
    assert_eq!(
        command(&bench, &marta, thread, "/patient").await,
        unavailable
    );
    assert_eq!(
        command(&bench, &marta, thread, "/auto_label").await,
        unavailable
    );
    enote.unauthorized().await;
    assert_eq!(
        command(&bench, &marta, thread, "/patient").await,
        texts::directory_failure(&DirectoryError::Unauthorized)
    );
    assert_eq!(
        bench.tg.topic(thread).unwrap().name,
        "Олена — Барсік (1001), Рекс (1002)"
    );
    let actions: Vec<String> = audit_of(&bench, olena.id)
        .await
        .into_iter()
        .map(|a| a.action)
        .collect();
    assert_eq!(actions, ["link", "auto_label"]);
    bot.shutdown().await;
}

#[tokio::test]
async fn a_linked_client_without_enote_settings_hears_not_configured() {
    let (mut bench, _enote) = enote_bench().await;
    let marta = staff(600, "Марта");
    let olena = client(8_200_000_131, "Олена", None);
    let bot = bench.start().await;
    let (thread, _) = client_topic(&bench, &olena, "Привіт").await;
    link(&bench, &marta, thread, "2001").await;
    bot.shutdown().await;

    for key in [
        "ENOTE_ODATA_URL",
        "ENOTE_ODATA_USER",
        "ENOTE_ODATA_PASS",
        "ENOTE_API_URL",
        "ENOTE_API_KEY",
    ] {
        bench.set(key, "");
    }
    let bot = bench.start().await;
    let not_configured = texts::directory_failure(&DirectoryError::NotConfigured);
    assert_eq!(
        command(&bench, &marta, thread, "/patient").await,
        not_configured
    );
    assert_eq!(
        command(&bench, &marta, thread, "/auto_label").await,
        not_configured
    );
    // The stored link still shows on the card.
    let card = command(&bench, &marta, thread, "/phone").await;
    assert!(card.contains("Коваленко Андрій (договір 2001)"), "{card}");
    bot.shutdown().await;
}

#[tokio::test]
async fn label_renames_the_topic_and_refuses_empty_or_too_long_names() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let marta = staff(600, "Марта");
    let olena = client(8_200_000_141, "Олена", None);
    let (thread, _) = client_topic(&bench, &olena, "Привіт").await;
    assert_eq!(bench.tg.topic(thread).unwrap().name, "Олена");

    assert_eq!(
        command(&bench, &marta, thread, "/label   VIP Олена  ").await,
        "🏷 Назву теми змінено: VIP Олена"
    );
    bench
        .wait("renamed", |s| {
            s.topic(thread).is_some_and(|t| t.name == "VIP Олена")
        })
        .await;
    assert_eq!(
        client_row(&bench, olena.id).await.label.as_deref(),
        Some("VIP Олена")
    );

    assert_eq!(
        command(&bench, &marta, thread, "/label").await,
        plain(texts::LABEL_USAGE)
    );
    let too_long = "ґ".repeat(129);
    assert_eq!(
        command(&bench, &marta, thread, &format!("/label {too_long}")).await,
        "Назва задовга: 129 символів, можна щонайбільше 128."
    );
    settle().await;
    assert_eq!(bench.tg.topic(thread).unwrap().name, "VIP Олена");
    assert_eq!(
        client_row(&bench, olena.id).await.label.as_deref(),
        Some("VIP Олена")
    );

    // Exactly 128 characters (in two-byte letters) fits.
    let longest = "ґ".repeat(128);
    command(&bench, &marta, thread, &format!("/label {longest}")).await;
    bench
        .wait("renamed to 128 characters", |s| {
            s.topic(thread).is_some_and(|t| t.name == longest)
        })
        .await;
    let audit = audit_of(&bench, olena.id).await;
    let rows: Vec<(&str, i64, Option<&str>)> = audit
        .iter()
        .map(|a| (a.action.as_str(), a.actor_id, a.detail.as_deref()))
        .collect();
    assert_eq!(
        rows,
        [
            ("label", 600, Some("VIP Олена")),
            ("label", 600, Some(longest.as_str()))
        ]
    );
    // None of the commands reached the client.
    assert!(
        bench
            .tg
            .read(|s| bot_texts_to(s, olena.id))
            .iter()
            .all(|t| !t.contains("label") && !t.contains("Назв")),
    );
    bot.shutdown().await;
}

#[tokio::test]
async fn assign_alone_by_reply_and_by_username() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let marta = staff(600, "Марта");
    let ivan = staff(601, "Іван");
    let olena = client(8_200_000_151, "Олена", None);
    let (thread, copy) = client_topic(&bench, &olena, "Привіт").await;

    // Alone: the sender — although the forum quirk makes it "reply" to the topic's root
    // message, which the bot created.
    assert_eq!(
        command(&bench, &marta, thread, "/assign").await,
        "👤 Звернення призначено: @staff600"
    );
    assert_eq!(assigned(&bench, olena.id).await.as_deref(), Some("600"));

    // As a reply to a colleague's message: the colleague.
    let ivans = bench.tg.staff_text(&ivan, thread, "Я подивлюсь").unwrap();
    let cmd = bench
        .tg
        .staff_reply(&marta, ivans.message_id, "/assign")
        .unwrap();
    assert_eq!(
        text_of(&answer_to(&bench, cmd.message_id).await),
        "👤 Звернення призначено: @staff601"
    );
    assert_eq!(assigned(&bench, olena.id).await.as_deref(), Some("601"));

    // By @username.
    assert_eq!(
        command(&bench, &marta, thread, "/assign @olga_vet").await,
        "👤 Звернення призначено: @olga_vet"
    );
    assert_eq!(
        assigned(&bench, olena.id).await.as_deref(),
        Some("@olga_vet")
    );

    // As a reply to the client's message (copied by the bot): not the bot, the sender.
    let cmd = bench.tg.staff_reply(&ivan, copy, "/assign").unwrap();
    assert_eq!(
        text_of(&answer_to(&bench, cmd.message_id).await),
        "👤 Звернення призначено: @staff601"
    );
    assert_eq!(assigned(&bench, olena.id).await.as_deref(), Some("601"));

    let audit = audit_of(&bench, olena.id).await;
    let rows: Vec<(&str, i64, Option<&str>)> = audit
        .iter()
        .map(|a| (a.action.as_str(), a.actor_id, a.detail.as_deref()))
        .collect();
    assert_eq!(
        rows,
        [
            ("assign", 600, Some("600")),
            ("assign", 600, Some("601")),
            ("assign", 600, Some("@olga_vet")),
            ("assign", 601, Some("601")),
        ]
    );
    // The commands stayed in the group; only Ivan's real answer reached the client.
    let to_client = bench.tg.read(|s| {
        s.messages(olena.id as i64)
            .iter()
            .filter(|m| m.copied_from.is_some())
            .filter_map(|m| m.content().map(str::to_owned))
            .collect::<Vec<_>>()
    });
    assert_eq!(to_client, ["Я подивлюсь"]);
    bot.shutdown().await;
}

#[tokio::test]
async fn close_close_again_reopen_and_close_silent() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let marta = staff(600, "Марта");
    let olena = client(8_200_000_161, "Олена", None);
    let (thread, _) = client_topic(&bench, &olena, "Привіт").await;
    let closed_notices = |b: &Bench| {
        b.tg.read(|s| {
            bot_texts_to(s, olena.id)
                .iter()
                .filter(|t| *t == texts::CLOSED_FOR_CLIENT)
                .count()
        })
    };

    assert_eq!(
        command(&bench, &marta, thread, "/close").await,
        "✅ Звернення закрито, клієнта повідомлено."
    );
    bench
        .wait("the client told", |s| {
            bot_texts_to(s, olena.id)
                .iter()
                .any(|t| t == texts::CLOSED_FOR_CLIENT)
        })
        .await;
    let t = tickets_of(&bench, olena.id).await;
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].status, "closed");
    assert!(t[0].closed_at.is_some());
    assert_eq!(client_row(&bench, olena.id).await.total_closed, Some(1));

    // Closing a closed appeal says so and changes nothing.
    assert_eq!(
        command(&bench, &marta, thread, "/close").await,
        texts::ALREADY_CLOSED
    );
    assert_eq!(
        command(&bench, &marta, thread, "/close_silent").await,
        texts::ALREADY_CLOSED
    );
    settle().await;
    assert_eq!(closed_notices(&bench), 1);
    assert_eq!(client_row(&bench, olena.id).await.total_closed, Some(1));

    assert_eq!(
        command(&bench, &marta, thread, "/reopen").await,
        "🔄 Звернення перевідкрито."
    );
    let t = tickets_of(&bench, olena.id).await;
    assert_eq!((t.len(), t[0].status.as_str()), (1, "open"));
    assert_eq!(
        command(&bench, &marta, thread, "/reopen").await,
        texts::ALREADY_OPEN
    );

    assert_eq!(
        command(&bench, &marta, thread, "/close_silent").await,
        "✅ Звернення закрито (без повідомлення клієнту)."
    );
    settle().await;
    assert_eq!(closed_notices(&bench), 1, "silent means silent");
    assert_eq!(tickets_of(&bench, olena.id).await[0].status, "closed");
    assert_eq!(client_row(&bench, olena.id).await.total_closed, Some(2));

    // The client writing again opens a new appeal in the same topic.
    let again = bench.tg.client_text(&olena, "Ще одне питання");
    bench
        .wait("copied", |s| {
            !copies(s, olena.id as i64, again.message_id).is_empty()
        })
        .await;
    assert_eq!(
        bench.copies_of(olena.id as i64, again.message_id)[0].thread_id,
        Some(thread)
    );
    let t = tickets_of(&bench, olena.id).await;
    assert_eq!(t.len(), 2);
    assert_eq!(
        (t[0].status.as_str(), t[1].status.as_str()),
        ("closed", "open")
    );

    let actions: Vec<(String, i64)> = audit_of(&bench, olena.id)
        .await
        .into_iter()
        .map(|a| (a.action, a.actor_id))
        .collect();
    assert_eq!(
        actions,
        [
            ("close".to_owned(), 600),
            ("reopen".to_owned(), 600),
            ("close_silent".to_owned(), 600)
        ]
    );
    bot.shutdown().await;
}

#[tokio::test]
async fn help_lists_the_commands_and_both_menus_are_registered() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let marta = staff(600, "Марта");
    let olena = client(8_200_000_171, "Олена", None);
    let (thread, _) = client_topic(&bench, &olena, "Привіт").await;

    let help = command(&bench, &marta, thread, "/help").await;
    assert_eq!(help, plain(&texts::help()));
    for (name, about) in STAFF_COMMANDS {
        assert!(help.contains(&format!("/{name} — {about}")), "{help}");
    }
    assert!(help.contains("//"), "{help}");
    assert_eq!(
        command(&bench, &marta, thread, "/pay").await,
        "Невідома команда /pay. Список команд: /help"
    );

    let group = bench.tg.group_id();
    let menu =
        |scope: serde_json::Value| bench.tg.commands().into_iter().find(|c| c.scope == scope);
    let staff_scope = json!({"type": "chat", "chat_id": group});
    let client_scope = json!({"type": "all_private_chats"});
    bench
        .wait("both menus registered", |s| {
            let scopes: Vec<_> = s.commands().iter().map(|c| c.scope.clone()).collect();
            scopes.contains(&staff_scope) && scopes.contains(&client_scope)
        })
        .await;
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(c, d)| ((*c).to_owned(), (*d).to_owned()))
            .collect()
    };
    assert_eq!(menu(staff_scope).unwrap().commands, pairs(STAFF_COMMANDS));
    assert_eq!(menu(client_scope).unwrap().commands, pairs(CLIENT_COMMANDS));
    bot.shutdown().await;
}

#[tokio::test]
async fn commands_outside_a_client_topic_get_a_one_line_hint() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let marta = staff(600, "Марта");
    let olena = client(8_200_000_181, "Олена", None);
    client_topic(&bench, &olena, "Привіт").await;
    for cmd in [
        "/phone",
        "/client",
        "/enote_link",
        "/patient",
        "/auto_label",
        "/label Тест",
        "/assign",
        "/close",
        "/close_silent",
        "/reopen",
    ] {
        let sent = bench.tg.general_text(&marta, cmd).unwrap();
        let hint = answer_to(&bench, sent.message_id).await;
        assert_eq!(hint.content(), Some(texts::ONLY_IN_TOPIC), "{cmd}");
        assert_eq!(hint.thread_id, None, "{cmd}: answered in General");
    }
    // Nothing about the client changed, and no link flow was started in General.
    let t = tickets_of(&bench, olena.id).await;
    assert_eq!((t.len(), t[0].status.as_str()), (1, "open"));
    assert_eq!(t[0].assigned_to, None);
    assert!(audit_of(&bench, olena.id).await.is_empty());
    let typed = bench.tg.general_text(&marta, "1001").unwrap();
    settle().await;
    assert!(!answered(&bench, typed.message_id));
    bot.shutdown().await;
}

#[tokio::test]
async fn staff_commands_from_a_client_reveal_nothing() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let other = client(8_200_000_192, "Інший", Some("other_client"));
    client_topic(&bench, &other, "Я теж клієнт").await;
    let olena = client(8_200_000_191, "Олена", None);
    let thread = client_with_phone(&bench, &olena, "0671234567").await;

    let sent: Vec<i32> = [
        "/phone",
        "/client",
        "/close",
        "/help",
        "/enote_link",
        "/assign",
        "/label Хакер",
        "/patient",
    ]
    .iter()
    .map(|c| bench.tg.client_text(&olena, c).message_id)
    .collect();
    // Relayed to staff as what the client wrote, like any message.
    bench
        .wait("relayed into the topic", |s| {
            sent.iter()
                .all(|m| !copies(s, olena.id as i64, *m).is_empty())
        })
        .await;
    settle().await;
    assert_eq!(
        bench.tg.read(|s| bot_texts_to(s, olena.id)),
        [texts::PHONE_THANKS],
        "the client got no card, help, hint or closing notice"
    );
    let t = tickets_of(&bench, olena.id).await;
    assert_eq!((t.len(), t[0].status.as_str()), (1, "open"));
    assert_eq!(t[0].assigned_to, None);
    assert!(audit_of(&bench, olena.id).await.is_empty());
    assert_ne!(
        client_row(&bench, olena.id).await.label.as_deref(),
        Some("Хакер")
    );
    assert_eq!(bench.tg.topic(thread).unwrap().name, "Олена");
    // Nothing but copies and the card was posted in the topic.
    let bot_texts = bench.tg.read(|s| bot_texts_in(s, thread));
    assert_eq!(bot_texts.len(), 1, "only the card: {bot_texts:?}");
    bot.shutdown().await;
}

#[tokio::test]
async fn names_with_markup_characters_never_break_a_message() {
    let (bench, _enote) = enote_bench().await;
    let bot = bench.start().await;
    let marta = staff(600, "Марта");
    let evil = client(8_200_000_201, "<b>Злий_кіт</b> & Co", Some("zly_kit"));
    let (thread, _) = client_topic(&bench, &evil, "Привіт <script> & _курсив_").await;
    assert_eq!(
        bench.tg.topic(thread).unwrap().name,
        "<b>Злий_кіт</b> & Co (@zly_kit)"
    );
    // The card at the top of the topic shows the name literally: it was escaped for HTML.
    // (`shown` reads the HTML the bot sent: the fake's own parser mis-decodes `&lt;` right
    // before a Cyrillic letter — see the report.)
    let group = bench.tg.group_id();
    let top = bench.tg.read(|s| {
        s.bot_messages_in(Some(thread))
            .into_iter()
            .find(|m| m.copied_from.is_none())
            .cloned()
    });
    let top = top.expect("a card");
    assert!(
        top.source
            .as_deref()
            .unwrap_or("")
            .contains("• Клієнт: &lt;b&gt;Злий_кіт&lt;/b&gt; &amp; Co (@zly_kit)\n"),
        "{top:?}"
    );
    assert!(
        shown(&top).contains("• Клієнт: <b>Злий_кіт</b> & Co (@zly_kit)\n"),
        "{top:?}"
    );
    let card = shown(&command_msg(&bench, &marta, thread, "/phone").await);
    assert!(
        card.contains("• Клієнт: <b>Злий_кіт</b> & Co (@zly_kit)\n"),
        "{card}"
    );
    assert!(card.contains("• Нікнейм: @zly_kit\n"), "{card}");

    let renamed = command_msg(&bench, &marta, thread, "/label <i>Кіт</i> & _Co_").await;
    assert_eq!(shown(&renamed), "🏷 Назву теми змінено: <i>Кіт</i> & _Co_");
    bench
        .wait("renamed literally", |s| {
            s.topic(thread)
                .is_some_and(|t| t.name == "<i>Кіт</i> & _Co_")
        })
        .await;
    // A labelled client's card shows the label.
    let card = shown(&command_msg(&bench, &marta, thread, "/client").await);
    assert!(card.contains("• Клієнт: <i>Кіт</i> & _Co_\n"), "{card}");
    // Linking shows Enote's names in the same way; the fake refused no message.
    link(&bench, &marta, thread, "1001").await;
    wait_text_in(&bench, thread, "Тепер доступні /patient").await;
    let refused: Vec<_> = bench
        .tg
        .calls()
        .into_iter()
        .filter(|c| c.chat_id == Some(group) && !c.ok)
        .collect();
    assert!(refused.is_empty(), "{refused:?}");
    bot.shutdown().await;
}

#[tokio::test]
async fn a_very_long_name_still_makes_a_topic_name_within_128_characters() {
    let bench = Bench::new().await;
    let bot = bench.start().await;
    let long = TgUser::new(8_200_000_211, "Ж".repeat(64))
        .with_last_name("Щ".repeat(64))
        .with_username("a_very_long_username_of_32_chars");
    let (thread, _) = client_topic(&bench, &long, "Привіт").await;
    let name = bench.tg.topic(thread).unwrap().name;
    let chars = name.chars().count();
    assert!((1..=128).contains(&chars), "{chars}: {name}");
    assert!(name.starts_with(&"Ж".repeat(64)), "{name}");
    let card = command(&bench, &staff(600, "Марта"), thread, "/phone").await;
    assert!(card.starts_with("Картка клієнта\n• Клієнт: ЖЖЖ"), "{card}");
    bot.shutdown().await;
}

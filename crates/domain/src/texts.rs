//! The text catalogue: every sentence a client or staff member reads, in Ukrainian, in one
//! place — the file a translator or the clinic's manager edits. Grouped by who reads it: the
//! client, the staff (answers to commands, notices in topics, the `/enote_link` flow, the client
//! card), and the command menus. The wording follows the clinic's earlier bot, which staff
//! know.
//!
//! Functions escape what they interpolate unless a parameter says it is HTML already. No
//! sentence lives elsewhere: a test of the `app` crate fails on a Cyrillic string literal
//! outside this file and the tests.

use crate::html::escape;
use crate::ids::UserId;
use crate::owner::Pet;
use crate::phone::Phone;
use crate::ports::{ChatError, DirectoryError};

/// Greeting on `/start`.
pub const GREETING: &str = "Вітаємо! 👋 Це PetWealth Parents.\nНапишіть своє питання тут — команда клініки відповість у цьому чаті.";
/// Asking the client for their phone.
pub const ASK_PHONE: &str =
    "Будь ласка, поділіться номером телефону — так ми швидше знайдемо картку вашого улюбленця 🐾";
/// The contact button.
pub const SHARE_PHONE_BUTTON: &str = "📱 Поділитися номером";
/// After the client shared their own contact.
pub const PHONE_THANKS: &str = "Дякуємо! Номер збережено ✅";
/// Someone else's contact shared as "my phone".
pub const PHONE_NOT_YOURS: &str =
    "Це не ваш контакт 🙂 Щоб підтвердити свій номер, натисніть кнопку «📱 Поділитися номером».";
/// The client's own contact had an unreadable number.
pub const PHONE_UNREADABLE: &str =
    "Не вдалося розпізнати номер. Спробуйте ще раз кнопкою «📱 Поділитися номером».";
/// The first sentence of the closing notice, kept once the client has rated the help.
macro_rules! closed_sentence {
    () => {
        "Ваше звернення закрито. Якщо виникнуть питання — просто напишіть нам 💙"
    };
}
/// To the client on `/close` and on auto-close, above the rating buttons `1`…`5`.
pub const CLOSED_FOR_CLIENT: &str = concat!(
    closed_sentence!(),
    "\n\nОцініть, будь ласка, нашу допомогу: 1 — погано, 5 — чудово."
);

/// The closing notice once the client rated the help: the buttons give way to thanks.
pub fn closed_and_rated(rating: u8) -> String {
    format!("{}\n\nДякуємо за оцінку: {rating}/5 ⭐", closed_sentence!())
}

/// Answer to a rating button: stored.
pub const RATE_THANKS: &str = "Дякуємо за оцінку! 💙";
/// Answer to a rating button of an appeal already rated.
pub const RATE_ALREADY: &str = "Ви вже оцінили це звернення — дякуємо! 💙";
/// Answer to a rating button of an appeal that is no longer the one to rate (reopened, or a
/// newer appeal came after it).
pub const RATE_STALE: &str = "Це звернення вже не можна оцінити — дякуємо, що ви з нами! 💙";

/// In the topic: the client rated the appeal; `assignee` (a mention, HTML) for a low rating.
pub fn rating_line(rating: u8, assignee: Option<&str>) -> String {
    match assignee {
        Some(who) => format!("⭐ Оцінка клієнта: {rating}/5\n👤 {who}"),
        None => format!("⭐ Оцінка клієнта: {rating}/5"),
    }
}

/// In the topic: the appeal was closed because the client had been silent `silent` (as
/// [`elapsed`] says it) since staff's last answer.
pub fn auto_closed(silent: &str) -> String {
    format!("🕒 Закрито автоматично: клієнт не відповідав {silent}")
}
/// On the card of a topic recreated after the clinic moved to a new support group.
pub const TOPIC_MOVED: &str = "ℹ️ Попереднє листування з клієнтом — у попередній групі підтримки.";
/// In a client's topic in an earlier support group, answering a staff message written there:
/// it was not sent, and where the conversation is now (`link`: the client's topic in the new
/// group, when there is one).
pub fn former_topic_hint(link: Option<&str>) -> String {
    const NOT_SENT: &str =
        "ℹ️ Повідомлення НЕ надіслано клієнту: листування з ним тепер у новій групі підтримки";
    match link {
        Some(link) => format!(
            "{NOT_SENT} — <a href=\"{}\">перейти до теми клієнта</a>.",
            escape(link)
        ),
        None => format!("{NOT_SENT}."),
    }
}
/// In the topic when a message could not reach a client who blocked the bot.
pub const CLIENT_BLOCKED: &str = "⚠️ Клієнт заблокував бота — повідомлення не доставлено";
/// How staff see an anonymous group admin who did not sign the message.
pub const ANONYMOUS_ADMIN: &str = "Адміністратор";
/// A command outside a client topic.
pub const ONLY_IN_TOPIC: &str = "ℹ️ Ця команда працює лише всередині теми клієнта.";
/// `/label` without text.
pub const LABEL_USAGE: &str = "Використання: <code>/label Нова назва теми</code> (1–128 символів)";
/// `/close` on a closed appeal.
pub const ALREADY_CLOSED: &str = "Звернення вже закрите — нічого не змінено.";
/// `/reopen` on an open appeal.
pub const ALREADY_OPEN: &str = "Звернення вже відкрите.";
/// No appeal at all.
pub const NO_TICKET: &str = "У цього клієнта ще немає звернень.";
/// `/patient` or `/auto_label` for an unlinked client.
pub const NOT_LINKED: &str = "Клієнт не прив'язаний до Єнота. Спочатку виконайте /enote_link.";
/// Asking for the contract number.
pub const ASK_CONTRACT: &str = "Введіть номер договору власника в Єноті відповіддю на це повідомлення. Інші повідомлення підуть клієнту як завжди; /cancel — скасувати.";
/// ForceReply placeholder.
pub const CONTRACT_PLACEHOLDER: &str = "Номер договору";
/// Button captions.
pub const BUTTON_LINK: &str = "✅ Прив'язати";
/// Cancel button.
pub const BUTTON_CANCEL: &str = "❌ Скасувати";
/// Button answers.
pub const PRESS_GONE: &str = "Цей запит уже неактуальний.";
/// Expired flow.
pub const PRESS_EXPIRED: &str = "Час на підтвердження минув. Запустіть /enote_link ще раз.";
/// Someone else's flow.
pub const PRESS_FOREIGN: &str = "Підтвердити може лише той, хто запустив /enote_link.";
/// Unknown button.
pub const PRESS_UNKNOWN: &str = "Невідома дія.";
/// Answer to ✅.
pub const PRESS_LINKED: &str = "Прив'язано ✅";
/// Answer to ❌.
pub const PRESS_CANCELLED: &str = "Скасовано";
/// A pet-less owner.
pub const NO_PETS: &str = "У власника в Єноті немає активних карток тварин.";

/// The staff's `/help`.
pub fn help() -> String {
    let mut out = String::from("<b>Команди (працюють у темі клієнта)</b>\n");
    for (name, about) in crate::command::STAFF_COMMANDS {
        out.push_str(&format!("/{name} — {}\n", escape(about)));
    }
    out.push_str("\nПовідомлення, що починається з <code>//</code>, — внутрішня нотатка: клієнт його не отримає.");
    out
}

/// The same, with the configured note prefix.
pub fn help_with_prefix(prefix: &str) -> String {
    help().replace(
        "<code>//</code>",
        &format!("<code>{}</code>", escape(prefix)),
    )
}

/// A directory failure, as staff read it.
pub fn directory_failure(err: &DirectoryError) -> String {
    match err {
        DirectoryError::NotConfigured => {
            "⚙️ Єнот не налаштовано для цього бота (ENOTE_* у .env). Зверніться до адміністратора."
                .into()
        }
        DirectoryError::NotFound => "🔎 У Єноті нічого не знайдено.".into(),
        DirectoryError::Unauthorized => {
            "🔐 Єнот відхилив доступ бота (логін, пароль або API-ключ). Повідомте адміністратора."
                .into()
        }
        DirectoryError::Unavailable(_) => {
            "⏳ Єнот зараз не відповідає (таймаут або збій). Спробуйте за кілька хвилин.".into()
        }
        DirectoryError::BadResponse(_) => {
            "⚠️ Єнот повернув незрозумілу відповідь. Повідомте адміністратора.".into()
        }
    }
}

/// `/auto_label` when Enote has neither the owner's name nor pets.
pub const AUTO_LABEL_IMPOSSIBLE: &str =
    "Не вдалося скласти назву: у Єноті немає ні імені власника, ні тварин.";
/// `/cancel` with nothing to cancel.
pub const NOTHING_TO_CANCEL: &str =
    "Нічого скасовувати: ви не чекаєте на номер договору в цій темі.";
/// Enote took longer than the bot may wait for one command.
pub const DIRECTORY_TOO_SLOW: &str = "Єнот не відповів вчасно";

/// `/assign @name` with something that is no Telegram username.
pub fn bad_username(err: &crate::ticket::UsernameError) -> String {
    let why = match err {
        crate::ticket::UsernameError::Length(n) => {
            format!("у імені користувача Telegram щонайбільше 32 символи, а тут {n}")
        }
        crate::ticket::UsernameError::Character => {
            "ім'я користувача Telegram — лише латинські літери, цифри та _".to_owned()
        }
    };
    format!("Не схоже на @username: {why}. Приклад: <code>/assign @marta_vet</code>")
}

/// An update the bot could not handle after several tries: kept for the administrator.
pub fn update_failed(error: &str) -> String {
    let short: String = error.chars().take(300).collect();
    format!(
        "⚠️ Повідомлення не оброблено (не виконано): {}\nЙого збережено для адміністратора; решта працює як звичайно.",
        escape(&short)
    )
}

/// Telegram's refusal in a few words, for a notice in the group. Telegram's own wording stays
/// (it is what the operator searches for), only its "Bad Request:" prefix goes.
pub fn refusal_reason(err: &ChatError) -> String {
    let why = match err {
        ChatError::Blocked => return "клієнт заблокував бота".into(),
        ChatError::TopicGone => return "тему видалено".into(),
        ChatError::TopicClosed => return "тему закрито".into(),
        ChatError::MessageGone => return "повідомлення видалено".into(),
        ChatError::Permanent(d) | ChatError::Misconfigured(d) | ChatError::Transient(d) => {
            d.as_str()
        }
        ChatError::NotModified | ChatError::RateLimited { .. } | ChatError::Unauthorized(_) => {
            return escape(&err.to_string());
        }
    };
    let why = ["Bad Request:", "Forbidden:"]
        .iter()
        .find_map(|p| why.strip_prefix(p))
        .unwrap_or(why)
        .trim();
    let lower = why.to_ascii_lowercase();
    let hint = if lower.contains("can't be copied") || lower.contains("can't be forwarded") {
        "Telegram не дозволяє копіювати це повідомлення"
    } else {
        ""
    };
    let short: String = why.chars().take(200).collect();
    match hint {
        "" => escape(&short),
        hint => format!("{hint} ({})", escape(&short)),
    }
}

/// In the topic: Telegram refused to copy the client's message there.
pub fn client_message_not_relayed(reason: &str) -> String {
    format!("⚠️ Повідомлення клієнта не вдалося переслати: {reason}")
}

/// In General, when the client has no topic to say it in.
pub fn client_message_not_relayed_for(client: &str, reason: &str) -> String {
    format!(
        "⚠️ Повідомлення клієнта {} не вдалося переслати: {reason}",
        escape(client)
    )
}

/// In the topic: Telegram refused to copy a staff answer to the client.
pub fn staff_message_not_delivered(reason: &str) -> String {
    format!("⚠️ Повідомлення не доставлено клієнту: {reason}")
}

/// The topic name used when Telegram refuses the client's label.
pub fn fallback_topic_name(client: UserId) -> String {
    format!("Клієнт {client}")
}

/// In a new topic whose name Telegram refused: what it is called instead.
pub fn topic_name_refused(refused: &str, used: &str, reason: &str) -> String {
    format!(
        "⚠️ Telegram не прийняв назву теми «{}» ({reason}), тому тему названо «{}». Іншу назву можна задати командою /label.",
        escape(refused),
        escape(used)
    )
}

/// In the topic: Telegram refused the new name; the old one stays.
pub fn topic_rename_refused(refused: &str, reason: &str) -> String {
    format!(
        "⚠️ Telegram не прийняв нову назву теми «{}» ({reason}); назва залишилася попередня.",
        escape(refused)
    )
}

/// A contract number that Enote does not know.
pub fn contract_not_found(contract: &str) -> String {
    format!(
        "🔎 Договір <b>{}</b> у Єноті не знайдено. Надішліть інший номер або /enote_link ще раз.",
        escape(contract)
    )
}

/// The pets list (`/patient`).
pub fn pets(pets: &[Pet]) -> String {
    if pets.is_empty() {
        return NO_PETS.into();
    }
    let mut out = String::from("Тварини власника:");
    for pet in pets {
        let contract = pet.contract.as_ref().map(|c| c.as_str()).unwrap_or("—");
        out.push_str(&format!(
            "\n• {} — {}",
            escape(pet.name.trim()),
            escape(contract)
        ));
    }
    out
}

/// `/label` or `/auto_label` renamed the topic.
pub fn label_set(label: &str) -> String {
    format!("🏷 Назву теми змінено: <b>{}</b>", escape(label))
}

/// `/label` with a name longer than Telegram allows.
pub fn label_too_long(chars: usize, max: usize) -> String {
    format!("Назва задовга: {chars} символів, можна щонайбільше {max}.")
}

/// `/assign` done.
pub fn assigned(to: &str) -> String {
    format!("👤 Звернення призначено: {}", escape(to))
}

/// The button under a new appeal that assigns it to whoever presses it.
pub const TAKE_BUTTON: &str = "🙋 Взяти";
/// In the topic of a returning client: their new appeal, with [`TAKE_BUTTON`].
pub const NEW_APPEAL: &str = "📥 Нове звернення";
/// Answer to [`TAKE_BUTTON`]: the appeal is the presser's now.
pub const TAKEN_BY_YOU: &str = "✅ Звернення ваше";
/// Answer to [`TAKE_BUTTON`] from the one who has the appeal already.
pub const ALREADY_YOURS: &str = "Це звернення вже ваше.";
/// Answer to [`TAKE_BUTTON`] when the client has no open appeal.
pub const NOTHING_TO_TAKE: &str = "У клієнта немає відкритого звернення — брати нічого.";

/// The line a taken appeal's message gets instead of its button.
pub fn taken_by(who: &str) -> String {
    format!("✅ Взяв(ла): {}", escape(who))
}

/// Answer to [`TAKE_BUTTON`] on an appeal someone else has (a button answer: plain text).
pub fn already_taken(who: &str) -> String {
    let who: String = who.chars().take(64).collect();
    format!("Це звернення вже взяв(ла): {who}")
}

/// A staff member the store knows only by their Telegram id (as `/queue` shows them).
pub fn staff_by_id(id: UserId) -> String {
    format!("ID {id}")
}

/// `/close_silent` done.
pub const CLOSED_SILENTLY: &str = "✅ Звернення закрито (без повідомлення клієнту).";
/// `/close` done.
pub const CLOSED_AND_TOLD: &str = "✅ Звернення закрито, клієнта повідомлено.";
/// `/reopen` done.
pub const REOPENED: &str = "🔄 Звернення перевідкрито.";

/// A command the bot does not know.
pub fn unknown_command(name: &str) -> String {
    format!("Невідома команда /{}. Список команд: /help", escape(name))
}

/// In the topic: the client shared their own phone.
pub fn phone_confirmed(phone: &str) -> String {
    format!("📱 Клієнт підтвердив телефон: {}", escape(phone))
}

/// In the topic: the client edited a message whose copy cannot be edited.
pub fn client_edited(text: &str) -> String {
    format!("✏️ Клієнт змінив повідомлення:\n{}", escape(text))
}

/// To the client: a staff answer was edited, but its copy cannot be.
pub fn staff_correction(text: &str) -> String {
    format!("✏️ Виправлення:\n{}", escape(text))
}

/// A client with no name: their label and the fallback topic name.
pub fn unnamed_client(id: impl std::fmt::Display) -> String {
    format!("Клієнт {id}")
}

/// The initiator's answer to the contract prompt is no contract number.
pub const CONTRACT_UNREADABLE: &str =
    "Не схоже на номер договору. Надішліть номер ще раз (наприклад, <code>1001</code>).";
/// The preview, edited once ✅ came too late.
pub const LINK_PREVIEW_EXPIRED: &str = "⌛ Час на підтвердження прив'язки минув.";
/// The preview edited after ❌, and the answer to `/cancel`.
pub const LINK_CANCELLED: &str = "❌ Прив'язку скасовано.";
/// In the topic when a link flow ran out of time.
pub const LINK_EXPIRED: &str = "⌛ Час на /enote_link минув — прив'язку не збережено. Запустіть команду ще раз, якщо потрібно.";

/// The preview, edited after ✅.
pub fn linked(owner_name: &str, contract: &str) -> String {
    format!(
        "✅ Клієнта прив'язано до власника в Єноті: <b>{}</b> (договір {}).",
        escape(owner_name),
        escape(contract)
    )
}

/// In the topic after ✅ (`summary` is [`linked`]'s HTML).
pub fn linked_in_topic(summary: &str) -> String {
    format!("{summary}\nТепер доступні /patient і /auto_label.")
}

/// `/enote_link`'s preview staff confirm: owner, phones, pets, key, and a warning when re-linking.
pub fn link_preview(
    contract: &crate::contract::ContractNumber,
    owner: &crate::owner::OwnerKey,
    profile: &crate::owner::OwnerProfile,
    pets: Result<&[Pet], &DirectoryError>,
    client: &crate::client::Client,
) -> String {
    let mut out = String::from("<b>Прив'язка до Єнота — перевірте дані</b>\n");
    out.push_str(&format!("Договір: <b>{}</b>\n", escape(contract.as_str())));
    let name = profile.full_name();
    out.push_str(&format!(
        "Власник: {}\n",
        if name.is_empty() {
            "—".into()
        } else {
            escape(&name)
        }
    ));
    let mut phones: Vec<String> = profile.phones.iter().map(|p| p.to_string()).collect();
    phones.extend(
        profile
            .unparsed_phones
            .iter()
            .map(|p| format!("{} (не розпізнано)", escape(p))),
    );
    out.push_str(&format!(
        "Телефон: {}\n",
        if phones.is_empty() {
            "—".into()
        } else {
            phones.join(", ")
        }
    ));
    match pets {
        Ok([]) => out.push_str("Тварини: —\n"),
        Ok(pets) => {
            out.push_str("Тварини:\n");
            for pet in pets {
                let c = pet.contract.as_ref().map(|c| c.as_str()).unwrap_or("—");
                out.push_str(&format!("• {} — {}\n", escape(pet.name.trim()), escape(c)));
            }
        }
        Err(_) => out.push_str("Тварини: не вдалося отримати з Єнота\n"),
    }
    out.push_str(&format!("Ключ власника: <code>{owner}</code>"));
    if let Some(link) = &client.link {
        let old_name = link.owner_name.as_deref().unwrap_or("—");
        let old_contract = link.contract.as_ref().map(|c| c.as_str()).unwrap_or("—");
        out.push_str(&format!(
            "\n\n⚠️ Клієнт уже прив'язаний: {} (договір {}, ключ <code>{}</code>). ✅ перезапише прив'язку.",
            escape(old_name),
            escape(old_contract),
            link.owner_key
        ));
    }
    out
}

/// The client card (HTML): label, Telegram id, @username, the Enote link, the phone lines.
pub fn client_card(client: &crate::client::Client, phone_lines: &[String]) -> String {
    let mut out = String::from("<b>Картка клієнта</b>\n");
    out.push_str(&format!(
        "• Клієнт: {}\n",
        escape(client.display_label().as_str())
    ));
    out.push_str(&format!(
        "• Telegram ID: <a href=\"tg://user?id={id}\">{id}</a>\n",
        id = client.id
    ));
    match client.username.as_deref().filter(|u| !u.is_empty()) {
        Some(u) => out.push_str(&format!("• Нікнейм: @{}\n", escape(u))),
        None => out.push_str("• Нікнейм: —\n"),
    }
    match &client.link {
        Some(link) => {
            let name = link.owner_name.as_deref().unwrap_or("—");
            let contract = link
                .contract
                .as_ref()
                .map(|c| format!(" (договір {})", escape(c.as_str())))
                .unwrap_or_default();
            out.push_str(&format!("• Власник (Єнот): {}{contract}\n", escape(name)));
        }
        None => out.push_str("• Власник (Єнот): не прив'язано (/enote_link)\n"),
    }
    if let [line] = phone_lines {
        out.push_str(&format!("• Телефон: {}", escape(line)));
    } else {
        out.push_str("• Телефони:");
        for line in phone_lines {
            out.push_str(&format!("\n   {}", escape(line)));
        }
    }
    out
}

/// A card's phone line: the client's confirmed phone, the same as Enote's.
pub fn phone_authorized(phone: &Phone) -> String {
    format!("{phone} (авторизовано ✅)")
}

/// A card's phone line: the phone Enote has (the only one, or the same as the bot's).
pub fn phone_from_enote(phone: &Phone) -> String {
    format!("{phone} [enote]")
}

/// A card's phone line: the phone the client shared, beside a different one in Enote.
pub fn phone_of_bot_beside_enote(phone: &Phone, confirmed: bool) -> String {
    match confirmed {
        true => format!("бот: {phone}"),
        false => format!("бот: {phone} (не підтверджено)"),
    }
}

/// A card's phone line: Enote's phone, beside a different one the client shared.
pub fn phone_of_enote_beside_bot(phone: &Phone) -> String {
    format!("Єнот [enote]: {phone}")
}

/// A card's phone line: the phone the client shared, with none in Enote.
pub fn phone_of_bot(phone: &Phone, confirmed: bool) -> String {
    match confirmed {
        true => phone.to_string(),
        false => format!("{phone} (не підтверджено)"),
    }
}

/// A card's phone line when there is no phone at all.
pub const NO_PHONE_YET: &str = "клієнт ще не поділився телефоном";

/// The staff's command menu (`setMyCommands`, group scope) and `/help`: command, what it does.
pub const STAFF_MENU: &[(&str, &str)] = &[
    ("phone", "Картка клієнта і телефони"),
    ("client", "Картка клієнта (те саме, що /phone)"),
    ("enote_link", "Прив'язати клієнта до власника в Єноті"),
    ("patient", "Тварини власника з Єнота"),
    ("auto_label", "Назва теми з Єнота"),
    ("label", "Задати назву теми вручну"),
    ("assign", "Призначити виконавця"),
    ("close", "Закрити звернення (клієнт отримає повідомлення)"),
    ("close_silent", "Закрити звернення без повідомлення клієнту"),
    ("reopen", "Перевідкрити звернення"),
    ("cancel", "Скасувати /enote_link, що чекає номер договору"),
    ("help", "Список команд"),
    (
        "queue",
        "Черга звернень: хто чекає відповіді (працює і в General)",
    ),
    (
        "report",
        "Звіт за останні дні: /report [днів] (працює і в General)",
    ),
];

/// The clients' command menu (`setMyCommands`, private scope).
pub const CLIENT_MENU: &[(&str, &str)] = &[("start", "Почати / поділитися телефоном")];

/// To a client who writes while the clinic is closed; `next_opening` as
/// `working_hours::Schedule::opening_phrase` gives it, e.g. "у понеділок о 09:00".
pub fn away(next_opening: &str) -> String {
    format!(
        "Дякуємо за звернення! Зараз клініка не працює. Ми відповімо {}.",
        escape(next_opening)
    )
}

/// The day of the next opening for [`away`]: today.
pub const OPENS_TODAY: &str = "сьогодні";
/// The day of the next opening for [`away`]: tomorrow.
pub const OPENS_TOMORROW: &str = "завтра";
/// The day of the next opening for [`away`]: "on `<weekday>`", Monday first.
pub const OPENS_ON_WEEKDAY: [&str; 7] = [
    "у понеділок",
    "у вівторок",
    "у середу",
    "у четвер",
    "у п'ятницю",
    "у суботу",
    "у неділю",
];

/// `<day> о HH:MM` for [`away`]; "об" before 11 ("об одинадцятій").
pub fn opens_at(day: &str, hour: u32, hh_mm: &str) -> String {
    let at = if hour == 11 { "об" } else { "о" };
    format!("{day} {at} {hh_mm}")
}

/// Day names an administrator may write in `WORKING_HOURS` besides the English ones, Monday
/// first, lower case.
pub const DAY_NAMES: [&[&str]; 7] = [
    &["пн", "понеділок"],
    &["вт", "вівторок"],
    &["ср", "середа"],
    &["чт", "четвер"],
    &["пт", "п'ятниця"],
    &["сб", "субота"],
    &["нд", "неділя"],
];

/// In the topic: the client has waited `minutes` of working time for an answer. `assignee` is
/// a mention of whoever handles the appeal (HTML, from [`mention_staff`] or
/// [`mention_username`]), if anyone does.
pub fn client_waits(minutes: i64, assignee: Option<&str>) -> String {
    let waited = span_in_minutes(minutes);
    match assignee {
        Some(who) => format!("⏰ Клієнт чекає {waited} без відповіді.\n👤 {who}"),
        None => format!("⏰ Клієнт чекає {waited} без відповіді."),
    }
}

/// A mention that notifies a staff member known by id; `name` as the bot knows them (the
/// stored assignee keeps only the id, so then it is the id, and the mention reads
/// "виконавець").
pub fn mention_staff(id: UserId, name: &str) -> String {
    let shown = match name.trim() {
        "" => "виконавець".to_owned(),
        n if n == id.to_string() => "виконавець".to_owned(),
        n => escape(n),
    };
    format!("<a href=\"tg://user?id={id}\">{shown}</a>")
}

/// A mention of a staff member by @username.
pub fn mention_username(username: &str) -> String {
    format!("@{}", escape(username.trim_start_matches('@')))
}

/// `/queue` with no open appeal.
pub const QUEUE_EMPTY: &str = "✅ Відкритих звернень немає — ніхто не чекає відповіді.";

/// A span in `/queue`: "7 хв", "2 год 5 хв", "3 дн".
pub fn elapsed(span: crate::services::queue::Elapsed) -> String {
    use crate::services::queue::Elapsed;
    span_in_minutes(match span {
        Elapsed::Minutes(m) => m,
        Elapsed::Hours { hours, minutes } => hours * 60 + minutes,
        Elapsed::Days(d) => d * 1440,
    })
}

/// The answer to `/queue`: a header with the counts, then one line an appeal — the label
/// (a link to the topic), how long the client waits or when they were answered, and who has
/// taken it.
pub fn queue(view: &crate::services::queue::QueueView) -> String {
    use crate::services::queue::Standing;
    use crate::ticket::Assignee;
    if view.open == 0 {
        return QUEUE_EMPTY.to_owned();
    }
    let mut out = format!(
        "📋 <b>Черга звернень</b>\nВідкрито: {} · чекають відповіді: {}\n",
        view.open, view.waiting
    );
    for line in &view.lines {
        let label = match &line.link {
            Some(link) => format!(
                "<a href=\"{}\">{}</a>",
                escape(link),
                escape(line.label.as_str())
            ),
            None => escape(line.label.as_str()),
        };
        let standing = match line.standing {
            Standing::Waiting(span) => format!("⏳ {label} — чекає {}", elapsed(span)),
            Standing::Answered(Some(span)) => {
                format!("💬 {label} — відповіли {} тому", elapsed(span))
            }
            Standing::Answered(None) => format!("💬 {label} — не чекає відповіді"),
        };
        // Shown without "@" or a tg:// link: a list anyone may ask for again and again must
        // not notify every assignee each time.
        let who = match &line.assignee {
            None => "не взято".to_owned(),
            Some(Assignee::Staff { id, name }) if name.trim() == id.to_string() => {
                format!("👤 ID {id}")
            }
            Some(Assignee::Staff { name, .. }) => {
                format!("👤 {}", escape(name.trim().trim_start_matches('@')))
            }
            Some(Assignee::Username(u)) => format!("👤 {}", escape(u.trim_start_matches('@'))),
        };
        out.push_str(&format!("\n{standing} · {who}"));
    }
    if view.more > 0 {
        out.push_str(&format!("\n…і ще {}", view.more));
    }
    out
}

/// Above the daily report's chart.
pub const REPORT_CHART_TITLE: &str = "Звернення і перша відповідь за 14 днів";
/// The chart's bars (left axis): appeals opened a day.
pub const REPORT_CHART_OPENED: &str = "Звернення за день";
/// The chart's line (right axis): the day's median time to the first answer.
pub const REPORT_CHART_MEDIAN: &str = "Медіана першої відповіді, хв";

/// `/report` with something other than a number of days.
pub const REPORT_USAGE: &str =
    "Використання: <code>/report [днів]</code> — від 1 до 90; без числа — за останню добу.";

/// The report's chart could not be drawn (`reason` as the renderer gave it).
pub fn chart_not_drawn(reason: &str) -> String {
    format!("⚠️ Графік звіту не вдалося намалювати: {}", escape(reason))
}

/// "1 день", "3 дні", "11 днів", "21 день".
pub fn days_count(n: u32) -> String {
    let word = match (n % 10, n % 100) {
        (_, 11..=14) => "днів",
        (1, _) => "день",
        (2..=4, _) => "дні",
        _ => "днів",
    };
    format!("{n} {word}")
}

/// A time span in the report: "менше хвилини", "12 хв", "1 год 5 хв", "2 дн 3 год".
pub fn report_span(span: chrono::Duration) -> String {
    span_in_minutes(span.num_minutes())
}

/// How every span reads, in reminders, `/queue`, auto-close and the report: "менше хвилини",
/// "12 хв", "1 год 5 хв", "2 дн", "2 дн 3 год".
fn span_in_minutes(minutes: i64) -> String {
    let minutes = minutes.max(0);
    match minutes {
        0 => "менше хвилини".to_owned(),
        1..=59 => format!("{minutes} хв"),
        60..=1439 if minutes % 60 == 0 => format!("{} год", minutes / 60),
        60..=1439 => format!("{} год {} хв", minutes / 60, minutes % 60),
        _ if minutes % 1440 < 60 => format!("{} дн", minutes / 1440),
        _ => format!("{} дн {} год", minutes / 1440, minutes % 1440 / 60),
    }
}

/// Who a line of the report's staff table is about: the id, or the @username an appeal was
/// assigned to (shown without "@", so the report notifies nobody).
fn report_staff(who: &crate::services::report::StaffKey) -> String {
    use crate::services::report::StaffKey;
    match who {
        StaffKey::Id(id) => staff_by_id(*id),
        StaffKey::Username(u) => escape(u),
    }
}

/// The staff's report (`/report`, or the daily one in General): the period, appeals opened and
/// closed, what is open now, the first response, each staff member's part, and the ratings
/// with links to the low ones. Short lines: it is read on a phone.
pub fn report(
    f: &crate::services::report::ReportFigures,
    tz: chrono_tz::Tz,
    daily: bool,
) -> String {
    let at =
        |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).format("%d.%m %H:%M").to_string();
    let title = if daily {
        "Щоденний звіт"
    } else {
        "Звіт"
    };
    let mut out = format!(
        "📊 <b>{title} за {}</b>\n{} – {}\n",
        days_count(f.period.days),
        at(f.period.from),
        at(f.period.to)
    );
    out.push_str(&format!(
        "\n📥 Нових звернень: {} · закрито: {}\n📂 Зараз відкрито: {} · чекають відповіді: {}\n",
        f.opened, f.closed, f.open_now, f.waiting_now
    ));
    let working = if f.working_time {
        " (у робочий час)"
    } else {
        ""
    };
    match (f.first_response_median, f.first_response_p90) {
        (Some(median), Some(p90)) => out.push_str(&format!(
            "⏱ Перша відповідь{working}: медіана {} · 90% — за {} ({} зв.)\n",
            report_span(median),
            report_span(p90),
            f.first_responses
        )),
        _ => out.push_str("⏱ Перших відповідей за період не було\n"),
    }
    if f.staff.is_empty() {
        out.push_str("\n👥 Відповідей працівників за період не було\n");
    } else {
        out.push_str("\n👥 <b>Працівники</b>\n");
        for line in &f.staff {
            let median = match line.first_response_median {
                Some(m) => format!(" · медіана {}", report_span(m)),
                None => String::new(),
            };
            out.push_str(&format!(
                "• {} — відповідей: {} · закрито: {}{median}\n",
                report_staff(&line.who),
                line.answers,
                line.closed
            ));
        }
    }
    match f.rating_average {
        Some(avg) => {
            let avg = format!("{avg:.1}").replace('.', ",");
            out.push_str(&format!("\n⭐ Оцінок: {} · середня {avg}\n", f.ratings));
        }
        None => out.push_str("\n⭐ Оцінок за період не було\n"),
    }
    if !f.low.is_empty() {
        out.push_str("Низькі (≤ 3):\n");
    }
    for low in &f.low {
        let label = match &low.link {
            Some(link) => format!("<a href=\"{}\">{}</a>", escape(link), escape(&low.label)),
            None => escape(&low.label),
        };
        out.push_str(&format!("• {}★ — {label}\n", low.rating.get()));
    }
    if f.low_more > 0 {
        out.push_str(&format!("…і ще {}\n", f.low_more));
    }
    out.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::ContractNumber;

    #[test]
    fn pets_list_as_in_the_staff_guide() {
        let list = [
            Pet {
                name: "Бетмен".into(),
                contract: ContractNumber::parse("1").ok(),
            },
            Pet {
                name: "Сільва".into(),
                contract: ContractNumber::parse("2").ok(),
            },
        ];
        assert_eq!(pets(&list), "Тварини власника:\n• Бетмен — 1\n• Сільва — 2");
        assert_eq!(pets(&[]), NO_PETS);
    }

    #[test]
    fn every_directory_failure_reads_differently() {
        let all = [
            DirectoryError::NotConfigured,
            DirectoryError::NotFound,
            DirectoryError::Unauthorized,
            DirectoryError::Unavailable("timeout".into()),
            DirectoryError::BadResponse("<html>".into()),
        ];
        let texts: std::collections::HashSet<String> = all.iter().map(directory_failure).collect();
        assert_eq!(texts.len(), all.len());
        for t in &texts {
            assert!(
                !t.contains("timeout") && !t.contains("<html>"),
                "raw error leaked: {t}"
            );
        }
    }

    #[test]
    fn refusal_reasons_are_short_escaped_and_keep_telegrams_words() {
        let copy = refusal_reason(&ChatError::Permanent(
            "Bad Request: message can't be copied".into(),
        ));
        assert_eq!(
            copy,
            "Telegram не дозволяє копіювати це повідомлення (message can't be copied)"
        );
        let odd = refusal_reason(&ChatError::Permanent(format!(
            "Bad Request: <b>{}",
            "x".repeat(500)
        )));
        assert!(odd.starts_with("&lt;b&gt;x"), "{odd}");
        assert!(odd.chars().count() < 250, "{odd}");
        assert_eq!(
            refusal_reason(&ChatError::Blocked),
            "клієнт заблокував бота"
        );
    }

    #[test]
    fn a_wait_reads_in_minutes_then_hours() {
        assert_eq!(
            client_waits(15, None),
            "⏰ Клієнт чекає 15 хв без відповіді."
        );
        assert!(client_waits(0, None).contains("менше хвилини"));
        assert!(client_waits(120, None).contains("чекає 2 год без"));
        assert!(client_waits(135, None).contains("чекає 2 год 15 хв без"));
        let id = UserId::new(600).unwrap();
        assert_eq!(
            mention_staff(id, "<Марта>"),
            "<a href=\"tg://user?id=600\">&lt;Марта&gt;</a>"
        );
        assert_eq!(
            mention_staff(id, "600"),
            "<a href=\"tg://user?id=600\">виконавець</a>"
        );
        assert_eq!(mention_username("@marta_vet"), "@marta_vet");
        assert!(client_waits(30, Some("@marta_vet")).ends_with("\n👤 @marta_vet"));
    }

    #[test]
    fn help_lists_commands_and_the_note_prefix() {
        let h = help_with_prefix("##");
        assert!(h.contains("/enote_link — "));
        assert!(h.contains("<code>##</code>"));
    }
}

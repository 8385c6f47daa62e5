//! Every sentence the bot says, in Ukrainian, in one place (wording after the original bot's
//! guide in `shared/seeds/`). Functions take already-escaped or safe values only where noted;
//! everything else is escaped here.

use crate::html::escape;
use crate::owner::Pet;
use crate::ports::DirectoryError;

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
/// To the client on `/close`.
pub const CLOSED_FOR_CLIENT: &str =
    "Ваше звернення закрито. Якщо виникнуть питання — просто напишіть нам 💙";
/// In the topic when a message could not reach a client who blocked the bot.
pub const CLIENT_BLOCKED: &str = "⚠️ Клієнт заблокував бота — повідомлення не доставлено";
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
pub const ASK_CONTRACT: &str =
    "Введіть номер договору власника в Єноті (відповіддю на це повідомлення).";
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
    fn help_lists_commands_and_the_note_prefix() {
        let h = help_with_prefix("##");
        assert!(h.contains("/enote_link — "));
        assert!(h.contains("<code>##</code>"));
    }
}

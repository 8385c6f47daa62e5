//! The client card shown by `/phone` and `/client` and at the top of a new topic, with the phone
//! card policy of docs/product-rules.md (phones).

use crate::client::Client;
use crate::phone::Phone;
use crate::texts;

/// The phone lines of a card, by the five cases of docs/product-rules.md (phones).
///
/// `bot` is the phone the client shared (with whether it is confirmed), `enote` the owner's
/// phone stored with the link.
pub fn phone_lines(bot: Option<(&Phone, bool)>, enote: Option<&Phone>) -> Vec<String> {
    match (bot, enote) {
        (Some((b, true)), Some(e)) if b == e => vec![texts::phone_authorized(b)],
        // An unconfirmed bot phone equal to Enote's adds nothing: Enote's line says it all.
        (Some((b, false)), Some(e)) if b == e => vec![texts::phone_from_enote(e)],
        (Some((b, confirmed)), Some(e)) => vec![
            texts::phone_of_bot_beside_enote(b, confirmed),
            texts::phone_of_enote_beside_bot(e),
        ],
        (None, Some(e)) => vec![texts::phone_from_enote(e)],
        (Some((b, confirmed)), None) => vec![texts::phone_of_bot(b, confirmed)],
        (None, None) => vec![texts::NO_PHONE_YET.to_owned()],
    }
}

/// The phone lines for a client.
pub fn client_phone_lines(client: &Client) -> Vec<String> {
    let bot = client.phone.as_ref().map(|p| (p, client.phone_confirmed));
    let enote = client.link.as_ref().and_then(|l| l.owner_phone.as_ref());
    phone_lines(bot, enote)
}

/// The full card (HTML), as `/phone` shows it.
pub fn client_card(client: &Client) -> String {
    texts::client_card(client, &client_phone_lines(client))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::ClientLink;
    use crate::contract::ContractNumber;
    use crate::ids::UserId;
    use crate::owner::OwnerKey;

    fn p(s: &str) -> Phone {
        Phone::parse(s).unwrap()
    }

    #[test]
    fn the_five_cases_of_the_phone_policy() {
        let a = p("+380 67 421 03 03");
        let same = p("0674210303");
        let other = p("0501234567");
        type Case<'a> = (Option<(&'a Phone, bool)>, Option<&'a Phone>, Vec<&'a str>);
        let cases: Vec<Case> = vec![
            // equal after normalization, confirmed → one authorized line
            (
                Some((&a, true)),
                Some(&same),
                vec!["+380674210303 (авторизовано ✅)"],
            ),
            // different → two lines
            (
                Some((&a, true)),
                Some(&other),
                vec!["бот: +380674210303", "Єнот [enote]: +380501234567"],
            ),
            // only Enote
            (None, Some(&other), vec!["+380501234567 [enote]"]),
            // only the bot's (confirmed / not)
            (Some((&a, true)), None, vec!["+380674210303"]),
            (
                Some((&a, false)),
                None,
                vec!["+380674210303 (не підтверджено)"],
            ),
            // none
            (None, None, vec!["клієнт ще не поділився телефоном"]),
            // unconfirmed but different from Enote: both, marked
            (
                Some((&a, false)),
                Some(&other),
                vec![
                    "бот: +380674210303 (не підтверджено)",
                    "Єнот [enote]: +380501234567",
                ],
            ),
            // unconfirmed and equal: Enote's line only
            (
                Some((&a, false)),
                Some(&same),
                vec!["+380674210303 [enote]"],
            ),
        ];
        for (bot, enote, want) in cases {
            assert_eq!(phone_lines(bot, enote), want, "bot={bot:?} enote={enote:?}");
        }
    }

    fn linked_client() -> Client {
        let mut c = Client::new(UserId::new(8_000_000_001).unwrap());
        c.username = Some("olena_<3".into());
        c.first_name = Some("Олена".into());
        c.phone = Some(p("0671234567"));
        c.phone_confirmed = true;
        c.link = Some(ClientLink {
            owner_key: OwnerKey::parse("0a000001-1a2b-11f0-8a00-0a1b2c3d4e5f").unwrap(),
            owner_name: Some("Шевченко <Олена> Петрівна".into()),
            owner_phone: Some(p("+38 (067) 123-45-67")),
            contract: Some(ContractNumber::parse("1001").unwrap()),
            linked_by: UserId::new(5).ok(),
            linked_at: None,
        });
        c
    }

    #[test]
    fn card_of_a_linked_client_escapes_names() {
        let card = client_card(&linked_client());
        assert_eq!(
            card,
            "<b>Картка клієнта</b>\n\
             • Клієнт: Олена (@olena_&lt;3)\n\
             • Telegram ID: <a href=\"tg://user?id=8000000001\">8000000001</a>\n\
             • Нікнейм: @olena_&lt;3\n\
             • Власник (Єнот): Шевченко &lt;Олена&gt; Петрівна (договір 1001)\n\
             • Телефон: +380671234567 (авторизовано ✅)"
        );
    }

    #[test]
    fn card_with_two_phones_lists_both() {
        let mut c = linked_client();
        c.phone = Some(p("0931112233"));
        let card = client_card(&c);
        assert!(
            card.ends_with("• Телефони:\n   бот: +380931112233\n   Єнот [enote]: +380671234567"),
            "{card}"
        );
    }

    #[test]
    fn card_of_an_unlinked_client() {
        let c = Client::new(UserId::new(42).unwrap());
        let card = client_card(&c);
        assert!(card.contains("• Клієнт: Клієнт 42\n"));
        assert!(card.contains("• Нікнейм: —\n"));
        assert!(card.contains("не прив'язано (/enote_link)"));
        assert!(card.ends_with("• Телефон: клієнт ще не поділився телефоном"));
    }
}

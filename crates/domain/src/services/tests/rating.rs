//! Use-case tests: rating the help after a close.

use super::testkit::*;
use crate::change::Change;
use crate::ids::{ChatRef, OutboxId, TicketId};
use crate::message::{ButtonPress, Place, Sender};
use crate::outbound::{BotText, Outbound};
use crate::ports::{MockChatGateway, MockClock, OutboxEntry};
use crate::services::{Delivery, Inbound};
use crate::texts;
use crate::ticket::{Assignee, Rating, Ticket};
use std::sync::Arc;

fn t(id: i64) -> TicketId {
    TicketId::new(id).unwrap()
}

/// The client `who` presses `data` under message 70 of their own chat.
fn press(who: i64, data: &str) -> Inbound {
    Inbound::Button(ButtonPress {
        callback_id: "cb-r".into(),
        from: Sender {
            id: Some(uid(who)),
            username: None,
            first_name: Some("Олена".into()),
            last_name: None,
            is_bot: false,
        },
        place: Place::Private(uid(who)),
        message_id: Some(mid(70)),
        data: data.into(),
    })
}

fn answer(changes: &[Change]) -> String {
    let answers: Vec<String> = sent(changes)
        .into_iter()
        .filter_map(|o| match o {
            Outbound::AnswerButton { callback_id, text } => {
                assert_eq!(callback_id, "cb-r");
                Some(text)
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        answers.len(),
        1,
        "every press is answered once: {changes:#?}"
    );
    answers[0].clone()
}

/// The answer, asserting the press changed nothing else.
fn only_answer(changes: &[Change]) -> String {
    assert_eq!(
        changes.len(),
        2,
        "the answer and the handled mark only: {changes:#?}"
    );
    answer(changes)
}

fn closed(id: i64, client: i64) -> Ticket {
    Ticket {
        thread: Some(tid(7)),
        ..ticket(id, client, false)
    }
}

fn rate(kit: Kit, who: i64, data: &str) -> Vec<Change> {
    let (desk, commits, _) = kit.desk();
    run(&desk, &commits, press(who, data))
}

#[test]
fn a_press_stores_the_rating_thanks_and_tells_the_topic() {
    let kit = Kit::new()
        .with_client(client(500, Some(7)))
        .with_ticket(closed(3, 500));
    let changes = rate(kit, 500, "rate:3:5");
    assert!(changes.contains(&Change::RateTicket {
        ticket: t(3),
        rating: Rating::new(5).unwrap(),
        at: now(),
    }));
    assert_eq!(answer(&changes), texts::RATE_THANKS);
    let out = sent(&changes);
    assert!(out.contains(&Outbound::EditClientText {
        client: uid(500),
        message: mid(70),
        text: BotText::new(texts::closed_and_rated(5)),
    }));
    assert!(out.contains(&Outbound::TextToTopic {
        client: uid(500),
        text: BotText::new("⭐ Оцінка клієнта: 5/5"),
        reply_to: None,
    }));
}

#[test]
fn a_low_rating_mentions_the_assignee_a_good_one_does_not() {
    let marta = Assignee::Staff {
        id: uid(600),
        name: "600".into(),
    };
    let assigned = |id| Ticket {
        assigned_to: Some(marta.clone()),
        ..closed(id, 500)
    };
    let line = |changes: &[Change]| {
        sent(changes)
            .into_iter()
            .find_map(|o| match o {
                Outbound::TextToTopic { text, .. } => Some(text.html),
                _ => None,
            })
            .expect("the topic line")
    };
    let low = rate(Kit::new().with_ticket(assigned(3)), 500, "rate:3:3");
    assert_eq!(
        line(&low),
        "⭐ Оцінка клієнта: 3/5\n👤 <a href=\"tg://user?id=600\">виконавець</a>"
    );
    let good = rate(Kit::new().with_ticket(assigned(3)), 500, "rate:3:4");
    assert_eq!(line(&good), "⭐ Оцінка клієнта: 4/5");
    let by_name = Ticket {
        assigned_to: Some(Assignee::Username("olga_vet".into())),
        ..closed(3, 500)
    };
    let low = rate(Kit::new().with_ticket(by_name), 500, "rate:3:1");
    assert_eq!(line(&low), "⭐ Оцінка клієнта: 1/5\n👤 @olga_vet");
    // Nobody has it: a low rating mentions nobody.
    let low = rate(Kit::new().with_ticket(closed(3, 500)), 500, "rate:3:2");
    assert_eq!(line(&low), "⭐ Оцінка клієнта: 2/5");
}

#[test]
fn a_rated_appeal_is_not_rated_again() {
    let rated = Ticket {
        rating: Rating::new(4),
        rated_at: Some(now()),
        ..closed(3, 500)
    };
    for data in ["rate:3:4", "rate:3:1"] {
        let changes = rate(Kit::new().with_ticket(rated.clone()), 500, data);
        assert_eq!(only_answer(&changes), texts::RATE_ALREADY, "{data}");
    }
}

#[test]
fn an_old_or_reopened_appeal_is_not_rated() {
    // A newer appeal came after it.
    let kit = Kit::new()
        .with_ticket(closed(3, 500))
        .with_ticket(ticket(4, 500, true));
    assert_eq!(only_answer(&rate(kit, 500, "rate:3:5")), texts::RATE_STALE);
    let kit = Kit::new()
        .with_ticket(closed(3, 500))
        .with_ticket(closed(4, 500));
    assert_eq!(only_answer(&rate(kit, 500, "rate:3:5")), texts::RATE_STALE);
    // Reopened: the conversation goes on.
    let kit = Kit::new().with_ticket(ticket(3, 500, true));
    assert_eq!(only_answer(&rate(kit, 500, "rate:3:5")), texts::RATE_STALE);
}

#[test]
fn foreign_or_garbled_presses_are_unknown() {
    let kit = || Kit::new().with_ticket(closed(3, 500));
    // Another client's appeal, a ticket that does not exist, data the bot never wrote.
    for (who, data) in [
        (501, "rate:3:5"),
        (500, "rate:99:5"),
        (500, "rate:3:9"),
        (500, "rate:3"),
    ] {
        assert_eq!(
            only_answer(&rate(kit(), who, data)),
            texts::PRESS_UNKNOWN,
            "{who} {data}"
        );
    }
    // A rating button pressed in the group (copied there somehow) rates nothing.
    let (desk, commits, _) = kit().desk();
    let mut in_group = press(500, "rate:3:5");
    if let Inbound::Button(b) = &mut in_group {
        b.place = Place::SupportGroup {
            group: group(),
            thread: Some(tid(7)),
        };
    }
    let changes = run(&desk, &commits, in_group);
    assert_eq!(only_answer(&changes), texts::PRESS_UNKNOWN);
}

#[test]
fn the_thank_you_edits_the_clients_message_and_a_vanished_one_is_fine() {
    let text = BotText::new(texts::closed_and_rated(5));
    for outcome in [Ok(()), Err(crate::ports::ChatError::MessageGone)] {
        let kit = Kit::new().with_client(client(500, Some(7)));
        let mut chat = MockChatGateway::new();
        let expected = text.clone();
        let result = outcome.clone();
        chat.expect_edit_bot_text()
            .withf(move |chat, message, t| {
                *chat == ChatRef::Client(uid(500)) && *message == mid(70) && *t == expected
            })
            .times(1)
            .returning(move |_, _, _| result.clone());
        let mut clock = MockClock::new();
        clock.expect_now().returning(now);
        let delivery = Delivery::new(
            Arc::new(chat),
            Arc::new(kit.client_repo()),
            Arc::new(kit.ticket_repo()),
            Arc::new(kit.store()),
            Arc::new(clock),
            group(),
        );
        let entry = OutboxEntry {
            id: OutboxId::new(1).unwrap(),
            queue: None,
            action: Outbound::EditClientText {
                client: uid(500),
                message: mid(70),
                text: text.clone(),
            },
            attempts: 0,
            not_before: None,
        };
        futures::executor::block_on(delivery.deliver(&entry)).expect("delivered");
        let commits = kit.commits.lock().unwrap();
        assert_eq!(
            commits.last(),
            Some(&vec![Change::CompleteOutbox(OutboxId::new(1).unwrap())]),
            "{outcome:?}"
        );
    }
}

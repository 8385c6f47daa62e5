//! Use-case tests: the help desk — the take button (announced, pressed, on the card) and the
//! away message.

use super::testkit::*;
use crate::card::client_card;
use crate::change::{AuditEntry, Change, TicketRef};
use crate::ids::{ChatRef, OutboxId};
use crate::message::{ButtonPress, Place};
use crate::outbound::{BotText, Buttons, InlineButton, Outbound};
use crate::ports::{MockChatGateway, MockClock, OutboxEntry};
use crate::services::{Delivery, Inbound, SupportDesk};
use crate::texts;
use crate::ticket::{Assignee, TakenVia, Ticket};
use crate::working_hours::Schedule;
use std::sync::Arc;

fn take_button(data: &str) -> Option<Buttons> {
    Some(Buttons::Inline(vec![vec![InlineButton {
        text: texts::TAKE_BUTTON.into(),
        data: data.into(),
    }]]))
}

fn press(staff: i64, place: Place, data: &str) -> Inbound {
    Inbound::Button(ButtonPress {
        callback_id: "cb-1".into(),
        from: sender(staff, "marta"),
        place,
        message_id: Some(mid(900)),
        data: data.into(),
    })
}

fn in_topic(thread: i64) -> Place {
    Place::SupportGroup {
        group: group(),
        thread: Some(tid(thread)),
    }
}

fn answers(changes: &[Change]) -> Vec<String> {
    sent(changes)
        .into_iter()
        .filter_map(|o| match o {
            Outbound::AnswerButton { callback_id, text } => {
                assert_eq!(callback_id, "cb-1");
                Some(text)
            }
            _ => None,
        })
        .collect()
}

fn assigned(mut t: Ticket, to: Assignee) -> Ticket {
    t.assigned_to = Some(to);
    t.taken_via = Some(TakenVia::Command);
    t
}

#[test]
fn a_returning_clients_new_appeal_is_announced_with_the_take_button_before_the_message() {
    let (desk, commits, _) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_ticket(ticket(3, 500, false))
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(private_text(500, 20, "Знову я")),
    );
    assert!(
        changes
            .iter()
            .any(|c| matches!(c, Change::OpenTicket { thread: Some(t), .. } if *t == tid(7)))
    );
    let out = sent(&changes);
    assert_eq!(
        out[0],
        Outbound::TextToTopic {
            client: uid(500),
            text: BotText {
                html: texts::NEW_APPEAL.into(),
                buttons: take_button("take:500:new"),
            },
            reply_to: None,
        }
    );
    assert!(
        matches!(&out[1], Outbound::ClientMessageToTopic { message, .. } if *message == mid(20)),
        "the line comes first, then the client's message: {out:#?}"
    );
}

#[test]
fn no_line_for_a_new_client_nor_for_a_message_of_an_open_appeal() {
    // A new client has no topic yet: the card made with it carries the button.
    let (desk, commits, _) = Kit::new().desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(private_text(500, 1, "Добрий день")),
    );
    assert!(
        changes
            .iter()
            .any(|c| matches!(c, Change::OpenTicket { .. }))
    );
    assert!(
        !sent(&changes)
            .iter()
            .any(|o| matches!(o, Outbound::TextToTopic { .. })),
        "{changes:#?}"
    );

    let mut known = client(500, Some(7));
    known.phone_confirmed = true;
    let (desk, commits, _) = Kit::new()
        .with_client(known)
        .with_ticket(ticket(3, 500, true))
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(private_text(500, 2, "ще одне")),
    );
    assert_eq!(
        sent(&changes),
        vec![Outbound::ClientMessageToTopic {
            client: uid(500),
            message: mid(2),
            reply_to: None
        }]
    );
}

#[test]
fn a_press_takes_the_open_appeal_as_assign_would_and_the_line_shows_who() {
    let (desk, commits, _) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_ticket(ticket(3, 500, true))
        .desk();
    let changes = run(&desk, &commits, press(600, in_topic(7), "take:500:new"));
    let me = Assignee::Staff {
        id: uid(600),
        name: "@marta".into(),
    };
    assert_eq!(
        changes,
        vec![
            Change::AssignTicket {
                ticket: ticket(3, 500, true).id,
                assignee: me,
                via: TakenVia::Button,
            },
            Change::Audit(AuditEntry {
                actor: uid(600),
                action: "assign".into(),
                client: uid(500),
                detail: "600".into(),
                at: now(),
            }),
            Change::Enqueue(Outbound::AnswerButton {
                callback_id: "cb-1".into(),
                text: texts::TAKEN_BY_YOU.into(),
            }),
            Change::Enqueue(Outbound::EditGroupText {
                message: mid(900),
                text: BotText::new("📥 Нове звернення\n✅ Взяв(ла): @marta"),
            }),
            Change::InboxHandled(crate::ids::UpdateId(1)),
        ]
    );
}

#[test]
fn a_press_on_the_card_keeps_the_card_and_adds_who_took_it() {
    let c = client(500, Some(7));
    let (desk, commits, _) = Kit::new()
        .with_client(c.clone())
        .with_ticket(ticket(3, 500, true))
        .desk();
    let changes = run(&desk, &commits, press(600, in_topic(7), "take:500:card"));
    let edit = sent(&changes)
        .into_iter()
        .find_map(|o| match o {
            Outbound::EditGroupText { message, text } => Some((message, text)),
            _ => None,
        })
        .expect("the card edited");
    assert_eq!(edit.0, mid(900));
    assert_eq!(
        edit.1,
        BotText::new(format!("{}\n\n✅ Взяв(ла): @marta", client_card(&c))),
        "the button is gone"
    );
    assert!(changes.iter().any(|ch| matches!(ch,
        Change::AssignTicket { via: TakenVia::Button, assignee: Assignee::Staff { id, .. }, .. } if *id == uid(600))));
}

#[test]
fn a_press_on_a_taken_appeal_says_who_has_it_and_changes_nothing() {
    // As the store reads it back: the id only.
    let by_id = Assignee::Staff {
        id: uid(601),
        name: "601".into(),
    };
    let named = Assignee::Staff {
        id: uid(601),
        name: "@olga_vet".into(),
    };
    let by_username = Assignee::Username("olga_vet".into());
    for (holder, expected) in [
        (by_id, "Це звернення вже взяв(ла): ID 601"),
        (named, "Це звернення вже взяв(ла): @olga_vet"),
        (by_username, "Це звернення вже взяв(ла): @olga_vet"),
    ] {
        let (desk, commits, _) = Kit::new()
            .with_client(client(500, Some(7)))
            .with_ticket(assigned(ticket(3, 500, true), holder))
            .desk();
        let changes = run(&desk, &commits, press(600, in_topic(7), "take:500:new"));
        assert_eq!(answers(&changes), [expected]);
        assert!(expected.chars().count() <= 200);
        assert_eq!(changes.len(), 2, "an answer and nothing else: {changes:#?}");
    }

    // The one who has it, pressing again.
    let (desk, commits, _) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_ticket(assigned(
            ticket(3, 500, true),
            Assignee::Staff {
                id: uid(600),
                name: "600".into(),
            },
        ))
        .desk();
    let changes = run(&desk, &commits, press(600, in_topic(7), "take:500:card"));
    assert_eq!(answers(&changes), [texts::ALREADY_YOURS]);
    assert_eq!(changes.len(), 2);
}

#[test]
fn an_overlong_holder_name_still_fits_a_button_answer() {
    let (desk, commits, _) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_ticket(assigned(
            ticket(3, 500, true),
            Assignee::Username("ж".repeat(300)),
        ))
        .desk();
    let changes = run(&desk, &commits, press(600, in_topic(7), "take:500:new"));
    let answer = &answers(&changes)[0];
    assert!(answer.chars().count() <= 200, "{}", answer.chars().count());
}

#[test]
fn a_press_when_no_appeal_is_open_is_answered_plainly() {
    let (desk, commits, _) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_ticket(ticket(3, 500, false))
        .desk();
    let changes = run(&desk, &commits, press(600, in_topic(7), "take:500:new"));
    assert_eq!(answers(&changes), [texts::NOTHING_TO_TAKE]);
    assert_eq!(changes.len(), 2, "{changes:#?}");
}

#[test]
fn a_press_from_outside_the_group_takes_nothing() {
    let other_group = Place::SupportGroup {
        group: crate::ids::GroupId::new(-1009999999999).unwrap(),
        thread: Some(tid(7)),
    };
    for place in [Place::Private(uid(600)), other_group, Place::Elsewhere] {
        let (desk, commits, _) = Kit::new()
            .with_client(client(500, Some(7)))
            .with_ticket(ticket(3, 500, true))
            .desk();
        let changes = run(&desk, &commits, press(600, place, "take:500:new"));
        assert_eq!(answers(&changes), [texts::PRESS_UNKNOWN], "{place:?}");
        assert_eq!(changes.len(), 2, "{place:?}: {changes:#?}");
    }
}

/// Delivers the first copy of client 500's message: the topic is created and the card posted.
/// Returns the card's buttons.
fn card_buttons(kit: Kit) -> Option<Buttons> {
    let posted: Arc<std::sync::Mutex<Option<BotText>>> = Arc::default();
    let mut chat = MockChatGateway::new();
    chat.expect_create_topic().returning(|_| Ok(tid(31)));
    let keep = posted.clone();
    chat.expect_send_text()
        .withf(|to, thread, text, _| {
            *to == ChatRef::Group(group())
                && *thread == Some(tid(31))
                && text.html.contains("Картка клієнта")
        })
        .times(1)
        .returning(move |_, _, text, _| {
            *keep.lock().unwrap() = Some(text.clone());
            Ok(mid(1))
        });
    chat.expect_copy_message()
        .returning(|_, _, _, _, _| Ok(mid(2)));
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
        id: OutboxId::new(77).unwrap(),
        queue: None,
        action: Outbound::ClientMessageToTopic {
            client: uid(500),
            message: mid(10),
            reply_to: None,
        },
        attempts: 0,
        not_before: None,
    };
    futures::executor::block_on(delivery.deliver(&entry)).unwrap();
    let card = posted.lock().unwrap().clone().expect("the card posted");
    card.buttons
}

#[test]
fn a_new_topics_card_carries_the_take_button_while_the_appeal_is_open_and_nobody_has_it() {
    let open = Kit::new()
        .with_client(client(500, None))
        .with_ticket(ticket(3, 500, true));
    assert_eq!(card_buttons(open), take_button("take:500:card"));

    let taken = Kit::new()
        .with_client(client(500, None))
        .with_ticket(assigned(
            ticket(3, 500, true),
            Assignee::Username("olga_vet".into()),
        ));
    assert_eq!(card_buttons(taken), None, "someone has it already");

    let closed = Kit::new()
        .with_client(client(500, None))
        .with_ticket(ticket(3, 500, false));
    assert_eq!(card_buttons(closed), None, "nothing open to take");
}

/// A desk whose clinic works Monday to Friday 14:00–18:00 in Kyiv; [`now`] is Monday 12:00
/// there.
fn closed_desk(kit: Kit) -> (SupportDesk, Commits) {
    let (mut desk, commits, _) = kit.desk();
    desk.settings.schedule = Schedule::parse("mon-fri 14:00-18:00", "Europe/Kyiv").unwrap();
    (desk, commits)
}

fn away_texts(changes: &[Change]) -> Vec<String> {
    sent(changes)
        .into_iter()
        .filter_map(|o| match o {
            Outbound::TextToClient { text, .. }
                if text.html.starts_with("Дякуємо за звернення") =>
            {
                Some(text.html)
            }
            _ => None,
        })
        .collect()
}

#[test]
fn out_of_hours_the_message_that_opens_an_appeal_gets_the_away_message_once() {
    let mut c = client(500, Some(7));
    c.phone_confirmed = true;
    let (desk, commits) = closed_desk(
        Kit::new()
            .with_client(c.clone())
            .with_ticket(ticket(3, 500, false)),
    );
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(private_text(500, 20, "Кіт не їсть")),
    );
    assert_eq!(
        away_texts(&changes),
        ["Дякуємо за звернення! Зараз клініка не працює. Ми відповімо сьогодні о 14:00."]
    );
    assert!(changes.contains(&Change::AwaySent {
        ticket: TicketRef::OpenOf(uid(500)),
        at: now(),
    }));
    // The message is relayed as always.
    assert!(sent(&changes).iter().any(
        |o| matches!(o, Outbound::ClientMessageToTopic { message, .. } if *message == mid(20))
    ));

    // The next message of the same appeal: the client has heard it already.
    let mut open = ticket(4, 500, true);
    open.away_sent_at = Some(now());
    open.last_client_message_at = Some(now());
    let (desk, commits) = closed_desk(Kit::new().with_client(c.clone()).with_ticket(open));
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(private_text(500, 21, "Алло?")),
    );
    assert!(away_texts(&changes).is_empty(), "{changes:#?}");
    assert!(
        !changes
            .iter()
            .any(|ch| matches!(ch, Change::AwaySent { .. }))
    );

    // An appeal under way (opened in working hours) gets none later either.
    let mut under_way = ticket(5, 500, true);
    under_way.last_client_message_at = Some(now());
    let (desk, commits) = closed_desk(Kit::new().with_client(c).with_ticket(under_way));
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(private_text(500, 22, "І ще")),
    );
    assert!(away_texts(&changes).is_empty(), "{changes:#?}");
}

#[test]
fn an_appeal_staff_opened_gets_the_away_message_with_the_clients_first_message() {
    let (desk, commits) = closed_desk(
        Kit::new()
            .with_client(client(500, Some(7)))
            .with_ticket(ticket(3, 500, true)),
    );
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(private_text(500, 20, "Доброго вечора")),
    );
    assert_eq!(away_texts(&changes).len(), 1);
    assert!(changes.contains(&Change::AwaySent {
        ticket: TicketRef::Id(ticket(3, 500, true).id),
        at: now(),
    }));
}

#[test]
fn in_working_hours_or_without_working_hours_there_is_no_away_message() {
    let (mut desk, commits, _) = Kit::new().desk();
    desk.settings.schedule = Schedule::parse("mon-fri 09:00-18:00", "Europe/Kyiv").unwrap();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(private_text(500, 1, "Добрий день")),
    );
    assert!(away_texts(&changes).is_empty(), "{changes:#?}");

    // WORKING_HOURS unset: always open.
    let (desk, commits, _) = Kit::new().desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(private_text(500, 1, "Добрий день")),
    );
    assert!(away_texts(&changes).is_empty());
    assert!(
        !changes
            .iter()
            .any(|ch| matches!(ch, Change::AwaySent { .. }))
    );
}

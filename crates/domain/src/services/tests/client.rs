//! Use-case tests: the client's side.

use super::testkit::*;
use crate::change::{Change, TicketRef};
use crate::ids::UpdateId;
use crate::message::{Content, Direction, EditedMessage, MediaKind, MessageRecord, Place};
use crate::outbound::{Buttons, Outbound};
use crate::services::Inbound;
use crate::texts;
use chrono::Duration;

#[test]
fn first_message_of_a_new_client_opens_a_ticket_and_is_queued_for_the_topic() {
    let (desk, commits, _) = Kit::new().desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(private_text(500, 1, "Добрий день!")),
    );
    assert!(
        matches!(&changes[0], Change::UpsertClient { client, profile }
        if *client == uid(500) && profile.first_name.as_deref() == Some("Олена"))
    );
    assert!(
        matches!(&changes[1], Change::OpenTicket { client, thread: None, label, .. }
        if *client == uid(500) && label.as_str() == "Олена")
    );
    assert_eq!(
        changes[2],
        Change::RecordMessage {
            client: uid(500),
            ticket: TicketRef::OpenOf(uid(500)),
            direction: Direction::ClientToStaff,
            client_message_id: Some(mid(1)),
            group_message_id: None,
            text: Some("Добрий день!".into()),
            media: MediaKind::Text,
            at: now(),
            staff: None,
        }
    );
    let out = sent(&changes);
    assert_eq!(
        out[0],
        Outbound::ClientMessageToTopic {
            client: uid(500),
            message: mid(1),
            reply_to: None
        }
    );
    // The phone was never asked for: ask once, with the contact button.
    assert!(matches!(&out[1], Outbound::TextToClient { text, .. }
        if matches!(text.buttons, Some(Buttons::RequestContact { .. }))));
    assert!(changes.contains(&Change::MarkPhonePrompted {
        client: uid(500),
        at: now()
    }));
}

#[test]
fn a_known_client_with_an_open_ticket_just_relays() {
    let mut c = client(500, Some(7));
    c.phone = Some(phone("0671234567"));
    c.phone_confirmed = true;
    let (desk, commits, _) = Kit::new()
        .with_client(c)
        .with_ticket(ticket(3, 500, true))
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(private_text(500, 2, "ще питання")),
    );
    assert_eq!(changes.len(), 3, "{changes:#?}");
    assert!(
        matches!(&changes[0], Change::RecordMessage { ticket: TicketRef::Id(t), .. } if t.get() == 3)
    );
    assert_eq!(sent(&changes).len(), 1);
}

#[test]
fn the_phone_is_not_asked_again_within_the_interval() {
    let mut c = client(500, Some(7));
    c.last_phone_prompt_at = Some(now() - Duration::hours(23));
    // An open appeal, so that the only other thing sent is the relay (a new appeal of a client
    // with a topic is announced there too).
    let (desk, commits, _) = Kit::new()
        .with_client(c.clone())
        .with_ticket(ticket(3, 500, true))
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(private_text(500, 2, "привіт")),
    );
    assert_eq!(sent(&changes).len(), 1, "only the relay");

    c.last_phone_prompt_at = Some(now() - Duration::hours(25));
    let (desk, commits, _) = Kit::new()
        .with_client(c)
        .with_ticket(ticket(3, 500, true))
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(private_text(500, 3, "привіт")),
    );
    assert_eq!(sent(&changes).len(), 2, "relay and the phone prompt");
}

#[test]
fn a_reply_to_a_staff_message_becomes_a_reply_in_the_topic() {
    let record = MessageRecord {
        ticket: crate::ids::TicketId::new(3).unwrap(),
        client: uid(500),
        direction: Direction::StaffToClient,
        client_message_id: Some(mid(40)),
        group_message_id: Some(mid(900)),
        text: None,
        media: MediaKind::Text,
    };
    let (desk, commits, _) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_ticket(ticket(3, 500, true))
        .with_message(record)
        .desk();
    let mut msg = private_text(500, 41, "так, дякую");
    msg.reply_to = Some(mid(40));
    let changes = run(&desk, &commits, Inbound::Message(msg));
    assert!(sent(&changes).contains(&Outbound::ClientMessageToTopic {
        client: uid(500),
        message: mid(41),
        reply_to: Some(mid(900)),
    }));
}

#[test]
fn start_greets_and_asks_for_the_phone_once() {
    let (desk, commits, _) = Kit::new().desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(private_text(500, 1, "/start")),
    );
    let texts = texts_of(&changes);
    assert_eq!(texts.len(), 1);
    assert!(texts[0].starts_with(texts::GREETING) && texts[0].contains(texts::ASK_PHONE));
    assert!(
        !changes
            .iter()
            .any(|c| matches!(c, Change::OpenTicket { .. })),
        "/start opens no appeal"
    );

    let mut c = client(500, None);
    c.last_phone_prompt_at = Some(now() - Duration::minutes(1));
    let (desk, commits, _) = Kit::new().with_client(c).desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(private_text(500, 2, "/start")),
    );
    assert_eq!(texts_of(&changes), vec![texts::GREETING.to_owned()]);
}

fn contact(from: i64, phone: &str, owner: Option<i64>) -> crate::message::IncomingMessage {
    let mut m = private_text(from, 5, "");
    m.content = Content::Contact {
        phone: phone.into(),
        user_id: owner,
    };
    m
}

#[test]
fn sharing_ones_own_contact_confirms_the_phone() {
    let (desk, commits, _) = Kit::new().with_client(client(500, Some(7))).desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(contact(500, "380674210303", Some(500))),
    );
    assert!(changes.contains(&Change::SetPhone {
        client: uid(500),
        phone: phone("0674210303"),
        confirmed: true
    }));
    let out = sent(&changes);
    assert!(matches!(&out[0], Outbound::TextToClient { text, .. }
        if text.html == texts::PHONE_THANKS && text.buttons == Some(Buttons::RemoveKeyboard)));
    assert!(
        matches!(&out[1], Outbound::TextToTopic { text, .. } if text.html.contains("+380674210303"))
    );
}

#[test]
fn someone_elses_contact_is_refused_as_a_phone_but_relayed() {
    let (desk, commits, _) = Kit::new().with_client(client(500, Some(7))).desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(contact(500, "380674210303", Some(777))),
    );
    assert!(!changes.iter().any(|c| matches!(c, Change::SetPhone { .. })));
    assert_eq!(texts_of(&changes)[0], texts::PHONE_NOT_YOURS);
    assert!(
        sent(&changes)
            .iter()
            .any(|o| matches!(o, Outbound::ClientMessageToTopic { .. }))
    );
}

#[test]
fn an_unreadable_own_contact_stores_nothing() {
    let (desk, commits, _) = Kit::new().with_client(client(500, None)).desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(contact(500, "n/a", Some(500))),
    );
    assert!(!changes.iter().any(|c| matches!(c, Change::SetPhone { .. })));
    assert_eq!(texts_of(&changes), vec![texts::PHONE_UNREADABLE.to_owned()]);
}

#[test]
fn a_client_edit_edits_the_copy_in_the_topic() {
    let record = MessageRecord {
        ticket: crate::ids::TicketId::new(3).unwrap(),
        client: uid(500),
        direction: Direction::ClientToStaff,
        client_message_id: Some(mid(10)),
        group_message_id: Some(mid(700)),
        text: None,
        media: MediaKind::Photo,
    };
    let (desk, commits, _) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_message(record)
        .desk();
    let edit = EditedMessage {
        place: Place::Private(uid(500)),
        from: private_text(500, 10, "").from,
        message_id: mid(10),
        content: Content::Media {
            kind: MediaKind::Photo,
            caption: Some("новий підпис".into()),
        },
    };
    let changes = run(&desk, &commits, Inbound::Edited(edit));
    assert_eq!(
        sent(&changes),
        vec![Outbound::EditInTopic {
            client: uid(500),
            message: mid(700),
            text: "новий підпис".into(),
            caption: true
        }]
    );
}

#[test]
fn a_client_who_writes_again_has_unblocked_the_bot() {
    let mut c = client(500, Some(7));
    c.blocked = true;
    let (desk, commits, _) = Kit::new()
        .with_client(c)
        .with_ticket(ticket(3, 500, true))
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(private_text(500, 2, "я повернулась")),
    );
    assert!(changes.contains(&Change::SetBlocked {
        client: uid(500),
        blocked: false
    }));
}

#[test]
fn a_store_failure_leaves_the_update_unhandled() {
    let mut kit = Kit::new();
    kit.commit_fails = true;
    let (desk, commits, _) = kit.desk();
    let result = futures::executor::block_on(desk.handle(
        UpdateId(9),
        Inbound::Message(private_text(500, 1, "привіт")),
    ));
    assert!(matches!(result, Err(crate::services::DeskError::Store(_))));
    assert!(commits.lock().unwrap().is_empty());
}

#[test]
fn other_chats_and_bots_are_ignored() {
    let (desk, commits, _) = Kit::new().desk();
    let mut elsewhere = private_text(500, 1, "spam");
    elsewhere.place = Place::Elsewhere;
    assert_eq!(
        run(&desk, &commits, Inbound::Message(elsewhere)),
        vec![Change::InboxHandled(UpdateId(1))]
    );

    let mut bot = private_text(500, 1, "I am a bot");
    bot.from.is_bot = true;
    assert_eq!(
        run(&desk, &commits, Inbound::Message(bot)),
        vec![Change::InboxHandled(UpdateId(1))]
    );

    let mut other_group = staff_text(600, Some(7), 1, "/close");
    other_group.place = Place::SupportGroup {
        group: crate::ids::GroupId::new(-100500).unwrap(),
        thread: Some(tid(7)),
    };
    assert_eq!(
        run(&desk, &commits, Inbound::Message(other_group)),
        vec![Change::InboxHandled(UpdateId(1))]
    );
}

#[test]
fn staff_commands_typed_by_a_client_reveal_nothing() {
    let (desk, commits, _) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_ticket(ticket(3, 500, true))
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(private_text(500, 4, "/phone")),
    );
    // Relayed to staff as an ordinary message; the client gets no card.
    assert_eq!(
        sent(&changes)[0],
        Outbound::ClientMessageToTopic {
            client: uid(500),
            message: mid(4),
            reply_to: None
        }
    );
    assert!(
        texts_of(&changes)
            .iter()
            .all(|t| !t.contains("Картка") && !t.contains("Telegram ID"))
    );
}

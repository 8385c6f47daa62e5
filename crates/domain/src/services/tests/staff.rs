//! Use-case tests: the staff's side and the commands.

use super::testkit::*;
use crate::change::{Change, TicketRef};
use crate::client::ClientLink;
use crate::message::{Content, Direction, EditedMessage, MediaKind, MessageRecord, Place};
use crate::outbound::Outbound;
use crate::ports::{DirectoryError, MockPracticeDirectory};
use crate::services::Inbound;
use crate::texts;
use crate::ticket::Assignee;

fn linked(id: i64, thread: i64) -> crate::client::Client {
    let mut c = client(id, Some(thread));
    c.link = Some(ClientLink {
        owner_key: owner(OWNER_1),
        owner_name: Some("Шевченко Олена Петрівна".into()),
        owner_phone: Some(phone("0671234567")),
        contract: Some(contract("1001")),
        linked_by: Some(uid(600)),
        linked_at: Some(now()),
    });
    c
}

fn record(client: i64, dir: Direction, cm: i64, gm: i64) -> MessageRecord {
    MessageRecord {
        ticket: crate::ids::TicketId::new(3).unwrap(),
        client: uid(client),
        direction: dir,
        client_message_id: Some(mid(cm)),
        group_message_id: Some(mid(gm)),
        text: None,
        media: MediaKind::Text,
    }
}

#[test]
fn a_staff_message_in_a_topic_goes_to_the_client_as_a_reply_where_it_was_one() {
    let (desk, commits, _) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_ticket(ticket(3, 500, true))
        .with_message(record(500, Direction::ClientToStaff, 10, 700))
        .desk();
    let mut msg = staff_text(600, Some(7), 701, "Добрий день! Чим допомогти?");
    msg.reply_to = Some(mid(700));
    let changes = run(&desk, &commits, Inbound::Message(msg));
    assert!(matches!(&changes[0], Change::RecordMessage {
        ticket: TicketRef::Id(_), direction: Direction::StaffToClient, group_message_id: Some(g), client_message_id: None, staff: Some(s), .. } if *g == mid(701) && *s == uid(600)));
    assert_eq!(
        sent(&changes),
        vec![Outbound::StaffMessageToClient {
            client: uid(500),
            message: mid(701),
            reply_to: Some(mid(10))
        }]
    );
}

#[test]
fn internal_notes_and_general_chatter_are_not_sent() {
    let (desk, commits, _) = Kit::new().with_client(client(500, Some(7))).desk();
    let note = staff_text(600, Some(7), 1, "// клієнт просив передзвонити");
    assert_eq!(run(&desk, &commits, Inbound::Message(note)).len(), 1);
    let general = staff_text(600, None, 2, "Хто на зміні?");
    assert_eq!(run(&desk, &commits, Inbound::Message(general)).len(), 1);
    let unknown_topic = staff_text(600, Some(99), 3, "тема без клієнта");
    assert_eq!(
        run(&desk, &commits, Inbound::Message(unknown_topic)).len(),
        1
    );
}

#[test]
fn commands_outside_a_client_topic_answer_with_a_hint() {
    let (desk, commits, _) = Kit::new().desk();
    for (thread, cmd) in [
        (None, "/close"),
        (Some(99), "/phone"),
        (None, "/enote_link"),
    ] {
        let changes = run(
            &desk,
            &commits,
            Inbound::Message(staff_text(600, thread, 5, cmd)),
        );
        assert_eq!(
            texts_of(&changes),
            vec![texts::ONLY_IN_TOPIC.to_owned()],
            "{cmd}"
        );
        assert_eq!(changes.len(), 2, "a hint and nothing else for {cmd}");
    }
}

#[test]
fn help_works_anywhere_in_the_group() {
    let (desk, commits, _) = Kit::new().desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, None, 5, "/help")),
    );
    assert!(texts_of(&changes)[0].contains("/close_silent"));
}

#[test]
fn phone_shows_the_card_with_the_phone_policy() {
    let mut c = linked(500, 7);
    c.phone = Some(phone("+380 67 123 45 67"));
    c.phone_confirmed = true;
    let (desk, commits, _) = Kit::new().with_client(c).desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 5, "/phone")),
    );
    let card = &texts_of(&changes)[0];
    assert!(
        card.contains("• Телефон: +380671234567 (авторизовано ✅)"),
        "{card}"
    );
    assert!(card.contains("Шевченко Олена Петрівна (договір 1001)"));
}

#[test]
fn close_tells_the_client_and_a_second_close_changes_nothing() {
    let (desk, commits, _) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_ticket(ticket(3, 500, true))
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 5, "/close")),
    );
    assert!(changes.contains(&Change::CloseTicket {
        ticket: crate::ids::TicketId::new(3).unwrap(),
        at: now()
    }));
    assert!(changes.contains(&Change::CountClose { client: uid(500) }));
    assert!(
        changes
            .iter()
            .any(|c| matches!(c, Change::Audit(a) if a.action == "close" && a.actor == uid(600)))
    );
    let notice = sent(&changes)
        .into_iter()
        .find_map(|o| match o {
            Outbound::TextToClient { client, text } if client == uid(500) => Some(text),
            _ => None,
        })
        .expect("the client is told");
    assert_eq!(notice.html, texts::CLOSED_FOR_CLIENT);
    assert!(
        matches!(&notice.buttons, Some(crate::outbound::Buttons::Inline(rows)) if rows[0].len() == 5),
        "the rating buttons: {notice:?}"
    );

    let (desk, commits, _) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_ticket(ticket(3, 500, false))
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 6, "/close")),
    );
    assert_eq!(texts_of(&changes), vec![texts::ALREADY_CLOSED.to_owned()]);
    assert!(
        !changes
            .iter()
            .any(|c| matches!(c, Change::CloseTicket { .. } | Change::CountClose { .. }))
    );
}

#[test]
fn close_silent_does_not_tell_the_client() {
    let (desk, commits, _) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_ticket(ticket(3, 500, true))
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 5, "/close_silent")),
    );
    assert!(changes.contains(&Change::CountClose { client: uid(500) }));
    assert!(
        !sent(&changes)
            .iter()
            .any(|o| matches!(o, Outbound::TextToClient { .. }))
    );
}

#[test]
fn reopen_reopens_the_latest_closed_appeal_only() {
    let (desk, commits, _) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_ticket(ticket(2, 500, false))
        .with_ticket(ticket(3, 500, false))
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 5, "/reopen")),
    );
    assert!(changes.contains(&Change::ReopenTicket {
        ticket: crate::ids::TicketId::new(3).unwrap(),
        at: now()
    }));

    let (desk, commits, _) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_ticket(ticket(3, 500, true))
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 5, "/reopen")),
    );
    assert_eq!(texts_of(&changes), vec![texts::ALREADY_OPEN.to_owned()]);
}

#[test]
fn label_renames_the_topic_and_checks_the_length() {
    let (desk, commits, _) = Kit::new().with_client(client(500, Some(7))).desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 5, "/label  Олена <VIP> 🐶 ")),
    );
    let label = crate::label::Label::new("Олена <VIP> 🐶").unwrap();
    assert!(changes.contains(&Change::SetLabel {
        client: uid(500),
        label: label.clone()
    }));
    assert!(sent(&changes).contains(&Outbound::RenameTopic {
        client: uid(500),
        label
    }));
    assert!(
        texts_of(&changes)[0].contains("Олена &lt;VIP&gt; 🐶"),
        "names are escaped"
    );

    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 6, "/label")),
    );
    assert_eq!(texts_of(&changes), vec![texts::LABEL_USAGE.to_owned()]);

    let long = format!("/label {}", "я".repeat(129));
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 7, &long)),
    );
    assert!(texts_of(&changes)[0].contains("129"));
    assert!(!changes.iter().any(|c| matches!(c, Change::SetLabel { .. })));
}

#[test]
fn assign_by_reply_by_username_and_to_oneself() {
    let kit = || {
        Kit::new()
            .with_client(client(500, Some(7)))
            .with_ticket(ticket(3, 500, true))
            .desk()
    };
    let assigned = |changes: &[Change]| {
        changes.iter().find_map(|c| match c {
            Change::AssignTicket { assignee, .. } => Some(assignee.clone()),
            _ => None,
        })
    };

    let (desk, commits, _) = kit();
    let mut by_reply = staff_text(600, Some(7), 5, "/assign");
    by_reply.reply_to = Some(mid(4));
    by_reply.reply_to_sender = Some(sender(601, "ivan"));
    let changes = run(&desk, &commits, Inbound::Message(by_reply));
    assert_eq!(
        assigned(&changes),
        Some(Assignee::Staff {
            id: uid(601),
            name: "@ivan".into()
        })
    );

    let (desk, commits, _) = kit();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 5, "/assign @olha")),
    );
    assert_eq!(assigned(&changes), Some(Assignee::Username("olha".into())));

    let (desk, commits, _) = kit();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 5, "/assign")),
    );
    assert_eq!(
        assigned(&changes),
        Some(Assignee::Staff {
            id: uid(600),
            name: "@marta".into()
        })
    );
    assert!(texts_of(&changes)[0].contains("@marta"));
}

#[test]
fn patient_lists_live_pets_or_says_why_not() {
    let (desk, commits, _) = Kit::new()
        .with_client(linked(500, 7))
        .with_directory(fixture_directory())
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 5, "/patient")),
    );
    assert_eq!(
        texts_of(&changes),
        vec!["Тварини власника:\n• Барсік — 1001\n• Рекс — 1002".to_owned()]
    );

    let (desk, commits, _) = Kit::new().with_client(client(500, Some(7))).desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 5, "/patient")),
    );
    assert_eq!(texts_of(&changes), vec![texts::NOT_LINKED.to_owned()]);
}

#[test]
fn a_directory_timeout_gives_staff_a_plain_sentence() {
    let mut dir = MockPracticeDirectory::new();
    dir.expect_pets_of_owner()
        .returning(|_| Err(DirectoryError::Unavailable("timeout after 20s".into())));
    let (desk, commits, _) = Kit::new()
        .with_client(linked(500, 7))
        .with_directory(dir)
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 5, "/patient")),
    );
    let text = &texts_of(&changes)[0];
    assert_eq!(
        text,
        &texts::directory_failure(&DirectoryError::Unavailable(String::new()))
    );
    assert!(!text.contains("timeout after"));
}

#[test]
fn auto_label_builds_the_name_from_enote() {
    let (desk, commits, _) = Kit::new()
        .with_client(linked(500, 7))
        .with_directory(fixture_directory())
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 5, "/auto_label")),
    );
    let label = crate::label::Label::new("Олена — Барсік (1001), Рекс (1002)").unwrap();
    assert!(changes.contains(&Change::SetLabel {
        client: uid(500),
        label: label.clone()
    }));
    assert!(sent(&changes).contains(&Outbound::RenameTopic {
        client: uid(500),
        label
    }));
    assert!(
        changes
            .iter()
            .any(|c| matches!(c, Change::Audit(a) if a.action == "auto_label"))
    );
}

#[test]
fn auto_label_for_an_unconfigured_enote_says_so() {
    let mut dir = MockPracticeDirectory::new();
    dir.expect_owner_profile()
        .returning(|_| Err(DirectoryError::NotConfigured));
    let (desk, commits, _) = Kit::new()
        .with_client(linked(500, 7))
        .with_directory(dir)
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 5, "/auto_label")),
    );
    assert_eq!(
        texts_of(&changes),
        vec![texts::directory_failure(&DirectoryError::NotConfigured)]
    );
    assert!(!changes.iter().any(|c| matches!(c, Change::SetLabel { .. })));
}

#[test]
fn a_staff_edit_edits_the_clients_copy() {
    let (desk, commits, _) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_message(record(500, Direction::StaffToClient, 20, 800))
        .desk();
    let edit = EditedMessage {
        place: Place::SupportGroup {
            group: group(),
            thread: Some(tid(7)),
        },
        from: sender(600, "marta"),
        message_id: mid(800),
        content: Content::Text("виправлений текст".into()),
    };
    let changes = run(&desk, &commits, Inbound::Edited(edit));
    assert_eq!(
        sent(&changes),
        vec![Outbound::EditInClient {
            client: uid(500),
            message: mid(20),
            text: "виправлений текст".into(),
            caption: false
        }]
    );
}

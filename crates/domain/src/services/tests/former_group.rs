//! Use-case tests: staff writing in a client's topic in an earlier support group, and the hint
//! delivered there.

use super::testkit::*;
use crate::change::Change;
use crate::client::Client;
use crate::ids::{ChatRef, GroupId, OutboxId};
use crate::message::{Content, IncomingMessage, Place};
use crate::outbound::Outbound;
use crate::ports::{ChatError, FormerTopic, MockChatGateway};
use crate::services::Inbound;
use crate::texts;
use chrono::Duration;

fn old_group() -> GroupId {
    GroupId::new(-1001111111111).unwrap()
}

/// A staff message in topic `thread` of the old group.
fn in_old_topic(thread: i64, message: i64, text: &str) -> IncomingMessage {
    let mut msg = staff_text(600, None, message, text);
    msg.place = Place::OtherGroupTopic {
        group: old_group(),
        thread: tid(thread),
    };
    msg
}

/// A client whose topic is still the one in the old group (they have not written since).
fn not_moved_yet(id: i64, thread: i64) -> Client {
    let mut c = client(id, Some(thread));
    c.topic_group = Some(old_group());
    c
}

/// A client who already has a topic in the support group.
fn moved(id: i64, thread: i64) -> Client {
    let mut c = client(id, Some(thread));
    c.topic_group = Some(group());
    c
}

fn hint(thread: i64, reply_to: i64) -> Outbound {
    Outbound::FormerTopicHint {
        client: uid(500),
        group: old_group(),
        thread: tid(thread),
        reply_to: Some(mid(reply_to)),
    }
}

fn only_handled(changes: &[Change]) -> bool {
    matches!(changes, [Change::InboxHandled(_)])
}

#[test]
fn staff_writing_in_a_moved_clients_old_topic_get_the_hint_and_nothing_is_relayed() {
    let (desk, commits, _) = Kit::new()
        .with_client(moved(500, 31))
        .with_ticket(ticket(3, 500, true))
        .with_former_topic(
            old_group(),
            tid(7),
            FormerTopic {
                client: uid(500),
                hinted_at: None,
            },
        )
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(in_old_topic(7, 90, "Добрий день!")),
    );
    assert_eq!(
        changes[..2],
        [
            Change::FormerTopicHinted {
                client: uid(500),
                group: old_group(),
                thread: tid(7),
                at: now(),
            },
            Change::Enqueue(hint(7, 90)),
        ]
    );
    assert_eq!(changes.len(), 3, "{changes:?}");
}

#[test]
fn a_client_not_moved_yet_is_found_by_their_topic_in_the_old_group() {
    let (desk, commits, _) = Kit::new().with_client(not_moved_yet(500, 7)).desk();
    let changes = run(&desk, &commits, Inbound::Message(in_old_topic(7, 90, "Є?")));
    assert_eq!(sent(&changes), vec![hint(7, 90)]);
}

#[test]
fn one_hint_per_old_topic_in_a_few_minutes() {
    let recently = |ago: i64| {
        Kit::new().with_client(moved(500, 31)).with_former_topic(
            old_group(),
            tid(7),
            FormerTopic {
                client: uid(500),
                hinted_at: Some(now() - Duration::minutes(ago)),
            },
        )
    };
    let (desk, commits, _) = recently(2).desk();
    let changes = run(&desk, &commits, Inbound::Message(in_old_topic(7, 91, "ще")));
    assert!(only_handled(&changes), "{changes:?}");
    let (desk, commits, _) = recently(6).desk();
    let changes = run(&desk, &commits, Inbound::Message(in_old_topic(7, 92, "ще")));
    assert_eq!(sent(&changes), vec![hint(7, 92)]);
}

#[test]
fn unknown_topics_service_messages_bots_and_notes_in_other_groups_are_ignored_silently() {
    let kit = || Kit::new().with_client(not_moved_yet(500, 7));
    // A topic that was never a client's (another group the bot was added to).
    let (desk, commits, _) = kit().desk();
    let changes = run(&desk, &commits, Inbound::Message(in_old_topic(8, 90, "hi")));
    assert!(only_handled(&changes), "{changes:?}");
    let mut service = in_old_topic(7, 90, "");
    service.content = Content::Service;
    let mut bot = in_old_topic(7, 91, "beep");
    bot.from.is_bot = true;
    let note = in_old_topic(7, 92, "// для своїх");
    for msg in [service, bot, note] {
        let (desk, commits, _) = kit().desk();
        let changes = run(&desk, &commits, Inbound::Message(msg));
        assert!(only_handled(&changes), "{changes:?}");
    }
}

#[test]
fn the_support_groups_topic_is_told_from_an_old_topic_of_the_same_number() {
    // Client 500's topic 7 is in the old group; client 501's topic 7 is in the support group.
    let (desk, commits, _) = Kit::new()
        .with_client(not_moved_yet(500, 7))
        .with_client(moved(501, 7))
        .with_ticket(ticket(3, 501, true))
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 95, "Відповідь")),
    );
    assert_eq!(
        sent(&changes),
        vec![Outbound::StaffMessageToClient {
            client: uid(501),
            message: mid(95),
            reply_to: None,
        }]
    );
}

#[test]
fn the_hint_goes_into_the_old_topic_with_a_link_to_the_clients_topic_here() {
    let kit = Kit::new().with_client(moved(500, 31));
    let mut chat = MockChatGateway::new();
    chat.expect_send_text()
        .withf(|to, thread, text, reply_to| {
            *to == ChatRef::Group(old_group())
                && *thread == Some(tid(7))
                && *reply_to == Some(mid(90))
                && text.html == texts::former_topic_hint(Some("https://t.me/c/2992147362/31"))
        })
        .times(1)
        .returning(|_, _, _, _| Ok(mid(93)));
    futures::executor::block_on(delivery(&kit, chat).deliver(&entry(hint(7, 90)))).unwrap();
    let commits = kit.commits.lock().unwrap();
    assert_eq!(
        commits[..],
        [vec![Change::CompleteOutbox(OutboxId::new(77).unwrap())]]
    );
}

#[test]
fn on_staff_demand_the_clients_topic_is_created_here_first_with_the_moved_line() {
    let kit = Kit::new().with_client(not_moved_yet(500, 7));
    let mut chat = MockChatGateway::new();
    let mut seq = mockall::Sequence::new();
    chat.expect_create_topic()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(tid(31)));
    chat.expect_send_text()
        .withf(|to, thread, text, _| {
            *to == ChatRef::Group(group())
                && *thread == Some(tid(31))
                && text.html.contains("Картка клієнта")
                && text.html.contains(texts::TOPIC_MOVED)
        })
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _, _| Ok(mid(32)));
    chat.expect_send_text()
        .withf(|to, thread, text, _| {
            *to == ChatRef::Group(old_group())
                && *thread == Some(tid(7))
                && text.html.contains("https://t.me/c/2992147362/31")
        })
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _, _| Ok(mid(93)));
    futures::executor::block_on(delivery(&kit, chat).deliver(&entry(hint(7, 90)))).unwrap();
    let commits = kit.commits.lock().unwrap();
    assert_eq!(
        commits[0],
        vec![
            Change::SetThread {
                client: uid(500),
                thread: Some(tid(31))
            },
            Change::SetTopicGroup {
                client: uid(500),
                group: group()
            },
            Change::KeepFormerTopic {
                client: uid(500),
                group: old_group(),
                thread: tid(7),
            },
        ]
    );
}

#[test]
fn a_hint_the_old_group_refuses_is_dropped_but_a_transient_failure_is_retried() {
    let kit = Kit::new().with_client(moved(500, 31));
    let mut chat = MockChatGateway::new();
    chat.expect_send_text()
        .times(1)
        .returning(|_, _, _, _| Err(ChatError::Misconfigured("bot was kicked".into())));
    futures::executor::block_on(delivery(&kit, chat).deliver(&entry(hint(7, 90)))).unwrap();
    assert_eq!(
        kit.commits.lock().unwrap()[..],
        [vec![Change::CompleteOutbox(OutboxId::new(77).unwrap())]]
    );

    let kit = Kit::new().with_client(moved(500, 31));
    let mut chat = MockChatGateway::new();
    chat.expect_send_text()
        .times(1)
        .returning(|_, _, _, _| Err(ChatError::Transient("HTTP 502".into())));
    let err =
        futures::executor::block_on(delivery(&kit, chat).deliver(&entry(hint(7, 90)))).unwrap_err();
    assert!(matches!(err, crate::services::DeliveryError::Transient(_)));
    assert!(kit.commits.lock().unwrap().is_empty());
}

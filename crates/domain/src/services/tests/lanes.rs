//! Use-case tests: handling in a conversation's lane (Enote deferred), giving an update up,
//! and the checks that keep a bad command from reaching the database.

use super::testkit::*;
use crate::change::Change;
use crate::client::ClientLink;
use crate::enote_link::{LinkState, PendingLink};
use crate::ids::{PendingLinkId, UpdateId};
use crate::message::Place;
use crate::outbound::Outbound;
use crate::ports::{InboxEntry, MockPracticeDirectory};
use crate::services::{Conversation, Handled, Inbound};
use crate::texts;
use chrono::Duration;
use std::sync::Arc;

fn linked(id: i64, thread: i64) -> crate::client::Client {
    let mut c = client(id, Some(thread));
    c.link = Some(ClientLink {
        owner_key: owner(OWNER_1),
        owner_name: Some("Шевченко Олена Петрівна".into()),
        owner_phone: None,
        contract: Some(contract("1001")),
        linked_by: None,
        linked_at: None,
    });
    c
}

fn awaiting() -> PendingLink {
    PendingLink {
        id: PendingLinkId::new(4).unwrap(),
        thread: tid(7),
        client: uid(500),
        initiator: uid(600),
        state: LinkState::AwaitingContract,
        expires_at: now() + Duration::minutes(5),
    }
}

/// A directory that fails the test if anything calls it.
fn untouchable() -> MockPracticeDirectory {
    let mut d = MockPracticeDirectory::new();
    d.expect_pets_of_owner().never();
    d.expect_owner_profile().never();
    d.expect_owner_by_contract().never();
    d
}

#[test]
fn in_the_lane_a_lookup_is_deferred_and_nothing_is_written() {
    for command in ["/patient", "/auto_label"] {
        let (desk, commits, _) = Kit::new()
            .with_client(linked(500, 7))
            .with_ticket(ticket(3, 500, true))
            .with_directory(untouchable())
            .desk();
        let inbound = Inbound::Message(staff_text(600, Some(7), 5, command));
        let handled =
            futures::executor::block_on(desk.handle_in_lane(UpdateId(1), &inbound)).unwrap();
        assert_eq!(handled, Handled::NeedsDirectory, "{command}");
        assert!(commits.lock().unwrap().is_empty(), "{command}");
    }
}

#[test]
fn in_the_lane_everything_without_enote_is_committed() {
    let (desk, commits, _) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_ticket(ticket(3, 500, true))
        .with_directory(untouchable())
        .desk();
    // Not linked: the answer needs no lookup.
    let inbound = Inbound::Message(staff_text(600, Some(7), 5, "/patient"));
    let handled = futures::executor::block_on(desk.handle_in_lane(UpdateId(1), &inbound)).unwrap();
    assert_eq!(handled, Handled::Done);
    let commits = commits.lock().unwrap();
    assert_eq!(commits.len(), 1);
    assert_eq!(texts_of(&commits[0]), vec![texts::NOT_LINKED.to_owned()]);
    assert_eq!(commits[0].last(), Some(&Change::InboxHandled(UpdateId(1))));
}

fn arrived(update: i64) -> InboxEntry {
    InboxEntry {
        update: UpdateId(update),
        chat: Some(500),
        payload: "{}".into(),
    }
}

#[test]
fn on_arrival_the_update_is_stored_as_handled_with_its_effects() {
    let (desk, commits, _) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_ticket(ticket(3, 500, true))
        .with_directory(untouchable())
        .desk();
    let inbound = Inbound::Message(staff_text(600, Some(7), 5, "/patient"));
    let handled =
        futures::executor::block_on(desk.handle_on_arrival(&arrived(9), &inbound)).unwrap();
    assert_eq!(handled, Handled::Done);
    let commits = commits.lock().unwrap();
    assert_eq!(commits.len(), 1, "one commit: the update with its effects");
    assert_eq!(texts_of(&commits[0]), vec![texts::NOT_LINKED.to_owned()]);
    assert_eq!(
        commits[0].last(),
        Some(&Change::InboxArrivedHandled(arrived(9)))
    );
    assert!(
        !commits[0]
            .iter()
            .any(|c| matches!(c, Change::InboxHandled(_))),
        "nothing to mark: the update was not stored before"
    );
}

#[test]
fn on_arrival_an_update_that_needs_enote_writes_nothing() {
    let (desk, commits, _) = Kit::new()
        .with_client(linked(500, 7))
        .with_ticket(ticket(3, 500, true))
        .with_directory(untouchable())
        .desk();
    let inbound = Inbound::Message(staff_text(600, Some(7), 5, "/patient"));
    let handled =
        futures::executor::block_on(desk.handle_on_arrival(&arrived(9), &inbound)).unwrap();
    assert_eq!(handled, Handled::NeedsDirectory);
    assert!(commits.lock().unwrap().is_empty());
}

#[test]
fn off_the_lane_the_given_directory_answers() {
    let (desk, commits, _) = Kit::new()
        .with_client(linked(500, 7))
        .with_ticket(ticket(3, 500, true))
        .with_directory(untouchable())
        .desk();
    let inbound = Inbound::Message(staff_text(600, Some(7), 5, "/patient"));
    futures::executor::block_on(desk.handle_with_directory(
        UpdateId(1),
        inbound,
        Arc::new(fixture_directory()),
    ))
    .unwrap();
    let commits = commits.lock().unwrap();
    assert_eq!(commits.len(), 1);
    assert!(texts_of(&commits[0])[0].contains("Барсік"));
}

#[test]
fn the_initiators_sentence_goes_to_the_client_while_the_link_waits() {
    let (desk, commits, _) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_ticket(ticket(3, 500, true))
        .with_link(awaiting())
        .with_directory(untouchable())
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 6, "Добрий день, зараз перевірю")),
    );
    assert!(
        sent(&changes)
            .iter()
            .any(|o| matches!(o, Outbound::StaffMessageToClient { .. }))
    );
    assert!(!changes.iter().any(|c| matches!(
        c,
        Change::RemovePendingLink(_) | Change::UpdatePendingLink(_)
    )));
}

#[test]
fn a_reply_to_the_prompt_is_the_contract_number_even_when_it_is_no_number() {
    let (desk, commits, _) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_ticket(ticket(3, 500, true))
        .with_link(awaiting())
        .with_directory(untouchable())
        .desk();
    let mut reply = staff_text(600, Some(7), 6, "");
    reply.content = crate::message::Content::Text("   ".into());
    reply.reply_to = Some(mid(900));
    reply.reply_to_sender = Some(crate::message::Sender {
        is_bot: true,
        ..sender(42, "PetWealthParentsBot")
    });
    let changes = run(&desk, &commits, Inbound::Message(reply));
    assert!(
        !sent(&changes)
            .iter()
            .any(|o| matches!(o, Outbound::StaffMessageToClient { .. }))
    );
    assert!(texts_of(&changes)[0].contains("Не схоже на номер договору"));
}

#[test]
fn a_lone_contract_like_word_is_taken_and_looked_up_off_the_lane() {
    let (desk, commits, _) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_ticket(ticket(3, 500, true))
        .with_link(awaiting())
        .with_directory(untouchable())
        .desk();
    let inbound = Inbound::Message(staff_text(600, Some(7), 6, "№1001"));
    let handled = futures::executor::block_on(desk.handle_in_lane(UpdateId(1), &inbound)).unwrap();
    assert_eq!(handled, Handled::NeedsDirectory);
    assert!(commits.lock().unwrap().is_empty());
}

#[test]
fn cancel_ends_the_wait_and_says_so() {
    let (desk, commits, events) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_ticket(ticket(3, 500, true))
        .with_link(awaiting())
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 6, "/cancel")),
    );
    assert!(changes.contains(&Change::RemovePendingLink(PendingLinkId::new(4).unwrap())));
    assert_eq!(texts_of(&changes), vec![texts::LINK_CANCELLED.to_owned()]);
    assert_eq!(events.lock().unwrap().len(), 1);

    let (desk, commits, _) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_ticket(ticket(3, 500, true))
        .desk();
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 6, "/cancel")),
    );
    assert_eq!(
        texts_of(&changes),
        vec![texts::NOTHING_TO_CANCEL.to_owned()]
    );
}

#[test]
fn an_overlong_username_is_answered_not_stored() {
    let (desk, commits, _) = Kit::new()
        .with_client(client(500, Some(7)))
        .with_ticket(ticket(3, 500, true))
        .desk();
    let long = format!("/assign @{}", "a".repeat(65));
    let changes = run(
        &desk,
        &commits,
        Inbound::Message(staff_text(600, Some(7), 6, &long)),
    );
    assert!(
        !changes
            .iter()
            .any(|c| matches!(c, Change::AssignTicket { .. }))
    );
    assert!(texts_of(&changes)[0].contains("щонайбільше 32"));
}

#[test]
fn a_failed_update_is_kept_and_noticed_where_it_happened() {
    let (desk, commits, _) = Kit::new().with_client(client(500, Some(7))).desk();
    let in_topic = Inbound::Message(staff_text(600, Some(7), 6, "/label x"));
    futures::executor::block_on(desk.give_up(UpdateId(9), &in_topic, "Data too long")).unwrap();
    let from_client = Inbound::Message(private_text(500, 3, "Привіт"));
    futures::executor::block_on(desk.give_up(UpdateId(10), &from_client, "boom")).unwrap();
    let commits = commits.lock().unwrap();
    assert_eq!(
        commits[0][0],
        Change::InboxFailed {
            update: UpdateId(9),
            error: "Data too long".into()
        }
    );
    for (commit, reply) in commits.iter().zip([Some(mid(6)), None]) {
        match &sent(commit)[..] {
            [
                Outbound::TextToGroup {
                    thread,
                    text,
                    reply_to,
                },
            ] => {
                assert_eq!(*thread, Some(tid(7)));
                assert_eq!(*reply_to, reply);
                assert!(text.html.starts_with("⚠️"));
            }
            other => panic!("one notice in the topic expected, got {other:?}"),
        }
    }
}

#[test]
fn conversations_are_chats_topics_and_general() {
    let topic = Inbound::Message(staff_text(600, Some(7), 6, "так"));
    let general = Inbound::Message(staff_text(600, None, 6, "так"));
    let private = Inbound::Message(private_text(500, 3, "Привіт"));
    assert_eq!(
        topic.conversation(),
        Conversation::Topic(crate::message::TopicKey::support(tid(7)))
    );
    assert_eq!(general.conversation(), Conversation::General);
    assert_eq!(private.conversation(), Conversation::Private(uid(500)));
    assert_eq!(Inbound::Ignored.conversation(), Conversation::Unrelated);
    let mut elsewhere = staff_text(600, None, 6, "так");
    elsewhere.place = Place::Elsewhere;
    assert_eq!(
        Inbound::Message(elsewhere).conversation(),
        Conversation::Unrelated
    );
    // Topic 7 of the group the clinic left is not topic 7 of the support group: its own lane.
    let old_group = crate::ids::GroupId::new(-1001).unwrap();
    let mut former = staff_text(600, None, 6, "так");
    former.place = Place::OtherGroupTopic {
        group: old_group,
        thread: tid(7),
    };
    let former = Inbound::Message(former).conversation();
    assert_eq!(
        former,
        Conversation::Topic(crate::message::TopicKey::other(old_group, tid(7)))
    );
    assert_ne!(former, topic.conversation());
    let Conversation::Topic(key) = former else {
        unreachable!()
    };
    assert_eq!(key.to_string(), "-1001/7");
    assert_eq!(crate::message::TopicKey::support(tid(7)).to_string(), "7");
}

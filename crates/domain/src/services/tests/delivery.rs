//! Use-case tests: delivering queued actions, with Telegram's refusals.

use super::testkit::*;
use crate::change::{Change, TicketRef};
use crate::ids::{ChatRef, OutboxId};
use crate::message::Direction;
use crate::outbound::Outbound;
use crate::ports::{ChatError, MockChatGateway};
use crate::services::DeliveryError;
use crate::texts;
use mockall::predicate::*;
use std::time::Duration;

fn to_topic() -> Outbound {
    Outbound::ClientMessageToTopic {
        client: uid(500),
        message: mid(10),
        reply_to: None,
    }
}

#[test]
fn the_first_message_creates_the_topic_with_a_card_then_copies() {
    let kit = Kit::new().with_client(client(500, None));
    let mut chat = MockChatGateway::new();
    chat.expect_create_topic()
        .withf(|name| name.as_str() == "Олена")
        .times(1)
        .returning(|_| Ok(tid(31)));
    chat.expect_send_text()
        .withf(|to, thread, text, _| {
            *to == ChatRef::Group(group())
                && *thread == Some(tid(31))
                && text.html.contains("Картка клієнта")
        })
        .times(1)
        .returning(|_, _, _, _| Ok(mid(1)));
    chat.expect_copy_message()
        .with(
            eq(ChatRef::Client(uid(500))),
            eq(mid(10)),
            eq(ChatRef::Group(group())),
            eq(Some(tid(31))),
            eq(None),
        )
        .times(1)
        .returning(|_, _, _, _, _| Ok(mid(2)));
    futures::executor::block_on(delivery(&kit, chat).deliver(&entry(to_topic()))).unwrap();
    let commits = kit.commits.lock().unwrap();
    // The topic is stored before the copy, so a failure later never makes a second one.
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
        ]
    );
    assert_eq!(
        commits[1],
        vec![
            Change::MapMessage {
                client: uid(500),
                direction: Direction::ClientToStaff,
                source: mid(10),
                copy: mid(2)
            },
            Change::CompleteOutbox(OutboxId::new(77).unwrap()),
        ]
    );
}

#[test]
fn a_card_that_fails_is_queued_at_once_and_survives_a_failed_copy() {
    let kit = Kit::new().with_client(client(500, None));
    let mut chat = MockChatGateway::new();
    chat.expect_create_topic()
        .times(1)
        .returning(|_| Ok(tid(31)));
    chat.expect_send_text()
        .times(1)
        .returning(|_, _, _, _| Err(ChatError::Transient("502 Bad Gateway".into())));
    chat.expect_copy_message()
        .times(1)
        .returning(|_, _, _, _, _| Err(ChatError::Transient("502 Bad Gateway".into())));
    let result = futures::executor::block_on(delivery(&kit, chat).deliver(&entry(to_topic())));
    assert!(matches!(result, Err(DeliveryError::Transient(_))));
    let commits = kit.commits.lock().unwrap();
    assert_eq!(commits.len(), 2, "{commits:?}");
    assert!(matches!(
        commits[0][..],
        [Change::SetThread { .. }, Change::SetTopicGroup { .. }]
    ));
    // The card waits in the outbox (behind the message, which is retried first): the retry
    // finds the topic and would not post a card itself.
    match &commits[1][..] {
        [Change::Enqueue(Outbound::TextToTopic { client, text, .. })] => {
            assert_eq!(*client, uid(500));
            assert!(text.html.contains("Картка клієнта"));
        }
        other => panic!("expected the card queued, got {other:?}"),
    }
}

#[test]
fn a_deleted_topic_is_recreated_and_the_message_delivered_there() {
    let kit = Kit::new().with_client(client(500, Some(7)));
    let mut chat = MockChatGateway::new();
    chat.expect_copy_message()
        .withf(|_, _, _, thread, _| *thread == Some(tid(7)))
        .times(1)
        .returning(|_, _, _, _, _| Err(ChatError::TopicGone));
    chat.expect_create_topic()
        .times(1)
        .returning(|_| Ok(tid(8)));
    chat.expect_send_text()
        .times(1)
        .returning(|_, _, _, _| Ok(mid(1)));
    chat.expect_copy_message()
        .withf(|_, _, _, thread, _| *thread == Some(tid(8)))
        .times(1)
        .returning(|_, _, _, _, _| Ok(mid(3)));
    futures::executor::block_on(delivery(&kit, chat).deliver(&entry(to_topic()))).unwrap();
    let commits = kit.commits.lock().unwrap();
    assert_eq!(
        commits[0],
        vec![
            Change::SetThread {
                client: uid(500),
                thread: Some(tid(8))
            },
            Change::SetTopicGroup {
                client: uid(500),
                group: group()
            },
        ]
    );
    assert!(commits[1].contains(&Change::CompleteOutbox(OutboxId::new(77).unwrap())));
}

#[test]
fn a_closed_topic_is_reopened() {
    let kit = Kit::new().with_client(client(500, Some(7)));
    let mut chat = MockChatGateway::new();
    let mut seq = mockall::Sequence::new();
    chat.expect_copy_message()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _, _, _| Err(ChatError::TopicClosed));
    chat.expect_reopen_topic()
        .with(eq(tid(7)))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(()));
    chat.expect_copy_message()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _, _, _| Ok(mid(3)));
    futures::executor::block_on(delivery(&kit, chat).deliver(&entry(to_topic()))).unwrap();
}

#[test]
fn rate_limits_and_outages_leave_the_entry_queued() {
    let kit = Kit::new().with_client(client(500, Some(7)));
    let mut chat = MockChatGateway::new();
    chat.expect_copy_message().returning(|_, _, _, _, _| {
        Err(ChatError::RateLimited {
            retry_after: Duration::from_secs(17),
        })
    });
    let err =
        futures::executor::block_on(delivery(&kit, chat).deliver(&entry(to_topic()))).unwrap_err();
    assert_eq!(err, DeliveryError::RetryAfter(Duration::from_secs(17)));
    assert!(kit.commits.lock().unwrap().is_empty(), "nothing completed");

    let mut chat = MockChatGateway::new();
    chat.expect_copy_message()
        .returning(|_, _, _, _, _| Err(ChatError::Transient("HTTP 502".into())));
    let err =
        futures::executor::block_on(delivery(&kit, chat).deliver(&entry(to_topic()))).unwrap_err();
    assert!(matches!(err, DeliveryError::Transient(_)));
}

#[test]
fn a_staff_answer_records_the_copy_and_the_first_response() {
    let kit = Kit::new().with_client(client(500, Some(7)));
    let mut chat = MockChatGateway::new();
    chat.expect_copy_message()
        .with(
            eq(ChatRef::Group(group())),
            eq(mid(701)),
            eq(ChatRef::Client(uid(500))),
            eq(None),
            eq(Some(mid(10))),
        )
        .returning(|_, _, _, _, _| Ok(mid(55)));
    let action = Outbound::StaffMessageToClient {
        client: uid(500),
        message: mid(701),
        reply_to: Some(mid(10)),
    };
    futures::executor::block_on(delivery(&kit, chat).deliver(&entry(action))).unwrap();
    let commits = kit.commits.lock().unwrap();
    assert_eq!(
        commits[0][0],
        Change::MapMessage {
            client: uid(500),
            direction: Direction::StaffToClient,
            source: mid(701),
            copy: mid(55)
        }
    );
    assert_eq!(
        commits[0][1],
        Change::StaffAnswered {
            ticket: TicketRef::OpenOf(uid(500)),
            at: now()
        }
    );
}

#[test]
fn a_blocked_client_gets_a_notice_in_the_topic_and_the_message_stays_recorded() {
    let kit = Kit::new().with_client(client(500, Some(7)));
    let mut chat = MockChatGateway::new();
    chat.expect_copy_message()
        .times(1)
        .returning(|_, _, _, _, _| Err(ChatError::Blocked));
    let action = Outbound::StaffMessageToClient {
        client: uid(500),
        message: mid(701),
        reply_to: None,
    };
    futures::executor::block_on(delivery(&kit, chat).deliver(&entry(action))).unwrap();
    let commits = kit.commits.lock().unwrap();
    assert!(commits[0].contains(&Change::SetBlocked {
        client: uid(500),
        blocked: true
    }));
    assert!(commits[0].iter().any(
        |c| matches!(c, Change::Enqueue(Outbound::TextToTopic { text, reply_to: Some(m), .. })
        if text.html == texts::CLIENT_BLOCKED && *m == mid(701))
    ));
    assert!(commits[0].contains(&Change::CompleteOutbox(OutboxId::new(77).unwrap())));
}

#[test]
fn a_vanished_reply_target_does_not_block_the_message() {
    let kit = Kit::new().with_client(client(500, Some(7)));
    let mut chat = MockChatGateway::new();
    chat.expect_copy_message()
        .withf(|_, _, _, _, reply| reply.is_some())
        .times(1)
        .returning(|_, _, _, _, _| Err(ChatError::MessageGone));
    chat.expect_copy_message()
        .withf(|_, _, _, _, reply| reply.is_none())
        .times(1)
        .returning(|_, _, _, _, _| Ok(mid(56)));
    let action = Outbound::StaffMessageToClient {
        client: uid(500),
        message: mid(701),
        reply_to: Some(mid(3)),
    };
    futures::executor::block_on(delivery(&kit, chat).deliver(&entry(action))).unwrap();
}

#[test]
fn an_edit_that_cannot_be_applied_is_shown_as_a_note() {
    let kit = Kit::new().with_client(client(500, Some(7)));
    let mut chat = MockChatGateway::new();
    chat.expect_edit_copy()
        .returning(|_, _, _, _| Err(ChatError::Permanent("message can't be edited".into())));
    let action = Outbound::EditInTopic {
        client: uid(500),
        message: mid(700),
        text: "нове <слово>".into(),
        caption: false,
    };
    futures::executor::block_on(delivery(&kit, chat).deliver(&entry(action))).unwrap();
    let commits = kit.commits.lock().unwrap();
    assert!(commits[0].iter().any(
        |c| matches!(c, Change::Enqueue(Outbound::TextToTopic { text, .. })
        if text.html.contains("нове &lt;слово&gt;"))
    ));
}

#[test]
fn permanent_refusals_are_reported_as_permanent() {
    let kit = Kit::new().with_client(client(500, Some(7)));
    let mut chat = MockChatGateway::new();
    chat.expect_send_text().returning(|_, _, _, _| {
        Err(ChatError::Permanent(
            "Bad Request: can't parse entities".into(),
        ))
    });
    let action = Outbound::TextToClient {
        client: uid(500),
        text: crate::outbound::BotText::new("x"),
    };
    let err =
        futures::executor::block_on(delivery(&kit, chat).deliver(&entry(action))).unwrap_err();
    assert!(matches!(err, DeliveryError::Permanent(_)));
}

#[test]
fn a_send_whose_record_fails_hands_back_its_changes_instead_of_sending_again() {
    let mut kit = Kit::new().with_client(client(500, Some(31)));
    kit.commit_fails = true;
    let mut chat = MockChatGateway::new();
    chat.expect_copy_message()
        .times(1)
        .returning(|_, _, _, _, _| Ok(mid(2)));
    let result = futures::executor::block_on(delivery(&kit, chat).deliver(&entry(to_topic())));
    let Err(DeliveryError::Unrecorded { changes, .. }) = result else {
        panic!("expected Unrecorded, got {result:?}");
    };
    assert!(changes.contains(&Change::MapMessage {
        client: uid(500),
        direction: Direction::ClientToStaff,
        source: mid(10),
        copy: mid(2),
    }));
    assert_eq!(
        changes.last(),
        Some(&Change::CompleteOutbox(OutboxId::new(77).unwrap()))
    );
}

fn copy_refused() -> ChatError {
    ChatError::Permanent("Bad Request: message can't be copied".into())
}

/// The texts queued by a commit, with where they go.
fn notices(changes: &[Change]) -> Vec<Outbound> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Enqueue(o @ (Outbound::TextToTopic { .. } | Outbound::TextToGroup { .. })) => {
                Some(o.clone())
            }
            _ => None,
        })
        .collect()
}

#[test]
fn a_client_message_telegram_will_not_copy_leaves_a_notice_in_the_topic() {
    let kit = Kit::new().with_client(client(500, Some(7)));
    let mut chat = MockChatGateway::new();
    chat.expect_copy_message()
        .times(1)
        .returning(|_, _, _, _, _| Err(copy_refused()));
    futures::executor::block_on(delivery(&kit, chat).deliver(&entry(to_topic()))).unwrap();
    let commits = kit.commits.lock().unwrap();
    assert_eq!(commits.len(), 1, "{commits:?}");
    match &notices(&commits[0])[..] {
        [Outbound::TextToTopic { client, text, .. }] => {
            assert_eq!(*client, uid(500));
            assert!(
                text.html
                    .starts_with("⚠️ Повідомлення клієнта не вдалося переслати: "),
                "{}",
                text.html
            );
            assert!(
                text.html.contains("message can't be copied"),
                "{}",
                text.html
            );
        }
        other => panic!("expected one notice in the topic, got {other:?}"),
    }
    assert!(
        !commits[0]
            .iter()
            .any(|c| matches!(c, Change::MapMessage { .. })),
        "nothing was copied"
    );
    assert_eq!(
        commits[0].last(),
        Some(&Change::CompleteOutbox(OutboxId::new(77).unwrap()))
    );
}

#[test]
fn a_client_message_deleted_before_the_copy_is_dropped_without_a_notice() {
    let kit = Kit::new().with_client(client(500, Some(7)));
    let mut chat = MockChatGateway::new();
    chat.expect_copy_message()
        .times(1)
        .returning(|_, _, _, _, _| Err(ChatError::MessageGone));
    futures::executor::block_on(delivery(&kit, chat).deliver(&entry(to_topic()))).unwrap();
    let commits = kit.commits.lock().unwrap();
    assert!(notices(&commits[0]).is_empty(), "{commits:?}");
}

#[test]
fn a_staff_answer_telegram_will_not_copy_leaves_a_notice_under_it() {
    let kit = Kit::new().with_client(client(500, Some(7)));
    let mut chat = MockChatGateway::new();
    chat.expect_copy_message()
        .times(1)
        .returning(|_, _, _, _, _| Err(copy_refused()));
    let action = Outbound::StaffMessageToClient {
        client: uid(500),
        message: mid(701),
        reply_to: None,
    };
    futures::executor::block_on(delivery(&kit, chat).deliver(&entry(action))).unwrap();
    let commits = kit.commits.lock().unwrap();
    match &notices(&commits[0])[..] {
        [Outbound::TextToTopic { text, reply_to, .. }] => {
            assert!(
                text.html
                    .starts_with("⚠️ Повідомлення не доставлено клієнту: "),
                "{}",
                text.html
            );
            assert_eq!(*reply_to, Some(mid(701)), "the notice points at the answer");
        }
        other => panic!("expected one notice in the topic, got {other:?}"),
    }
    assert!(
        !commits[0]
            .iter()
            .any(|c| matches!(c, Change::StaffAnswered { .. })),
        "an answer that did not arrive is no first response"
    );
    assert!(commits[0].contains(&Change::CompleteOutbox(OutboxId::new(77).unwrap())));
}

#[test]
fn a_topic_name_telegram_refuses_falls_back_to_a_plain_one() {
    let kit = Kit::new().with_client(client(500, None));
    let mut chat = MockChatGateway::new();
    let mut seq = mockall::Sequence::new();
    chat.expect_create_topic()
        .withf(|name| name.as_str() == "Олена")
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| {
            Err(ChatError::Permanent(
                "Bad Request: TOPIC_NAME_INVALID".into(),
            ))
        });
    chat.expect_create_topic()
        .withf(|name| name.as_str() == texts::fallback_topic_name(uid(500)))
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(tid(31)));
    // The card says what happened to the name: no message of its own in the group's budget.
    chat.expect_send_text()
        .withf(|_, thread, text, _| {
            *thread == Some(tid(31))
                && text.html.contains("Картка клієнта")
                && text.html.contains("«Олена»")
                && text.html.contains("«Клієнт 500»")
                && text.html.contains("TOPIC_NAME_INVALID")
        })
        .times(1)
        .returning(|_, _, _, _| Ok(mid(1)));
    chat.expect_copy_message()
        .withf(|_, _, _, thread, _| *thread == Some(tid(31)))
        .times(1)
        .returning(|_, _, _, _, _| Ok(mid(2)));
    futures::executor::block_on(delivery(&kit, chat).deliver(&entry(to_topic()))).unwrap();
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
        ]
    );
    assert!(commits[1].contains(&Change::MapMessage {
        client: uid(500),
        direction: Direction::ClientToStaff,
        source: mid(10),
        copy: mid(2),
    }));
}

#[test]
fn a_client_who_cannot_get_a_topic_is_reported_in_general() {
    let kit = Kit::new().with_client(client(500, None));
    let mut chat = MockChatGateway::new();
    chat.expect_create_topic().times(2).returning(|_| {
        Err(ChatError::Permanent(
            "Bad Request: TOPIC_NAME_INVALID".into(),
        ))
    });
    futures::executor::block_on(delivery(&kit, chat).deliver(&entry(to_topic()))).unwrap();
    let commits = kit.commits.lock().unwrap();
    assert_eq!(commits.len(), 1, "{commits:?}");
    match &notices(&commits[0])[..] {
        [
            Outbound::TextToGroup {
                thread: None, text, ..
            },
        ] => {
            assert!(
                text.html
                    .starts_with("⚠️ Повідомлення клієнта Олена (500) не вдалося переслати: "),
                "{}",
                text.html
            );
        }
        other => panic!("expected one notice in General, got {other:?}"),
    }
}

#[test]
fn a_group_that_is_not_set_up_is_no_refused_name() {
    let kit = Kit::new().with_client(client(500, None));
    let mut chat = MockChatGateway::new();
    chat.expect_create_topic().times(1).returning(|_| {
        Err(ChatError::Misconfigured(
            "Bad Request: not enough rights to create a topic".into(),
        ))
    });
    let err =
        futures::executor::block_on(delivery(&kit, chat).deliver(&entry(to_topic()))).unwrap_err();
    assert!(matches!(err, DeliveryError::Misconfigured(_)), "{err:?}");
    assert!(kit.commits.lock().unwrap().is_empty(), "the message waits");
}

#[test]
fn a_refused_rename_keeps_the_name_and_says_so() {
    let kit = Kit::new().with_client(client(500, Some(7)));
    let mut chat = MockChatGateway::new();
    chat.expect_rename_topic().times(1).returning(|_, _| {
        Err(ChatError::Permanent(
            "Bad Request: TOPIC_NAME_INVALID".into(),
        ))
    });
    let action = Outbound::RenameTopic {
        client: uid(500),
        label: crate::label::Label::new("Олена — Барсік").unwrap(),
    };
    futures::executor::block_on(delivery(&kit, chat).deliver(&entry(action))).unwrap();
    let commits = kit.commits.lock().unwrap();
    match &notices(&commits[0])[..] {
        [Outbound::TextToTopic { text, .. }] => {
            assert!(text.html.contains("«Олена — Барсік»"), "{}", text.html);
        }
        other => panic!("expected one notice in the topic, got {other:?}"),
    }
}

#[test]
fn a_refused_notice_is_only_reported_never_noticed_again() {
    let kit = Kit::new().with_client(client(500, Some(7)));
    let mut chat = MockChatGateway::new();
    chat.expect_send_text().times(1).returning(|_, _, _, _| {
        Err(ChatError::Permanent(
            "Bad Request: can't parse entities".into(),
        ))
    });
    let action = Outbound::TextToTopic {
        client: uid(500),
        text: crate::outbound::BotText::new(texts::staff_message_not_delivered("x")),
        reply_to: None,
    };
    let err =
        futures::executor::block_on(delivery(&kit, chat).deliver(&entry(action))).unwrap_err();
    assert!(matches!(err, DeliveryError::Permanent(_)));
    assert!(kit.commits.lock().unwrap().is_empty());
}

#[test]
fn a_staff_answer_that_meets_an_outage_is_retried_not_noticed() {
    let kit = Kit::new().with_client(client(500, Some(7)));
    let mut chat = MockChatGateway::new();
    chat.expect_copy_message()
        .times(1)
        .returning(|_, _, _, _, _| Err(ChatError::Transient("HTTP 502".into())));
    let action = Outbound::StaffMessageToClient {
        client: uid(500),
        message: mid(701),
        reply_to: None,
    };
    let err =
        futures::executor::block_on(delivery(&kit, chat).deliver(&entry(action))).unwrap_err();
    assert!(matches!(err, DeliveryError::Transient(_)));
    assert!(kit.commits.lock().unwrap().is_empty());
}

fn moved_client() -> crate::client::Client {
    let mut c = client(500, Some(7));
    c.topic_group = Some(crate::ids::GroupId::new(-1001).unwrap());
    c
}

#[test]
fn a_topic_in_an_earlier_group_is_recreated_here_with_the_line_after_the_card() {
    let kit = Kit::new().with_client(moved_client());
    let mut chat = MockChatGateway::new();
    let mut seq = mockall::Sequence::new();
    chat.expect_create_topic()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(tid(31)));
    chat.expect_send_text()
        .withf(|to, thread, text, _| {
            let card = text.html.find("Картка клієнта");
            let line = text.html.find(texts::TOPIC_MOVED);
            *to == ChatRef::Group(group())
                && *thread == Some(tid(31))
                && matches!((card, line), (Some(c), Some(l)) if c < l)
        })
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _, _| Ok(mid(1)));
    // Never into the old topic's number, and without a reply target from the old group.
    chat.expect_copy_message()
        .with(
            eq(ChatRef::Client(uid(500))),
            eq(mid(10)),
            eq(ChatRef::Group(group())),
            eq(Some(tid(31))),
            eq(None),
        )
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_, _, _, _, _| Ok(mid(2)));
    let action = Outbound::ClientMessageToTopic {
        client: uid(500),
        message: mid(10),
        reply_to: Some(mid(5)),
    };
    futures::executor::block_on(delivery(&kit, chat).deliver(&entry(action))).unwrap();
    let commits = kit.commits.lock().unwrap();
    // The old topic is remembered with the new one, so staff writing there can be pointed here.
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
                group: crate::ids::GroupId::new(-1001).unwrap(),
                thread: tid(7),
            },
        ]
    );
}

#[test]
fn a_topic_already_in_this_group_is_used_without_the_line() {
    let mut c = client(500, Some(7));
    c.topic_group = Some(group());
    let kit = Kit::new().with_client(c);
    let mut chat = MockChatGateway::new();
    chat.expect_copy_message()
        .withf(|_, _, _, thread, _| *thread == Some(tid(7)))
        .times(1)
        .returning(|_, _, _, _, _| Ok(mid(2)));
    futures::executor::block_on(delivery(&kit, chat).deliver(&entry(to_topic()))).unwrap();
    let commits = kit.commits.lock().unwrap();
    assert!(
        !commits
            .iter()
            .flatten()
            .any(|c| matches!(c, Change::SetThread { .. })),
        "{commits:?}"
    );
}

#[test]
fn a_notice_for_a_topic_in_an_earlier_group_is_not_sent_into_a_stranger_topic() {
    let kit = Kit::new().with_client(moved_client());
    // No expectations: any send would panic.
    let chat = MockChatGateway::new();
    let action = Outbound::TextToTopic {
        client: uid(500),
        text: crate::outbound::BotText::new("x".to_owned()),
        reply_to: None,
    };
    futures::executor::block_on(delivery(&kit, chat).deliver(&entry(action))).unwrap();
    let commits = kit.commits.lock().unwrap();
    assert_eq!(
        commits[..],
        [vec![Change::CompleteOutbox(OutboxId::new(77).unwrap())]]
    );
}

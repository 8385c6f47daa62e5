//! The contract scenarios: what any implementation of the store ports must do.

use crate::support::{Ctx, GROUP, group};
use adapters_mysql::SqlStore;
use adapters_mysql::entities::{audit_log, messages, outbox, tickets};
use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use domain::change::{AuditEntry, Change, TicketRef};
use domain::client::{ClientLink, Profile};
use domain::contract::ContractNumber;
use domain::enote_link::{LinkState, NewPendingLink, PendingLink};
use domain::ids::{GroupId, MessageId, OutboxId, ThreadId, TicketId, UpdateId, UserId};
use domain::label::Label;
use domain::message::{Direction, MediaKind};
use domain::outbound::{BotText, Outbound, Queue};
use domain::owner::OwnerKey;
use domain::phone::Phone;
use domain::ports::{
    ClientRepository, Inbox, InboxEntry, MessageRepository, Outbox, PendingLinkRepository,
    QueueHead, StoreError, TicketRepository, UnitOfWork,
};
use domain::ticket::{Assignee, Rating, TicketStatus};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use std::sync::Arc;

/// Above 2^32, as real Telegram user ids are now.
pub const BIG: i64 = 8_123_456_789;

pub fn uid(n: i64) -> UserId {
    UserId::new(n).unwrap()
}
pub fn thread(n: i64) -> ThreadId {
    ThreadId::new(n).unwrap()
}
pub fn mid(n: i64) -> MessageId {
    MessageId::new(n).unwrap()
}
pub fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 14, h, m, s).unwrap()
}
pub fn label(s: &str) -> Label {
    Label::new(s).unwrap()
}

pub fn upsert(client: UserId, first: &str, last: Option<&str>, username: Option<&str>) -> Change {
    Change::UpsertClient {
        client,
        profile: Profile {
            username: username.map(str::to_owned),
            first_name: Some(first.to_owned()),
            last_name: last.map(str::to_owned),
        },
    }
}

pub fn open(client: UserId, th: Option<i64>, when: DateTime<Utc>) -> Change {
    Change::OpenTicket {
        client,
        thread: th.map(thread),
        label: label("Олена 🐾"),
        at: when,
    }
}

pub fn record(client: UserId, ticket: TicketRef, dir: Direction, id: i64, text: &str) -> Change {
    let (c, g) = match dir {
        Direction::ClientToStaff => (Some(mid(id)), None),
        Direction::StaffToClient => (None, Some(mid(id))),
    };
    Change::RecordMessage {
        client,
        ticket,
        direction: dir,
        client_message_id: c,
        group_message_id: g,
        text: Some(text.to_owned()),
        media: MediaKind::Text,
        at: at(10, 0, 0),
        staff: None,
    }
}

fn text_to_client(client: UserId, html: &str) -> Outbound {
    Outbound::TextToClient {
        client,
        text: BotText::new(html),
    }
}

fn text_to_group(html: &str) -> Outbound {
    Outbound::TextToGroup {
        thread: Some(thread(7)),
        text: BotText::new(html),
        reply_to: None,
    }
}

fn text_to_topic(client: UserId, html: &str) -> Outbound {
    Outbound::TextToTopic {
        client,
        text: BotText::new(html),
        reply_to: None,
    }
}

fn answer(id: &str) -> Outbound {
    Outbound::AnswerButton {
        callback_id: id.to_owned(),
        text: "ok".into(),
    }
}

async fn open_ticket_id(store: &SqlStore, client: UserId) -> TicketId {
    store
        .open_for(client)
        .await
        .unwrap()
        .expect("an open ticket")
        .id
}

pub async fn client_is_created_with_default_label_and_profile_refreshed(ctx: Ctx) {
    let store = ctx.store().await;
    let c = uid(BIG);
    store
        .commit(vec![upsert(c, "Олена", Some("Шевченко"), Some("olena_🐱"))])
        .await
        .unwrap();
    let got = ClientRepository::get(&*store, c).await.unwrap().unwrap();
    assert_eq!(got.id, c);
    assert_eq!(got.first_name.as_deref(), Some("Олена"));
    assert_eq!(got.last_name.as_deref(), Some("Шевченко"));
    assert_eq!(got.username.as_deref(), Some("olena_🐱"));
    assert_eq!(
        got.label.as_ref().map(Label::as_str),
        Some("Олена Шевченко (@olena_🐱)")
    );
    assert_eq!(got.total_closed, 0);
    assert!(!got.phone_confirmed && !got.blocked && got.thread.is_none());

    // A later upsert refreshes the profile but keeps what staff set (the label).
    store
        .commit(vec![
            Change::SetLabel {
                client: c,
                label: label("Олена — Бетмен (1)"),
            },
            upsert(c, "Олена", None, None),
        ])
        .await
        .unwrap();
    let got = ClientRepository::get(&*store, c).await.unwrap().unwrap();
    assert_eq!(got.username, None);
    assert_eq!(got.last_name, None);
    assert_eq!(got.label.unwrap().as_str(), "Олена — Бетмен (1)");
    assert!(
        ClientRepository::get(&*store, uid(BIG + 1))
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn client_fields_round_trip_with_cyrillic_emoji_and_big_ids(ctx: Ctx) {
    let store = ctx.store().await;
    let c = uid(BIG);
    let long_label = format!("{}🐶", "Ґ".repeat(127));
    let link = ClientLink {
        owner_key: OwnerKey::parse("0a000001-1a2b-11f0-8a00-0a1b2c3d4e5f").unwrap(),
        owner_name: Some("Шевченко Олена Петрівна".into()),
        owner_phone: Some(Phone::parse("067 421 03 03").unwrap()),
        contract: Some(ContractNumber::parse("№ 1001-А").unwrap()),
        linked_by: Some(uid(9_876_543_210)),
        linked_at: Some(at(12, 30, 0)),
    };
    store
        .commit(vec![
            upsert(c, "Олена", None, None),
            Change::SetPhone {
                client: c,
                phone: Phone::parse("+380 67 421 03 03").unwrap(),
                confirmed: true,
            },
            Change::SetLabel {
                client: c,
                label: label(&long_label),
            },
            Change::SetLink {
                client: c,
                link: link.clone(),
            },
            Change::SetThread {
                client: c,
                thread: Some(thread(2_000_000_000)),
            },
            Change::SetBlocked {
                client: c,
                blocked: true,
            },
            Change::MarkPhonePrompted {
                client: c,
                at: at(9, 0, 0),
            },
            Change::CountClose { client: c },
        ])
        .await
        .unwrap();
    let got = ClientRepository::get(&*store, c).await.unwrap().unwrap();
    assert_eq!(got.phone.unwrap().digits(), "380674210303");
    assert!(got.phone_confirmed);
    assert_eq!(got.label.unwrap().as_str(), long_label);
    assert_eq!(got.link, Some(link));
    assert_eq!(got.thread, Some(thread(2_000_000_000)));
    assert!(got.blocked);
    assert_eq!(got.last_phone_prompt_at, Some(at(9, 0, 0)));
    assert_eq!(got.total_closed, 1);

    let by_thread = store
        .by_topic(group(), thread(2_000_000_000))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_thread.id, c);
    assert!(store.by_topic(group(), thread(5)).await.unwrap().is_none());

    store
        .commit(vec![
            Change::SetBlocked {
                client: c,
                blocked: false,
            },
            Change::SetThread {
                client: c,
                thread: None,
            },
        ])
        .await
        .unwrap();
    let got = ClientRepository::get(&*store, c).await.unwrap().unwrap();
    assert!(!got.blocked);
    assert_eq!(got.thread, None);
}

pub async fn open_ticket_is_unique_and_open_of_resolves_in_the_same_commit(ctx: Ctx) {
    let store = ctx.store().await;
    let c = uid(BIG);
    store
        .commit(vec![
            upsert(c, "Олена", None, None),
            open(c, Some(7), at(10, 0, 0)),
            record(
                c,
                TicketRef::OpenOf(c),
                Direction::ClientToStaff,
                1,
                "Привіт 👋",
            ),
            // A second open in the same commit is a no-op…
            open(c, Some(7), at(10, 0, 1)),
            record(
                c,
                TicketRef::OpenOf(c),
                Direction::ClientToStaff,
                2,
                "Ще одне",
            ),
        ])
        .await
        .unwrap();
    // …and so is one in a later commit.
    store
        .commit(vec![open(c, Some(7), at(11, 0, 0))])
        .await
        .unwrap();
    let rows = tickets::Entity::find()
        .filter(tickets::Column::ClientUserId.eq(c.get()))
        .all(ctx.db.connection())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1, "exactly one ticket");
    assert_eq!(
        rows[0].chat_id,
        Some(GROUP),
        "the support group (negative BIGINT)"
    );
    let t = store.open_for(c).await.unwrap().unwrap();
    assert_eq!(t.status, TicketStatus::Open);
    assert_eq!(t.thread, Some(thread(7)));
    assert_eq!(t.label.as_deref(), Some("Олена 🐾"));
    assert_eq!(t.created_at, at(10, 0, 0));
    for m in [1, 2] {
        let rec = store.by_client_message(c, mid(m)).await.unwrap().unwrap();
        assert_eq!(
            rec.ticket, t.id,
            "OpenOf resolved to the ticket opened in the commit"
        );
    }
}

pub async fn a_client_is_read_with_their_open_ticket(ctx: Ctx) {
    let store = ctx.store().await;
    let c = uid(BIG);
    assert_eq!(store.with_open_ticket(c).await.unwrap(), (None, None));
    store
        .commit(vec![upsert(c, "Олена", None, None)])
        .await
        .unwrap();
    let (client, appeal) = store.with_open_ticket(c).await.unwrap();
    assert_eq!(client, ClientRepository::get(&*store, c).await.unwrap());
    assert!(client.is_some());
    assert_eq!(appeal, None, "no ticket yet");

    store
        .commit(vec![open(c, Some(7), at(10, 0, 0))])
        .await
        .unwrap();
    let (client, appeal) = store.with_open_ticket(c).await.unwrap();
    assert_eq!(client, ClientRepository::get(&*store, c).await.unwrap());
    let appeal = appeal.expect("the open ticket");
    assert_eq!(Some(&appeal), store.open_for(c).await.unwrap().as_ref());
    assert_eq!(appeal.thread, Some(thread(7)));

    // Another client's open ticket is not theirs.
    let other = uid(42);
    store
        .commit(vec![
            upsert(other, "Марія", None, None),
            open(other, Some(8), at(10, 1, 0)),
        ])
        .await
        .unwrap();
    let (_, still) = store.with_open_ticket(c).await.unwrap();
    assert_eq!(still.map(|t| t.id), Some(appeal.id));

    store
        .commit(vec![Change::CloseTicket {
            ticket: appeal.id,
            at: at(11, 0, 0),
        }])
        .await
        .unwrap();
    let (client, none) = store.with_open_ticket(c).await.unwrap();
    assert!(client.is_some(), "the client stays");
    assert_eq!(none, None, "a closed ticket is not open");
}

pub async fn ticket_lifecycle_close_reopen_assign_first_response(ctx: Ctx) {
    let store = ctx.store().await;
    let c = uid(42);
    store
        .commit(vec![
            upsert(c, "Іван", None, None),
            open(c, Some(3), at(10, 0, 0)),
        ])
        .await
        .unwrap();
    let id = open_ticket_id(&store, c).await;

    store
        .commit(vec![
            Change::AssignTicket {
                ticket: id,
                assignee: Assignee::Staff {
                    id: uid(BIG),
                    name: "@marta".into(),
                },
                via: domain::ticket::TakenVia::Button,
            },
            Change::StaffAnswered {
                ticket: TicketRef::Id(id),
                at: at(10, 5, 0),
            },
            Change::StaffAnswered {
                ticket: TicketRef::OpenOf(c),
                at: at(10, 9, 0),
            },
        ])
        .await
        .unwrap();
    let t = store.open_for(c).await.unwrap().unwrap();
    assert_eq!(t.first_response_at, Some(at(10, 5, 0)), "set only once");
    assert!(matches!(t.assigned_to, Some(Assignee::Staff { id, .. }) if id == uid(BIG)));

    store
        .commit(vec![
            Change::CloseTicket {
                ticket: id,
                at: at(11, 0, 0),
            },
            Change::CountClose { client: c },
        ])
        .await
        .unwrap();
    assert!(store.open_for(c).await.unwrap().is_none());
    // Closing again changes nothing (closed_at stays the first close).
    store
        .commit(vec![Change::CloseTicket {
            ticket: id,
            at: at(12, 0, 0),
        }])
        .await
        .unwrap();
    let latest = store.latest_for(c).await.unwrap().unwrap();
    assert_eq!(latest.id, id);
    assert_eq!(latest.status, TicketStatus::Closed);
    assert_eq!(latest.closed_at, Some(at(11, 0, 0)));
    // StaffAnswered with no open ticket is a no-op, not an error.
    store
        .commit(vec![Change::StaffAnswered {
            ticket: TicketRef::OpenOf(c),
            at: at(12, 0, 0),
        }])
        .await
        .unwrap();

    store
        .commit(vec![
            Change::ReopenTicket {
                ticket: id,
                at: at(13, 0, 0),
            },
            Change::AssignTicket {
                ticket: id,
                assignee: Assignee::Username("марта_підтримка".into()),
                via: domain::ticket::TakenVia::Command,
            },
        ])
        .await
        .unwrap();
    let t = store.open_for(c).await.unwrap().unwrap();
    assert_eq!(t.id, id);
    assert_eq!(
        t.assigned_to,
        Some(Assignee::Username("марта_підтримка".into()))
    );
    assert_eq!(
        ClientRepository::get(&*store, c)
            .await
            .unwrap()
            .unwrap()
            .total_closed,
        1
    );

    // After a close, a new appeal is a new ticket; latest_for follows it.
    store
        .commit(vec![
            Change::CloseTicket {
                ticket: id,
                at: at(14, 0, 0),
            },
            open(c, Some(3), at(15, 0, 0)),
        ])
        .await
        .unwrap();
    let newest = store.latest_for(c).await.unwrap().unwrap();
    assert_ne!(newest.id, id);
    assert_eq!(store.open_for(c).await.unwrap().unwrap().id, newest.id);
}

pub async fn reopen_beside_another_open_ticket_is_a_conflict(ctx: Ctx) {
    let store = ctx.store().await;
    let c = uid(77);
    store
        .commit(vec![
            upsert(c, "Марко", None, None),
            open(c, None, at(9, 0, 0)),
        ])
        .await
        .unwrap();
    let first = open_ticket_id(&store, c).await;
    store
        .commit(vec![
            Change::CloseTicket {
                ticket: first,
                at: at(9, 30, 0),
            },
            open(c, None, at(10, 0, 0)),
        ])
        .await
        .unwrap();
    let second = open_ticket_id(&store, c).await;
    let err = store
        .commit(vec![Change::ReopenTicket {
            ticket: first,
            at: at(11, 0, 0),
        }])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(open_ticket_id(&store, c).await, second);
}

pub async fn set_thread_moves_the_open_ticket(ctx: Ctx) {
    let store = ctx.store().await;
    let c = uid(BIG);
    store
        .commit(vec![
            upsert(c, "Олена", None, None),
            open(c, None, at(9, 0, 0)),
        ])
        .await
        .unwrap();
    store
        .commit(vec![Change::SetThread {
            client: c,
            thread: Some(thread(99)),
        }])
        .await
        .unwrap();
    assert_eq!(
        store.open_for(c).await.unwrap().unwrap().thread,
        Some(thread(99))
    );
    assert_eq!(
        store
            .by_topic(group(), thread(99))
            .await
            .unwrap()
            .unwrap()
            .id,
        c
    );
    // Topic gone: the client forgets it; the ticket keeps where it lived.
    store
        .commit(vec![Change::SetThread {
            client: c,
            thread: None,
        }])
        .await
        .unwrap();
    assert_eq!(
        ClientRepository::get(&*store, c)
            .await
            .unwrap()
            .unwrap()
            .thread,
        None
    );
    assert!(store.by_topic(group(), thread(99)).await.unwrap().is_none());
}

pub async fn the_topic_group_round_trips_and_legacy_rows_have_none(ctx: Ctx) {
    let store = ctx.store().await;
    let c = uid(BIG);
    store
        .commit(vec![
            upsert(c, "Олена", None, None),
            Change::SetThread {
                client: c,
                thread: Some(thread(99)),
            },
        ])
        .await
        .unwrap();
    // A row written without the group (as before the column existed): none stored.
    let got = ClientRepository::get(&*store, c).await.unwrap().unwrap();
    assert_eq!((got.thread, got.topic_group), (Some(thread(99)), None));
    // The clinic moved: the topic is recreated in the new group and the group stored with it.
    let moved = GroupId::new(GROUP - 1).unwrap();
    store
        .commit(vec![
            Change::SetThread {
                client: c,
                thread: Some(thread(5)),
            },
            Change::SetTopicGroup {
                client: c,
                group: moved,
            },
        ])
        .await
        .unwrap();
    let got = ClientRepository::get(&*store, c).await.unwrap().unwrap();
    assert_eq!(
        (got.thread, got.topic_group),
        (Some(thread(5)), Some(moved))
    );
    assert_eq!(
        store
            .by_topic(moved, thread(5))
            .await
            .unwrap()
            .unwrap()
            .topic_group,
        Some(moved)
    );
    // Not a topic of the group the store runs with.
    assert!(store.by_topic(group(), thread(5)).await.unwrap().is_none());
    // The rest of the client stays.
    assert_eq!(got.first_name.as_deref(), Some("Олена"));
}

pub async fn messages_are_found_from_both_sides_after_mapping(ctx: Ctx) {
    let store = ctx.store().await;
    let (a, b) = (uid(BIG), uid(BIG + 1));
    store
        .commit(vec![
            upsert(a, "Олена", None, None),
            upsert(b, "Петро", None, None),
            open(a, Some(5), at(9, 0, 0)),
            open(b, Some(6), at(9, 0, 0)),
            // The same client-chat message id in two private chats: ids are per chat.
            record(
                a,
                TicketRef::OpenOf(a),
                Direction::ClientToStaff,
                10,
                "Кіт не їсть 😿",
            ),
            record(
                b,
                TicketRef::OpenOf(b),
                Direction::ClientToStaff,
                10,
                "Собака кашляє",
            ),
            Change::RecordMessage {
                client: a,
                ticket: TicketRef::OpenOf(a),
                direction: Direction::StaffToClient,
                client_message_id: None,
                group_message_id: Some(mid(500)),
                text: Some("Дайте, будь ласка, фото 📷".into()),
                media: MediaKind::Photo,
                at: at(9, 1, 0),
                staff: Some(uid(600)),
            },
        ])
        .await
        .unwrap();
    // Not mapped yet: only the original side is known.
    assert!(store.by_group_message(mid(300)).await.unwrap().is_none());
    let rec = store.by_group_message(mid(500)).await.unwrap().unwrap();
    assert_eq!(rec.client_message_id, None);

    store
        .commit(vec![
            Change::MapMessage {
                client: a,
                direction: Direction::ClientToStaff,
                source: mid(10),
                copy: mid(300),
            },
            Change::MapMessage {
                client: b,
                direction: Direction::ClientToStaff,
                source: mid(10),
                copy: mid(301),
            },
            Change::MapMessage {
                client: a,
                direction: Direction::StaffToClient,
                source: mid(500),
                copy: mid(11),
            },
        ])
        .await
        .unwrap();
    let from_group = store.by_group_message(mid(300)).await.unwrap().unwrap();
    assert_eq!(from_group.client, a);
    assert_eq!(from_group.client_message_id, Some(mid(10)));
    assert_eq!(from_group.text.as_deref(), Some("Кіт не їсть 😿"));
    assert_eq!(from_group.direction, Direction::ClientToStaff);
    assert_eq!(from_group.media, MediaKind::Text);
    let from_b = store.by_client_message(b, mid(10)).await.unwrap().unwrap();
    assert_eq!(from_b.group_message_id, Some(mid(301)));
    assert_eq!(from_b.text.as_deref(), Some("Собака кашляє"));

    let staff = store.by_client_message(a, mid(11)).await.unwrap().unwrap();
    assert_eq!(staff.direction, Direction::StaffToClient);
    assert_eq!(staff.group_message_id, Some(mid(500)));
    assert_eq!(staff.media, MediaKind::Photo);
    assert_eq!(staff.text.as_deref(), Some("Дайте, будь ласка, фото 📷"));
    assert!(store.by_client_message(b, mid(11)).await.unwrap().is_none());
}

pub async fn concurrent_commits_on_one_client_keep_one_ticket_and_every_message(ctx: Ctx) {
    let store = ctx.store().await;
    let c = uid(BIG);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 1..=20 {
        let store = Arc::clone(&store);
        tasks.spawn(async move {
            store
                .commit(vec![
                    upsert(c, "Олена", None, Some("olena")),
                    open(c, Some(7), at(10, 0, 0)),
                    record(
                        c,
                        TicketRef::OpenOf(c),
                        Direction::ClientToStaff,
                        i,
                        "паралельно",
                    ),
                ])
                .await
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap().expect("every concurrent commit succeeds");
    }
    let conn = ctx.db.connection();
    let tickets = tickets::Entity::find()
        .filter(tickets::Column::ClientUserId.eq(c.get()))
        .all(conn)
        .await
        .unwrap();
    assert_eq!(tickets.len(), 1, "exactly one ticket");
    let msgs = messages::Entity::find()
        .filter(messages::Column::ClientUserId.eq(c.get()))
        .all(conn)
        .await
        .unwrap();
    assert_eq!(msgs.len(), 20, "every message recorded");
    assert!(msgs.iter().all(|m| m.ticket_id == tickets[0].id));
}

pub async fn concurrent_close_counts_are_not_lost(ctx: Ctx) {
    let store = ctx.store().await;
    let c = uid(BIG);
    store
        .commit(vec![upsert(c, "Олена", None, None)])
        .await
        .unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let store = Arc::clone(&store);
        tasks.spawn(async move {
            // Interleave with writes to other fields of the same client.
            let mut changes = vec![Change::CountClose { client: c }];
            if i % 2 == 0 {
                changes.push(Change::MarkPhonePrompted {
                    client: c,
                    at: at(8, 0, i),
                });
            }
            store.commit(changes).await
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap().expect("every concurrent commit succeeds");
    }
    assert_eq!(
        ClientRepository::get(&*store, c)
            .await
            .unwrap()
            .unwrap()
            .total_closed,
        20
    );
}

fn update(id: i64, chat: Option<i64>, payload: &str) -> InboxEntry {
    InboxEntry {
        update: UpdateId(id),
        chat,
        payload: payload.to_owned(),
    }
}

/// An update fresh from Telegram stored as handled together with its effects: the handler
/// never reads it, the poller's store recognises it, and an update stored already (sent again
/// by Telegram) refuses the whole commit.
pub async fn an_update_stored_on_arrival_is_handled_and_stored_once(ctx: Ctx) {
    let store = ctx.store().await;
    let (olena, petro, ivan) = (uid(BIG), uid(BIG + 1), uid(BIG + 2));
    let fresh = update(900_000_301, Some(BIG), r#"{"fresh":1}"#);
    store
        .commit(vec![
            upsert(olena, "Олена", None, None),
            Change::InboxArrivedHandled(fresh.clone()),
        ])
        .await
        .unwrap();
    assert!(
        ClientRepository::get(&*store, olena)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store.unhandled_after(None, 10).await.unwrap().is_empty(),
        "stored as handled: nothing for the handler to read"
    );
    // The poller stores the batch it came in: the update is known, the other one is new.
    let queued = update(900_000_302, Some(43), r#"{"queued":2}"#);
    let new = store
        .store_batch(vec![fresh.clone(), queued.clone()], 900_000_303)
        .await
        .unwrap();
    assert_eq!(new, 1, "the update stored on arrival is recognised");

    // Sent again, handled or waiting in the inbox: refused, and nothing of the commit stays.
    for again in [fresh, queued] {
        let client = if again.update.0 == 900_000_301 {
            petro
        } else {
            ivan
        };
        let refused = store
            .commit(vec![
                upsert(client, "Петро", None, None),
                Change::InboxArrivedHandled(again.clone()),
            ])
            .await;
        assert!(
            matches!(refused, Err(StoreError::Conflict(_))),
            "{:?}: {refused:?}",
            again.update
        );
        assert!(
            ClientRepository::get(&*store, client)
                .await
                .unwrap()
                .is_none(),
            "{:?}: the refused commit left nothing",
            again.update
        );
    }
    let waiting: Vec<i64> = store
        .unhandled_after(None, 10)
        .await
        .unwrap()
        .iter()
        .map(|(_, e)| e.update.0)
        .collect();
    assert_eq!(waiting, [900_000_302], "the waiting update still waits");
    // Handled on arrival counts as handled for the pruning too.
    let pruned = Inbox::prune(&*store, Utc::now() + TimeDelta::seconds(5))
        .await
        .unwrap();
    assert_eq!(pruned, 1);
}

pub async fn inbox_stores_each_update_once_and_moves_the_offset(ctx: Ctx) {
    let store = ctx.store().await;
    assert_eq!(store.offset().await.unwrap(), None);
    let batch = vec![
        update(900_000_001, Some(BIG), r#"{"text":"Привіт 👋"}"#),
        update(900_000_002, Some(GROUP), r#"{"text":"staff"}"#),
    ];
    assert_eq!(
        store.store_batch(batch.clone(), 900_000_003).await.unwrap(),
        2
    );
    assert_eq!(store.offset().await.unwrap(), Some(900_000_003));
    // The same batch again (a poller that crashed before its offset was confirmed), with a
    // new update listed twice.
    let again = vec![
        batch[1].clone(),
        update(900_000_003, None, "{}"),
        update(900_000_003, None, "{}"),
    ];
    assert_eq!(store.store_batch(again, 900_000_004).await.unwrap(), 1);
    assert_eq!(store.offset().await.unwrap(), Some(900_000_004));
    // Even an empty batch moves the offset.
    assert_eq!(store.store_batch(vec![], 900_000_010).await.unwrap(), 0);
    assert_eq!(store.offset().await.unwrap(), Some(900_000_010));

    let pending = store.unhandled(10).await.unwrap();
    let ids: Vec<i64> = pending.iter().map(|e| e.update.0).collect();
    assert_eq!(
        ids,
        [900_000_001, 900_000_002, 900_000_003],
        "oldest first, once each"
    );
    assert_eq!(pending[0], batch[0], "payload and chat round-trip");
    assert_eq!(store.unhandled(1).await.unwrap().len(), 1);

    store
        .commit(vec![Change::InboxHandled(UpdateId(900_000_002))])
        .await
        .unwrap();
    let ids: Vec<i64> = store
        .unhandled(10)
        .await
        .unwrap()
        .iter()
        .map(|e| e.update.0)
        .collect();
    assert_eq!(ids, [900_000_001, 900_000_003]);
    // A handled update arriving again is still a duplicate.
    assert_eq!(
        store
            .store_batch(vec![update(900_000_002, None, "{}")], 900_000_011)
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.unhandled(10).await.unwrap().len(), 2);
}

pub async fn outbox_delivers_only_the_head_of_each_queue_in_order(ctx: Ctx) {
    let store = ctx.store().await;
    let (a, b) = (uid(BIG), uid(43));
    store
        .commit(vec![
            Change::Enqueue(text_to_client(a, "A1 Привіт")),
            Change::Enqueue(text_to_group("G1")),
            Change::Enqueue(text_to_topic(a, "TA1")),
            Change::Enqueue(text_to_client(a, "A2 🐾")),
            Change::Enqueue(answer("cb1")),
            Change::Enqueue(text_to_topic(a, "TA2")),
            Change::Enqueue(text_to_client(b, "B1")),
            Change::Enqueue(text_to_topic(b, "TB1")),
            Change::Enqueue(text_to_group("G2")),
            Change::Enqueue(answer("cb2")),
        ])
        .await
        .unwrap();
    assert_eq!(store.depth().await.unwrap(), 10);
    let now = at(10, 0, 0);
    let due = store.due(now, 100).await.unwrap();
    let actions: Vec<&Outbound> = due.iter().map(|e| &e.action).collect();
    assert_eq!(
        actions,
        [
            &text_to_client(a, "A1 Привіт"),
            &text_to_group("G1"),
            &text_to_topic(a, "TA1"),
            &answer("cb1"),
            &text_to_client(b, "B1"),
            &text_to_topic(b, "TB1"),
            &answer("cb2"),
        ],
        "one head per queue (a client's chat and their topic are two), \
         independent entries all, in enqueue order"
    );
    let queues: Vec<Option<Queue>> = due.iter().map(|e| e.queue).collect();
    assert_eq!(
        queues,
        [
            Some(Queue::Client(a)),
            Some(Queue::Group),
            Some(Queue::Topic(a)),
            None,
            Some(Queue::Client(b)),
            Some(Queue::Topic(b)),
            None,
        ]
    );
    assert!(due.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(store.due(now, 2).await.unwrap().len(), 2, "limit");

    // Completing a head reveals the next entry of that queue.
    store
        .commit(vec![
            Change::CompleteOutbox(due[0].id),
            Change::CompleteOutbox(due[1].id),
            Change::CompleteOutbox(due[2].id),
            Change::CompleteOutbox(due[3].id),
        ])
        .await
        .unwrap();
    let due = store.due(now, 100).await.unwrap();
    let actions: Vec<&Outbound> = due.iter().map(|e| &e.action).collect();
    assert_eq!(
        actions,
        [
            &text_to_client(a, "A2 🐾"),
            &text_to_topic(a, "TA2"),
            &text_to_client(b, "B1"),
            &text_to_topic(b, "TB1"),
            &text_to_group("G2"),
            &answer("cb2"),
        ]
    );
    assert_eq!(store.depth().await.unwrap(), 6);
}

pub async fn outbox_next_in_a_queue_is_its_head_when_due(ctx: Ctx) {
    let store = ctx.store().await;
    let (a, b) = (uid(BIG), uid(43));
    store
        .commit(vec![
            Change::Enqueue(text_to_topic(a, "TA1")),
            Change::Enqueue(text_to_client(a, "A1")),
            Change::Enqueue(text_to_topic(a, "TA2")),
            Change::Enqueue(text_to_group("G1")),
        ])
        .await
        .unwrap();
    let now = at(10, 0, 0);
    let next = |q| {
        let store = store.clone();
        async move {
            store
                .next_in(q, now)
                .await
                .unwrap()
                .due()
                .map(|e| (e.id, e.queue, e.action))
        }
    };
    let (ta1, q, action) = next(Queue::Topic(a)).await.expect("the topic's head");
    assert_eq!(
        (q, action),
        (Some(Queue::Topic(a)), text_to_topic(a, "TA1"))
    );
    assert_eq!(
        next(Queue::Client(a)).await.map(|e| e.2),
        Some(text_to_client(a, "A1"))
    );
    assert_eq!(
        next(Queue::Group).await.map(|e| e.2),
        Some(text_to_group("G1"))
    );
    assert_eq!(next(Queue::Topic(b)).await, None, "an empty queue");
    assert_eq!(
        store.next_in(Queue::Topic(b), now).await.unwrap(),
        QueueHead::Empty
    );

    // The head goes out; the next one of the same queue follows.
    store
        .commit(vec![Change::CompleteOutbox(ta1)])
        .await
        .unwrap();
    let (ta2, _, action) = next(Queue::Topic(a)).await.unwrap();
    assert_eq!(action, text_to_topic(a, "TA2"));

    // A postponed head is not due, and the entry behind it does not overtake it.
    store
        .postpone(ta2, now + TimeDelta::seconds(30), "retry after 30s".into())
        .await
        .unwrap();
    store
        .commit(vec![Change::Enqueue(text_to_topic(a, "TA3"))])
        .await
        .unwrap();
    assert_eq!(
        store.next_in(Queue::Topic(a), now).await.unwrap(),
        QueueHead::Later,
        "a waiting head: the queue is not empty"
    );
    assert_eq!(
        store
            .next_in(Queue::Topic(a), now + TimeDelta::seconds(30))
            .await
            .unwrap()
            .due()
            .map(|e| e.action),
        Some(text_to_topic(a, "TA2"))
    );
}

pub async fn stored_commits_announce_what_they_enqueued_in_order(ctx: Ctx) {
    let store = ctx.store().await;
    let mut announced = store.announce_enqueued();
    let (a, b) = (uid(BIG), uid(43));
    store
        .commit(vec![
            Change::Enqueue(text_to_topic(a, "TA1")),
            Change::Enqueue(text_to_client(b, "B1")),
            Change::Enqueue(answer("cb1")),
        ])
        .await
        .unwrap();
    let first = announced.try_recv().expect("the first commit's entries");
    assert_eq!(
        first
            .iter()
            .map(|e| (e.queue, e.action.clone(), e.attempts, e.not_before))
            .collect::<Vec<_>>(),
        [
            (Some(Queue::Topic(a)), text_to_topic(a, "TA1"), 0, None),
            (Some(Queue::Client(b)), text_to_client(b, "B1"), 0, None),
            (None, answer("cb1"), 0, None),
        ]
    );
    // The ids are the outbox's own: what the queues' heads say.
    let heads = store.due(at(10, 0, 0), 10).await.unwrap();
    assert_eq!(
        heads, first,
        "announced entries are the stored ones, ids and all"
    );

    // A commit that enqueues nothing announces nothing; a failed one neither.
    store
        .commit(vec![Change::CompleteOutbox(first[2].id)])
        .await
        .unwrap();
    let refused = store
        .commit(vec![
            Change::Enqueue(text_to_client(b, "B2")),
            // Fails: the stranger has no open ticket to record into.
            record(
                uid(5),
                TicketRef::OpenOf(uid(5)),
                Direction::ClientToStaff,
                2,
                "x",
            ),
        ])
        .await;
    assert!(refused.is_err(), "{refused:?}");
    store
        .commit(vec![Change::Enqueue(text_to_client(b, "B3"))])
        .await
        .unwrap();
    let next = announced.try_recv().expect("the third commit's entry");
    assert_eq!(next.len(), 1);
    assert!(next[0].id > first[2].id, "ids grow in the order of commits");
    assert_eq!(next[0].action, text_to_client(b, "B3"));
    assert!(announced.try_recv().is_err(), "nothing else was announced");

    // Concurrent commits (batched in one transaction or not) are announced in the order of
    // their ids.
    let commits = (0..20).map(|i| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .commit(vec![
                    Change::Enqueue(text_to_client(uid(100 + i), "x")),
                    Change::Enqueue(text_to_group("y")),
                ])
                .await
        })
    });
    for c in commits.collect::<Vec<_>>() {
        c.await.unwrap().unwrap();
    }
    let mut ids = Vec::new();
    while let Ok(batch) = announced.try_recv() {
        ids.extend(batch.iter().map(|e| e.id));
    }
    assert_eq!(ids.len(), 40);
    assert!(ids.is_sorted(), "{ids:?}");
}

pub async fn outbox_postpone_give_up_and_depth(ctx: Ctx) {
    let store = ctx.store().await;
    let a = uid(BIG);
    store
        .commit(vec![
            Change::Enqueue(text_to_client(a, "1")),
            Change::Enqueue(text_to_client(a, "2")),
            Change::Enqueue(text_to_client(a, "3")),
        ])
        .await
        .unwrap();
    let now = at(10, 0, 0);
    let head = store.due(now, 10).await.unwrap().remove(0);
    assert_eq!(head.attempts, 0);
    assert_eq!(head.not_before, None);

    // retry_after 2.5 s: never due before it, and the chat's later entries wait too.
    let until = now + TimeDelta::milliseconds(2_500);
    store
        .postpone(head.id, until, "429: retry after 3".into())
        .await
        .unwrap();
    assert!(
        store
            .due(now + TimeDelta::seconds(2), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let again = store.due(now + TimeDelta::seconds(3), 10).await.unwrap();
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id, head.id);
    assert_eq!(again[0].attempts, 1);
    assert_eq!(
        again[0].not_before,
        Some(now + TimeDelta::seconds(3)),
        "rounded up"
    );
    let row = outbox::Entity::find_by_id(head.id.get())
        .one(ctx.db.connection())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.last_error.as_deref(), Some("429: retry after 3"));

    // Given up: kept for inspection, no longer pending, and the next entry moves up.
    store
        .give_up(head.id, "403: Forbidden ".repeat(200))
        .await
        .unwrap();
    let row = outbox::Entity::find_by_id(head.id.get())
        .one(ctx.db.connection())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "given_up");
    assert!(row.last_error.unwrap().chars().count() <= 1000);
    assert_eq!(store.depth().await.unwrap(), 2);
    let next = store.due(now, 10).await.unwrap();
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].action, text_to_client(a, "2"));
    assert!(next[0].id > head.id);

    store
        .commit(vec![Change::CompleteOutbox(next[0].id)])
        .await
        .unwrap();
    assert_eq!(store.depth().await.unwrap(), 1);
    assert_eq!(
        store.due(now, 10).await.unwrap()[0].action,
        text_to_client(a, "3")
    );
    // An unknown id is harmless.
    store
        .postpone(OutboxId::new(999_999).unwrap(), now, "x".into())
        .await
        .unwrap();
}

fn previewing() -> LinkState {
    LinkState::Previewing {
        contract: ContractNumber::parse("1001").unwrap(),
        owner_key: OwnerKey::parse("0a000001-1a2b-11f0-8a00-0a1b2c3d4e5f").unwrap(),
        owner_name: "Шевченко Олена Петрівна 🐾".into(),
        owner_phone: Some(Phone::parse("0674210303").unwrap()),
    }
}

pub async fn pending_link_lifecycle_and_expiry(ctx: Ctx) {
    let store = ctx.store().await;
    let (client, staff, other_staff) = (uid(BIG), uid(9_000_000_001), uid(9_000_000_002));
    let new = |who: UserId, expires: DateTime<Utc>| NewPendingLink {
        thread: thread(7),
        client,
        initiator: who,
        state: LinkState::AwaitingContract,
        expires_at: expires,
    };
    store
        .commit(vec![
            Change::CreatePendingLink(new(staff, at(10, 10, 0))),
            Change::CreatePendingLink(new(other_staff, at(10, 20, 0))),
        ])
        .await
        .unwrap();
    let first = store.of_initiator(thread(7), staff).await.unwrap().unwrap();
    assert_eq!(first.client, client);
    assert_eq!(first.state, LinkState::AwaitingContract);
    assert_eq!(first.expires_at, at(10, 10, 0));
    assert_eq!(
        PendingLinkRepository::get(&*store, first.id).await.unwrap(),
        Some(first.clone())
    );
    assert!(
        store
            .of_initiator(thread(8), staff)
            .await
            .unwrap()
            .is_none()
    );

    // Moving on to the preview.
    let updated = PendingLink {
        state: previewing(),
        expires_at: at(10, 15, 0),
        ..first.clone()
    };
    store
        .commit(vec![Change::UpdatePendingLink(updated.clone())])
        .await
        .unwrap();
    assert_eq!(
        PendingLinkRepository::get(&*store, first.id).await.unwrap(),
        Some(updated)
    );

    // A new /enote_link by the same staff member in the same topic replaces the flow.
    store
        .commit(vec![Change::CreatePendingLink(new(staff, at(11, 0, 0)))])
        .await
        .unwrap();
    assert!(
        PendingLinkRepository::get(&*store, first.id)
            .await
            .unwrap()
            .is_none()
    );
    let replaced = store.of_initiator(thread(7), staff).await.unwrap().unwrap();
    assert_ne!(replaced.id, first.id);
    assert_eq!(replaced.state, LinkState::AwaitingContract);

    // Expiry: due at expires_at exactly, not a second before.
    let expired_ids = |v: Vec<PendingLink>| v.into_iter().map(|l| l.initiator).collect::<Vec<_>>();
    assert!(store.expired(at(10, 19, 59)).await.unwrap().is_empty());
    assert_eq!(
        expired_ids(store.expired(at(10, 20, 0)).await.unwrap()),
        [other_staff]
    );
    assert_eq!(
        expired_ids(store.expired(at(12, 0, 0)).await.unwrap()),
        [other_staff, staff]
    );

    store
        .commit(vec![Change::RemovePendingLink(replaced.id)])
        .await
        .unwrap();
    assert!(
        store
            .of_initiator(thread(7), staff)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(store.expired(at(12, 0, 0)).await.unwrap().len(), 1);
}

pub async fn failed_commit_leaves_nothing(ctx: Ctx) {
    let store = ctx.store().await;
    let (c, stranger) = (uid(BIG), uid(5));
    let err = store
        .commit(vec![
            upsert(c, "Олена", None, None),
            open(c, Some(7), at(10, 0, 0)),
            record(
                c,
                TicketRef::OpenOf(c),
                Direction::ClientToStaff,
                1,
                "перше",
            ),
            Change::Enqueue(text_to_client(c, "Дякуємо!")),
            Change::InboxHandled(UpdateId(1)),
            // Fails: the stranger has no open ticket to record into.
            record(
                stranger,
                TicketRef::OpenOf(stranger),
                Direction::ClientToStaff,
                2,
                "x",
            ),
            Change::Enqueue(text_to_group("never")),
        ])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert!(
        ClientRepository::get(&*store, c).await.unwrap().is_none(),
        "no client"
    );
    assert!(store.latest_for(c).await.unwrap().is_none(), "no ticket");
    assert!(
        store.by_client_message(c, mid(1)).await.unwrap().is_none(),
        "no message"
    );
    assert_eq!(store.depth().await.unwrap(), 0, "no outbox entry");

    // A message pointing at a ticket that does not exist fails too, and also leaves nothing.
    store
        .store_batch(vec![update(1, Some(BIG), "{}")], 2)
        .await
        .unwrap();
    let err = store
        .commit(vec![
            Change::InboxHandled(UpdateId(1)),
            upsert(c, "Олена", None, None),
            record(
                c,
                TicketRef::Id(TicketId::new(424_242).unwrap()),
                Direction::ClientToStaff,
                3,
                "y",
            ),
        ])
        .await;
    assert!(err.is_err(), "a message for a missing ticket is refused");
    assert!(ClientRepository::get(&*store, c).await.unwrap().is_none());
    assert_eq!(
        store.unhandled(10).await.unwrap().len(),
        1,
        "still unhandled"
    );
}

pub async fn audit_entries_are_stored(ctx: Ctx) {
    let store = ctx.store().await;
    store
        .commit(vec![Change::Audit(AuditEntry {
            actor: uid(9_000_000_001),
            action: "label".into(),
            client: uid(BIG),
            detail: "Олена — Бетмен (1) 🐾".into(),
            at: at(10, 0, 0),
        })])
        .await
        .unwrap();
    let rows = audit_log::Entity::find()
        .all(ctx.db.connection())
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].actor_id, 9_000_000_001);
    assert_eq!(rows[0].client_user_id, BIG);
    assert_eq!(rows[0].action, "label");
    assert_eq!(rows[0].detail.as_deref(), Some("Олена — Бетмен (1) 🐾"));
    assert_eq!(rows[0].created_at, at(10, 0, 0).naive_utc());
}

pub async fn impossible_stored_values_are_corrupt_not_panics(ctx: Ctx) {
    let store = ctx.store().await;
    let conn = ctx.db.connection();
    tickets::Entity::insert(tickets::ActiveModel {
        client_user_id: Set(77),
        status: Set("archived?".into()),
        open_client_id: Set(Some(77)),
        ..Default::default()
    })
    .exec_without_returning(conn)
    .await
    .unwrap();
    let err = store.open_for(uid(77)).await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");

    outbox::Entity::insert(outbox::ActiveModel {
        destination: Set(Some(77)),
        action: Set("{not json".into()),
        attempts: Set(0),
        status: Set("pending".into()),
        created_at: Set(at(9, 0, 0).naive_utc()),
        ..Default::default()
    })
    .exec_without_returning(conn)
    .await
    .unwrap();
    store
        .commit(vec![Change::Enqueue(text_to_client(uid(77), "after"))])
        .await
        .unwrap();
    // The unreadable entry is set aside so the chat is not blocked behind it.
    assert!(store.due(at(10, 0, 0), 10).await.unwrap().is_empty());
    let due = store.due(at(10, 0, 0), 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].action, text_to_client(uid(77), "after"));
    assert_eq!(
        outbox::Entity::find()
            .filter(outbox::Column::Status.eq("given_up"))
            .count(conn)
            .await
            .unwrap(),
        1
    );
}

pub async fn the_instance_lease_has_one_holder_at_a_time(ctx: Ctx) {
    use adapters_mysql::LeaseStatus;
    ctx.store().await;
    let db = &ctx.db;
    let ttl = TimeDelta::seconds(30);
    let t0 = at(10, 0, 0);
    assert_eq!(
        db.claim_lease("bot", "a", ttl, t0).await.unwrap(),
        LeaseStatus::Held { until: t0 + ttl }
    );
    // Another instance waits while the lease runs…
    assert_eq!(
        db.claim_lease("bot", "b", ttl, t0 + TimeDelta::seconds(10))
            .await
            .unwrap(),
        LeaseStatus::HeldByOther {
            holder: "a".into(),
            until: t0 + ttl
        }
    );
    // …the holder renews it, even twice in one second…
    let t1 = t0 + TimeDelta::seconds(20);
    for _ in 0..2 {
        assert_eq!(
            db.claim_lease("bot", "a", ttl, t1).await.unwrap(),
            LeaseStatus::Held { until: t1 + ttl }
        );
    }
    // …and only once it has expired does another take it over.
    assert!(matches!(
        db.claim_lease("bot", "b", ttl, t1 + ttl - TimeDelta::seconds(1))
            .await
            .unwrap(),
        LeaseStatus::HeldByOther { .. }
    ));
    let t2 = t1 + ttl + TimeDelta::seconds(1);
    assert_eq!(
        db.claim_lease("bot", "b", ttl, t2).await.unwrap(),
        LeaseStatus::Held { until: t2 + ttl }
    );
    assert!(matches!(
        db.claim_lease("bot", "a", ttl, t2).await.unwrap(),
        LeaseStatus::HeldByOther { .. }
    ));
    // Released at a clean stop: free at once (release uses the wall clock, so claim at now).
    db.release_lease("bot", "b").await.unwrap();
    let now = Utc::now();
    assert_eq!(
        db.claim_lease("bot", "a", ttl, now).await.unwrap(),
        LeaseStatus::Held {
            until: DateTime::from_timestamp((now + ttl).timestamp(), 0).unwrap()
        }
    );
}

pub async fn concurrent_lease_claims_have_one_winner(ctx: Ctx) {
    use adapters_mysql::LeaseStatus;
    ctx.store().await;
    let now = Utc::now();
    let claims = (0..8).map(|i| {
        let db = ctx.db.clone();
        tokio::spawn(async move {
            db.claim_lease("bot", &format!("instance-{i}"), TimeDelta::seconds(30), now)
                .await
                .unwrap()
        })
    });
    let mut winners = 0;
    for c in claims {
        if matches!(c.await.unwrap(), LeaseStatus::Held { .. }) {
            winners += 1;
        }
    }
    assert_eq!(winners, 1);
}

pub async fn delivered_outbox_entries_are_pruned_given_up_and_pending_kept(ctx: Ctx) {
    let store = ctx.store().await;
    let a = uid(BIG);
    store
        .commit(vec![
            Change::Enqueue(text_to_client(a, "done")),
            Change::Enqueue(text_to_client(a, "given up")),
            Change::Enqueue(text_to_client(a, "pending")),
        ])
        .await
        .unwrap();
    let ids: Vec<OutboxId> = outbox::Entity::find()
        .all(ctx.db.connection())
        .await
        .unwrap()
        .iter()
        .map(|r| OutboxId::new(r.id).unwrap())
        .collect();
    store
        .commit(vec![Change::CompleteOutbox(ids[0])])
        .await
        .unwrap();
    store.give_up(ids[1], "refused".into()).await.unwrap();
    // Not old enough yet.
    let an_hour_ago = Utc::now() - TimeDelta::hours(1);
    assert_eq!(Outbox::prune(&*store, an_hour_ago).await.unwrap(), 0);
    let soon = Utc::now() + TimeDelta::seconds(5);
    assert_eq!(Outbox::prune(&*store, soon).await.unwrap(), 1);
    let left: Vec<i64> = outbox::Entity::find()
        .all(ctx.db.connection())
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(left, vec![ids[1].get(), ids[2].get()]);
    assert_eq!(store.depth().await.unwrap(), 1);
}

pub async fn handled_updates_are_pruned_unhandled_kept(ctx: Ctx) {
    let store = ctx.store().await;
    store
        .store_batch(
            vec![
                update(900_000_101, Some(BIG), "{}"),
                update(900_000_102, Some(BIG), "{}"),
            ],
            900_000_103,
        )
        .await
        .unwrap();
    store
        .commit(vec![Change::InboxHandled(UpdateId(900_000_101))])
        .await
        .unwrap();
    // Not old enough yet.
    assert_eq!(
        Inbox::prune(&*store, Utc::now() - TimeDelta::hours(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        Inbox::prune(&*store, Utc::now() + TimeDelta::seconds(5))
            .await
            .unwrap(),
        1
    );
    let left: Vec<i64> = store
        .unhandled(10)
        .await
        .unwrap()
        .iter()
        .map(|e| e.update.0)
        .collect();
    assert_eq!(left, [900_000_102], "the unhandled update stays");
    // The pruned update is forgotten: arriving again (an id reused after a quiet week), it is new.
    assert_eq!(
        store
            .store_batch(vec![update(900_000_101, None, "{}")], 900_000_104)
            .await
            .unwrap(),
        1
    );
}

/// Commits of many clients at once (the handler's and the sender's, under load) may share a
/// transaction; whether they do or not, each lands whole, and one that breaks a rule fails
/// alone, leaving nothing, while the others land.
pub async fn concurrent_commits_of_many_clients_land_and_a_bad_one_fails_alone(ctx: Ctx) {
    let store = ctx.store().await;
    let start = Arc::new(tokio::sync::Barrier::new(43));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 1..=43_i64 {
        let (store, start) = (Arc::clone(&store), Arc::clone(&start));
        tasks.spawn(async move {
            let c = uid(BIG + i);
            // Every eleventh records into a ticket nobody opened: a rule broken.
            let bad = i % 11 == 0;
            let changes = if bad {
                vec![
                    upsert(c, "Зайвий", None, None),
                    record(c, TicketRef::OpenOf(c), Direction::ClientToStaff, 1, "x"),
                    Change::Enqueue(text_to_topic(c, "never")),
                ]
            } else {
                vec![
                    upsert(c, "Олена", None, None),
                    open(c, None, at(10, 0, 0)),
                    record(
                        c,
                        TicketRef::OpenOf(c),
                        Direction::ClientToStaff,
                        i,
                        "привіт",
                    ),
                    Change::Enqueue(text_to_topic(c, "копія")),
                    Change::InboxHandled(UpdateId(i)),
                ]
            };
            start.wait().await;
            (c, bad, store.commit(changes).await)
        });
    }
    let (mut landed, mut refused) = (0, 0);
    while let Some(done) = tasks.join_next().await {
        let (c, bad, result) = done.unwrap();
        if bad {
            let err = result.expect_err("a commit breaking a rule fails");
            assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
            assert!(
                ClientRepository::get(&*store, c).await.unwrap().is_none(),
                "nothing of a failed commit is kept"
            );
            refused += 1;
        } else {
            result.expect("a good commit lands beside a bad one");
            assert!(ClientRepository::get(&*store, c).await.unwrap().is_some());
            let ticket = open_ticket_id(&store, c).await;
            let msg = store
                .by_client_message(c, mid(c.get() - BIG))
                .await
                .unwrap();
            assert_eq!(
                msg.map(|m| m.ticket),
                Some(ticket),
                "its message, in its ticket"
            );
            landed += 1;
        }
    }
    assert_eq!((landed, refused), (40, 3));
    assert_eq!(
        store.depth().await.unwrap(),
        40,
        "one outbox entry per landed commit"
    );
    eprintln!(
        "    {} transactions carried two or more of the 43 commits",
        store.batched_commits()
    );
}

/// A read inside a commit sees what another transaction committed while the commit ran: a
/// ticket opened meanwhile is recorded into, not reported as missing. (MySQL: READ COMMITTED —
/// under REPEATABLE READ the commit would keep reading the snapshot of its first read. SQLite:
/// the commit waits for the other writer, then reads.)
pub async fn a_commit_sees_a_ticket_committed_while_it_ran(ctx: Ctx) {
    use sea_orm::TransactionTrait;
    let store = ctx.store().await;
    let c = uid(BIG);
    store
        .commit(vec![upsert(c, "Олена", None, None)])
        .await
        .unwrap();
    // Another writer opens the ticket and holds its transaction open.
    let other = ctx.db.connection().begin().await.unwrap();
    let now = at(9, 0, 0).naive_utc();
    tickets::Entity::insert(tickets::ActiveModel {
        thread_id: Set(Some(7)),
        chat_id: Set(Some(GROUP)),
        client_user_id: Set(c.get()),
        status: Set("open".to_owned()),
        label: Set(Some("Олена".to_owned())),
        created_at: Set(Some(now)),
        updated_at: Set(Some(now)),
        open_client_id: Set(Some(c.get())),
        ..Default::default()
    })
    .exec_without_returning(&other)
    .await
    .unwrap();
    let commit = tokio::spawn({
        let store = Arc::clone(&store);
        async move {
            store
                .commit(vec![
                    open(c, Some(7), at(10, 0, 0)),
                    record(
                        c,
                        TicketRef::OpenOf(c),
                        Direction::ClientToStaff,
                        1,
                        "одночасно",
                    ),
                ])
                .await
        }
    });
    // Long enough for the commit to have read "no open ticket" and to wait on the other's lock.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    other.commit().await.unwrap();
    commit
        .await
        .unwrap()
        .expect("the message is recorded into the ticket committed meanwhile");
    let ticket = open_ticket_id(&store, c).await;
    let msg = store.by_client_message(c, mid(1)).await.unwrap();
    assert_eq!(msg.map(|m| m.ticket), Some(ticket));
    let tickets = tickets::Entity::find()
        .filter(tickets::Column::ClientUserId.eq(c.get()))
        .count(ctx.db.connection())
        .await
        .unwrap();
    assert_eq!(tickets, 1, "no second ticket");
}

pub async fn inbox_reads_on_after_an_arrival_and_keeps_failed_updates(ctx: Ctx) {
    use sea_orm::{ConnectionTrait, Statement};
    let store = ctx.store().await;
    store
        .store_batch(
            vec![
                update(900_000_201, Some(BIG), r#"{"a":1}"#),
                update(900_000_202, Some(43), r#"{"b":2}"#),
                update(900_000_203, Some(BIG), r#"{"c":3}"#),
            ],
            900_000_204,
        )
        .await
        .unwrap();
    let all = store.unhandled_after(None, 10).await.unwrap();
    let ids: Vec<i64> = all.iter().map(|(_, e)| e.update.0).collect();
    assert_eq!(ids, [900_000_201, 900_000_202, 900_000_203]);
    assert!(all.windows(2).all(|w| w[0].0 < w[1].0), "arrival order");
    // Past the first: the reader does not see it again, whether handled or not.
    let after_first = store.unhandled_after(Some(all[0].0), 10).await.unwrap();
    let ids: Vec<i64> = after_first.iter().map(|(_, e)| e.update.0).collect();
    assert_eq!(ids, [900_000_202, 900_000_203]);
    assert_eq!(after_first[0].1.payload, r#"{"b":2}"#);
    assert_eq!(
        store
            .unhandled_after(Some(all[0].0), 1)
            .await
            .unwrap()
            .len(),
        1
    );

    store
        .commit(vec![Change::InboxFailed {
            update: UpdateId(900_000_202),
            error: "Data too long for column 'assigned_to'".into(),
        }])
        .await
        .unwrap();
    let ids: Vec<i64> = store
        .unhandled_after(None, 10)
        .await
        .unwrap()
        .iter()
        .map(|(_, e)| e.update.0)
        .collect();
    assert_eq!(
        ids,
        [900_000_201, 900_000_203],
        "a failed update is done with"
    );
    let conn = ctx.db.connection();
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT update_id, payload, error FROM failed_updates".to_owned(),
        ))
        .await
        .unwrap()
        .expect("the failed update is kept");
    assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 900_000_202);
    assert_eq!(row.try_get_by_index::<String>(1).unwrap(), r#"{"b":2}"#);
    assert!(
        row.try_get_by_index::<String>(2)
            .unwrap()
            .contains("Data too long")
    );
    // Pruning the inbox keeps the failure.
    Inbox::prune(&*store, Utc::now() + TimeDelta::seconds(5))
        .await
        .unwrap();
    let kept = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            "SELECT COUNT(*) FROM failed_updates".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap();
    assert_eq!(kept, 1);
}

/// A client message at `when`.
fn client_says(client: UserId, id: i64, when: DateTime<Utc>) -> Change {
    match record(
        client,
        TicketRef::OpenOf(client),
        Direction::ClientToStaff,
        id,
        "?",
    ) {
        Change::RecordMessage {
            client,
            ticket,
            direction,
            client_message_id,
            group_message_id,
            text,
            media,
            ..
        } => Change::RecordMessage {
            client,
            ticket,
            direction,
            client_message_id,
            group_message_id,
            text,
            media,
            at: when,
            staff: None,
        },
        other => other,
    }
}

pub async fn appeal_facts_follow_the_conversation(ctx: Ctx) {
    let store = ctx.store().await;
    let c = uid(44);
    store
        .commit(vec![
            upsert(c, "Оля", None, None),
            open(c, Some(5), at(9, 0, 0)),
            client_says(c, 1, at(9, 0, 0)),
            Change::AwaySent {
                ticket: TicketRef::OpenOf(c),
                at: at(9, 0, 1),
            },
        ])
        .await
        .unwrap();
    let t = store.open_for(c).await.unwrap().unwrap();
    assert_eq!(t.waiting_since, Some(at(9, 0, 0)));
    assert_eq!(t.last_client_message_at, Some(at(9, 0, 0)));
    assert_eq!(t.away_sent_at, Some(at(9, 0, 1)));
    assert_eq!((t.reminders_sent, t.taken_via), (0, None));

    // A second message: still waiting since the first.
    store
        .commit(vec![
            client_says(c, 2, at(9, 10, 0)),
            Change::ReminderSent {
                ticket: t.id,
                count: 1,
            },
            Change::AssignTicket {
                ticket: t.id,
                assignee: Assignee::Username("marta_vet".into()),
                via: domain::ticket::TakenVia::Button,
            },
        ])
        .await
        .unwrap();
    let t = store.open_for(c).await.unwrap().unwrap();
    assert_eq!(t.waiting_since, Some(at(9, 0, 0)));
    assert_eq!(t.last_client_message_at, Some(at(9, 10, 0)));
    assert_eq!(t.reminders_sent, 1);
    assert_eq!(t.taken_via, Some(domain::ticket::TakenVia::Button));

    // The answer: nobody waits, the reminders start again, the first response is kept.
    store
        .commit(vec![Change::StaffAnswered {
            ticket: TicketRef::OpenOf(c),
            at: at(9, 20, 0),
        }])
        .await
        .unwrap();
    let t = store.open_for(c).await.unwrap().unwrap();
    assert_eq!(t.waiting_since, None);
    assert_eq!(t.last_staff_message_at, Some(at(9, 20, 0)));
    assert_eq!(t.first_response_at, Some(at(9, 20, 0)));
    assert_eq!(t.reminders_sent, 0);

    // The client writes again: a new wait from that message; the first response stays.
    store
        .commit(vec![client_says(c, 3, at(10, 0, 0))])
        .await
        .unwrap();
    store
        .commit(vec![Change::StaffAnswered {
            ticket: TicketRef::Id(t.id),
            at: at(10, 30, 0),
        }])
        .await
        .unwrap();
    let t = store.open_for(c).await.unwrap().unwrap();
    assert_eq!(t.first_response_at, Some(at(9, 20, 0)));
    assert_eq!(t.last_staff_message_at, Some(at(10, 30, 0)));
    store
        .commit(vec![client_says(c, 4, at(11, 0, 0))])
        .await
        .unwrap();
    let t = store.open_for(c).await.unwrap().unwrap();
    assert_eq!(t.waiting_since, Some(at(11, 0, 0)));
}

pub async fn waiting_tickets_are_the_open_ones_whose_client_waits(ctx: Ctx) {
    let store = ctx.store().await;
    let (waits, earlier, answered, quiet, closed) = (uid(51), uid(52), uid(53), uid(54), uid(55));
    let mut opening = Vec::new();
    for (i, c) in [waits, earlier, answered, quiet, closed]
        .into_iter()
        .enumerate()
    {
        opening.push(upsert(c, "Оля", None, None));
        opening.push(open(c, Some(10 + i as i64), at(8, 0, 0)));
    }
    store.commit(opening).await.unwrap();
    store
        .commit(vec![
            client_says(waits, 1, at(9, 0, 0)),
            client_says(earlier, 2, at(8, 30, 0)),
            client_says(answered, 3, at(8, 40, 0)),
            client_says(closed, 4, at(8, 50, 0)),
        ])
        .await
        .unwrap();
    let (waits_id, answered_id, closed_id) = (
        open_ticket_id(&store, waits).await,
        open_ticket_id(&store, answered).await,
        open_ticket_id(&store, closed).await,
    );
    store
        .commit(vec![
            Change::ReminderSent {
                ticket: waits_id,
                count: 1,
            },
            Change::StaffAnswered {
                ticket: TicketRef::OpenOf(answered),
                at: at(8, 45, 0),
            },
            Change::CloseTicket {
                ticket: closed_id,
                at: at(8, 55, 0),
            },
        ])
        .await
        .unwrap();

    let found = store.waiting_for_answer().await.unwrap();
    let seen: Vec<_> = found
        .iter()
        .map(|t| (t.client, t.waiting_since, t.reminders_sent, t.thread))
        .collect();
    // Oldest wait first; not the answered one, the one never written in, or the closed one.
    assert_eq!(
        seen,
        vec![
            (earlier, Some(at(8, 30, 0)), 0, Some(thread(11))),
            (waits, Some(at(9, 0, 0)), 1, Some(thread(10))),
        ]
    );
    assert!(found.iter().all(|t| t.status == TicketStatus::Open));

    // The count only goes up while the client waits: a late reminder commit neither lowers it
    // nor marks a client who was answered meanwhile.
    store
        .commit(vec![
            Change::ReminderSent {
                ticket: waits_id,
                count: 2,
            },
            Change::ReminderSent {
                ticket: answered_id,
                count: 1,
            },
        ])
        .await
        .unwrap();
    store
        .commit(vec![Change::ReminderSent {
            ticket: waits_id,
            count: 1,
        }])
        .await
        .unwrap();
    assert_eq!(
        store.open_for(waits).await.unwrap().unwrap().reminders_sent,
        2
    );
    assert_eq!(
        store
            .open_for(answered)
            .await
            .unwrap()
            .unwrap()
            .reminders_sent,
        0
    );

    // Answered: no longer waiting, and the next wait starts from no reminders.
    store
        .commit(vec![Change::StaffAnswered {
            ticket: TicketRef::Id(waits_id),
            at: at(9, 20, 0),
        }])
        .await
        .unwrap();
    let left: Vec<_> = store
        .waiting_for_answer()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.client)
        .collect();
    assert_eq!(left, vec![earlier]);
    store
        .commit(vec![client_says(waits, 5, at(9, 30, 0))])
        .await
        .unwrap();
    let again = store.waiting_for_answer().await.unwrap();
    assert_eq!(again.len(), 2);
    assert_eq!(
        (
            again[1].client,
            again[1].waiting_since,
            again[1].reminders_sent
        ),
        (waits, Some(at(9, 30, 0)), 0)
    );
}

pub async fn open_appeals_are_the_open_tickets_with_their_clients_label_and_topic(ctx: Ctx) {
    let store = ctx.store().await;
    let (waits, answered, topic_gone, closed) = (uid(BIG), uid(45), uid(46), uid(47));
    store
        .commit(vec![
            upsert(waits, "Олена", None, None),
            open(waits, Some(5), at(9, 0, 0)),
            Change::SetThread {
                client: waits,
                thread: Some(thread(5)),
            },
            Change::SetLabel {
                client: waits,
                label: label("Олена — Барсік (1001) 🐾"),
            },
            client_says(waits, 1, at(9, 0, 0)),
            client_says(waits, 2, at(9, 3, 0)),
            upsert(answered, "Тарас", Some("Коваль"), Some("taras")),
            open(answered, Some(6), at(9, 1, 0)),
            Change::SetThread {
                client: answered,
                thread: Some(thread(6)),
            },
            client_says(answered, 1, at(9, 1, 0)),
            Change::StaffAnswered {
                ticket: TicketRef::OpenOf(answered),
                at: at(9, 20, 0),
            },
            upsert(topic_gone, "Андрій", None, None),
            open(topic_gone, Some(7), at(9, 2, 0)),
            client_says(topic_gone, 1, at(9, 2, 0)),
            upsert(closed, "Закрита", None, None),
            open(closed, Some(8), at(8, 0, 0)),
            Change::SetThread {
                client: closed,
                thread: Some(thread(8)),
            },
        ])
        .await
        .unwrap();
    let taken = open_ticket_id(&store, answered).await;
    let done = open_ticket_id(&store, closed).await;
    store
        .commit(vec![
            Change::AssignTicket {
                ticket: taken,
                assignee: Assignee::Username("marta_vet".into()),
                via: domain::ticket::TakenVia::Command,
            },
            // Staff deleted the topic: the client has none now, though the ticket remembers it.
            Change::SetThread {
                client: topic_gone,
                thread: None,
            },
            Change::CloseTicket {
                ticket: done,
                at: at(9, 30, 0),
            },
        ])
        .await
        .unwrap();

    let mut appeals = store.open_appeals().await.unwrap();
    appeals.sort_by_key(|a| a.ticket.id);
    let who: Vec<UserId> = appeals.iter().map(|a| a.ticket.client).collect();
    assert_eq!(who, [waits, answered, topic_gone], "only the open ones");
    for a in &appeals {
        assert_eq!(
            Some(&a.ticket),
            store.open_for(a.ticket.client).await.unwrap().as_ref(),
            "the ticket as open_for reads it"
        );
    }
    let shown: Vec<(&str, Option<ThreadId>)> = appeals
        .iter()
        .map(|a| (a.label.as_str(), a.thread))
        .collect();
    assert_eq!(
        shown,
        [
            ("Олена — Барсік (1001) 🐾", Some(thread(5))),
            ("Тарас Коваль (@taras)", Some(thread(6))),
            ("Андрій", None),
        ]
    );
    let facts: Vec<_> = appeals
        .iter()
        .map(|a| {
            (
                a.ticket.waiting_since,
                a.ticket.last_staff_message_at,
                a.ticket.assigned_to.clone(),
            )
        })
        .collect();
    assert_eq!(
        facts,
        [
            (Some(at(9, 0, 0)), None, None),
            (
                None,
                Some(at(9, 20, 0)),
                Some(Assignee::Username("marta_vet".into()))
            ),
            (Some(at(9, 2, 0)), None, None),
        ]
    );

    // Closing the last ones leaves nothing to list.
    let mut closing = Vec::new();
    for a in &appeals {
        closing.push(Change::CloseTicket {
            ticket: a.ticket.id,
            at: at(10, 0, 0),
        });
    }
    store.commit(closing).await.unwrap();
    assert!(store.open_appeals().await.unwrap().is_empty());
}

/// The outbox rows, as actions.
async fn queued_actions(store: &SqlStore) -> Vec<Outbound> {
    outbox::Entity::find()
        .all(store.database().connection())
        .await
        .unwrap()
        .into_iter()
        .map(|r| serde_json::from_str(&r.action).unwrap())
        .collect()
}

pub async fn quiet_answered_tickets_are_found_and_auto_close_is_guarded(ctx: Ctx) {
    let store = ctx.store().await;
    let (quiet, later, waits, unanswered, closed) = (uid(61), uid(62), uid(63), uid(64), uid(65));
    let mut opening = Vec::new();
    for (i, c) in [quiet, later, waits, unanswered, closed]
        .into_iter()
        .enumerate()
    {
        opening.push(upsert(c, "Оля", None, None));
        opening.push(open(c, Some(20 + i as i64), at(8, 0, 0)));
        opening.push(client_says(c, 10 + i as i64, at(8, 0, 0)));
    }
    store.commit(opening).await.unwrap();
    let answered = |c, when| Change::StaffAnswered {
        ticket: TicketRef::OpenOf(c),
        at: when,
    };
    let closed_id = open_ticket_id(&store, closed).await;
    store
        .commit(vec![
            answered(quiet, at(9, 0, 0)),
            answered(later, at(11, 0, 0)),
            answered(waits, at(9, 0, 0)),
            answered(closed, at(9, 0, 0)),
            Change::CloseTicket {
                ticket: closed_id,
                at: at(9, 30, 0),
            },
        ])
        .await
        .unwrap();
    // The client wrote again after the answer: waiting, so never auto-closed.
    store
        .commit(vec![client_says(waits, 30, at(9, 10, 0))])
        .await
        .unwrap();

    let found = |before| {
        let store = store.clone();
        async move {
            store
                .answered_before(before)
                .await
                .unwrap()
                .into_iter()
                .map(|t| (t.client, t.last_staff_message_at))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found(at(10, 0, 0)).await, vec![(quiet, Some(at(9, 0, 0)))]);
    assert_eq!(
        found(at(11, 0, 0)).await,
        vec![(quiet, Some(at(9, 0, 0))), (later, Some(at(11, 0, 0)))],
        "oldest answer first, the cutoff itself included"
    );
    assert!(found(at(8, 59, 59)).await.is_empty());

    // The guarded close: applies once, with everything committed beside it.
    let quiet_id = open_ticket_id(&store, quiet).await;
    let notice = Outbound::TextToClient {
        client: quiet,
        text: BotText::new("закрито"),
    };
    let auto_close = |ticket, before| {
        vec![
            Change::AutoCloseTicket {
                ticket,
                at: at(12, 0, 0),
                answered_before: before,
            },
            Change::CountClose { client: quiet },
            Change::Enqueue(notice.clone()),
        ]
    };
    store
        .commit(auto_close(quiet_id, at(10, 0, 0)))
        .await
        .unwrap();
    let t = store.by_id(quiet_id).await.unwrap().unwrap();
    assert_eq!(
        (t.status, t.closed_at),
        (TicketStatus::Closed, Some(at(12, 0, 0)))
    );
    assert_eq!(store.open_for(quiet).await.unwrap(), None);
    assert_eq!(found(at(10, 0, 0)).await, vec![]);
    // Again (a second pass, a restart): refused whole — no second count or notice.
    let again = store.commit(auto_close(quiet_id, at(10, 0, 0))).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    // Answered after the cutoff, or waiting: refused as well.
    let later_id = open_ticket_id(&store, later).await;
    let waits_id = open_ticket_id(&store, waits).await;
    for (id, before) in [(later_id, at(10, 0, 0)), (waits_id, at(10, 0, 0))] {
        let refused = store.commit(auto_close(id, before)).await;
        assert!(
            matches!(refused, Err(StoreError::Conflict(_))),
            "{refused:?}"
        );
        assert!(store.by_id(id).await.unwrap().unwrap().is_open());
    }
    let rows = pp_clients_total_closed(&store, quiet).await;
    assert_eq!(rows, 1, "counted once");
    assert_eq!(
        queued_actions(&store)
            .await
            .iter()
            .filter(|a| **a == notice)
            .count(),
        1,
        "one notice"
    );
    assert_eq!(
        store.by_id(TicketId::new(9_999).unwrap()).await.unwrap(),
        None
    );
}

async fn pp_clients_total_closed(store: &SqlStore, client: UserId) -> u32 {
    ClientRepository::get(store, client)
        .await
        .unwrap()
        .expect("the client")
        .total_closed
}

pub async fn one_rating_per_appeal(ctx: Ctx) {
    let store = ctx.store().await;
    let c = uid(BIG);
    store
        .commit(vec![
            upsert(c, "Оля", None, None),
            open(c, Some(5), at(8, 0, 0)),
        ])
        .await
        .unwrap();
    let id = open_ticket_id(&store, c).await;
    store
        .commit(vec![Change::CloseTicket {
            ticket: id,
            at: at(9, 0, 0),
        }])
        .await
        .unwrap();
    let fresh = store.by_id(id).await.unwrap().unwrap();
    assert_eq!((fresh.rating, fresh.rated_at), (None, None));

    let rate = |n, when| Change::RateTicket {
        ticket: id,
        rating: Rating::new(n).unwrap(),
        at: when,
    };
    store.commit(vec![rate(2, at(9, 5, 0))]).await.unwrap();
    // A later rating, of any number, writes nothing (and is no error).
    store.commit(vec![rate(5, at(9, 6, 0))]).await.unwrap();
    store.commit(vec![rate(2, at(9, 7, 0))]).await.unwrap();
    let t = store.by_id(id).await.unwrap().unwrap();
    assert_eq!((t.rating, t.rated_at), (Rating::new(2), Some(at(9, 5, 0))));
    assert_eq!(
        store.latest_for(c).await.unwrap().unwrap().rating,
        Rating::new(2)
    );
}

pub async fn clients_are_found_by_topic_within_its_group(ctx: Ctx) {
    let store = ctx.store().await;
    let old = GroupId::new(GROUP - 1).unwrap();
    let (a, b, legacy) = (uid(BIG), uid(BIG + 1), uid(BIG + 2));
    let topic = |client, th, g: Option<GroupId>| {
        let mut changes = vec![
            upsert(client, "Олена", None, None),
            Change::SetThread {
                client,
                thread: Some(thread(th)),
            },
        ];
        changes.extend(g.map(|group| Change::SetTopicGroup { client, group }));
        changes
    };
    // Topic 5 of the old group is a's, topic 5 of the support group is b's: two topics.
    store.commit(topic(a, 5, Some(old))).await.unwrap();
    store.commit(topic(b, 5, Some(group()))).await.unwrap();
    // A row from before the group was stored: the support group's topic 9.
    store.commit(topic(legacy, 9, None)).await.unwrap();
    let found = |g, th| {
        let store = store.clone();
        async move { store.by_topic(g, thread(th)).await.unwrap().map(|c| c.id) }
    };
    assert_eq!(found(old, 5).await, Some(a));
    assert_eq!(found(group(), 5).await, Some(b));
    assert_eq!(found(group(), 9).await, Some(legacy));
    assert_eq!(found(old, 9).await, None);
    assert_eq!(found(GroupId::new(GROUP - 2).unwrap(), 5).await, None);

    // Stamped at start: the legacy topic is the support group's by name now, so after a move
    // it is known to be in the old group. Rows with a group, or without a topic, stay as
    // they are.
    let no_topic = uid(BIG + 3);
    store
        .commit(vec![upsert(no_topic, "Іван", None, None)])
        .await
        .unwrap();
    assert_eq!(store.claim_legacy_topics().await.unwrap(), 1);
    assert_eq!(store.claim_legacy_topics().await.unwrap(), 0);
    let group_of = |c| {
        let store = store.clone();
        async move {
            ClientRepository::get(&*store, c)
                .await
                .unwrap()
                .unwrap()
                .topic_group
        }
    };
    assert_eq!(group_of(legacy).await, Some(group()));
    assert_eq!(group_of(a).await, Some(old));
    assert_eq!(group_of(no_topic).await, None);
    let moved_on = SqlStore::new(ctx.db.clone(), GroupId::new(GROUP - 2).unwrap());
    assert_eq!(
        moved_on
            .by_topic(group(), thread(9))
            .await
            .unwrap()
            .map(|c| c.id),
        Some(legacy)
    );
    // In the bot run with the new group, old topic 9 is not taken for its own topic 9.
    assert!(
        moved_on
            .by_topic(GroupId::new(GROUP - 2).unwrap(), thread(9))
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn former_topics_are_remembered_once_with_their_last_hint(ctx: Ctx) {
    let store = ctx.store().await;
    let old = GroupId::new(GROUP - 1).unwrap();
    let c = uid(BIG);
    store
        .commit(vec![upsert(c, "Олена", None, None)])
        .await
        .unwrap();
    assert_eq!(store.former_topic(old, thread(7)).await.unwrap(), None);
    let keep = Change::KeepFormerTopic {
        client: c,
        group: old,
        thread: thread(7),
    };
    store.commit(vec![keep.clone()]).await.unwrap();
    let former = store.former_topic(old, thread(7)).await.unwrap().unwrap();
    assert_eq!((former.client, former.hinted_at), (c, None));
    // A hint is stored on the known topic…
    let hinted = |at| Change::FormerTopicHinted {
        client: c,
        group: old,
        thread: thread(7),
        at,
    };
    store.commit(vec![hinted(at(10, 0, 0))]).await.unwrap();
    // …and remembering the topic again keeps it.
    store.commit(vec![keep]).await.unwrap();
    assert_eq!(
        store
            .former_topic(old, thread(7))
            .await
            .unwrap()
            .unwrap()
            .hinted_at,
        Some(at(10, 0, 0))
    );
    store.commit(vec![hinted(at(10, 7, 0))]).await.unwrap();
    assert_eq!(
        store
            .former_topic(old, thread(7))
            .await
            .unwrap()
            .unwrap()
            .hinted_at,
        Some(at(10, 7, 0))
    );
    // A hint in a topic not yet remembered (the client had not moved yet) remembers it.
    let d = uid(BIG + 1);
    store
        .commit(vec![Change::FormerTopicHinted {
            client: d,
            group: old,
            thread: thread(8),
            at: at(11, 0, 0),
        }])
        .await
        .unwrap();
    let former = store.former_topic(old, thread(8)).await.unwrap().unwrap();
    assert_eq!((former.client, former.hinted_at), (d, Some(at(11, 0, 0))));
    // Topic 7 of another group is another topic.
    assert_eq!(store.former_topic(group(), thread(7)).await.unwrap(), None);
}

//! Every statement the store sends on an update's path, in the help desk's loops and in
//! housekeeping uses an index: with years of history a full scan of `messages` or `tickets`
//! would make every client message slower. The store runs its real work on SQLite here while
//! the connection reports each statement; each is then explained (`EXPLAIN QUERY PLAN`) and
//! a scan of a whole table fails the test.

use adapters_mysql::{Database, SqlStore};
use chrono::{Duration, Utc};
use domain::change::{Change, TicketRef};
use domain::client::Profile;
use domain::enote_link::{LinkState, NewPendingLink};
use domain::ids::{GroupId, MessageId, ThreadId, UpdateId, UserId};
use domain::label::Label;
use domain::message::{Direction, MediaKind};
use domain::outbound::{BotText, Outbound, Queue};
use domain::ports::{
    ClientRepository, Inbox, InboxEntry, MessageRepository, Outbox, PendingLinkRepository,
    ReportRepository, TicketRepository, UnitOfWork,
};
use sea_orm::{ConnectionTrait, Statement};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// Tables so small that a scan is the best plan: one row, or a handful.
const TINY: &[&str] = &[
    "update_offset",
    "instance_lease",
    "seaql_migrations",
    "report_runs",
];

fn uid(n: i64) -> UserId {
    UserId::new(n).unwrap()
}

fn mid(n: i64) -> MessageId {
    MessageId::new(n).unwrap()
}

/// The whole-table scans in a plan's lines (`SCAN t` without an index).
fn scans(plan: &[String]) -> Vec<String> {
    plan.iter()
        .filter(|line| line.starts_with("SCAN ") && !line.contains("USING"))
        .filter(|line| {
            let table = line
                .trim_start_matches("SCAN ")
                .split(' ')
                .next()
                .unwrap_or("");
            !TINY.contains(&table) && table != "CONSTANT"
        })
        .cloned()
        .collect()
}

#[tokio::test]
async fn the_stores_statements_use_indexes() {
    let path = std::env::temp_dir().join(format!("pp-plans-{}.db", std::process::id()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let seen: Arc<Mutex<Vec<Statement>>> = Arc::default();
    let mut db = Database::connect(&url).await.expect("sqlite");
    db.migrate().await.expect("migrations");
    let sink = seen.clone();
    db.observe_statements(move |s| sink.lock().unwrap().push(s.clone()));
    let group = GroupId::new(-1_001_234_567_890).unwrap();
    let store = SqlStore::new(db.clone(), group);

    // The work of a day, through every port.
    let (client, staff) = (uid(8_000_000_001), uid(600));
    let thread = ThreadId::new(77).unwrap();
    let now = Utc::now();
    let entry = InboxEntry {
        update: UpdateId(1),
        chat: Some(client.get()),
        payload: "{}".into(),
    };
    store.store_batch(vec![entry], 2).await.unwrap();
    store.unhandled_after(None, 100).await.unwrap();
    store.offset().await.unwrap();
    let text = |html: &str| BotText::new(html);
    store
        .commit(vec![
            Change::UpsertClient {
                client,
                profile: Profile {
                    username: Some("olena".into()),
                    first_name: Some("Olena".into()),
                    last_name: None,
                },
            },
            Change::SetThread {
                client,
                thread: Some(thread),
            },
            Change::OpenTicket {
                client,
                thread: Some(thread),
                label: Label::new("Olena").unwrap(),
                at: now,
            },
            Change::RecordMessage {
                client,
                ticket: TicketRef::OpenOf(client),
                direction: Direction::ClientToStaff,
                client_message_id: Some(mid(5)),
                group_message_id: None,
                text: Some("hi".into()),
                media: MediaKind::Text,
                at: now,
                staff: None,
            },
            Change::Enqueue(Outbound::ClientMessageToTopic {
                client,
                message: mid(5),
                reply_to: None,
            }),
            Change::Enqueue(Outbound::TextToClient {
                client,
                text: text("ok"),
            }),
            Change::InboxHandled(UpdateId(1)),
        ])
        .await
        .unwrap();
    ClientRepository::get(&store, client).await.unwrap();
    store.by_topic(group, thread).await.unwrap();
    let old_group = GroupId::new(-1_001_111_111_111).unwrap();
    store.by_topic(old_group, thread).await.unwrap();
    store.former_topic(old_group, thread).await.unwrap();
    store
        .commit(vec![
            Change::KeepFormerTopic {
                client,
                group: old_group,
                thread,
            },
            Change::FormerTopicHinted {
                client,
                group: old_group,
                thread,
                at: now,
            },
        ])
        .await
        .unwrap();
    store.claim_legacy_topics().await.unwrap();
    let ticket = store.open_for(client).await.unwrap().expect("open");
    store.latest_for(client).await.unwrap();
    store.by_id(ticket.id).await.unwrap();
    store.by_client_message(client, mid(5)).await.unwrap();
    store.by_group_message(mid(90)).await.unwrap();
    for entry in store.due(now + Duration::seconds(1), 200).await.unwrap() {
        store
            .commit(vec![
                Change::MapMessage {
                    client,
                    direction: Direction::ClientToStaff,
                    source: mid(5),
                    copy: mid(90),
                },
                Change::CompleteOutbox(entry.id),
            ])
            .await
            .unwrap();
    }
    store
        .next_in(Queue::Client(client), now + Duration::seconds(1))
        .await
        .unwrap();
    store.depth().await.unwrap();
    store
        .commit(vec![
            Change::RecordMessage {
                client,
                ticket: TicketRef::Id(ticket.id),
                direction: Direction::StaffToClient,
                client_message_id: None,
                group_message_id: Some(mid(91)),
                text: Some("hello".into()),
                media: MediaKind::Text,
                at: now,
                staff: Some(staff),
            },
            Change::StaffAnswered {
                ticket: TicketRef::OpenOf(client),
                at: now,
            },
            Change::CreatePendingLink(NewPendingLink {
                thread,
                client,
                initiator: staff,
                state: LinkState::AwaitingContract,
                expires_at: now + Duration::minutes(10),
            }),
        ])
        .await
        .unwrap();
    store.of_initiator(thread, staff).await.unwrap();
    store.expired(now).await.unwrap();
    store.waiting_for_answer().await.unwrap();
    store.open_appeals().await.unwrap();
    store.answered_before(now).await.unwrap();
    let day_ago = now - Duration::days(1);
    store.appeals_touching(day_ago, now).await.unwrap();
    store.answers_by_staff(day_ago, now).await.unwrap();
    store.closes_by_staff(day_ago, now).await.unwrap();
    store.last_daily_report().await.unwrap();
    Inbox::prune(&store, now - Duration::days(6)).await.unwrap();
    Outbox::prune(&store, now - Duration::days(7))
        .await
        .unwrap();

    // Explain each kind of statement once.
    let statements: Vec<Statement> = seen.lock().unwrap().drain(..).collect();
    let conn = db.connection();
    let mut explained = BTreeSet::new();
    let mut found = Vec::new();
    for s in statements {
        let sql = s.sql.trim().to_owned();
        let verb = sql
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        if !matches!(verb.as_str(), "SELECT" | "UPDATE" | "DELETE" | "INSERT")
            || !explained.insert(sql.clone())
        {
            continue;
        }
        let explain = Statement {
            sql: format!("EXPLAIN QUERY PLAN {sql}"),
            values: s.values.clone(),
            db_backend: conn.get_database_backend(),
        };
        let plan: Vec<String> = conn
            .query_all_raw(explain)
            .await
            .unwrap_or_else(|e| panic!("{e}: {sql}"))
            .iter()
            .map(|row| row.try_get::<String>("", "detail").unwrap_or_default())
            .collect();
        for scan in scans(&plan) {
            found.push(format!("{scan}\n    in: {sql}"));
        }
    }
    drop(store);
    drop(db);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    assert!(
        explained.len() > 25,
        "the store's work was seen ({} statements)",
        explained.len()
    );
    assert!(
        found.is_empty(),
        "statements that scan a whole table:\n{}",
        found.join("\n")
    );
}

#[test]
fn a_scan_is_told_from_an_index_search() {
    let plan = |lines: &[&str]| lines.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    assert_eq!(
        scans(&plan(&["SCAN messages"])),
        ["SCAN messages".to_owned()]
    );
    assert!(scans(&plan(&["SEARCH messages USING INDEX idx (created_at>?)"])).is_empty());
    assert!(scans(&plan(&["SCAN tickets USING INDEX idx_tickets_open"])).is_empty());
    assert!(scans(&plan(&["SCAN update_offset", "SCAN CONSTANT ROW"])).is_empty());
}

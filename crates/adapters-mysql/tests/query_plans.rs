//! Every statement the store sends on an update's path, in the help desk's loops and in
//! housekeeping uses an index: with years of history a full scan of `messages` or `tickets`
//! would make every client message slower. The store runs its real work over a loaded history
//! (`bench-history`, a tenth of a year) while the connection reports each statement; each is
//! then explained — `EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` on MariaDB — and a scan of a
//! whole table fails the test.

use adapters_mysql::{Database, SqlStore};
use bench_history::History;
use chrono::Duration;
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

/// The support group of the day's work and of the loaded history.
const GROUP: i64 = -1_001_234_567_890;

/// Runs a day's work of the store on the database at `url` (migrated, with `history` loaded
/// first) and returns the statements it sent, each kind once, with the open database.
async fn day_of_work(url: &str, history: History) -> (Database, Vec<Statement>) {
    let seen: Arc<Mutex<Vec<Statement>>> = Arc::default();
    let mut db = Database::connect(url).await.expect("database");
    db.migrate().await.expect("migrations");
    history.load(db.connection()).await.expect("history");
    let sink = seen.clone();
    db.observe_statements(move |s| sink.lock().unwrap().push(s.clone()));
    let group = GroupId::new(GROUP).unwrap();
    let store = SqlStore::new(db.clone(), group);

    // The work of a day, through every port.
    let (client, staff) = (uid(8_000_000_001), uid(600));
    let thread = ThreadId::new(77).unwrap();
    // An hour after the history ends: the housekeeping then forgets an hour's worth of rows,
    // as it does every hour.
    let now = History::end() + Duration::hours(1);
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
    let (known, open) = store.with_open_ticket(client).await.unwrap();
    assert!(
        known.is_some() && open.is_some(),
        "the client with their appeal"
    );
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

    drop(store);
    // Each kind of statement once.
    let mut kinds = BTreeSet::new();
    let statements = seen
        .lock()
        .unwrap()
        .drain(..)
        .filter(|s| {
            let sql = s.sql.trim();
            let verb = sql.split_whitespace().next().unwrap_or("");
            ["SELECT", "UPDATE", "DELETE", "INSERT"]
                .iter()
                .any(|v| v.eq_ignore_ascii_case(verb))
                && kinds.insert(sql.to_owned())
        })
        .collect();
    (db, statements)
}

#[tokio::test]
async fn the_stores_statements_use_indexes() {
    let path = std::env::temp_dir().join(format!("pp-plans-{}.db", std::process::id()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let (db, statements) = day_of_work(&url, History::quick(GROUP)).await;
    let conn = db.connection();
    let explained = statements.len();
    let mut found = Vec::new();
    for s in statements {
        let sql = s.sql.trim().to_owned();
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
    drop(db);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    assert!(
        explained > 25,
        "the store's work was seen ({explained} statements)"
    );
    assert!(
        found.is_empty(),
        "statements that scan a whole table:\n{}",
        found.join("\n")
    );
}

/// The tables the history fills; MariaDB's optimizer rightly scans a table of a few rows, so
/// only these are judged there.
const LOADED: &[&str] = &[
    "pp_clients",
    "tickets",
    "messages",
    "audit_log",
    "update_inbox",
    "outbox",
];

/// The same day's work on MariaDB, over a loaded history (on near-empty tables MariaDB prefers
/// a scan, so its plans say something only with data): `EXPLAIN` of each statement must not
/// read a loaded table whole (`type = ALL`). Runs when `TEST_MYSQL_URL` is set, as the contract
/// suite does.
#[tokio::test]
async fn mariadb_plans_over_a_loaded_history_use_indexes() {
    let Ok(root) = std::env::var("TEST_MYSQL_URL") else {
        eprintln!("query plans [mariadb]: SKIPPED (TEST_MYSQL_URL is not set)");
        return;
    };
    let admin = sea_orm::Database::connect(&root)
        .await
        .unwrap_or_else(|e| panic!("TEST_MYSQL_URL is set but unreachable: {e}"));
    let name = format!("pp_plans_{}", std::process::id());
    admin
        .execute_unprepared(&format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
        .await
        .unwrap();
    let (server, _) = root.rsplit_once('/').expect("a database in TEST_MYSQL_URL");
    let (db, statements) = day_of_work(&format!("{server}/{name}"), History::quick(GROUP)).await;
    let conn = db.connection();
    let explained = statements.len();
    let mut found = Vec::new();
    for s in statements {
        let sql = s.sql.trim().to_owned();
        // An insert of values reads nothing, though MariaDB reports its table as `ALL`.
        if sql.starts_with("INSERT") && !sql.contains("SELECT") {
            continue;
        }
        let explain = Statement {
            sql: format!("EXPLAIN {sql}"),
            values: s.values.clone(),
            db_backend: conn.get_database_backend(),
        };
        let rows = conn
            .query_all_raw(explain)
            .await
            .unwrap_or_else(|e| panic!("{e}: {sql}"));
        for row in rows {
            let table: Option<String> = row.try_get("", "table").unwrap_or_default();
            let kind: Option<String> = row.try_get("", "type").unwrap_or_default();
            if let (Some(table), Some("ALL")) = (table, kind.as_deref())
                && LOADED.contains(&table.as_str())
            {
                found.push(format!("ALL {table}\n    in: {sql}"));
            }
        }
    }
    drop(db);
    admin
        .execute_unprepared(&format!("DROP DATABASE IF EXISTS `{name}`"))
        .await
        .unwrap();
    assert!(
        explained > 25,
        "the store's work was seen ({explained} statements)"
    );
    assert!(
        found.is_empty(),
        "statements that read a loaded table whole on MariaDB:\n{}",
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

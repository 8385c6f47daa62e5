//! The original Python bot's database, upgraded in place: the fixture builds its three tables
//! exactly as that bot had them (no `seaql_migrations`, none of our columns), with a few rows,
//! then runs our migrations and checks that every row survived and the bot can work with it.

use crate::scenarios::{BIG, at, mid, record, thread, uid, upsert};
use crate::support::{Backend, Ctx, group};
use adapters_mysql::entities::{messages, pp_clients, tickets};
use chrono::NaiveDate;
use domain::change::{Change, TicketRef};
use domain::ids::TicketId;
use domain::message::Direction;
use domain::ports::{ClientRepository, MessageRepository, TicketRepository, UnitOfWork};
use domain::ticket::{Assignee, TicketStatus};
use migrations::SchemaManager;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, QueryOrder};

/// MySQL/MariaDB DDL of the original. `messages` is latin1 on purpose: old installs defaulted
/// to it, and the migration must convert it.
const MYSQL_SCHEMA: [&str; 3] = [
    "CREATE TABLE pp_clients (
        telegram_id BIGINT NOT NULL PRIMARY KEY,
        username VARCHAR(64) NULL,
        first_name VARCHAR(128) NULL,
        phone VARCHAR(32) NULL,
        phone_confirmed TINYINT(1) NULL,
        label VARCHAR(255) NULL,
        total_closed INT NOT NULL DEFAULT 0,
        created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
        last_phone_prompt_at DATETIME NULL,
        owner_ref_key CHAR(36) NULL,
        owner_name_enote VARCHAR(255) NULL,
        owner_phone_enote VARCHAR(32) NULL,
        linked_contract_number VARCHAR(64) NULL,
        linked_by BIGINT NULL,
        linked_at DATETIME NULL,
        INDEX idx_pp_clients_owner_ref_key (owner_ref_key)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    "CREATE TABLE tickets (
        id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        thread_id INT NOT NULL,
        chat_id BIGINT NOT NULL,
        client_user_id BIGINT NOT NULL,
        status VARCHAR(16) NOT NULL DEFAULT 'open',
        label VARCHAR(255) NULL,
        assigned_to BIGINT NULL,
        created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
        INDEX idx_tickets_thread (thread_id),
        INDEX idx_tickets_client (client_user_id)
    ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4",
    "CREATE TABLE messages (
        id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        ticket_id INT NOT NULL,
        direction VARCHAR(32) NOT NULL,
        telegram_message_id BIGINT NOT NULL,
        text TEXT NULL,
        media VARCHAR(32) NULL,
        created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        CONSTRAINT fk_messages_ticket FOREIGN KEY (ticket_id) REFERENCES tickets (id)
    ) ENGINE=InnoDB DEFAULT CHARSET=latin1",
];

/// The same tables in SQLite's dialect (for the embedded backend's upgrade path).
const SQLITE_SCHEMA: [&str; 5] = [
    "CREATE TABLE pp_clients (
        telegram_id BIGINT NOT NULL PRIMARY KEY,
        username VARCHAR(64) NULL,
        first_name VARCHAR(128) NULL,
        phone VARCHAR(32) NULL,
        phone_confirmed TINYINT NULL,
        label VARCHAR(255) NULL,
        total_closed INT NOT NULL DEFAULT 0,
        created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        last_phone_prompt_at DATETIME NULL,
        owner_ref_key CHAR(36) NULL,
        owner_name_enote VARCHAR(255) NULL,
        owner_phone_enote VARCHAR(32) NULL,
        linked_contract_number VARCHAR(64) NULL,
        linked_by BIGINT NULL,
        linked_at DATETIME NULL
    )",
    "CREATE INDEX idx_pp_clients_owner_ref_key ON pp_clients (owner_ref_key)",
    "CREATE TABLE tickets (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        thread_id INT NULL,
        chat_id BIGINT NOT NULL,
        client_user_id BIGINT NOT NULL,
        status VARCHAR(16) NOT NULL DEFAULT 'open',
        label VARCHAR(255) NULL,
        assigned_to VARCHAR(64) NULL,
        created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
        updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
    )",
    "CREATE INDEX idx_tickets_thread ON tickets (thread_id)",
    "CREATE TABLE messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ticket_id INT NOT NULL REFERENCES tickets (id),
        direction VARCHAR(32) NOT NULL,
        telegram_message_id BIGINT NOT NULL,
        text TEXT NULL,
        media VARCHAR(32) NULL,
        created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
    )",
];

/// The original's rows: a linked client with Cyrillic everywhere and an id above 2^32, an
/// unlinked one with a duplicate open ticket (the original did not prevent those).
const ROWS: [&str; 9] = [
    "INSERT INTO pp_clients (telegram_id, username, first_name, phone, phone_confirmed, label,
        total_closed, created_at, updated_at, last_phone_prompt_at, owner_ref_key,
        owner_name_enote, owner_phone_enote, linked_contract_number, linked_by, linked_at)
     VALUES (8123456789, 'olena', 'Олена', '380674210303', 1,
        'Олена — Бетмен (1), Сільва (2) 🐾', 3, '2025-01-15 10:00:00', '2025-03-01 12:00:00',
        '2025-01-15 10:00:05', '0a000001-1a2b-11f0-8a00-0a1b2c3d4e5f',
        'Шевченко Олена Петрівна', '380674210303', '1', 555000111, '2025-03-01 12:00:00')",
    "INSERT INTO pp_clients (telegram_id, username, first_name, phone, phone_confirmed, label,
        total_closed, created_at, updated_at)
     VALUES (42, NULL, 'Іван', NULL, NULL, 'Іван', 0, '2025-02-01 09:00:00',
        '2025-02-01 09:00:00')",
    "INSERT INTO tickets (id, thread_id, chat_id, client_user_id, status, label, assigned_to,
        created_at, updated_at)
     VALUES (1, 101, -1002992147362, 8123456789, 'closed', 'Олена', 777,
        '2025-01-15 10:00:00', '2025-01-16 10:00:00')",
    "INSERT INTO tickets (id, thread_id, chat_id, client_user_id, status, label, assigned_to,
        created_at, updated_at)
     VALUES (2, 101, -1002992147362, 8123456789, 'open', 'Олена', NULL,
        '2025-03-01 12:00:00', '2025-03-01 12:00:00')",
    "INSERT INTO tickets (id, thread_id, chat_id, client_user_id, status, label, assigned_to,
        created_at, updated_at)
     VALUES (3, 202, -1002992147362, 42, 'open', 'Іван', NULL,
        '2025-02-01 09:00:00', '2025-02-01 09:00:00')",
    "INSERT INTO tickets (id, thread_id, chat_id, client_user_id, status, label, assigned_to,
        created_at, updated_at)
     VALUES (4, 202, -1002992147362, 42, 'open', 'Іван', NULL,
        '2025-02-02 09:00:00', '2025-02-02 09:00:00')",
    "INSERT INTO messages (id, ticket_id, direction, telegram_message_id, text, media, created_at)
     VALUES (1, 1, 'client_to_staff', 11, 'Bonjour, café?', NULL, '2025-01-15 10:00:00')",
    "INSERT INTO messages (id, ticket_id, direction, telegram_message_id, text, media, created_at)
     VALUES (2, 1, 'staff_to_client', 12, 'Oui', 'photo', '2025-01-15 10:01:00')",
    "INSERT INTO messages (id, ticket_id, direction, telegram_message_id, text, media, created_at)
     VALUES (3, 4, 'client_to_staff', 13, 'Hello', NULL, '2025-02-02 09:00:00')",
];

async fn build_original(ctx: &Ctx) {
    let conn = ctx.db.connection();
    let schema: &[&str] = match ctx.backend {
        Backend::Sqlite => &SQLITE_SCHEMA,
        Backend::MariaDb => &MYSQL_SCHEMA,
    };
    for sql in schema.iter().chain(ROWS.iter()) {
        conn.execute_unprepared(sql)
            .await
            .unwrap_or_else(|e| panic!("{e}: {sql}"));
    }
    let manager = SchemaManager::new(conn);
    assert!(!manager.has_table("seaql_migrations").await.unwrap());
    assert!(!manager.has_column("pp_clients", "thread_id").await.unwrap());
}

async fn counts(ctx: &Ctx) -> (u64, u64, u64) {
    let conn = ctx.db.connection();
    (
        pp_clients::Entity::find().count(conn).await.unwrap(),
        tickets::Entity::find().count(conn).await.unwrap(),
        messages::Entity::find().count(conn).await.unwrap(),
    )
}

pub async fn original_database_is_upgraded_in_place(ctx: Ctx) {
    build_original(&ctx).await;
    let store = ctx.store().await;
    let conn = ctx.db.connection();

    // Our columns and tables exist now.
    let manager = SchemaManager::new(conn);
    for (table, column) in [
        ("pp_clients", "thread_id"),
        ("pp_clients", "blocked"),
        ("pp_clients", "last_name"),
        ("tickets", "closed_at"),
        ("tickets", "first_response_at"),
        ("tickets", "open_client_id"),
        ("messages", "client_message_id"),
        ("messages", "group_message_id"),
        ("messages", "client_user_id"),
    ] {
        assert!(
            manager.has_column(table, column).await.unwrap(),
            "{table}.{column}"
        );
    }
    for table in [
        "update_inbox",
        "update_offset",
        "outbox",
        "pending_links",
        "audit_log",
    ] {
        assert!(manager.has_table(table).await.unwrap(), "{table}");
    }
    assert!(
        manager
            .has_index("tickets", "uq_tickets_open_client_id")
            .await
            .unwrap()
    );

    // Every row and value is still there.
    assert_eq!(counts(&ctx).await, (2, 4, 3));
    let olena = ClientRepository::get(&*store, uid(BIG))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(olena.username.as_deref(), Some("olena"));
    assert_eq!(olena.first_name.as_deref(), Some("Олена"));
    assert_eq!(olena.phone.as_ref().unwrap().digits(), "380674210303");
    assert!(olena.phone_confirmed);
    assert_eq!(
        olena.label.as_ref().unwrap().as_str(),
        "Олена — Бетмен (1), Сільва (2) 🐾"
    );
    assert_eq!(olena.total_closed, 3);
    assert_eq!(
        olena.last_phone_prompt_at,
        Some(
            NaiveDate::from_ymd_opt(2025, 1, 15)
                .unwrap()
                .and_hms_opt(10, 0, 5)
                .unwrap()
                .and_utc()
        )
    );
    let link = olena.link.as_ref().unwrap();
    assert_eq!(
        link.owner_key.as_str(),
        "0a000001-1a2b-11f0-8a00-0a1b2c3d4e5f"
    );
    assert_eq!(link.owner_name.as_deref(), Some("Шевченко Олена Петрівна"));
    assert_eq!(link.owner_phone.as_ref().unwrap().digits(), "380674210303");
    assert_eq!(link.contract.as_ref().unwrap().as_str(), "1");
    assert_eq!(link.linked_by, Some(uid(555_000_111)));
    assert!(link.linked_at.is_some());
    assert!(!olena.blocked);
    // The topic the original found through `tickets` is now the client's.
    assert_eq!(olena.thread, Some(thread(101)));
    assert_eq!(
        store
            .by_topic(group(), thread(101))
            .await
            .unwrap()
            .unwrap()
            .id,
        uid(BIG)
    );

    let ivan = ClientRepository::get(&*store, uid(42))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ivan.phone, None);
    assert!(!ivan.phone_confirmed);
    assert_eq!(ivan.link, None);
    assert_eq!(ivan.thread, Some(thread(202)));

    let open = store.open_for(uid(BIG)).await.unwrap().unwrap();
    assert_eq!(open.id, TicketId::new(2).unwrap());
    assert_eq!(open.status, TicketStatus::Open);
    assert_eq!(open.thread, Some(thread(101)));
    assert_eq!(open.label.as_deref(), Some("Олена"));
    // Of the original's duplicate open tickets, the latest is the open one.
    assert_eq!(
        store.open_for(uid(42)).await.unwrap().unwrap().id,
        TicketId::new(4).unwrap()
    );
    let all = tickets::Entity::find()
        .order_by_asc(tickets::Column::Id)
        .all(conn)
        .await
        .unwrap();
    let statuses: Vec<&str> = all.iter().map(|t| t.status.as_str()).collect();
    assert_eq!(
        statuses,
        ["closed", "open", "open", "open"],
        "no status rewritten"
    );
    assert_eq!(all[0].assigned_to.as_deref(), Some("777"));
    assert!(matches!(
        Assignee::from_stored(all[0].assigned_to.as_deref().unwrap()),
        Some(Assignee::Staff { id, .. }) if id == uid(777)
    ));
    let old_messages = messages::Entity::find()
        .order_by_asc(messages::Column::Id)
        .all(conn)
        .await
        .unwrap();
    assert_eq!(old_messages[0].text.as_deref(), Some("Bonjour, café?"));
    assert_eq!(old_messages[1].media.as_deref(), Some("photo"));
    assert_eq!(old_messages[0].telegram_message_id, Some(11));
    assert_eq!(
        old_messages[0].client_user_id,
        Some(BIG),
        "backfilled from the ticket"
    );
    assert_eq!(old_messages[2].client_user_id, Some(42));

    // The bot works with these clients: Cyrillic and emoji into the converted tables, an
    // assignment by @username into the widened column, a close, a new appeal.
    store
        .commit(vec![
            upsert(uid(BIG), "Олена", Some("Шевченко"), Some("olena")),
            record(
                uid(BIG),
                TicketRef::OpenOf(uid(BIG)),
                Direction::ClientToStaff,
                20,
                "Дякую 💙",
            ),
            Change::MapMessage {
                client: uid(BIG),
                direction: Direction::ClientToStaff,
                source: mid(20),
                copy: mid(9001),
            },
            Change::AssignTicket {
                ticket: TicketId::new(2).unwrap(),
                assignee: Assignee::Username("марта".into()),
                via: domain::ticket::TakenVia::Command,
            },
            Change::CloseTicket {
                ticket: TicketId::new(4).unwrap(),
                at: at(12, 0, 0),
            },
            Change::CountClose { client: uid(42) },
            Change::CountClose { client: uid(BIG) },
            Change::OpenTicket {
                client: uid(42),
                thread: None,
                label: ivan.display_label(),
                at: at(12, 5, 0),
            },
        ])
        .await
        .unwrap();
    let rec = store.by_group_message(mid(9001)).await.unwrap().unwrap();
    assert_eq!(rec.text.as_deref(), Some("Дякую 💙"));
    assert_eq!(rec.ticket, TicketId::new(2).unwrap());
    let olena = ClientRepository::get(&*store, uid(BIG))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(olena.total_closed, 4);
    assert_eq!(olena.last_name.as_deref(), Some("Шевченко"));
    assert_eq!(
        olena.label.unwrap().as_str(),
        "Олена — Бетмен (1), Сільва (2) 🐾",
        "an upsert keeps the stored label"
    );
    assert_eq!(
        store.open_for(uid(BIG)).await.unwrap().unwrap().assigned_to,
        Some(Assignee::Username("марта".into()))
    );
    let fresh = store.open_for(uid(42)).await.unwrap().unwrap();
    assert!(fresh.id.get() > 4);
    assert_eq!(fresh.thread, None);
    assert_eq!(
        ClientRepository::get(&*store, uid(42))
            .await
            .unwrap()
            .unwrap()
            .total_closed,
        1
    );
}

pub async fn migrations_twice_are_a_no_op(ctx: Ctx) {
    build_original(&ctx).await;
    let store = ctx.store().await;
    let before = counts(&ctx).await;
    let client = ClientRepository::get(&*store, uid(BIG)).await.unwrap();
    let open = store.open_for(uid(42)).await.unwrap();
    // Second and third runs: nothing pending, nothing changed.
    ctx.db.migrate().await.expect("second run");
    ctx.db.migrate().await.expect("third run");
    assert_eq!(counts(&ctx).await, before);
    assert_eq!(
        ClientRepository::get(&*store, uid(BIG)).await.unwrap(),
        client
    );
    assert_eq!(store.open_for(uid(42)).await.unwrap(), open);

    // Each migration is idempotent on its own too: re-running every step over the migrated
    // schema (as after a crash between a step and its bookkeeping) changes nothing.
    let manager = SchemaManager::new(ctx.db.connection());
    for m in <migrations::Migrator as migrations::MigratorTrait>::migrations() {
        m.up(&manager).await.expect("a step runs again");
    }
    assert_eq!(counts(&ctx).await, before);
    assert_eq!(
        ClientRepository::get(&*store, uid(BIG)).await.unwrap(),
        client
    );
}

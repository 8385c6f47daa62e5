//! The store's contract suite: every scenario is written once (`scenarios`, `legacy`) and run
//! against each backend — SQLite always, MariaDB/MySQL when `TEST_MYSQL_URL` is set (e.g.
//! `mysql://root@127.0.0.1:3306/test`). Each scenario gets its own fresh database (a temp
//! SQLite file, or `CREATE DATABASE pp_test_…` on the server), dropped afterwards.
//!
//! With `TEST_MYSQL_URL` unset the MariaDB tests print a notice and pass without running; set
//! but unreachable, they FAIL — a configured database that is down is an error, not a skip.
//! Run with `--nocapture` to see, per backend, which scenarios ran.

mod legacy;
mod reports;
mod scenarios;
mod support;

/// Declares every scenario once and instantiates it for both backends.
macro_rules! contract {
    ($($module:ident :: $name:ident),+ $(,)?) => {
        /// How many scenarios each backend runs.
        const SCENARIOS: usize = [$(stringify!($name)),+].len();

        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    crate::support::run(
                        crate::support::Backend::Sqlite,
                        stringify!($name),
                        crate::$module::$name,
                    )
                    .await;
                }
            )+
        }

        mod mariadb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    crate::support::run(
                        crate::support::Backend::MariaDb,
                        stringify!($name),
                        crate::$module::$name,
                    )
                    .await;
                }
            )+
        }
    };
}

contract!(
    scenarios::client_is_created_with_default_label_and_profile_refreshed,
    scenarios::client_fields_round_trip_with_cyrillic_emoji_and_big_ids,
    scenarios::open_ticket_is_unique_and_open_of_resolves_in_the_same_commit,
    scenarios::a_client_is_read_with_their_open_ticket,
    scenarios::ticket_lifecycle_close_reopen_assign_first_response,
    scenarios::reopen_beside_another_open_ticket_is_a_conflict,
    scenarios::set_thread_moves_the_open_ticket,
    scenarios::the_topic_group_round_trips_and_legacy_rows_have_none,
    scenarios::clients_are_found_by_topic_within_its_group,
    scenarios::former_topics_are_remembered_once_with_their_last_hint,
    scenarios::messages_are_found_from_both_sides_after_mapping,
    scenarios::concurrent_commits_on_one_client_keep_one_ticket_and_every_message,
    scenarios::concurrent_close_counts_are_not_lost,
    scenarios::concurrent_commits_of_many_clients_land_and_a_bad_one_fails_alone,
    scenarios::a_commit_sees_a_ticket_committed_while_it_ran,
    scenarios::inbox_stores_each_update_once_and_moves_the_offset,
    scenarios::outbox_delivers_only_the_head_of_each_queue_in_order,
    scenarios::outbox_next_in_a_queue_is_its_head_when_due,
    scenarios::stored_commits_announce_what_they_enqueued_in_order,
    scenarios::outbox_postpone_give_up_and_depth,
    scenarios::pending_link_lifecycle_and_expiry,
    scenarios::failed_commit_leaves_nothing,
    scenarios::audit_entries_are_stored,
    scenarios::impossible_stored_values_are_corrupt_not_panics,
    scenarios::the_instance_lease_has_one_holder_at_a_time,
    scenarios::concurrent_lease_claims_have_one_winner,
    scenarios::delivered_outbox_entries_are_pruned_given_up_and_pending_kept,
    scenarios::handled_updates_are_pruned_unhandled_kept,
    scenarios::inbox_reads_on_after_an_arrival_and_keeps_failed_updates,
    scenarios::an_update_stored_on_arrival_is_handled_and_stored_once,
    scenarios::appeal_facts_follow_the_conversation,
    scenarios::waiting_tickets_are_the_open_ones_whose_client_waits,
    scenarios::open_appeals_are_the_open_tickets_with_their_clients_label_and_topic,
    scenarios::quiet_answered_tickets_are_found_and_auto_close_is_guarded,
    scenarios::one_rating_per_appeal,
    reports::report_facts_are_the_same_on_both_backends,
    reports::the_daily_report_is_marked_once_a_day,
    legacy::original_database_is_upgraded_in_place,
    legacy::migrations_twice_are_a_no_op,
);

#[test]
fn scenario_count() {
    eprintln!(
        "contract suite: {SCENARIOS} scenarios per backend (sqlite always; mariadb when TEST_MYSQL_URL is set)"
    );
    assert_eq!(
        SCENARIOS, 39,
        "update the expected count when adding a scenario"
    );
}

/// A fresh SQLite database in a temp file, opened as the bot opens it.
async fn temp_sqlite(name: &str) -> (adapters_mysql::Database, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!("pp_{name}_{}.db", std::process::id()));
    remove_sqlite(&path);
    let db = adapters_mysql::Database::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    (db, path)
}

/// Removes a SQLite database with its log and its index.
fn remove_sqlite(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// The value a `PRAGMA` reads.
async fn pragma<T: sea_orm::TryGetable>(db: &adapters_mysql::Database, sql: &str) -> T {
    use sea_orm::{ConnectionTrait, Statement};
    let conn = db.connection();
    conn.query_one_raw(Statement::from_string(
        conn.get_database_backend(),
        sql.to_owned(),
    ))
    .await
    .unwrap()
    .unwrap()
    .try_get_by_index(0)
    .unwrap()
}

/// SQLite is opened for concurrent use: WAL (readers beside the writer) and a busy timeout
/// (a second writer waits for the lock instead of failing).
#[tokio::test]
async fn sqlite_is_opened_in_wal_mode_with_a_busy_timeout() {
    let (db, path) = temp_sqlite("wal").await;
    assert!(db.is_sqlite());
    db.ping().await.unwrap();
    let mode: String = pragma(&db, "PRAGMA journal_mode").await;
    let timeout: i64 = pragma(&db, "PRAGMA busy_timeout").await;
    drop(db);
    remove_sqlite(&path);
    assert_eq!(mode, "wal");
    assert!(timeout >= 5_000, "busy_timeout {timeout} ms");
}

/// Migrations on SQLite run statement by statement on whichever pooled connection is free, so
/// a connection may read the schema between a table's creation and its unique index's. SQLite
/// checks an upsert's `ON CONFLICT` target against the connection's cached schema while
/// preparing it, so such a connection refuses the upsert; after `migrate` every pooled
/// connection has re-read the schema.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_connections_see_indexes_created_on_others_once_migrated() {
    use sea_orm::sqlx;
    let (db, path) = temp_sqlite("stale_schema").await;
    db.migrate().await.unwrap();
    let pool = db.connection().get_sqlite_connection_pool();
    let upsert = "INSERT INTO t (k, v) VALUES (1, 1) ON CONFLICT (k) DO NOTHING";
    {
        let mut a = pool.acquire().await.unwrap();
        let mut b = pool.acquire().await.unwrap();
        sqlx::query("CREATE TABLE t (k INTEGER NOT NULL, v INTEGER)")
            .execute(&mut *b)
            .await
            .unwrap();
        sqlx::query("SELECT count(*) FROM t")
            .execute(&mut *a)
            .await
            .unwrap();
        sqlx::query("CREATE UNIQUE INDEX idx_t_k ON t (k)")
            .execute(&mut *b)
            .await
            .unwrap();
        let stale = sqlx::query(upsert).execute(&mut *a).await;
        assert!(
            stale.is_err_and(|e| e.to_string().contains("ON CONFLICT clause does not match")),
            "the connection that read the schema before the index refuses the upsert"
        );
    }
    db.refresh_sqlite_schemas().await.unwrap();
    let mut held = Vec::new();
    for _ in 0..4 {
        let mut c = pool.acquire().await.unwrap();
        sqlx::query(upsert).execute(&mut *c).await.unwrap();
        held.push(c);
    }
    drop(held);
    drop(db);
    remove_sqlite(&path);
}

/// Commits only append to SQLite's write-ahead log (`wal_autocheckpoint = 0`); a background
/// task copies it back into the database file, so the log cannot grow without bound.
#[tokio::test]
async fn sqlite_checkpoints_the_log_in_the_background() {
    let (db, path) = temp_sqlite("ckpt").await;
    let auto: i64 = pragma(&db, "PRAGMA wal_autocheckpoint").await;
    // The migrations write some dozens of pages into the log.
    db.migrate().await.unwrap();
    // The wal-index header (sqlite.org/walformat.html), in native byte order: mxFrame, the
    // last frame in the log, at byte 16; nBackfill, how many are in the database file, at 96.
    let shm = format!("{}-shm", path.display());
    let frames = || {
        let b = std::fs::read(&shm).unwrap();
        let at = |i: usize| u32::from_ne_bytes(b[i..i + 4].try_into().unwrap());
        (at(16), at(96))
    };
    let deadline = std::time::Instant::now() + 4 * adapters_mysql::SQLITE_CHECKPOINT_EVERY;
    let (mut last, mut backfilled) = frames();
    while (last == 0 || backfilled < last) && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        (last, backfilled) = frames();
    }
    drop(db);
    remove_sqlite(&path);
    assert_eq!(auto, 0, "commits never checkpoint");
    assert!(last > 0, "the migrations went through the log");
    assert_eq!(
        backfilled, last,
        "the whole log was checkpointed in the background"
    );
}

#[tokio::test]
async fn unsupported_urls_are_refused_without_echoing_them() {
    let err = adapters_mysql::Database::connect("postgres://u:secret@h/db")
        .await
        .unwrap_err();
    assert!(!err.to_string().contains("secret"), "{err}");
    assert!(matches!(
        err,
        adapters_mysql::DatabaseError::UnsupportedUrl(_)
    ));
}

/// A MariaDB connection the server dropped while it sat in the pool (a restart, `KILL`, the
/// server's `wait_timeout`) fails at most the one statement that finds it, as `Unavailable`
/// (which every caller retries), and the pool replaces it: the store heals without a restart.
/// The pool pings only connections that sat idle a while, so a recently used one is found
/// broken by its next statement instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_connections_dropped_by_the_server_fail_one_statement_each_then_heal() {
    use domain::ids::UserId;
    use domain::ports::{ClientRepository, StoreError, UnitOfWork};
    use sea_orm::{ConnectionTrait, Statement};

    support::run(
        support::Backend::MariaDb,
        "dropped_connections",
        |ctx| async move {
            let store = ctx.store().await;
            let client = UserId::new(7).unwrap();
            // Several connections in the pool, all used a moment ago.
            let reads: Vec<_> = (0..4)
                .map(|_| {
                    let store = std::sync::Arc::clone(&store);
                    tokio::spawn(async move { ClientRepository::get(&*store, client).await })
                })
                .collect();
            for r in reads {
                assert_eq!(r.await.unwrap().unwrap(), None);
            }
            let conn = ctx.db.connection();
            let backend = conn.get_database_backend();
            let ours: String = conn
                .query_one_raw(Statement::from_string(backend, "SELECT DATABASE()"))
                .await
                .unwrap()
                .unwrap()
                .try_get_by_index(0)
                .unwrap();
            let admin = sea_orm::Database::connect(std::env::var("TEST_MYSQL_URL").unwrap())
                .await
                .unwrap();
            let ids: Vec<i64> = admin
                .query_all_raw(Statement::from_sql_and_values(
                    backend,
                    "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ?",
                    [ours.clone().into()],
                ))
                .await
                .unwrap()
                .iter()
                .map(|row| row.try_get_by_index(0).unwrap())
                .collect();
            assert!(!ids.is_empty(), "the pool holds connections to {ours}");
            for id in &ids {
                admin
                    .execute_unprepared(&format!("KILL CONNECTION {id}"))
                    .await
                    .unwrap();
            }

            let mut failures = 0;
            loop {
                match ClientRepository::get(&*store, client).await {
                    Ok(found) => {
                        assert_eq!(found, None);
                        break;
                    }
                    Err(StoreError::Unavailable(_)) => failures += 1,
                    Err(other) => panic!("a dropped connection must read as retryable: {other:?}"),
                }
                assert!(
                    failures <= ids.len(),
                    "{failures} failures with {} connections dropped: one stays broken",
                    ids.len()
                );
            }
            eprintln!("{} connections dropped: {failures} reads failed", ids.len());
            // Writes go through again too.
            store
                .commit(vec![scenarios::upsert(client, "Олена", None, None)])
                .await
                .unwrap();
            assert!(
                ClientRepository::get(&*store, client)
                    .await
                    .unwrap()
                    .is_some()
            );
        },
    )
    .await;
}

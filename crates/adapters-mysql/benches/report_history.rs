//! The report over a year of history: how long `/report` (one day) and the chart's fortnight
//! take to read and count when the tables hold 100,000 closed appeals, 1,000,000 relayed
//! messages and 100,000 audit rows.
//!
//! ```sh
//! cargo bench -p adapters-mysql --bench report_history                     # SQLite and MariaDB
//! cargo bench -p adapters-mysql --bench report_history -- --backend sqlite
//! ```
//!
//! The history is loaded straight into a fresh database with bulk SQL (not through the bot):
//! appeals spread evenly over the year before `END`, ten messages each, half of them staff
//! answers from ten staff members, a close in the audit log for each, a rating on every third.
//! MariaDB: `BENCH_MYSQL_URL` (default `mysql://root@127.0.0.1:3306/mysql`); a database
//! `pp_report_bench_…` is created and dropped.

use adapters_mysql::{Database, SqlStore};
use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::ids::GroupId;
use domain::ports::ReportRepository;
use domain::services::report::{Period, daily_figures, figures};
use domain::working_hours::Schedule;
use sea_orm::{ConnectionTrait, Statement};
use std::time::Instant;

const APPEALS: u64 = 100_000;
const MESSAGES_PER_APPEAL: u64 = 10;
const RUNS: usize = 5;

/// The end of the year of history (and the bench's "now").
fn end() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
}

fn group() -> GroupId {
    GroupId::new(-1_001_234_567_890).unwrap()
}

#[derive(Clone, Copy, PartialEq)]
enum Backend {
    Sqlite,
    MariaDb,
}

/// `base + seconds` as SQL for the backend.
fn plus(backend: Backend, seconds: &str) -> String {
    let start = (end() - Duration::days(365)).format("%Y-%m-%d %H:%M:%S");
    match backend {
        Backend::Sqlite => format!("datetime('{start}', '+' || ({seconds}) || ' seconds')"),
        Backend::MariaDb => format!("DATE_ADD('{start}', INTERVAL ({seconds}) SECOND)"),
    }
}

async fn exec(db: &Database, sql: &str) {
    let conn = db.connection();
    conn.execute_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{e}\n{sql}"));
}

/// Loads the history with a handful of set-based statements.
async fn load(db: &Database, backend: Backend) {
    // A 1,000-row table of numbers, crossed with itself for 100,000 and 1,000,000 rows.
    exec(db, "CREATE TABLE bench_seq (n BIGINT PRIMARY KEY)").await;
    exec(
        db,
        "INSERT INTO bench_seq (n) WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 1000) SELECT n FROM s",
    )
    .await;
    let i = "((a.n - 1) * 1000 + b.n)";
    // An appeal every 315 s over the year: opened, answered 10 min later, closed an hour later.
    let step = 365 * 86_400 / APPEALS;
    let opened = plus(backend, &format!("{i} * {step}"));
    let answered = plus(backend, &format!("{i} * {step} + 600"));
    let closed = plus(backend, &format!("{i} * {step} + 3600"));
    let concat = |a: &str, b: &str| match backend {
        Backend::Sqlite => format!("{a} || {b}"),
        Backend::MariaDb => format!("CONCAT({a}, {b})"),
    };
    exec(
        db,
        &format!(
            "INSERT INTO tickets (id, thread_id, chat_id, client_user_id, status, label, assigned_to, \
             created_at, updated_at, closed_at, first_response_at, open_client_id, waiting_since, \
             last_client_message_at, last_staff_message_at, taken_via, reminders_sent, rating, rated_at) \
             SELECT {i}, 1000 + {i}, -1001234567890, 5000000 + {i}, 'closed', {label}, {assignee}, \
             {opened}, {closed}, {closed}, {answered}, NULL, NULL, {opened}, {answered}, 'button', 0, \
             CASE WHEN {i} % 3 = 0 THEN {i} % 5 + 1 ELSE NULL END, \
             CASE WHEN {i} % 3 = 0 THEN {closed} ELSE NULL END \
             FROM bench_seq a, bench_seq b WHERE a.n <= {hundreds}",
            label = concat("'Клієнт '", i),
            assignee = concat("'@staff_'", &format!("{i} % 10")),
            hundreds = APPEALS / 1000,
        ),
    )
    .await;
    // Ten messages an appeal, a minute apart, every other one a staff answer.
    let k = "((a.n - 1) * 1000 + b.n - 1)";
    let ticket = format!("({k} % {APPEALS} + 1)");
    let nth = format!("({k} / {APPEALS})");
    let at = plus(backend, &format!("{ticket} * {step} + {nth} * 60"));
    exec(
        db,
        &format!(
            "INSERT INTO messages (ticket_id, direction, telegram_message_id, text, media, created_at, \
             client_user_id, client_message_id, group_message_id, staff_id) \
             SELECT {ticket}, CASE WHEN {nth} % 2 = 0 THEN 'client_to_staff' ELSE 'staff_to_client' END, \
             {k}, 'text', 'text', {at}, 5000000 + {ticket}, {k}, {k} + 1, \
             CASE WHEN {nth} % 2 = 0 THEN NULL ELSE 600 + {ticket} % 10 END \
             FROM bench_seq a, bench_seq b WHERE a.n <= {thousands}",
            thousands = APPEALS * MESSAGES_PER_APPEAL / 1000,
        ),
    )
    .await;
    exec(
        db,
        &format!(
            "INSERT INTO audit_log (actor_id, action, client_user_id, detail, created_at) \
             SELECT 600 + {i} % 10, 'close', 5000000 + {i}, 'ticket', {closed} \
             FROM bench_seq a, bench_seq b WHERE a.n <= {hundreds}",
            hundreds = APPEALS / 1000,
        ),
    )
    .await;
    exec(db, "DROP TABLE bench_seq").await;
    if backend == Backend::Sqlite {
        exec(db, "ANALYZE").await;
    } else {
        exec(db, "ANALYZE TABLE tickets, messages, audit_log").await;
    }
}

/// Median and max of the runs, in milliseconds.
fn summary(mut ms: Vec<f64>) -> String {
    ms.sort_by(f64::total_cmp);
    format!(
        "median {:.1} ms, max {:.1} ms",
        ms[ms.len() / 2],
        ms[ms.len() - 1]
    )
}

async fn measure(db: &Database, label: &str) {
    let store = SqlStore::new(db.clone(), group());
    let schedule = Schedule::default();
    let now = end();
    let mut day = Vec::new();
    let mut chart = Vec::new();
    let mut rows = (0, 0);
    for _ in 0..RUNS {
        // `/report` (one day): the appeals touching it, answers and closes by staff, counted.
        let started = Instant::now();
        let period = Period::last_days(1, now, schedule.time_zone());
        let appeals = store
            .appeals_touching(period.from, period.to)
            .await
            .unwrap();
        let answers = store
            .answers_by_staff(period.from, period.to)
            .await
            .unwrap();
        let closes = store.closes_by_staff(period.from, period.to).await.unwrap();
        let f = figures(period, &appeals, &answers, &closes, &schedule, group());
        day.push(started.elapsed().as_secs_f64() * 1000.0);
        rows.0 = appeals.len();
        assert!(f.opened > 0, "the day has appeals");
        // The chart: a fortnight of appeals, counted per day.
        let started = Instant::now();
        let from = domain::services::report::chart_from(now, schedule.time_zone());
        let appeals = store.appeals_touching(from, now).await.unwrap();
        let days = daily_figures(&appeals, now, &schedule);
        chart.push(started.elapsed().as_secs_f64() * 1000.0);
        rows.1 = appeals.len();
        assert_eq!(days.len(), 14);
    }
    println!(
        "{label}: /report 1 day ({} appeals read): {}; the chart's 14 days ({} appeals read): {}",
        rows.0,
        summary(day),
        rows.1,
        summary(chart)
    );
}

async fn run(backend: Backend) {
    let (url, drop_after) = match backend {
        Backend::Sqlite => {
            let path = std::env::temp_dir().join(format!("pp-report-{}.db", std::process::id()));
            (format!("sqlite://{}?mode=rwc", path.display()), None)
        }
        Backend::MariaDb => {
            let admin_url = std::env::var("BENCH_MYSQL_URL")
                .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/mysql".into());
            let name = format!("pp_report_bench_{}", std::process::id());
            let admin = Database::connect(&admin_url).await.expect("MariaDB");
            exec(
                &admin,
                &format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"),
            )
            .await;
            let (base, _) = admin_url.rsplit_once('/').expect("a database in the URL");
            (format!("{base}/{name}"), Some((admin, name)))
        }
    };
    let db = Database::connect(&url).await.expect("database");
    db.migrate().await.expect("migrations");
    let label = if backend == Backend::Sqlite {
        "SQLite"
    } else {
        "MariaDB"
    };
    let started = Instant::now();
    load(&db, backend).await;
    println!(
        "{label}: loaded {APPEALS} appeals, {} messages, {APPEALS} audit rows in {:.1} s",
        APPEALS * MESSAGES_PER_APPEAL,
        started.elapsed().as_secs_f64()
    );
    measure(&db, label).await;
    drop(db);
    match drop_after {
        Some((admin, name)) => exec(&admin, &format!("DROP DATABASE `{name}`")).await,
        None => {
            let path = url
                .trim_start_matches("sqlite://")
                .trim_end_matches("?mode=rwc")
                .to_owned();
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
        }
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let mut backend = "both".to_owned();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--backend" => backend = args.next().unwrap_or_default(),
            // `cargo bench` passes `--bench`.
            "--bench" => {}
            other => panic!("unknown argument {other:?}; use --backend sqlite|mariadb|both"),
        }
    }
    if backend != "mariadb" {
        run(Backend::Sqlite).await;
    }
    if backend != "sqlite" {
        run(Backend::MariaDb).await;
    }
}

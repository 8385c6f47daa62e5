//! The report over a year of history: how long `/report` (one day) and the chart's fortnight
//! take to read and count when the tables hold 100,000 closed appeals, 1,000,000 relayed
//! messages and 100,000 audit rows.
//!
//! ```sh
//! cargo bench -p adapters-mysql --bench report_history                     # SQLite and MariaDB
//! cargo bench -p adapters-mysql --bench report_history -- --backend sqlite
//! ```
//!
//! The history is loaded straight into a fresh database with bulk SQL (not through the bot) by
//! the `bench-history` crate: appeals spread evenly over the year, ten messages each, half of them
//! staff answers from ten staff members, an assignment and a close in the audit log for each, a
//! rating on every third.
//! MariaDB: `BENCH_MYSQL_URL` (default `mysql://root@127.0.0.1:3306/mysql`); a database
//! `pp_report_bench_…` is created and dropped.

use adapters_mysql::{Database, SqlStore};
use bench_history::History;
use chrono::{DateTime, Utc};
use domain::ids::GroupId;
use domain::ports::ReportRepository;
use domain::services::report::{Period, daily_figures, figures};
use domain::working_hours::Schedule;
use sea_orm::{ConnectionTrait, Statement};
use std::time::Instant;

const RUNS: usize = 5;

/// The end of the year of history (and the bench's "now").
fn end() -> DateTime<Utc> {
    History::end()
}

fn group() -> GroupId {
    GroupId::new(-1_001_234_567_890).unwrap()
}

#[derive(Clone, Copy, PartialEq)]
enum Backend {
    Sqlite,
    MariaDb,
}

async fn exec(db: &Database, sql: &str) {
    let conn = db.connection();
    conn.execute_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{e}\n{sql}"));
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
    let history = History::year(group().get());
    history.load(db.connection()).await.expect("history");
    println!(
        "{label}: loaded {} appeals, {} messages, {} audit rows in {:.1} s",
        history.appeals,
        history.messages(),
        history.audit_rows(),
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

//! Per-test databases for each backend, and the runner every scenario goes through.

use adapters_mysql::{Database, SqlStore};
use domain::ids::GroupId;
use sea_orm::ConnectionTrait;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The support group every test store uses (a real-looking negative BIGINT).
pub const GROUP: i64 = -1_002_992_147_362;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    MariaDb,
}

/// What a scenario gets: a fresh, *unmigrated* database. Most scenarios call [`Ctx::store`];
/// the legacy ones first build the original's tables.
pub struct Ctx {
    pub backend: Backend,
    pub db: Database,
}

impl Ctx {
    /// Migrates and returns the store.
    pub async fn store(&self) -> Arc<SqlStore> {
        self.db.migrate().await.expect("migrations");
        Arc::new(SqlStore::new(self.db.clone(), group()))
    }
}

pub fn group() -> GroupId {
    GroupId::new(GROUP).unwrap()
}

fn unique_suffix() -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}_{n}_{nanos}", std::process::id())
}

/// `mysql://user@host:3306/test?x` → (`mysql://user@host:3306`, `?x`).
fn split_mysql_url(url: &str) -> (String, String) {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    (base.to_owned(), query)
}

/// Runs one scenario on a fresh database of `backend`, then removes that database.
pub async fn run<F, Fut>(backend: Backend, name: &str, scenario: F)
where
    F: FnOnce(Ctx) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    match backend {
        Backend::Sqlite => {
            let path = std::env::temp_dir().join(format!("pp_contract_{}.db", unique_suffix()));
            let url = format!("sqlite://{}?mode=rwc", path.display());
            let db = Database::connect(&url).await.expect("open sqlite");
            let outcome = tokio::spawn(scenario(Ctx { backend, db })).await;
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            finish(backend, name, outcome);
        }
        Backend::MariaDb => {
            let Ok(root_url) = std::env::var("TEST_MYSQL_URL") else {
                eprintln!("contract[mariadb] {name}: SKIPPED (TEST_MYSQL_URL is not set)");
                return;
            };
            // Set but unreachable must fail, never skip.
            let mut opts = sea_orm::ConnectOptions::new(root_url.as_str());
            opts.connect_timeout(std::time::Duration::from_secs(5))
                .acquire_timeout(std::time::Duration::from_secs(5))
                .sqlx_logging(false);
            let admin = sea_orm::Database::connect(opts)
                .await
                .unwrap_or_else(|e| panic!("TEST_MYSQL_URL is set but unreachable: {e}"));
            let db_name = format!("pp_test_{}", unique_suffix());
            admin
                .execute_unprepared(&format!(
                    "CREATE DATABASE `{db_name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
                ))
                .await
                .expect("create test database");
            let (base, query) = split_mysql_url(&root_url);
            let db = Database::connect(&format!("{base}/{db_name}{query}"))
                .await
                .expect("open test database");
            let outcome = tokio::spawn(scenario(Ctx {
                backend,
                db: db.clone(),
            }))
            .await;
            drop(db);
            let _ = admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS `{db_name}`"))
                .await;
            finish(backend, name, outcome);
        }
    }
}

fn finish(backend: Backend, name: &str, outcome: Result<(), tokio::task::JoinError>) {
    let label = match backend {
        Backend::Sqlite => "sqlite",
        Backend::MariaDb => "mariadb",
    };
    match outcome {
        Ok(()) => eprintln!("contract[{label}] {name}: ran, ok"),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => panic!("contract[{label}] {name}: {e}"),
    }
}

#[test]
fn mysql_urls_are_split_into_server_and_options() {
    assert_eq!(
        split_mysql_url("mysql://root@127.0.0.1:3306/test"),
        ("mysql://root@127.0.0.1:3306".to_owned(), String::new())
    );
    assert_eq!(
        split_mysql_url("mysql://u:p@h/db?ssl-mode=disabled"),
        ("mysql://u:p@h".to_owned(), "?ssl-mode=disabled".to_owned())
    );
}

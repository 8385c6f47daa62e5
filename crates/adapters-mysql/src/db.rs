//! Opening the database: the connection pool for MySQL/MariaDB or SQLite, the SQLite settings
//! that make concurrent writers wait instead of failing, and running the migrations.

use crate::error::DatabaseError;
use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, DatabaseConnection, DbBackend};
use std::time::Duration;

/// How long a SQLite writer waits for the lock before giving up. Writes are short; a long
/// wait only happens when many commits queue up behind each other.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// An open connection pool.
#[derive(Clone, Debug)]
pub struct Database {
    conn: DatabaseConnection,
}

impl Database {
    /// Connects to `url`: `mysql://user:pass@host:3306/db` (MariaDB too), or
    /// `sqlite://parents.db?mode=rwc` (the file is created).
    pub async fn connect(url: &str) -> Result<Database, DatabaseError> {
        let sqlite = url.starts_with("sqlite:");
        if !sqlite && !url.starts_with("mysql:") && !url.starts_with("mariadb:") {
            // Never echo the URL: it may carry the password.
            let scheme = url.split(':').next().unwrap_or_default().to_owned();
            return Err(DatabaseError::UnsupportedUrl(scheme));
        }
        // sqlx speaks MariaDB through its MySQL driver.
        let url = match url.strip_prefix("mariadb:") {
            Some(rest) => format!("mysql:{rest}"),
            None => url.to_owned(),
        };
        let mut opts = ConnectOptions::new(url);
        opts.connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(15))
            .idle_timeout(Duration::from_secs(300))
            .sqlx_logging(false);
        if sqlite {
            // SQLite has one writer at a time: more connections only queue on the lock, but a
            // few let reads proceed beside a write (WAL).
            opts.max_connections(4).min_connections(1);
            opts.map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    .foreign_keys(true)
            });
        } else {
            opts.max_connections(16).min_connections(1);
        }
        let conn = sea_orm::Database::connect(opts)
            .await
            .map_err(DatabaseError::Connect)?;
        Ok(Database { conn })
    }

    /// Brings the schema up to date (creates it, or upgrades the original bot's tables in
    /// place). Running it again is a no-op.
    pub async fn migrate(&self) -> Result<(), DatabaseError> {
        Migrator::up(&self.conn, None)
            .await
            .map_err(DatabaseError::Migrate)
    }

    /// How many migrations have not been applied yet (0: the schema is up to date). Reads only.
    pub async fn pending_migrations(&self) -> Result<usize, DatabaseError> {
        Migrator::get_pending_migrations_read_only(&self.conn)
            .await
            .map(|m| m.len())
            .map_err(DatabaseError::Other)
    }

    /// Whether this is the embedded SQLite database.
    pub fn is_sqlite(&self) -> bool {
        self.conn.get_database_backend() == DbBackend::Sqlite
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), DatabaseError> {
        self.conn.ping().await.map_err(DatabaseError::Other)
    }

    /// The pool, for this crate's store and for tests that inspect the schema.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.conn
    }
}

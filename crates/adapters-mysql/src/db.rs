//! Opening the database: the connection pool for MySQL/MariaDB or SQLite, the SQLite settings
//! that make concurrent writers wait instead of failing, SQLite's background checkpoints, and
//! running the migrations.

use crate::error::DatabaseError;
use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, DatabaseConnection, DbBackend};
use std::sync::Arc;
use std::time::Duration;

/// How long a SQLite writer waits for the lock before giving up. Writes are short; a long
/// wait only happens when many commits queue up behind each other.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// How often SQLite's write-ahead log is copied back into the database file.
///
/// By default SQLite does this inside the commit that fills the log past 1,000 pages, so every
/// second or so under load one commit also writes and fsyncs the database file: several
/// milliseconds on the path of one client's message (it was most of the bench's p99). Here
/// commits only append to the log, and a background task checkpoints it (`PASSIVE`: beside
/// readers and writers, never blocking them).
pub const SQLITE_CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// SQLite's pool: one writer at a time, so more connections would only queue on its lock, but a
/// few let reads proceed beside a write (WAL).
const SQLITE_CONNECTIONS: u32 = 4;

/// A pooled MariaDB/MySQL connection idle at least this long is pinged before it is handed out.
///
/// sqlx pings every connection it hands out by default: a round trip to the server before each
/// query or transaction, which a busy pool need not pay — sqlx also pings each connection as it
/// comes back, so one used a moment ago was alive a moment ago. One that sat idle longer may
/// have been dropped meanwhile (a restart of the server, its `wait_timeout`, a proxy), so that
/// one is checked. A connection dropped within the second fails the one statement that finds
/// it, as `StoreError::Unavailable`, which every caller retries; the ping on its return finds
/// it broken and the pool replaces it.
const MYSQL_PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// An open connection pool.
#[derive(Clone, Debug)]
pub struct Database {
    conn: DatabaseConnection,
    /// SQLite's checkpoint task; it ends with the last clone of this `Database`.
    _checkpoints: Option<Arc<Checkpoints>>,
}

/// Aborts the checkpoint task when dropped.
#[derive(Debug)]
struct Checkpoints(tokio::task::AbortHandle);

impl Drop for Checkpoints {
    fn drop(&mut self) {
        self.0.abort();
    }
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
            // No ping before handing out a connection: an embedded database has no server to
            // hang up, and each ping is a hand-off to the connection's thread and back, with a
            // wake-up each way (sqlx pings again as the connection returns to the pool; that
            // one cannot be turned off).
            opts.max_connections(SQLITE_CONNECTIONS)
                .min_connections(1)
                .test_before_acquire(false);
            opts.map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(SQLITE_BUSY_TIMEOUT)
                    .foreign_keys(true)
                    // Checkpoints run in the background (see SQLITE_CHECKPOINT_EVERY).
                    .pragma("wal_autocheckpoint", "0")
            });
        } else {
            opts.max_connections(16)
                .min_connections(1)
                .test_before_acquire_if_idle_for(MYSQL_PING_IF_IDLE_FOR);
            // READ COMMITTED (see `SqlStore::tx_options` for why) for the whole session, set once
            // per connection: per transaction it costs a round trip before every `BEGIN`.
            opts.map_sqlx_mysql_pool_opts(|pool| {
                pool.after_connect(|conn, _| {
                    Box::pin(async move {
                        use sea_orm::sqlx::Executor;
                        conn.execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED")
                            .await
                            .map(|_| ())
                    })
                })
            });
        }
        let conn = sea_orm::Database::connect(opts)
            .await
            .map_err(DatabaseError::Connect)?;
        let checkpoints = sqlite.then(|| {
            let task = tokio::spawn(checkpoint_loop(conn.clone()));
            Arc::new(Checkpoints(task.abort_handle()))
        });
        Ok(Database {
            conn,
            _checkpoints: checkpoints,
        })
    }

    /// Calls `observe` with every statement run through this connection and the clones made
    /// of it afterwards: how a test sees the SQL the store really sends (to check its query
    /// plans), or a diagnosis what it costs.
    pub fn observe_statements(
        &mut self,
        observe: impl Fn(&sea_orm::Statement) + Send + Sync + 'static,
    ) {
        self.conn
            .set_metric_callback(move |info| observe(info.statement));
    }

    /// Brings the schema up to date (creates it, or upgrades the original bot's tables in
    /// place). Running it again is a no-op.
    pub async fn migrate(&self) -> Result<(), DatabaseError> {
        Migrator::up(&self.conn, None)
            .await
            .map_err(DatabaseError::Migrate)?;
        if self.is_sqlite() {
            self.refresh_sqlite_schemas()
                .await
                .map_err(|e| DatabaseError::Migrate(sea_orm::DbErr::Custom(e.to_string())))?;
        }
        Ok(())
    }

    /// Makes every pooled SQLite connection re-read the schema.
    ///
    /// Why: on SQLite the migrator's statements are not wrapped in a transaction, so they run on
    /// whichever pooled connection is free, and another connection may read the schema between
    /// a table's creation and its unique index's. SQLite prepares a statement against the
    /// connection's cached schema and notices a change only when the statement runs — except an
    /// upsert, whose `ON CONFLICT` target is checked while preparing: on such a connection the
    /// store's first upsert into that table would fail ("ON CONFLICT clause does not match any
    /// PRIMARY KEY or UNIQUE constraint"). A read of the schema table on each connection makes
    /// it notice.
    pub async fn refresh_sqlite_schemas(&self) -> Result<(), sea_orm::sqlx::Error> {
        let pool = self.conn.get_sqlite_connection_pool();
        // Holding each until all are taken: every connection of the pool is read on once.
        let mut held = Vec::with_capacity(SQLITE_CONNECTIONS as usize);
        for _ in 0..SQLITE_CONNECTIONS {
            let mut conn = pool.acquire().await?;
            sea_orm::sqlx::query("SELECT count(*) FROM sqlite_master")
                .execute(&mut *conn)
                .await?;
            held.push(conn);
        }
        Ok(())
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

/// Checkpoints SQLite's write-ahead log every [`SQLITE_CHECKPOINT_EVERY`].
async fn checkpoint_loop(conn: DatabaseConnection) {
    let mut every = tokio::time::interval(SQLITE_CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        // A failure only lets the log grow until the next one succeeds.
        if let Err(e) = conn
            .execute_unprepared("PRAGMA wal_checkpoint(PASSIVE)")
            .await
        {
            tracing::warn!(error = %e, "SQLite checkpoint failed; will try again");
        }
    }
}

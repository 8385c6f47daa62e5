//! [`SqlStore`]: every persistence port of the domain over one connection pool.
//!
//! - `reads`: the repositories (`ClientRepository`, `TicketRepository`, `MessageRepository`,
//!   `PendingLinkRepository`);
//! - `commit`: `UnitOfWork::commit`, applying a use case's `Change`s in one transaction;
//! - `queues`: the update inbox and the outbox.

use crate::db::Database;
use domain::ids::GroupId;
use sea_orm::{
    DatabaseConnection, DbBackend, IsolationLevel, SqliteTransactionMode, TransactionOptions,
};

mod commit;
mod queues;
mod reads;

/// The store: shared as `Arc<SqlStore>` and handed to the domain as each port.
#[derive(Clone, Debug)]
pub struct SqlStore {
    db: Database,
    group: GroupId,
}

impl SqlStore {
    /// A store over `db`. `group` is the support group: outbox entries bound for it are
    /// ordered as one chat (`Outbound::destination`).
    pub fn new(db: Database, group: GroupId) -> SqlStore {
        SqlStore { db, group }
    }

    /// The database underneath (migrations, health checks).
    pub fn database(&self) -> &Database {
        &self.db
    }

    fn conn(&self) -> &DatabaseConnection {
        self.db.connection()
    }

    /// How every write transaction starts.
    ///
    /// SQLite: `BEGIN IMMEDIATE` takes the write lock up front, so a concurrent writer waits
    /// (busy timeout) instead of failing halfway with `SQLITE_BUSY` after it has read.
    /// MySQL: READ COMMITTED, so a read inside the transaction sees what a concurrent commit
    /// just stored (e.g. the open ticket another commit opened) instead of an older snapshot.
    fn tx_options(&self) -> TransactionOptions {
        match self.conn().get_database_backend() {
            DbBackend::Sqlite => TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            },
            _ => TransactionOptions {
                isolation_level: Some(IsolationLevel::ReadCommitted),
                ..Default::default()
            },
        }
    }
}

//! [`SqlStore`]: every persistence port of the domain over one connection pool.
//!
//! - `reads`: the repositories (`ClientRepository`, `TicketRepository`, `MessageRepository`,
//!   `PendingLinkRepository`, `ReportRepository`);
//! - `commit`: `UnitOfWork::commit`, applying a use case's `Change`s in one transaction;
//! - `group_commit`: concurrent commits batched into shared transactions;
//! - `inbox`: the update inbox (`Inbox`);
//! - `outbox`: the outbox (`Outbox`).

use crate::db::Database;
use domain::ids::GroupId;
use domain::ports::OutboxEntry;
use group_commit::GroupCommit;
use sea_orm::{DatabaseConnection, DbBackend, SqliteTransactionMode, TransactionOptions};
use std::sync::Arc;

mod commit;
mod group_commit;
mod inbox;
mod outbox;
mod reads;

/// The store: shared as `Arc<SqlStore>` and handed to the domain as each port.
#[derive(Clone, Debug)]
pub struct SqlStore {
    db: Database,
    group: GroupId,
    /// Shared by the clones: commits from any of them are batched together.
    commits: Arc<GroupCommit>,
}

impl SqlStore {
    /// A store over `db`. `group` is the support group: the chat of new tickets, and the key
    /// of the group's own queue in the outbox.
    pub fn new(db: Database, group: GroupId) -> SqlStore {
        SqlStore {
            db,
            group,
            commits: Arc::default(),
        }
    }

    /// The database underneath (migrations, health checks).
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Stamps the support group the store was opened for on client topics stored before the
    /// bot kept each topic's group (`pp_clients.topic_group_id` NULL): such a topic is in the
    /// group the bot runs with. Run once at start, before any update is handled, so that once
    /// the clinic moves to a new group these topics are known to be in the old one (and not
    /// taken for topics of the new group). Returns how many clients were stamped.
    ///
    /// If the group was already changed when this first runs, the topics are stamped with the
    /// new group although they are in the old one (nothing tells the bot otherwise); they are
    /// recreated when Telegram says the topic is not there (docs/operations.md).
    pub async fn claim_legacy_topics(&self) -> Result<u64, domain::ports::StoreError> {
        use crate::entities::pp_clients::{Column as C, Entity};
        use sea_orm::sea_query::Expr;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let stamped = Entity::update_many()
            .col_expr(C::TopicGroupId, Expr::value(self.group.get()))
            // "> 0" rather than "IS NOT NULL" (the same rows: topic ids are positive): SQLite
            // searches `idx_pp_clients_thread_id` for a range but scans for IS NOT NULL.
            .filter(C::ThreadId.gt(0))
            .filter(C::TopicGroupId.is_null())
            .exec(self.conn())
            .await
            .map_err(crate::error::store_err)?;
        Ok(stamped.rows_affected)
    }

    /// The outbox entries each stored commit enqueues, with their ids, as they are stored: one
    /// message per transaction, entries in the order of their ids, transactions in the order
    /// they were stored. What the sender starts its queues from without reading the outbox
    /// back. Shared by the clones; a second call replaces the first receiver.
    pub fn announce_enqueued(&self) -> tokio::sync::mpsc::UnboundedReceiver<Vec<OutboxEntry>> {
        self.commits.announce_to()
    }

    /// How many transactions so far carried two or more commits (group commit at work).
    pub fn batched_commits(&self) -> u64 {
        self.commits.batches()
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
    /// It is the session's level, set when each connection opens (`Database::connect`).
    fn tx_options(&self) -> TransactionOptions {
        match self.conn().get_database_backend() {
            DbBackend::Sqlite => TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            },
            _ => TransactionOptions::default(),
        }
    }
}

//! Fills our new columns from the original's data, then guards "one open ticket per client".
//!
//! - `messages.client_user_id` from the message's ticket;
//! - `pp_clients.thread_id` from the client's latest ticket with a topic (the original found
//!   the topic through `tickets`), so existing topics keep working after the upgrade;
//! - `tickets.open_client_id` for each client's *latest* open ticket only: the original did not
//!   prevent duplicates, and the unique index created last would otherwise fail. Older
//!   duplicates keep `status = 'open'` untouched (nothing is rewritten), but are no longer the
//!   client's open ticket.
//!
//! Every statement only fills NULLs, so running it again changes nothing. The statements are
//! constants: correlated subqueries that MySQL/MariaDB and SQLite both accept.

use crate::util::ensure_index;
use sea_orm_migration::prelude::*;

const BACKFILL: [&str; 3] = [
    "UPDATE messages SET client_user_id = \
       (SELECT t.client_user_id FROM tickets t WHERE t.id = messages.ticket_id) \
     WHERE client_user_id IS NULL",
    "UPDATE pp_clients SET thread_id = \
       (SELECT t.thread_id FROM tickets t \
        WHERE t.client_user_id = pp_clients.telegram_id AND t.thread_id > 0 \
        ORDER BY t.id DESC LIMIT 1) \
     WHERE thread_id IS NULL",
    // The derived table `latest` is materialized, which is what lets MySQL read the table it
    // updates (error 1093 otherwise).
    "UPDATE tickets SET open_client_id = client_user_id \
     WHERE open_client_id IS NULL AND id IN \
       (SELECT id FROM (SELECT MAX(id) AS id FROM tickets \
                        WHERE LOWER(status) = 'open' GROUP BY client_user_id) AS latest) \
     AND client_user_id NOT IN \
       (SELECT c FROM (SELECT open_client_id AS c FROM tickets \
                       WHERE open_client_id IS NOT NULL) AS already)",
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for sql in BACKFILL {
            conn.execute_unprepared(sql).await?;
        }
        ensure_index(
            manager,
            "tickets",
            "uq_tickets_open_client_id",
            &["open_client_id"],
            true,
        )
        .await
    }
}

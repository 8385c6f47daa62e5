//! Reports: who sent each staff message (`messages.staff_id`), the day the daily report was
//! last posted for (`report_runs`), and the indexes the report's range reads go through, so a
//! day's report reads that day's rows only, however long the history.

use crate::util::{col, ensure_index, ensure_table, id_pk};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // `messages` exists (the core tables come first): only the column is added. Earlier
        // staff messages keep NULL: their sender was never recorded.
        ensure_table(
            manager,
            "messages",
            id_pk("id"),
            vec![col("staff_id").big_integer().null().to_owned()],
            vec![],
        )
        .await?;
        ensure_table(
            manager,
            "report_runs",
            col("day").date().not_null().primary_key().to_owned(),
            vec![col("posted_at").date_time().not_null().to_owned()],
            vec![],
        )
        .await?;
        // Staff answers of a range, counted by sender: a range of `created_at`, the sender
        // read from the index itself.
        ensure_index(
            manager,
            "messages",
            "idx_messages_created_staff",
            &["created_at", "staff_id"],
            false,
        )
        .await?;
        // Appeals touching a range: one range read per time column.
        for column in ["created_at", "first_response_at", "closed_at", "rated_at"] {
            ensure_index(
                manager,
                "tickets",
                &format!("idx_tickets_{column}"),
                &[column],
                false,
            )
            .await?;
        }
        // Closes of a range by actor: the action, then the range, the actor from the index.
        ensure_index(
            manager,
            "audit_log",
            "idx_audit_log_action_created",
            &["action", "created_at", "actor_id"],
            false,
        )
        .await?;
        Ok(())
    }
}

//! The help desk's facts about an appeal, on `tickets`: since when the client waits for an
//! answer, the last message each way, how the appeal was taken, how many first-response
//! reminders went out, and whether the out-of-hours message was sent. They drive the queue, the
//! reminders and the away message, and survive restarts with the appeal.

use crate::util::{col, ensure_index, ensure_table, id_pk};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // `tickets` exists (the core tables come first): only the missing columns are added.
        ensure_table(
            manager,
            "tickets",
            id_pk("id"),
            vec![
                col("waiting_since").date_time().null().to_owned(),
                col("last_client_message_at").date_time().null().to_owned(),
                col("last_staff_message_at").date_time().null().to_owned(),
                col("taken_via").string_len(16).null().to_owned(),
                col("reminders_sent")
                    .integer()
                    .not_null()
                    .default(0)
                    .to_owned(),
                col("away_sent_at").date_time().null().to_owned(),
            ],
            vec![],
        )
        .await?;
        // The reminder scan: open appeals whose client waits.
        ensure_index(
            manager,
            "tickets",
            "idx_tickets_open_waiting",
            &["open_client_id", "waiting_since"],
            false,
        )
        .await?;
        Ok(())
    }
}

//! Ratings and auto-close, on `tickets`: the client's rating of an appeal's help and when it
//! came (one per appeal), and the index auto-close reads open, answered appeals through.

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
                col("rating").integer().null().to_owned(),
                col("rated_at").date_time().null().to_owned(),
            ],
            vec![],
        )
        .await?;
        // The auto-close scan: open appeals (`open_client_id` is NULL once closed) by their
        // last staff answer, so closed appeals, however many, are never read.
        ensure_index(
            manager,
            "tickets",
            "idx_tickets_open_answered",
            &["open_client_id", "last_staff_message_at"],
            false,
        )
        .await?;
        Ok(())
    }
}

//! Which support group each client's topic lives in, on `pp_clients`: when the clinic moves
//! to a new group, a topic in the old one is recreated in the new one on the client's next
//! message. NULL (rows written before this column) means the group the bot runs with, so an
//! upgrade without a move changes nothing.

use crate::util::{col, ensure_table};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // `pp_clients` exists (the core tables come first): only the column is added.
        ensure_table(
            manager,
            "pp_clients",
            col("telegram_id")
                .big_integer()
                .not_null()
                .primary_key()
                .to_owned(),
            vec![col("topic_group_id").big_integer().null().to_owned()],
            vec![],
        )
        .await?;
        Ok(())
    }
}

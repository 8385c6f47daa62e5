//! `instance_lease`: one row per lease name, naming the bot instance that may handle updates and
//! until when. A second bot started on the same database waits for the lease instead of
//! handling (and sending) everything twice.

use crate::util::{col, ensure_table};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ensure_table(
            manager,
            "instance_lease",
            col("name")
                .string_len(32)
                .not_null()
                .primary_key()
                .to_owned(),
            vec![
                col("holder").string_len(128).not_null().to_owned(),
                col("expires_at").date_time().not_null().to_owned(),
            ],
            vec![],
        )
        .await?;
        Ok(())
    }
}

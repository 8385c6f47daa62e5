//! `failed_updates`: an update the bot could not handle after several tries is copied here with
//! its error and marked handled, so its conversation moves on and nothing is silently lost.

use crate::util::{col, ensure_index, ensure_table, id_pk, is_mysql};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The same width as the inbox's payload (MEDIUMTEXT on MySQL).
        let payload = if is_mysql(manager) {
            col("payload")
                .custom(Alias::new("MEDIUMTEXT"))
                .not_null()
                .to_owned()
        } else {
            col("payload").text().not_null().to_owned()
        };
        ensure_table(
            manager,
            "failed_updates",
            id_pk("id"),
            vec![
                col("update_id").big_integer().not_null().to_owned(),
                payload,
                col("error").text().not_null().to_owned(),
                col("failed_at").date_time().not_null().to_owned(),
            ],
            vec![],
        )
        .await?;
        ensure_index(
            manager,
            "failed_updates",
            "idx_failed_updates_failed_at",
            &["failed_at"],
            false,
        )
        .await?;
        Ok(())
    }
}

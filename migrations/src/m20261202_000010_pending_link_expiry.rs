//! An index for the link-expiry pass: it looks for pending `/enote_link` flows past their time
//! every few seconds, which without it reads the whole table.

use crate::util::ensure_index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ensure_index(
            manager,
            "pending_links",
            "idx_pending_links_expires_at",
            &["expires_at"],
            false,
        )
        .await?;
        Ok(())
    }
}

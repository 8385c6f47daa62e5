//! Indexes for two statements that read a loaded table whole: the hourly housekeeping's
//! forgetting of delivered outbox entries (by when they were delivered), and the start-up's
//! stamping of topics recorded before their group was (rows with no group yet).

use crate::util::ensure_index;
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ensure_index(
            manager,
            "outbox",
            "idx_outbox_status_finished_at",
            &["status", "finished_at"],
            false,
        )
        .await?;
        ensure_index(
            manager,
            "pp_clients",
            "idx_pp_clients_topic_group_thread",
            &["topic_group_id", "thread_id"],
            false,
        )
        .await?;
        Ok(())
    }
}

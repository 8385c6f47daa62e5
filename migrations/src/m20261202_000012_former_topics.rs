//! Topics clients left behind in an earlier support group (`former_topics`): when the clinic
//! moves to a new group, a client's topic there is recreated in the new one, and the old topic
//! is remembered here with whose it was — so a staff message written in the old topic is
//! answered with where the conversation went (and when the bot last did, so staff writing
//! several messages in a row get one answer).

use crate::util::{col, ensure_index, ensure_table, id_pk};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        ensure_table(
            manager,
            "former_topics",
            id_pk("id"),
            vec![
                col("group_id").big_integer().not_null().to_owned(),
                col("thread_id").big_integer().not_null().to_owned(),
                col("client_user_id").big_integer().not_null().to_owned(),
                col("created_at").date_time().not_null().to_owned(),
                col("hinted_at").date_time().null().to_owned(),
            ],
            vec![],
        )
        .await?;
        // One row per topic (a topic number is unique within its group): what a staff message
        // in an old topic is looked up by, and what "remember it unless known" conflicts on.
        ensure_index(
            manager,
            "former_topics",
            "idx_former_topics_group_thread",
            &["group_id", "thread_id"],
            true,
        )
        .await?;
        Ok(())
    }
}

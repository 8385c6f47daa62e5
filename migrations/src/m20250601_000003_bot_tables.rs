//! Tables the original bot did not have: the update inbox and its offset (nothing received is
//! lost), the outbox (nothing to send is lost, order kept per chat), pending `/enote_link`
//! flows (survive a restart) and the audit log of staff actions.

use crate::util::{col, ensure_index, ensure_table, id_pk, is_mysql};
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // An update's JSON is usually a few KB, but a long text with many entities can pass
        // TEXT's 64 KB on MySQL; MEDIUMTEXT holds 16 MB. SQLite's TEXT has no such limit.
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
            "update_inbox",
            id_pk("id"),
            vec![
                col("update_id").big_integer().not_null().to_owned(),
                col("chat_id").big_integer().null().to_owned(),
                payload,
                col("handled")
                    .boolean()
                    .not_null()
                    .default(false)
                    .to_owned(),
                col("handled_at").date_time().null().to_owned(),
                col("received_at").date_time().not_null().to_owned(),
            ],
            vec![],
        )
        .await?;
        ensure_index(
            manager,
            "update_inbox",
            "uq_update_inbox_update_id",
            &["update_id"],
            true,
        )
        .await?;
        ensure_index(
            manager,
            "update_inbox",
            "idx_update_inbox_handled",
            &["handled", "id"],
            false,
        )
        .await?;
        ensure_index(
            manager,
            "update_inbox",
            "idx_update_inbox_handled_at",
            &["handled_at"],
            false,
        )
        .await?;

        ensure_table(
            manager,
            "update_offset",
            // Always the single row id = 1.
            col("id").integer().not_null().primary_key().to_owned(),
            vec![
                col("next_offset").big_integer().not_null().to_owned(),
                col("updated_at").date_time().null().to_owned(),
            ],
            vec![],
        )
        .await?;

        ensure_table(
            manager,
            "outbox",
            // The autoincrement id is the order of enqueueing.
            id_pk("id"),
            vec![
                col("destination").big_integer().null().to_owned(),
                col("action").text().not_null().to_owned(),
                col("attempts").integer().not_null().default(0).to_owned(),
                col("not_before").date_time().null().to_owned(),
                col("last_error").text().null().to_owned(),
                col("status")
                    .string_len(16)
                    .not_null()
                    .default("pending")
                    .to_owned(),
                col("created_at").date_time().not_null().to_owned(),
                col("finished_at").date_time().null().to_owned(),
            ],
            vec![],
        )
        .await?;
        ensure_index(
            manager,
            "outbox",
            "idx_outbox_status_destination",
            &["status", "destination", "id"],
            false,
        )
        .await?;

        ensure_table(
            manager,
            "pending_links",
            id_pk("id"),
            vec![
                col("thread_id").big_integer().not_null().to_owned(),
                col("client_user_id").big_integer().not_null().to_owned(),
                col("initiator_id").big_integer().not_null().to_owned(),
                col("state").text().not_null().to_owned(),
                col("expires_at").date_time().not_null().to_owned(),
                col("created_at").date_time().not_null().to_owned(),
            ],
            vec![],
        )
        .await?;
        // One flow per staff member per topic: a new `/enote_link` replaces the earlier one.
        ensure_index(
            manager,
            "pending_links",
            "uq_pending_links_thread_initiator",
            &["thread_id", "initiator_id"],
            true,
        )
        .await?;
        ensure_index(
            manager,
            "pending_links",
            "idx_pending_links_expires_at",
            &["expires_at"],
            false,
        )
        .await?;

        ensure_table(
            manager,
            "audit_log",
            id_pk("id"),
            vec![
                col("actor_id").big_integer().not_null().to_owned(),
                col("action").string_len(64).not_null().to_owned(),
                col("client_user_id").big_integer().not_null().to_owned(),
                col("detail").text().null().to_owned(),
                col("created_at").date_time().not_null().to_owned(),
            ],
            vec![],
        )
        .await?;
        ensure_index(
            manager,
            "audit_log",
            "idx_audit_log_client_user_id",
            &["client_user_id"],
            false,
        )
        .await
    }
}

//! The original bot's three tables — `pp_clients`, `tickets`, `messages` — with its column
//! names, plus what the Rust bot needs. On the original's database they exist already and only
//! the missing columns and indexes are added; on a fresh database they are created whole.

use crate::util::{col, ensure_index, ensure_table, id_pk, is_mysql};
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::Statement;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        pp_clients(manager).await?;
        tickets(manager).await?;
        messages(manager).await?;
        if is_mysql(manager) {
            widen_legacy_columns(manager).await?;
        }
        Ok(())
    }
}

async fn pp_clients(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let t = "pp_clients";
    let pk = col("telegram_id")
        .big_integer()
        .not_null()
        .primary_key()
        .to_owned();
    let columns = vec![
        // The original's columns.
        col("username").string_len(255).null().to_owned(),
        col("first_name").string_len(255).null().to_owned(),
        col("phone").string_len(32).null().to_owned(),
        col("phone_confirmed")
            .tiny_integer()
            .null()
            .default(0)
            .to_owned(),
        col("label").string_len(255).null().to_owned(),
        col("total_closed")
            .integer()
            .not_null()
            .default(0)
            .to_owned(),
        col("created_at").date_time().null().to_owned(),
        col("updated_at").date_time().null().to_owned(),
        col("last_phone_prompt_at").date_time().null().to_owned(),
        col("owner_ref_key").char_len(36).null().to_owned(),
        col("owner_name_enote").string_len(255).null().to_owned(),
        col("owner_phone_enote").string_len(32).null().to_owned(),
        col("linked_contract_number")
            .string_len(64)
            .null()
            .to_owned(),
        col("linked_by").big_integer().null().to_owned(),
        col("linked_at").date_time().null().to_owned(),
        // Ours.
        col("last_name").string_len(255).null().to_owned(),
        col("thread_id").big_integer().null().to_owned(),
        col("blocked")
            .boolean()
            .not_null()
            .default(false)
            .to_owned(),
    ];
    ensure_table(manager, t, pk, columns, vec![]).await?;
    ensure_index(
        manager,
        t,
        "idx_pp_clients_owner_ref_key",
        &["owner_ref_key"],
        false,
    )
    .await?;
    ensure_index(
        manager,
        t,
        "idx_pp_clients_thread_id",
        &["thread_id"],
        false,
    )
    .await
}

async fn tickets(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let t = "tickets";
    let columns = vec![
        // The original's columns.
        col("thread_id").big_integer().null().to_owned(),
        col("chat_id").big_integer().null().to_owned(),
        col("client_user_id").big_integer().not_null().to_owned(),
        col("status")
            .string_len(16)
            .not_null()
            .default("open")
            .to_owned(),
        col("label").string_len(255).null().to_owned(),
        col("assigned_to").string_len(64).null().to_owned(),
        col("created_at").date_time().null().to_owned(),
        col("updated_at").date_time().null().to_owned(),
        // Ours.
        col("closed_at").date_time().null().to_owned(),
        col("first_response_at").date_time().null().to_owned(),
        // The client's id while the ticket is open, NULL once closed: a unique index on it
        // (added after the backfill, in m..._000004) lets the database itself refuse a second
        // open ticket, even from two concurrent commits. NULLs never collide, on both backends.
        col("open_client_id").big_integer().null().to_owned(),
    ];
    ensure_table(manager, t, id_pk("id"), columns, vec![]).await?;
    ensure_index(
        manager,
        t,
        "idx_tickets_client_user_id",
        &["client_user_id"],
        false,
    )
    .await?;
    ensure_index(manager, t, "idx_tickets_thread_id", &["thread_id"], false).await
}

async fn messages(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let t = "messages";
    let columns = vec![
        // The original's columns.
        col("ticket_id").big_integer().not_null().to_owned(),
        col("direction").string_len(32).not_null().to_owned(),
        col("telegram_message_id").big_integer().null().to_owned(),
        col("text").text().null().to_owned(),
        col("media").string_len(32).null().to_owned(),
        col("created_at").date_time().null().to_owned(),
        // Ours: the client, and the message's id on each side, so replies and edits map.
        col("client_user_id").big_integer().null().to_owned(),
        col("client_message_id").big_integer().null().to_owned(),
        col("group_message_id").big_integer().null().to_owned(),
    ];
    let fk = ForeignKey::create()
        .name("fk_messages_ticket_id")
        .from(Alias::new(t), Alias::new("ticket_id"))
        .to(Alias::new("tickets"), Alias::new("id"))
        .to_owned();
    ensure_table(manager, t, id_pk("id"), columns, vec![fk]).await?;
    ensure_index(manager, t, "idx_messages_ticket_id", &["ticket_id"], false).await?;
    ensure_index(
        manager,
        t,
        "idx_messages_client_message",
        &["client_user_id", "client_message_id"],
        false,
    )
    .await?;
    ensure_index(
        manager,
        t,
        "idx_messages_group_message",
        &["group_message_id"],
        false,
    )
    .await
}

/// MySQL only: legacy column types our writes need wider. Each change widens (INT → BIGINT,
/// NOT NULL → NULL, integer → text holding the same digits), so no value is lost.
async fn widen_legacy_columns(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    // (table, column, condition on information_schema.COLUMNS, target definition)
    let fixes = [
        (
            "tickets",
            "thread_id",
            // The bot writes NULL when a ticket is opened before the client has a topic.
            "(IS_NULLABLE = 'NO' OR DATA_TYPE <> 'bigint')",
            col("thread_id").big_integer().null().to_owned(),
        ),
        (
            "tickets",
            "assigned_to",
            // `/assign @username` stores `@username`, which an integer column cannot hold.
            "DATA_TYPE IN ('tinyint','smallint','mediumint','int','bigint')",
            col("assigned_to").string_len(64).null().to_owned(),
        ),
        (
            "messages",
            "telegram_message_id",
            "(IS_NULLABLE = 'NO' OR DATA_TYPE <> 'bigint')",
            col("telegram_message_id").big_integer().null().to_owned(),
        ),
    ];
    let conn = manager.get_connection();
    for (table, column, condition, def) in fixes {
        // Built from the constants above only.
        let check = format!(
            "SELECT COUNT(*) AS n FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{table}' \
             AND COLUMN_NAME = '{column}' AND {condition}"
        );
        let n: i64 = match conn
            .query_one_raw(Statement::from_string(
                manager.get_database_backend(),
                check,
            ))
            .await?
        {
            Some(row) => row.try_get("", "n")?,
            None => 0,
        };
        if n > 0 {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .modify_column(def)
                        .to_owned(),
                )
                .await?;
        }
    }
    Ok(())
}

//! MySQL only: converts the original bot's tables to utf8mb4 when they are in another character
//! set (typically latin1, the server default on old installs), so Cyrillic and emoji can be
//! stored. Tables already in utf8mb4 and fresh databases are left alone; SQLite is always UTF-8.
//!
//! Caveat (see `migrations/README.md`): text that a client wrote *through a latin1 connection*
//! into a latin1 column is already mojibake; converting keeps those bytes as they are shown.

use crate::util::is_mysql;
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::Statement;

/// The original's tables: the only ones that can predate us.
const LEGACY_TABLES: [&str; 3] = ["pp_clients", "tickets", "messages"];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if !is_mysql(manager) {
            return Ok(());
        }
        let conn = manager.get_connection();
        let backend = manager.get_database_backend();
        for table in LEGACY_TABLES {
            // Table names come from the constant list above, never from input.
            let check = format!(
                "SELECT COUNT(*) AS n FROM information_schema.TABLES \
                 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{table}' \
                 AND TABLE_COLLATION NOT LIKE 'utf8mb4%'"
            );
            let n: i64 = match conn
                .query_one_raw(Statement::from_string(backend, check))
                .await?
            {
                Some(row) => row.try_get("", "n")?,
                None => 0,
            };
            if n > 0 {
                conn.execute_unprepared(&format!(
                    "ALTER TABLE `{table}` CONVERT TO CHARACTER SET utf8mb4 \
                     COLLATE utf8mb4_unicode_ci"
                ))
                .await?;
            }
        }
        Ok(())
    }
}

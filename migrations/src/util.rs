//! Idempotent schema helpers: every migration describes the *target* shape of a table once,
//! and these helpers create what is missing — a whole table on a fresh database, single
//! columns and indexes on the original bot's tables. Nothing here ever drops or rewrites data.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

/// Whether the migrations run against MySQL/MariaDB (table options, `information_schema`).
pub fn is_mysql(manager: &SchemaManager) -> bool {
    manager.get_database_backend() == DbBackend::MySql
}

/// A column definition by name; the type and constraints are chained by the caller.
pub fn col(name: &str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
}

/// `BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY` (`INTEGER PRIMARY KEY AUTOINCREMENT` on SQLite).
pub fn id_pk(name: &str) -> ColumnDef {
    col(name)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

/// Creates `table` with `pk`, `columns` and `foreign_keys` if it does not exist; otherwise adds
/// each missing column (legacy tables). Returns whether the table was created.
///
/// Columns added to an existing table must be nullable or have a constant default: SQLite
/// cannot add a `NOT NULL` column without one, and legacy rows need a value anyway.
pub async fn ensure_table(
    manager: &SchemaManager<'_>,
    table: &str,
    pk: ColumnDef,
    columns: Vec<ColumnDef>,
    mut foreign_keys: Vec<ForeignKeyCreateStatement>,
) -> Result<bool, DbErr> {
    if !manager.has_table(table).await? {
        let mut create = Table::create();
        create.table(Alias::new(table)).col(pk);
        for c in columns {
            create.col(c);
        }
        // Foreign keys only on tables we create: a legacy table may hold orphans a new key
        // would reject, and SQLite cannot add one to an existing table anyway.
        for fk in &mut foreign_keys {
            create.foreign_key(fk);
        }
        if is_mysql(manager) {
            // Only MySQL knows these options; SQLite rejects them. utf8mb4 is what makes
            // Cyrillic and emoji storable at all (a latin1 table fails with error 1366).
            create
                .engine("InnoDB")
                .character_set("utf8mb4")
                .collate("utf8mb4_unicode_ci");
        }
        manager.create_table(create).await?;
        return Ok(true);
    }
    for c in columns {
        let name = c.get_column_name();
        if !manager.has_column(table, &name).await? {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new(table))
                        .add_column(c)
                        .to_owned(),
                )
                .await?;
        }
    }
    Ok(false)
}

/// Creates an index unless one with this name exists on `table`.
pub async fn ensure_index(
    manager: &SchemaManager<'_>,
    table: &str,
    name: &str,
    columns: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
    if manager.has_index(table, name).await? {
        return Ok(());
    }
    let mut index = Index::create();
    index.name(name).table(Alias::new(table));
    for c in columns {
        index.col(Alias::new(*c));
    }
    if unique {
        index.unique();
    }
    manager.create_index(index).await
}

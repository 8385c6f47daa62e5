//! `outbox`: outbound actions (domain `Outbound` as JSON), delivered in id order per chat.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The Telegram chat whose order this entry keeps; NULL = independent (callback answers).
    pub destination: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub action: String,
    pub attempts: i32,
    pub not_before: Option<DateTime>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    /// `pending`, `done` or `given_up`.
    pub status: String,
    pub created_at: DateTime,
    pub finished_at: Option<DateTime>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

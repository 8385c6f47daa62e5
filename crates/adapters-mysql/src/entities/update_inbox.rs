//! `update_inbox`: Telegram updates stored before the offset that confirms them moves.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "update_inbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub update_id: i64,
    pub chat_id: Option<i64>,
    #[sea_orm(column_type = "Text")]
    pub payload: String,
    pub handled: bool,
    pub handled_at: Option<DateTime>,
    pub received_at: DateTime,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

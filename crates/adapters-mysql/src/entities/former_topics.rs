//! `former_topics`: topics clients left behind in an earlier support group, one row per
//! (group, topic), with whose it was and when the bot last answered a staff message there.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "former_topics")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub group_id: i64,
    pub thread_id: i64,
    pub client_user_id: i64,
    pub created_at: DateTime,
    pub hinted_at: Option<DateTime>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

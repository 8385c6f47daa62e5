//! `pp_clients`: the original's client table, plus `last_name`, `thread_id`, `blocked`,
//! `topic_group_id`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "pp_clients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub telegram_id: i64,
    pub username: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    /// The original's `TINYINT` 1/0/NULL.
    pub phone_confirmed: Option<i8>,
    pub label: Option<String>,
    pub total_closed: Option<i32>,
    pub created_at: Option<DateTime>,
    pub updated_at: Option<DateTime>,
    pub last_phone_prompt_at: Option<DateTime>,
    pub owner_ref_key: Option<String>,
    pub owner_name_enote: Option<String>,
    pub owner_phone_enote: Option<String>,
    pub linked_contract_number: Option<String>,
    pub linked_by: Option<i64>,
    pub linked_at: Option<DateTime>,
    pub thread_id: Option<i64>,
    pub blocked: bool,
    /// The support group `thread_id` lives in; NULL: the group the bot runs with.
    pub topic_group_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

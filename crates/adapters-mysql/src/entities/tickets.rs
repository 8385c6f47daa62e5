//! `tickets`: appeals. `open_client_id` is ours: the client's id while open, NULL when closed,
//! under a unique index (at most one open ticket per client, guarded by the database).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tickets")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub thread_id: Option<i64>,
    pub chat_id: Option<i64>,
    pub client_user_id: i64,
    pub status: String,
    pub label: Option<String>,
    pub assigned_to: Option<String>,
    pub created_at: Option<DateTime>,
    pub updated_at: Option<DateTime>,
    pub closed_at: Option<DateTime>,
    pub first_response_at: Option<DateTime>,
    pub open_client_id: Option<i64>,
    pub waiting_since: Option<DateTime>,
    pub last_client_message_at: Option<DateTime>,
    pub last_staff_message_at: Option<DateTime>,
    pub taken_via: Option<String>,
    pub reminders_sent: i32,
    pub away_sent_at: Option<DateTime>,
    pub rating: Option<i32>,
    pub rated_at: Option<DateTime>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

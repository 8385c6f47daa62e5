//! `messages`: relayed messages. `client_user_id`, `client_message_id` and `group_message_id`
//! are ours (lookups from either side for replies and edits), and so is `staff_id` (the sender
//! of a staff message, for the report).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "messages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ticket_id: i64,
    pub direction: String,
    /// The original's column: the id of the message as it arrived (client chat for client
    /// messages, group for staff messages).
    pub telegram_message_id: Option<i64>,
    #[sea_orm(column_type = "Text", nullable)]
    pub text: Option<String>,
    pub media: Option<String>,
    pub created_at: Option<DateTime>,
    pub client_user_id: Option<i64>,
    pub client_message_id: Option<i64>,
    pub group_message_id: Option<i64>,
    pub staff_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

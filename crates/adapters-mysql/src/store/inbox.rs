//! The update inbox (`update_inbox`, `update_offset`): what Telegram gave us, stored before the
//! offset that confirms it moves, read on by the handler in arrival order.

use super::SqlStore;
use crate::convert::to_db;
use crate::entities::{update_inbox, update_offset};
use crate::error::store_err;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::ids::UpdateId;
use domain::ports::{Arrival, Inbox, InboxEntry, StoreError};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};

#[async_trait]
impl Inbox for SqlStore {
    async fn store_batch(
        &self,
        updates: Vec<InboxEntry>,
        next_offset: i64,
    ) -> Result<usize, StoreError> {
        let txn = self
            .conn()
            .begin_with_options(self.tx_options())
            .await
            .map_err(store_err)?;
        let now = Utc::now();
        // Two statements for the whole batch, not two per update: which ids are stored
        // already, then the rest in one insert.
        let known: std::collections::HashSet<i64> = if updates.is_empty() {
            Default::default()
        } else {
            update_inbox::Entity::find()
                .select_only()
                .column(update_inbox::Column::UpdateId)
                .filter(update_inbox::Column::UpdateId.is_in(updates.iter().map(|u| u.update.0)))
                .into_tuple::<i64>()
                .all(&txn)
                .await
                .map_err(store_err)?
                .into_iter()
                .collect()
        };
        let mut seen = std::collections::HashSet::new();
        let rows: Vec<update_inbox::ActiveModel> = updates
            .into_iter()
            .filter(|u| !known.contains(&u.update.0) && seen.insert(u.update.0))
            .map(|u| update_inbox::ActiveModel {
                update_id: Set(u.update.0),
                chat_id: Set(u.chat),
                payload: Set(u.payload),
                handled: Set(false),
                handled_at: Set(None),
                received_at: Set(to_db(now)),
                ..Default::default()
            })
            .collect();
        let stored = rows.len();
        if !rows.is_empty() {
            update_inbox::Entity::insert_many(rows)
                // Stored meanwhile by a concurrent batch (a second poller): it is there, which
                // is all that matters. A no-op update stands in for `DO NOTHING`, whose MySQL
                // rendering by sea-query MariaDB rejects.
                .on_conflict(
                    OnConflict::column(update_inbox::Column::UpdateId)
                        .update_column(update_inbox::Column::UpdateId)
                        .to_owned(),
                )
                .exec_without_returning(&txn)
                .await
                .map_err(store_err)?;
        }
        let offset = update_offset::ActiveModel {
            id: Set(1),
            next_offset: Set(next_offset),
            updated_at: Set(Some(to_db(now))),
        };
        update_offset::Entity::insert(offset)
            .on_conflict(
                OnConflict::column(update_offset::Column::Id)
                    .update_columns([
                        update_offset::Column::NextOffset,
                        update_offset::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await
            .map_err(store_err)?;
        txn.commit().await.map_err(store_err)?;
        Ok(stored)
    }

    async fn offset(&self) -> Result<Option<i64>, StoreError> {
        Ok(update_offset::Entity::find_by_id(1)
            .one(self.conn())
            .await
            .map_err(store_err)?
            .map(|r| r.next_offset))
    }

    async fn unhandled(&self, limit: u64) -> Result<Vec<InboxEntry>, StoreError> {
        let rows = self.unhandled_after(None, limit).await?;
        Ok(rows.into_iter().map(|(_, entry)| entry).collect())
    }

    async fn unhandled_after(
        &self,
        after: Option<Arrival>,
        limit: u64,
    ) -> Result<Vec<(Arrival, InboxEntry)>, StoreError> {
        let mut query =
            update_inbox::Entity::find().filter(update_inbox::Column::Handled.eq(false));
        if let Some(Arrival(after)) = after {
            query = query.filter(update_inbox::Column::Id.gt(after));
        }
        Ok(query
            // Arrival order, not update_id order: ids may restart after a quiet week.
            .order_by_asc(update_inbox::Column::Id)
            .limit(limit)
            .all(self.conn())
            .await
            .map_err(store_err)?
            .into_iter()
            .map(|r| {
                (
                    Arrival(r.id),
                    InboxEntry {
                        update: UpdateId(r.update_id),
                        chat: r.chat_id,
                        payload: r.payload,
                    },
                )
            })
            .collect())
    }

    async fn prune(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let pruned = update_inbox::Entity::delete_many()
            .filter(update_inbox::Column::Handled.eq(true))
            .filter(update_inbox::Column::HandledAt.lt(to_db(before)))
            .exec(self.conn())
            .await
            .map_err(store_err)?;
        Ok(pruned.rows_affected)
    }
}

//! The outbox (`outbox`): what the bot must send, in order per queue, until it is delivered or
//! given up.

use super::SqlStore;
use super::commit::{DONE, GIVEN_UP, PENDING};
use crate::convert::{self, to_db, to_db_ceil};
use crate::entities::outbox;
use crate::error::store_err;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use domain::ids::OutboxId;
use domain::outbound::{Outbound, Queue};
use domain::ports::{Outbox, OutboxEntry, QueueHead, StoreError};
use sea_orm::sea_query::{Expr, ExprTrait, Func, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

/// `last_error` is for people reading the table; a whole HTML error page is not.
const MAX_ERROR_CHARS: usize = 1000;

fn short(error: String) -> String {
    if error.chars().count() <= MAX_ERROR_CHARS {
        error
    } else {
        error.chars().take(MAX_ERROR_CHARS).collect()
    }
}

#[async_trait]
impl Outbox for SqlStore {
    async fn due(&self, now: DateTime<Utc>, limit: u64) -> Result<Vec<OutboxEntry>, StoreError> {
        use outbox::Column as O;
        let conn = self.conn();
        // The head of each destination's queue: its oldest pending entry. A later entry of
        // the same chat waits even when it is due, so the chat's order holds.
        //
        // Two plain queries rather than `id IN (SELECT MIN(id) … GROUP BY …)` under an `OR`:
        // MariaDB plans that as a dependent subquery, re-running the GROUP BY for every row —
        // seconds per call with a few thousand entries waiting.
        let heads_query = Query::select()
            .expr(Func::min(Expr::col(O::Id)))
            .from(outbox::Entity)
            .and_where(Expr::col(O::Status).eq(PENDING))
            .and_where(Expr::col(O::Destination).is_not_null())
            .group_by_col(O::Destination)
            .to_owned();
        let mut heads: Vec<i64> = conn
            .query_all(&heads_query)
            .await
            .map_err(store_err)?
            .iter()
            .filter_map(|row| row.try_get_by_index::<i64>(0).ok())
            .collect();
        heads.sort_unstable();
        let is_due = Condition::any()
            .add(O::NotBefore.is_null())
            .add(O::NotBefore.lte(to_db(now)));
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let mut rows = Vec::new();
        // Oldest heads first, a bounded IN list at a time, until enough are due.
        for chunk in heads.chunks(500) {
            rows.extend(
                outbox::Entity::find()
                    .filter(O::Id.is_in(chunk.iter().copied()))
                    .filter(is_due.clone())
                    .all(conn)
                    .await
                    .map_err(store_err)?,
            );
            if rows.len() >= limit {
                break;
            }
        }
        // Entries without a destination (button answers) are independent of each other.
        rows.extend(
            outbox::Entity::find()
                .filter(O::Status.eq(PENDING))
                .filter(O::Destination.is_null())
                .filter(is_due)
                .order_by_asc(O::Id)
                .limit(limit as u64)
                .all(conn)
                .await
                .map_err(store_err)?,
        );
        rows.sort_unstable_by_key(|r| r.id);
        rows.truncate(limit);
        let mut due = Vec::with_capacity(rows.len());
        for row in rows {
            due.extend(self.readable(row).await?);
        }
        Ok(due)
    }

    async fn next_in(&self, queue: Queue, now: DateTime<Utc>) -> Result<QueueHead, StoreError> {
        use outbox::Column as O;
        let head = outbox::Entity::find()
            .filter(O::Status.eq(PENDING))
            .filter(O::Destination.eq(convert::queue_key(queue, self.group)))
            .order_by_asc(O::Id)
            .one(self.conn())
            .await
            .map_err(store_err)?;
        let Some(row) = head else {
            return Ok(QueueHead::Empty);
        };
        if row.not_before.is_some_and(|t| t > to_db(now)) {
            return Ok(QueueHead::Later);
        }
        // An undecodable head is given up; what follows it is the scan's to find.
        Ok(self
            .readable(row)
            .await?
            .map_or(QueueHead::Later, QueueHead::Due))
    }

    async fn postpone(
        &self,
        id: OutboxId,
        until: DateTime<Utc>,
        error: String,
    ) -> Result<(), StoreError> {
        use outbox::Column as O;
        outbox::Entity::update_many()
            .col_expr(O::Attempts, Expr::col(O::Attempts).add(1))
            .col_expr(O::NotBefore, Expr::value(to_db_ceil(until)))
            .col_expr(O::LastError, Expr::value(short(error)))
            .filter(O::Id.eq(id.get()))
            .exec(self.conn())
            .await
            .map_err(store_err)?;
        Ok(())
    }

    async fn give_up(&self, id: OutboxId, error: String) -> Result<(), StoreError> {
        use outbox::Column as O;
        outbox::Entity::update_many()
            .col_expr(O::Status, Expr::value(GIVEN_UP))
            .col_expr(O::LastError, Expr::value(short(error)))
            .col_expr(O::FinishedAt, Expr::value(to_db(Utc::now())))
            .filter(O::Id.eq(id.get()))
            .exec(self.conn())
            .await
            .map_err(store_err)?;
        Ok(())
    }

    async fn depth(&self) -> Result<u64, StoreError> {
        outbox::Entity::find()
            .filter(outbox::Column::Status.eq(PENDING))
            .count(self.conn())
            .await
            .map_err(store_err)
    }

    async fn prune(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let done = outbox::Entity::delete_many()
            .filter(outbox::Column::Status.eq(DONE))
            .filter(outbox::Column::FinishedAt.lt(to_db(before)))
            .exec(self.conn())
            .await
            .map_err(store_err)?;
        Ok(done.rows_affected)
    }
}

impl SqlStore {
    /// The entry in `row`, or `None` if it cannot be read: such an entry would block its queue
    /// forever, so it is given up (kept for inspection) instead.
    async fn readable(&self, row: outbox::Model) -> Result<Option<OutboxEntry>, StoreError> {
        match self.entry(&row) {
            Ok(e) => Ok(Some(e)),
            Err(error) => {
                tracing::error!(outbox_id = row.id, %error, "undecodable outbox entry given up");
                if let Ok(id) = OutboxId::new(row.id) {
                    self.give_up(id, error.to_string()).await?;
                }
                Ok(None)
            }
        }
    }

    fn entry(&self, row: &outbox::Model) -> Result<OutboxEntry, StoreError> {
        let action: Outbound = serde_json::from_str(&row.action)
            .map_err(|e| StoreError::Corrupt(format!("outbox {}: {e}", row.id)))?;
        Ok(OutboxEntry {
            id: OutboxId::new(row.id).map_err(|e| StoreError::Corrupt(format!("outbox: {e}")))?,
            queue: row
                .destination
                .map(|v| convert::queue(v, self.group))
                .transpose()?,
            action,
            attempts: u32::try_from(row.attempts).unwrap_or(0),
            not_before: row.not_before.map(convert::from_db),
        })
    }
}

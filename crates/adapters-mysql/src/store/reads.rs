//! The read ports: small queries, each converted to domain types at the boundary.

use super::SqlStore;
use crate::convert;
use crate::entities::{
    audit_log, former_topics, messages, pending_links, pp_clients, report_runs, tickets,
};
use crate::error::store_err;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use domain::client::Client;
use domain::enote_link::PendingLink;
use domain::ids::{GroupId, MessageId, PendingLinkId, ThreadId, TicketId, UserId};
use domain::label::{Label, default_label};
use domain::message::MessageRecord;
use domain::ports::store::{FormerTopic, OpenAppeal};
use domain::ports::{
    ClientRepository, MessageRepository, PendingLinkRepository, ReportRepository, StoreError,
    TicketRepository,
};
use domain::ticket::Ticket;
use sea_orm::sea_query::{Expr, ExprTrait, Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use std::collections::HashMap;

#[async_trait]
impl ClientRepository for SqlStore {
    async fn get(&self, id: UserId) -> Result<Option<Client>, StoreError> {
        pp_clients::Entity::find_by_id(id.get())
            .one(self.conn())
            .await
            .map_err(store_err)?
            .map(convert::client)
            .transpose()
    }

    async fn with_open_ticket(
        &self,
        id: UserId,
    ) -> Result<(Option<Client>, Option<Ticket>), StoreError> {
        let mut query = pp_clients::Entity::find_by_id(id.get()).select_also(tickets::Entity);
        QueryTrait::query(&mut query).join(JoinType::LeftJoin, tickets::Entity, open_ticket_of(id));
        let row = query.one(self.conn()).await.map_err(store_err)?;
        match row {
            Some((client, open)) => Ok((
                Some(convert::client(client)?),
                open.map(convert::ticket).transpose()?,
            )),
            // A new client — or an appeal of the original bot's whose client row is missing,
            // which is still theirs: the ticket alone.
            None => Ok((None, TicketRepository::open_for(self, id).await?)),
        }
    }

    async fn by_topic(
        &self,
        group: GroupId,
        thread: ThreadId,
    ) -> Result<Option<Client>, StoreError> {
        use pp_clients::Column as C;
        // Rows from before the group was stored (NULL) are the configured group's topics.
        let in_group = if group == self.group {
            Condition::any()
                .add(C::TopicGroupId.eq(i64::from(group)))
                .add(C::TopicGroupId.is_null())
        } else {
            Condition::all().add(C::TopicGroupId.eq(i64::from(group)))
        };
        pp_clients::Entity::find()
            // The topic number first: `idx_pp_clients_thread_id` finds the few rows, the
            // group is checked on them.
            .filter(C::ThreadId.eq(i64::from(thread)))
            .filter(in_group)
            // Deterministic if a legacy backfill ever gave two clients one topic.
            .order_by_desc(pp_clients::Column::UpdatedAt)
            .order_by_asc(pp_clients::Column::TelegramId)
            .one(self.conn())
            .await
            .map_err(store_err)?
            .map(convert::client)
            .transpose()
    }

    async fn former_topic(
        &self,
        group: GroupId,
        thread: ThreadId,
    ) -> Result<Option<FormerTopic>, StoreError> {
        former_topics::Entity::find()
            .filter(former_topics::Column::GroupId.eq(i64::from(group)))
            .filter(former_topics::Column::ThreadId.eq(i64::from(thread)))
            .one(self.conn())
            .await
            .map_err(store_err)?
            .map(convert::former_topic)
            .transpose()
    }
}

/// The join condition for a client's open ticket: the ticket whose id the unique
/// `open_client_id` index gives (only an open ticket has one).
///
/// Why not `ON tickets.open_client_id = pp_clients.telegram_id`: once SQLite has statistics
/// (`ANALYZE`), they say that every value of that column matches most of the table — closed
/// tickets all hold NULL there, and SQLite's statistics count NULLs as one value — and in a
/// join it then scans `tickets` for every client message (measured: 20 ms a message over a
/// year of history). A scalar subquery is a single-table lookup, which uses the unique index
/// whatever the statistics say; the join is then by primary key.
fn open_ticket_of(client: UserId) -> SimpleExpr {
    let id_of_open = Query::select()
        .column(tickets::Column::Id)
        .from(tickets::Entity)
        .and_where(Expr::col(tickets::Column::OpenClientId).eq(client.get()))
        .to_owned();
    Expr::col((tickets::Entity, tickets::Column::Id))
        .eq(SimpleExpr::SubQuery(None, Box::new(id_of_open.into())))
}

#[async_trait]
impl TicketRepository for SqlStore {
    async fn open_for(&self, client: UserId) -> Result<Option<Ticket>, StoreError> {
        tickets::Entity::find()
            .filter(tickets::Column::OpenClientId.eq(client.get()))
            .one(self.conn())
            .await
            .map_err(store_err)?
            .map(convert::ticket)
            .transpose()
    }

    async fn latest_for(&self, client: UserId) -> Result<Option<Ticket>, StoreError> {
        tickets::Entity::find()
            .filter(tickets::Column::ClientUserId.eq(client.get()))
            .order_by_desc(tickets::Column::Id)
            .one(self.conn())
            .await
            .map_err(store_err)?
            .map(convert::ticket)
            .transpose()
    }

    async fn waiting_for_answer(&self) -> Result<Vec<Ticket>, StoreError> {
        // `open_client_id` is set only while a ticket is open: with `waiting_since` it is the
        // index `idx_tickets_open_waiting`, so the scan touches open, waiting tickets only.
        // "> 0" rather than "IS NOT NULL" (the same rows: user ids are positive): SQLite takes
        // the index only for a range.
        tickets::Entity::find()
            .filter(tickets::Column::OpenClientId.gt(0))
            .filter(tickets::Column::WaitingSince.is_not_null())
            .order_by_asc(tickets::Column::WaitingSince)
            .order_by_asc(tickets::Column::Id)
            .all(self.conn())
            .await
            .map_err(store_err)?
            .into_iter()
            .map(convert::ticket)
            .collect()
    }

    async fn by_id(&self, id: TicketId) -> Result<Option<Ticket>, StoreError> {
        tickets::Entity::find_by_id(id.get())
            .one(self.conn())
            .await
            .map_err(store_err)?
            .map(convert::ticket)
            .transpose()
    }

    async fn answered_before(
        &self,
        answered_before: DateTime<Utc>,
    ) -> Result<Vec<Ticket>, StoreError> {
        // Open tickets only, through `idx_tickets_open_answered (open_client_id,
        // last_staff_message_at)`: "> 0" rather than "IS NOT NULL" (the same rows: user ids
        // are positive), as SQLite searches an index for a range only.
        tickets::Entity::find()
            .filter(tickets::Column::OpenClientId.gt(0))
            .filter(tickets::Column::WaitingSince.is_null())
            .filter(tickets::Column::LastStaffMessageAt.lte(convert::to_db(answered_before)))
            .order_by_asc(tickets::Column::LastStaffMessageAt)
            .order_by_asc(tickets::Column::Id)
            .all(self.conn())
            .await
            .map_err(store_err)?
            .into_iter()
            .map(convert::ticket)
            .collect()
    }

    async fn open_appeals(&self) -> Result<Vec<OpenAppeal>, StoreError> {
        // Two queries whatever the number of appeals: the open tickets through the unique
        // index on `open_client_id` (NULL once closed, so legacy duplicates that still say
        // "open" are left out as everywhere else), then their clients by primary key. "> 0"
        // rather than "IS NOT NULL" (the same rows: user ids are positive) because SQLite
        // searches an index for a range but scans the table for IS NOT NULL; ordered by the
        // same column so no backend sorts.
        let open = tickets::Entity::find()
            .filter(tickets::Column::OpenClientId.gt(0))
            .order_by_asc(tickets::Column::OpenClientId)
            .all(self.conn())
            .await
            .map_err(store_err)?
            .into_iter()
            .map(convert::ticket)
            .collect::<Result<Vec<_>, _>>()?;
        let mut clients = HashMap::new();
        let ids: Vec<i64> = open.iter().map(|t| t.client.get()).collect();
        // Bounded IN lists: SQLite caps the bound values of one statement.
        for chunk in ids.chunks(500) {
            for row in pp_clients::Entity::find()
                .filter(pp_clients::Column::TelegramId.is_in(chunk.iter().copied()))
                .all(self.conn())
                .await
                .map_err(store_err)?
            {
                let client = convert::client(row)?;
                clients.insert(client.id, client);
            }
        }
        Ok(open
            .into_iter()
            .map(|ticket| {
                let (label, thread) = match clients.get(&ticket.client) {
                    Some(c) => (c.display_label(), c.thread),
                    None => (
                        ticket
                            .label
                            .as_deref()
                            .and_then(|l| Label::new(l).ok())
                            .unwrap_or_else(|| default_label(None, None, None, ticket.client)),
                        ticket.thread,
                    ),
                };
                OpenAppeal {
                    ticket,
                    label,
                    thread,
                }
            })
            .collect())
    }
}

#[async_trait]
impl MessageRepository for SqlStore {
    async fn by_client_message(
        &self,
        client: UserId,
        message: MessageId,
    ) -> Result<Option<MessageRecord>, StoreError> {
        messages::Entity::find()
            .filter(messages::Column::ClientUserId.eq(client.get()))
            .filter(messages::Column::ClientMessageId.eq(i64::from(message)))
            .order_by_desc(messages::Column::Id)
            .one(self.conn())
            .await
            .map_err(store_err)?
            .map(convert::message)
            .transpose()
    }

    async fn by_group_message(
        &self,
        message: MessageId,
    ) -> Result<Option<MessageRecord>, StoreError> {
        messages::Entity::find()
            .filter(messages::Column::GroupMessageId.eq(i64::from(message)))
            .order_by_desc(messages::Column::Id)
            .one(self.conn())
            .await
            .map_err(store_err)?
            .map(convert::message)
            .transpose()
    }
}

#[async_trait]
impl PendingLinkRepository for SqlStore {
    async fn get(&self, id: PendingLinkId) -> Result<Option<PendingLink>, StoreError> {
        pending_links::Entity::find_by_id(id.get())
            .one(self.conn())
            .await
            .map_err(store_err)?
            .map(convert::pending_link)
            .transpose()
    }

    async fn of_initiator(
        &self,
        thread: ThreadId,
        initiator: UserId,
    ) -> Result<Option<PendingLink>, StoreError> {
        pending_links::Entity::find()
            .filter(pending_links::Column::ThreadId.eq(i64::from(thread)))
            .filter(pending_links::Column::InitiatorId.eq(initiator.get()))
            .one(self.conn())
            .await
            .map_err(store_err)?
            .map(convert::pending_link)
            .transpose()
    }

    async fn expired(&self, now: DateTime<Utc>) -> Result<Vec<PendingLink>, StoreError> {
        pending_links::Entity::find()
            .filter(pending_links::Column::ExpiresAt.lte(convert::to_db(now)))
            // In the index's order (`idx_pending_links_expires_at`), so the pass reads only
            // the flows past their time.
            .order_by_asc(pending_links::Column::ExpiresAt)
            .order_by_asc(pending_links::Column::Id)
            .all(self.conn())
            .await
            .map_err(store_err)?
            .into_iter()
            .map(convert::pending_link)
            .collect()
    }
}

#[async_trait]
impl ReportRepository for SqlStore {
    async fn appeals_touching(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Ticket>, StoreError> {
        // Stored times are whole seconds: the end is rounded up, so what was stored in the
        // current second (e.g. just before `/report`) is inside the range that ends now.
        // One range read per time column, each through its own index (`idx_tickets_created_at`,
        // `…_first_response_at`, `…_closed_at`, `…_rated_at`), then the open ones through the
        // unique index on `open_client_id`: an OR across columns would scan the whole table on
        // SQLite. An appeal found twice is kept once.
        let (from, to) = (convert::to_db(from), convert::to_db_ceil(to));
        let mut rows: HashMap<i64, tickets::Model> = HashMap::new();
        for column in [
            tickets::Column::CreatedAt,
            tickets::Column::FirstResponseAt,
            tickets::Column::ClosedAt,
            tickets::Column::RatedAt,
        ] {
            for row in tickets::Entity::find()
                .filter(column.gte(from))
                .filter(column.lt(to))
                .all(self.conn())
                .await
                .map_err(store_err)?
            {
                rows.insert(row.id, row);
            }
        }
        // "> 0" rather than "IS NOT NULL" (the same rows): SQLite searches an index for a range.
        for row in tickets::Entity::find()
            .filter(tickets::Column::OpenClientId.gt(0))
            .all(self.conn())
            .await
            .map_err(store_err)?
        {
            rows.insert(row.id, row);
        }
        let mut rows: Vec<_> = rows.into_values().collect();
        rows.sort_by_key(|r| r.id);
        rows.into_iter().map(convert::ticket).collect()
    }

    async fn answers_by_staff(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(UserId, u32)>, StoreError> {
        // Through `idx_messages_created_staff (created_at, staff_id)`: the range (its end
        // rounded up to the stored whole seconds), and the sender from the index. Only staff
        // messages have a sender.
        let rows: Vec<(Option<i64>, i64)> = messages::Entity::find()
            .select_only()
            .column(messages::Column::StaffId)
            .column_as(messages::Column::Id.count(), "n")
            .filter(messages::Column::CreatedAt.gte(convert::to_db(from)))
            .filter(messages::Column::CreatedAt.lt(convert::to_db_ceil(to)))
            .filter(messages::Column::StaffId.gt(0))
            .group_by(messages::Column::StaffId)
            .into_tuple()
            .all(self.conn())
            .await
            .map_err(store_err)?;
        counted("messages", rows)
    }

    async fn closes_by_staff(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(UserId, u32)>, StoreError> {
        // Through `idx_audit_log_action_created (action, created_at, actor_id)`. `auto_close`
        // rows name the client as the actor: they are another action and are left out.
        let rows: Vec<(Option<i64>, i64)> = audit_log::Entity::find()
            .select_only()
            .column(audit_log::Column::ActorId)
            .column_as(audit_log::Column::Id.count(), "n")
            .filter(audit_log::Column::Action.is_in(["close", "close_silent"]))
            .filter(audit_log::Column::CreatedAt.gte(convert::to_db(from)))
            .filter(audit_log::Column::CreatedAt.lt(convert::to_db_ceil(to)))
            .group_by(audit_log::Column::ActorId)
            .into_tuple()
            .all(self.conn())
            .await
            .map_err(store_err)?;
        counted("audit_log", rows)
    }

    async fn last_daily_report(&self) -> Result<Option<NaiveDate>, StoreError> {
        Ok(report_runs::Entity::find()
            .order_by_desc(report_runs::Column::Day)
            .one(self.conn())
            .await
            .map_err(store_err)?
            .map(|r| r.day))
    }
}

/// Counts by sender as the domain takes them, ordered by sender.
fn counted(table: &str, rows: Vec<(Option<i64>, i64)>) -> Result<Vec<(UserId, u32)>, StoreError> {
    let mut out = rows
        .into_iter()
        .filter_map(|(who, n)| who.map(|who| (who, n)))
        .map(|(who, n)| {
            let id = UserId::new(who)
                .map_err(|_| StoreError::Corrupt(format!("{table}: sender {who}")))?;
            Ok((id, u32::try_from(n).unwrap_or(u32::MAX)))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    out.sort_by_key(|(id, _)| id.get());
    Ok(out)
}

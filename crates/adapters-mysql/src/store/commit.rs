//! `UnitOfWork::commit`: a use case's whole decision in one transaction.
//!
//! Every change is a field-level statement (`UPDATE … SET one_column`), never a
//! read-modify-write of a whole row, so two commits touching different fields of one client
//! cannot undo each other; counters are incremented in SQL. A commit that loses a lock race
//! (MySQL deadlock, SQLite busy) was rolled back entirely, so it is simply run again.
//! Concurrent commits share transactions (`group_commit`).

use super::SqlStore;
use crate::convert::{self, CLOSED, OPEN, to_db};
use crate::entities::{
    audit_log, failed_updates, former_topics, messages, outbox, pending_links, pp_clients,
    report_runs, tickets, update_inbox,
};
use crate::error::{Kind, kind, store_err};
use async_trait::async_trait;
use chrono::{NaiveDateTime, Utc};
use domain::change::{Change, TicketRef};
use domain::ids::{OutboxId, TicketId, UserId};
use domain::label::default_label;
use domain::message::Direction;
use domain::ports::{OutboxEntry, StoreError, UnitOfWork};
use sea_orm::sea_query::{Expr, ExprTrait, Func, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    TransactionTrait,
};
use std::time::Duration;

/// A failure's text is for an administrator reading the table, not a whole error page.
const MAX_FAILURE_CHARS: usize = 2000;

/// How often a commit that lost a lock race is run again before the caller hears
/// `Unavailable` (and retries the update later).
const MAX_ATTEMPTS: u32 = 8;

/// Outbox entries waiting to be sent.
pub(crate) const PENDING: &str = "pending";
/// Delivered.
pub(crate) const DONE: &str = "done";
/// Failed permanently; kept for inspection.
pub(crate) const GIVEN_UP: &str = "given_up";

/// Why applying a change failed.
pub(crate) enum TxError {
    /// The database refused (may be retryable).
    Db(DbErr),
    /// The commit is wrong in itself: retrying cannot help.
    Rule(StoreError),
}

impl From<DbErr> for TxError {
    fn from(e: DbErr) -> Self {
        TxError::Db(e)
    }
}

#[async_trait]
impl UnitOfWork for SqlStore {
    async fn commit(&self, changes: Vec<Change>) -> Result<(), StoreError> {
        if changes.is_empty() {
            return Ok(());
        }
        self.commits.commit(self, changes).await
    }
}

impl SqlStore {
    /// Commits one use case's changes in a transaction of their own, running it again while
    /// it loses lock races.
    pub(super) async fn commit_alone(
        &self,
        changes: &[Change],
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let mut attempt = 1;
        loop {
            match self.try_commit(&[changes]).await {
                Ok(fresh) => return Ok(fresh),
                Err(TxError::Db(e)) if kind(&e) == Kind::Contention && attempt < MAX_ATTEMPTS => {
                    tracing::debug!(attempt, error = %e, "commit lost a lock race; running it again");
                    // Spread the retries so the racers do not collide again in lockstep.
                    let jitter = u64::from(std::process::id() % 7) + u64::from(attempt) * 3;
                    tokio::time::sleep(Duration::from_millis(10 * u64::from(attempt) + jitter))
                        .await;
                    attempt += 1;
                }
                Err(TxError::Db(e)) => return Err(store_err(e)),
                Err(TxError::Rule(e)) => return Err(e),
            }
        }
    }

    /// Applies `sets` of changes, in order, in one transaction; returns the outbox entries it
    /// enqueued, in the order of their ids.
    pub(super) async fn try_commit(&self, sets: &[&[Change]]) -> Result<Vec<OutboxEntry>, TxError> {
        let txn = self.conn().begin_with_options(self.tx_options()).await?;
        let now = to_db(Utc::now());
        let mut fresh = Vec::new();
        for change in sets.iter().flat_map(|s| s.iter()) {
            if let Err(e) = self.apply(&txn, change, now, &mut fresh).await {
                // Explicit, so the connection goes back to the pool clean at once.
                let _ = txn.rollback().await;
                return Err(e);
            }
        }
        txn.commit().await?;
        Ok(fresh)
    }

    /// Applies one change; an enqueued entry is added to `fresh`.
    async fn apply(
        &self,
        txn: &DatabaseTransaction,
        change: &Change,
        now: NaiveDateTime,
        fresh: &mut Vec<OutboxEntry>,
    ) -> Result<(), TxError> {
        use pp_clients::Column as C;
        match change {
            Change::UpsertClient { client, profile } => {
                let label = default_label(
                    profile.first_name.as_deref(),
                    profile.last_name.as_deref(),
                    profile.username.as_deref(),
                    *client,
                );
                let row = pp_clients::ActiveModel {
                    telegram_id: Set(client.get()),
                    username: Set(profile.username.clone()),
                    first_name: Set(profile.first_name.clone()),
                    last_name: Set(profile.last_name.clone()),
                    phone_confirmed: Set(Some(0)),
                    label: Set(Some(label.into())),
                    total_closed: Set(Some(0)),
                    created_at: Set(Some(now)),
                    updated_at: Set(Some(now)),
                    blocked: Set(false),
                    ..Default::default()
                };
                // One statement, so two first messages of a new client cannot both insert.
                pp_clients::Entity::insert(row)
                    .on_conflict(
                        OnConflict::column(C::TelegramId)
                            .update_columns([C::Username, C::FirstName, C::LastName, C::UpdatedAt])
                            .to_owned(),
                    )
                    .exec_without_returning(txn)
                    .await?;
            }
            Change::SetPhone {
                client,
                phone,
                confirmed,
            } => {
                self.update_client(
                    txn,
                    *client,
                    now,
                    [
                        (C::Phone, Expr::value(phone.digits())),
                        (C::PhoneConfirmed, Expr::value(i8::from(*confirmed))),
                    ],
                )
                .await?;
            }
            Change::MarkPhonePrompted { client, at } => {
                self.update_client(
                    txn,
                    *client,
                    now,
                    [(C::LastPhonePromptAt, Expr::value(to_db(*at)))],
                )
                .await?;
            }
            Change::SetLabel { client, label } => {
                self.update_client(txn, *client, now, [(C::Label, Expr::value(label.as_str()))])
                    .await?;
            }
            Change::SetLink { client, link } => {
                self.update_client(
                    txn,
                    *client,
                    now,
                    [
                        (C::OwnerRefKey, Expr::value(link.owner_key.as_str())),
                        (C::OwnerNameEnote, Expr::value(link.owner_name.clone())),
                        (
                            C::OwnerPhoneEnote,
                            Expr::value(link.owner_phone.as_ref().map(|p| p.digits().to_owned())),
                        ),
                        (
                            C::LinkedContractNumber,
                            Expr::value(link.contract.as_ref().map(|c| c.as_str().to_owned())),
                        ),
                        (C::LinkedBy, Expr::value(link.linked_by.map(UserId::get))),
                        (C::LinkedAt, Expr::value(link.linked_at.map(to_db))),
                    ],
                )
                .await?;
            }
            Change::SetThread { client, thread } => {
                let value = thread.map(i64::from);
                self.update_client(txn, *client, now, [(C::ThreadId, Expr::value(value))])
                    .await?;
                // The open appeal moves with the topic. When the topic is gone the ticket keeps
                // the id it lived in (history; and legacy columns may be NOT NULL).
                if let Some(v) = value {
                    tickets::Entity::update_many()
                        .col_expr(tickets::Column::ThreadId, Expr::value(v))
                        .col_expr(tickets::Column::UpdatedAt, Expr::value(now))
                        .filter(tickets::Column::OpenClientId.eq(client.get()))
                        .exec(txn)
                        .await?;
                }
            }
            Change::SetTopicGroup { client, group } => {
                let value = i64::from(*group);
                self.update_client(txn, *client, now, [(C::TopicGroupId, Expr::value(value))])
                    .await?;
            }
            Change::KeepFormerTopic {
                client,
                group,
                thread,
            } => {
                self.former_topic(txn, *client, *group, *thread, None, now)
                    .await?;
            }
            Change::FormerTopicHinted {
                client,
                group,
                thread,
                at,
            } => {
                self.former_topic(txn, *client, *group, *thread, Some(to_db(*at)), now)
                    .await?;
            }
            Change::SetBlocked { client, blocked } => {
                self.update_client(txn, *client, now, [(C::Blocked, Expr::value(*blocked))])
                    .await?;
            }
            Change::CountClose { client } => {
                // In SQL: concurrent closes each add one (COALESCE: the original allowed NULL).
                let incremented =
                    Expr::expr(Func::coalesce([Expr::col(C::TotalClosed), Expr::value(0)])).add(1);
                self.update_client(txn, *client, now, [(C::TotalClosed, incremented)])
                    .await?;
            }
            Change::OpenTicket {
                client,
                thread,
                label,
                at,
            } => {
                if self.open_ticket_id(txn, *client).await?.is_some() {
                    return Ok(());
                }
                let row = tickets::ActiveModel {
                    thread_id: Set(thread.map(i64::from)),
                    chat_id: Set(Some(self.group.get())),
                    client_user_id: Set(client.get()),
                    status: Set(OPEN.to_owned()),
                    label: Set(Some(label.as_str().to_owned())),
                    created_at: Set(Some(to_db(*at))),
                    updated_at: Set(Some(to_db(*at))),
                    open_client_id: Set(Some(client.get())),
                    ..Default::default()
                };
                match tickets::Entity::insert(row)
                    .exec_without_returning(txn)
                    .await
                {
                    Ok(_) => {}
                    // A concurrent commit opened it first: the rule says "then nothing happens".
                    Err(e) if kind(&e) == Kind::Unique => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Change::CloseTicket { ticket, at } => {
                tickets::Entity::update_many()
                    .col_expr(tickets::Column::Status, Expr::value(CLOSED))
                    .col_expr(tickets::Column::ClosedAt, Expr::value(to_db(*at)))
                    .col_expr(tickets::Column::UpdatedAt, Expr::value(to_db(*at)))
                    .col_expr(
                        tickets::Column::OpenClientId,
                        Expr::value(Option::<i64>::None),
                    )
                    .filter(tickets::Column::Id.eq(ticket.get()))
                    .filter(Expr::expr(Func::lower(Expr::col(tickets::Column::Status))).eq(OPEN))
                    .exec(txn)
                    .await?;
            }
            Change::AutoCloseTicket {
                ticket,
                at,
                answered_before,
            } => {
                let res = tickets::Entity::update_many()
                    .col_expr(tickets::Column::Status, Expr::value(CLOSED))
                    .col_expr(tickets::Column::ClosedAt, Expr::value(to_db(*at)))
                    .col_expr(tickets::Column::UpdatedAt, Expr::value(to_db(*at)))
                    .col_expr(
                        tickets::Column::OpenClientId,
                        Expr::value(Option::<i64>::None),
                    )
                    .filter(tickets::Column::Id.eq(ticket.get()))
                    .filter(tickets::Column::OpenClientId.is_not_null())
                    .filter(tickets::Column::WaitingSince.is_null())
                    .filter(tickets::Column::LastStaffMessageAt.lte(to_db(*answered_before)))
                    .exec(txn)
                    .await?;
                // Not quiet any more (the client wrote, staff answered again, someone closed
                // it): the notice and the count queued with the close must not go out either.
                if res.rows_affected == 0 {
                    return Err(TxError::Rule(StoreError::Conflict(format!(
                        "ticket {ticket} is no longer open and quiet: not auto-closed"
                    ))));
                }
            }
            Change::DailyReportPosted { day, at } => {
                // One report a day: a day already posted fails the commit, so the report queued
                // with the mark never goes out twice.
                let posted = report_runs::Entity::find_by_id(*day).one(txn).await?;
                if posted.is_some() {
                    return Err(TxError::Rule(StoreError::Conflict(format!(
                        "the daily report for {day} was already posted"
                    ))));
                }
                report_runs::Entity::insert(report_runs::ActiveModel {
                    day: Set(*day),
                    posted_at: Set(to_db(*at)),
                })
                .exec_without_returning(txn)
                .await?;
            }
            Change::RateTicket { ticket, rating, at } => {
                // One rating per appeal: a later one finds it set and writes nothing.
                tickets::Entity::update_many()
                    .col_expr(
                        tickets::Column::Rating,
                        Expr::value(i32::from(rating.get())),
                    )
                    .col_expr(tickets::Column::RatedAt, Expr::value(to_db(*at)))
                    .filter(tickets::Column::Id.eq(ticket.get()))
                    .filter(tickets::Column::Rating.is_null())
                    .exec(txn)
                    .await?;
            }
            Change::ReopenTicket { ticket, at } => {
                let res = tickets::Entity::update_many()
                    .col_expr(tickets::Column::Status, Expr::value(OPEN))
                    .col_expr(tickets::Column::UpdatedAt, Expr::value(to_db(*at)))
                    .col_expr(
                        tickets::Column::OpenClientId,
                        Expr::col(tickets::Column::ClientUserId),
                    )
                    .filter(tickets::Column::Id.eq(ticket.get()))
                    .filter(Expr::expr(Func::lower(Expr::col(tickets::Column::Status))).ne(OPEN))
                    .exec(txn)
                    .await;
                match res {
                    Ok(_) => {}
                    Err(e) if kind(&e) == Kind::Unique => {
                        return Err(TxError::Rule(StoreError::Conflict(format!(
                            "cannot reopen ticket {ticket}: the client has another open ticket"
                        ))));
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            Change::AssignTicket {
                ticket,
                assignee,
                via,
            } => {
                tickets::Entity::update_many()
                    .col_expr(tickets::Column::AssignedTo, Expr::value(assignee.stored()))
                    .col_expr(tickets::Column::TakenVia, Expr::value(via.as_str()))
                    .col_expr(tickets::Column::UpdatedAt, Expr::value(now))
                    .filter(tickets::Column::Id.eq(ticket.get()))
                    .exec(txn)
                    .await?;
            }
            Change::StaffAnswered { ticket, at } => {
                // No open ticket any more (closed meanwhile): nothing to stamp.
                let Some(id) = self.resolve(txn, *ticket).await? else {
                    return Ok(());
                };
                let at = to_db(*at);
                tickets::Entity::update_many()
                    .col_expr(
                        tickets::Column::FirstResponseAt,
                        Func::coalesce([
                            Expr::col(tickets::Column::FirstResponseAt),
                            Expr::value(at),
                        ])
                        .into(),
                    )
                    .col_expr(tickets::Column::LastStaffMessageAt, Expr::value(at))
                    .col_expr(
                        tickets::Column::WaitingSince,
                        Expr::value(Option::<NaiveDateTime>::None),
                    )
                    .col_expr(tickets::Column::RemindersSent, Expr::value(0))
                    .filter(tickets::Column::Id.eq(id.get()))
                    .exec(txn)
                    .await?;
            }
            Change::ReminderSent { ticket, count } => {
                // Only while the client still waits: a staff answer that reached the client
                // after the reminder was decided has reset the count, and the next wait must
                // not start with this one's reminders.
                tickets::Entity::update_many()
                    .col_expr(
                        tickets::Column::RemindersSent,
                        Expr::value(i32::from(*count)),
                    )
                    .filter(tickets::Column::Id.eq(ticket.get()))
                    .filter(tickets::Column::WaitingSince.is_not_null())
                    .filter(tickets::Column::RemindersSent.lt(i32::from(*count)))
                    .exec(txn)
                    .await?;
            }
            Change::AwaySent { ticket, at } => {
                let Some(id) = self.resolve(txn, *ticket).await? else {
                    return Ok(());
                };
                tickets::Entity::update_many()
                    .col_expr(tickets::Column::AwaySentAt, Expr::value(to_db(*at)))
                    .filter(tickets::Column::Id.eq(id.get()))
                    .exec(txn)
                    .await?;
            }
            Change::RecordMessage {
                client,
                ticket,
                direction,
                client_message_id,
                group_message_id,
                text,
                media,
                at,
                staff,
            } => {
                let Some(ticket_id) = self.resolve(txn, *ticket).await? else {
                    return Err(TxError::Rule(StoreError::Conflict(format!(
                        "cannot record a message of client {client}: no open ticket"
                    ))));
                };
                // The original's column holds the id the message arrived with.
                let arrived = match direction {
                    Direction::ClientToStaff => client_message_id.or(*group_message_id),
                    Direction::StaffToClient => group_message_id.or(*client_message_id),
                };
                let row = messages::ActiveModel {
                    ticket_id: Set(ticket_id.get()),
                    direction: Set(direction.as_str().to_owned()),
                    telegram_message_id: Set(arrived.map(i64::from)),
                    text: Set(text.clone()),
                    media: Set(media.stored().map(str::to_owned)),
                    created_at: Set(Some(to_db(*at))),
                    client_user_id: Set(Some(client.get())),
                    client_message_id: Set(client_message_id.map(i64::from)),
                    group_message_id: Set(group_message_id.map(i64::from)),
                    staff_id: Set(staff.map(|s| s.get())),
                    ..Default::default()
                };
                messages::Entity::insert(row)
                    .exec_without_returning(txn)
                    .await?;
                if *direction == Direction::ClientToStaff {
                    // The client waits from their first message after the last answer.
                    let at = to_db(*at);
                    tickets::Entity::update_many()
                        .col_expr(tickets::Column::LastClientMessageAt, Expr::value(at))
                        .col_expr(
                            tickets::Column::WaitingSince,
                            Func::coalesce([
                                Expr::col(tickets::Column::WaitingSince),
                                Expr::value(at),
                            ])
                            .into(),
                        )
                        .filter(tickets::Column::Id.eq(ticket_id.get()))
                        .exec(txn)
                        .await?;
                }
            }
            Change::MapMessage {
                client,
                direction,
                source,
                copy,
            } => {
                use messages::Column as M;
                let (source_col, copy_col) = match direction {
                    Direction::ClientToStaff => (M::ClientMessageId, M::GroupMessageId),
                    Direction::StaffToClient => (M::GroupMessageId, M::ClientMessageId),
                };
                messages::Entity::update_many()
                    .col_expr(copy_col, Expr::value(i64::from(*copy)))
                    .filter(M::ClientUserId.eq(client.get()))
                    .filter(M::Direction.eq(direction.as_str()))
                    .filter(source_col.eq(i64::from(*source)))
                    .exec(txn)
                    .await?;
            }
            Change::CreatePendingLink(new) => {
                use pending_links::Column as P;
                pending_links::Entity::delete_many()
                    .filter(P::ThreadId.eq(i64::from(new.thread)))
                    .filter(P::InitiatorId.eq(new.initiator.get()))
                    .exec(txn)
                    .await?;
                let row = pending_links::ActiveModel {
                    thread_id: Set(i64::from(new.thread)),
                    client_user_id: Set(new.client.get()),
                    initiator_id: Set(new.initiator.get()),
                    state: Set(json(&new.state)?),
                    expires_at: Set(to_db(new.expires_at)),
                    created_at: Set(now),
                    ..Default::default()
                };
                pending_links::Entity::insert(row)
                    .exec_without_returning(txn)
                    .await?;
            }
            Change::UpdatePendingLink(link) => {
                use pending_links::Column as P;
                pending_links::Entity::update_many()
                    .col_expr(P::ThreadId, Expr::value(i64::from(link.thread)))
                    .col_expr(P::ClientUserId, Expr::value(link.client.get()))
                    .col_expr(P::InitiatorId, Expr::value(link.initiator.get()))
                    .col_expr(P::State, Expr::value(json(&link.state)?))
                    .col_expr(P::ExpiresAt, Expr::value(to_db(link.expires_at)))
                    .filter(P::Id.eq(link.id.get()))
                    .exec(txn)
                    .await?;
            }
            Change::RemovePendingLink(id) => {
                pending_links::Entity::delete_by_id(id.get())
                    .exec(txn)
                    .await?;
            }
            Change::Enqueue(action) => {
                let row = outbox::ActiveModel {
                    destination: Set(action.queue().map(|q| convert::queue_key(q, self.group))),
                    action: Set(json(action)?),
                    attempts: Set(0),
                    not_before: Set(None),
                    last_error: Set(None),
                    status: Set(PENDING.to_owned()),
                    created_at: Set(now),
                    finished_at: Set(None),
                    ..Default::default()
                };
                // The id comes back with the insert (MySQL's OK packet, SQLite's rowid): no
                // extra statement.
                let id = outbox::Entity::insert(row).exec(txn).await?.last_insert_id;
                fresh.push(OutboxEntry {
                    id: OutboxId::new(id).map_err(|e| {
                        TxError::Rule(StoreError::Corrupt(format!("outbox id {id}: {e}")))
                    })?,
                    queue: action.queue(),
                    action: action.clone(),
                    attempts: 0,
                    not_before: None,
                });
            }
            Change::CompleteOutbox(id) => {
                outbox::Entity::update_many()
                    .col_expr(outbox::Column::Status, Expr::value(DONE))
                    .col_expr(outbox::Column::FinishedAt, Expr::value(now))
                    .filter(outbox::Column::Id.eq(id.get()))
                    .exec(txn)
                    .await?;
            }
            Change::Audit(entry) => {
                let row = audit_log::ActiveModel {
                    actor_id: Set(entry.actor.get()),
                    action: Set(entry.action.chars().take(64).collect()),
                    client_user_id: Set(entry.client.get()),
                    detail: Set(Some(entry.detail.clone())),
                    created_at: Set(to_db(entry.at)),
                    ..Default::default()
                };
                audit_log::Entity::insert(row)
                    .exec_without_returning(txn)
                    .await?;
            }
            Change::InboxHandled(update) => {
                update_inbox::Entity::update_many()
                    .col_expr(update_inbox::Column::Handled, Expr::value(true))
                    .col_expr(update_inbox::Column::HandledAt, Expr::value(now))
                    .filter(update_inbox::Column::UpdateId.eq(update.0))
                    .exec(txn)
                    .await?;
            }
            Change::InboxArrivedHandled(entry) => {
                // A plain insert: when the update is stored already, its unique key refuses
                // it, and the whole commit with it (the update is handled from the inbox, once).
                let row = update_inbox::ActiveModel {
                    update_id: Set(entry.update.0),
                    chat_id: Set(entry.chat),
                    payload: Set(entry.payload.clone()),
                    handled: Set(true),
                    handled_at: Set(Some(now)),
                    received_at: Set(now),
                    ..Default::default()
                };
                update_inbox::Entity::insert(row)
                    .exec_without_returning(txn)
                    .await?;
            }
            Change::InboxFailed { update, error } => {
                // A copy in its own table: the inbox row is pruned like every handled one (its
                // update id may come again after a quiet week), the failure stays.
                let payload = update_inbox::Entity::find()
                    .filter(update_inbox::Column::UpdateId.eq(update.0))
                    .one(txn)
                    .await?
                    .map(|r| r.payload)
                    .unwrap_or_default();
                let row = failed_updates::ActiveModel {
                    update_id: Set(update.0),
                    payload: Set(payload),
                    error: Set(error.chars().take(MAX_FAILURE_CHARS).collect()),
                    failed_at: Set(now),
                    ..Default::default()
                };
                failed_updates::Entity::insert(row)
                    .exec_without_returning(txn)
                    .await?;
                update_inbox::Entity::update_many()
                    .col_expr(update_inbox::Column::Handled, Expr::value(true))
                    .col_expr(update_inbox::Column::HandledAt, Expr::value(now))
                    .filter(update_inbox::Column::UpdateId.eq(update.0))
                    .exec(txn)
                    .await?;
            }
        }
        Ok(())
    }

    /// `UPDATE pp_clients SET <fields>, updated_at = now WHERE telegram_id = client`. A missing
    /// client is a no-op: the use cases create clients with `UpsertClient` first.
    async fn update_client<const N: usize>(
        &self,
        txn: &DatabaseTransaction,
        client: UserId,
        now: NaiveDateTime,
        fields: [(pp_clients::Column, Expr); N],
    ) -> Result<(), DbErr> {
        let mut update = pp_clients::Entity::update_many();
        for (column, value) in fields {
            update = update.col_expr(column, value);
        }
        update
            .col_expr(pp_clients::Column::UpdatedAt, Expr::value(now))
            .filter(pp_clients::Column::TelegramId.eq(client.get()))
            .exec(txn)
            .await?;
        Ok(())
    }

    /// Remembers a client's topic in an earlier group; `hinted` also sets when the bot last
    /// answered there. A topic already remembered keeps whose it is, and keeps its last hint
    /// unless a new one is given: remembering it again as a client moves must not make the
    /// next staff message there look unanswered.
    async fn former_topic(
        &self,
        txn: &DatabaseTransaction,
        client: UserId,
        group: domain::ids::GroupId,
        thread: domain::ids::ThreadId,
        hinted: Option<NaiveDateTime>,
        now: NaiveDateTime,
    ) -> Result<(), DbErr> {
        use former_topics::Column as F;
        let row = former_topics::ActiveModel {
            group_id: Set(i64::from(group)),
            thread_id: Set(i64::from(thread)),
            client_user_id: Set(client.get()),
            created_at: Set(now),
            hinted_at: Set(hinted),
            ..Default::default()
        };
        // "Update to itself" for a no-op: sea-query's do_nothing renders a syntax MariaDB
        // rejects.
        let keep = if hinted.is_some() {
            F::HintedAt
        } else {
            F::GroupId
        };
        former_topics::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([F::GroupId, F::ThreadId])
                    .update_column(keep)
                    .to_owned(),
            )
            .exec_without_returning(txn)
            .await?;
        Ok(())
    }

    /// The client's open ticket as this transaction sees it (including one opened earlier in
    /// it, and — on MySQL's READ COMMITTED — one a concurrent commit just stored).
    async fn open_ticket_id(
        &self,
        txn: &DatabaseTransaction,
        client: UserId,
    ) -> Result<Option<TicketId>, TxError> {
        let row = tickets::Entity::find()
            .filter(tickets::Column::OpenClientId.eq(client.get()))
            .one(txn)
            .await?;
        row.map(|r| {
            TicketId::new(r.id)
                .map_err(|e| TxError::Rule(StoreError::Corrupt(format!("tickets: {e}"))))
        })
        .transpose()
    }

    async fn resolve(
        &self,
        txn: &DatabaseTransaction,
        ticket: TicketRef,
    ) -> Result<Option<TicketId>, TxError> {
        match ticket {
            TicketRef::Id(id) => Ok(Some(id)),
            TicketRef::OpenOf(client) => self.open_ticket_id(txn, client).await,
        }
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, TxError> {
    serde_json::to_string(value)
        .map_err(|e| TxError::Rule(StoreError::Other(format!("cannot serialize: {e}"))))
}

//! The instance lease: at most one bot works on a database at a time.
//!
//! Two bots on one database would both poll, both handle and both send. The lease is a row
//! naming its holder and an expiry; the holder renews it well before it runs out, and another
//! instance takes it over only once it has expired (the holder died or lost the database).
//! Claiming is one conditional `UPDATE`, so two claimants can never both win.

use crate::convert::{from_db, to_db};
use crate::db::Database;
use crate::entities::instance_lease;
use crate::error::store_err;
use chrono::{DateTime, TimeDelta, Utc};
use domain::ports::StoreError;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter};

/// Who holds a lease after a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeaseStatus {
    /// The claimant holds it (newly or renewed) until the given instant.
    Held {
        /// When it runs out unless renewed.
        until: DateTime<Utc>,
    },
    /// Another instance holds it.
    HeldByOther {
        /// That instance's name.
        holder: String,
        /// When its lease runs out unless renewed.
        until: DateTime<Utc>,
    },
}

impl Database {
    /// Claims (or renews) the lease `name` for `holder` for `ttl` from `now`: granted when it
    /// is free, expired, or already `holder`'s.
    pub async fn claim_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: TimeDelta,
        now: DateTime<Utc>,
    ) -> Result<LeaseStatus, StoreError> {
        let conn = self.connection();
        let until = to_db(now + ttl);
        // The row may not exist yet: create it already expired, so the claim below decides.
        instance_lease::Entity::insert(instance_lease::ActiveModel {
            name: Set(name.to_owned()),
            holder: Set(String::new()),
            expires_at: Set(to_db(now - TimeDelta::seconds(1))),
        })
        .on_conflict(
            // "Update the name to itself": a no-op on both backends (sea-query's do_nothing
            // renders as a syntax MariaDB rejects).
            OnConflict::column(instance_lease::Column::Name)
                .update_column(instance_lease::Column::Name)
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await
        .map_err(store_err)?;
        instance_lease::Entity::update_many()
            .col_expr(instance_lease::Column::Holder, Expr::value(holder))
            .col_expr(instance_lease::Column::ExpiresAt, Expr::value(until))
            .filter(instance_lease::Column::Name.eq(name))
            .filter(
                Condition::any()
                    .add(instance_lease::Column::Holder.eq(holder))
                    .add(instance_lease::Column::ExpiresAt.lt(to_db(now))),
            )
            .exec(conn)
            .await
            .map_err(store_err)?;
        // Read back rather than trust the affected-row count: MySQL counts a renewal that
        // changes nothing (same second) as zero rows.
        let row = instance_lease::Entity::find_by_id(name.to_owned())
            .one(conn)
            .await
            .map_err(store_err)?
            .ok_or_else(|| StoreError::Other(format!("the lease {name:?} vanished")))?;
        Ok(if row.holder == holder {
            LeaseStatus::Held {
                until: from_db(row.expires_at),
            }
        } else {
            LeaseStatus::HeldByOther {
                holder: row.holder,
                until: from_db(row.expires_at),
            }
        })
    }

    /// Takes the lease over from `from`, whom the caller knows to be dead (e.g. a process on
    /// this host that no longer exists), without waiting for it to expire. A compare-and-swap:
    /// if someone else got it meanwhile, they keep it.
    pub async fn take_over_lease(
        &self,
        name: &str,
        holder: &str,
        from: &str,
        ttl: TimeDelta,
        now: DateTime<Utc>,
    ) -> Result<LeaseStatus, StoreError> {
        instance_lease::Entity::update_many()
            .col_expr(instance_lease::Column::Holder, Expr::value(holder))
            .col_expr(
                instance_lease::Column::ExpiresAt,
                Expr::value(to_db(now + ttl)),
            )
            .filter(instance_lease::Column::Name.eq(name))
            .filter(instance_lease::Column::Holder.eq(from))
            .exec(self.connection())
            .await
            .map_err(store_err)?;
        self.claim_lease(name, holder, ttl, now).await
    }

    /// Gives the lease up at a clean stop, so a successor need not wait for it to expire.
    pub async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        instance_lease::Entity::update_many()
            .col_expr(
                instance_lease::Column::ExpiresAt,
                Expr::value(to_db(Utc::now() - TimeDelta::seconds(1))),
            )
            .filter(instance_lease::Column::Name.eq(name))
            .filter(instance_lease::Column::Holder.eq(holder))
            .exec(self.connection())
            .await
            .map_err(store_err)?;
        Ok(())
    }
}

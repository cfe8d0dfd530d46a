//! Named leases: at most one instance runs a given background worker. A
//! lease is a row (`leases`) with a holder and an expiry; the holder renews
//! it, and anyone may take it once it has expired. Work that must not
//! outlive the lease is fenced: its final write renews the lease in the
//! same transaction and is dropped if the lease was lost (`fence`).
use super::{now, Db};
use entity::lease;
use sea_orm::{
    sea_query::{Expr, OnConflict},
    ColumnTrait, Condition, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, Set,
};
use std::time::Duration;
use uuid::Uuid;

#[derive(Clone)]
pub struct Lease {
    db: Db,
    name: &'static str,
    holder: Uuid,
    ttl: Duration,
}

impl Lease {
    /// A lease named `name`, held (once acquired) by a fresh holder id.
    pub fn new(db: Db, name: &'static str, ttl: Duration) -> Self {
        Lease {
            db,
            name,
            holder: Uuid::new_v4(),
            ttl: ttl.max(Duration::from_secs(1)),
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Takes or renews the lease: succeeds when this holder has it or it
    /// has expired.
    pub async fn acquire(&self) -> anyhow::Result<bool> {
        let w = self.db.write().await?;
        let free = Condition::any()
            .add(lease::Column::Holder.eq(self.holder))
            .add(lease::Column::ExpiresAt.lt(now()));
        let held = self.claim(&w.txn, free).await? || self.insert(&w.txn).await?;
        self.db.commit(w).await?;
        Ok(held)
    }

    /// Renews the lease if this holder still has it, unexpired: unlike
    /// [`Lease::acquire`], never takes back a lease that lapsed meanwhile
    /// (another may have held it and done this holder's work since).
    pub async fn renew(&self) -> anyhow::Result<bool> {
        let w = self.db.write().await?;
        let held = self.fence(&w.txn).await?;
        self.db.commit(w).await?;
        Ok(held)
    }

    /// Renews the lease inside `txn` if this holder still has it, unexpired;
    /// returns whether it did. On Postgres the update also locks the row
    /// until `txn` ends, so no one can take the lease in between.
    pub async fn fence(&self, txn: &DatabaseTransaction) -> Result<bool, DbErr> {
        let still_mine = Condition::all()
            .add(lease::Column::Holder.eq(self.holder))
            .add(lease::Column::ExpiresAt.gt(now()));
        self.claim(txn, still_mine).await
    }

    /// Takes the lease whoever holds it (for `hearth reindex`). The holder
    /// notices at its next renewal and stops.
    pub async fn take_over(&self) -> anyhow::Result<()> {
        let w = self.db.write().await?;
        if !self.claim(&w.txn, Condition::all()).await? {
            self.insert(&w.txn).await?;
        }
        self.db.commit(w).await?;
        Ok(())
    }

    /// Gives the lease up at once, so that another instance need not wait
    /// for it to expire.
    pub async fn release(&self) -> anyhow::Result<()> {
        let w = self.db.write().await?;
        lease::Entity::update_many()
            .col_expr(lease::Column::Holder, Expr::value(Option::<Uuid>::None))
            .col_expr(
                lease::Column::ExpiresAt,
                Expr::value(chrono::DateTime::<chrono::Utc>::UNIX_EPOCH),
            )
            .filter(lease::Column::Name.eq(self.name))
            .filter(lease::Column::Holder.eq(self.holder))
            .exec(&w.txn)
            .await?;
        self.db.commit(w).await?;
        Ok(())
    }

    fn until(&self) -> chrono::DateTime<chrono::Utc> {
        now() + chrono::Duration::from_std(self.ttl).unwrap_or_default()
    }

    /// Makes this holder the lease's for another period where `when`
    /// holds; returns whether it did.
    async fn claim(&self, txn: &DatabaseTransaction, when: Condition) -> Result<bool, DbErr> {
        let r = lease::Entity::update_many()
            .col_expr(lease::Column::Holder, Expr::value(self.holder))
            .col_expr(lease::Column::ExpiresAt, Expr::value(self.until()))
            .filter(lease::Column::Name.eq(self.name))
            .filter(when)
            .exec(txn)
            .await?;
        Ok(r.rows_affected == 1)
    }

    /// The first instance ever creates the lease's row.
    async fn insert(&self, txn: &DatabaseTransaction) -> Result<bool, DbErr> {
        let row = lease::ActiveModel {
            name: Set(self.name.into()),
            holder: Set(Some(self.holder)),
            expires_at: Set(self.until()),
        };
        match lease::Entity::insert(row)
            .on_conflict(
                OnConflict::column(lease::Column::Name)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(txn)
            .await
        {
            Ok(n) => Ok(n == 1),
            Err(DbErr::RecordNotInserted) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

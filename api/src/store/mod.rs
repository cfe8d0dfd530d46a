//! Storage: the connection, write transactions that carry their events to
//! the bus on commit, and small helpers shared by the services.
pub mod audit;
pub mod bus;
pub mod closures;
mod db;
pub mod events;
pub mod lazy_redis;
pub mod lease;
pub mod limits;
pub mod notifications;
pub mod outbox;
pub mod pages;
pub mod persisted;
pub mod posts;
pub mod reads;
pub mod upkeep;

pub use db::{connect, namespace, Db, WriteTxn};

use chrono::{DateTime, SubsecRound, Utc};

/// The current time at the precision both databases keep (microseconds),
/// so that a timestamp read back equals the one written: keyset cursors
/// compare them for equality.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// One page of a keyset-paginated list.
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next: bool,
    pub has_previous: bool,
}

impl<T> Page<T> {
    /// Builds a page from `limit + 1` fetched rows: the extra row only tells
    /// whether there is a next page.
    pub fn from_overfetch(mut rows: Vec<T>, limit: u64, has_previous: bool) -> Self {
        let has_next = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        Page {
            items: rows,
            has_next,
            has_previous,
        }
    }
}

/// `(a, b) > (x, y)` (or `<` when `descending`), written out so that both
/// databases use the `(…, a, b)` index.
pub fn keyset_after<A, B, VA, VB>(a: A, b: B, x: VA, y: VB, descending: bool) -> sea_orm::Condition
where
    A: sea_orm::ColumnTrait,
    B: sea_orm::ColumnTrait,
    VA: Into<sea_orm::Value> + Clone,
    VB: Into<sea_orm::Value>,
{
    use sea_orm::Condition;
    if descending {
        Condition::any()
            .add(a.lt(x.clone()))
            .add(Condition::all().add(a.eq(x)).add(b.lt(y)))
    } else {
        Condition::any()
            .add(a.gt(x.clone()))
            .add(Condition::all().add(a.eq(x)).add(b.gt(y)))
    }
}

/// Reads a post inside a write transaction, locking its row on Postgres, so
/// that an author's and a facilitator's changes to one post apply one after
/// the other against what the other left (SQLite has one writer anyway).
pub async fn lock_post(
    w: &WriteTxn,
    id: uuid::Uuid,
) -> crate::error::AppResult<Option<entity::post::Model>> {
    use sea_orm::{ConnectionTrait, DbBackend, EntityTrait, QuerySelect};
    let q = entity::post::Entity::find_by_id(id);
    let q = if w.txn.get_database_backend() == DbBackend::Postgres {
        q.lock_exclusive()
    } else {
        q
    };
    Ok(q.one(&w.txn).await?)
}

//! Keeps the search index in step with the database.
//!
//! Every post change writes a `search_outbox` row in its own transaction
//! (`WriteTxn::append_event`), so no committed change can be missed. One
//! instance at a time, the holder of the `search_lease` row, drains the
//! queue: it reads the oldest rows, loads the posts' current state, applies
//! upserts and deletes to the backend in one batch and, once the backend has
//! acknowledged it, deletes exactly the rows it read. The queue's head is
//! the checkpoint: a crash between apply and delete re-applies the batch,
//! which is harmless because each change is "make this entry match the
//! post now". A row committed late with a lower id is simply read next
//! time. When the backend fails the rows stay and the indexer retries with
//! backoff; writes to Hearth never wait for it.
use super::{Change, PostDoc, SharedIndex};
use crate::store::{now, Db};
use entity::{enums::PostState, post, search_lease, search_outbox};
use prometheus::{IntCounter, IntGauge, Registry};
use sea_orm::{
    sea_query::{Expr, OnConflict},
    ColumnTrait, Condition, DatabaseTransaction, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
    time::Duration,
};
use tokio::sync::Notify;
use uuid::Uuid;

const LEASE: &str = "indexer";
const IDLE_POLL: Duration = Duration::from_millis(500);
const BACKOFF_MIN: Duration = Duration::from_millis(200);
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// Posts per batch when rebuilding the whole index.
const REBUILD_BATCH: u64 = 5000;

#[derive(Clone)]
pub struct IndexerMetrics {
    pub applied: IntCounter,
    pub failed_batches: IntCounter,
    pub leader: IntGauge,
    pub queue_depth: IntGauge,
    pub lag_seconds: IntGauge,
}

impl IndexerMetrics {
    pub fn register(registry: &Registry) -> anyhow::Result<Self> {
        let m = IndexerMetrics {
            applied: IntCounter::new(
                "hearth_search_changes_applied_total",
                "Post changes applied to the search index",
            )?,
            failed_batches: IntCounter::new(
                "hearth_search_failed_batches_total",
                "Index batches the search backend refused or failed (retried)",
            )?,
            leader: IntGauge::new(
                "hearth_search_indexer_leader",
                "1 while this instance holds the indexer lease",
            )?,
            queue_depth: IntGauge::new(
                "hearth_search_queue_depth",
                "Post changes waiting to reach the search index",
            )?,
            lag_seconds: IntGauge::new(
                "hearth_search_lag_seconds",
                "Age of the oldest post change not yet in the search index",
            )?,
        };
        registry.register(Box::new(m.applied.clone()))?;
        registry.register(Box::new(m.failed_batches.clone()))?;
        registry.register(Box::new(m.leader.clone()))?;
        registry.register(Box::new(m.queue_depth.clone()))?;
        registry.register(Box::new(m.lag_seconds.clone()))?;
        Ok(m)
    }
}

pub struct Indexer {
    db: Db,
    index: SharedIndex,
    id: Uuid,
    lease: Duration,
    batch: u64,
    pub notify: Arc<Notify>,
    pub metrics: IndexerMetrics,
}

impl Indexer {
    pub fn new(
        db: Db,
        index: SharedIndex,
        lease: Duration,
        batch: u64,
        metrics: IndexerMetrics,
    ) -> Self {
        Indexer {
            db,
            index,
            id: Uuid::new_v4(),
            lease,
            batch: batch.max(1),
            notify: Arc::new(Notify::new()),
            metrics,
        }
    }

    /// Takes or renews the lease: succeeds when this instance holds it or
    /// it has expired.
    pub async fn acquire(&self) -> anyhow::Result<bool> {
        let w = self.db.write().await?;
        let t = now();
        let free = Condition::any()
            .add(search_lease::Column::Holder.eq(self.id))
            .add(search_lease::Column::ExpiresAt.lt(t));
        let held = self.claim(&w.txn, free).await? || self.insert_lease(&w.txn).await?;
        self.db.commit(w).await?;
        Ok(held)
    }

    /// Sets this instance as the lease's holder for another lease period
    /// where `when` holds; returns whether it did.
    async fn claim(&self, txn: &DatabaseTransaction, when: Condition) -> Result<bool, DbErr> {
        let r = search_lease::Entity::update_many()
            .col_expr(search_lease::Column::Holder, Expr::value(self.id))
            .col_expr(search_lease::Column::ExpiresAt, Expr::value(self.until()))
            .filter(search_lease::Column::Name.eq(LEASE))
            .filter(when)
            .exec(txn)
            .await?;
        Ok(r.rows_affected == 1)
    }

    fn until(&self) -> chrono::DateTime<chrono::Utc> {
        now() + chrono::Duration::from_std(self.lease).unwrap_or_default()
    }

    /// The first instance ever creates the lease row.
    async fn insert_lease(&self, txn: &DatabaseTransaction) -> Result<bool, DbErr> {
        let row = search_lease::ActiveModel {
            name: Set(LEASE.into()),
            holder: Set(Some(self.id)),
            expires_at: Set(self.until()),
        };
        match search_lease::Entity::insert(row)
            .on_conflict(
                OnConflict::column(search_lease::Column::Name)
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

    /// Takes the lease whoever holds it (for `hearth reindex`). The holder
    /// notices at its next renewal and stops writing.
    pub async fn take_over(&self) -> anyhow::Result<()> {
        let w = self.db.write().await?;
        if !self.claim(&w.txn, Condition::all()).await? {
            self.insert_lease(&w.txn).await?;
        }
        self.db.commit(w).await?;
        Ok(())
    }

    /// Gives the lease up at once, so that another instance need not wait
    /// for it to expire.
    pub async fn release(&self) -> anyhow::Result<()> {
        let w = self.db.write().await?;
        search_lease::Entity::update_many()
            .col_expr(
                search_lease::Column::Holder,
                Expr::value(Option::<Uuid>::None),
            )
            .col_expr(
                search_lease::Column::ExpiresAt,
                Expr::value(chrono::DateTime::<chrono::Utc>::UNIX_EPOCH),
            )
            .filter(search_lease::Column::Name.eq(LEASE))
            .filter(search_lease::Column::Holder.eq(self.id))
            .exec(&w.txn)
            .await?;
        self.db.commit(w).await?;
        Ok(())
    }

    /// Applies the oldest queued changes; returns how many rows it took.
    pub async fn drain_once(&self) -> anyhow::Result<usize> {
        let rows = search_outbox::Entity::find()
            .order_by_asc(search_outbox::Column::Id)
            .limit(self.batch)
            .all(&self.db.conn)
            .await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let mut seen = HashSet::new();
        let ids: Vec<Uuid> = rows
            .iter()
            .map(|r| r.post_id)
            .filter(|id| seen.insert(*id))
            .collect();
        let posts: HashMap<Uuid, post::Model> = post::Entity::find()
            .filter(post::Column::Id.is_in(ids.clone()))
            .all(&self.db.conn)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        let changes: Vec<Change> = ids
            .iter()
            .map(|id| match posts.get(id).and_then(PostDoc::of) {
                Some(doc) => Change::Upsert(doc),
                None => Change::Delete(*id),
            })
            .collect();
        let n = changes.len();
        self.index.apply(changes).await?;
        // Fencing: the rows go only if this instance still holds the lease,
        // renewed (and, on Postgres, locked) in the same transaction. If
        // another took over meanwhile, this batch may have overwritten its
        // newer work: queue the posts again for the new holder to re-sync.
        let w = self.db.write().await?;
        let t = now();
        let still_mine = Condition::all()
            .add(search_lease::Column::Holder.eq(self.id))
            .add(search_lease::Column::ExpiresAt.gt(t));
        let held = self.claim(&w.txn, still_mine).await?;
        if held {
            search_outbox::Entity::delete_many()
                .filter(search_outbox::Column::Id.is_in(rows.iter().map(|r| r.id)))
                .exec(&w.txn)
                .await?;
        } else {
            search_outbox::Entity::insert_many(ids.iter().map(|id| search_outbox::ActiveModel {
                id: sea_orm::NotSet,
                post_id: Set(*id),
                created_at: Set(t),
            }))
            .exec_without_returning(&w.txn)
            .await?;
        }
        self.db.commit(w).await?;
        if !held {
            anyhow::bail!("lost the indexer lease during a batch; its posts are queued again");
        }
        self.metrics.applied.inc_by(n as u64);
        Ok(rows.len())
    }

    /// Rebuilds the index from the database, reporting `(done, total)`
    /// after each batch, and renewing the lease as it goes.
    pub async fn rebuild(&self, progress: &(dyn Fn(u64, u64) + Sync)) -> anyhow::Result<u64> {
        let live = || post::Entity::find().filter(post::Column::State.ne(PostState::Deleted));
        let total = live().count(&self.db.conn).await?;
        progress(0, total);
        self.index.clear().await?;
        let mut after: Option<Uuid> = None;
        let mut done = 0u64;
        loop {
            let mut q = live();
            if let Some(a) = after {
                q = q.filter(post::Column::Id.gt(a));
            }
            let rows = q
                .order_by_asc(post::Column::Id)
                .limit(REBUILD_BATCH)
                .all(&self.db.conn)
                .await?;
            let Some(last) = rows.last() else { break };
            after = Some(last.id);
            let changes: Vec<Change> = rows
                .iter()
                .filter_map(PostDoc::of)
                .map(Change::Upsert)
                .collect();
            self.index.apply(changes).await?;
            done += rows.len() as u64;
            progress(done, total.max(done));
            if !self.acquire().await? {
                anyhow::bail!("lost the indexer lease during the rebuild");
            }
        }
        self.index.mark_built();
        Ok(done)
    }

    /// Queue depth and the age of its oldest row, for `/metrics`.
    pub async fn refresh_lag(&self) -> Result<(), DbErr> {
        let (depth, oldest): (i64, Option<chrono::DateTime<chrono::Utc>>) =
            search_outbox::Entity::find()
                .select_only()
                .column_as(search_outbox::Column::Id.count(), "depth")
                .column_as(search_outbox::Column::CreatedAt.min(), "oldest")
                .into_tuple()
                .one(&self.db.conn)
                .await?
                .unwrap_or((0, None));
        let lag = oldest.map_or(0, |o| (now() - o).num_seconds().max(0));
        self.metrics.queue_depth.set(depth);
        self.metrics.lag_seconds.set(lag);
        Ok(())
    }

    fn set_leading(&self, leading: bool) {
        self.metrics.leader.set(i64::from(leading));
        self.index.set_writer(leading);
    }

    /// The background loop: hold the lease, drain the queue, wait.
    pub async fn run(self: Arc<Self>) {
        let mut leading = false;
        let mut prepared = false;
        let mut backoff = BACKOFF_MIN;
        let renew_every = self.lease / 3;
        let mut renewed = tokio::time::Instant::now();
        loop {
            if !leading || renewed.elapsed() >= renew_every {
                let now_leading = match self.acquire().await {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::warn!(error = %e, "renewing the search indexer lease");
                        false
                    }
                };
                if now_leading != leading {
                    tracing::info!(leading = now_leading, "search indexer lease");
                    self.set_leading(now_leading);
                    leading = now_leading;
                    // A new leader prepares afresh (another may have changed
                    // the index meanwhile).
                    prepared = false;
                }
                renewed = tokio::time::Instant::now();
            }
            if !leading {
                tokio::time::sleep(renew_every.max(Duration::from_millis(100))).await;
                continue;
            }
            let step = async {
                if !prepared {
                    self.index.prepare().await?;
                    // Until a build completes the index says so, and a
                    // failed build is retried with the next preparation.
                    if self.index.needs_rebuild() {
                        let n = self.rebuild(&|_, _| {}).await?;
                        tracing::info!(posts = n, "built the search index");
                    }
                    prepared = true;
                }
                self.drain_once().await
            };
            match step.await {
                Ok(0) => {
                    backoff = BACKOFF_MIN;
                    tokio::select! {
                        _ = self.notify.notified() => {}
                        _ = tokio::time::sleep(IDLE_POLL) => {}
                    }
                }
                Ok(_) => backoff = BACKOFF_MIN,
                Err(e) => {
                    self.metrics.failed_batches.inc();
                    tracing::warn!(error = %e, backend = self.index.name(), retry_in = ?backoff, "search indexing failed");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(BACKOFF_MAX);
                }
            }
        }
    }
}

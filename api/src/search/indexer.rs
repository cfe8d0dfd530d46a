//! Keeps the search index in step with the database: the `search` worker.
//!
//! Every event that changes what search may find of a post queues an
//! outbox row in its own transaction (`store::outbox`), so no committed
//! change can be missed. The worker kit (`crate::worker`) runs this handler
//! on one instance at a time: it loads the posts' current state and applies
//! upserts and deletes to the backend in one batch; the rows go once the
//! backend has acknowledged it. A crash between apply and delete re-applies
//! the batch, which is harmless because each change is "make this entry
//! match the post now". When the backend fails the rows stay and are
//! retried with backoff; writes to Hearth never wait for it.
use super::{Change, PostDoc, SharedIndex, Staged};
use crate::{
    store::{lease::Lease, outbox::Job, Db},
    worker::Handler,
};
use entity::{enums::PostState, post};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// The worker's name: its outbox consumer, lease and metrics label.
pub const WORKER: &str = "search";
pub struct SearchIndexer {
    db: Db,
    index: SharedIndex,
    /// Posts per batch when rebuilding the whole index.
    rebuild_batch: u64,
}

pub type IndexWorker = crate::worker::Worker<SearchIndexer>;

impl SearchIndexer {
    pub fn new(db: Db, index: SharedIndex, rebuild_batch: u64) -> Self {
        SearchIndexer {
            db,
            index,
            rebuild_batch: rebuild_batch.max(1),
        }
    }

    /// Rebuilds the index from the database into a staging index beside the
    /// live one, then swaps it in: searches meanwhile see the old index
    /// whole. Reports `(done, total)` after each batch and renews `lease`
    /// as it goes. Changes committed during the build stay queued (the
    /// lease holds the worker off) and are applied after the swap. A failed
    /// build removes its staging index.
    pub async fn rebuild(
        &self,
        lease: &Lease,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> anyhow::Result<u64> {
        let total = live_posts().count(&self.db.conn).await?;
        progress(0, total);
        let staged = self.index.staging().await?;
        // The lease is checked once more just before the switch: another
        // rebuild (a `hearth reindex` that took it over) must not be
        // switched under.
        let filled = match self.fill(&staged, lease, total, progress).await {
            Ok(done) => match lease.acquire().await {
                Ok(true) => Ok(done),
                Ok(false) => Err(anyhow::anyhow!("lost the indexer lease during the rebuild")),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        match filled {
            Ok(done) => {
                self.index.promote(staged).await?;
                Ok(done)
            }
            Err(e) => {
                self.index.discard(staged).await;
                Err(e)
            }
        }
    }

    /// Loads every live post into the staging index, in id order.
    async fn fill(
        &self,
        staged: &Staged,
        lease: &Lease,
        total: u64,
        progress: &(dyn Fn(u64, u64) + Sync),
    ) -> anyhow::Result<u64> {
        let mut after: Option<Uuid> = None;
        let mut done = 0u64;
        loop {
            let mut q = live_posts();
            if let Some(a) = after {
                q = q.filter(post::Column::Id.gt(a));
            }
            let rows = q
                .order_by_asc(post::Column::Id)
                .limit(self.rebuild_batch)
                .all(&self.db.conn)
                .await?;
            let Some(last) = rows.last() else { break };
            after = Some(last.id);
            let changes: Vec<Change> = rows
                .iter()
                .filter_map(PostDoc::of)
                .map(Change::Upsert)
                .collect();
            staged.index.apply(changes).await?;
            done += rows.len() as u64;
            progress(done, total.max(done));
            if !lease.acquire().await? {
                anyhow::bail!("lost the indexer lease during the rebuild");
            }
        }
        staged.index.mark_built();
        Ok(done)
    }
}

fn live_posts() -> sea_orm::Select<post::Entity> {
    post::Entity::find().filter(post::Column::State.ne(PostState::Deleted))
}

impl Handler for SearchIndexer {
    fn leading(&self, leading: bool) {
        // The embedded index allows one writer: the lease holder's.
        self.index.set_writer(leading);
    }

    async fn prepare(&self, lease: &Lease) -> anyhow::Result<()> {
        self.index.prepare().await?;
        // Until a build completes the index says so, and a failed build is
        // retried with the next preparation.
        if self.index.needs_rebuild() {
            let n = self.rebuild(lease, &|_, _| {}).await?;
            tracing::info!(posts = n, "built the search index");
        }
        Ok(())
    }

    async fn handle(&self, jobs: &[Job]) -> anyhow::Result<Vec<(i64, String)>> {
        let mut seen = HashSet::new();
        let ids: Vec<Uuid> = jobs
            .iter()
            .filter_map(|j| j.event.post_id)
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
        if !changes.is_empty() {
            self.index.apply(changes).await?;
        }
        Ok(Vec::new())
    }
}

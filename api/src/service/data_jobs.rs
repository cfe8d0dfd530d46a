//! The data-rights worker: builds exports, carries out account closures
//! that came due, purges deleted groups, and sweeps retention (groups'
//! posts, the access audit, expired export archives).
//!
//! Its work is rows with due times (`data_exports`, `account_closures`,
//! `groups.delete_after`, `groups.retention_days`), not outbox events, so
//! it runs from the kit's lease rather than its outbox loop: one instance at
//! a time, and a crash or restart finds the same rows still due. Each job
//! is one transaction (or a series of idempotent ones), so nothing is ever
//! left half done.
use crate::{
    config::DataConfig,
    service::{closures, exports, group_data},
    store::{lease::Lease, now, Db},
};
use std::{sync::Arc, time::Duration};
use tokio::sync::Notify;

pub const WORKER: &str = "data-rights";
const LEASE_TTL: Duration = Duration::from_secs(15);
const POLL: Duration = Duration::from_secs(1);
const BATCH: u64 = 10;

pub struct DataRightsWorker {
    db: Db,
    lease: Lease,
    cfg: DataConfig,
    wake: Arc<Notify>,
    /// When this instance last swept, while leading.
    last_sweep: std::sync::Mutex<Option<std::time::Instant>>,
}

impl crate::worker::DueWork for DataRightsWorker {
    async fn pass(&self) {
        if let Err(e) = self.due_work().await {
            tracing::warn!(worker = WORKER, error = %e, "data-rights work failed; retrying");
        }
        let every = Duration::from_secs(self.cfg.retention_sweep_seconds.max(1));
        let due = self
            .last_sweep
            .lock()
            .map(|l| l.is_none_or(|t| t.elapsed() >= every))
            .unwrap_or(true);
        if due {
            match self.sweep().await {
                Ok(()) => {
                    if let Ok(mut l) = self.last_sweep.lock() {
                        *l = Some(std::time::Instant::now());
                    }
                }
                Err(e) => tracing::warn!(worker = WORKER, error = %e, "retention sweep failed"),
            }
        }
    }
}

impl DataRightsWorker {
    pub fn new(db: Db, cfg: DataConfig, wake: Arc<Notify>) -> Self {
        DataRightsWorker {
            lease: Lease::new(db.clone(), WORKER, LEASE_TTL),
            db,
            cfg,
            wake,
            last_sweep: Default::default(),
        }
    }

    pub async fn run(self: Arc<Self>, stop: crate::tasks::CancellationToken) {
        crate::worker::run_due(WORKER, &*self, &self.lease, &self.wake, POLL, stop).await
    }

    /// Exports waiting to be built, closures come due, deletions come due.
    pub async fn due_work(&self) -> anyhow::Result<()> {
        for e in exports::due(&self.db, BATCH).await? {
            if let Err(err) = exports::build(&self.db, &e, self.cfg.export_ttl()).await {
                tracing::warn!(export = %e.id, error = %err, "building an export");
            }
        }
        // One failing job does not hold up the others; it is tried again
        // on the next pass.
        for c in crate::store::closures::due(&self.db.conn, BATCH).await? {
            if let Err(e) = closures::carry_out(&self.db, &c).await {
                tracing::warn!(closure = %c.id, error = %e, "closing an account");
            }
        }
        group_data::purge_due(&self.db).await?;
        Ok(())
    }

    async fn sweep(&self) -> anyhow::Result<()> {
        let tombstoned = group_data::sweep_retention(&self.db).await?;
        let pruned =
            crate::store::audit::prune(&self.db.conn, now() - self.cfg.audit_retention()).await?;
        let expired = exports::expire(&self.db).await?;
        if tombstoned + pruned + expired > 0 {
            tracing::info!(tombstoned, pruned, expired, "retention sweep");
        }
        Ok(())
    }
}

//! The background-work kit: a worker is an outbox consumer
//! (`store::outbox::CONSUMERS`) plus a `Handler`. The runner gives it
//! everything else: one instance at a time through a named lease
//! (`store::lease`), renewal, batches read from the outbox, fencing of the
//! final write, retries with backoff and dead letters, wake-up through the
//! event bus, and `hearth_worker_*{worker="…"}` metrics. See
//! `docs/workers.md`.
use crate::store::{
    lease::Lease,
    outbox::{self, Consumer, Job},
    Db,
};
use prometheus::{IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry};
use std::{collections::HashMap, future::Future, sync::Arc, time::Duration};
use tokio::sync::{
    broadcast::error::{RecvError, TryRecvError},
    Notify,
};

const IDLE_POLL: Duration = Duration::from_millis(500);
/// Tries at handing the lease back on shutdown; more than any pool's
/// connections (each dead one fails at once and is dropped).
const RELEASE_ATTEMPTS: usize = 100;

/// What a worker does with its rows.
pub trait Handler: Send + Sync + 'static {
    /// Told when this instance gains (`true`) or loses the lease.
    fn leading(&self, _leading: bool) {}

    /// Runs after gaining the lease, before the first batch, and again
    /// after a failure until it succeeds.
    fn prepare(&self, _lease: &Lease) -> impl Future<Output = anyhow::Result<()>> + Send {
        async { Ok(()) }
    }

    /// Handles a batch, oldest first. `Err` retries the whole batch later;
    /// `Ok(failed)` retries just those rows (id and error), the rest done.
    fn handle(
        &self,
        jobs: &[Job],
    ) -> impl Future<Output = anyhow::Result<Vec<(i64, String)>>> + Send;
}

/// Every worker's metrics, one series per worker.
#[derive(Clone)]
pub struct WorkerMetrics {
    processed: IntCounterVec,
    batches: IntCounterVec,
    failed_batches: IntCounterVec,
    dead: IntGaugeVec,
    leader: IntGaugeVec,
    queue_depth: IntGaugeVec,
    lag_seconds: IntGaugeVec,
}

impl WorkerMetrics {
    pub fn register(registry: &Registry) -> anyhow::Result<Self> {
        let counter =
            |name: &str, help: &str| IntCounterVec::new(Opts::new(name, help), &["worker"]);
        let gauge = |name: &str, help: &str| IntGaugeVec::new(Opts::new(name, help), &["worker"]);
        let m = WorkerMetrics {
            processed: counter(
                "hearth_worker_processed_total",
                "Outbox rows a worker handled",
            )?,
            batches: counter(
                "hearth_worker_batches_total",
                "Batches a worker handled, including ones whose rows all failed",
            )?,
            failed_batches: counter(
                "hearth_worker_failed_batches_total",
                "Batches that failed and will be retried",
            )?,
            dead: gauge(
                "hearth_worker_dead_letters",
                "Outbox rows a worker gave up on",
            )?,
            leader: gauge(
                "hearth_worker_leader",
                "1 while this instance holds the worker's lease",
            )?,
            queue_depth: gauge(
                "hearth_worker_queue_depth",
                "Outbox rows waiting for the worker",
            )?,
            lag_seconds: gauge(
                "hearth_worker_lag_seconds",
                "Age of the oldest outbox row waiting for the worker",
            )?,
        };
        registry.register(Box::new(m.processed.clone()))?;
        registry.register(Box::new(m.batches.clone()))?;
        registry.register(Box::new(m.failed_batches.clone()))?;
        registry.register(Box::new(m.dead.clone()))?;
        registry.register(Box::new(m.leader.clone()))?;
        registry.register(Box::new(m.queue_depth.clone()))?;
        registry.register(Box::new(m.lag_seconds.clone()))?;
        Ok(m)
    }
}

/// One worker's series.
struct Series {
    processed: IntCounter,
    batches: IntCounter,
    failed_batches: IntCounter,
    dead: IntGauge,
    leader: IntGauge,
    queue_depth: IntGauge,
    lag_seconds: IntGauge,
}

impl Series {
    fn of(m: &WorkerMetrics, worker: &str) -> Self {
        Series {
            processed: m.processed.with_label_values(&[worker]),
            batches: m.batches.with_label_values(&[worker]),
            failed_batches: m.failed_batches.with_label_values(&[worker]),
            dead: m.dead.with_label_values(&[worker]),
            leader: m.leader.with_label_values(&[worker]),
            queue_depth: m.queue_depth.with_label_values(&[worker]),
            lag_seconds: m.lag_seconds.with_label_values(&[worker]),
        }
    }
}

pub struct Worker<H> {
    consumer: &'static Consumer,
    db: Db,
    lease: Lease,
    batch: u64,
    /// How long changes gather after a batch that emptied the queue.
    linger: Duration,
    handler: H,
    wake: Notify,
    series: Series,
}

impl<H: Handler> Worker<H> {
    /// A worker for the consumer named `name`, which must be registered.
    pub fn new(
        db: Db,
        name: &'static str,
        lease: Duration,
        batch: u64,
        handler: H,
        metrics: &WorkerMetrics,
    ) -> anyhow::Result<Self> {
        let consumer = outbox::consumer(name)
            .ok_or_else(|| anyhow::anyhow!("no outbox consumer named {name}"))?;
        Ok(Worker {
            consumer,
            lease: Lease::new(db.clone(), name, lease),
            db,
            batch: batch.max(1),
            linger: Duration::ZERO,
            handler,
            wake: Notify::new(),
            series: Series::of(metrics, name),
        })
    }

    /// After a batch that emptied the queue, waits `linger` (or a
    /// [`wake`](Self::wake)) before the next, so that a steady trickle of
    /// events is handled in batches rather than one at a time: for a
    /// handler whose every batch has a fixed cost, such as a search
    /// commit. A full batch means a backlog, and the next follows at once.
    pub fn with_linger(mut self, linger: Duration) -> Self {
        self.linger = linger;
        self
    }

    pub fn name(&self) -> &'static str {
        self.consumer.name
    }

    pub fn lease(&self) -> &Lease {
        &self.lease
    }

    pub fn handler(&self) -> &H {
        &self.handler
    }

    /// Wakes the worker now (it also wakes on the bus and every half second).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Handles the oldest due rows once; returns how many it read.
    pub async fn drain_once(&self) -> anyhow::Result<usize> {
        let jobs = outbox::due(&self.db, self.consumer.name, self.batch).await?;
        if jobs.is_empty() {
            return Ok(0);
        }
        // A batch may outlast the lease's renewal interval (on SQLite each
        // of its writes waits its turn for the one writer): it is renewed
        // meanwhile, so that a slow batch is not redone by its next holder.
        let keepalive = async {
            let every = (self.lease.ttl() / 3).max(Duration::from_millis(100));
            loop {
                tokio::time::sleep(every).await;
                match self.lease.renew().await {
                    Ok(true) => {}
                    // Lost: the fence below requeues the batch's events.
                    Ok(false) => std::future::pending::<()>().await,
                    Err(e) => {
                        tracing::warn!(worker = self.name(), error = %e, "renewing the lease during a batch")
                    }
                }
            }
        };
        let handled = tokio::select! {
            biased;
            r = self.handler.handle(&jobs) => r,
            // It never ends; the arm only satisfies the types.
            () = keepalive => anyhow::bail!("the lease's keep-alive ended"),
        };
        let failed: HashMap<i64, String> = match handled {
            Ok(failed) => failed.into_iter().collect(),
            Err(e) => {
                let all: Vec<_> = jobs.iter().map(|j| (j, format!("{e:#}"))).collect();
                self.record_failures(&all).await;
                return Err(e);
            }
        };
        let (retry, done): (Vec<&Job>, Vec<&Job>) =
            jobs.iter().partition(|j| failed.contains_key(&j.id));
        // Fencing: the rows go only if this instance still holds the lease,
        // renewed (and, on Postgres, locked) in the same transaction. If
        // another took over meanwhile, this work may have overwritten its
        // newer work: the events are queued again for the new holder.
        let w = self.db.write().await?;
        let held = self.lease.fence(&w.txn).await?;
        if held {
            outbox::complete(&w.txn, &done.iter().map(|j| j.id).collect::<Vec<_>>()).await?;
        } else {
            let events: Vec<i64> = done.iter().map(|j| j.event.id).collect();
            outbox::requeue(&w.txn, self.consumer.name, &events).await?;
        }
        self.db.commit(w).await?;
        if !held {
            anyhow::bail!(
                "lost the {} lease during a batch; its events are queued again",
                self.name()
            );
        }
        self.series.processed.inc_by(done.len() as u64);
        self.series.batches.inc();
        if !retry.is_empty() {
            let rows: Vec<_> = retry
                .into_iter()
                .filter_map(|j| failed.get(&j.id).map(|e| (j, e.clone())))
                .collect();
            self.record_failures(&rows).await;
        }
        Ok(jobs.len())
    }

    async fn record_failures(&self, rows: &[(&Job, String)]) {
        match outbox::fail(&self.db, self.consumer, rows).await {
            Ok(0) => {}
            Ok(n) => tracing::error!(worker = self.name(), rows = n, "outbox rows dead-lettered"),
            Err(e) => {
                tracing::warn!(worker = self.name(), error = %e, "recording failed outbox rows")
            }
        }
    }

    /// Queue depth, lag and dead letters, for `/metrics`.
    pub async fn refresh_metrics(&self) -> anyhow::Result<()> {
        let s = outbox::stats(&self.db.conn, self.consumer.name).await?;
        let lag = s
            .oldest
            .map_or(0, |o| (crate::store::now() - o).num_seconds().max(0));
        self.series.queue_depth.set(s.depth);
        self.series.lag_seconds.set(lag);
        self.series.dead.set(s.dead);
        Ok(())
    }

    /// Waits for a wake-up, an event this worker wants, or the idle poll;
    /// true for a wake-up.
    async fn idle(
        &self,
        events: &mut tokio::sync::broadcast::Receiver<entity::event::Model>,
    ) -> bool {
        let poll = tokio::time::sleep(IDLE_POLL);
        tokio::pin!(poll);
        loop {
            tokio::select! {
                _ = &mut poll => return false,
                _ = self.wake.notified() => return true,
                r = events.recv() => match r {
                    Ok(e) if (self.consumer.wants)(e.kind) => return false,
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => return false,
                    Err(RecvError::Closed) => { (&mut poll).await; return false }
                },
            }
        }
    }

    fn set_leading(&self, leading: bool) {
        self.series.leader.set(i64::from(leading));
        self.handler.leading(leading);
    }

    /// The loop: hold the lease, drain the outbox, wait. Runs until the
    /// supervisor's token is cancelled, then hands the lease back so that
    /// another instance takes over at once rather than at expiry.
    pub async fn run(self: Arc<Self>, stop: crate::tasks::CancellationToken) {
        tokio::select! {
            _ = stop.cancelled() => {}
            _ = self.run_loop() => {}
        }
        self.set_leading(false);
        // Pooled connections opened on the HTTP workers' runtimes, which
        // have stopped by now, fail once each and are dropped: try past
        // them to a fresh connection (at most the pool's size).
        let mut attempts = 0;
        while let Err(e) = self.lease.release().await {
            attempts += 1;
            if attempts > RELEASE_ATTEMPTS {
                tracing::warn!(worker = self.name(), error = %e, "releasing the lease on shutdown");
                break;
            }
        }
    }

    async fn run_loop(&self) {
        let mut events = self.db.bus.subscribe();
        let mut leading = false;
        let mut prepared = false;
        // Consecutive failed steps; the wait after each follows the same
        // rule as a failed row's (`outbox::backoff`).
        let mut failures = 0;
        let renew_every = self.lease.ttl() / 3;
        let mut renewed = tokio::time::Instant::now();
        loop {
            if !leading || renewed.elapsed() >= renew_every {
                let now_leading = match self.lease.acquire().await {
                    Ok(l) => l,
                    Err(e) => {
                        tracing::warn!(worker = self.name(), error = %e, "renewing the lease");
                        false
                    }
                };
                if now_leading != leading {
                    tracing::info!(worker = self.name(), leading = now_leading, "worker lease");
                    self.set_leading(now_leading);
                    leading = now_leading;
                    // A new leader prepares afresh: another may have acted
                    // meanwhile.
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
                    self.handler.prepare(&self.lease).await?;
                    prepared = true;
                }
                self.drain_once().await
            };
            match step.await {
                Ok(n) => {
                    failures = 0;
                    let woken = n == 0 && self.idle(&mut events).await;
                    if (n as u64) < self.batch && !woken && !self.linger.is_zero() {
                        // No longer than the lease's renewal interval: the
                        // lease is renewed only between batches.
                        tokio::select! {
                            _ = tokio::time::sleep(self.linger.min(renew_every)) => {}
                            _ = self.wake.notified() => {}
                        }
                        // The next batch reads everything committed so
                        // far: what the bus said meanwhile is not news.
                        while let Ok(_) | Err(TryRecvError::Lagged(_)) = events.try_recv() {}
                    }
                }
                Err(e) => {
                    self.series.failed_batches.inc();
                    failures += 1;
                    let wait = outbox::backoff(failures);
                    tracing::warn!(worker = self.name(), error = %e, retry_in = ?wait, "worker batch failed");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }
}

/// Work kept as rows with due times (exports, closures, sessions' jobs)
/// rather than outbox events: [`run_due`] runs it on one instance at a
/// time. Each pass must be safe to repeat: a crash mid-pass leaves the
/// same rows due.
pub trait DueWork: Send + Sync {
    /// One pass over what has come due; failures are the pass's to log.
    fn pass(&self) -> impl Future<Output = ()> + Send;
}

/// Runs `work` while this instance holds `lease`: after each wake-up and
/// at least every `poll`, until `stop`; then hands the lease back.
pub async fn run_due<W: DueWork>(
    name: &'static str,
    work: &W,
    lease: &Lease,
    wake: &Notify,
    poll: Duration,
    stop: crate::tasks::CancellationToken,
) {
    let run = async {
        loop {
            let leading = match lease.acquire().await {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(worker = name, error = %e, "renewing the lease");
                    false
                }
            };
            if leading {
                work.pass().await;
            }
            tokio::select! {
                _ = wake.notified() => {}
                _ = tokio::time::sleep(poll) => {}
            }
        }
    };
    tokio::select! {
        _ = stop.cancelled() => {}
        _ = run => {}
    }
    let _ = lease.release().await;
}

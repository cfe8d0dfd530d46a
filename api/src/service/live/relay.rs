//! The relay: one per instance, between the bus and the subscribers.
//!
//! The bus is fast but may drop events (Redis away, a queue full); the event
//! log is complete. For every group with live subscribers here, the relay
//! remembers the last event it delivered by the group's gap-free sequence
//! (`event::Model::seq`) and hands each event on once, in order:
//! - an event that follows the last one is delivered at once;
//! - one already delivered is dropped;
//! - one that leaves a hole sends the relay to the log for what is missing;
//! - while this instance does not hear the others, it reads the log every
//!   `POLL_DOWN`, and once more when the bus returns. On a shared bus it also
//!   checks every `POLL_UP`, which bounds the delay of anything else the bus
//!   lost.
//!
//! When it cannot prove continuity (the log itself lacks an event, since
//! pruned) it says so with `Relayed::Resync` rather than stay silent.
use super::cache::LiveCache;
use crate::{
    error::{AppError, AppResult},
    store::Db,
};
use entity::{event, group};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::{
    broadcast::{self, error::RecvError},
    mpsc, oneshot, watch,
};
use uuid::Uuid;

/// How often the log is read while the bus is down.
const POLL_DOWN: Duration = Duration::from_millis(250);
/// How often it is checked while the bus is up.
const POLL_UP: Duration = Duration::from_secs(1);
/// Without Redis, the bus loses nothing short of a crash between commit
/// and publish; a slow check covers that.
const POLL_LOCAL: Duration = Duration::from_secs(5);
/// Events read from the log per statement, and statements per group per
/// turn; a group further behind goes on at the next turn.
const BATCH: u64 = 500;
const BATCHES_PER_TURN: usize = 4;
/// How long a group without subscribers stays tracked.
const IDLE_GRACE: Duration = Duration::from_secs(60);
/// A database that does not answer within this is treated as down.
const DB_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Clone, Debug)]
pub enum Relayed {
    Event(event::Model),
    /// Continuity of the group's stream cannot be shown: its subscribers
    /// should resume from their last cursor.
    Resync(Uuid),
}

enum Cmd {
    Track(Uuid, oneshot::Sender<AppResult<()>>),
    Untrack(Uuid),
}

pub struct Relay {
    out: broadcast::Sender<Relayed>,
    cmds: mpsc::UnboundedSender<Cmd>,
}

/// Keeps a group tracked while a subscriber holds it.
pub struct Tracked {
    group: Uuid,
    cmds: mpsc::UnboundedSender<Cmd>,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        let _ = self.cmds.send(Cmd::Untrack(self.group));
    }
}

impl Relay {
    /// `db` should be a background pool: polling is not request work.
    pub fn spawn(
        db: Db,
        cache: Arc<LiveCache>,
        capacity: usize,
        shared_bus: bool,
        tasks: &crate::tasks::Supervisor,
    ) -> Relay {
        let (out, _) = broadcast::channel(capacity.max(1));
        let (cmds, rx) = mpsc::unbounded_channel();
        let task = Task {
            events: db.bus.subscribe(),
            connected: db.bus.connected(),
            db,
            cache,
            out: out.clone(),
            groups: HashMap::new(),
            shared_bus,
        };
        tasks.spawn("live relay", task.run(rx));
        Relay { out, cmds }
    }

    /// Subscribe first, then `track`: whatever the relay delivers for the
    /// group after `track` returns follows what the log held at that moment.
    pub fn subscribe(&self) -> broadcast::Receiver<Relayed> {
        self.out.subscribe()
    }

    pub async fn track(&self, group: Uuid) -> AppResult<Tracked> {
        let (tx, rx) = oneshot::channel();
        let stopped = || AppError::internal(anyhow::anyhow!("the live relay has stopped"));
        self.cmds
            .send(Cmd::Track(group, tx))
            .map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())??;
        Ok(Tracked {
            group,
            cmds: self.cmds.clone(),
        })
    }
}

struct GroupState {
    /// The sequence number of the last event delivered.
    last_seq: i64,
    refs: usize,
    /// When the last subscriber left: kept for `IDLE_GRACE` so that
    /// subscribing again costs the relay nothing.
    idle_since: Option<Instant>,
    /// The log holds events not yet delivered.
    behind: bool,
}

struct Task {
    db: Db,
    cache: Arc<LiveCache>,
    out: broadcast::Sender<Relayed>,
    events: broadcast::Receiver<event::Model>,
    connected: watch::Receiver<bool>,
    groups: HashMap<Uuid, GroupState>,
    shared_bus: bool,
}

impl Task {
    async fn run(mut self, mut cmds: mpsc::UnboundedReceiver<Cmd>) {
        let mut tick = tokio::time::interval(POLL_DOWN);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_poll = Instant::now();
        let mut watching = true;
        loop {
            tokio::select! {
                biased;
                cmd = cmds.recv() => match cmd {
                    Some(Cmd::Track(group, reply)) => {
                        let r = self.track(group).await;
                        let tracked = r.is_ok();
                        // The subscriber gave up waiting: nobody will untrack.
                        if reply.send(r).is_err() && tracked {
                            self.untrack(group);
                        }
                    }
                    Some(Cmd::Untrack(group)) => self.untrack(group),
                    None => return,
                },
                r = self.events.recv() => match r {
                    Ok(e) => self.on_event(e).await,
                    Err(RecvError::Lagged(n)) => {
                        tracing::warn!(skipped = n, "live relay fell behind the bus; reading the log");
                        for g in self.groups.values_mut() {
                            g.behind = true;
                        }
                        self.poll().await;
                        last_poll = Instant::now();
                    }
                    Err(RecvError::Closed) => return,
                },
                changed = self.connected.changed(), if watching => {
                    if changed.is_err() {
                        watching = false;
                        continue;
                    }
                    // Down: poll from now on. Up again: the subscription is
                    // in place, so one more read of the log closes the gap.
                    self.poll().await;
                    last_poll = Instant::now();
                }
                _ = tick.tick() => {
                    self.groups.retain(|_, g| g.idle_since.is_none_or(|t| t.elapsed() < IDLE_GRACE));
                    let down = !*self.connected.borrow();
                    let due = last_poll.elapsed() >= if self.shared_bus { POLL_UP } else { POLL_LOCAL };
                    if down || due || self.groups.values().any(|g| g.behind) {
                        self.poll().await;
                        last_poll = Instant::now();
                    }
                }
            }
        }
    }

    async fn track(&mut self, group: Uuid) -> AppResult<()> {
        if let Some(g) = self.groups.get_mut(&group) {
            g.refs += 1;
            g.idle_since = None;
            return Ok(());
        }
        let seq: Option<i64> = with_timeout(
            group::Entity::find_by_id(group)
                .select_only()
                .column(group::Column::EventSeq)
                .into_tuple()
                .one(&self.db.conn),
        )
        .await?;
        let Some(last_seq) = seq else {
            return Err(AppError::NotFound);
        };
        self.groups.insert(
            group,
            GroupState {
                last_seq,
                refs: 1,
                behind: false,
                idle_since: None,
            },
        );
        Ok(())
    }

    fn untrack(&mut self, group: Uuid) {
        if let Some(g) = self.groups.get_mut(&group) {
            g.refs = g.refs.saturating_sub(1);
            if g.refs == 0 {
                g.idle_since = Some(Instant::now());
            }
        }
    }

    async fn on_event(&mut self, e: event::Model) {
        let Some(g) = self.groups.get_mut(&e.group_id) else {
            return;
        };
        // Zero: written by an instance older than the sequence (during a
        // rolling upgrade); it is in the log by id only.
        if e.seq == 0 {
            let _ = self.out.send(Relayed::Resync(e.group_id));
            return;
        }
        if e.seq <= g.last_seq {
            return;
        }
        if e.seq == g.last_seq + 1 && !g.behind {
            g.last_seq = e.seq;
            self.emit(e);
            return;
        }
        g.behind = true;
        self.catch_up(e.group_id).await;
    }

    /// Reads what the log holds past the last delivered event of every
    /// tracked group that has moved on.
    async fn poll(&mut self) {
        let ids: Vec<Uuid> = self.groups.keys().copied().collect();
        for chunk in ids.chunks(500) {
            let heads: Vec<(Uuid, i64)> = match with_timeout(
                group::Entity::find()
                    .select_only()
                    .column(group::Column::Id)
                    .column(group::Column::EventSeq)
                    .filter(group::Column::Id.is_in(chunk.iter().copied()))
                    .into_tuple()
                    .all(&self.db.conn),
            )
            .await
            {
                Ok(h) => h,
                Err(e) => {
                    tracing::warn!(error = %e, "live relay: reading the log");
                    return;
                }
            };
            for (id, head) in heads {
                let Some(g) = self.groups.get_mut(&id) else {
                    continue;
                };
                if head > g.last_seq {
                    g.behind = true;
                    self.catch_up(id).await;
                } else {
                    g.behind = false;
                }
            }
        }
    }

    /// Delivers the group's logged events after the last delivered one, in
    /// order. Leaves the group `behind` when the log could not be read or
    /// holds more than one turn's worth.
    async fn catch_up(&mut self, group: Uuid) {
        for _ in 0..BATCHES_PER_TURN {
            let Some(last) = self.groups.get(&group).map(|g| g.last_seq) else {
                return;
            };
            let rows = match with_timeout(
                event::Entity::find()
                    .filter(event::Column::GroupId.eq(group))
                    .filter(event::Column::Seq.gt(last))
                    .order_by_asc(event::Column::Seq)
                    .limit(BATCH)
                    .all(&self.db.conn),
            )
            .await
            {
                Ok(rows) => rows,
                Err(e) => {
                    tracing::warn!(error = %e, "live relay: reading the log");
                    return;
                }
            };
            let full = rows.len() as u64 == BATCH;
            let mut next = last + 1;
            for e in rows {
                if e.seq != next {
                    // Gone from the log (pruned): nobody can replay it.
                    let _ = self.out.send(Relayed::Resync(group));
                }
                next = e.seq + 1;
                self.emit(e);
            }
            if let Some(g) = self.groups.get_mut(&group) {
                g.last_seq = next - 1;
                if !full {
                    g.behind = false;
                    return;
                }
            }
        }
    }

    fn emit(&self, e: event::Model) {
        self.cache.forget(&e);
        // No receiver is not an error: nobody is listening.
        let _ = self.out.send(Relayed::Event(e));
    }
}

async fn with_timeout<T>(
    f: impl std::future::Future<Output = Result<T, sea_orm::DbErr>>,
) -> AppResult<T> {
    match tokio::time::timeout(DB_TIMEOUT, f).await {
        Ok(r) => Ok(r?),
        Err(_) => Err(AppError::unavailable("the database did not answer in time")),
    }
}

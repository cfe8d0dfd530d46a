//! The outbox: work for background workers, written in the transaction
//! that makes the change, so no committed change can be missed.
//!
//! Each worker is a consumer that names the event kinds it wants
//! (`CONSUMERS`); `append_event` writes one row per interested consumer.
//! A row is removed once its worker has handled it. A failed row is tried
//! again after a backoff that doubles with each attempt; a consumer with
//! `max_attempts` gives up after that many and marks the row dead, where it
//! stays for an operator to inspect or requeue.
use super::{events::changes_search, now, Db};
use entity::{enums::EventKind, event, outbox};
use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::{
    collections::{BTreeMap, HashMap},
    time::Duration,
};

/// A worker's subscription to the event log.
#[derive(Debug)]
pub struct Consumer {
    pub name: &'static str,
    pub wants: fn(EventKind) -> bool,
    /// Attempts before a row is dead-lettered; `None` retries for ever
    /// (for work that only an outage can fail, such as indexing).
    pub max_attempts: Option<i32>,
}

/// Every worker's subscription. A new worker adds its line here.
pub const CONSUMERS: &[Consumer] = &[
    Consumer {
        name: "search",
        wants: changes_search,
        max_attempts: None,
    },
    Consumer {
        name: NOTIFICATIONS,
        wants: crate::domain::notifications::caused_by,
        max_attempts: None,
    },
    // Rows come from the notifications worker, with the notifications.
    Consumer {
        name: PUSH,
        wants: |_| false,
        max_attempts: Some(30),
    },
    // The same for urgent flags and escalations: a queue of their own, so
    // that slow endpoints of ordinary pushes never hold them up.
    Consumer {
        name: PUSH_URGENT,
        wants: |_| false,
        max_attempts: Some(30),
    },
    Consumer {
        name: WEBHOOKS,
        wants: crate::domain::webhooks::wanted,
        max_attempts: None,
    },
    // Timers, not a subscription: rows come from `schedule`.
    Consumer {
        name: ESCALATION,
        wants: |_| false,
        max_attempts: None,
    },
];

/// The consumer that turns events into members' notifications.
pub const NOTIFICATIONS: &str = "notifications";

/// The consumer that pushes notifications to members' devices.
pub const PUSH: &str = "push";

/// The consumer that pushes urgent flags and escalations.
pub const PUSH_URGENT: &str = "push-urgent";

/// The consumer that turns events into webhook deliveries.
pub const WEBHOOKS: &str = "webhooks";

/// The consumer whose rows are urgent flags' escalation deadlines.
pub const ESCALATION: &str = "escalation";

pub fn consumer(name: &str) -> Option<&'static Consumer> {
    CONSUMERS.iter().find(|c| c.name == name)
}

/// Backoff after `attempts` failures: 200 ms doubling, at most 30 s.
pub fn backoff(attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 16) as u32 - 1;
    Duration::from_millis(200u64.saturating_mul(1 << exp)).min(Duration::from_secs(30))
}

/// One row to handle, with the event it names.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    pub attempts: i32,
    pub event: event::Model,
}

/// Queues `e` for every consumer that wants its kind, inside the
/// transaction that appended it.
pub async fn enqueue(txn: &DatabaseTransaction, e: &event::Model) -> Result<(), DbErr> {
    let rows: Vec<_> = consumers_of(e.kind)
        .map(|c| row(c, e.id, e.created_at))
        .collect();
    insert(txn, rows).await
}

async fn insert(txn: &DatabaseTransaction, rows: Vec<outbox::ActiveModel>) -> Result<(), DbErr> {
    if !rows.is_empty() {
        outbox::Entity::insert_many(rows)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}

/// The consumers that want events of `kind`.
pub fn consumers_of(kind: EventKind) -> impl Iterator<Item = &'static str> {
    CONSUMERS
        .iter()
        .filter(move |c| (c.wants)(kind))
        .map(|c| c.name)
}

/// Queues event `event_id` for `consumer` at `due` rather than now: a timer
/// that survives restarts, for work that must happen later unless
/// something changes first (the handler checks). The row counts as waiting
/// only from `due`, so lag metrics stay honest.
pub async fn schedule(
    txn: &DatabaseTransaction,
    consumer: &str,
    event_id: i64,
    due: chrono::DateTime<chrono::Utc>,
) -> Result<(), DbErr> {
    insert(txn, vec![row(consumer, event_id, due)]).await
}

/// `schedule` for several events at once, in one statement.
pub async fn schedule_many(
    txn: &DatabaseTransaction,
    consumer: &str,
    event_ids: &[i64],
    due: chrono::DateTime<chrono::Utc>,
) -> Result<(), DbErr> {
    insert(
        txn,
        event_ids.iter().map(|id| row(consumer, *id, due)).collect(),
    )
    .await
}

fn row(consumer: &str, event_id: i64, at: chrono::DateTime<chrono::Utc>) -> outbox::ActiveModel {
    outbox::ActiveModel {
        id: sea_orm::NotSet,
        consumer: Set(consumer.to_owned()),
        event_id: Set(event_id),
        attempts: Set(0),
        next_attempt_at: Set(at),
        last_error: Set(None),
        dead_at: Set(None),
        created_at: Set(at),
    }
}

/// The consumer's oldest rows that are due, at most `limit`, with their
/// events. Two statements whatever the batch size.
pub async fn due(db: &Db, consumer: &str, limit: u64) -> Result<Vec<Job>, DbErr> {
    // The consumer is written into the statement, not bound: Postgres then
    // plans each consumer's poll with that consumer's share of the table.
    // Bound, one consumer's backlog could make the plan it caches for all
    // of them walk the primary key through that backlog on every poll.
    let named = match self::consumer(consumer) {
        Some(c) if literal_safe(c.name) => {
            Expr::cust(format!("\"outbox\".\"consumer\" = '{}'", c.name))
        }
        _ => outbox::Column::Consumer.eq(consumer),
    };
    let rows = outbox::Entity::find()
        .filter(named)
        .filter(outbox::Column::DeadAt.is_null())
        .filter(outbox::Column::NextAttemptAt.lte(now()))
        .order_by_asc(outbox::Column::Id)
        .limit(limit)
        .all(&db.conn)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let events: HashMap<i64, event::Model> = event::Entity::find()
        .filter(event::Column::Id.is_in(rows.iter().map(|r| r.event_id)))
        .all(&db.conn)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let mut jobs = Vec::with_capacity(rows.len());
    let mut orphans = Vec::new();
    for r in rows {
        // The pruner keeps events that rows name; an orphan can only come
        // from a manual deletion, and has nothing left to handle.
        match events.get(&r.event_id).cloned() {
            Some(event) => jobs.push(Job {
                id: r.id,
                attempts: r.attempts,
                event,
            }),
            None => orphans.push(r.id),
        }
    }
    if !orphans.is_empty() {
        tracing::warn!(
            consumer,
            rows = orphans.len(),
            "outbox rows whose event is gone"
        );
        outbox::Entity::delete_many()
            .filter(outbox::Column::Id.is_in(orphans))
            .exec(&db.conn)
            .await?;
    }
    Ok(jobs)
}

/// A consumer's name as it may appear in SQL text.
fn literal_safe(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
}

/// Removes handled rows.
pub async fn complete(txn: &DatabaseTransaction, ids: &[i64]) -> Result<(), DbErr> {
    if !ids.is_empty() {
        outbox::Entity::delete_many()
            .filter(outbox::Column::Id.is_in(ids.iter().copied()))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Queues the events again as fresh rows (for work done by a worker that
/// lost its lease meanwhile: the new holder redoes it).
pub async fn requeue(
    txn: &DatabaseTransaction,
    consumer: &str,
    event_ids: &[i64],
) -> Result<(), DbErr> {
    let t = now();
    let rows: Vec<_> = event_ids.iter().map(|id| row(consumer, *id, t)).collect();
    insert(txn, rows).await
}

/// Records a failed attempt on each job: retried after a backoff, or dead
/// once the consumer's attempts are spent. Returns how many died. Rows that
/// failed alike (a batch during an outage) share one statement.
pub async fn fail(db: &Db, consumer: &Consumer, failed: &[(&Job, String)]) -> anyhow::Result<u64> {
    let mut alike: BTreeMap<(i32, &str), Vec<i64>> = BTreeMap::new();
    for (job, error) in failed {
        alike
            .entry((job.attempts.saturating_add(1), error.as_str()))
            .or_default()
            .push(job.id);
    }
    let t = now();
    let mut dead = 0;
    let w = db.write().await?;
    for ((attempts, error), ids) in alike {
        let gives_up = consumer.max_attempts.is_some_and(|m| attempts >= m);
        let retry_at = t + chrono::Duration::from_std(backoff(attempts)).unwrap_or_default();
        // Errors can be long; the row keeps enough to diagnose.
        let error: String = error.chars().take(1000).collect();
        let n = ids.len() as u64;
        outbox::Entity::update_many()
            .col_expr(outbox::Column::Attempts, Expr::value(attempts))
            .col_expr(outbox::Column::NextAttemptAt, Expr::value(retry_at))
            .col_expr(outbox::Column::LastError, Expr::value(error))
            .col_expr(outbox::Column::DeadAt, Expr::value(gives_up.then_some(t)))
            .filter(outbox::Column::Id.is_in(ids))
            .exec(&w.txn)
            .await?;
        if gives_up {
            dead += n;
        }
    }
    db.commit(w).await?;
    Ok(dead)
}

/// Live rows, the age of the oldest, and dead rows, for `/metrics`.
pub struct Stats {
    pub depth: i64,
    pub oldest: Option<chrono::DateTime<chrono::Utc>>,
    pub dead: i64,
}

pub async fn stats(db: &impl ConnectionTrait, consumer: &str) -> Result<Stats, DbErr> {
    let (depth, oldest): (i64, Option<chrono::DateTime<chrono::Utc>>) = outbox::Entity::find()
        .select_only()
        .column_as(outbox::Column::Id.count(), "depth")
        .column_as(outbox::Column::CreatedAt.min(), "oldest")
        .filter(outbox::Column::Consumer.eq(consumer))
        .filter(outbox::Column::DeadAt.is_null())
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or((0, None));
    let dead: i64 = outbox::Entity::find()
        .select_only()
        .column_as(outbox::Column::Id.count(), "dead")
        .filter(outbox::Column::Consumer.eq(consumer))
        .filter(outbox::Column::DeadAt.is_not_null())
        .into_tuple()
        .one(db)
        .await?
        .unwrap_or(0);
    Ok(Stats {
        depth,
        oldest,
        dead,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_consumer_name_is_written_as_a_literal() {
        for c in CONSUMERS {
            assert!(literal_safe(c.name), "{}", c.name);
        }
        assert!(!literal_safe("push'; --"));
        assert!(!literal_safe(""));
    }
}

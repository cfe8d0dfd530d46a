//! The per-group event log: appended in the same transaction as the change.
use super::{now, WriteTxn};
use crate::error::{AppError, AppResult};
use entity::{enums::EventKind, event};
use sea_orm::{ActiveEnum, ActiveModelTrait, ConnectionTrait, DbBackend, NotSet, Set, Statement};
use uuid::Uuid;

#[derive(Debug, Default, Clone, Copy)]
pub struct Subject {
    pub thread_id: Option<Uuid>,
    pub post_id: Option<Uuid>,
    pub member_id: Option<Uuid>,
    pub flag_id: Option<Uuid>,
    pub action_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
}

impl Subject {
    /// A post, in its thread.
    pub fn post(thread_id: Uuid, post_id: Uuid) -> Self {
        Subject {
            thread_id: Some(thread_id),
            post_id: Some(post_id),
            ..Default::default()
        }
    }

    pub fn thread(thread_id: Uuid) -> Self {
        Subject {
            thread_id: Some(thread_id),
            ..Default::default()
        }
    }

    pub fn session(session_id: Uuid) -> Self {
        Subject {
            session_id: Some(session_id),
            ..Default::default()
        }
    }

    pub fn member(user_id: Uuid) -> Self {
        Subject {
            member_id: Some(user_id),
            ..Default::default()
        }
    }
}

impl WriteTxn {
    /// On Postgres, concurrent transactions draw event ids from a sequence
    /// in start order but commit in any order; a reader resuming "after id
    /// N" could then miss an id below N that committed later. Holding the
    /// group's row lock until commit makes a group's event ids increase in
    /// commit order. Writers take it first (`Db::write_in`), so all of a
    /// group's writers lock in one order. NO KEY UPDATE, not UPDATE: inserts
    /// that reference the group take KEY SHARE locks on its row, which this
    /// must not wait for. (SQLite has one writer at a time.)
    pub async fn lock_group(&mut self, group_id: Uuid) -> AppResult<()> {
        if self.txn.get_database_backend() == DbBackend::Postgres
            && self.locked_group != Some(group_id)
        {
            self.txn
                .execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT 1 FROM groups WHERE id = $1 FOR NO KEY UPDATE",
                    [group_id.into()],
                ))
                .await?;
            self.locked_group = Some(group_id);
        }
        Ok(())
    }

    pub async fn append_event(
        &mut self,
        group_id: Uuid,
        kind: EventKind,
        actor_id: Option<Uuid>,
        subject: Subject,
    ) -> AppResult<i64> {
        self.lock_group(group_id).await?;
        let backend = self.txn.get_database_backend();
        let at = now();
        let model = if backend == DbBackend::Postgres {
            self.append_pg(group_id, kind, actor_id, subject, at)
                .await?
        } else {
            // The next number in the group's sequence, under SQLite's one
            // writer.
            let seq: i64 = self
                .txn
                .query_one_raw(Statement::from_sql_and_values(
                    backend,
                    "UPDATE groups SET event_seq = event_seq + 1 WHERE id = ? RETURNING event_seq",
                    [group_id.into()],
                ))
                .await?
                .ok_or_else(|| AppError::internal(anyhow::anyhow!("event for a missing group")))?
                .try_get_by_index(0)?;
            let model = event::ActiveModel {
                id: NotSet,
                group_id: Set(group_id),
                seq: Set(seq),
                kind: Set(kind),
                thread_id: Set(subject.thread_id),
                post_id: Set(subject.post_id),
                member_id: Set(subject.member_id),
                flag_id: Set(subject.flag_id),
                action_id: Set(subject.action_id),
                actor_id: Set(actor_id),
                created_at: Set(at),
                session_id: Set(subject.session_id),
            }
            .insert(&self.txn)
            .await?;
            super::outbox::enqueue(&self.txn, &model).await?;
            model
        };
        let id = model.id;
        self.pending.push(model);
        Ok(id)
    }

    /// The sequence number, the event and its outbox rows in one statement:
    /// a write holds its group's lock across every round trip it makes.
    /// The sequence is drawn under the row lock this transaction holds.
    async fn append_pg(
        &mut self,
        group_id: Uuid,
        kind: EventKind,
        actor_id: Option<Uuid>,
        subject: Subject,
        at: chrono::DateTime<chrono::Utc>,
    ) -> AppResult<event::Model> {
        let consumers: Vec<&'static str> = super::outbox::consumers_of(kind).collect();
        // One placeholder per consumer (a handful); no outbox insert for none.
        let outbox = if consumers.is_empty() {
            String::new()
        } else {
            let values: Vec<String> = (0..consumers.len())
                .map(|i| format!("(${})", 11 + i))
                .collect();
            format!(
                ", o AS (INSERT INTO outbox (consumer, event_id, attempts, next_attempt_at, \
                 created_at) SELECT v.c, e.id, 0, $9, $9 FROM e, (VALUES {}) AS v(c))",
                values.join(", ")
            )
        };
        let sql = format!(
            "WITH s AS (UPDATE groups SET event_seq = event_seq + 1 WHERE id = $1 \
             RETURNING event_seq), \
             e AS (INSERT INTO events (group_id, seq, kind, thread_id, post_id, member_id, \
             flag_id, action_id, actor_id, created_at, session_id) \
             SELECT $1, s.event_seq, $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM s \
             RETURNING id, seq){outbox} \
             SELECT id, seq FROM e"
        );
        let mut values: Vec<sea_orm::Value> = vec![
            group_id.into(),
            kind.to_value().into(),
            subject.thread_id.into(),
            subject.post_id.into(),
            subject.member_id.into(),
            subject.flag_id.into(),
            subject.action_id.into(),
            actor_id.into(),
            at.into(),
            subject.session_id.into(),
        ];
        values.extend(consumers.iter().map(|c| (*c).into()));
        let row = self
            .txn
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                sql,
                values,
            ))
            .await?
            .ok_or_else(|| AppError::internal(anyhow::anyhow!("event for a missing group")))?;
        Ok(event::Model {
            id: row.try_get_by_index(0)?,
            group_id,
            seq: row.try_get_by_index(1)?,
            kind,
            thread_id: subject.thread_id,
            post_id: subject.post_id,
            member_id: subject.member_id,
            flag_id: subject.flag_id,
            action_id: subject.action_id,
            actor_id,
            created_at: at,
            session_id: subject.session_id,
        })
    }
}

/// Whether an event changes what search may find of its post: the search
/// worker's subscription (`outbox::CONSUMERS`).
pub fn changes_search(kind: EventKind) -> bool {
    matches!(
        kind,
        // A new thread's event names its opening post.
        EventKind::ThreadCreated
            | EventKind::PostCreated
            | EventKind::PostEdited
            | EventKind::PostDeleted
            | EventKind::PostHidden
            | EventKind::PostRestored
    )
}

/// Deletes events older than the retention, so the log does not grow
/// without bound, except those an outbox row still names. Runs at start-up
/// and then hourly, until the supervisor stops it.
pub async fn prune_forever(db: super::Db, retention_days: i64) {
    use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let cutoff = now() - chrono::Duration::days(retention_days);
        match event::Entity::delete_many()
            .filter(event::Column::CreatedAt.lt(cutoff))
            .filter(Expr::cust(
                "NOT EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = events.id)",
            ))
            .exec(&db.conn)
            .await
        {
            Ok(r) if r.rows_affected > 0 => {
                tracing::info!(deleted = r.rows_affected, "pruned the event log")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "pruning the event log"),
        }
    }
}

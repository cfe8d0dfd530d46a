//! The sessions worker: opens check-in threads, sends reminders, announces
//! starts, and closes sessions (DONE, with a closing-reflection thread),
//! each at its time.
//!
//! The work is `session_jobs` rows with due times, run under the kit's
//! lease so one instance works at a time. Each job runs in one transaction
//! under its group's lock that also marks it done: a crash before the
//! commit leaves it due, and a second instance that got there first leaves
//! nothing to do. So each thread opens exactly once.
use crate::{
    error::AppResult,
    store::{events::Subject, lease::Lease, now, Db},
};
use entity::{
    enums::{EventKind, SessionJobKind, SessionStatus},
    group, group_session, session_job,
};
use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::{sync::Arc, time::Duration};
use tokio::sync::Notify;

pub const WORKER: &str = "sessions";
const LEASE_TTL: Duration = Duration::from_secs(15);
const POLL: Duration = Duration::from_secs(1);
const BATCH: u64 = 50;
/// Seconds before a failed job is tried again.
const RETRY_AFTER: i64 = 60;

pub struct SessionWorker {
    db: Db,
    lease: Lease,
    wake: Arc<Notify>,
}

impl crate::worker::DueWork for SessionWorker {
    async fn pass(&self) {
        if let Err(e) = self.due_work().await {
            tracing::warn!(worker = WORKER, error = %e, "session work failed; retrying");
        }
    }
}

impl SessionWorker {
    pub fn new(db: Db, wake: Arc<Notify>) -> Self {
        SessionWorker {
            lease: Lease::new(db.clone(), WORKER, LEASE_TTL),
            db,
            wake,
        }
    }

    pub async fn run(self: Arc<Self>, stop: crate::tasks::CancellationToken) {
        crate::worker::run_due(WORKER, &*self, &self.lease, &self.wake, POLL, stop).await
    }

    /// Every job come due, oldest first. One failing job does not hold up
    /// the others; it stays due and is tried on the next pass.
    pub async fn due_work(&self) -> AppResult<()> {
        let due = session_job::Entity::find()
            .filter(session_job::Column::DoneAt.is_null())
            .filter(session_job::Column::DueAt.lte(now()))
            .order_by_asc(session_job::Column::DueAt)
            .limit(BATCH)
            .all(&self.db.conn)
            .await?;
        for job in due {
            if let Err(e) = self.run_job(&job).await {
                tracing::warn!(job = %job.id, kind = ?job.kind, error = %e, "a session job failed");
                // Tried again a minute later, so that failing jobs never
                // stand in front of the others.
                session_job::Entity::update_many()
                    .col_expr(
                        session_job::Column::DueAt,
                        Expr::value(now() + chrono::Duration::seconds(RETRY_AFTER)),
                    )
                    .filter(session_job::Column::Id.eq(job.id))
                    .exec(&self.db.conn)
                    .await?;
            }
        }
        Ok(())
    }

    async fn run_job(&self, job: &session_job::Model) -> AppResult<()> {
        let mut w = self.db.write_in(job.group_id).await?;
        let Some(job) = session_job::Entity::find_by_id(job.id).one(&w.txn).await? else {
            return Ok(());
        };
        if job.done_at.is_some() {
            return Ok(());
        }
        let t = now();
        let session = group_session::Entity::find_by_id(job.session_id)
            .one(&w.txn)
            .await?;
        let archived = group::Entity::find_by_id(job.group_id)
            .one(&w.txn)
            .await?
            .is_none_or(|g| g.archived_at.is_some());
        if let Some(s) = session.filter(|s| s.status == SessionStatus::Scheduled) {
            match job.kind {
                SessionJobKind::OpenCheckIn if !archived => {
                    super::sessions::ensure_check_in_thread(&mut w, &s, t).await?;
                }
                SessionJobKind::Remind if !archived => {
                    w.append_event(
                        s.group_id,
                        EventKind::SessionReminder,
                        None,
                        Subject {
                            session_id: Some(s.id),
                            thread_id: s.check_in_thread_id,
                            ..Default::default()
                        },
                    )
                    .await?;
                }
                SessionJobKind::Start if !archived => {
                    w.append_event(
                        s.group_id,
                        EventKind::SessionStarting,
                        None,
                        Subject::session(s.id),
                    )
                    .await?;
                }
                SessionJobKind::End => {
                    group_session::Entity::update_many()
                        .col_expr(
                            group_session::Column::Status,
                            Expr::value(SessionStatus::Done),
                        )
                        .filter(group_session::Column::Id.eq(s.id))
                        .exec(&w.txn)
                        .await?;
                    if !archived {
                        super::sessions::open_closing_thread(&mut w, &s, t).await?;
                    }
                }
                _ => {}
            }
        }
        session_job::Entity::update_many()
            .col_expr(session_job::Column::DoneAt, Expr::value(t))
            .filter(session_job::Column::Id.eq(job.id))
            .exec(&w.txn)
            .await?;
        self.db.commit(w).await
    }
}

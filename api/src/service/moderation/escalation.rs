//! Escalation of URGENT flags that nobody took in hand. Raising an URGENT
//! flag schedules an outbox row due at its deadline (`insert_flag`); this
//! worker handles the rows that come due. A flag still open and
//! unacknowledged then escalates: a FLAG_ESCALATED moderation event for
//! every facilitator of the group and every admin, and an entry in the
//! moderation log. The deadline is a row, so a restart loses no timer.
use super::flags::log_flag_action;
use crate::{
    error::AppResult,
    store::{now, outbox::Job, Db},
    worker::Handler,
};
use entity::{
    enums::{EventKind, FlagStatus, ModerationActionKind},
    event, flag,
};
use sea_orm::{sea_query::Expr, ColumnTrait, EntityTrait, QueryFilter};

pub use crate::store::outbox::ESCALATION as WORKER;
pub type EscalationWorker = crate::worker::Worker<Escalator>;

pub struct Escalator {
    db: Db,
    after: chrono::Duration,
}

impl Escalator {
    pub fn new(db: Db, after: chrono::Duration) -> Self {
        Escalator { db, after }
    }

    /// Escalates the event's flag if it is still open and unacknowledged.
    /// Idempotent: a flag escalates once, however often its row is handled.
    async fn escalate(&self, e: &event::Model) -> AppResult<()> {
        let Some(flag_id) = e.flag_id else {
            return Ok(());
        };
        let Some(found) = flag::Entity::find_by_id(flag_id).one(&self.db.conn).await? else {
            return Ok(());
        };
        if !pending(&found) {
            return Ok(());
        }
        let mut w = self.db.write_in(found.group_id).await?;
        // Conditional: an acknowledgement that committed meanwhile wins.
        let marked = flag::Entity::update_many()
            .col_expr(flag::Column::EscalatedAt, Expr::value(now()))
            .filter(flag::Column::Id.eq(found.id))
            .filter(flag::Column::Status.eq(FlagStatus::Open))
            .filter(flag::Column::AcknowledgedAt.is_null())
            .filter(flag::Column::EscalatedAt.is_null())
            .exec(&w.txn)
            .await?;
        if marked.rows_affected == 1 {
            log_flag_action(
                &mut w,
                &found,
                ModerationActionKind::EscalateFlag,
                None,
                Some(format!(
                    "Urgent flag not acknowledged within {}.",
                    describe(self.after)
                )),
                EventKind::FlagEscalated,
            )
            .await?;
            tracing::warn!(flag = %found.id, group = %found.group_id, "urgent flag escalated");
        }
        self.db.commit(w).await?;
        Ok(())
    }
}

/// Whether the flag still waits for a person.
fn pending(f: &flag::Model) -> bool {
    f.status == FlagStatus::Open && f.acknowledged_at.is_none() && f.escalated_at.is_none()
}

fn describe(d: chrono::Duration) -> String {
    let secs = d.num_seconds();
    match (secs % 60, secs / 60) {
        (0, 1) => "1 minute".into(),
        (0, m) => format!("{m} minutes"),
        (_, _) => format!("{secs} seconds"),
    }
}

impl Handler for Escalator {
    async fn handle(&self, jobs: &[Job]) -> anyhow::Result<Vec<(i64, String)>> {
        let mut failed = Vec::new();
        for job in jobs {
            if let Err(e) = self.escalate(&job.event).await {
                failed.push((job.id, e.to_string()));
            }
        }
        Ok(failed)
    }
}

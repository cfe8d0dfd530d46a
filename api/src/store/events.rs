//! The per-group event log: appended in the same transaction as the change.
use super::{now, WriteTxn};
use crate::error::AppResult;
use entity::{enums::EventKind, event};
use sea_orm::{ActiveModelTrait, NotSet, Set};
use uuid::Uuid;

#[derive(Debug, Default, Clone, Copy)]
pub struct Subject {
    pub thread_id: Option<Uuid>,
    pub post_id: Option<Uuid>,
    pub member_id: Option<Uuid>,
    pub flag_id: Option<Uuid>,
    pub action_id: Option<Uuid>,
}

impl WriteTxn {
    pub async fn append_event(
        &mut self,
        group_id: Uuid,
        kind: EventKind,
        actor_id: Option<Uuid>,
        subject: Subject,
    ) -> AppResult<i64> {
        let model = event::ActiveModel {
            id: NotSet,
            group_id: Set(group_id),
            kind: Set(kind),
            thread_id: Set(subject.thread_id),
            post_id: Set(subject.post_id),
            member_id: Set(subject.member_id),
            flag_id: Set(subject.flag_id),
            action_id: Set(subject.action_id),
            actor_id: Set(actor_id),
            created_at: Set(now()),
        }
        .insert(&self.txn)
        .await?;
        let id = model.id;
        self.pending.push(model);
        Ok(id)
    }
}

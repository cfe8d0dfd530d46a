use crate::enums::SessionJobKind;
use sea_orm::entity::prelude::*;

/// Work a session needs at a time: done once, by whichever instance holds
/// the sessions lease; `done_at` is set in the same transaction as the work.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "session_jobs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub session_id: Uuid,
    pub group_id: Uuid,
    pub kind: SessionJobKind,
    pub due_at: DateTimeUtc,
    pub done_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

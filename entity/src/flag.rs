use crate::enums::{FlagReason, FlagSource, FlagStatus};
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "flags")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub post_id: Uuid,
    pub group_id: Uuid,
    /// The flagged post's author, so that a facilitator's own posts can be
    /// kept out of their queue without a join.
    pub post_author_id: Option<Uuid>,
    /// None for flags raised by the service itself.
    pub reporter_id: Option<Uuid>,
    pub reason: FlagReason,
    pub source: FlagSource,
    /// true for URGENT; sorts before NORMAL in the review queue.
    pub urgent: bool,
    pub status: FlagStatus,
    pub note: Option<String>,
    /// The post's body when it was flagged: later edits cannot hide the evidence.
    pub body_snapshot: Option<String>,
    pub created_at: DateTimeUtc,
    pub resolved_at: Option<DateTimeUtc>,
    pub resolved_by: Option<Uuid>,
    pub resolution_note: Option<String>,
    /// When a facilitator or admin took the flag in hand; closing it also
    /// sets this. An URGENT flag unacknowledged at its deadline escalates.
    pub acknowledged_at: Option<DateTimeUtc>,
    pub acknowledged_by: Option<Uuid>,
    pub escalated_at: Option<DateTimeUtc>,
    /// For a flag about a check-in: the check-in. Its post is then the
    /// session's check-in thread's opening post, and `post_author_id` the
    /// member who checked in.
    pub check_in_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

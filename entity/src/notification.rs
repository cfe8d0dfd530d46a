use crate::enums::NotificationKind;
use sea_orm::entity::prelude::*;

/// Something that concerns a member. It names objects by id; what the
/// member may see of them is decided when the inbox is read.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    /// UUIDv7: newest first is highest id first.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub kind: NotificationKind,
    pub group_id: Uuid,
    pub thread_id: Option<Uuid>,
    pub post_id: Option<Uuid>,
    pub flag_id: Option<Uuid>,
    /// Who did it; None for what Hearth did (flags, escalations). For
    /// REACTION, the latest to react.
    pub actor_id: Option<Uuid>,
    /// The event that caused it (the first, for folded reactions).
    pub event_id: i64,
    pub created_at: DateTimeUtc,
    /// Moved on when a new reaction folds into an unread REACTION.
    pub updated_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
    /// The group session it is about (SESSION_REMINDER).
    pub session_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use crate::enums::ModerationActionKind;
use sea_orm::entity::prelude::*;

/// Append-only audit log of facilitator actions. No foreign keys to posts or
/// users, so an entry outlives what it concerns.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "moderation_actions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub group_id: Uuid,
    pub action: ModerationActionKind,
    pub actor_id: Option<Uuid>,
    pub reason: Option<String>,
    pub post_id: Option<Uuid>,
    /// For actions on a flag: the flagged post's author, so that the entry
    /// is kept from that author when they facilitate the group.
    pub post_author_id: Option<Uuid>,
    pub thread_id: Option<Uuid>,
    pub member_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

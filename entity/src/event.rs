use crate::enums::EventKind;
use sea_orm::entity::prelude::*;

/// The per-group event log. Every write appends here in the same transaction
/// as the change; live updates, moderation alerts and search indexing read it.
/// Serialisable: events travel between instances over the bus.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize, serde::Deserialize)]
#[sea_orm(table_name = "events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub group_id: Uuid,
    /// The event's place in its group's log: 1, 2, 3… without holes.
    /// Zero from an instance that predates the sequence.
    #[serde(default)]
    pub seq: i64,
    pub kind: EventKind,
    pub thread_id: Option<Uuid>,
    pub post_id: Option<Uuid>,
    /// The user the event is about (joined, left, muted, removed).
    pub member_id: Option<Uuid>,
    pub flag_id: Option<Uuid>,
    pub action_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    /// The group session it is about.
    #[serde(default)]
    pub session_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// The access audit: someone read a member's sensitive data, or an admin
/// read a group they are not in. Append-only: nothing updates a row, and
/// only the retention sweep deletes one.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "access_events")]
pub struct Model {
    /// UUIDv7: ordering by id is ordering by time.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `domain::audit::AccessKind`, stored by name.
    pub kind: String,
    /// Who read; None for Hearth itself.
    pub actor_id: Option<Uuid>,
    /// Whose data was read; None for a whole group (break-glass).
    pub subject_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub post_id: Option<Uuid>,
    pub flag_id: Option<Uuid>,
    /// The reason an admin gave for a break-glass read or a closure.
    pub reason: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "groups")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub description: String,
    pub created_at: DateTimeUtc,
    /// The last number drawn for the group's events (`event::Model::seq`).
    pub event_seq: i64,
    /// Set when the group was archived: members read, nobody writes.
    pub archived_at: Option<DateTimeUtc>,
    /// Posts older than this many days become tombstones.
    pub retention_days: Option<i32>,
    /// When the group is purged; set by a deletion, which archives it and
    /// leaves members this long to export their data.
    pub delete_after: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

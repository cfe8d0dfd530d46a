use sea_orm::entity::prelude::*;

/// A member's data export: requested, built by a background job, then
/// downloadable by that member until it expires.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "data_exports")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// "pending", "ready", "failed"; expiry is read from `expires_at`.
    pub status: String,
    pub requested_at: DateTimeUtc,
    pub ready_at: Option<DateTimeUtc>,
    pub expires_at: Option<DateTimeUtc>,
    /// The JSON archive; dropped when it expires.
    pub archive: Option<Vec<u8>>,
    pub attempts: i32,
    pub last_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

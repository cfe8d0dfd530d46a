use sea_orm::entity::prelude::*;

/// A push that was sent, or given up on, for a notification and a
/// subscription: a retried batch skips it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "push_deliveries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub notification_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub subscription_id: Uuid,
    /// The push service's HTTP status.
    pub status: i32,
    pub sent_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A member's notification settings: quiet hours, in their time zone.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notification_settings")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// Local "HH:MM"; both or neither.
    pub quiet_start: Option<String>,
    pub quiet_end: Option<String>,
    /// IANA name, such as "Europe/London".
    pub time_zone: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

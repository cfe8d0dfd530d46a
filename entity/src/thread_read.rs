use crate::enums::NotificationLevel;
use sea_orm::entity::prelude::*;

/// A member's state in a thread.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "thread_reads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub thread_id: Uuid,
    pub group_id: Uuid,
    /// The last post read; None for nothing read beyond the default (what
    /// was written before the member joined).
    pub read_post_id: Option<Uuid>,
    /// None: the default (WATCHING where they started or posted in the
    /// thread, NORMAL otherwise).
    pub notification_level: Option<NotificationLevel>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

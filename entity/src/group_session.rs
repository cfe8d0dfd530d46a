use crate::enums::SessionStatus;
use sea_orm::entity::prelude::*;

/// One meeting of a group (named apart from `session`, a login session).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "group_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub group_id: Uuid,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    /// The IANA zone its series follows.
    pub time_zone: String,
    pub status: SessionStatus,
    pub video_url: Option<String>,
    pub cancel_reason: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    /// Set once check-ins opened.
    pub check_in_thread_id: Option<Uuid>,
    /// Set once the session ended.
    pub closing_thread_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

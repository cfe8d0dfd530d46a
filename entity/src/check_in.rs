use crate::enums::CheckInVisibility;
use sea_orm::entity::prelude::*;

/// A member's check-in for a session: a mood from 0 to 10 and a note.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "check_ins")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub session_id: Uuid,
    pub group_id: Uuid,
    pub user_id: Uuid,
    pub mood: i16,
    pub note: Option<String>,
    /// What crisis detection found in the note (`Risk::stored`).
    pub risk: Option<String>,
    pub visibility: CheckInVisibility,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::group_session::Entity",
        from = "Column::SessionId",
        to = "super::group_session::Column::Id"
    )]
    GroupSession,
}

impl Related<super::group_session::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::GroupSession.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

use crate::enums::PlatformRole;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Login handle, stored lower-cased. Never shown to other users.
    #[sea_orm(unique)]
    pub handle: String,
    pub display_name: String,
    /// None for accounts that sign in through an external identity provider.
    pub password_hash: Option<String>,
    /// The `sub` claim of an external identity provider.
    #[sea_orm(unique)]
    pub external_subject: Option<String>,
    pub role: PlatformRole,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

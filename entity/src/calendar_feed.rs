use sea_orm::entity::prelude::*;

/// A member's calendar feed. Its URL's token is derived from the version
/// (nothing secret is stored); rotating bumps the version, and every
/// earlier URL stops working.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calendar_feeds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub version: i32,
    /// The member opted in to video links in the feed.
    pub include_video: bool,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

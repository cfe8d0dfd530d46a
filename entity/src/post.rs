use crate::enums::PostState;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "posts")]
pub struct Model {
    /// UUIDv7: ordering by id is ordering by creation time.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub thread_id: Uuid,
    /// Denormalised from the thread so that permission checks and search
    /// filters need no join.
    pub group_id: Uuid,
    pub author_id: Option<Uuid>,
    /// None once the author deletes the post.
    pub body: Option<String>,
    pub content_warning: Option<String>,
    pub reply_to_id: Option<Uuid>,
    pub state: PostState,
    pub created_at: DateTimeUtc,
    pub edited_at: Option<DateTimeUtc>,
    /// The crisis level found in the current text ("elevated", "urgent");
    /// None for no risk, and for posts written before it was kept.
    pub risk: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use crate::enums::ThreadKind;
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "threads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub group_id: Uuid,
    pub author_id: Option<Uuid>,
    pub title: String,
    pub kind: ThreadKind,
    pub pinned: bool,
    pub locked: bool,
    /// Kept in step with the posts, so `postCount` costs no query.
    pub visible_posts: i32,
    pub hidden_posts: i32,
    pub created_at: DateTimeUtc,
    pub last_activity_at: DateTimeUtc,
    /// Set when the thread is created; None only for rows older than it.
    pub opening_post_id: Option<Uuid>,
    /// The opening post is hidden, and with it the title, for members.
    pub title_hidden: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! Threads, posts and reactions: reading here, writing in `writes`,
//! reactions in `reactions`.
mod reactions;
mod writes;

pub use reactions::set_reaction;
pub use writes::{create_post, create_thread, delete_post, edit_post, NewPost, NewThread};

use super::RequestCtx;
use crate::{error::AppResult, store::Page};
use chrono::{DateTime, Utc};
use entity::{post, thread};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// Position in `Group.threads`: pinned first, then latest activity.
#[derive(Debug, Clone, Copy)]
pub struct ThreadKey {
    pub pinned: bool,
    pub last_activity_at: DateTime<Utc>,
    pub id: Uuid,
}

impl ThreadKey {
    pub fn of(t: &thread::Model) -> Self {
        ThreadKey {
            pinned: t.pinned,
            last_activity_at: t.last_activity_at,
            id: t.id,
        }
    }
}

pub async fn thread(ctx: &RequestCtx, id: Uuid) -> AppResult<thread::Model> {
    ctx.readable_thread(id).await.map(|(t, _)| t)
}

pub async fn post(ctx: &RequestCtx, id: Uuid) -> AppResult<post::Model> {
    ctx.readable_post(id).await.map(|(p, _)| p)
}

/// `Group.threads`; the caller has checked the viewer may read the group.
pub async fn threads(
    ctx: &RequestCtx,
    group_id: Uuid,
    limit: u64,
    after: Option<ThreadKey>,
) -> AppResult<Page<thread::Model>> {
    let mut q = thread::Entity::find().filter(thread::Column::GroupId.eq(group_id));
    if let Some(k) = after {
        q = q.filter(
            Condition::any()
                .add(thread::Column::Pinned.lt(k.pinned))
                .add(
                    Condition::all()
                        .add(thread::Column::Pinned.eq(k.pinned))
                        .add(crate::store::keyset_after(
                            thread::Column::LastActivityAt,
                            thread::Column::Id,
                            k.last_activity_at,
                            k.id,
                            true,
                        )),
                ),
        );
    }
    let rows = q
        .order_by_desc(thread::Column::Pinned)
        .order_by_desc(thread::Column::LastActivityAt)
        .order_by_desc(thread::Column::Id)
        .limit(limit + 1)
        .all(&ctx.state.db.conn)
        .await?;
    Ok(Page::from_overfetch(rows, limit, after.is_some()))
}

pub enum PostsWindow {
    /// `first` posts after a position (oldest first).
    Forward { limit: u64, after: Option<Uuid> },
    /// `last` posts before a position, still returned oldest first.
    Backward { limit: u64, before: Option<Uuid> },
}

/// `Thread.posts`, tombstones included so replies keep their context; the
/// caller has checked the viewer may read the thread.
pub async fn posts(
    ctx: &RequestCtx,
    thread_id: Uuid,
    window: PostsWindow,
) -> AppResult<Page<post::Model>> {
    let q = post::Entity::find().filter(post::Column::ThreadId.eq(thread_id));
    let conn = &ctx.state.db.conn;
    match window {
        PostsWindow::Forward { limit, after } => {
            let q = match after {
                Some(a) => q.filter(post::Column::Id.gt(a)),
                None => q,
            };
            let rows = q
                .order_by_asc(post::Column::Id)
                .limit(limit + 1)
                .all(conn)
                .await?;
            Ok(Page::from_overfetch(rows, limit, after.is_some()))
        }
        PostsWindow::Backward { limit, before } => {
            let q = match before {
                Some(b) => q.filter(post::Column::Id.lt(b)),
                None => q,
            };
            let rows = q
                .order_by_desc(post::Column::Id)
                .limit(limit + 1)
                .all(conn)
                .await?;
            let mut page = Page::from_overfetch(rows, limit, false);
            page.items.reverse();
            Ok(Page {
                has_previous: page.has_next,
                has_next: before.is_some(),
                items: page.items,
            })
        }
    }
}

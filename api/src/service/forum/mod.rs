//! Threads, posts and reactions: reading here, writing in `writes`,
//! reactions in `reactions`.
mod reactions;
mod writes;

pub use reactions::set_reaction;
pub use writes::{create_post, create_thread, delete_post, edit_post, NewPost, NewThread};
pub(crate) use writes::{open_system_thread, tombstone};

use super::{loaders::ReactionSummary, RequestCtx};
use crate::{
    error::AppResult,
    store::{
        pages::{self, PostJoins, PostRow},
        Page,
    },
};
use chrono::{DateTime, Utc};
use entity::{post, thread, user};
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

/// What the caller will read of each post, so that it comes with the page
/// rather than in later batches.
#[derive(Debug, Clone, Copy, Default)]
pub struct PostsInclude {
    pub joins: PostJoins,
    /// Reaction counts and the viewer's own reactions.
    pub reactions: bool,
}

/// A post of a page, with what the page's statement brought along for it.
pub struct PagePost {
    pub post: post::Model,
    /// Its author, when the page read authors (None inside: no author).
    pub author: Option<Option<user::Model>>,
    /// Its reaction counts, when the page read them.
    pub reactions: Option<Vec<ReactionSummary>>,
}

/// `Thread.posts`, tombstones included so replies keep their context; the
/// caller has checked the viewer may read the thread. One statement brings
/// the page with its authors, replied-to posts and reaction counts. Each
/// post carries its own author and counts; replied-to posts and their
/// authors go to the request's loaders, which their fields then read.
pub async fn posts(
    ctx: &RequestCtx,
    thread_id: Uuid,
    window: PostsWindow,
    include: PostsInclude,
) -> AppResult<Page<PagePost>> {
    let conn = &ctx.state.db.conn;
    // On a WebSocket nothing is kept between events: nothing to hand over.
    let joins = match (ctx.caches(), ctx.auth.viewer()) {
        (true, Some(viewer)) => PostJoins {
            reactions_for: include.reactions.then_some(viewer.id),
            ..include.joins
        },
        _ => PostJoins::default(),
    };
    let (limit, from, backward) = match window {
        PostsWindow::Forward { limit, after } => (limit, after, false),
        PostsWindow::Backward { limit, before } => (limit, before, true),
    };
    let rows = pages::thread_posts(conn, thread_id, from, backward, limit + 1, joins).await?;
    let mut page = Page::from_overfetch(rows, limit, !backward && from.is_some());
    if backward {
        page.items.reverse();
        page = Page {
            has_previous: page.has_next,
            has_next: from.is_some(),
            items: page.items,
        };
    }
    if ctx.caches() {
        hand_over(ctx, &mut page.items).await;
    }
    Ok(Page {
        items: page
            .items
            .into_iter()
            .map(|r| PagePost {
                author: joins.author.then_some(r.author),
                reactions: r.reactions.map(|list| {
                    list.into_iter()
                        .map(|(kind, count, mine)| ReactionSummary {
                            kind,
                            count,
                            viewer_has_reacted: mine,
                        })
                        .collect()
                }),
                post: r.post,
            })
            .collect(),
        has_next: page.has_next,
        has_previous: page.has_previous,
    })
}

/// Gives the request's loaders the replied-to posts and their authors.
async fn hand_over(ctx: &RequestCtx, rows: &mut [PostRow]) {
    let l = &ctx.loaders();
    let mut users = Vec::new();
    let mut replies = Vec::new();
    for r in rows {
        if let Some(u) = r.reply_author.take() {
            users.push((u.id, u));
        }
        if let Some(p) = r.reply.take() {
            replies.push((p.id, p));
        }
    }
    if !users.is_empty() {
        l.users().feed_many(users).await;
    }
    if !replies.is_empty() {
        l.posts().feed_many(replies).await;
    }
}

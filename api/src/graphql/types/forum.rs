//! Threads, posts and reaction counts.
use super::*;
use crate::domain::audit::AccessKind;
use std::{borrow::Cow, sync::Arc};

pub struct Thread(pub thread::Model);

#[Object]
impl Thread {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Thread, self.0.id)
    }
    async fn group(&self, ctx: &Context<'_>) -> Result<Group> {
        let g = rc(ctx)?.group_by_id(self.0.group_id).await?;
        g.map(Group).ok_or_else(|| AppError::NotFound.into())
    }
    async fn author(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.author_id).await
    }
    /// "[hidden]" for members when a facilitator has hidden the opening
    /// post; facilitators and the author see the title as written.
    async fn title(&self, ctx: &Context<'_>) -> Result<&str> {
        if !self.0.title_hidden {
            return Ok(&self.0.title);
        }
        let standing = rc(ctx)?.standing(self.0.group_id).await?;
        Ok(if policy::see_thread_title(&standing, &self.0) {
            &self.0.title
        } else {
            policy::HIDDEN_TITLE
        })
    }
    async fn kind(&self) -> ThreadKind {
        self.0.kind.into()
    }
    async fn pinned(&self) -> bool {
        self.0.pinned
    }
    async fn locked(&self) -> bool {
        self.0.locked
    }
    /// Posts the viewer can see, the opening post included.
    async fn post_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let standing = rc(ctx)?.standing(self.0.group_id).await?;
        let hidden = if policy::see_hidden(&standing) {
            self.0.hidden_posts
        } else {
            0
        };
        Ok(self.0.visible_posts + hidden)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn last_activity_at(&self) -> DateTime<Utc> {
        self.0.last_activity_at
    }
    /// Posts new to the viewer: visible, not their own, written after they
    /// joined the group and after the post they last marked read.
    async fn unread_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let u = service::reading::unread(rc(ctx)?, self.0.id).await?;
        Ok(i32::try_from(u.count).unwrap_or(i32::MAX))
    }
    /// The oldest of those posts, where a client opens the thread.
    async fn first_unread_post(&self, ctx: &Context<'_>) -> Result<Option<Post>> {
        let r = rc(ctx)?;
        let Some(id) = service::reading::unread(r, self.0.id).await?.first else {
            return Ok(None);
        };
        Ok(r.load_post(id).await?.map(Post::from))
    }
    /// WATCHING where the viewer started or wrote in the thread, NORMAL
    /// elsewhere, unless they chose (`setThreadNotificationLevel`).
    async fn viewer_notification_level(&self, ctx: &Context<'_>) -> Result<NotificationLevel> {
        Ok(service::reading::notification_level(rc(ctx)?, self.0.id)
            .await?
            .into())
    }
    /// Oldest first. Deleted and hidden posts stay in place as tombstones.
    #[graphql(complexity = "pg_cost(first.or(last), child_complexity)")]
    async fn posts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<PostConnection> {
        use service::forum::PostsWindow;
        let window = match (first, last) {
            (Some(_), Some(_)) => {
                return Err(AppError::bad_input("give `first` or `last`, not both").into())
            }
            (_, Some(n)) => {
                if after.is_some() {
                    return Err(AppError::bad_input("`after` goes with `first`").into());
                }
                PostsWindow::Backward {
                    limit: pg::page_size("last", Some(n))?,
                    before: pg::decode::<pg::Posts>(before.as_deref())?,
                }
            }
            (n, None) => {
                if before.is_some() {
                    return Err(AppError::bad_input("`before` goes with `last`").into());
                }
                PostsWindow::Forward {
                    limit: pg::page_size("first", n)?,
                    after: pg::decode::<pg::Posts>(after.as_deref())?,
                }
            }
        };
        let r = rc(ctx)?;
        let page = service::forum::posts(r, self.0.id, window, posts_include(ctx)).await?;
        // The viewer's standing in the thread's group, once for the page.
        let standing = Arc::new(r.standing(self.0.group_id).await?);
        Ok(PostConnection {
            has_previous: page.has_previous,
            has_next: page.has_next,
            edges: page
                .items
                .into_iter()
                .map(|p| PostEdge {
                    cursor: pg::encode::<pg::Posts>(&p.post.id),
                    node: Post(
                        p.post,
                        Some(Box::new(OnPage {
                            group_id: self.0.group_id,
                            standing: standing.clone(),
                            author: p.author.map(|a| a.map(User)),
                            reactions: p
                                .reactions
                                .map(|list| list.into_iter().map(ReactionCount::from).collect()),
                        })),
                    ),
                })
                .collect(),
        })
    }
}

/// A thread's posts: the same type, fields and descriptions as the
/// library's `Connection`, but resolved serially (as `Post` is), without a
/// future per field of each edge.
pub struct PostConnection {
    edges: Vec<PostEdge>,
    has_previous: bool,
    has_next: bool,
}

#[Object(serial)]
impl PostConnection {
    /// Information to aid in pagination.
    async fn page_info(&self) -> async_graphql::connection::PageInfo {
        async_graphql::connection::PageInfo {
            has_previous_page: self.has_previous,
            has_next_page: self.has_next,
            start_cursor: self.edges.first().map(|e| e.cursor.clone()),
            end_cursor: self.edges.last().map(|e| e.cursor.clone()),
        }
    }
    /// A list of edges.
    async fn edges(&self) -> &[PostEdge] {
        &self.edges
    }
    /// A list of nodes.
    async fn nodes(&self) -> Vec<&Post> {
        self.edges.iter().map(|e| &e.node).collect()
    }
}

pub struct PostEdge {
    cursor: String,
    node: Post,
}

/// An edge in a connection.
#[Object(serial)]
impl PostEdge {
    /// The item at the end of the edge
    async fn node(&self) -> &Post {
        &self.node
    }
    /// A cursor for use in pagination
    async fn cursor(&self) -> &str {
        &self.cursor
    }
}

/// What the query reads of each post, through `edges { node }` or `nodes`,
/// fragments included.
fn posts_include(ctx: &Context<'_>) -> service::forum::PostsInclude {
    let page = ctx.look_ahead();
    let nodes = [page.field("edges").field("node"), page.field("nodes")];
    let wants = |f: &dyn Fn(&async_graphql::Lookahead<'_>) -> bool| nodes.iter().any(f);
    service::forum::PostsInclude {
        joins: crate::store::pages::PostJoins {
            author: wants(&|n| n.field("author").exists()),
            reply: wants(&|n| n.field("replyTo").exists()),
            reply_author: wants(&|n| n.field("replyTo").field("author").exists()),
            reactions_for: None,
        },
        reactions: wants(&|n| n.field("reactions").exists()),
    }
}

/// A post, and what its page brought along for it.
pub struct Post(pub post::Model, Option<Box<OnPage>>);

/// What a page of posts read for each of them, so that their fields need
/// no lookups: the viewer's standing in the group, and the author and
/// reaction counts when the page read them.
pub struct OnPage {
    /// The group `standing` is for: used only for a post of that group.
    group_id: uuid::Uuid,
    standing: Arc<policy::Standing>,
    author: Option<Option<User>>,
    reactions: Option<Vec<ReactionCount>>,
}

impl From<post::Model> for Post {
    fn from(p: post::Model) -> Self {
        Post(p, None)
    }
}

impl Post {
    /// The viewer's standing in the post's group: the page's, or looked up.
    async fn standing(&self, rc: &crate::service::RequestCtx) -> Result<Cow<'_, policy::Standing>> {
        Ok(match &self.1 {
            Some(on) if on.group_id == self.0.group_id => Cow::Borrowed(&*on.standing),
            _ => Cow::Owned(rc.standing(self.0.group_id).await?),
        })
    }

    /// A hidden post's words are its author's to know who read: the read
    /// is audited (for anyone but the author).
    fn note_hidden_read(&self, rc: &crate::service::RequestCtx) {
        if self.0.state == entity::enums::PostState::Hidden {
            rc.note_access(
                AccessKind::HiddenPostBody,
                self.0.author_id,
                self.0.group_id,
                Some(self.0.id),
                None,
            );
        }
    }
}

// Serial: the engine would otherwise resolve the fields of each post
// concurrently, each an entry in a FuturesUnordered with its wake-ups. Its
// reads are loader lookups that the page's statement primed; where they
// are not primed (a post on its own, or a live event, whose loaders keep
// nothing), they run one after another, and `body` and `contentWarning`
// each read the viewer's membership. The loaders still batch them across
// the posts of a list.
#[Object(serial)]
impl Post {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Post, self.0.id)
    }
    async fn thread(&self, ctx: &Context<'_>) -> Result<Thread> {
        let t = rc(ctx)?.load_thread(self.0.thread_id).await?;
        t.map(Thread).ok_or_else(|| AppError::NotFound.into())
    }
    async fn author(&self, ctx: &Context<'_>) -> Result<Option<Cow<'_, User>>> {
        if let Some(Some(author)) = self.1.as_ref().map(|on| &on.author) {
            return Ok(author.as_ref().map(Cow::Borrowed));
        }
        Ok(load_user(ctx, self.0.author_id).await?.map(Cow::Owned))
    }
    /// Null when deleted, and when hidden unless the viewer facilitates the
    /// group or wrote the post.
    async fn body(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let rc = rc(ctx)?;
        let standing = self.standing(rc).await?;
        Ok(if policy::see_post_body(&standing, &self.0) {
            self.note_hidden_read(rc);
            self.0.body.as_deref()
        } else {
            None
        })
    }
    async fn content_warning(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let rc = rc(ctx)?;
        let standing = self.standing(rc).await?;
        Ok(if policy::see_post_body(&standing, &self.0) {
            if self.0.content_warning.is_some() {
                self.note_hidden_read(rc);
            }
            self.0.content_warning.as_deref()
        } else {
            None
        })
    }
    async fn reply_to(&self, ctx: &Context<'_>) -> Result<Option<Post>> {
        match self.0.reply_to_id {
            None => Ok(None),
            Some(id) => Ok(rc(ctx)?
                .load_post(id)
                .await?
                .filter(|p| p.thread_id == self.0.thread_id)
                .map(Post::from)),
        }
    }
    async fn state(&self) -> PostState {
        self.0.state.into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn edited_at(&self) -> Option<DateTime<Utc>> {
        self.0.edited_at
    }
    /// Where to turn for help, when this post's words suggest risk. Shown
    /// to its author only; empty for everyone else.
    async fn support_resources(&self, ctx: &Context<'_>) -> Result<Vec<SupportResource>> {
        let r = rc(ctx)?;
        if !policy::see_support_resources(r.auth.viewer(), self.0.author_id)
            || self.0.body.is_none()
        {
            return Ok(Vec::new());
        }
        // Found when the text was written: reading costs no detection.
        let risk = Risk::from_stored(self.0.risk.as_deref());
        Ok(service::safety::support_for(r, risk)
            .into_iter()
            .map(SupportResource)
            .collect())
    }
    /// One entry per kind with count > 0, in ReactionKind order.
    async fn reactions(&self, ctx: &Context<'_>) -> Result<Cow<'_, Vec<ReactionCount>>> {
        if let Some(Some(list)) = self.1.as_ref().map(|on| &on.reactions) {
            return Ok(Cow::Borrowed(list));
        }
        let list = rc(ctx)?.reactions_on(self.0.id).await?;
        Ok(Cow::Owned(
            list.into_iter().map(ReactionCount::from).collect(),
        ))
    }
}

impl From<crate::service::loaders::ReactionSummary> for ReactionCount {
    fn from(r: crate::service::loaders::ReactionSummary) -> Self {
        ReactionCount {
            kind: r.kind.into(),
            count: i32::try_from(r.count).unwrap_or(i32::MAX),
            viewer_has_reacted: r.viewer_has_reacted,
        }
    }
}

#[derive(SimpleObject, Clone)]
#[graphql(serial)]
pub struct ReactionCount {
    pub kind: ReactionKind,
    pub count: i32,
    pub viewer_has_reacted: bool,
}

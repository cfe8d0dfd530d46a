//! GraphQL object types. Each wraps a storage model and is only ever built
//! for an object the viewer was allowed to see: nested fields follow from an
//! authorised parent (a post's thread is in the same group) or ask the
//! policy again where the answer depends on the viewer.
use super::{
    ids::{self, Kind},
    pagination::{self as pg, connection},
    rc,
};
use crate::{
    domain::{
        crisis::{self, Risk},
        policy,
    },
    error::AppError,
    service::{self, forum::ThreadKey, moderation::FlagKey},
};
use async_graphql::{
    connection::Connection, ComplexObject, Context, Enum, Interface, Object, Result, SimpleObject,
    ID,
};
use chrono::{DateTime, Utc};
use entity::enums as db;
use entity::{flag, group, invite, membership, moderation_action, post, thread, user};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "db::PlatformRole")]
pub enum PlatformRole {
    Member,
    Facilitator,
    Admin,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "db::GroupRole")]
pub enum GroupRole {
    Member,
    Facilitator,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "db::ThreadKind")]
pub enum ThreadKind {
    Discussion,
    CheckIn,
    Reflection,
    Announcement,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "db::PostState")]
pub enum PostState {
    Visible,
    /// Hidden by a facilitator: body is null for everyone but facilitators and the author.
    Hidden,
    /// Deleted by its author: body is null for everyone.
    Deleted,
}

/// Supportive reactions only: there is no downvote in a therapy group.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "db::ReactionKind")]
pub enum ReactionKind {
    Heart,
    Hug,
    SameHere,
    Strength,
    Thanks,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "db::FlagReason")]
pub enum FlagReason {
    RiskToSelf,
    RiskToOthers,
    Harassment,
    Privacy,
    Spam,
    Other,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "db::FlagSource")]
pub enum FlagSource {
    /// Raised by a group member.
    Member,
    /// Raised by the service itself, e.g. crisis-language detection.
    System,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum FlagPriority {
    Normal,
    Urgent,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "db::FlagStatus")]
pub enum FlagStatus {
    Open,
    Resolved,
    Dismissed,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "db::ModerationActionKind")]
pub enum ModerationActionKind {
    HidePost,
    RestorePost,
    LockThread,
    UnlockThread,
    PinThread,
    UnpinThread,
    MuteMember,
    UnmuteMember,
    RemoveMember,
    UnbanMember,
    ResolveFlag,
    DismissFlag,
}

#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    User(User),
    Group(Group),
    Thread(Thread),
    Post(Post),
    Flag(Flag),
    ModerationAction(ModerationAction),
}

/// Another person as group members see them: no login handle, no e-mail.
pub struct User(pub user::Model);

#[Object]
impl User {
    async fn id(&self) -> ID {
        ids::encode(Kind::User, self.0.id)
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

async fn load_user(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> Result<Option<User>> {
    match id {
        None => Ok(None),
        Some(id) => Ok(rc(ctx)?.load_user(id).await?.map(User)),
    }
}

/// The signed-in person.
pub struct Viewer(pub user::Model);

#[Object]
impl Viewer {
    async fn user(&self) -> User {
        User(self.0.clone())
    }
    async fn handle(&self) -> &str {
        &self.0.handle
    }
    async fn role(&self) -> PlatformRole {
        self.0.role.into()
    }
    #[graphql(complexity = "pg_cost(first, child_complexity)")]
    async fn groups(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Group>> {
        let limit = pg::page_size("first", first)?;
        let after = pg::decode_time_id("groups", after.as_deref())?;
        let page = service::groups::viewer_groups(rc(ctx)?, limit, after).await?;
        Ok(connection(
            page,
            |(m, _)| pg::encode_time_id("groups", m.joined_at, m.group_id),
            |(_, g)| Group(g),
        ))
    }
}

/// The cost of a list field: its page size times the cost of one item.
pub fn pg_cost(n: Option<i32>, child: usize) -> usize {
    let n = n
        .unwrap_or(pg::DEFAULT_PAGE as i32)
        .clamp(1, pg::MAX_PAGE as i32) as usize;
    LOOKUP_COST.saturating_add(n.saturating_mul(child.max(1)))
}

/// What a field that reaches the database costs on top of its children,
/// whatever it returns: aliases add it up, `first: 0` does not make it free.
pub const LOOKUP_COST: usize = 5;

pub struct Group(pub group::Model);

#[Object]
impl Group {
    async fn id(&self) -> ID {
        ids::encode(Kind::Group, self.0.id)
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// The viewer's role here; null for an admin who is not a member.
    async fn viewer_role(&self, ctx: &Context<'_>) -> Result<Option<GroupRole>> {
        let m = rc(ctx)?.viewer_membership(self.0.id).await?;
        Ok(m.map(|m| m.role.into()))
    }
    #[graphql(complexity = "pg_cost(first, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Membership>> {
        let limit = pg::page_size("first", first)?;
        let after = pg::decode_time_id("members", after.as_deref())?;
        let page = service::groups::members(rc(ctx)?, self.0.id, limit, after).await?;
        Ok(connection(
            page,
            |m| pg::encode_time_id("members", m.joined_at, m.user_id),
            Membership,
        ))
    }
    /// Pinned threads first, then by latest activity.
    #[graphql(complexity = "pg_cost(first, child_complexity)")]
    async fn threads(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Thread>> {
        let limit = pg::page_size("first", first)?;
        let after = after
            .map(|c| -> Result<ThreadKey, AppError> {
                let p = pg::decode("threads", &c, 3)?;
                Ok(ThreadKey {
                    pinned: p[0] == "1",
                    last_activity_at: pg::parse_time(&p[1])?,
                    id: pg::parse_uuid(&p[2])?,
                })
            })
            .transpose()?;
        let page = service::forum::threads(rc(ctx)?, self.0.id, limit, after).await?;
        Ok(connection(
            page,
            |t| {
                let k = ThreadKey::of(t);
                pg::encode(
                    "threads",
                    &[
                        if k.pinned { "1" } else { "0" }.to_owned(),
                        pg::time_part(k.last_activity_at),
                        k.id.simple().to_string(),
                    ],
                )
            },
            Thread,
        ))
    }
    /// The group's invites, newest first, revoked and used-up ones
    /// included; at most `first` (1 to 50). Facilitators and admins only
    /// (FORBIDDEN for members).
    #[graphql(complexity = "5 + first.max(0) as usize * child_complexity")]
    async fn invites(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
    ) -> Result<Vec<Invite>> {
        if !(1..=50).contains(&first) {
            return Err(AppError::bad_input("first must be between 1 and 50").into());
        }
        let list = service::groups::invites(rc(ctx)?, self.0.id, first as u64).await?;
        Ok(list.into_iter().map(Invite).collect())
    }
    /// Facilitators and admins only (FORBIDDEN for members).
    #[graphql(complexity = "pg_cost(first, child_complexity)")]
    async fn flags(
        &self,
        ctx: &Context<'_>,
        status: Option<FlagStatus>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Flag>> {
        let limit = pg::page_size("first", first)?;
        let after = after
            .map(|c| -> Result<FlagKey, AppError> {
                let p = pg::decode("flags", &c, 3)?;
                Ok(FlagKey {
                    urgent: p[0] == "1",
                    created_at: pg::parse_time(&p[1])?,
                    id: pg::parse_uuid(&p[2])?,
                })
            })
            .transpose()?;
        let page =
            service::moderation::flags(rc(ctx)?, self.0.id, status.map(Into::into), limit, after)
                .await?;
        Ok(connection(
            page,
            |f| {
                pg::encode(
                    "flags",
                    &[
                        if f.urgent { "1" } else { "0" }.to_owned(),
                        pg::time_part(f.created_at),
                        f.id.simple().to_string(),
                    ],
                )
            },
            Flag,
        ))
    }
    /// Facilitators and admins only (FORBIDDEN for members). Newest first.
    #[graphql(complexity = "pg_cost(first, child_complexity)")]
    async fn moderation_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, ModerationAction>> {
        let limit = pg::page_size("first", first)?;
        let after = pg::decode_id("modlog", after.as_deref())?;
        let page = service::moderation::moderation_log(rc(ctx)?, self.0.id, limit, after).await?;
        Ok(connection(
            page,
            |a| pg::encode_id("modlog", a.id),
            ModerationAction,
        ))
    }
}

pub struct Membership(pub membership::Model);

#[Object]
impl Membership {
    async fn user(&self, ctx: &Context<'_>) -> Result<User> {
        load_user(ctx, Some(self.0.user_id))
            .await?
            .ok_or_else(|| AppError::NotFound.into())
    }
    async fn group(&self, ctx: &Context<'_>) -> Result<Group> {
        let g = rc(ctx)?.group_by_id(self.0.group_id).await?;
        g.map(Group).ok_or_else(|| AppError::NotFound.into())
    }
    async fn role(&self) -> GroupRole {
        self.0.role.into()
    }
    async fn joined_at(&self) -> DateTime<Utc> {
        self.0.joined_at
    }
    /// Visible to facilitators and to the member themself; null otherwise.
    async fn muted_until(&self, ctx: &Context<'_>) -> Result<Option<DateTime<Utc>>> {
        let standing = rc(ctx)?.standing(self.0.group_id).await?;
        Ok(if policy::see_mute(&standing, self.0.user_id) {
            self.0.muted_until
        } else {
            None
        })
    }
}

pub struct Invite(pub invite::Model);

#[Object]
impl Invite {
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn group(&self, ctx: &Context<'_>) -> Result<Group> {
        let g = rc(ctx)?.group_by_id(self.0.group_id).await?;
        g.map(Group).ok_or_else(|| AppError::NotFound.into())
    }
    async fn role(&self) -> GroupRole {
        self.0.role.into()
    }
    async fn max_uses(&self) -> i32 {
        self.0.max_uses
    }
    async fn uses(&self) -> i32 {
        self.0.uses
    }
    async fn expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.expires_at
    }
    /// Set once a facilitator revoked it: it admits nobody.
    async fn revoked_at(&self) -> Option<DateTime<Utc>> {
        self.0.revoked_at
    }
}

pub struct Thread(pub thread::Model);

#[Object]
impl Thread {
    async fn id(&self) -> ID {
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
    /// Oldest first. Deleted and hidden posts stay in place as tombstones.
    #[graphql(complexity = "pg_cost(first.or(last), child_complexity)")]
    async fn posts(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> Result<Connection<String, Post>> {
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
                    before: pg::decode_id("posts", before.as_deref())?,
                }
            }
            (n, None) => {
                if before.is_some() {
                    return Err(AppError::bad_input("`before` goes with `last`").into());
                }
                PostsWindow::Forward {
                    limit: pg::page_size("first", n)?,
                    after: pg::decode_id("posts", after.as_deref())?,
                }
            }
        };
        let page = service::forum::posts(rc(ctx)?, self.0.id, window).await?;
        Ok(connection(page, |p| pg::encode_id("posts", p.id), Post))
    }
}

pub struct Post(pub post::Model);

#[Object]
impl Post {
    async fn id(&self) -> ID {
        ids::encode(Kind::Post, self.0.id)
    }
    async fn thread(&self, ctx: &Context<'_>) -> Result<Thread> {
        let t = rc(ctx)?.load_thread(self.0.thread_id).await?;
        t.map(Thread).ok_or_else(|| AppError::NotFound.into())
    }
    async fn author(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.author_id).await
    }
    /// Null when deleted, and when hidden unless the viewer facilitates the
    /// group or wrote the post.
    async fn body(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let standing = rc(ctx)?.standing(self.0.group_id).await?;
        Ok(if policy::see_post_body(&standing, &self.0) {
            self.0.body.as_deref()
        } else {
            None
        })
    }
    async fn content_warning(&self, ctx: &Context<'_>) -> Result<Option<&str>> {
        let standing = rc(ctx)?.standing(self.0.group_id).await?;
        Ok(if policy::see_post_body(&standing, &self.0) {
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
                .map(Post)),
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
        let is_author = r
            .auth
            .viewer()
            .is_some_and(|v| Some(v.id) == self.0.author_id);
        if !is_author || self.0.body.is_none() {
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
    async fn reactions(&self, ctx: &Context<'_>) -> Result<Vec<ReactionCount>> {
        let list = rc(ctx)?
            .loaders
            .reactions
            .load_one(self.0.id)
            .await
            .map_err(crate::error::AppError::from)?
            .unwrap_or_default();
        Ok(list
            .into_iter()
            .map(|r| ReactionCount {
                kind: r.kind.into(),
                count: i32::try_from(r.count).unwrap_or(i32::MAX),
                viewer_has_reacted: r.viewer_has_reacted,
            })
            .collect())
    }
}

/// Somewhere to turn for help (from deployment config).
pub struct SupportResource(pub crisis::SupportResource);

#[Object]
impl SupportResource {
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn url(&self) -> Option<&str> {
        self.0.url.as_deref()
    }
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum RiskLevel {
    None,
    Elevated,
    Urgent,
}

impl From<Risk> for RiskLevel {
    fn from(r: Risk) -> Self {
        match r {
            Risk::None => RiskLevel::None,
            Risk::Elevated => RiskLevel::Elevated,
            Risk::Urgent => RiskLevel::Urgent,
        }
    }
}

/// What the crisis check makes of a draft. Nothing is stored or sent.
#[derive(SimpleObject)]
pub struct DraftCheck {
    pub risk: RiskLevel,
    pub support_resources: Vec<SupportResource>,
}

#[derive(SimpleObject)]
pub struct ReactionCount {
    pub kind: ReactionKind,
    pub count: i32,
    pub viewer_has_reacted: bool,
}

pub struct Flag(pub flag::Model);

#[Object]
impl Flag {
    async fn id(&self) -> ID {
        ids::encode(Kind::Flag, self.0.id)
    }
    async fn post(&self, ctx: &Context<'_>) -> Result<Post> {
        let p = rc(ctx)?.load_post(self.0.post_id).await?;
        p.map(Post).ok_or_else(|| AppError::NotFound.into())
    }
    async fn reason(&self) -> FlagReason {
        self.0.reason.into()
    }
    async fn source(&self) -> FlagSource {
        self.0.source.into()
    }
    async fn priority(&self) -> FlagPriority {
        if self.0.urgent {
            FlagPriority::Urgent
        } else {
            FlagPriority::Normal
        }
    }
    async fn status(&self) -> FlagStatus {
        self.0.status.into()
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// The post's body when it was flagged: editing the post afterwards does
    /// not change it.
    async fn body_snapshot(&self) -> Option<&str> {
        self.0.body_snapshot.as_deref()
    }
    /// The post's text after each edit made since the flag was raised,
    /// oldest first: an edit never hides what was flagged. Facilitators and
    /// admins only (empty for anyone else); at most `first` (1 to 50).
    #[graphql(complexity = "5 + first.max(0) as usize")]
    async fn edits(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 20)] first: i32,
    ) -> Result<Vec<PostEdit>> {
        if !(1..=50).contains(&first) {
            return Err(AppError::bad_input("first must be between 1 and 50").into());
        }
        let edits = service::moderation::flag_edits(rc(ctx)?, &self.0, first as u64).await?;
        Ok(edits
            .into_iter()
            .map(|e| PostEdit {
                body: e.body,
                edited_at: e.edited_at,
            })
            .collect())
    }
    /// Never shown to members: only facilitators and admins see who flagged.
    async fn reporter(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        let standing = rc(ctx)?.standing(self.0.group_id).await?;
        if !standing.is_moderator() {
            return Ok(None);
        }
        load_user(ctx, self.0.reporter_id).await
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
    async fn resolved_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.resolved_by).await
    }
    async fn resolution_note(&self) -> Option<&str> {
        self.0.resolution_note.as_deref()
    }
}

/// A flagged post's text after one edit.
#[derive(SimpleObject)]
pub struct PostEdit {
    pub body: String,
    pub edited_at: DateTime<Utc>,
}

pub struct ModerationAction(pub moderation_action::Model);

#[Object]
impl ModerationAction {
    async fn id(&self) -> ID {
        ids::encode(Kind::ModerationAction, self.0.id)
    }
    async fn action(&self) -> ModerationActionKind {
        self.0.action.into()
    }
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.actor_id).await
    }
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    async fn post(&self, ctx: &Context<'_>) -> Result<Option<Post>> {
        match self.0.post_id {
            None => Ok(None),
            Some(id) => Ok(rc(ctx)?
                .load_post(id)
                .await?
                .filter(|p| p.group_id == self.0.group_id)
                .map(Post)),
        }
    }
    async fn thread(&self, ctx: &Context<'_>) -> Result<Option<Thread>> {
        match self.0.thread_id {
            None => Ok(None),
            Some(id) => Ok(rc(ctx)?
                .load_thread(id)
                .await?
                .filter(|t| t.group_id == self.0.group_id)
                .map(Thread)),
        }
    }
    async fn member(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.member_id).await
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct AuthPayload {
    pub access_token: String,
    pub refresh_token: String,
    pub access_token_expires_at: DateTime<Utc>,
    #[graphql(skip)]
    pub user: user::Model,
}

#[ComplexObject]
impl AuthPayload {
    async fn viewer(&self) -> Viewer {
        Viewer(self.user.clone())
    }
}

impl From<service::accounts::SignedIn> for AuthPayload {
    fn from(s: service::accounts::SignedIn) -> Self {
        AuthPayload {
            access_token: s.access_token,
            refresh_token: s.refresh_token,
            access_token_expires_at: s.access_token_expires_at,
            user: s.user,
        }
    }
}

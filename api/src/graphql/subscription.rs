//! Subscriptions. Events on the wire are thin; the objects in each are
//! resolved for the subscriber, with their permissions, at delivery time.
use super::{
    ids::{self, Kind},
    pagination::{self as pg, Notifications},
    rc,
    types::{Flag, Group, GroupSession, ModerationAction, Notification, Post, Thread, User},
};
use crate::{
    error::AppError,
    service::live::{self, Delivery, Scope},
};
use async_graphql::{Context, Enum, Object, Result, SimpleObject, Subscription, ID};
use chrono::{DateTime, Utc};
use entity::{enums::EventKind, event};
use futures_util::{Stream, StreamExt};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ThreadEventKind {
    PostCreated,
    PostEdited,
    PostDeleted,
    PostHidden,
    PostRestored,
    ReactionsChanged,
    ThreadUpdated,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum GroupEventKind {
    ThreadCreated,
    ThreadUpdated,
    MemberJoined,
    MemberLeft,
    /// The group became read-only.
    GroupArchived,
    /// An admin deleted the group: it is purged after the export window
    /// (`Group.deletionScheduledFor`); members should export their data.
    GroupDeletionScheduled,
    /// A session was scheduled (`session`).
    SessionScheduled,
    /// A session's time or link changed.
    SessionUpdated,
    SessionCancelled,
    /// A session is starting now.
    SessionStarting,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum ModerationEventKind {
    FlagRaised,
    FlagResolved,
    FlagDismissed,
    ActionTaken,
    /// A facilitator or admin took an urgent flag in hand.
    FlagAcknowledged,
    /// An urgent flag was not acknowledged in time.
    FlagEscalated,
}

/// Opaque and bound to the event's group (see `auth::cursor`).
fn cursor(ctx: &Context<'_>, e: &event::Model) -> Result<String> {
    Ok(rc(ctx)?.state.jwt.cursors.seal(e.group_id, e.id))
}

/// A resume cursor is only read once the stream's group is known.
fn checked_cursor(after: Option<String>) -> Result<Option<String>, AppError> {
    match after {
        Some(c) if c.len() > 64 => Err(AppError::bad_input("invalid cursor")),
        other => Ok(other),
    }
}

fn resync() -> AppError {
    AppError::Resync(
        "this stream cannot show that it delivered every event and has ended: subscribe again with `after` set to the last cursor you received".into(),
    )
}

/// The event's post and thread, loaded once per event per instance. The
/// subscriber could read the group when the event was delivered; fields
/// such as `Post.body` still apply their own rules for this viewer.
async fn objects(ctx: &Context<'_>, e: &event::Model) -> Result<std::sync::Arc<live::Objects>> {
    let state = &rc(ctx)?.state;
    Ok(state.live_cache.objects(&state.db.conn, e).await?)
}

async fn thread_of(ctx: &Context<'_>, e: &event::Model) -> Result<Option<Thread>> {
    Ok(objects(ctx, e).await?.thread.clone().map(Thread))
}

async fn post_of(ctx: &Context<'_>, e: &event::Model) -> Result<Option<Post>> {
    Ok(objects(ctx, e).await?.post.clone().map(Post::from))
}

async fn group_of(ctx: &Context<'_>, e: &event::Model) -> Result<Group> {
    rc(ctx)?
        .group_by_id(e.group_id)
        .await?
        .map(Group)
        .ok_or_else(|| AppError::NotFound.into())
}

pub struct ThreadEvent(event::Model);

#[Object]
impl ThreadEvent {
    async fn cursor(&self, ctx: &Context<'_>) -> Result<String> {
        cursor(ctx, &self.0)
    }
    async fn kind(&self) -> ThreadEventKind {
        match self.0.kind {
            EventKind::PostEdited => ThreadEventKind::PostEdited,
            EventKind::PostDeleted => ThreadEventKind::PostDeleted,
            EventKind::PostHidden => ThreadEventKind::PostHidden,
            EventKind::PostRestored => ThreadEventKind::PostRestored,
            EventKind::ReactionsChanged => ThreadEventKind::ReactionsChanged,
            EventKind::ThreadUpdated => ThreadEventKind::ThreadUpdated,
            _ => ThreadEventKind::PostCreated,
        }
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn thread(&self, ctx: &Context<'_>) -> Result<Thread> {
        thread_of(ctx, &self.0)
            .await?
            .ok_or_else(|| AppError::NotFound.into())
    }
    async fn post(&self, ctx: &Context<'_>) -> Result<Option<Post>> {
        post_of(ctx, &self.0).await
    }
}

pub struct GroupEvent(event::Model);

#[Object]
impl GroupEvent {
    async fn cursor(&self, ctx: &Context<'_>) -> Result<String> {
        cursor(ctx, &self.0)
    }
    async fn kind(&self) -> GroupEventKind {
        match self.0.kind {
            EventKind::ThreadUpdated => GroupEventKind::ThreadUpdated,
            EventKind::MemberJoined => GroupEventKind::MemberJoined,
            EventKind::MemberLeft => GroupEventKind::MemberLeft,
            EventKind::GroupArchived => GroupEventKind::GroupArchived,
            EventKind::GroupDeletionScheduled => GroupEventKind::GroupDeletionScheduled,
            EventKind::SessionScheduled => GroupEventKind::SessionScheduled,
            EventKind::SessionUpdated => GroupEventKind::SessionUpdated,
            EventKind::SessionCancelled => GroupEventKind::SessionCancelled,
            EventKind::SessionStarting => GroupEventKind::SessionStarting,
            _ => GroupEventKind::ThreadCreated,
        }
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn group(&self, ctx: &Context<'_>) -> Result<Group> {
        group_of(ctx, &self.0).await
    }
    async fn thread(&self, ctx: &Context<'_>) -> Result<Option<Thread>> {
        thread_of(ctx, &self.0).await
    }
    async fn member(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        match self.0.member_id {
            None => Ok(None),
            Some(id) => Ok(rc(ctx)?.load_user(id).await?.map(User)),
        }
    }
    /// For the SESSION_ kinds: the session, as it is now.
    async fn session(&self, ctx: &Context<'_>) -> Result<Option<GroupSession>> {
        match self.0.session_id {
            None => Ok(None),
            Some(id) => Ok(crate::service::sessions::readable(rc(ctx)?, id)
                .await
                .ok()
                .map(|(s, _)| GroupSession(s))),
        }
    }
}

pub struct ModerationEvent(event::Model);

#[Object]
impl ModerationEvent {
    async fn cursor(&self, ctx: &Context<'_>) -> Result<String> {
        cursor(ctx, &self.0)
    }
    async fn kind(&self) -> ModerationEventKind {
        match self.0.kind {
            EventKind::FlagResolved => ModerationEventKind::FlagResolved,
            EventKind::FlagDismissed => ModerationEventKind::FlagDismissed,
            EventKind::ActionTaken => ModerationEventKind::ActionTaken,
            EventKind::FlagAcknowledged => ModerationEventKind::FlagAcknowledged,
            EventKind::FlagEscalated => ModerationEventKind::FlagEscalated,
            _ => ModerationEventKind::FlagRaised,
        }
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn group(&self, ctx: &Context<'_>) -> Result<Group> {
        group_of(ctx, &self.0).await
    }
    async fn flag(&self, ctx: &Context<'_>) -> Result<Option<Flag>> {
        match self.0.flag_id {
            None => Ok(None),
            Some(id) => Ok(crate::service::moderation::flag(rc(ctx)?, id)
                .await
                .ok()
                .map(Flag)),
        }
    }
    async fn action(&self, ctx: &Context<'_>) -> Result<Option<ModerationAction>> {
        match self.0.action_id {
            None => Ok(None),
            Some(id) => Ok(crate::service::moderation::action(rc(ctx)?, id)
                .await
                .ok()
                .map(ModerationAction)),
        }
    }
}

/// Each field's opening work (`live::subscribe`, `notifications::live`) is
/// boxed: the engine keeps a subscription's resolver future inline beside
/// its stream for as long as the stream lives, so an unboxed one would
/// make every idle subscription as large as its largest database read.
pub struct SubscriptionRoot;

fn deliver<T>(wrap: fn(event::Model) -> T) -> impl Fn(Delivery) -> Result<T> {
    move |d| match d {
        Delivery::Event(e) => Ok(wrap(e)),
        Delivery::Resync => Err(resync().into()),
    }
}

/// One of the viewer's notifications, as it is written.
#[derive(SimpleObject)]
pub struct NotificationEvent {
    /// Give it as `after` to resume from here; the inbox's cursors work too.
    cursor: String,
    notification: Notification,
}

#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// The viewer's new notifications. With `after` (a cursor from this
    /// stream or from `Viewer.notifications`), first those written since,
    /// in order, then new ones: no gap, no duplicate. Objects are resolved
    /// with the viewer's permissions at delivery.
    async fn notification_events(
        &self,
        ctx: &Context<'_>,
        after: Option<String>,
    ) -> Result<impl Stream<Item = Result<NotificationEvent>>> {
        let r = rc(ctx)?;
        r.viewer()?;
        let after = pg::decode::<Notifications>(after.as_deref())?;
        let s = Box::pin(crate::service::notifications::live(r, after)).await?;
        Ok(s.map(|n| {
            Ok(NotificationEvent {
                cursor: pg::encode::<Notifications>(&n.id),
                notification: Notification(n),
            })
        }))
    }

    /// Members of the thread's group. Ends when the subscriber leaves or is removed.
    async fn thread_events(
        &self,
        ctx: &Context<'_>,
        thread_id: ID,
        after: Option<String>,
    ) -> Result<impl Stream<Item = Result<ThreadEvent>>> {
        let r = rc(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::Thread, &thread_id)?;
        let after = checked_cursor(after)?;
        let s = Box::pin(live::subscribe(r, Scope::Thread(id), after)).await?;
        Ok(s.map(deliver(ThreadEvent)))
    }

    /// Members of the group.
    async fn group_events(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        after: Option<String>,
    ) -> Result<impl Stream<Item = Result<GroupEvent>>> {
        let r = rc(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::Group, &group_id)?;
        let after = checked_cursor(after)?;
        let s = Box::pin(live::subscribe(r, Scope::Group(id), after)).await?;
        Ok(s.map(deliver(GroupEvent)))
    }

    /// The group's facilitators (and admins).
    async fn moderation_events(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        after: Option<String>,
    ) -> Result<impl Stream<Item = Result<ModerationEvent>>> {
        let r = rc(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::Group, &group_id)?;
        let after = checked_cursor(after)?;
        let s = Box::pin(live::subscribe(r, Scope::Moderation(id), after)).await?;
        Ok(s.map(deliver(ModerationEvent)))
    }
}

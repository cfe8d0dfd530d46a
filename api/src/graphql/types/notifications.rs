//! The viewer's notifications. Each names objects by id and resolves them
//! with the viewer's permissions now: a post hidden since shows as HIDDEN,
//! a flag the viewer may no longer see is null.
use super::*;
use entity::notification;

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "db::NotificationKind")]
pub enum NotificationKind {
    /// A reply to the viewer's post, or a new post in a thread they watch.
    Reply,
    /// Reactions on the viewer's post: one unread notification per post.
    Reaction,
    NewThread,
    /// The viewer's post was hidden or restored, or they were muted or
    /// unmuted.
    Moderation,
    /// For facilitators.
    UrgentFlag,
    /// For facilitators and admins.
    FlagEscalated,
    /// A session of the member's group is coming (`session`).
    SessionReminder,
}

pub struct Notification(pub notification::Model);

#[Object]
impl Notification {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::Notification, self.0.id)
    }
    async fn kind(&self) -> NotificationKind {
        self.0.kind.into()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When it last changed: a new reaction folded into an unread REACTION.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    async fn read_at(&self) -> Option<DateTime<Utc>> {
        self.0.read_at
    }
    // Each object is read through the same access checks as anywhere else,
    // as of resolving: on a live stream that is delivery time.
    /// Null when the viewer may not read the group now (an admin outside
    /// it reads it by breaking glass).
    async fn group(&self, ctx: &Context<'_>) -> Result<Option<Group>> {
        Ok(or_none(rc(ctx)?.readable_group(self.0.group_id).await)?.map(|(g, _)| Group(g)))
    }
    async fn thread(&self, ctx: &Context<'_>) -> Result<Option<Thread>> {
        match self.0.thread_id {
            None => Ok(None),
            // The thread is in the notification's group: one batched
            // check of the group, not one statement per thread.
            Some(id) => {
                let r = rc(ctx)?;
                if or_none(r.readable_group(self.0.group_id).await)?.is_none() {
                    return Ok(None);
                }
                Ok(r.load_thread(id).await?.map(Thread))
            }
        }
    }
    async fn post(&self, ctx: &Context<'_>) -> Result<Option<Post>> {
        match self.0.post_id {
            None => Ok(None),
            Some(id) => {
                or_none(service::forum::post(rc(ctx)?, id).await).map(|p| p.map(Post::from))
            }
        }
    }
    /// Who did it; null for what Hearth or the group's facilitators did
    /// (flags, escalations, moderation), and for REACTION: reactions are
    /// anonymous everywhere.
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.actor_id).await
    }
    async fn flag(&self, ctx: &Context<'_>) -> Result<Option<Flag>> {
        match self.0.flag_id {
            None => Ok(None),
            Some(id) => or_none(service::moderation::flag(rc(ctx)?, id).await).map(|f| f.map(Flag)),
        }
    }
    /// For SESSION_REMINDER: the session.
    async fn session(&self, ctx: &Context<'_>) -> Result<Option<GroupSession>> {
        match self.0.session_id {
            None => Ok(None),
            Some(id) => or_none(service::sessions::readable(rc(ctx)?, id).await)
                .map(|s| s.map(|(s, _)| GroupSession(s))),
        }
    }
}

/// What the viewer may no longer see reads as null.
fn or_none<T>(r: Result<T, AppError>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(AppError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// What a client needs to subscribe a browser to Web Push.
#[derive(SimpleObject)]
pub struct PushConfig {
    /// The VAPID public key (an uncompressed P-256 point, base64url): the
    /// `applicationServerKey` for `pushManager.subscribe`.
    pub vapid_public_key: String,
}

/// One browser's or device's Web Push subscription.
pub struct PushSubscription(pub entity::push_subscription::Model);

#[Object]
impl PushSubscription {
    async fn id(&self) -> ID {
        ids::encode(Kind::PushSubscription, self.0.id)
    }
    async fn endpoint(&self) -> &str {
        &self.0.endpoint
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// Local times between which pushes wait (all but urgent flags to
/// facilitators), in an IANA time zone.
#[derive(SimpleObject)]
pub struct QuietHours {
    pub start: String,
    pub end: String,
    pub time_zone: String,
}

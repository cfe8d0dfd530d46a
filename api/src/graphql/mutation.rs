use super::{
    ids::{self, Kind},
    rc_write,
    types::*,
};
use crate::service::{
    self, forum, groups,
    moderation::{self, ThreadFlag},
};
use async_graphql::{Context, InputObject, Object, Result, ID};
use chrono::{DateTime, Utc};

#[derive(InputObject)]
pub struct RegisterInput {
    pub handle: String,
    pub display_name: String,
    pub password: String,
}

#[derive(InputObject)]
pub struct LoginInput {
    pub handle: String,
    pub password: String,
}

#[derive(InputObject)]
pub struct CreateGroupInput {
    pub name: String,
    pub slug: Option<String>,
    pub description: Option<String>,
}

#[derive(InputObject)]
pub struct CreateInviteInput {
    pub group_id: ID,
    #[graphql(default_with = "Some(GroupRole::Member)")]
    pub role: Option<GroupRole>,
    #[graphql(default_with = "Some(1)")]
    pub max_uses: Option<i32>,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(InputObject)]
pub struct CreateThreadInput {
    pub group_id: ID,
    pub title: String,
    /// The opening post.
    pub body: String,
    #[graphql(default_with = "Some(ThreadKind::Discussion)")]
    pub kind: Option<ThreadKind>,
    pub content_warning: Option<String>,
}

#[derive(InputObject)]
pub struct CreatePostInput {
    pub thread_id: ID,
    pub body: String,
    pub content_warning: Option<String>,
    pub reply_to_id: Option<ID>,
}

#[derive(InputObject)]
pub struct EditPostInput {
    pub post_id: ID,
    pub body: String,
    pub content_warning: Option<String>,
}

#[derive(InputObject)]
pub struct FlagPostInput {
    pub post_id: ID,
    pub reason: FlagReason,
    pub note: Option<String>,
}

/// The schema's `Mutation`: the forum's own, the sessions', the webhooks'.
#[derive(async_graphql::MergedObject, Default)]
#[graphql(name = "Mutation")]
pub struct MutationRoot(
    CoreMutation,
    super::sessions::SessionMutation,
    super::webhooks::WebhookMutation,
);

#[derive(Default)]
pub struct CoreMutation;

#[Object]
impl CoreMutation {
    async fn register(&self, ctx: &Context<'_>, input: RegisterInput) -> Result<AuthPayload> {
        let r = rc_write(ctx)?;
        r.auth_op()?;
        let s = service::accounts::register(
            &r.state,
            r.client,
            &input.handle,
            &input.display_name,
            &input.password,
        )
        .await?;
        Ok(s.into())
    }

    async fn login(&self, ctx: &Context<'_>, input: LoginInput) -> Result<AuthPayload> {
        let r = rc_write(ctx)?;
        r.auth_op()?;
        Ok(
            service::accounts::login(&r.state, r.client, &input.handle, &input.password)
                .await?
                .into(),
        )
    }

    /// Rotates the refresh token: the old one stops working.
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        refresh_token: String,
    ) -> Result<AuthPayload> {
        let r = rc_write(ctx)?;
        r.auth_op()?;
        Ok(service::accounts::refresh_session(&r.state, &refresh_token)
            .await?
            .into())
    }

    async fn logout(&self, ctx: &Context<'_>, refresh_token: String) -> Result<bool> {
        let r = rc_write(ctx)?;
        Ok(service::accounts::logout(&r.state, &refresh_token).await?)
    }

    /// Admins and platform facilitators; the creator becomes the group's facilitator.
    async fn create_group(&self, ctx: &Context<'_>, input: CreateGroupInput) -> Result<Group> {
        let g = groups::create_group(
            rc_write(ctx)?,
            groups::NewGroup {
                name: &input.name,
                slug: input.slug.as_deref(),
                description: input.description.as_deref(),
            },
        )
        .await?;
        Ok(Group(g))
    }

    /// Group facilitators.
    async fn create_invite(&self, ctx: &Context<'_>, input: CreateInviteInput) -> Result<Invite> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let invite = groups::create_invite(
            r,
            groups::NewInvite {
                group_id: ids::decode(Kind::Group, &input.group_id)?,
                role: input.role.unwrap_or(GroupRole::Member).into(),
                max_uses: input.max_uses.unwrap_or(1),
                expires_at: input.expires_at,
            },
        )
        .await?;
        Ok(Invite(invite))
    }

    /// Group facilitators: the invite admits nobody from now on.
    async fn revoke_invite(&self, ctx: &Context<'_>, code: String) -> Result<Invite> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        Ok(Invite(groups::revoke_invite(r, &code).await?))
    }

    async fn join_group(&self, ctx: &Context<'_>, code: String) -> Result<Membership> {
        Ok(Membership(groups::join_group(rc_write(ctx)?, &code).await?))
    }

    async fn leave_group(&self, ctx: &Context<'_>, group_id: ID) -> Result<bool> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        Ok(groups::leave_group(r, ids::decode(Kind::Group, &group_id)?).await?)
    }

    async fn create_thread(&self, ctx: &Context<'_>, input: CreateThreadInput) -> Result<Thread> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let t = forum::create_thread(
            r,
            forum::NewThread {
                group_id: ids::decode(Kind::Group, &input.group_id)?,
                title: &input.title,
                body: &input.body,
                kind: input.kind.unwrap_or(ThreadKind::Discussion).into(),
                content_warning: input.content_warning.as_deref(),
            },
        )
        .await?;
        Ok(Thread(t))
    }

    async fn create_post(&self, ctx: &Context<'_>, input: CreatePostInput) -> Result<Post> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let thread_id = ids::decode(Kind::Thread, &input.thread_id)?;
        let reply_to = input
            .reply_to_id
            .as_ref()
            .map(|id| ids::decode_input(Kind::Post, id, "replyToId"))
            .transpose()?;
        let p = forum::create_post(
            r,
            forum::NewPost {
                thread_id,
                body: &input.body,
                content_warning: input.content_warning.as_deref(),
                reply_to,
            },
        )
        .await?;
        Ok(Post::from(p))
    }

    /// The author only.
    async fn edit_post(&self, ctx: &Context<'_>, input: EditPostInput) -> Result<Post> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::Post, &input.post_id)?;
        let p = forum::edit_post(r, id, &input.body, input.content_warning.as_deref()).await?;
        Ok(Post::from(p))
    }

    /// The author only; leaves a DELETED tombstone.
    async fn delete_post(&self, ctx: &Context<'_>, post_id: ID) -> Result<Post> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        Ok(Post::from(
            forum::delete_post(r, ids::decode(Kind::Post, &post_id)?).await?,
        ))
    }

    /// Idempotent.
    async fn react(&self, ctx: &Context<'_>, post_id: ID, kind: ReactionKind) -> Result<Post> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::Post, &post_id)?;
        Ok(Post::from(
            forum::set_reaction(r, id, kind.into(), true).await?,
        ))
    }

    /// Idempotent.
    async fn unreact(&self, ctx: &Context<'_>, post_id: ID, kind: ReactionKind) -> Result<Post> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::Post, &post_id)?;
        Ok(Post::from(
            forum::set_reaction(r, id, kind.into(), false).await?,
        ))
    }

    /// Any member, once per post and reason.
    async fn flag_post(&self, ctx: &Context<'_>, input: FlagPostInput) -> Result<Flag> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::Post, &input.post_id)?;
        let f = moderation::flag_post(r, id, input.reason.into(), input.note.as_deref()).await?;
        Ok(Flag(f))
    }

    async fn resolve_flag(
        &self,
        ctx: &Context<'_>,
        flag_id: ID,
        note: Option<String>,
    ) -> Result<Flag> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::Flag, &flag_id)?;
        Ok(Flag(
            moderation::close_flag(r, id, moderation::Closing::Resolve, note.as_deref()).await?,
        ))
    }

    /// Takes an open flag in hand, so that it does not escalate; facilitators
    /// of the group and admins. Acknowledging again changes nothing.
    async fn acknowledge_flag(&self, ctx: &Context<'_>, flag_id: ID) -> Result<Flag> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::Flag, &flag_id)?;
        Ok(Flag(moderation::acknowledge_flag(r, id).await?))
    }

    async fn dismiss_flag(
        &self,
        ctx: &Context<'_>,
        flag_id: ID,
        note: Option<String>,
    ) -> Result<Flag> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::Flag, &flag_id)?;
        Ok(Flag(
            moderation::close_flag(r, id, moderation::Closing::Dismiss, note.as_deref()).await?,
        ))
    }

    async fn hide_post(
        &self,
        ctx: &Context<'_>,
        post_id: ID,
        reason: Option<String>,
    ) -> Result<Post> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::Post, &post_id)?;
        Ok(Post::from(
            moderation::set_post_hidden(r, id, moderation::PostVisibility::Hide, reason.as_deref())
                .await?,
        ))
    }

    async fn restore_post(
        &self,
        ctx: &Context<'_>,
        post_id: ID,
        reason: Option<String>,
    ) -> Result<Post> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::Post, &post_id)?;
        Ok(Post::from(
            moderation::set_post_hidden(
                r,
                id,
                moderation::PostVisibility::Restore,
                reason.as_deref(),
            )
            .await?,
        ))
    }

    async fn set_thread_locked(
        &self,
        ctx: &Context<'_>,
        thread_id: ID,
        locked: bool,
    ) -> Result<Thread> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::Thread, &thread_id)?;
        Ok(Thread(
            moderation::set_thread_flag(r, id, ThreadFlag::Locked, locked).await?,
        ))
    }

    /// Registers a browser's push subscription (`PushSubscription.toJSON()`:
    /// the endpoint and the base64url `p256dh` and `auth` keys). The
    /// endpoint must be https on a public address. Registering the same
    /// endpoint again replaces it.
    async fn register_push_subscription(
        &self,
        ctx: &Context<'_>,
        input: RegisterPushSubscriptionInput,
    ) -> Result<PushSubscription> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let s = service::push::register(
            r,
            service::push::NewSubscription {
                endpoint: &input.endpoint,
                p256dh: &input.p256dh,
                auth: &input.auth,
            },
        )
        .await?;
        Ok(PushSubscription(s))
    }

    async fn unregister_push_subscription(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::PushSubscription, &id)?;
        service::push::unregister(r, id).await?;
        Ok(true)
    }

    /// Local times such as "22:00" and "07:00" in an IANA time zone (UTC
    /// when null) between which pushes wait, all but urgent flags to
    /// facilitators; both null clears them.
    async fn set_quiet_hours(
        &self,
        ctx: &Context<'_>,
        start: Option<String>,
        end: Option<String>,
        time_zone: Option<String>,
    ) -> Result<Viewer> {
        let r = rc_write(ctx)?;
        let viewer = r.viewer()?.id;
        service::push::set_quiet_hours(r, start.as_deref(), end.as_deref(), time_zone.as_deref())
            .await?;
        let user = r
            .load_user(viewer)
            .await?
            .ok_or(crate::error::AppError::NotFound)?;
        Ok(Viewer(user))
    }

    /// Asks for an archive of the viewer's data; built in the background
    /// (see `Viewer.dataExports`). At most one per 24 hours (RATE_LIMITED).
    async fn request_data_export(&self, ctx: &Context<'_>) -> Result<DataExport> {
        let r = rc_write(ctx)?;
        Ok(DataExport(service::exports::request(r).await?))
    }

    /// Closes the viewer's account after the grace period: sessions end
    /// now, and the account stays locked until the closure, which signing
    /// in and `cancelAccountClosure` can still call off.
    async fn close_account(
        &self,
        ctx: &Context<'_>,
        input: CloseAccountInput,
    ) -> Result<AccountClosure> {
        let r = rc_write(ctx)?;
        Ok(AccountClosure(
            service::closures::close_account(r, input.mode.name(), input.password).await?,
        ))
    }

    /// Calls off the viewer's pending closure; false when there was none.
    async fn cancel_account_closure(&self, ctx: &Context<'_>) -> Result<bool> {
        let r = rc_write(ctx)?;
        Ok(service::closures::cancel(r).await?)
    }

    /// Platform admins: closes an account at once, with a reason that the
    /// access audit keeps.
    async fn close_account_as_admin(
        &self,
        ctx: &Context<'_>,
        input: CloseAccountAsAdminInput,
    ) -> Result<AccountClosure> {
        let r = rc_write(ctx)?;
        let user_id = ids::decode(Kind::User, &input.user_id)?;
        Ok(AccountClosure(
            service::closures::close_account_as_admin(r, user_id, input.mode.name(), &input.reason)
                .await?,
        ))
    }

    /// Facilitators and admins: the group becomes read-only (no posts,
    /// reactions or invites).
    async fn archive_group(&self, ctx: &Context<'_>, group_id: ID) -> Result<Group> {
        let r = rc_write(ctx)?;
        let id = ids::decode(Kind::Group, &group_id)?;
        Ok(Group(service::group_data::archive(r, id).await?))
    }

    /// Facilitators and admins: posts older than `days` (1 to 36500)
    /// become tombstones and leave search; null keeps posts.
    async fn set_group_retention(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        days: Option<i32>,
    ) -> Result<Group> {
        let r = rc_write(ctx)?;
        let id = ids::decode(Kind::Group, &group_id)?;
        Ok(Group(
            service::group_data::set_retention(r, id, days).await?,
        ))
    }

    /// Platform admins: archives the group now and purges it after the
    /// export window (14 days by default). `confirm` repeats its slug.
    async fn delete_group(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        confirm: String,
    ) -> Result<Group> {
        let r = rc_write(ctx)?;
        let id = ids::decode(Kind::Group, &group_id)?;
        Ok(Group(service::group_data::delete(r, id, &confirm).await?))
    }

    /// Marks the viewer's notifications read, up to and including `upTo`
    /// (one of theirs) when given, else all; how many were unread.
    async fn mark_notifications_read(&self, ctx: &Context<'_>, up_to: Option<ID>) -> Result<i32> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let up_to = up_to
            .map(|id| ids::decode(Kind::Notification, &id))
            .transpose()?;
        let n = service::notifications::mark_read(r, up_to).await?;
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }

    /// Marks the thread read up to a post of it (by default its latest).
    /// A read mark only moves forward.
    async fn mark_thread_read(
        &self,
        ctx: &Context<'_>,
        thread_id: ID,
        up_to_post_id: Option<ID>,
    ) -> Result<Thread> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::Thread, &thread_id)?;
        let up_to = up_to_post_id
            .map(|p| ids::decode(Kind::Post, &p))
            .transpose()?;
        Ok(Thread(
            service::reading::mark_thread_read(r, id, up_to).await?,
        ))
    }

    async fn set_thread_notification_level(
        &self,
        ctx: &Context<'_>,
        thread_id: ID,
        level: NotificationLevel,
    ) -> Result<Thread> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::Thread, &thread_id)?;
        Ok(Thread(
            service::reading::set_notification_level(r, id, level.into()).await?,
        ))
    }

    async fn set_thread_pinned(
        &self,
        ctx: &Context<'_>,
        thread_id: ID,
        pinned: bool,
    ) -> Result<Thread> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::Thread, &thread_id)?;
        Ok(Thread(
            moderation::set_thread_flag(r, id, ThreadFlag::Pinned, pinned).await?,
        ))
    }

    async fn mute_member(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        user_id: ID,
        until: DateTime<Utc>,
        reason: Option<String>,
    ) -> Result<Membership> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let g = ids::decode(Kind::Group, &group_id)?;
        let u = ids::decode(Kind::User, &user_id)?;
        Ok(Membership(
            moderation::set_mute(r, g, u, Some(until), reason.as_deref()).await?,
        ))
    }

    async fn unmute_member(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        user_id: ID,
    ) -> Result<Membership> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let g = ids::decode(Kind::Group, &group_id)?;
        let u = ids::decode(Kind::User, &user_id)?;
        Ok(Membership(moderation::set_mute(r, g, u, None, None).await?))
    }

    async fn remove_member(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        user_id: ID,
        reason: Option<String>,
    ) -> Result<bool> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let g = ids::decode(Kind::Group, &group_id)?;
        let u = ids::decode(Kind::User, &user_id)?;
        Ok(moderation::remove_member(r, g, u, reason.as_deref()).await?)
    }

    /// Lifts a removal: the person may join again with an invite. Logged.
    /// False when they were not removed.
    async fn unban_member(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        user_id: ID,
        reason: Option<String>,
    ) -> Result<bool> {
        let r = rc_write(ctx)?;
        r.viewer()?;
        let g = ids::decode(Kind::Group, &group_id)?;
        let u = ids::decode(Kind::User, &user_id)?;
        Ok(moderation::unban_member(r, g, u, reason.as_deref()).await?)
    }
}

#[derive(InputObject)]
pub struct RegisterPushSubscriptionInput {
    pub endpoint: String,
    /// As browsers name it.
    #[graphql(name = "p256dh")]
    pub p256dh: String,
    pub auth: String,
}

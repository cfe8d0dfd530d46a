//! Groups, memberships and invites.
use super::*;

pub struct Group(pub group::Model);

#[Object]
impl Group {
    pub async fn id(&self) -> ID {
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
    /// Set once archived: members read, nobody posts, reacts or invites.
    async fn archived_at(&self) -> Option<DateTime<Utc>> {
        self.0.archived_at
    }
    /// Posts older than this many days become tombstones; null keeps them.
    async fn retention_days(&self) -> Option<i32> {
        self.0.retention_days
    }
    /// When the group will be purged, once an admin deleted it.
    async fn deletion_scheduled_for(&self) -> Option<DateTime<Utc>> {
        self.0.delete_after
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Threads with posts new to the viewer, muted threads left out; 0 for
    /// an admin who is not a member.
    async fn unread_thread_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let n = service::reading::unread_threads(rc(ctx)?, self.0.id).await?;
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
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
        let after = pg::decode::<pg::Members>(after.as_deref())?;
        let page = service::groups::members(rc(ctx)?, self.0.id, limit, after).await?;
        Ok(connection(
            page,
            |m| pg::encode::<pg::Members>(&(m.joined_at, m.user_id)),
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
        let after =
            pg::decode::<pg::Threads>(after.as_deref())?.map(|(pinned, last_activity_at, id)| {
                ThreadKey {
                    pinned,
                    last_activity_at,
                    id,
                }
            });
        let page = service::forum::threads(rc(ctx)?, self.0.id, limit, after).await?;
        Ok(connection(
            page,
            |t| {
                let k = ThreadKey::of(t);
                pg::encode::<pg::Threads>(&(k.pinned, k.last_activity_at, k.id))
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
        let after =
            pg::decode::<pg::Flags>(after.as_deref())?.map(|(urgent, created_at, id)| FlagKey {
                urgent,
                created_at,
                id,
            });
        let page =
            service::moderation::flags(rc(ctx)?, self.0.id, status.map(Into::into), limit, after)
                .await?;
        Ok(connection(
            page,
            |f| pg::encode::<pg::Flags>(&(f.urgent, f.created_at, f.id)),
            Flag,
        ))
    }
    /// The group's sessions: with `upcoming: true` those not yet over,
    /// soonest first; with `false` those over, latest first; without it
    /// all, earliest first.
    #[graphql(complexity = "pg_cost(first, child_complexity)")]
    async fn sessions(
        &self,
        ctx: &Context<'_>,
        upcoming: Option<bool>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, GroupSession>> {
        let r = rc(ctx)?;
        policy::read_group(&r.standing(self.0.id).await?)?;
        let limit = pg::page_size("first", first)?;
        let after = pg::decode::<pg::Sessions>(after.as_deref())?;
        let window = match upcoming {
            Some(true) => service::sessions::Window::Upcoming,
            Some(false) => service::sessions::Window::Past,
            None => service::sessions::Window::All,
        };
        let page = service::sessions::sessions(r, self.0.id, window, limit, after).await?;
        Ok(connection(
            page,
            |s| pg::encode::<pg::Sessions>(&(s.starts_at, s.id)),
            GroupSession,
        ))
    }
    /// The next session not cancelled nor over; it may be under way.
    async fn next_session(&self, ctx: &Context<'_>) -> Result<Option<GroupSession>> {
        let r = rc(ctx)?;
        policy::read_group(&r.standing(self.0.id).await?)?;
        Ok(service::sessions::next_session(r, self.0.id)
            .await?
            .map(GroupSession))
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
        let after = pg::decode::<pg::ModerationLog>(after.as_deref())?;
        let page = service::moderation::moderation_log(rc(ctx)?, self.0.id, limit, after).await?;
        Ok(connection(
            page,
            |a| pg::encode::<pg::ModerationLog>(&a.id),
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
    /// Sessions attended (PRESENT or LATE) out of those recorded, EXCUSED
    /// left out, from 0 to 1. For the group's facilitators and the member
    /// themself; null for anyone else and before any record.
    async fn attendance_rate(&self, ctx: &Context<'_>) -> Result<Option<f64>> {
        Ok(service::sessions::attendance_rate(rc(ctx)?, self.0.group_id, self.0.user_id).await?)
    }
    /// The member's mood at their latest `last` check-ins (1 to 52),
    /// oldest first. For the member themself and the group's facilitators
    /// (FORBIDDEN for others); a facilitator's read is recorded in the
    /// member's access log.
    #[graphql(complexity = "5 + last.max(0) as usize * child_complexity")]
    async fn mood_trend(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = 12)] last: i32,
    ) -> Result<Vec<MoodPoint>> {
        let points =
            service::sessions::mood_trend(rc(ctx)?, self.0.group_id, self.0.user_id, last).await?;
        Ok(points.into_iter().map(|(c, s)| MoodPoint(c, s)).collect())
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

//! Users, the viewer and sign-in results.
use super::*;

/// Another person as group members see them: no login handle, no e-mail.
#[derive(Clone)]
pub struct User(pub user::Model);

// Serial: its fields need nothing that is not already loaded, and
// resolving them concurrently costs an entry in a FuturesUnordered and a
// wake-up each (see `Post`).
#[Object(serial)]
impl User {
    pub async fn id(&self) -> ID {
        ids::encode(Kind::User, self.0.id)
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

pub(super) async fn load_user(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> Result<Option<User>> {
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
    /// A secret address of an iCalendar feed of the viewer's groups'
    /// upcoming sessions, for a calendar app to subscribe to. Anyone with
    /// it can read the feed: `rotateCalendarUrl` replaces it. Video links
    /// are left out unless the viewer opted in when rotating.
    async fn calendar_url(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(service::sessions::calendar_url(rc(ctx)?).await?)
    }
    #[graphql(complexity = "pg_cost(first, child_complexity)")]
    async fn groups(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Group>> {
        let limit = pg::page_size("first", first)?;
        let after = pg::decode::<pg::ViewerGroups>(after.as_deref())?;
        let page = service::groups::viewer_groups(rc(ctx)?, limit, after).await?;
        Ok(connection(
            page,
            |(m, _)| pg::encode::<pg::ViewerGroups>(&(m.joined_at, m.group_id)),
            |(_, g)| Group(g),
        ))
    }
    /// Newest first. Only what the viewer may still see: nothing of a
    /// group they have left, nothing from before they (last) joined it,
    /// and flag notifications only while they facilitate it.
    #[graphql(complexity = "pg_cost(first, child_complexity)")]
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        unread_only: Option<bool>,
    ) -> Result<Connection<String, Notification>> {
        let limit = pg::page_size("first", first)?;
        let after = pg::decode::<pg::Notifications>(after.as_deref())?;
        let page =
            service::notifications::inbox(rc(ctx)?, unread_only.unwrap_or(false), limit, after)
                .await?;
        Ok(connection(
            page,
            |n| pg::encode::<pg::Notifications>(&n.id),
            Notification,
        ))
    }
    /// Newest first; at most 20 (registering another drops the oldest).
    async fn push_subscriptions(&self, ctx: &Context<'_>) -> Result<Vec<PushSubscription>> {
        Ok(service::push::subscriptions(rc(ctx)?)
            .await?
            .into_iter()
            .map(PushSubscription)
            .collect())
    }
    async fn quiet_hours(&self, ctx: &Context<'_>) -> Result<Option<QuietHours>> {
        Ok(service::push::quiet_hours(rc(ctx)?)
            .await?
            .map(|s| QuietHours {
                start: s.quiet_start.unwrap_or_default(),
                end: s.quiet_end.unwrap_or_default(),
                time_zone: s.time_zone.unwrap_or_else(|| "UTC".into()),
            }))
    }
    async fn unread_notification_count(&self, ctx: &Context<'_>) -> Result<i32> {
        let n = service::notifications::unread_count(rc(ctx)?).await?;
        Ok(i32::try_from(n).unwrap_or(i32::MAX))
    }
    /// Who accessed the viewer's data beyond ordinary group reading, and
    /// admins' break-glass reads of the viewer's groups; newest first.
    #[graphql(complexity = "pg_cost(first, child_complexity)")]
    async fn access_log(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, AccessEvent>> {
        let limit = pg::page_size("first", first)?;
        let after = pg::decode::<pg::AccessEvents>(after.as_deref())?;
        let page = service::audit::access_log(rc(ctx)?, limit, after).await?;
        Ok(connection(
            page,
            |e| pg::encode::<pg::AccessEvents>(&e.id),
            AccessEvent,
        ))
    }
    /// The viewer's data exports, newest first; at most 10.
    async fn data_exports(&self, ctx: &Context<'_>) -> Result<Vec<DataExport>> {
        Ok(service::exports::list(rc(ctx)?)
            .await?
            .into_iter()
            .map(DataExport)
            .collect())
    }
    /// The viewer's account closure, while one is pending.
    async fn pending_closure(&self, ctx: &Context<'_>) -> Result<Option<AccountClosure>> {
        // By the account this object is: also right on a sign-in's payload,
        // which is read before the request has a viewer.
        Ok(service::closures::pending_of(rc(ctx)?, self.0.id)
            .await?
            .map(AccountClosure))
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

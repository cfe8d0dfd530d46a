use super::pagination as pg;
use super::{
    ids::{self, Kind},
    rc,
    types::*,
};
use crate::{error::AppError, service, service::search};
use async_graphql::{
    connection::{Connection, Edge, EmptyFields},
    Context, InputObject, Object, Result, SimpleObject, ID,
};
use chrono::{DateTime, Utc};

#[derive(InputObject, Default)]
pub struct PostSearchFilter {
    pub group_ids: Option<Vec<ID>>,
    pub thread_id: Option<ID>,
    pub author_id: Option<ID>,
    /// Default: VISIBLE only. Facilitators may ask for HIDDEN too.
    pub states: Option<Vec<PostState>>,
    /// Only posts that have an open flag.
    pub flagged_only: Option<bool>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

#[derive(SimpleObject)]
pub struct PostSearchHit {
    pub post: Post,
    /// The matching passage, matched terms wrapped in <mark></mark>.
    pub highlight: String,
    pub score: f64,
}

#[derive(SimpleObject)]
pub struct SearchTotals {
    /// Estimated number of matches the viewer may see.
    pub total_count: i32,
}

pub type PostSearchHitConnection = Connection<String, PostSearchHit, SearchTotals, EmptyFields>;

/// Filter IDs that do not decode match nothing rather than fail: a client
/// learns nothing from which IDs exist.
fn filter_ids(ids: &[ID], kind: Kind) -> Vec<uuid::Uuid> {
    ids.iter()
        .filter_map(|id| ids::decode(kind, id).ok())
        .collect()
}

pub struct QueryRoot;

#[Object(name = "Query")]
impl QueryRoot {
    /// Any object by its global ID; NOT_FOUND when it does not exist or the
    /// viewer may not see it.
    #[graphql(complexity = "super::types::LOOKUP_COST + child_complexity")]
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        let r = rc(ctx)?;
        crate::domain::policy::require_account_holder(&r.auth)?;
        let (kind, uuid) = ids::decode_any(&id)?;
        let node = match kind {
            Kind::User => Node::User(User(service::groups::visible_user(r, uuid).await?)),
            Kind::Group => Node::Group(Group(service::groups::group(r, uuid).await?)),
            Kind::Thread => Node::Thread(Thread(service::forum::thread(r, uuid).await?)),
            Kind::Post => Node::Post(Post::from(service::forum::post(r, uuid).await?)),
            Kind::Flag => Node::Flag(Flag(service::moderation::flag(r, uuid).await?)),
            Kind::ModerationAction => Node::ModerationAction(ModerationAction(
                service::moderation::action(r, uuid).await?,
            )),
            Kind::Notification => Node::Notification(Notification(
                service::notifications::notification(r, uuid).await?,
            )),
            // Not Nodes: listed on the viewer, or for admins only.
            Kind::PushSubscription | Kind::WebhookEndpoint | Kind::WebhookDelivery => {
                return Err(AppError::NotFound.into())
            }
            Kind::AccessEvent => {
                Node::AccessEvent(AccessEvent(service::audit::one(r, uuid).await?))
            }
            Kind::DataExport => Node::DataExport(DataExport(service::exports::one(r, uuid).await?)),
            Kind::GroupSession => {
                Node::GroupSession(GroupSession(service::sessions::readable(r, uuid).await?.0))
            }
            Kind::CheckIn => Node::CheckIn(CheckIn(service::sessions::check_in(r, uuid).await?)),
        };
        Ok(Some(node))
    }

    /// Every webhook endpoint, oldest first (at most 100). Admins only.
    async fn webhook_endpoints(&self, ctx: &Context<'_>) -> Result<Vec<WebhookEndpoint>> {
        let list = service::webhooks::list(rc(ctx)?).await?;
        Ok(list.into_iter().map(WebhookEndpoint).collect())
    }

    /// What a client needs to subscribe a browser to Web Push; no sign-in
    /// needed.
    async fn push_config(&self, ctx: &Context<'_>) -> Result<PushConfig> {
        Ok(PushConfig {
            vapid_public_key: rc(ctx)?.state.vapid.public_key.clone(),
        })
    }

    /// The whole access audit, newest first, optionally narrowed. Platform
    /// admins only (FORBIDDEN for anyone else).
    #[graphql(complexity = "super::types::pg_cost(first, child_complexity)")]
    async fn access_audit(
        &self,
        ctx: &Context<'_>,
        filter: Option<AccessAuditFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, AccessEvent>> {
        let r = rc(ctx)?;
        let limit = pg::page_size("first", first)?;
        let after = pg::decode::<pg::AccessEvents>(after.as_deref())?;
        let f = filter.unwrap_or_default();
        // An ID of the wrong type matches nothing rather than everything.
        let id_of = |id: &Option<ID>, kind: Kind| {
            id.as_ref()
                .map(|i| ids::decode(kind, i).unwrap_or(uuid::Uuid::nil()))
        };
        let filter = crate::store::audit::Filter {
            actor_id: id_of(&f.actor_id, Kind::User),
            subject_id: id_of(&f.subject_id, Kind::User),
            group_id: id_of(&f.group_id, Kind::Group),
            kind: f
                .kind
                .map(|k| crate::domain::audit::AccessKind::from(k).as_str()),
            from: f.from,
            to: f.to,
        };
        let page = service::audit::access_audit(r, filter, limit, after).await?;
        Ok(pg::connection(
            page,
            |e| pg::encode::<pg::AccessEvents>(&e.id),
            AccessEvent,
        ))
    }

    /// Null when the request carries no valid token.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Option<Viewer>> {
        let r = rc(ctx)?;
        let Some(v) = r.auth.viewer() else {
            return Ok(None);
        };
        Ok(r.load_user(v.id).await?.map(Viewer))
    }

    #[graphql(complexity = "super::types::LOOKUP_COST + child_complexity")]
    async fn group(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Group>> {
        let r = rc(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::Group, &id)?;
        Ok(Some(Group(service::groups::group(r, id).await?)))
    }

    #[graphql(complexity = "super::types::LOOKUP_COST + child_complexity")]
    async fn group_by_slug(&self, ctx: &Context<'_>, slug: String) -> Result<Option<Group>> {
        let r = rc(ctx)?;
        if slug.len() > 64 {
            r.viewer()?;
            return Err(AppError::NotFound.into());
        }
        Ok(Some(Group(service::groups::group_by_slug(r, &slug).await?)))
    }

    #[graphql(complexity = "super::types::LOOKUP_COST + child_complexity")]
    async fn thread(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Thread>> {
        let r = rc(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::Thread, &id)?;
        Ok(Some(Thread(service::forum::thread(r, id).await?)))
    }

    /// Full-text search over posts in the groups the viewer belongs to, in
    /// order of relevance. Every word must match, case and accents folded; a
    /// word of 5-8 letters may have one typo and a longer one two, and the
    /// last word also matches as a prefix. Equal relevance comes newest
    /// first. Each hit carries a score and a highlighted passage; totalCount
    /// is exact up to 1,000 hits, the most that paging reaches. Facilitators
    /// see hidden posts of the groups they facilitate when they ask for
    /// them; members see visible posts only.
    #[graphql(complexity = "15 + pg_cost(first, child_complexity)")]
    async fn search_posts(
        &self,
        ctx: &Context<'_>,
        query: String,
        filter: Option<PostSearchFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<PostSearchHitConnection> {
        let r = rc(ctx)?;
        r.viewer()?;
        let limit = pg::page_size("first", first)?;
        let offset = pg::decode::<pg::Search>(after.as_deref())?.unwrap_or(0);
        let f = filter.unwrap_or_default();
        let none = uuid::Uuid::nil();
        let one =
            |id: &Option<ID>, kind| id.as_ref().map(|id| ids::decode(kind, id).unwrap_or(none));
        let filter = search::Filter {
            group_ids: f.group_ids.as_deref().map(|g| filter_ids(g, Kind::Group)),
            thread_id: one(&f.thread_id, Kind::Thread),
            author_id: one(&f.author_id, Kind::User),
            states: f.states.map(|s| s.into_iter().map(Into::into).collect()),
            flagged_only: f.flagged_only.unwrap_or(false),
            since: f.since,
            until: f.until,
        };
        let res = search::search(r, &query, filter, limit, offset).await?;
        let mut conn = Connection::with_additional_fields(
            res.page.has_previous,
            res.page.has_next,
            SearchTotals {
                total_count: i32::try_from(res.total).unwrap_or(i32::MAX),
            },
        );
        conn.edges = res
            .page
            .items
            .into_iter()
            .map(|h| {
                Edge::new(
                    pg::encode::<pg::Search>(&h.next_offset),
                    PostSearchHit {
                        post: Post::from(h.post),
                        highlight: h.highlight,
                        score: h.score,
                    },
                )
            })
            .collect();
        Ok(conn)
    }

    /// Runs the crisis check on a draft, so a client can offer support
    /// resources while the member is still typing. Publishes nothing and
    /// alerts nobody.
    #[graphql(complexity = "10 + body.len() / 200")]
    async fn check_draft(
        &self,
        ctx: &Context<'_>,
        group_id: ID,
        body: String,
    ) -> Result<DraftCheck> {
        let r = rc(ctx)?;
        r.viewer()?;
        let gid = ids::decode(Kind::Group, &group_id)?;
        let check = service::safety::check_draft(r, gid, body).await?;
        Ok(DraftCheck {
            risk: check.risk.into(),
            support_resources: check
                .support_resources
                .into_iter()
                .map(SupportResource)
                .collect(),
        })
    }

    #[graphql(complexity = "super::types::LOOKUP_COST + child_complexity")]
    async fn post(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Post>> {
        let r = rc(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::Post, &id)?;
        Ok(Some(Post::from(service::forum::post(r, id).await?)))
    }
}

use super::{
    ids::{self, Kind},
    rc,
    types::*,
};
use crate::{error::AppError, service};
use async_graphql::{Context, Object, Result, ID};

pub struct QueryRoot;

#[Object(name = "Query")]
impl QueryRoot {
    /// Any object by its global ID; NOT_FOUND when it does not exist or the
    /// viewer may not see it.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        let r = rc(ctx)?;
        r.viewer()?;
        let (kind, uuid) = ids::decode_any(&id)?;
        let node = match kind {
            Kind::User => Node::User(User(service::groups::visible_user(r, uuid).await?)),
            Kind::Group => Node::Group(Group(service::groups::group(r, uuid).await?)),
            Kind::Thread => Node::Thread(Thread(service::forum::thread(r, uuid).await?)),
            Kind::Post => Node::Post(Post(service::forum::post(r, uuid).await?)),
            Kind::Flag => Node::Flag(Flag(service::moderation::flag(r, uuid).await?)),
            Kind::ModerationAction => Node::ModerationAction(ModerationAction(
                service::moderation::action(r, uuid).await?,
            )),
        };
        Ok(Some(node))
    }

    /// Null when the request carries no valid token.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Option<Viewer>> {
        let r = rc(ctx)?;
        let Some(v) = r.auth.viewer() else {
            return Ok(None);
        };
        Ok(r.load_user(v.id).await?.map(Viewer))
    }

    async fn group(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Group>> {
        let r = rc(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::Group, &id)?;
        Ok(Some(Group(service::groups::group(r, id).await?)))
    }

    async fn group_by_slug(&self, ctx: &Context<'_>, slug: String) -> Result<Option<Group>> {
        let r = rc(ctx)?;
        if slug.len() > 64 {
            r.viewer()?;
            return Err(AppError::NotFound.into());
        }
        Ok(Some(Group(service::groups::group_by_slug(r, &slug).await?)))
    }

    async fn thread(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Thread>> {
        let r = rc(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::Thread, &id)?;
        Ok(Some(Thread(service::forum::thread(r, id).await?)))
    }

    async fn post(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Post>> {
        let r = rc(ctx)?;
        r.viewer()?;
        let id = ids::decode(Kind::Post, &id)?;
        Ok(Some(Post(service::forum::post(r, id).await?)))
    }
}

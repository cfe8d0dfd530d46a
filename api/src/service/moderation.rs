//! The facilitator's views of a group: the review queue and the audit log.
use super::RequestCtx;
use crate::{
    domain::policy,
    error::AppResult,
    store::{keyset_after, Page},
};
use chrono::{DateTime, Utc};
use entity::{enums::FlagStatus, flag, moderation_action};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

#[derive(Debug, Clone, Copy)]
pub struct FlagKey {
    pub urgent: bool,
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

/// The review queue: URGENT first, then oldest first.
pub async fn flags(
    ctx: &RequestCtx,
    group_id: Uuid,
    status: Option<FlagStatus>,
    limit: u64,
    after: Option<FlagKey>,
) -> AppResult<Page<flag::Model>> {
    let standing = ctx.standing(group_id).await?;
    policy::moderate(&standing)?;
    let mut q = flag::Entity::find().filter(flag::Column::GroupId.eq(group_id));
    if let Some(s) = status {
        q = q.filter(flag::Column::Status.eq(s));
    }
    if let Some(k) = after {
        q = q.filter(
            Condition::any().add(flag::Column::Urgent.lt(k.urgent)).add(
                Condition::all()
                    .add(flag::Column::Urgent.eq(k.urgent))
                    .add(keyset_after(
                        flag::Column::CreatedAt,
                        flag::Column::Id,
                        k.created_at,
                        k.id,
                        false,
                    )),
            ),
        );
    }
    let rows = q
        .order_by_desc(flag::Column::Urgent)
        .order_by_asc(flag::Column::CreatedAt)
        .order_by_asc(flag::Column::Id)
        .limit(limit + 1)
        .all(&ctx.state.db.conn)
        .await?;
    Ok(Page::from_overfetch(rows, limit, after.is_some()))
}

/// The audit log, newest first.
pub async fn moderation_log(
    ctx: &RequestCtx,
    group_id: Uuid,
    limit: u64,
    after: Option<Uuid>,
) -> AppResult<Page<moderation_action::Model>> {
    let standing = ctx.standing(group_id).await?;
    policy::moderate(&standing)?;
    let mut q =
        moderation_action::Entity::find().filter(moderation_action::Column::GroupId.eq(group_id));
    if let Some(a) = after {
        q = q.filter(moderation_action::Column::Id.lt(a));
    }
    let rows = q
        .order_by_desc(moderation_action::Column::Id)
        .limit(limit + 1)
        .all(&ctx.state.db.conn)
        .await?;
    Ok(Page::from_overfetch(rows, limit, after.is_some()))
}

/// A flag, for the facilitators and admins of its group only; NOT_FOUND for
/// everyone else, as if it did not exist.
pub async fn flag(ctx: &RequestCtx, id: Uuid) -> AppResult<flag::Model> {
    ctx.viewer()?;
    let found = flag::Entity::find_by_id(id).one(&ctx.state.db.conn).await?;
    let standing = ctx
        .standing(found.as_ref().map_or(Uuid::nil(), |f| f.group_id))
        .await?;
    let found = found.ok_or(crate::error::AppError::NotFound)?;
    policy::read_group(&standing)?;
    if !standing.is_moderator() {
        return Err(crate::error::AppError::NotFound);
    }
    Ok(found)
}

pub async fn action(ctx: &RequestCtx, id: Uuid) -> AppResult<moderation_action::Model> {
    ctx.viewer()?;
    let found = moderation_action::Entity::find_by_id(id)
        .one(&ctx.state.db.conn)
        .await?;
    let standing = ctx
        .standing(found.as_ref().map_or(Uuid::nil(), |a| a.group_id))
        .await?;
    let found = found.ok_or(crate::error::AppError::NotFound)?;
    policy::read_group(&standing)?;
    if !standing.is_moderator() {
        return Err(crate::error::AppError::NotFound);
    }
    Ok(found)
}

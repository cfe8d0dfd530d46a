//! Supportive reactions.
use crate::service::RequestCtx;
use crate::{
    domain::policy,
    error::{AppError, AppResult},
    store::{events::Subject, lock_post, now},
};
use entity::{
    enums::{EventKind, ReactionKind},
    post, reaction,
};
use sea_orm::{sea_query::OnConflict, EntityTrait, Set};
use uuid::Uuid;

/// Adds (`on`) or removes a reaction; repeating either changes nothing.
pub async fn set_reaction(
    ctx: &RequestCtx,
    post_id: Uuid,
    kind: ReactionKind,
    on: bool,
) -> AppResult<post::Model> {
    let (post, standing) = ctx.readable_post(post_id).await?;
    policy::react(&standing, &post, now())?;
    let viewer_id = standing.viewer.id;
    let db = &ctx.state.db;
    let mut w = db.write_in(post.group_id).await?;
    let post = lock_post(&w, post_id).await?.ok_or(AppError::NotFound)?;
    let standing = ctx.standing_in(&w, post.group_id).await?;
    policy::react(&standing, &post, now())?;
    let changed = if on {
        reaction::Entity::insert(reaction::ActiveModel {
            post_id: Set(post_id),
            user_id: Set(viewer_id),
            kind: Set(kind),
            created_at: Set(now()),
        })
        .on_conflict(
            OnConflict::columns([
                reaction::Column::PostId,
                reaction::Column::UserId,
                reaction::Column::Kind,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(&w.txn)
        .await?
    } else {
        reaction::Entity::delete_by_id((post_id, viewer_id, kind))
            .exec(&w.txn)
            .await?
            .rows_affected
    };
    if changed > 0 {
        w.append_event(
            post.group_id,
            EventKind::ReactionsChanged,
            Some(viewer_id),
            Subject::post(post.thread_id, post_id),
        )
        .await?;
    }
    db.commit(w).await?;
    Ok(post)
}

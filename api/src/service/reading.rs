//! Read state and notification levels: what is new to the viewer in each
//! thread and group, marking a thread read, and how much the viewer wants
//! to hear of a thread. Private to each member: nothing here emits events.
use super::RequestCtx;
use crate::{
    domain::reading,
    error::{AppError, AppResult},
    store::reads::{self, Unread},
};
use entity::{enums::NotificationLevel, post, thread};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

/// What is unread to the viewer in a thread they may read.
pub async fn unread(ctx: &RequestCtx, thread_id: Uuid) -> AppResult<Unread> {
    ctx.viewer()?;
    Ok(ctx
        .loaders()
        .unread()
        .load_one(thread_id)
        .await
        .map_err(AppError::from)?
        .unwrap_or_default())
}

/// Threads with unread posts in a group the viewer may read, muted ones
/// left out.
pub async fn unread_threads(ctx: &RequestCtx, group_id: Uuid) -> AppResult<i64> {
    ctx.viewer()?;
    Ok(ctx
        .loaders()
        .unread_threads()
        .load_one(group_id)
        .await
        .map_err(AppError::from)?
        .unwrap_or(0))
}

pub async fn notification_level(ctx: &RequestCtx, thread_id: Uuid) -> AppResult<NotificationLevel> {
    ctx.viewer()?;
    let state = ctx
        .loaders()
        .thread_states()
        .load_one(thread_id)
        .await
        .map_err(AppError::from)?
        .unwrap_or_default();
    Ok(reading::notification_level(
        state.row.and_then(|r| r.notification_level),
        state.posted,
    ))
}

/// Marks the thread read up to `up_to` (a post in it), or to its latest
/// post. Read marks only move forward.
pub async fn mark_thread_read(
    ctx: &RequestCtx,
    thread_id: Uuid,
    up_to: Option<Uuid>,
) -> AppResult<thread::Model> {
    let (thread, standing) = ctx.readable_thread(thread_id).await?;
    let mark = match up_to {
        Some(post_id) => {
            let (post, _) = ctx.readable_post(post_id).await?;
            if post.thread_id != thread.id {
                return Err(AppError::bad_input(
                    "upToPostId is not a post of this thread",
                ));
            }
            Some(post.id)
        }
        None => {
            post::Entity::find()
                .select_only()
                .column(post::Column::Id)
                .filter(post::Column::ThreadId.eq(thread.id))
                .order_by_desc(post::Column::Id)
                .limit(1)
                .into_tuple::<Uuid>()
                .one(&ctx.state.db.conn)
                .await?
        }
    };
    if let Some(mark) = mark {
        reads::advance(
            &ctx.state.db,
            standing.viewer.id,
            thread.group_id,
            thread.id,
            mark,
        )
        .await?;
    }
    Ok(thread)
}

pub async fn set_notification_level(
    ctx: &RequestCtx,
    thread_id: Uuid,
    level: NotificationLevel,
) -> AppResult<thread::Model> {
    let (thread, standing) = ctx.readable_thread(thread_id).await?;
    reads::set_level(
        &ctx.state.db,
        standing.viewer.id,
        thread.group_id,
        thread.id,
        level,
    )
    .await?;
    Ok(thread)
}

//! The append-only audit log: one entry per action, written in the
//! action's transaction with its ACTION_TAKEN event.
use super::super::RequestCtx;
use super::*;
use crate::{
    domain::{content, policy},
    error::{AppError, AppResult},
    store::{events::Subject, now, Page, WriteTxn},
};
use entity::{
    enums::{EventKind, ModerationActionKind},
    moderation_action, post,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

/// The audit log, newest first.
pub async fn moderation_log(
    ctx: &RequestCtx,
    group_id: Uuid,
    limit: u64,
    after: Option<Uuid>,
) -> AppResult<Page<moderation_action::Model>> {
    let standing = ctx.standing(group_id).await?;
    policy::moderate(&standing)?;
    let mut q = moderation_action::Entity::find()
        .filter(moderation_action::Column::GroupId.eq(group_id))
        .filter(policy::flag_rows_visible_to(
            &standing.viewer,
            moderation_action::Column::PostAuthorId,
        ));
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

pub async fn action(ctx: &RequestCtx, id: Uuid) -> AppResult<moderation_action::Model> {
    ctx.viewer()?;
    let found = moderation_action::Entity::find_by_id(id)
        .one(&ctx.state.db.conn)
        .await?;
    let standing = ctx
        .standing(found.as_ref().map_or(Uuid::nil(), |a| a.group_id))
        .await?;
    let found = found.ok_or(AppError::NotFound)?;
    policy::read_group(&standing)?;
    if !policy::see_flag(&standing, found.post_author_id) {
        return Err(AppError::NotFound);
    }
    Ok(found)
}

pub(super) struct LogEntry<'a> {
    pub(super) group_id: Uuid,
    /// Set on flag actions: see `moderation_action::Model::post_author_id`.
    pub(super) flag_post_author: Option<Uuid>,
    pub(super) kind: ModerationActionKind,
    /// None for what Hearth does itself (an escalation).
    pub(super) actor: Option<Uuid>,
    pub(super) reason: Option<String>,
    pub(super) post: Option<&'a post::Model>,
    pub(super) thread_id: Option<Uuid>,
    pub(super) member_id: Option<Uuid>,
}

impl<'a> LogEntry<'a> {
    /// An action on a member of the group.
    pub(super) fn member(
        group_id: Uuid,
        kind: ModerationActionKind,
        actor: Uuid,
        reason: Option<String>,
        member_id: Uuid,
    ) -> Self {
        LogEntry {
            group_id,
            flag_post_author: None,
            kind,
            actor: Some(actor),
            reason,
            post: None,
            thread_id: None,
            member_id: Some(member_id),
        }
    }
}

/// Appends to the audit log and emits ACTION_TAKEN, in the action's transaction.
pub(super) async fn log_action(
    w: &mut WriteTxn,
    e: LogEntry<'_>,
) -> AppResult<moderation_action::Model> {
    let thread_id = e.thread_id.or(e.post.map(|p| p.thread_id));
    let action = moderation_action::ActiveModel {
        id: Set(Uuid::now_v7()),
        group_id: Set(e.group_id),
        action: Set(e.kind),
        actor_id: Set(e.actor),
        reason: Set(e.reason),
        post_id: Set(e.post.map(|p| p.id)),
        post_author_id: Set(e.flag_post_author),
        thread_id: Set(thread_id),
        member_id: Set(e.member_id),
        created_at: Set(now()),
    }
    .insert(&w.txn)
    .await?;
    w.append_event(
        e.group_id,
        EventKind::ActionTaken,
        e.actor,
        Subject {
            thread_id,
            post_id: e.post.map(|p| p.id),
            member_id: e.member_id,
            action_id: Some(action.id),
            ..Default::default()
        },
    )
    .await?;
    Ok(action)
}

pub(super) fn reason_text(reason: Option<&str>) -> AppResult<Option<String>> {
    content::optional_text("reason", reason, NOTE_MAX)
}

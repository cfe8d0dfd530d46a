//! Flags and the review queue: raising one (by a member or the crisis
//! detector), reading the queue, resolving or dismissing.
use super::super::RequestCtx;
use super::*;
use crate::{
    domain::{content, policy},
    error::{AppError, AppResult},
    store::{events::Subject, keyset_after, lock_post, now, outbox, Page, WriteTxn},
};
use chrono::{DateTime, Utc};
use entity::{
    enums::{EventKind, FlagReason, FlagSource, FlagStatus, ModerationActionKind},
    flag, post,
};
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
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
    let mut q = flag::Entity::find()
        .filter(flag::Column::GroupId.eq(group_id))
        .filter(policy::flag_rows_visible_to(
            &standing.viewer,
            flag::Column::PostAuthorId,
        ));
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

/// A flag, for the moderators who may see it; NOT_FOUND for everyone else,
/// as if it did not exist.
pub async fn flag(ctx: &RequestCtx, id: Uuid) -> AppResult<flag::Model> {
    ctx.viewer()?;
    let found = flag::Entity::find_by_id(id).one(&ctx.state.db.conn).await?;
    let standing = ctx
        .standing(found.as_ref().map_or(Uuid::nil(), |f| f.group_id))
        .await?;
    let found = found.ok_or(AppError::NotFound)?;
    policy::read_group(&standing)?;
    if !policy::see_flag(&standing, found.post_author_id) {
        return Err(AppError::NotFound);
    }
    Ok(found)
}

pub async fn flag_post(
    ctx: &RequestCtx,
    post_id: Uuid,
    reason: FlagReason,
    note: Option<&str>,
) -> AppResult<flag::Model> {
    let (post, standing) = ctx.readable_post(post_id).await?;
    policy::flag_post(&standing, &post)?;
    let note = content::optional_text("note", note, NOTE_MAX)?;
    let reporter = standing.viewer.id;
    let t = now();
    let db = &ctx.state.db;
    let mut w = db.write_in(post.group_id).await?;
    let post = lock_post(&w, post_id).await?.ok_or(AppError::NotFound)?;
    let standing = ctx.standing_in(&w, post.group_id).await?;
    policy::flag_post(&standing, &post)?;

    // Per-member daily limit; the answer says when the oldest flag in the
    // window ages out.
    let window_start = t - chrono::Duration::hours(24);
    let recent = flag::Entity::find()
        .filter(flag::Column::ReporterId.eq(reporter))
        .filter(flag::Column::CreatedAt.gt(window_start))
        .order_by_asc(flag::Column::CreatedAt)
        .limit(u64::from(Ord::max(
            ctx.state.config.limits.flag_rate_limit,
            1,
        )))
        .all(&w.txn)
        .await?;
    if recent.len() as u64 >= u64::from(ctx.state.config.limits.flag_rate_limit) {
        let oldest = recent.first().map_or(t, |f| f.created_at);
        let retry = Ord::max((oldest + chrono::Duration::hours(24) - t).num_seconds(), 1);
        return Err(AppError::RateLimited {
            retry_after_secs: retry as u64,
        });
    }
    let dup = flag::Entity::find()
        .filter(flag::Column::PostId.eq(post_id))
        .filter(flag::Column::ReporterId.eq(reporter))
        .filter(flag::Column::Reason.eq(reason))
        .count(&w.txn)
        .await?;
    if dup > 0 {
        return Err(AppError::conflict(
            "you already flagged this post for this reason",
        ));
    }
    let flag = insert_flag(
        &mut w,
        FlagAbout::post(&post),
        Some(reporter),
        reason,
        FlagSource::Member,
        false,
        note,
        t,
        ctx.state.config.safety.escalation_after(),
    )
    .await?;
    db.commit(w).await?;
    Ok(flag)
}

/// Inserts a flag with a snapshot of the post's body, and its FLAG_RAISED
/// event. An URGENT flag also gets its escalation deadline, `escalate_after`
/// from now: a durable timer, handled by `escalation::Escalator`.
#[allow(clippy::too_many_arguments)]
/// What a flag is about: a post, or a member's check-in anchored on the
/// session's check-in thread (`post`), with the member as the author.
pub(crate) struct FlagAbout<'a> {
    pub post: &'a post::Model,
    pub author: Option<Uuid>,
    pub snapshot: Option<String>,
    pub check_in_id: Option<Uuid>,
}

impl<'a> FlagAbout<'a> {
    /// A post, its author and its words as they are now.
    pub fn post(post: &'a post::Model) -> Self {
        FlagAbout {
            post,
            author: post.author_id,
            snapshot: post.body.clone(),
            check_in_id: None,
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_flag(
    w: &mut WriteTxn,
    about: FlagAbout<'_>,
    reporter: Option<Uuid>,
    reason: FlagReason,
    source: FlagSource,
    urgent: bool,
    note: Option<String>,
    t: DateTime<Utc>,
    escalate_after: chrono::Duration,
) -> AppResult<flag::Model> {
    let post = about.post;
    let flag = flag::ActiveModel {
        id: Set(Uuid::now_v7()),
        post_id: Set(post.id),
        group_id: Set(post.group_id),
        post_author_id: Set(about.author),
        reporter_id: Set(reporter),
        reason: Set(reason),
        source: Set(source),
        urgent: Set(urgent),
        status: Set(FlagStatus::Open),
        note: Set(note),
        body_snapshot: Set(about.snapshot),
        created_at: Set(t),
        resolved_at: Set(None),
        resolved_by: Set(None),
        resolution_note: Set(None),
        acknowledged_at: Set(None),
        acknowledged_by: Set(None),
        escalated_at: Set(None),
        check_in_id: Set(about.check_in_id),
    }
    .insert(&w.txn)
    .await
    .map_err(|e| AppError::from_db_conflict(e, "you already flagged this post for this reason"))?;
    let event = w
        .append_event(
            post.group_id,
            EventKind::FlagRaised,
            reporter,
            Subject {
                thread_id: Some(post.thread_id),
                post_id: Some(post.id),
                flag_id: Some(flag.id),
                ..Default::default()
            },
        )
        .await?;
    if urgent {
        outbox::schedule(&w.txn, outbox::ESCALATION, event, t + escalate_after).await?;
    }
    Ok(flag)
}

/// How a facilitator closes a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closing {
    /// Acted on: the concern was real.
    Resolve,
    /// No action needed.
    Dismiss,
}

/// Resolves or dismisses an open flag.
pub async fn close_flag(
    ctx: &RequestCtx,
    flag_id: Uuid,
    how: Closing,
    note: Option<&str>,
) -> AppResult<flag::Model> {
    let found = flag(ctx, flag_id).await?;
    let standing = ctx.standing(found.group_id).await?;
    policy::moderate(&standing)?;
    let note = content::optional_text("note", note, NOTE_MAX)?;
    if found.status != FlagStatus::Open {
        return Err(AppError::conflict("this flag is already closed"));
    }
    let db = &ctx.state.db;
    let mut w = db.write_in(found.group_id).await?;
    let standing = ctx.standing_in(&w, found.group_id).await?;
    policy::moderate(&standing)?;
    let t = now();
    let (status, kind, event) = if how == Closing::Dismiss {
        (
            FlagStatus::Dismissed,
            ModerationActionKind::DismissFlag,
            EventKind::FlagDismissed,
        )
    } else {
        (
            FlagStatus::Resolved,
            ModerationActionKind::ResolveFlag,
            EventKind::FlagResolved,
        )
    };
    // Conditional on still being open: two facilitators closing at once
    // cannot both succeed.
    let closed = flag::Entity::update_many()
        .col_expr(flag::Column::Status, Expr::value(status))
        .col_expr(flag::Column::ResolvedAt, Expr::value(t))
        .col_expr(flag::Column::ResolvedBy, Expr::value(standing.viewer.id))
        .col_expr(flag::Column::ResolutionNote, Expr::value(note.clone()))
        .filter(flag::Column::Id.eq(found.id))
        .filter(flag::Column::Status.eq(FlagStatus::Open))
        .exec(&w.txn)
        .await?;
    if closed.rows_affected != 1 {
        return Err(AppError::conflict("this flag is already closed"));
    }
    // Closing a flag takes it in hand: it can no longer escalate.
    acknowledge_row(&w, found.id, standing.viewer.id, t).await?;
    // The copy of an erased member's words was kept only while needed.
    if crate::service::closures::snapshot_must_go(&w.txn, &found).await? {
        flag::Entity::update_many()
            .col_expr(
                flag::Column::BodySnapshot,
                Expr::value(Option::<String>::None),
            )
            .filter(flag::Column::Id.eq(found.id))
            .exec(&w.txn)
            .await?;
    }
    log_flag_action(&mut w, &found, kind, Some(standing.viewer.id), note, event).await?;
    let updated = flag::Entity::find_by_id(found.id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    db.commit(w).await?;
    Ok(updated)
}

/// Takes an open flag in hand: it will not escalate, and the other
/// facilitators see who has it (a FLAG_ACKNOWLEDGED event and a log entry).
/// Acknowledging a flag already acknowledged, or closed, changes nothing.
pub async fn acknowledge_flag(ctx: &RequestCtx, flag_id: Uuid) -> AppResult<flag::Model> {
    let found = flag(ctx, flag_id).await?;
    let standing = ctx.standing(found.group_id).await?;
    policy::moderate(&standing)?;
    if found.acknowledged_at.is_some() || found.status != FlagStatus::Open {
        return Ok(found);
    }
    let db = &ctx.state.db;
    let mut w = db.write_in(found.group_id).await?;
    let standing = ctx.standing_in(&w, found.group_id).await?;
    policy::moderate(&standing)?;
    let t = now();
    if acknowledge_row(&w, found.id, standing.viewer.id, t).await? {
        log_flag_action(
            &mut w,
            &found,
            ModerationActionKind::AcknowledgeFlag,
            Some(standing.viewer.id),
            None,
            EventKind::FlagAcknowledged,
        )
        .await?;
    }
    let updated = flag::Entity::find_by_id(found.id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    db.commit(w).await?;
    Ok(updated)
}

/// What is done to a flag, in the log and as its moderation event, in the
/// transaction that does it. No actor: Hearth did it itself.
pub(super) async fn log_flag_action(
    w: &mut WriteTxn,
    found: &flag::Model,
    kind: ModerationActionKind,
    actor: Option<Uuid>,
    reason: Option<String>,
    event: EventKind,
) -> AppResult<()> {
    let post = post::Entity::find_by_id(found.post_id).one(&w.txn).await?;
    log_action(
        w,
        LogEntry {
            flag_post_author: found.post_author_id,
            group_id: found.group_id,
            kind,
            actor,
            reason,
            post: post.as_ref(),
            thread_id: None,
            member_id: None,
        },
    )
    .await?;
    w.append_event(
        found.group_id,
        event,
        actor,
        Subject {
            thread_id: post.as_ref().map(|p| p.thread_id),
            post_id: Some(found.post_id),
            flag_id: Some(found.id),
            ..Default::default()
        },
    )
    .await?;
    Ok(())
}

/// Marks the flag acknowledged by `by` unless someone already did; whether
/// this call did. Conditional, so two facilitators at once record one.
async fn acknowledge_row(
    w: &WriteTxn,
    flag_id: Uuid,
    by: Uuid,
    t: DateTime<Utc>,
) -> AppResult<bool> {
    let r = flag::Entity::update_many()
        .col_expr(flag::Column::AcknowledgedAt, Expr::value(t))
        .col_expr(flag::Column::AcknowledgedBy, Expr::value(by))
        .filter(flag::Column::Id.eq(flag_id))
        .filter(flag::Column::AcknowledgedAt.is_null())
        .exec(&w.txn)
        .await?;
    Ok(r.rows_affected == 1)
}

/// Edits of a flag's post made after the flag was raised, oldest first.
/// Facilitators of the group (and admins) only: members see none.
pub async fn flag_edits(
    ctx: &RequestCtx,
    flag: &flag::Model,
    limit: u64,
) -> AppResult<Vec<entity::post_revision::Model>> {
    use entity::post_revision;
    let standing = ctx.standing(flag.group_id).await?;
    if !policy::see_flag(&standing, flag.post_author_id) {
        return Ok(Vec::new());
    }
    Ok(post_revision::Entity::find()
        .filter(post_revision::Column::PostId.eq(flag.post_id))
        .filter(post_revision::Column::EditedAt.gt(flag.created_at))
        .order_by_asc(post_revision::Column::EditedAt)
        .limit(limit)
        .all(&ctx.state.db.conn)
        .await?)
}

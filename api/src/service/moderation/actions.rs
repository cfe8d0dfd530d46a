//! Moderation actions on posts, threads and members; each commits with
//! its log entry and events.
use super::super::RequestCtx;
use super::*;
use crate::{
    domain::policy,
    error::{AppError, AppResult},
    store::{events::Subject, lock_post, now, WriteTxn},
};
use chrono::{DateTime, Utc};
use entity::{
    enums::{EventKind, FlagStatus, ModerationActionKind, PostState},
    flag, membership, post, thread,
};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

/// What a facilitator does to a post's visibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostVisibility {
    Hide,
    Restore,
}

/// Hides or restores a post. Hiding resolves the post's open flags.
pub async fn set_post_hidden(
    ctx: &RequestCtx,
    post_id: Uuid,
    visibility: PostVisibility,
    reason: Option<&str>,
) -> AppResult<post::Model> {
    let hide = visibility == PostVisibility::Hide;
    let (post, standing) = ctx.readable_post(post_id).await?;
    if hide {
        policy::moderate(&standing)?;
    } else {
        policy::restore_post(&standing, &post)?;
    }
    let reason = reason_text(reason)?;
    let (from, to) = if hide {
        (PostState::Visible, PostState::Hidden)
    } else {
        (PostState::Hidden, PostState::Visible)
    };
    if post.state == to {
        return Ok(post);
    }
    if post.state != from {
        return Err(AppError::bad_input(
            "a deleted post cannot be hidden or restored",
        ));
    }
    let db = &ctx.state.db;
    let mut w = db.write_in(post.group_id).await?;
    let post = lock_post(&w, post_id).await?.ok_or(AppError::NotFound)?;
    let standing = ctx.standing_in(&w, post.group_id).await?;
    if hide {
        policy::moderate(&standing)?;
    } else {
        policy::restore_post(&standing, &post)?;
    }
    if post.state == to {
        return Ok(post);
    }
    if post.state != from {
        return Err(AppError::bad_input(
            "a deleted post cannot be hidden or restored",
        ));
    }
    let t = now();
    let (inc, dec) = if hide {
        (thread::Column::HiddenPosts, thread::Column::VisiblePosts)
    } else {
        (thread::Column::VisiblePosts, thread::Column::HiddenPosts)
    };
    thread::Entity::update_many()
        .col_expr(inc, Expr::col(inc).add(1))
        .col_expr(dec, Expr::col(dec).sub(1))
        .filter(thread::Column::Id.eq(post.thread_id))
        .exec(&w.txn)
        .await?;
    let mut active: post::ActiveModel = post.clone().into();
    active.state = Set(to);
    let updated = active.update(&w.txn).await?;
    // Hiding a thread's opening post hides its title from members too.
    thread::Entity::update_many()
        .col_expr(thread::Column::TitleHidden, Expr::value(hide))
        .filter(thread::Column::Id.eq(post.thread_id))
        .filter(thread::Column::OpeningPostId.eq(post.id))
        .exec(&w.txn)
        .await?;
    let actor = standing.viewer.id;
    // Hiding resolves the post's open flags that the actor may see (never
    // those about their own words), and never a flag about a check-in: its
    // post is only the check-in thread's anchor, and hiding it answers
    // nothing about the member.
    if hide {
        let open: Vec<flag::Model> = flag::Entity::find()
            .filter(flag::Column::PostId.eq(post_id))
            .filter(flag::Column::Status.eq(FlagStatus::Open))
            .filter(flag::Column::CheckInId.is_null())
            .all(&w.txn)
            .await?;
        for f in open
            .into_iter()
            .filter(|f| policy::see_flag(&standing, f.post_author_id))
        {
            flag::Entity::update_many()
                .col_expr(flag::Column::Status, Expr::value(FlagStatus::Resolved))
                .col_expr(flag::Column::ResolvedAt, Expr::value(t))
                .col_expr(flag::Column::ResolvedBy, Expr::value(actor))
                .col_expr(flag::Column::ResolutionNote, Expr::value("post hidden"))
                .filter(flag::Column::Id.eq(f.id))
                .exec(&w.txn)
                .await?;
            w.append_event(
                post.group_id,
                EventKind::FlagResolved,
                Some(actor),
                Subject {
                    post_id: Some(post_id),
                    flag_id: Some(f.id),
                    ..Default::default()
                },
            )
            .await?;
        }
    }
    let kind = if hide {
        ModerationActionKind::HidePost
    } else {
        ModerationActionKind::RestorePost
    };
    log_action(
        &mut w,
        LogEntry {
            flag_post_author: None,
            group_id: post.group_id,
            kind,
            actor: Some(actor),
            reason,
            post: Some(&post),
            thread_id: None,
            member_id: None,
        },
    )
    .await?;
    w.append_event(
        post.group_id,
        if hide {
            EventKind::PostHidden
        } else {
            EventKind::PostRestored
        },
        Some(actor),
        Subject::post(post.thread_id, post_id),
    )
    .await?;
    db.commit(w).await?;
    Ok(updated)
}

#[derive(Debug, Clone, Copy)]
pub enum ThreadFlag {
    Locked,
    Pinned,
}

pub async fn set_thread_flag(
    ctx: &RequestCtx,
    thread_id: Uuid,
    which: ThreadFlag,
    on: bool,
) -> AppResult<thread::Model> {
    let (thread, standing) = ctx.readable_thread(thread_id).await?;
    policy::moderate(&standing)?;
    let current = match which {
        ThreadFlag::Locked => thread.locked,
        ThreadFlag::Pinned => thread.pinned,
    };
    if current == on {
        return Ok(thread);
    }
    let db = &ctx.state.db;
    let mut w = db.write_in(thread.group_id).await?;
    let standing = ctx.standing_in(&w, thread.group_id).await?;
    policy::moderate(&standing)?;
    // Read again under the lock: of two concurrent toggles, one changes
    // the thread and is logged, the other finds it done.
    let thread = thread::Entity::find_by_id(thread.id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let current = match which {
        ThreadFlag::Locked => thread.locked,
        ThreadFlag::Pinned => thread.pinned,
    };
    if current == on {
        return Ok(thread);
    }
    let group_id = thread.group_id;
    let mut active: thread::ActiveModel = thread.into();
    let kind = match (which, on) {
        (ThreadFlag::Locked, true) => ModerationActionKind::LockThread,
        (ThreadFlag::Locked, false) => ModerationActionKind::UnlockThread,
        (ThreadFlag::Pinned, true) => ModerationActionKind::PinThread,
        (ThreadFlag::Pinned, false) => ModerationActionKind::UnpinThread,
    };
    match which {
        ThreadFlag::Locked => active.locked = Set(on),
        ThreadFlag::Pinned => active.pinned = Set(on),
    }
    let updated = active.update(&w.txn).await?;
    log_action(
        &mut w,
        LogEntry {
            flag_post_author: None,
            group_id,
            kind,
            actor: Some(standing.viewer.id),
            reason: None,
            post: None,
            thread_id: Some(thread_id),
            member_id: None,
        },
    )
    .await?;
    w.append_event(
        group_id,
        EventKind::ThreadUpdated,
        Some(standing.viewer.id),
        Subject::thread(thread_id),
    )
    .await?;
    db.commit(w).await?;
    Ok(updated)
}

/// Checks that the caller moderates the group (outsiders read NOT_FOUND
/// before their input is judged), reads the reason, and opens the write
/// transaction with the caller's standing re-read under the group's lock.
pub(super) async fn begin_member_action(
    ctx: &RequestCtx,
    group_id: Uuid,
    reason: Option<&str>,
) -> AppResult<(WriteTxn, policy::Standing, Option<String>)> {
    policy::moderate(&ctx.standing(group_id).await?)?;
    let reason = reason_text(reason)?;
    let w = ctx.state.db.write_in(group_id).await?;
    let standing = ctx.standing_in(&w, group_id).await?;
    policy::moderate(&standing)?;
    Ok((w, standing, reason))
}

/// The target's membership, checked against the actor's standing, inside a
/// write transaction after the group's lock. An unknown user and a user
/// outside the group read the same.
pub(super) async fn target_membership_in(
    ctx: &RequestCtx,
    w: &WriteTxn,
    group_id: Uuid,
    user_id: Uuid,
) -> AppResult<(policy::Standing, membership::Model)> {
    let standing = ctx.standing_in(w, group_id).await?;
    policy::moderate(&standing)?;
    let target = membership::Entity::find_by_id((group_id, user_id))
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    policy::moderate_member(&standing, &target)?;
    Ok((standing, target))
}

/// Mutes until `until` (`Some`) or unmutes (`None`).
pub async fn set_mute(
    ctx: &RequestCtx,
    group_id: Uuid,
    user_id: Uuid,
    until: Option<DateTime<Utc>>,
    reason: Option<&str>,
) -> AppResult<membership::Model> {
    // Outsiders read NOT_FOUND before their input is judged.
    policy::moderate(&ctx.standing(group_id).await?)?;
    let reason = reason_text(reason)?;
    if until.is_some_and(|u| u <= now()) {
        return Err(AppError::bad_input("`until` must be in the future"));
    }
    let db = &ctx.state.db;
    let mut w = db.write_in(group_id).await?;
    let (standing, target) = target_membership_in(ctx, &w, group_id, user_id).await?;
    if target.muted_until == until {
        return Ok(target);
    }
    let mut active: membership::ActiveModel = target.into();
    active.muted_until = Set(until);
    let updated = active.update(&w.txn).await?;
    let kind = if until.is_some() {
        ModerationActionKind::MuteMember
    } else {
        ModerationActionKind::UnmuteMember
    };
    log_action(
        &mut w,
        LogEntry::member(group_id, kind, standing.viewer.id, reason, user_id),
    )
    .await?;
    db.commit(w).await?;
    Ok(updated)
}

pub async fn remove_member(
    ctx: &RequestCtx,
    group_id: Uuid,
    user_id: Uuid,
    reason: Option<&str>,
) -> AppResult<bool> {
    let (mut w, standing, reason) = begin_member_action(ctx, group_id, reason).await?;
    let db = &ctx.state.db;
    let target = membership::Entity::find_by_id((group_id, user_id))
        .one(&w.txn)
        .await?;
    match &target {
        Some(t) => policy::moderate_member(&standing, t)?,
        // Someone who left (to dodge a removal, say) can still be banned;
        // an unknown user reads NOT_FOUND.
        None => {
            entity::user::Entity::find_by_id(user_id)
                .one(&w.txn)
                .await?
                .ok_or(AppError::NotFound)?;
            let banned = entity::group_ban::Entity::find_by_id((group_id, user_id))
                .one(&w.txn)
                .await?;
            if banned.is_some() {
                return Ok(false);
            }
        }
    }
    if target.is_some() {
        membership::Entity::delete_by_id((group_id, user_id))
            .exec(&w.txn)
            .await?;
    }
    // Removal is a ban: no invite of the group admits them again until a
    // facilitator lifts it.
    entity::group_ban::Entity::insert(entity::group_ban::ActiveModel {
        group_id: Set(group_id),
        user_id: Set(user_id),
        banned_by: Set(Some(standing.viewer.id)),
        created_at: Set(now()),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::columns([
            entity::group_ban::Column::GroupId,
            entity::group_ban::Column::UserId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&w.txn)
    .await?;
    log_action(
        &mut w,
        LogEntry::member(
            group_id,
            ModerationActionKind::RemoveMember,
            standing.viewer.id,
            reason,
            user_id,
        ),
    )
    .await?;
    if target.is_some() {
        w.append_event(
            group_id,
            EventKind::MemberLeft,
            Some(standing.viewer.id),
            Subject::member(user_id),
        )
        .await?;
    }
    db.commit(w).await?;
    Ok(true)
}

/// Lifts a removal, so that an invite admits the person again. Logged.
/// False when there was none to lift.
pub async fn unban_member(
    ctx: &RequestCtx,
    group_id: Uuid,
    user_id: Uuid,
    reason: Option<&str>,
) -> AppResult<bool> {
    let (mut w, standing, reason) = begin_member_action(ctx, group_id, reason).await?;
    let db = &ctx.state.db;
    let lifted = entity::group_ban::Entity::delete_by_id((group_id, user_id))
        .exec(&w.txn)
        .await?
        .rows_affected;
    if lifted == 0 {
        return Ok(false);
    }
    log_action(
        &mut w,
        LogEntry::member(
            group_id,
            ModerationActionKind::UnbanMember,
            standing.viewer.id,
            reason,
            user_id,
        ),
    )
    .await?;
    db.commit(w).await?;
    Ok(true)
}

//! Flags, the facilitator's review queue, moderation actions and their
//! append-only audit log. Each action commits with its log entry and events.
use super::RequestCtx;
use crate::{
    domain::{content, policy},
    error::{AppError, AppResult},
    store::{events::Subject, keyset_after, lock_post, now, Page, WriteTxn},
};
use chrono::{DateTime, Utc};
use entity::{
    enums::{EventKind, FlagReason, FlagSource, FlagStatus, ModerationActionKind, PostState},
    flag, membership, moderation_action, post, thread,
};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

pub const NOTE_MAX: usize = 1_000;

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
    if !standing.viewer.is_admin() {
        q = q.filter(
            Condition::any()
                .add(flag::Column::PostAuthorId.is_null())
                .add(flag::Column::PostAuthorId.ne(standing.viewer.id)),
        );
    }
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
    // Actions on flags about a facilitator's own post are kept from them.
    if !standing.viewer.is_admin() {
        q = q.filter(
            Condition::any()
                .add(moderation_action::Column::PostAuthorId.is_null())
                .add(moderation_action::Column::PostAuthorId.ne(standing.viewer.id)),
        );
    }
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
        .limit(u64::from(Ord::max(ctx.state.config.flag_rate_limit, 1)))
        .all(&w.txn)
        .await?;
    if recent.len() as u64 >= u64::from(ctx.state.config.flag_rate_limit) {
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
        &post,
        Some(reporter),
        reason,
        FlagSource::Member,
        false,
        note,
        t,
    )
    .await?;
    db.commit(w).await?;
    Ok(flag)
}

/// Inserts a flag with a snapshot of the post's body, and its FLAG_RAISED event.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_flag(
    w: &mut WriteTxn,
    post: &post::Model,
    reporter: Option<Uuid>,
    reason: FlagReason,
    source: FlagSource,
    urgent: bool,
    note: Option<String>,
    t: DateTime<Utc>,
) -> AppResult<flag::Model> {
    let flag = flag::ActiveModel {
        id: Set(Uuid::now_v7()),
        post_id: Set(post.id),
        group_id: Set(post.group_id),
        post_author_id: Set(post.author_id),
        reporter_id: Set(reporter),
        reason: Set(reason),
        source: Set(source),
        urgent: Set(urgent),
        status: Set(FlagStatus::Open),
        note: Set(note),
        body_snapshot: Set(post.body.clone()),
        created_at: Set(t),
        resolved_at: Set(None),
        resolved_by: Set(None),
        resolution_note: Set(None),
    }
    .insert(&w.txn)
    .await
    .map_err(|e| AppError::from_db_conflict(e, "you already flagged this post for this reason"))?;
    w.append_event(
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
    Ok(flag)
}

struct LogEntry<'a> {
    group_id: Uuid,
    /// Set on flag actions: see `moderation_action::Model::post_author_id`.
    flag_post_author: Option<Uuid>,
    kind: ModerationActionKind,
    actor: Uuid,
    reason: Option<String>,
    post: Option<&'a post::Model>,
    thread_id: Option<Uuid>,
    member_id: Option<Uuid>,
}

impl<'a> LogEntry<'a> {
    /// An action on a member of the group.
    fn member(
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
            actor,
            reason,
            post: None,
            thread_id: None,
            member_id: Some(member_id),
        }
    }
}

/// Appends to the audit log and emits ACTION_TAKEN, in the action's transaction.
async fn log_action(w: &mut WriteTxn, e: LogEntry<'_>) -> AppResult<moderation_action::Model> {
    let thread_id = e.thread_id.or(e.post.map(|p| p.thread_id));
    let action = moderation_action::ActiveModel {
        id: Set(Uuid::now_v7()),
        group_id: Set(e.group_id),
        action: Set(e.kind),
        actor_id: Set(Some(e.actor)),
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
        Some(e.actor),
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

fn reason_text(reason: Option<&str>) -> AppResult<Option<String>> {
    content::optional_text("reason", reason, NOTE_MAX)
}

/// Resolves (`dismiss == false`) or dismisses an open flag.
pub async fn close_flag(
    ctx: &RequestCtx,
    flag_id: Uuid,
    dismiss: bool,
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
    let (status, kind, event) = if dismiss {
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
    let post = post::Entity::find_by_id(found.post_id).one(&w.txn).await?;
    log_action(
        &mut w,
        LogEntry {
            flag_post_author: found.post_author_id,
            group_id: found.group_id,
            kind,
            actor: standing.viewer.id,
            reason: note,
            post: post.as_ref(),
            thread_id: None,
            member_id: None,
        },
    )
    .await?;
    w.append_event(
        found.group_id,
        event,
        Some(standing.viewer.id),
        Subject {
            post_id: Some(found.post_id),
            flag_id: Some(found.id),
            ..Default::default()
        },
    )
    .await?;
    let updated = flag::Entity::find_by_id(found.id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    db.commit(w).await?;
    Ok(updated)
}

/// Hides (`hide`) or restores a post. Hiding resolves the post's open flags.
pub async fn set_post_hidden(
    ctx: &RequestCtx,
    post_id: Uuid,
    hide: bool,
    reason: Option<&str>,
) -> AppResult<post::Model> {
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
    // Hiding resolves the post's open flags, unless they are flags the actor
    // may not see: a facilitator's own post.
    if hide && policy::see_flag(&standing, post.author_id) {
        let open: Vec<flag::Model> = flag::Entity::find()
            .filter(flag::Column::PostId.eq(post_id))
            .filter(flag::Column::Status.eq(FlagStatus::Open))
            .all(&w.txn)
            .await?;
        for f in open {
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
            actor,
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
        Subject {
            thread_id: Some(post.thread_id),
            post_id: Some(post_id),
            ..Default::default()
        },
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
            actor: standing.viewer.id,
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
        Subject {
            thread_id: Some(thread_id),
            ..Default::default()
        },
    )
    .await?;
    db.commit(w).await?;
    Ok(updated)
}

/// Checks that the caller moderates the group (outsiders read NOT_FOUND
/// before their input is judged), reads the reason, and opens the write
/// transaction with the caller's standing re-read under the group's lock.
async fn begin_member_action(
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
async fn target_membership_in(
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
            Subject {
                member_id: Some(user_id),
                ..Default::default()
            },
        )
        .await?;
    }
    db.commit(w).await?;
    Ok(true)
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

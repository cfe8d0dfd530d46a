//! Writing threads and posts, and acting at once on crisis language in
//! them.
use crate::service::RequestCtx;
use crate::{
    domain::{content, policy},
    error::{AppError, AppResult},
    store::{events::Subject, lock_post, now},
};
use chrono::{DateTime, Utc};
use entity::{
    enums::{EventKind, PostState, ThreadKind},
    post, thread,
};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set,
};
use uuid::Uuid;

/// Acts on what crisis detection found in what was just written (detection
/// itself ran before the transaction). An URGENT match raises a SYSTEM flag
/// for the facilitators in the same transaction; the post stays visible,
/// since detection never hides a cry for help. An edit never withdraws a
/// flag already raised.
async fn raise_crisis_flag(
    w: &mut crate::store::WriteTxn,
    ctx: &RequestCtx,
    post: &post::Model,
    d: crate::domain::crisis::Detection,
    at: DateTime<Utc>,
) -> AppResult<()> {
    use crate::domain::crisis::{Risk, Target};
    use entity::enums::{FlagReason, FlagSource, FlagStatus};
    if d.risk != Risk::Urgent {
        return Ok(());
    }
    let reason = match d.target {
        Some(Target::Others) => FlagReason::RiskToOthers,
        _ => FlagReason::RiskToSelf,
    };
    // One open system flag per post and reason: an edit does not pile up alerts.
    let open = entity::flag::Entity::find()
        .filter(entity::flag::Column::PostId.eq(post.id))
        .filter(entity::flag::Column::Source.eq(FlagSource::System))
        .filter(entity::flag::Column::Reason.eq(reason))
        .filter(entity::flag::Column::Status.eq(FlagStatus::Open))
        .one(&w.txn)
        .await?;
    if open.is_none() {
        crate::service::moderation::insert_flag(
            w,
            crate::service::moderation::FlagAbout::post(post),
            None,
            reason,
            FlagSource::System,
            true,
            d.category
                .map(|c| format!("Crisis language: {}.", c.describe())),
            at,
            ctx.state.config.safety.escalation_after(),
        )
        .await?;
    }
    Ok(())
}

/// Keeps a flagged post's new text, so the facilitator reviewing the flag
/// sees every edit made since, beside the snapshot taken when it was raised.
async fn record_revision_if_flagged(
    w: &crate::store::WriteTxn,
    post: &post::Model,
    at: DateTime<Utc>,
) -> AppResult<()> {
    let flagged = entity::flag::Entity::find()
        .filter(entity::flag::Column::PostId.eq(post.id))
        .one(&w.txn)
        .await?
        .is_some();
    if flagged {
        entity::post_revision::ActiveModel {
            id: Set(Uuid::now_v7()),
            post_id: Set(post.id),
            group_id: Set(post.group_id),
            body: Set(post.body.clone().unwrap_or_default()),
            edited_at: Set(at),
        }
        .insert(&w.txn)
        .await?;
    }
    Ok(())
}

pub struct NewThread<'a> {
    pub group_id: Uuid,
    pub title: &'a str,
    pub body: &'a str,
    pub kind: ThreadKind,
    pub content_warning: Option<&'a str>,
}

pub async fn create_thread(ctx: &RequestCtx, input: NewThread<'_>) -> AppResult<thread::Model> {
    let standing = ctx.standing(input.group_id).await?;
    let t = now();
    policy::start_thread(&standing, input.kind, t)?;
    let title = content::required_text("title", input.title, content::TITLE_MAX)?;
    let body = content::required_text("body", input.body, content::BODY_MAX)?;
    let cw = content::optional_text(
        "contentWarning",
        input.content_warning,
        content::CONTENT_WARNING_MAX,
    )?;
    let viewer_id = standing.viewer.id;
    let detection = crate::service::safety::assess(ctx, format!("{title}\n{body}")).await?;
    let db = &ctx.state.db;
    let mut w = db.write_in(input.group_id).await?;
    let standing = ctx.standing_in(&w, input.group_id).await?;
    policy::start_thread(&standing, input.kind, t)?;
    // Thread and opening post commit together or not at all.
    let opening_post_id = Uuid::now_v7();
    let thread = thread::ActiveModel {
        id: Set(Uuid::now_v7()),
        group_id: Set(input.group_id),
        author_id: Set(Some(viewer_id)),
        title: Set(title),
        kind: Set(input.kind),
        pinned: Set(false),
        locked: Set(false),
        visible_posts: Set(1),
        hidden_posts: Set(0),
        created_at: Set(t),
        last_activity_at: Set(t),
        opening_post_id: Set(Some(opening_post_id)),
        title_hidden: Set(false),
    }
    .insert(&w.txn)
    .await?;
    let post = insert_post(
        &w.txn,
        &thread,
        opening_post_id,
        viewer_id,
        body,
        cw,
        None,
        detection.risk,
        t,
    )
    .await?;
    raise_crisis_flag(&mut w, ctx, &post, detection, t).await?;
    w.append_event(
        thread.group_id,
        EventKind::ThreadCreated,
        Some(viewer_id),
        Subject::post(thread.id, post.id),
    )
    .await?;
    db.commit(w).await?;
    Ok(thread)
}

/// A thread Hearth opens itself (a session's check-in or closing thread),
/// inside `w`, which holds the group's lock: no policy applies, and the
/// usual THREAD_CREATED event announces it. Nobody authors it, so nobody
/// can edit or delete its opening post.
pub(crate) async fn open_system_thread(
    w: &mut crate::store::WriteTxn,
    group_id: Uuid,
    kind: ThreadKind,
    title: String,
    body: String,
    t: DateTime<Utc>,
) -> AppResult<(thread::Model, post::Model)> {
    let opening_post_id = Uuid::now_v7();
    let thread = thread::ActiveModel {
        id: Set(Uuid::now_v7()),
        group_id: Set(group_id),
        author_id: Set(None),
        title: Set(title),
        kind: Set(kind),
        pinned: Set(false),
        locked: Set(false),
        visible_posts: Set(1),
        hidden_posts: Set(0),
        created_at: Set(t),
        last_activity_at: Set(t),
        opening_post_id: Set(Some(opening_post_id)),
        title_hidden: Set(false),
    }
    .insert(&w.txn)
    .await?;
    let post = post::ActiveModel {
        id: Set(opening_post_id),
        thread_id: Set(thread.id),
        group_id: Set(group_id),
        author_id: Set(None),
        body: Set(Some(body)),
        content_warning: Set(None),
        reply_to_id: Set(None),
        state: Set(PostState::Visible),
        created_at: Set(t),
        edited_at: Set(None),
        risk: Set(None),
    }
    .insert(&w.txn)
    .await?;
    w.append_event(
        group_id,
        EventKind::ThreadCreated,
        None,
        Subject::post(thread.id, post.id),
    )
    .await?;
    Ok((thread, post))
}

#[allow(clippy::too_many_arguments)]
async fn insert_post(
    txn: &sea_orm::DatabaseTransaction,
    thread: &thread::Model,
    id: Uuid,
    author: Uuid,
    body: String,
    content_warning: Option<String>,
    reply_to: Option<Uuid>,
    risk: crate::domain::crisis::Risk,
    at: DateTime<Utc>,
) -> AppResult<post::Model> {
    Ok(post::ActiveModel {
        id: Set(id),
        thread_id: Set(thread.id),
        group_id: Set(thread.group_id),
        author_id: Set(Some(author)),
        body: Set(Some(body)),
        content_warning: Set(content_warning),
        reply_to_id: Set(reply_to),
        state: Set(PostState::Visible),
        created_at: Set(at),
        edited_at: Set(None),
        risk: Set(risk.stored()),
    }
    .insert(txn)
    .await?)
}

pub struct NewPost<'a> {
    pub thread_id: Uuid,
    pub body: &'a str,
    pub content_warning: Option<&'a str>,
    pub reply_to: Option<Uuid>,
}

pub async fn create_post(ctx: &RequestCtx, input: NewPost<'_>) -> AppResult<post::Model> {
    let (thread, standing) = ctx.readable_thread(input.thread_id).await?;
    let t = now();
    policy::post_in_thread(&standing, &thread, t)?;
    let body = content::required_text("body", input.body, content::BODY_MAX)?;
    let cw = content::optional_text(
        "contentWarning",
        input.content_warning,
        content::CONTENT_WARNING_MAX,
    )?;
    if let Some(reply_to) = input.reply_to {
        // One answer for a post elsewhere and no post at all.
        let target = ctx.load_post(reply_to).await?;
        if target.is_none_or(|p| p.thread_id != thread.id) {
            return Err(AppError::bad_input(
                "replyToId is not a post in this thread",
            ));
        }
    }
    let detection = crate::service::safety::assess(ctx, body.clone()).await?;
    let db = &ctx.state.db;
    let mut w = db.write_in(thread.group_id).await?;
    // Again under the lock: a removal, mute or lock may have committed.
    let (standing, thread) = ctx
        .standing_and_thread_in(&w, thread.group_id, Some(thread.id))
        .await?;
    let thread = thread.ok_or(AppError::NotFound)?;
    policy::post_in_thread(&standing, &thread, t)?;
    let post = post::Model {
        id: Uuid::now_v7(),
        thread_id: thread.id,
        group_id: thread.group_id,
        author_id: Some(standing.viewer.id),
        body: Some(body),
        content_warning: cw,
        reply_to_id: input.reply_to,
        state: PostState::Visible,
        created_at: t,
        edited_at: None,
        risk: detection.risk.stored(),
    };
    crate::store::posts::insert_counted(&w.txn, &post).await?;
    raise_crisis_flag(&mut w, ctx, &post, detection, t).await?;
    w.append_event(
        thread.group_id,
        EventKind::PostCreated,
        Some(standing.viewer.id),
        Subject::post(thread.id, post.id),
    )
    .await?;
    db.commit(w).await?;
    Ok(post)
}

pub async fn edit_post(
    ctx: &RequestCtx,
    post_id: Uuid,
    body: &str,
    content_warning: Option<&str>,
) -> AppResult<post::Model> {
    let (post, standing) = ctx.readable_post(post_id).await?;
    let t = now();
    let thread = ctx.readable_thread(post.thread_id).await?.0;
    policy::edit_post(&standing, &post, &thread, t)?;
    let body = content::required_text("body", body, content::BODY_MAX)?;
    let cw = content::optional_text(
        "contentWarning",
        content_warning,
        content::CONTENT_WARNING_MAX,
    )?;
    let detection = crate::service::safety::assess(ctx, body.clone()).await?;
    let db = &ctx.state.db;
    let mut w = db.write_in(post.group_id).await?;
    let post = lock_post(&w, post_id).await?.ok_or(AppError::NotFound)?;
    let standing = ctx.standing_in(&w, post.group_id).await?;
    let thread = thread::Entity::find_by_id(post.thread_id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    policy::edit_post(&standing, &post, &thread, t)?;
    let group_id = post.group_id;
    let thread_id = post.thread_id;
    let mut active: post::ActiveModel = post.into();
    active.body = Set(Some(body.clone()));
    active.content_warning = Set(cw);
    active.edited_at = Set(Some(t));
    active.risk = Set(detection.risk.stored());
    let post = active.update(&w.txn).await?;
    raise_crisis_flag(&mut w, ctx, &post, detection, t).await?;
    record_revision_if_flagged(&w, &post, t).await?;
    w.append_event(
        group_id,
        EventKind::PostEdited,
        Some(standing.viewer.id),
        Subject::post(thread_id, post_id),
    )
    .await?;
    db.commit(w).await?;
    Ok(post)
}

/// Leaves a tombstone: the text is erased, the place in the thread stays.
pub async fn delete_post(ctx: &RequestCtx, post_id: Uuid) -> AppResult<post::Model> {
    let (post, standing) = ctx.readable_post(post_id).await?;
    policy::delete_post(&standing, &post)?;
    if post.state == PostState::Deleted {
        return Ok(post);
    }
    let db = &ctx.state.db;
    let mut w = db.write_in(post.group_id).await?;
    let post = lock_post(&w, post_id).await?.ok_or(AppError::NotFound)?;
    let standing = ctx.standing_in(&w, post.group_id).await?;
    policy::delete_post(&standing, &post)?;
    if post.state == PostState::Deleted {
        return Ok(post);
    }
    let counter = match post.state {
        PostState::Hidden => thread::Column::HiddenPosts,
        _ => thread::Column::VisiblePosts,
    };
    thread::Entity::update_many()
        .col_expr(counter, Expr::col(counter).sub(1))
        .filter(thread::Column::Id.eq(post.thread_id))
        .exec(&w.txn)
        .await?;
    let (group_id, thread_id) = (post.group_id, post.thread_id);
    let mut active: post::ActiveModel = post.into();
    active.state = Set(PostState::Deleted);
    active.body = Set(None);
    active.content_warning = Set(None);
    let post = active.update(&w.txn).await?;
    w.append_event(
        group_id,
        EventKind::PostDeleted,
        Some(standing.viewer.id),
        Subject::post(thread_id, post_id),
    )
    .await?;
    db.commit(w).await?;
    Ok(post)
}

/// Turns `posts` (all of one group, inside `w`, which holds the group's
/// lock) into tombstones: the text and its edit history go, the thread's
/// counts follow, and a POST_DELETED event per post takes them out of the
/// search index and tells live clients. What an erasure and a group's
/// retention do; a post already deleted keeps only losing its history.
pub(crate) async fn tombstone(
    w: &mut crate::store::WriteTxn,
    group_id: Uuid,
    posts: &[post::Model],
) -> AppResult<()> {
    use std::collections::HashMap;
    if posts.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = posts.iter().map(|p| p.id).collect();
    // Per thread: how many visible and hidden posts leave its counts.
    let mut counts: HashMap<Uuid, (i32, i32)> = HashMap::new();
    for p in posts {
        let c = counts.entry(p.thread_id).or_default();
        match p.state {
            PostState::Visible => c.0 += 1,
            PostState::Hidden => c.1 += 1,
            PostState::Deleted => {}
        }
    }
    for (thread_id, (visible, hidden)) in counts {
        if visible == 0 && hidden == 0 {
            continue;
        }
        thread::Entity::update_many()
            .col_expr(
                thread::Column::VisiblePosts,
                Expr::col(thread::Column::VisiblePosts).sub(visible),
            )
            .col_expr(
                thread::Column::HiddenPosts,
                Expr::col(thread::Column::HiddenPosts).sub(hidden),
            )
            .filter(thread::Column::Id.eq(thread_id))
            .exec(&w.txn)
            .await?;
    }
    for chunk in ids.chunks(500) {
        post::Entity::update_many()
            .col_expr(post::Column::State, Expr::value(PostState::Deleted))
            .col_expr(post::Column::Body, Expr::value(Option::<String>::None))
            .col_expr(
                post::Column::ContentWarning,
                Expr::value(Option::<String>::None),
            )
            .col_expr(post::Column::Risk, Expr::value(Option::<String>::None))
            .filter(post::Column::Id.is_in(chunk.iter().copied()))
            .exec(&w.txn)
            .await?;
        entity::post_revision::Entity::delete_many()
            .filter(entity::post_revision::Column::PostId.is_in(chunk.iter().copied()))
            .exec(&w.txn)
            .await?;
        // Closed flags' copies of the text go with it; an open flag keeps
        // its copy until a facilitator closes it.
        entity::flag::Entity::update_many()
            .col_expr(
                entity::flag::Column::BodySnapshot,
                Expr::value(Option::<String>::None),
            )
            .filter(entity::flag::Column::PostId.is_in(chunk.iter().copied()))
            .filter(entity::flag::Column::Status.ne(entity::enums::FlagStatus::Open))
            .exec(&w.txn)
            .await?;
    }
    for p in posts {
        w.append_event(
            group_id,
            EventKind::PostDeleted,
            None,
            Subject::post(p.thread_id, p.id),
        )
        .await?;
    }
    Ok(())
}

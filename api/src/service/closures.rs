//! Closing an account (GDPR Art. 17): requested by the member, with a
//! grace period during which the account is locked and the closure can be
//! cancelled, or by an admin at once with a logged reason. The closure
//! itself runs in the data-rights worker, in one transaction: an account is
//! never left half erased.
use crate::{
    auth::password,
    domain::{
        audit::{Access, AccessKind},
        closure::{self, ERASE},
        policy,
    },
    error::{AppError, AppResult},
    service::{audit::require_admin, RequestCtx},
    store::{self, now, Db},
};
use entity::{
    account_closure, data_export, flag, membership, notification, notification_setting, post,
    push_subscription, reaction, session, thread, thread_read, user,
};
use sea_orm::{sea_query::Expr, ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use std::collections::BTreeMap;
use uuid::Uuid;

pub use closure::FORMER_MEMBER;

/// The member closes their own account. A password account confirms with
/// its password. Sessions end at once; the closure runs after the grace
/// period unless cancelled.
pub async fn close_account(
    ctx: &RequestCtx,
    mode: &'static str,
    password: Option<String>,
) -> AppResult<account_closure::Model> {
    let viewer = ctx.viewer()?.clone();
    let db = &ctx.state.db;
    let user = user::Entity::find_by_id(viewer.id)
        .one(&db.conn)
        .await?
        .ok_or(AppError::NotFound)?;
    if user.password_hash.is_some() {
        let given = password.ok_or_else(|| {
            AppError::bad_input("confirm with your password to close your account")
        })?;
        if !password::verify(given, user.password_hash.clone()).await? {
            return Err(AppError::forbidden("that password is not right"));
        }
    }
    let due = now() + ctx.state.config.data.closure_grace();
    let closure = request(db, viewer.id, viewer.id, mode, None, due, None).await?;
    ctx.state.sessions.forget_user(viewer.id);
    db.bus.user_changed(viewer.id);
    Ok(closure)
}

/// An admin closes someone's account at once, giving a reason that the
/// audit keeps.
pub async fn close_account_as_admin(
    ctx: &RequestCtx,
    user_id: Uuid,
    mode: &'static str,
    reason: &str,
) -> AppResult<account_closure::Model> {
    let viewer = ctx.viewer()?.clone();
    require_admin(&viewer)?;
    let reason = crate::domain::audit::access_reason(reason)
        .ok_or_else(|| AppError::bad_input("give a reason for closing the account"))?;
    if user_id == viewer.id {
        return Err(AppError::bad_input(
            "close your own account with closeAccount",
        ));
    }
    let db = &ctx.state.db;
    let target = user::Entity::find_by_id(user_id)
        .one(&db.conn)
        .await?
        .ok_or(AppError::NotFound)?;
    if target.role == entity::enums::PlatformRole::Admin {
        return Err(AppError::forbidden(
            "an admin's account is closed only after their role is changed",
        ));
    }
    let trace = Access {
        kind: AccessKind::AccountClosure,
        actor_id: Some(viewer.id),
        subject_id: Some(user_id),
        group_id: None,
        post_id: None,
        flag_id: None,
        reason: Some(reason.clone()),
    };
    let closure = request(
        db,
        user_id,
        viewer.id,
        mode,
        Some(reason),
        now(),
        Some(trace),
    )
    .await?;
    tracing::warn!(admin = %viewer.id, user = %user_id, mode, "account closed by an admin");
    ctx.state.sessions.forget_user(user_id);
    db.bus.user_changed(user_id);
    ctx.state.data_rights_wake.notify_one();
    Ok(closure)
}

/// Writes the closure, ends every session and writes `trace` to the
/// audit, in one transaction.
async fn request(
    db: &Db,
    user_id: Uuid,
    by: Uuid,
    mode: &'static str,
    reason: Option<String>,
    due: chrono::DateTime<chrono::Utc>,
    trace: Option<Access>,
) -> AppResult<account_closure::Model> {
    let w = db.write().await?;
    if let Some(existing) = store::closures::pending(&w.txn, user_id).await? {
        if by == user_id {
            return Err(AppError::conflict("a closure is already pending"));
        }
        // An admin's closure replaces a pending one.
        account_closure::Entity::update_many()
            .col_expr(account_closure::Column::CancelledAt, Expr::value(now()))
            .filter(account_closure::Column::Id.eq(existing.id))
            .exec(&w.txn)
            .await?;
    }
    if store::closures::completed(&w.txn, user_id, None).await? {
        return Err(AppError::NotFound);
    }
    let t = now();
    let closure = account_closure::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user_id),
        mode: Set(mode.to_owned()),
        reason: Set(reason),
        requested_by: Set(by),
        requested_at: Set(t),
        due_at: Set(due),
        completed_at: Set(None),
        cancelled_at: Set(None),
    }
    .insert(&w.txn)
    .await?;
    session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(t))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .exec(&w.txn)
        .await?;
    if let Some(t) = trace {
        store::audit::insert(&w.txn, &[t]).await?;
    }
    db.commit(w).await?;
    Ok(closure)
}

/// Cancels the viewer's own pending closure (not one an admin decided);
/// false when there was none.
pub async fn cancel(ctx: &RequestCtx) -> AppResult<bool> {
    let viewer = policy::require_account_holder(&ctx.auth)?.clone();
    let db = &ctx.state.db;
    let res = account_closure::Entity::update_many()
        .col_expr(account_closure::Column::CancelledAt, Expr::value(now()))
        .filter(account_closure::Column::UserId.eq(viewer.id))
        .filter(account_closure::Column::RequestedBy.eq(viewer.id))
        .filter(account_closure::Column::CompletedAt.is_null())
        .filter(account_closure::Column::CancelledAt.is_null())
        .exec(&db.conn)
        .await?;
    ctx.state.sessions.forget_user(viewer.id);
    db.bus.user_changed(viewer.id);
    Ok(res.rows_affected > 0)
}

/// The pending closure of `user_id`, which is the viewer or the account
/// that just signed in (the caller knows which).
pub async fn pending_of(
    ctx: &RequestCtx,
    user_id: Uuid,
) -> AppResult<Option<account_closure::Model>> {
    Ok(store::closures::pending(&ctx.state.db.conn, user_id).await?)
}

/// Carries out a closure whose time has come, in one transaction with the
/// group locks it needs: either all of it happens or none of it, and a
/// crash means it runs again. A closure cancelled meanwhile is left alone.
pub async fn carry_out(db: &Db, c: &account_closure::Model) -> AppResult<()> {
    let user_id = c.user_id;
    let erase = c.mode == ERASE;
    // The member's posts, by group: each group's lock is taken, in order,
    // before its posts change.
    let posts = if erase {
        post::Entity::find()
            .filter(post::Column::AuthorId.eq(user_id))
            .all(&db.conn)
            .await?
    } else {
        Vec::new()
    };
    let mut by_group: BTreeMap<Uuid, Vec<post::Model>> = BTreeMap::new();
    for p in posts {
        by_group.entry(p.group_id).or_default().push(p);
    }
    let mut w = db.write().await?;
    let t = now();
    // Claimed first, conditionally: a cancellation that committed
    // meanwhile wins, and one that comes later waits for this row (on
    // Postgres) and then finds nothing to cancel.
    let claimed = account_closure::Entity::update_many()
        .col_expr(account_closure::Column::CompletedAt, Expr::value(t))
        .filter(account_closure::Column::Id.eq(c.id))
        .filter(account_closure::Column::CompletedAt.is_null())
        .filter(account_closure::Column::CancelledAt.is_null())
        .exec(&w.txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Ok(());
    }
    if erase {
        for (group_id, posts) in &by_group {
            w.lock_group(*group_id).await?;
            // Posts written since the list was read are caught on the
            // next run: the closure is only marked done below, and the
            // account has had no session since it was requested.
            crate::service::forum::tombstone(&mut w, *group_id, posts).await?;
        }
        thread::Entity::update_many()
            .col_expr(thread::Column::Title, Expr::value(closure::ERASED_TITLE))
            .filter(thread::Column::AuthorId.eq(user_id))
            .exec(&w.txn)
            .await?;
        reaction::Entity::delete_many()
            .filter(reaction::Column::UserId.eq(user_id))
            .exec(&w.txn)
            .await?;
        // Snapshots of their words in closed flags go now; open flags keep
        // theirs until a facilitator closes them.
        flag::Entity::update_many()
            .col_expr(
                flag::Column::BodySnapshot,
                Expr::value(Option::<String>::None),
            )
            .filter(flag::Column::PostAuthorId.eq(user_id))
            .filter(flag::Column::Status.ne(entity::enums::FlagStatus::Open))
            .exec(&w.txn)
            .await?;
    }
    user::Entity::update_many()
        .col_expr(
            user::Column::Handle,
            Expr::value(closure::closed_handle(user_id)),
        )
        .col_expr(user::Column::DisplayName, Expr::value(FORMER_MEMBER))
        .col_expr(
            user::Column::PasswordHash,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            user::Column::ExternalSubject,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            user::Column::Role,
            Expr::value(entity::enums::PlatformRole::Member),
        )
        .filter(user::Column::Id.eq(user_id))
        .exec(&w.txn)
        .await?;
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .exec(&w.txn)
        .await?;
    push_subscription::Entity::delete_many()
        .filter(push_subscription::Column::UserId.eq(user_id))
        .exec(&w.txn)
        .await?;
    data_export::Entity::delete_many()
        .filter(data_export::Column::UserId.eq(user_id))
        .exec(&w.txn)
        .await?;
    notification_setting::Entity::delete_many()
        .filter(notification_setting::Column::UserId.eq(user_id))
        .exec(&w.txn)
        .await?;
    notification::Entity::delete_many()
        .filter(notification::Column::UserId.eq(user_id))
        .exec(&w.txn)
        .await?;
    thread_read::Entity::delete_many()
        .filter(thread_read::Column::UserId.eq(user_id))
        .exec(&w.txn)
        .await?;
    // Check-ins (moods are health data), RSVPs and the calendar feed go in
    // both modes; the facilitators' attendance record stays, under
    // "Former member", unless the member asked for erasure.
    entity::check_in::Entity::delete_many()
        .filter(entity::check_in::Column::UserId.eq(user_id))
        .exec(&w.txn)
        .await?;
    // Closed flags' copies of their check-in notes go with the check-ins;
    // an open one keeps its copy until a facilitator closes it.
    flag::Entity::update_many()
        .col_expr(
            flag::Column::BodySnapshot,
            Expr::value(Option::<String>::None),
        )
        .filter(flag::Column::PostAuthorId.eq(user_id))
        .filter(flag::Column::CheckInId.is_not_null())
        .filter(flag::Column::Status.ne(entity::enums::FlagStatus::Open))
        .exec(&w.txn)
        .await?;
    entity::session_rsvp::Entity::delete_many()
        .filter(entity::session_rsvp::Column::UserId.eq(user_id))
        .exec(&w.txn)
        .await?;
    entity::calendar_feed::Entity::delete_many()
        .filter(entity::calendar_feed::Column::UserId.eq(user_id))
        .exec(&w.txn)
        .await?;
    if erase {
        // Webhook deliveries that name the member by their global ID.
        let uid = crate::ids::encode(crate::ids::Kind::User, user_id).0;
        entity::webhook_delivery::Entity::delete_many()
            .filter(entity::webhook_delivery::Column::Payload.contains(uid.as_str()))
            .exec(&w.txn)
            .await?;
        entity::session_attendance::Entity::delete_many()
            .filter(entity::session_attendance::Column::UserId.eq(user_id))
            .exec(&w.txn)
            .await?;
    }
    membership::Entity::delete_many()
        .filter(membership::Column::UserId.eq(user_id))
        .exec(&w.txn)
        .await?;
    db.commit(w).await?;
    db.bus.user_changed(user_id);
    tracing::info!(user = %user_id, mode = %c.mode, "account closed");
    Ok(())
}

/// Whether a flag's snapshot should go when the flag closes: its post's
/// author erased their account, or closed it, for a check-in's note.
pub async fn snapshot_must_go(
    db: &impl sea_orm::ConnectionTrait,
    f: &flag::Model,
) -> AppResult<bool> {
    // A check-in's note goes on any closure, as the check-in does; a
    // post's words only on erasure.
    let mode = if f.check_in_id.is_some() {
        None
    } else {
        Some(ERASE)
    };
    match f.post_author_id {
        Some(a) => Ok(store::closures::completed(db, a, mode).await?),
        None => Ok(false),
    }
}

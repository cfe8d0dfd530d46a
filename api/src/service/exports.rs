//! Data exports (GDPR Art. 15 and 20): a member asks, the data-rights
//! worker builds a JSON archive of what is theirs, and they download it
//! with their own bearer token until it expires.
//!
//! Other people appear only as "another member". Their words appear only
//! as a short excerpt of the post a member's reply answers, and each such
//! excerpt is recorded in that person's access log.
use crate::{
    domain::audit::{Access, AccessKind},
    error::{AppError, AppResult},
    service::RequestCtx,
    store::{self, now, Db},
};
use entity::{
    data_export, flag, group, membership, notification_setting, post, post_revision, reaction,
    session, thread, user,
};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveEnum, ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

pub const PENDING: &str = "pending";
pub const READY: &str = "ready";
pub const FAILED: &str = "failed";

/// Characters of another member's post quoted as context for a reply.
const EXCERPT_CHARS: usize = 140;
/// Exports listed on the viewer.
const LISTED: u64 = 10;
/// Tries before an export is marked FAILED.
const MAX_ATTEMPTS: i32 = 5;

/// What a client sees of an export's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Ready,
    Expired,
    Failed,
}

pub fn status(e: &data_export::Model) -> Status {
    match e.status.as_str() {
        READY if e.expires_at.is_some_and(|x| x > now()) && e.archive.is_some() => Status::Ready,
        READY => Status::Expired,
        FAILED => Status::Failed,
        _ => Status::Pending,
    }
}

/// Asks for an export: at most one per member per export period.
pub async fn request(ctx: &RequestCtx) -> AppResult<data_export::Model> {
    // Allowed while an account is closing: the grace period is the time
    // to take one's data along.
    let viewer = crate::domain::policy::require_account_holder(&ctx.auth)?.clone();
    let db = &ctx.state.db;
    let period = ctx.state.config.data.export_ttl();
    let w = db.write().await?;
    lock_user(&w, viewer.id).await?;
    let last = data_export::Entity::find()
        .filter(data_export::Column::UserId.eq(viewer.id))
        .order_by_desc(data_export::Column::RequestedAt)
        .one(&w.txn)
        .await?;
    let t = now();
    if let Some(last) = last.filter(|l| l.status != FAILED) {
        let next = last.requested_at + period;
        if next > t {
            return Err(AppError::RateLimited {
                retry_after_secs: std::cmp::max((next - t).num_seconds(), 1) as u64,
            });
        }
    }
    let export = data_export::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(viewer.id),
        status: Set(PENDING.into()),
        requested_at: Set(t),
        ready_at: Set(None),
        expires_at: Set(None),
        archive: Set(None),
        attempts: Set(0),
        last_error: Set(None),
    }
    .insert(&w.txn)
    .await?;
    db.commit(w).await?;
    ctx.state.data_rights_wake.notify_one();
    Ok(export)
}

/// Serialises a member's requests on Postgres (SQLite has one writer).
async fn lock_user(w: &store::WriteTxn, user_id: Uuid) -> AppResult<()> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    if w.txn.get_database_backend() == DbBackend::Postgres {
        w.txn
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT 1 FROM users WHERE id = $1 FOR UPDATE",
                [user_id.into()],
            ))
            .await?;
    }
    Ok(())
}

/// The viewer's exports, newest first (without their archives).
pub async fn list(ctx: &RequestCtx) -> AppResult<Vec<data_export::Model>> {
    let viewer = crate::domain::policy::require_account_holder(&ctx.auth)?;
    Ok(without_archive()
        .filter(data_export::Column::UserId.eq(viewer.id))
        .order_by_desc(data_export::Column::RequestedAt)
        .limit(LISTED)
        .into_model::<data_export::Model>()
        .all(&ctx.state.db.conn)
        .await?)
}

/// One of the viewer's exports; NOT_FOUND for anyone else's.
pub async fn one(ctx: &RequestCtx, id: Uuid) -> AppResult<data_export::Model> {
    let viewer = crate::domain::policy::require_account_holder(&ctx.auth)?;
    without_archive()
        .filter(data_export::Column::Id.eq(id))
        .filter(data_export::Column::UserId.eq(viewer.id))
        .into_model::<data_export::Model>()
        .one(&ctx.state.db.conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Every column but the archive, which is read only to download it; the
/// archive reads back as present (an empty marker) when there is one.
fn without_archive() -> sea_orm::Select<data_export::Entity> {
    use data_export::Column as C;
    data_export::Entity::find()
        .select_only()
        .columns([
            C::Id,
            C::UserId,
            C::Status,
            C::RequestedAt,
            C::ReadyAt,
            C::ExpiresAt,
            C::Attempts,
            C::LastError,
        ])
        .expr_as(
            Expr::case(
                Expr::col(C::Archive).is_null(),
                Expr::value(Option::<Vec<u8>>::None),
            )
            .finally(Expr::value(Some(Vec::<u8>::new()))),
            "archive",
        )
}

/// The archive for a download by `user_id`: None when there is no such
/// export of theirs; `Err(true)`… see `Download`.
pub enum Download {
    Ready(Vec<u8>),
    Expired,
    NotReady,
    NotFound,
}

pub async fn download(db: &Db, user_id: Uuid, id: Uuid) -> AppResult<Download> {
    let Some(e) = data_export::Entity::find_by_id(id)
        .filter(data_export::Column::UserId.eq(user_id))
        .one(&db.conn)
        .await?
    else {
        return Ok(Download::NotFound);
    };
    Ok(match (status(&e), e.archive) {
        (Status::Ready, Some(a)) => Download::Ready(a),
        (Status::Expired, _) => Download::Expired,
        _ => Download::NotReady,
    })
}

/// Pending exports to build, oldest first.
pub async fn due(db: &Db, limit: u64) -> AppResult<Vec<data_export::Model>> {
    Ok(without_archive()
        .filter(data_export::Column::Status.eq(PENDING))
        .order_by_asc(data_export::Column::RequestedAt)
        .limit(limit)
        .into_model::<data_export::Model>()
        .all(&db.conn)
        .await?)
}

/// Builds an export and marks it ready, with the audit of whoever's
/// excerpts it carries, in one transaction. A failure counts an attempt.
pub async fn build(db: &Db, e: &data_export::Model, ttl: chrono::Duration) -> AppResult<()> {
    match archive(db, e.user_id).await {
        Ok((bytes, quoted)) => {
            let w = db.write().await?;
            let t = now();
            let done = data_export::Entity::update_many()
                .col_expr(data_export::Column::Status, Expr::value(READY))
                .col_expr(data_export::Column::Archive, Expr::value(Some(bytes)))
                .col_expr(data_export::Column::ReadyAt, Expr::value(Some(t)))
                .col_expr(data_export::Column::ExpiresAt, Expr::value(Some(t + ttl)))
                .filter(data_export::Column::Id.eq(e.id))
                .filter(data_export::Column::Status.eq(PENDING))
                .exec(&w.txn)
                .await?;
            if done.rows_affected == 1 {
                let accesses: Vec<Access> = quoted
                    .into_iter()
                    .map(|(author, group_id, post_id)| Access {
                        kind: AccessKind::DataExport,
                        actor_id: Some(e.user_id),
                        subject_id: Some(author),
                        group_id: Some(group_id),
                        post_id: Some(post_id),
                        flag_id: None,
                        reason: None,
                    })
                    .collect();
                for chunk in accesses.chunks(500) {
                    store::audit::insert(&w.txn, chunk).await?;
                }
            }
            db.commit(w).await?;
            Ok(())
        }
        Err(err) => {
            let attempts = e.attempts + 1;
            let status = if attempts >= MAX_ATTEMPTS {
                FAILED
            } else {
                PENDING
            };
            data_export::Entity::update_many()
                .col_expr(data_export::Column::Attempts, Expr::value(attempts))
                .col_expr(data_export::Column::Status, Expr::value(status))
                .col_expr(
                    data_export::Column::LastError,
                    Expr::value(Some(format!("{err}"))),
                )
                .filter(data_export::Column::Id.eq(e.id))
                .exec(&db.conn)
                .await?;
            Err(err)
        }
    }
}

/// Drops the archives of expired exports; how many.
pub async fn expire(db: &Db) -> AppResult<u64> {
    Ok(data_export::Entity::update_many()
        .col_expr(
            data_export::Column::Archive,
            Expr::value(Option::<Vec<u8>>::None),
        )
        .filter(data_export::Column::Status.eq(READY))
        .filter(data_export::Column::Archive.is_not_null())
        .filter(data_export::Column::ExpiresAt.lte(now()))
        .exec(&db.conn)
        .await?
        .rows_affected)
}

fn name<E: ActiveEnum<Value = String>>(e: &E) -> String {
    e.to_value()
}

/// The archive, and the (author, group, post) of every other member's post
/// it quotes.
async fn archive(db: &Db, user_id: Uuid) -> AppResult<(Vec<u8>, BTreeSet<(Uuid, Uuid, Uuid)>)> {
    let conn = &db.conn;
    let me = user::Entity::find_by_id(user_id)
        .one(conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let memberships = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .all(conn)
        .await?;
    let posts = post::Entity::find()
        .filter(post::Column::AuthorId.eq(user_id))
        .order_by_asc(post::Column::Id)
        .all(conn)
        .await?;
    let post_ids: Vec<Uuid> = posts.iter().map(|p| p.id).collect();
    let mut revisions: HashMap<Uuid, Vec<post_revision::Model>> = HashMap::new();
    for chunk in post_ids.chunks(500) {
        for r in post_revision::Entity::find()
            .filter(post_revision::Column::PostId.is_in(chunk.iter().copied()))
            .order_by_asc(post_revision::Column::EditedAt)
            .all(conn)
            .await?
        {
            revisions.entry(r.post_id).or_default().push(r);
        }
    }
    // The posts replied to, for context.
    let targets: Vec<Uuid> = posts
        .iter()
        .filter_map(|p| p.reply_to_id)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut replied: HashMap<Uuid, post::Model> = HashMap::new();
    for chunk in targets.chunks(500) {
        for p in post::Entity::find()
            .filter(post::Column::Id.is_in(chunk.iter().copied()))
            .all(conn)
            .await?
        {
            replied.insert(p.id, p);
        }
    }
    let threads_started = thread::Entity::find()
        .filter(thread::Column::AuthorId.eq(user_id))
        .order_by_asc(thread::Column::CreatedAt)
        .all(conn)
        .await?;
    let mut group_ids: BTreeSet<Uuid> = memberships.iter().map(|m| m.group_id).collect();
    group_ids.extend(posts.iter().map(|p| p.group_id));
    let groups: HashMap<Uuid, group::Model> = group::Entity::find()
        .filter(group::Column::Id.is_in(group_ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|g| (g.id, g))
        .collect();
    let reactions = reaction::Entity::find()
        .filter(reaction::Column::UserId.eq(user_id))
        .all(conn)
        .await?;
    let flags = flag::Entity::find()
        .filter(flag::Column::ReporterId.eq(user_id))
        .order_by_asc(flag::Column::CreatedAt)
        .all(conn)
        .await?;
    let settings = notification_setting::Entity::find_by_id(user_id)
        .one(conn)
        .await?;
    let sessions = session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .order_by_asc(session::Column::CreatedAt)
        .all(conn)
        .await?;
    let access = store::audit::about_subject(conn, user_id, 10_000).await?;
    let actor_ids: BTreeSet<Uuid> = access.iter().filter_map(|a| a.actor_id).collect();
    let actors: HashMap<Uuid, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(actor_ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();

    let member_of: BTreeSet<Uuid> = memberships.iter().map(|m| m.group_id).collect();
    let mut quoted = BTreeSet::new();
    let group_name = |id: &Uuid| groups.get(id).map(|g| g.name.clone());
    let posts_json: Vec<Value> = posts
        .iter()
        .map(|p| {
            let reply_to = p.reply_to_id.map(|rid| match replied.get(&rid) {
                Some(t) if t.author_id == Some(user_id) => json!({
                    "postId": rid, "author": "you",
                }),
                Some(t) => {
                    // Only from a group the member still reads, and only
                    // while the post is visible there.
                    let excerpt = match (t.state, &t.body) {
                        (entity::enums::PostState::Visible, Some(b))
                            if member_of.contains(&t.group_id) =>
                        {
                            if let Some(a) = t.author_id {
                                quoted.insert((a, t.group_id, t.id));
                            }
                            Some(b.chars().take(EXCERPT_CHARS).collect::<String>())
                        }
                        _ => None,
                    };
                    json!({ "postId": rid, "author": "another member", "excerpt": excerpt })
                }
                None => json!({ "postId": rid }),
            });
            json!({
                "id": p.id,
                "groupId": p.group_id,
                "group": group_name(&p.group_id),
                "threadId": p.thread_id,
                "state": name(&p.state),
                "createdAt": p.created_at,
                "editedAt": p.edited_at,
                "body": p.body,
                "contentWarning": p.content_warning,
                "replyTo": reply_to,
                "earlierVersions": revisions.get(&p.id).map(|rs| rs.iter().map(|r| json!({
                    "body": r.body, "replacedAt": r.edited_at,
                })).collect::<Vec<_>>()).unwrap_or_default(),
            })
        })
        .collect();
    let doc = json!({
        "format": "hearth-export/1",
        "generatedAt": now(),
        "about": "Everything Hearth holds that is yours. Other people appear only as \"another member\"; their words only as a short excerpt of a post you replied to.",
        "profile": {
            "id": me.id,
            "handle": me.handle,
            "displayName": me.display_name,
            "role": name(&me.role),
            "createdAt": me.created_at,
        },
        "memberships": memberships.iter().map(|m| json!({
            "groupId": m.group_id,
            "group": group_name(&m.group_id),
            "role": name(&m.role),
            "joinedAt": m.joined_at,
            "mutedUntil": m.muted_until,
        })).collect::<Vec<_>>(),
        "threadsStarted": threads_started.iter().map(|t| json!({
            "id": t.id, "groupId": t.group_id, "title": t.title, "createdAt": t.created_at,
        })).collect::<Vec<_>>(),
        "posts": posts_json,
        "reactionsGiven": reactions.iter().map(|r| json!({
            "postId": r.post_id, "kind": name(&r.kind), "createdAt": r.created_at,
        })).collect::<Vec<_>>(),
        "flagsRaised": flags.iter().map(|f| json!({
            "id": f.id,
            "postId": f.post_id,
            "reason": name(&f.reason),
            "note": f.note,
            "status": name(&f.status),
            "createdAt": f.created_at,
            "resolvedAt": f.resolved_at,
        })).collect::<Vec<_>>(),
        "notificationSettings": settings.map(|s| json!({
            "quietStart": s.quiet_start, "quietEnd": s.quiet_end, "timeZone": s.time_zone,
        })),
        "sessions": sessions.iter().map(|s| json!({
            "id": s.id, "createdAt": s.created_at, "expiresAt": s.expires_at, "revokedAt": s.revoked_at,
        })).collect::<Vec<_>>(),
        "accessLog": access.iter().map(|a| json!({
            "kind": a.kind,
            "at": a.created_at,
            "by": match a.actor_id {
                Some(id) if id == user_id => "you".to_owned(),
                Some(id) => actors.get(&id).cloned().unwrap_or_else(|| crate::domain::closure::FORMER_MEMBER.to_owned()),
                None => "Hearth".to_owned(),
            },
            "reason": a.reason,
            "groupId": a.group_id,
            "postId": a.post_id,
        })).collect::<Vec<_>>(),
    });
    let bytes = serde_json::to_vec_pretty(&doc).map_err(AppError::internal)?;
    Ok((bytes, quoted))
}

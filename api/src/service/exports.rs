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

/// Posts read per statement while an archive is written.
const CHUNK: u64 = 500;

/// Adds the names of the groups among `ids` not yet in `names`.
async fn name_groups(
    conn: &sea_orm::DatabaseConnection,
    ids: impl Iterator<Item = Uuid>,
    names: &mut HashMap<Uuid, String>,
) -> AppResult<()> {
    let missing: BTreeSet<Uuid> = ids.filter(|id| !names.contains_key(id)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    for g in group::Entity::find()
        .filter(group::Column::Id.is_in(missing))
        .all(conn)
        .await?
    {
        names.insert(g.id, g.name);
    }
    Ok(())
}

/// Appends `,"key":value` (without the comma for the first field).
fn put(
    out: &mut Vec<u8>,
    first: &mut bool,
    key: &str,
    value: &impl serde::Serialize,
) -> AppResult<()> {
    if !std::mem::take(first) {
        out.push(b',');
    }
    serde_json::to_writer(&mut *out, key).map_err(AppError::internal)?;
    out.push(b':');
    serde_json::to_writer(&mut *out, value).map_err(AppError::internal)
}

/// The archive, and the (author, group, post) of every other member's post
/// it quotes. Written as it is read: the member's posts a chunk at a time,
/// each serialised straight into the archive, so memory holds the archive
/// and one chunk, not the whole history as values.
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
    let member_of: BTreeSet<Uuid> = memberships.iter().map(|m| m.group_id).collect();
    let mut group_names: HashMap<Uuid, String> = HashMap::new();
    name_groups(
        conn,
        memberships.iter().map(|m| m.group_id),
        &mut group_names,
    )
    .await?;

    let mut out = Vec::with_capacity(64 * 1024);
    let mut first = true;
    out.push(b'{');
    put(&mut out, &mut first, "format", &"hearth-export/1")?;
    put(&mut out, &mut first, "generatedAt", &now())?;
    put(
        &mut out,
        &mut first,
        "about",
        &"Everything Hearth holds that is yours. Other people appear only as \"another member\"; their words only as a short excerpt of a post you replied to.",
    )?;
    put(
        &mut out,
        &mut first,
        "profile",
        &json!({
            "id": me.id,
            "handle": me.handle,
            "displayName": me.display_name,
            "role": name(&me.role),
            "createdAt": me.created_at,
        }),
    )?;
    let memberships_json: Vec<Value> = memberships
        .iter()
        .map(|m| {
            json!({
                "groupId": m.group_id,
                "group": group_names.get(&m.group_id),
                "role": name(&m.role),
                "joinedAt": m.joined_at,
                "mutedUntil": m.muted_until,
            })
        })
        .collect();
    put(&mut out, &mut first, "memberships", &memberships_json)?;
    let threads_started: Vec<Value> = thread::Entity::find()
        .filter(thread::Column::AuthorId.eq(user_id))
        .order_by_asc(thread::Column::CreatedAt)
        .all(conn)
        .await?
        .iter()
        .map(|t| json!({"id": t.id, "groupId": t.group_id, "title": t.title, "createdAt": t.created_at}))
        .collect();
    put(&mut out, &mut first, "threadsStarted", &threads_started)?;

    // The posts, a chunk at a time.
    out.extend_from_slice(b",\"posts\":[");
    let mut quoted = BTreeSet::new();
    let mut after: Option<Uuid> = None;
    let mut first_post = true;
    loop {
        let mut q = post::Entity::find().filter(post::Column::AuthorId.eq(user_id));
        if let Some(a) = after {
            q = q.filter(post::Column::Id.gt(a));
        }
        let posts = q
            .order_by_asc(post::Column::Id)
            .limit(CHUNK)
            .all(conn)
            .await?;
        let Some(last) = posts.last() else {
            break;
        };
        after = Some(last.id);
        let mut revisions: HashMap<Uuid, Vec<post_revision::Model>> = HashMap::new();
        for r in post_revision::Entity::find()
            .filter(post_revision::Column::PostId.is_in(posts.iter().map(|p| p.id)))
            .order_by_asc(post_revision::Column::EditedAt)
            .all(conn)
            .await?
        {
            revisions.entry(r.post_id).or_default().push(r);
        }
        // The posts replied to, for context.
        let targets: BTreeSet<Uuid> = posts.iter().filter_map(|p| p.reply_to_id).collect();
        let replied: HashMap<Uuid, post::Model> = if targets.is_empty() {
            HashMap::new()
        } else {
            post::Entity::find()
                .filter(post::Column::Id.is_in(targets))
                .all(conn)
                .await?
                .into_iter()
                .map(|p| (p.id, p))
                .collect()
        };
        name_groups(conn, posts.iter().map(|p| p.group_id), &mut group_names).await?;
        for p in &posts {
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
            let earlier: Vec<Value> = revisions
                .get(&p.id)
                .map(|rs| {
                    rs.iter()
                        .map(|r| json!({"body": r.body, "replacedAt": r.edited_at}))
                        .collect()
                })
                .unwrap_or_default();
            if !std::mem::take(&mut first_post) {
                out.push(b',');
            }
            serde_json::to_writer(
                &mut out,
                &json!({
                    "id": p.id,
                    "groupId": p.group_id,
                    "group": group_names.get(&p.group_id),
                    "threadId": p.thread_id,
                    "state": name(&p.state),
                    "createdAt": p.created_at,
                    "editedAt": p.edited_at,
                    "body": p.body,
                    "contentWarning": p.content_warning,
                    "replyTo": reply_to,
                    "earlierVersions": earlier,
                }),
            )
            .map_err(AppError::internal)?;
        }
        if (posts.len() as u64) < CHUNK {
            break;
        }
    }
    out.push(b']');

    let reactions: Vec<Value> = reaction::Entity::find()
        .filter(reaction::Column::UserId.eq(user_id))
        .all(conn)
        .await?
        .iter()
        .map(|r| json!({"postId": r.post_id, "kind": name(&r.kind), "createdAt": r.created_at}))
        .collect();
    put(&mut out, &mut first, "reactionsGiven", &reactions)?;
    let flags: Vec<Value> = flag::Entity::find()
        .filter(flag::Column::ReporterId.eq(user_id))
        .order_by_asc(flag::Column::CreatedAt)
        .all(conn)
        .await?
        .iter()
        .map(|f| {
            json!({
                "id": f.id,
                "postId": f.post_id,
                "reason": name(&f.reason),
                "note": f.note,
                "status": name(&f.status),
                "createdAt": f.created_at,
                "resolvedAt": f.resolved_at,
            })
        })
        .collect();
    put(&mut out, &mut first, "flagsRaised", &flags)?;
    let settings = notification_setting::Entity::find_by_id(user_id)
        .one(conn)
        .await?
        .map(|s| json!({"quietStart": s.quiet_start, "quietEnd": s.quiet_end, "timeZone": s.time_zone}));
    put(&mut out, &mut first, "notificationSettings", &settings)?;
    let sessions: Vec<Value> = session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .order_by_asc(session::Column::CreatedAt)
        .all(conn)
        .await?
        .iter()
        .map(|s| json!({"id": s.id, "createdAt": s.created_at, "expiresAt": s.expires_at, "revokedAt": s.revoked_at}))
        .collect();
    put(&mut out, &mut first, "sessions", &sessions)?;
    // Group sessions: the member's check-ins, RSVPs and recorded attendance.
    let check_ins: Vec<Value> = entity::check_in::Entity::find()
        .filter(entity::check_in::Column::UserId.eq(user_id))
        .order_by_asc(entity::check_in::Column::CreatedAt)
        .all(conn)
        .await?
        .iter()
        .map(|c| {
            json!({
                "sessionId": c.session_id,
                "groupId": c.group_id,
                "mood": c.mood,
                "note": c.note,
                "visibility": name(&c.visibility),
                "createdAt": c.created_at,
                "updatedAt": c.updated_at,
            })
        })
        .collect();
    put(&mut out, &mut first, "checkIns", &check_ins)?;
    let rsvps: Vec<Value> = entity::session_rsvp::Entity::find()
        .filter(entity::session_rsvp::Column::UserId.eq(user_id))
        .all(conn)
        .await?
        .iter()
        .map(|r| json!({"sessionId": r.session_id, "groupId": r.group_id, "status": name(&r.status), "updatedAt": r.updated_at}))
        .collect();
    put(&mut out, &mut first, "sessionRsvps", &rsvps)?;
    let attendance: Vec<Value> = entity::session_attendance::Entity::find()
        .filter(entity::session_attendance::Column::UserId.eq(user_id))
        .all(conn)
        .await?
        .iter()
        .map(|a| json!({"sessionId": a.session_id, "groupId": a.group_id, "status": name(&a.status), "recordedAt": a.recorded_at}))
        .collect();
    put(&mut out, &mut first, "sessionAttendance", &attendance)?;
    let access = store::audit::about_subject(conn, user_id, 10_000).await?;
    let actor_ids: BTreeSet<Uuid> = access.iter().filter_map(|a| a.actor_id).collect();
    let actors: HashMap<Uuid, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(actor_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let access_json: Vec<Value> = access
        .iter()
        .map(|a| {
            json!({
                "kind": a.kind,
                "at": a.created_at,
                "by": match a.actor_id {
                    Some(id) if id == user_id => "you".to_owned(),
                    Some(id) => actors
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| crate::domain::closure::FORMER_MEMBER.to_owned()),
                    None => "Hearth".to_owned(),
                },
                "reason": a.reason,
                "groupId": a.group_id,
                "postId": a.post_id,
            })
        })
        .collect();
    put(&mut out, &mut first, "accessLog", &access_json)?;
    out.push(b'}');
    Ok((out, quoted))
}

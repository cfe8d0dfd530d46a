//! A group's data over its life: archiving it (read-only), retention (old
//! posts become tombstones), and deletion (archived at once, purged after
//! an export window).
use crate::{
    domain::policy,
    error::{AppError, AppResult},
    service::{audit::require_admin, RequestCtx},
    store::{events::Subject, now, Db},
};
use entity::{enums::EventKind, group, post};
use sea_orm::{
    sea_query::Expr, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};
use uuid::Uuid;

/// Longest retention a group may set, in days (100 years).
pub const RETENTION_MAX_DAYS: i32 = 36_500;
/// Posts turned into tombstones per transaction by the retention sweep.
const SWEEP_BATCH: u64 = 500;

/// Facilitators and admins archive a group: members keep reading it;
/// nobody posts, reacts or invites.
pub async fn archive(ctx: &RequestCtx, group_id: Uuid) -> AppResult<group::Model> {
    let standing = ctx.standing(group_id).await?;
    policy::moderate(&standing)?;
    let db = &ctx.state.db;
    let mut w = db.write_in(group_id).await?;
    let updated = group::Entity::update_many()
        .col_expr(group::Column::ArchivedAt, Expr::value(Some(now())))
        .filter(group::Column::Id.eq(group_id))
        .filter(group::Column::ArchivedAt.is_null())
        .exec(&w.txn)
        .await?;
    if updated.rows_affected == 1 {
        w.append_event(
            group_id,
            EventKind::GroupArchived,
            Some(standing.viewer.id),
            Subject::default(),
        )
        .await?;
    }
    let g = group::Entity::find_by_id(group_id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    db.commit(w).await?;
    Ok(g)
}

/// Facilitators and admins set how many days posts are kept; None keeps
/// them.
pub async fn set_retention(
    ctx: &RequestCtx,
    group_id: Uuid,
    days: Option<i32>,
) -> AppResult<group::Model> {
    if let Some(d) = days {
        if !(1..=RETENTION_MAX_DAYS).contains(&d) {
            return Err(AppError::bad_input(format!(
                "days must be between 1 and {RETENTION_MAX_DAYS}, or null to keep posts"
            )));
        }
    }
    let standing = ctx.standing(group_id).await?;
    policy::moderate(&standing)?;
    let db = &ctx.state.db;
    group::Entity::update_many()
        .col_expr(group::Column::RetentionDays, Expr::value(days))
        .filter(group::Column::Id.eq(group_id))
        .exec(&db.conn)
        .await?;
    ctx.state.data_rights_wake.notify_one();
    group::Entity::find_by_id(group_id)
        .one(&db.conn)
        .await?
        .ok_or(AppError::NotFound)
}

/// Platform admins delete a group: it is archived at once, members are
/// told, and it is purged when the export window ends. `confirm` repeats
/// the group's slug.
pub async fn delete(ctx: &RequestCtx, group_id: Uuid, confirm: &str) -> AppResult<group::Model> {
    let viewer = ctx.viewer()?.clone();
    // The group as the admin may read it: a member, or breaking glass.
    let (g, _) = ctx.readable_group(group_id).await?;
    require_admin(&viewer)?;
    let db = &ctx.state.db;
    if confirm.trim() != g.slug {
        return Err(AppError::bad_input(
            "confirm must repeat the group's slug exactly",
        ));
    }
    if g.delete_after.is_some() {
        return Ok(g);
    }
    let t = now();
    let mut w = db.write_in(group_id).await?;
    group::Entity::update_many()
        .col_expr(
            group::Column::ArchivedAt,
            Expr::value(Some(g.archived_at.unwrap_or(t))),
        )
        .col_expr(
            group::Column::DeleteAfter,
            Expr::value(Some(t + ctx.state.config.data.group_deletion_grace())),
        )
        .filter(group::Column::Id.eq(group_id))
        .exec(&w.txn)
        .await?;
    w.append_event(
        group_id,
        EventKind::GroupDeletionScheduled,
        Some(viewer.id),
        Subject::default(),
    )
    .await?;
    let g = group::Entity::find_by_id(group_id)
        .one(&w.txn)
        .await?
        .ok_or(AppError::NotFound)?;
    db.commit(w).await?;
    tracing::warn!(admin = %viewer.id, group = %group_id, "group deletion scheduled");
    Ok(g)
}

/// One retention pass over every group that has one: posts older than the
/// group's retention become tombstones, a batch per transaction. How many.
pub async fn sweep_retention(db: &Db) -> AppResult<u64> {
    let groups = group::Entity::find()
        .filter(group::Column::RetentionDays.is_not_null())
        .all(&db.conn)
        .await?;
    let mut total = 0;
    for g in groups {
        let Some(days) = g.retention_days else {
            continue;
        };
        let cutoff = now() - chrono::Duration::days(days as i64);
        loop {
            let n = tombstone_batch(db, g.id, Some(cutoff)).await?;
            total += n;
            if n < SWEEP_BATCH {
                break;
            }
        }
        // Check-in notes age out like posts; the moods stay for the trend.
        let w = db.write_in(g.id).await?;
        let cleared = entity::check_in::Entity::update_many()
            .col_expr(
                entity::check_in::Column::Note,
                sea_orm::sea_query::Expr::value(Option::<String>::None),
            )
            .filter(entity::check_in::Column::GroupId.eq(g.id))
            .filter(entity::check_in::Column::CreatedAt.lt(cutoff))
            .filter(entity::check_in::Column::Note.is_not_null())
            .exec(&w.txn)
            .await?;
        db.commit(w).await?;
        total += cleared.rows_affected;
    }
    Ok(total)
}

/// Turns up to a batch of the group's posts (those before `cutoff`, or all)
/// that still hold text into tombstones. How many.
async fn tombstone_batch(
    db: &Db,
    group_id: Uuid,
    cutoff: Option<chrono::DateTime<chrono::Utc>>,
) -> AppResult<u64> {
    let mut w = db.write_in(group_id).await?;
    let mut q = post::Entity::find()
        .filter(post::Column::GroupId.eq(group_id))
        .filter(post::Column::Body.is_not_null());
    if let Some(c) = cutoff {
        q = q.filter(post::Column::CreatedAt.lt(c));
    }
    let posts = q
        .order_by_asc(post::Column::Id)
        .limit(SWEEP_BATCH)
        .all(&w.txn)
        .await?;
    let n = posts.len() as u64;
    crate::service::forum::tombstone(&mut w, group_id, &posts).await?;
    db.commit(w).await?;
    Ok(n)
}

/// Purges groups whose deletion is due. First every post becomes a
/// tombstone (which takes it out of the search index through the outbox);
/// once the indexer has handled those events, the group's rows go, in one
/// transaction. How many groups were purged.
pub async fn purge_due(db: &Db) -> AppResult<u64> {
    let due = group::Entity::find()
        .filter(group::Column::DeleteAfter.lte(now()))
        .all(&db.conn)
        .await?;
    let mut purged = 0;
    for g in due {
        while tombstone_batch(db, g.id, None).await? == SWEEP_BATCH {}
        if waiting_outbox(db, g.id).await? > 0 {
            continue;
        }
        purge(db, g.id).await?;
        purged += 1;
        tracing::warn!(group = %g.id, "group purged");
    }
    Ok(purged)
}

/// Outbox rows still naming the group's events.
async fn waiting_outbox(db: &Db, group_id: Uuid) -> AppResult<i64> {
    let backend = db.conn.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "SELECT COUNT(*) AS n FROM outbox o JOIN events e ON e.id = o.event_id \
             WHERE e.group_id = $1 AND o.dead_at IS NULL"
        }
        _ => {
            "SELECT COUNT(*) AS n FROM outbox o JOIN events e ON e.id = o.event_id \
             WHERE e.group_id = ? AND o.dead_at IS NULL"
        }
    };
    let row = db
        .conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [group_id.into()],
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0))
}

/// Deletes everything of the group, children first.
async fn purge(db: &Db, group_id: Uuid) -> AppResult<()> {
    let w = db.write_in(group_id).await?;
    let backend = w.txn.get_database_backend();
    let p = |n: usize| match backend {
        sea_orm::DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    };
    let by_post = |table: &str| {
        format!(
            "DELETE FROM {table} WHERE post_id IN (SELECT id FROM posts WHERE group_id = {})",
            p(1)
        )
    };
    let by_group = |table: &str| format!("DELETE FROM {table} WHERE group_id = {}", p(1));
    let statements = [
        by_post("reactions"),
        by_group("post_revisions"),
        by_group("notifications"),
        by_group("thread_reads"),
        format!(
            "DELETE FROM outbox WHERE event_id IN (SELECT id FROM events WHERE group_id = {})",
            p(1)
        ),
        by_group("events"),
        by_group("moderation_actions"),
        by_group("flags"),
        by_group("check_ins"),
        by_group("session_rsvps"),
        by_group("session_attendance"),
        by_group("session_jobs"),
        by_group("group_sessions"),
        "UPDATE threads SET opening_post_id = NULL WHERE group_id = {g}".replace("{g}", &p(1)),
        "UPDATE posts SET reply_to_id = NULL WHERE group_id = {g}".replace("{g}", &p(1)),
        by_group("posts"),
        by_group("threads"),
        by_group("invites"),
        by_group("group_bans"),
        by_group("memberships"),
        format!("DELETE FROM groups WHERE id = {}", p(1)),
    ];
    // Webhook deliveries name the group by its global ID in their payload.
    let gid = crate::ids::encode(crate::ids::Kind::Group, group_id).0;
    entity::webhook_delivery::Entity::delete_many()
        .filter(entity::webhook_delivery::Column::Payload.contains(gid.as_str()))
        .exec(&w.txn)
        .await?;
    for sql in statements {
        w.txn
            .execute_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [group_id.into()],
            ))
            .await?;
    }
    db.commit(w).await?;
    Ok(())
}

//! Read state: how far each member has read each thread, and what is
//! unread to them. Unread posts are visible ones, not the viewer's own,
//! written after the viewer joined the group and after their read mark.
//! Each query answers for many threads or groups in one statement.
use super::{now, Db};
use entity::{
    enums::{NotificationLevel, PostState},
    membership, post, thread_read,
};
use sea_orm::{
    sea_query::{Alias, Condition, Expr, ExprTrait, JoinType, OnConflict, Query, SelectStatement},
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QuerySelect, Set,
};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// What is unread in one thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unread {
    pub count: i64,
    /// The oldest unread post.
    pub first: Option<Uuid>,
}

/// Posts unread by `viewer`; a member's only (the membership is joined).
fn unread_posts(viewer: Uuid) -> SelectStatement {
    let mut q = Query::select();
    q.from(post::Entity)
        .join(
            JoinType::InnerJoin,
            membership::Entity,
            Condition::all()
                .add(
                    Expr::col((membership::Entity, membership::Column::GroupId))
                        .equals((post::Entity, post::Column::GroupId)),
                )
                .add(Expr::col((membership::Entity, membership::Column::UserId)).eq(viewer)),
        )
        .join(
            JoinType::LeftJoin,
            thread_read::Entity,
            Condition::all()
                .add(
                    Expr::col((thread_read::Entity, thread_read::Column::ThreadId))
                        .equals((post::Entity, post::Column::ThreadId)),
                )
                .add(Expr::col((thread_read::Entity, thread_read::Column::UserId)).eq(viewer)),
        )
        .and_where(Expr::col((post::Entity, post::Column::State)).eq(PostState::Visible))
        .cond_where(
            Condition::any()
                .add(Expr::col((post::Entity, post::Column::AuthorId)).is_null())
                .add(Expr::col((post::Entity, post::Column::AuthorId)).ne(viewer)),
        )
        .and_where(
            Expr::col((post::Entity, post::Column::CreatedAt)).gt(Expr::col((
                membership::Entity,
                membership::Column::JoinedAt,
            ))),
        )
        .cond_where(
            Condition::any()
                .add(Expr::col((thread_read::Entity, thread_read::Column::ReadPostId)).is_null())
                .add(Expr::col((post::Entity, post::Column::Id)).gt(Expr::col((
                    thread_read::Entity,
                    thread_read::Column::ReadPostId,
                )))),
        );
    q
}

/// Unread posts per thread, for the threads given. Threads with none are
/// left out.
pub async fn unread_in_threads(
    db: &impl ConnectionTrait,
    viewer: Uuid,
    threads: &[Uuid],
) -> Result<HashMap<Uuid, Unread>, DbErr> {
    let backend = db.get_database_backend();
    // Post ids are UUIDv7: the least unread id is the oldest unread post.
    // Postgres has no min(uuid); its text form sorts the same way.
    let first = match backend {
        DbBackend::Postgres => "MIN(CAST(posts.id AS text))",
        _ => "MIN(posts.id)",
    };
    let mut q = unread_posts(viewer);
    q.column((post::Entity, post::Column::ThreadId))
        .expr_as(
            Expr::col((post::Entity, post::Column::Id)).count(),
            Alias::new("n"),
        )
        .expr_as(Expr::cust(first), Alias::new("first"))
        .and_where(Expr::col((post::Entity, post::Column::ThreadId)).is_in(threads.iter().copied()))
        .group_by_col((post::Entity, post::Column::ThreadId));
    let rows = db.query_all_raw(backend.build(&q)).await?;
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        let thread: Uuid = row.try_get("", "thread_id")?;
        let count: i64 = row.try_get("", "n")?;
        let first = match backend {
            DbBackend::Postgres => row
                .try_get::<Option<String>>("", "first")?
                .and_then(|s| Uuid::parse_str(&s).ok()),
            _ => row.try_get::<Option<Uuid>>("", "first")?,
        };
        out.insert(thread, Unread { count, first });
    }
    Ok(out)
}

/// Threads with unread posts per group, for the groups given, muted
/// threads left out.
pub async fn unread_threads_in_groups(
    db: &impl ConnectionTrait,
    viewer: Uuid,
    groups: &[Uuid],
) -> Result<HashMap<Uuid, i64>, DbErr> {
    let backend = db.get_database_backend();
    let mut q = unread_posts(viewer);
    q.column((post::Entity, post::Column::GroupId))
        .expr_as(
            Expr::cust("COUNT(DISTINCT posts.thread_id)"),
            Alias::new("n"),
        )
        .and_where(Expr::col((post::Entity, post::Column::GroupId)).is_in(groups.iter().copied()))
        .cond_where(
            Condition::any()
                .add(
                    Expr::col((thread_read::Entity, thread_read::Column::NotificationLevel))
                        .is_null(),
                )
                .add(
                    Expr::col((thread_read::Entity, thread_read::Column::NotificationLevel))
                        .ne(NotificationLevel::Muted),
                ),
        )
        .group_by_col((post::Entity, post::Column::GroupId));
    let rows = db.query_all_raw(backend.build(&q)).await?;
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        out.insert(
            row.try_get::<Uuid>("", "group_id")?,
            row.try_get::<i64>("", "n")?,
        );
    }
    Ok(out)
}

/// The viewer's rows for the threads given, and the threads among them
/// they have written in: two statements.
pub async fn states(
    db: &impl ConnectionTrait,
    viewer: Uuid,
    threads: &[Uuid],
) -> Result<(HashMap<Uuid, thread_read::Model>, HashSet<Uuid>), DbErr> {
    let rows = thread_read::Entity::find()
        .filter(thread_read::Column::UserId.eq(viewer))
        .filter(thread_read::Column::ThreadId.is_in(threads.iter().copied()))
        .all(db)
        .await?;
    let posted: Vec<Uuid> = post::Entity::find()
        .select_only()
        .column(post::Column::ThreadId)
        .distinct()
        .filter(post::Column::AuthorId.eq(viewer))
        .filter(post::Column::ThreadId.is_in(threads.iter().copied()))
        .into_tuple()
        .all(db)
        .await?;
    Ok((
        rows.into_iter().map(|r| (r.thread_id, r)).collect(),
        posted.into_iter().collect(),
    ))
}

/// Moves the viewer's read mark in the thread forward to `post_id`; never
/// back, so that two devices marking at once keep the furthest.
pub async fn advance(
    db: &Db,
    viewer: Uuid,
    group_id: Uuid,
    thread_id: Uuid,
    post_id: Uuid,
) -> Result<(), crate::error::AppError> {
    let w = db.write().await?;
    let t = now();
    let moved = thread_read::Entity::update_many()
        .col_expr(thread_read::Column::ReadPostId, Expr::value(post_id))
        .col_expr(thread_read::Column::UpdatedAt, Expr::value(t))
        .filter(thread_read::Column::UserId.eq(viewer))
        .filter(thread_read::Column::ThreadId.eq(thread_id))
        .filter(
            Condition::any()
                .add(thread_read::Column::ReadPostId.is_null())
                .add(thread_read::Column::ReadPostId.lt(post_id)),
        )
        .exec(&w.txn)
        .await?;
    if moved.rows_affected == 0 {
        // No row yet (or one already further on, which this leaves alone).
        thread_read::Entity::insert(row(viewer, group_id, thread_id, Some(post_id), None, t))
            .on_conflict(
                OnConflict::columns([thread_read::Column::UserId, thread_read::Column::ThreadId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&w.txn)
            .await?;
    }
    db.commit(w).await
}

/// Sets the viewer's notification level in the thread.
pub async fn set_level(
    db: &Db,
    viewer: Uuid,
    group_id: Uuid,
    thread_id: Uuid,
    level: NotificationLevel,
) -> Result<(), crate::error::AppError> {
    let w = db.write().await?;
    thread_read::Entity::insert(row(viewer, group_id, thread_id, None, Some(level), now()))
        .on_conflict(
            OnConflict::columns([thread_read::Column::UserId, thread_read::Column::ThreadId])
                .update_columns([
                    thread_read::Column::NotificationLevel,
                    thread_read::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&w.txn)
        .await?;
    db.commit(w).await
}

fn row(
    user_id: Uuid,
    group_id: Uuid,
    thread_id: Uuid,
    read_post_id: Option<Uuid>,
    level: Option<NotificationLevel>,
    t: chrono::DateTime<chrono::Utc>,
) -> thread_read::ActiveModel {
    thread_read::ActiveModel {
        user_id: Set(user_id),
        thread_id: Set(thread_id),
        group_id: Set(group_id),
        read_post_id: Set(read_post_id),
        notification_level: Set(level),
        updated_at: Set(t),
    }
}

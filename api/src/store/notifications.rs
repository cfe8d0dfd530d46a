//! Notifications: the facts the worker needs to decide who is told, the
//! rows it writes, and each member's inbox as they may still see it.
use super::{now, Page};
use entity::{
    enums::{GroupRole, NotificationKind, NotificationLevel, PlatformRole},
    membership, notification, post, thread_read, user,
};
use sea_orm::{
    sea_query::{Expr, ExprTrait, OnConflict, Query},
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// One notification to write.
#[derive(Debug, Clone)]
pub struct New {
    pub user_id: Uuid,
    pub kind: NotificationKind,
    pub group_id: Uuid,
    pub thread_id: Option<Uuid>,
    pub post_id: Option<Uuid>,
    pub flag_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub event_id: i64,
    pub session_id: Option<Uuid>,
}

/// Writes `rows`; one already written for the same member and event
/// (a retried event) is left as it is.
pub async fn insert(db: &impl ConnectionTrait, rows: Vec<New>) -> Result<(), DbErr> {
    let t = now();
    // Within SQLite's 32,766 bound parameters per statement (13 a row).
    for chunk in rows.chunks(2000) {
        let models = chunk.iter().map(|n| notification::ActiveModel {
            id: Set(Uuid::now_v7()),
            user_id: Set(n.user_id),
            kind: Set(n.kind),
            group_id: Set(n.group_id),
            thread_id: Set(n.thread_id),
            post_id: Set(n.post_id),
            flag_id: Set(n.flag_id),
            actor_id: Set(n.actor_id),
            event_id: Set(n.event_id),
            created_at: Set(t),
            updated_at: Set(t),
            read_at: Set(None),
            session_id: Set(n.session_id),
        });
        notification::Entity::insert_many(models)
            .on_conflict(
                OnConflict::columns([notification::Column::UserId, notification::Column::EventId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Folds a new reaction into the member's unread REACTION notification
/// for the post, if there is one; whether there was.
pub async fn fold_reaction(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    post_id: Uuid,
) -> Result<bool, DbErr> {
    let r = notification::Entity::update_many()
        .col_expr(notification::Column::UpdatedAt, Expr::value(now()))
        .filter(notification::Column::UserId.eq(user_id))
        .filter(notification::Column::PostId.eq(post_id))
        .filter(notification::Column::Kind.eq(NotificationKind::Reaction))
        .filter(notification::Column::ReadAt.is_null())
        .exec(db)
        .await?;
    Ok(r.rows_affected > 0)
}

/// The group's members now.
pub async fn members(
    db: &impl ConnectionTrait,
    group_id: Uuid,
) -> Result<Vec<membership::Model>, DbErr> {
    membership::Entity::find()
        .filter(membership::Column::GroupId.eq(group_id))
        .all(db)
        .await
}

pub async fn admins(db: &impl ConnectionTrait) -> Result<Vec<Uuid>, DbErr> {
    user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Role.eq(PlatformRole::Admin))
        .into_tuple()
        .all(db)
        .await
}

/// The levels members chose in a thread and, given its group, which of
/// the group's members have written in it (found by index, whatever the
/// thread's length).
pub async fn thread_levels(
    db: &impl ConnectionTrait,
    thread_id: Uuid,
    posters_of: Option<Uuid>,
) -> Result<(HashMap<Uuid, NotificationLevel>, HashSet<Uuid>), DbErr> {
    let chosen: Vec<(Uuid, Option<NotificationLevel>)> = thread_read::Entity::find()
        .select_only()
        .column(thread_read::Column::UserId)
        .column(thread_read::Column::NotificationLevel)
        .filter(thread_read::Column::ThreadId.eq(thread_id))
        .filter(thread_read::Column::NotificationLevel.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    let posters: Vec<Option<Uuid>> = match posters_of {
        None => Vec::new(),
        Some(group_id) => {
            post::Entity::find()
                .select_only()
                .column(post::Column::AuthorId)
                .distinct()
                .filter(post::Column::ThreadId.eq(thread_id))
                .filter(
                    post::Column::AuthorId.in_subquery(
                        sea_orm::sea_query::Query::select()
                            .column(membership::Column::UserId)
                            .from(membership::Entity)
                            .and_where(membership::Column::GroupId.eq(group_id))
                            .to_owned(),
                    ),
                )
                .into_tuple()
                .all(db)
                .await?
        }
    };
    Ok((
        chosen
            .into_iter()
            .filter_map(|(u, l)| l.map(|l| (u, l)))
            .collect(),
        posters.into_iter().flatten().collect(),
    ))
}

/// The notifications the viewer may still see: an admin sees all of
/// theirs; anyone else only those of groups they are in now, from since
/// they (last) joined, and flag notifications only while a facilitator.
fn visible_to(viewer: Uuid, admin: bool) -> Condition {
    let mine = Condition::all().add(notification::Column::UserId.eq(viewer));
    if admin {
        return mine;
    }
    let flag_kinds = [
        NotificationKind::UrgentFlag,
        NotificationKind::FlagEscalated,
    ];
    let membership = Query::select()
        .expr(Expr::val(1))
        .from(membership::Entity)
        .and_where(
            Expr::col((membership::Entity, membership::Column::GroupId))
                .equals((notification::Entity, notification::Column::GroupId)),
        )
        .and_where(Expr::col((membership::Entity, membership::Column::UserId)).eq(viewer))
        .and_where(
            Expr::col((membership::Entity, membership::Column::JoinedAt)).lte(Expr::col((
                notification::Entity,
                notification::Column::CreatedAt,
            ))),
        )
        .cond_where(
            Condition::any()
                .add(
                    Expr::col((notification::Entity, notification::Column::Kind))
                        .is_not_in(flag_kinds),
                )
                .add(
                    Expr::col((membership::Entity, membership::Column::Role))
                        .eq(GroupRole::Facilitator),
                ),
        )
        .to_owned();
    mine.add(Expr::exists(membership))
}

/// The viewer's inbox, newest first.
pub async fn page(
    db: &impl ConnectionTrait,
    viewer: Uuid,
    admin: bool,
    unread_only: bool,
    limit: u64,
    after: Option<Uuid>,
) -> Result<Page<notification::Model>, DbErr> {
    let mut q = notification::Entity::find().filter(visible_to(viewer, admin));
    if unread_only {
        q = q.filter(notification::Column::ReadAt.is_null());
    }
    if let Some(a) = after {
        q = q.filter(notification::Column::Id.lt(a));
    }
    let rows = q
        .order_by_desc(notification::Column::Id)
        .limit(limit + 1)
        .all(db)
        .await?;
    Ok(Page::from_overfetch(rows, limit, after.is_some()))
}

pub async fn unread_count(
    db: &impl ConnectionTrait,
    viewer: Uuid,
    admin: bool,
) -> Result<u64, DbErr> {
    notification::Entity::find()
        .filter(visible_to(viewer, admin))
        .filter(notification::Column::ReadAt.is_null())
        .count(db)
        .await
}

pub async fn one(
    db: &impl ConnectionTrait,
    viewer: Uuid,
    admin: bool,
    id: Uuid,
) -> Result<Option<notification::Model>, DbErr> {
    notification::Entity::find()
        .filter(notification::Column::Id.eq(id))
        .filter(visible_to(viewer, admin))
        .one(db)
        .await
}

/// Marks the viewer's unread notifications that they may still see read,
/// up to and including `up_to` when given; how many.
pub async fn mark_read(
    db: &impl ConnectionTrait,
    viewer: Uuid,
    admin: bool,
    up_to: Option<Uuid>,
) -> Result<u64, DbErr> {
    let mut q = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(now()))
        .filter(visible_to(viewer, admin))
        .filter(notification::Column::ReadAt.is_null());
    if let Some(id) = up_to {
        q = q.filter(notification::Column::Id.lte(id));
    }
    Ok(q.exec(db).await?.rows_affected)
}

/// The viewer's newest notification, visible or not: where a live stream
/// without a cursor starts.
pub async fn latest(db: &impl ConnectionTrait, viewer: Uuid) -> Result<Option<Uuid>, DbErr> {
    notification::Entity::find()
        .select_only()
        .column(notification::Column::Id)
        .filter(notification::Column::UserId.eq(viewer))
        .order_by_desc(notification::Column::Id)
        .limit(1)
        .into_tuple()
        .one(db)
        .await
}

/// The viewer's visible notifications after `after`, oldest first.
pub async fn after(
    db: &impl ConnectionTrait,
    viewer: Uuid,
    admin: bool,
    after: Uuid,
    limit: u64,
) -> Result<Vec<notification::Model>, DbErr> {
    notification::Entity::find()
        .filter(visible_to(viewer, admin))
        .filter(notification::Column::Id.gt(after))
        .order_by_asc(notification::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

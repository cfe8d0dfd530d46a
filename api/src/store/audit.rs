//! The access audit's rows: written in batches, read in pages, deleted only
//! by the retention sweep.
use super::{now, Page};
use crate::domain::audit::Access;
use entity::{access_event, membership};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

/// Writes `accesses` in one statement.
pub async fn insert(db: &impl ConnectionTrait, accesses: &[Access]) -> Result<(), DbErr> {
    if accesses.is_empty() {
        return Ok(());
    }
    let t = now();
    let rows = accesses.iter().map(|a| access_event::ActiveModel {
        id: sea_orm::Set(Uuid::now_v7()),
        kind: sea_orm::Set(a.kind.as_str().to_owned()),
        actor_id: sea_orm::Set(a.actor_id),
        subject_id: sea_orm::Set(a.subject_id),
        group_id: sea_orm::Set(a.group_id),
        post_id: sea_orm::Set(a.post_id),
        flag_id: sea_orm::Set(a.flag_id),
        reason: sea_orm::Set(a.reason.clone()),
        created_at: sea_orm::Set(t),
    });
    access_event::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// What a member sees of the audit: accesses to their data, and
/// break-glass reads of the groups they are in, from when they joined.
fn about_member(member: Uuid) -> Condition {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let in_group_then = Query::select()
        .expr(Expr::val(1))
        .from(membership::Entity)
        .and_where(membership::Column::UserId.eq(member))
        .and_where(
            Expr::col((membership::Entity, membership::Column::GroupId))
                .equals((access_event::Entity, access_event::Column::GroupId)),
        )
        .and_where(
            Expr::col((membership::Entity, membership::Column::JoinedAt)).lte(Expr::col((
                access_event::Entity,
                access_event::Column::CreatedAt,
            ))),
        )
        .to_owned();
    Condition::any()
        .add(access_event::Column::SubjectId.eq(member))
        .add(
            Condition::all()
                .add(access_event::Column::SubjectId.is_null())
                .add(
                    access_event::Column::Kind
                        .eq(crate::domain::audit::AccessKind::BreakGlass.as_str()),
                )
                .add(Expr::exists(in_group_then)),
        )
}

/// The optional filter of `Query.accessAudit`.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub actor_id: Option<Uuid>,
    pub subject_id: Option<Uuid>,
    pub group_id: Option<Uuid>,
    pub kind: Option<&'static str>,
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    pub to: Option<chrono::DateTime<chrono::Utc>>,
}

/// Newest first. `member`: only what that member may see; None: all of
/// it, narrowed by `filter` (admins).
pub async fn page(
    db: &impl ConnectionTrait,
    member: Option<Uuid>,
    filter: &Filter,
    limit: u64,
    after: Option<Uuid>,
) -> Result<Page<access_event::Model>, DbErr> {
    use access_event::Column as C;
    let mut q = access_event::Entity::find();
    if let Some(m) = member {
        q = q.filter(about_member(m));
    }
    if let Some(v) = filter.actor_id {
        q = q.filter(C::ActorId.eq(v));
    }
    if let Some(v) = filter.subject_id {
        q = q.filter(C::SubjectId.eq(v));
    }
    if let Some(v) = filter.group_id {
        q = q.filter(C::GroupId.eq(v));
    }
    if let Some(v) = filter.kind {
        q = q.filter(C::Kind.eq(v));
    }
    if let Some(v) = filter.from {
        q = q.filter(C::CreatedAt.gte(v));
    }
    if let Some(v) = filter.to {
        q = q.filter(C::CreatedAt.lt(v));
    }
    if let Some(a) = after {
        q = q.filter(C::Id.lt(a));
    }
    let rows = q.order_by_desc(C::Id).limit(limit + 1).all(db).await?;
    Ok(Page::from_overfetch(rows, limit, after.is_some()))
}

/// Everything a member's own export holds of the audit: accesses to their
/// data, at most `limit`, newest first.
pub async fn about_subject(
    db: &impl ConnectionTrait,
    member: Uuid,
    limit: u64,
) -> Result<Vec<access_event::Model>, DbErr> {
    access_event::Entity::find()
        .filter(about_member(member))
        .order_by_desc(access_event::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Deletes rows older than `before`; how many. By id: a UUIDv7 begins
/// with its creation time in milliseconds, so every id below the first
/// possible id of `before` is older.
pub async fn prune(
    db: &impl ConnectionTrait,
    before: chrono::DateTime<chrono::Utc>,
) -> Result<u64, DbErr> {
    Ok(access_event::Entity::delete_many()
        .filter(access_event::Column::Id.lt(first_v7_at(before)))
        .exec(db)
        .await?
        .rows_affected)
}

/// The smallest UUIDv7 of millisecond `at`.
fn first_v7_at(at: chrono::DateTime<chrono::Utc>) -> Uuid {
    let ms = at.timestamp_millis().max(0) as u64;
    let mut bytes = [0u8; 16];
    bytes[..6].copy_from_slice(&ms.to_be_bytes()[2..]);
    bytes[6] = 0x70;
    bytes[8] = 0x80;
    Uuid::from_bytes(bytes)
}

/// Entry `id` if `member` may see it.
pub async fn one_about(
    db: &impl ConnectionTrait,
    member: Uuid,
    id: Uuid,
) -> Result<Option<access_event::Model>, DbErr> {
    access_event::Entity::find_by_id(id)
        .filter(about_member(member))
        .one(db)
        .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_from_before_a_time_sort_below_its_first_id() {
        let t = chrono::Utc::now();
        let bound = super::first_v7_at(t);
        let earlier = super::first_v7_at(t - chrono::Duration::milliseconds(1));
        assert!(earlier < bound);
        assert!(uuid::Uuid::now_v7() >= bound);
        assert_eq!(bound.get_version_num(), 7);
    }
}

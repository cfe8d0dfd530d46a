//! Account closures: the pending one of an account, and those come due.
use super::now;
use entity::account_closure;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

/// The account's closure that is neither carried out nor cancelled.
pub async fn pending(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Option<account_closure::Model>, DbErr> {
    account_closure::Entity::find()
        .filter(account_closure::Column::UserId.eq(user_id))
        .filter(account_closure::Column::CompletedAt.is_null())
        .filter(account_closure::Column::CancelledAt.is_null())
        .one(db)
        .await
}

/// Pending closures whose grace period is over, oldest first.
pub async fn due(
    db: &impl ConnectionTrait,
    limit: u64,
) -> Result<Vec<account_closure::Model>, DbErr> {
    account_closure::Entity::find()
        .filter(account_closure::Column::CompletedAt.is_null())
        .filter(account_closure::Column::CancelledAt.is_null())
        .filter(account_closure::Column::DueAt.lte(now()))
        .order_by_asc(account_closure::Column::DueAt)
        .limit(limit)
        .all(db)
        .await
}

/// Whether the account was closed (in `mode`, when given).
pub async fn completed(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    mode: Option<&str>,
) -> Result<bool, DbErr> {
    let mut q = account_closure::Entity::find()
        .filter(account_closure::Column::UserId.eq(user_id))
        .filter(account_closure::Column::CompletedAt.is_not_null());
    if let Some(m) = mode {
        q = q.filter(account_closure::Column::Mode.eq(m));
    }
    Ok(q.one(db).await?.is_some())
}

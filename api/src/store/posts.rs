//! Writing posts.
use entity::{post, thread};
use sea_orm::{
    sea_query::{Expr, ExprTrait},
    ActiveEnum, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait,
    QueryFilter, Set, Statement,
};

/// Inserts a new visible post and counts it on its thread, which also
/// becomes the thread's latest activity. On Postgres in one statement: the
/// writer holds its group's lock across each round trip.
pub async fn insert_counted(txn: &DatabaseTransaction, p: &post::Model) -> Result<(), DbErr> {
    if txn.get_database_backend() == DbBackend::Postgres {
        const SQL: &str = "WITH p AS (INSERT INTO posts (id, thread_id, group_id, author_id, \
             body, content_warning, reply_to_id, state, created_at, edited_at, risk) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)) \
             UPDATE threads SET visible_posts = visible_posts + 1, last_activity_at = $9 \
             WHERE id = $2";
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            SQL,
            [
                p.id.into(),
                p.thread_id.into(),
                p.group_id.into(),
                p.author_id.into(),
                p.body.clone().into(),
                p.content_warning.clone().into(),
                p.reply_to_id.into(),
                p.state.to_value().into(),
                p.created_at.into(),
                p.edited_at.into(),
                p.risk.clone().into(),
            ],
        ))
        .await?;
        return Ok(());
    }
    post::Entity::insert(post::ActiveModel {
        id: Set(p.id),
        thread_id: Set(p.thread_id),
        group_id: Set(p.group_id),
        author_id: Set(p.author_id),
        body: Set(p.body.clone()),
        content_warning: Set(p.content_warning.clone()),
        reply_to_id: Set(p.reply_to_id),
        state: Set(p.state),
        created_at: Set(p.created_at),
        edited_at: Set(p.edited_at),
        risk: Set(p.risk.clone()),
    })
    .exec_without_returning(txn)
    .await?;
    thread::Entity::update_many()
        .col_expr(
            thread::Column::VisiblePosts,
            Expr::col(thread::Column::VisiblePosts).add(1),
        )
        .col_expr(thread::Column::LastActivityAt, Expr::value(p.created_at))
        .filter(thread::Column::Id.eq(p.thread_id))
        .exec(txn)
        .await?;
    Ok(())
}

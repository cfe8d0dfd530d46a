//! A thread knows its opening post, and whether hiding it hides the title:
//! a hidden opening post must not keep speaking through the thread list.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Threads {
    Table,
    OpeningPostId,
    TitleHidden,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters a column at a time.
        m.alter_table(
            Table::alter()
                .table(Threads::Table)
                .add_column(uuid_null(Threads::OpeningPostId))
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Threads::Table)
                .add_column(boolean(Threads::TitleHidden).default(false))
                .take(),
        )
        .await?;
        let db = m.get_connection();
        db.execute_unprepared(
            "UPDATE threads SET opening_post_id = \
             (SELECT p.id FROM posts p WHERE p.thread_id = threads.id ORDER BY p.id LIMIT 1)",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE threads SET title_hidden = TRUE WHERE opening_post_id IN \
             (SELECT id FROM posts WHERE state = 'hidden')",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Threads::Table)
                .drop_column(Threads::TitleHidden)
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Threads::Table)
                .drop_column(Threads::OpeningPostId)
                .take(),
        )
        .await
    }
}

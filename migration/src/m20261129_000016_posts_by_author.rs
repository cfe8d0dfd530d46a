//! Who has written in a thread, found without reading the thread: the
//! notifications worker asks it of every new post's thread.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Posts {
    Table,
    ThreadId,
    AuthorId,
}

const NAME: &str = "idx_posts_thread_author";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name(NAME)
                .table(Posts::Table)
                .col(Posts::ThreadId)
                .col(Posts::AuthorId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name(NAME).table(Posts::Table).to_owned())
            .await
    }
}

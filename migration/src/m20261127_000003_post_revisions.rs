//! The text of a flagged post after each later edit: the evidence a
//! facilitator reviews beside the flag's snapshot.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PostRevisions {
    Table,
    Id,
    PostId,
    GroupId,
    Body,
    EditedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // No foreign key, like the flag's snapshot: evidence outlives edits.
        m.create_table(
            Table::create()
                .table(PostRevisions::Table)
                .col(uuid(PostRevisions::Id).primary_key())
                .col(uuid(PostRevisions::PostId))
                .col(uuid(PostRevisions::GroupId))
                .col(text(PostRevisions::Body))
                .col(timestamp_with_time_zone(PostRevisions::EditedAt))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_post_revisions_post")
                .table(PostRevisions::Table)
                .col(PostRevisions::PostId)
                .col(PostRevisions::EditedAt)
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PostRevisions::Table).to_owned())
            .await
    }
}

//! The search indexing queue and the lease that lets one instance drain it.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SearchOutbox {
    Table,
    Id,
    PostId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SearchLease {
    Table,
    Name,
    Holder,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Written in the transaction that changes the post; a row says
        // "bring this post's index entry up to date" and is removed only
        // after the search backend has applied it. No foreign key: the row
        // must outlive the post it names.
        m.create_table(
            Table::create()
                .table(SearchOutbox::Table)
                .col(big_pk_auto(SearchOutbox::Id))
                .col(uuid(SearchOutbox::PostId))
                .col(timestamp_with_time_zone(SearchOutbox::CreatedAt))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SearchLease::Table)
                .col(string_len(SearchLease::Name, 32).primary_key())
                .col(uuid_null(SearchLease::Holder))
                .col(timestamp_with_time_zone(SearchLease::ExpiresAt))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(SearchLease::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(SearchOutbox::Table).to_owned())
            .await
    }
}

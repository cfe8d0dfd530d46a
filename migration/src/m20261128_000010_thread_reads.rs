//! Each member's state in a thread: how far they have read (a post id;
//! post ids are UUIDv7, so later posts have greater ids) and the
//! notification level they chose. No row: nothing read since joining the
//! group, and the default level.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ThreadReads {
    Table,
    UserId,
    ThreadId,
    GroupId,
    ReadPostId,
    NotificationLevel,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Threads {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(ThreadReads::Table)
                .col(uuid(ThreadReads::UserId))
                .col(uuid(ThreadReads::ThreadId))
                .col(uuid(ThreadReads::GroupId))
                .col(uuid_null(ThreadReads::ReadPostId))
                .col(string_len_null(ThreadReads::NotificationLevel, 16))
                .col(timestamp_with_time_zone(ThreadReads::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(ThreadReads::UserId)
                        .col(ThreadReads::ThreadId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ThreadReads::Table, ThreadReads::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .from(ThreadReads::Table, ThreadReads::ThreadId)
                        .to(Threads::Table, Threads::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
        // Who watches a thread, for notifications.
        m.create_index(
            Index::create()
                .name("idx_thread_reads_thread")
                .table(ThreadReads::Table)
                .col(ThreadReads::ThreadId)
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ThreadReads::Table).to_owned())
            .await
    }
}

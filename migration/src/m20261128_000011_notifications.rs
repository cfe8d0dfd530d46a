//! Each member's notifications: what happened that concerns them. Rows
//! name objects by id only; what a reader may see of them is decided when
//! the inbox is read.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    Kind,
    GroupId,
    ThreadId,
    PostId,
    FlagId,
    ActorId,
    EventId,
    CreatedAt,
    UpdatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Notifications::Table)
                .col(uuid(Notifications::Id).primary_key())
                .col(uuid(Notifications::UserId))
                .col(string_len(Notifications::Kind, 16))
                .col(uuid(Notifications::GroupId))
                .col(uuid_null(Notifications::ThreadId))
                .col(uuid_null(Notifications::PostId))
                .col(uuid_null(Notifications::FlagId))
                .col(uuid_null(Notifications::ActorId))
                .col(big_integer(Notifications::EventId))
                .col(timestamp_with_time_zone(Notifications::CreatedAt))
                .col(timestamp_with_time_zone(Notifications::UpdatedAt))
                .col(timestamp_with_time_zone_null(Notifications::ReadAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(Notifications::Table, Notifications::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
        // One notification per member and event: handling an event again
        // (a retry) adds nothing.
        m.create_index(
            Index::create()
                .name("idx_notifications_user_event")
                .table(Notifications::Table)
                .col(Notifications::UserId)
                .col(Notifications::EventId)
                .unique()
                .take(),
        )
        .await?;
        // The inbox, newest first.
        m.create_index(
            Index::create()
                .name("idx_notifications_user_id")
                .table(Notifications::Table)
                .col(Notifications::UserId)
                .col(Notifications::Id)
                .take(),
        )
        .await?;
        // A post's unread reaction notification, to fold new reactions in.
        m.create_index(
            Index::create()
                .name("idx_notifications_user_post")
                .table(Notifications::Table)
                .col(Notifications::UserId)
                .col(Notifications::PostId)
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Notifications::Table).to_owned())
            .await
    }
}

//! Members' data rights: the access audit (append-only), data exports,
//! account closures with their grace period, and a group's archive,
//! retention and scheduled deletion.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AccessEvents {
    Table,
    Id,
    Kind,
    ActorId,
    SubjectId,
    GroupId,
    PostId,
    FlagId,
    Reason,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DataExports {
    Table,
    Id,
    UserId,
    Status,
    RequestedAt,
    ReadyAt,
    ExpiresAt,
    Archive,
    Attempts,
    LastError,
}

#[derive(DeriveIden)]
enum AccountClosures {
    Table,
    Id,
    UserId,
    Mode,
    Reason,
    RequestedBy,
    RequestedAt,
    DueAt,
    CompletedAt,
    CancelledAt,
}

#[derive(DeriveIden)]
enum Groups {
    Table,
    ArchivedAt,
    RetentionDays,
    DeleteAfter,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // No foreign keys: the audit outlives the accounts and groups it
        // names, for its retention period.
        m.create_table(
            Table::create()
                .table(AccessEvents::Table)
                .col(uuid(AccessEvents::Id).primary_key())
                .col(string_len(AccessEvents::Kind, 24))
                .col(uuid_null(AccessEvents::ActorId))
                .col(uuid_null(AccessEvents::SubjectId))
                .col(uuid_null(AccessEvents::GroupId))
                .col(uuid_null(AccessEvents::PostId))
                .col(uuid_null(AccessEvents::FlagId))
                .col(text_null(AccessEvents::Reason))
                .col(timestamp_with_time_zone(AccessEvents::CreatedAt))
                .take(),
        )
        .await?;
        // Ids are UUIDv7, in time order: the retention sweep deletes by id,
        // so creation time needs no index of its own.
        for (name, col) in [
            ("idx_access_events_subject", AccessEvents::SubjectId),
            ("idx_access_events_group", AccessEvents::GroupId),
            ("idx_access_events_actor", AccessEvents::ActorId),
        ] {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(AccessEvents::Table)
                    .col(col)
                    .take(),
            )
            .await?;
        }
        m.create_table(
            Table::create()
                .table(DataExports::Table)
                .col(uuid(DataExports::Id).primary_key())
                .col(uuid(DataExports::UserId))
                .col(string_len(DataExports::Status, 16))
                .col(timestamp_with_time_zone(DataExports::RequestedAt))
                .col(timestamp_with_time_zone_null(DataExports::ReadyAt))
                .col(timestamp_with_time_zone_null(DataExports::ExpiresAt))
                .col(blob_null(DataExports::Archive))
                .col(integer(DataExports::Attempts).default(0))
                .col(text_null(DataExports::LastError))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_data_exports_user")
                .table(DataExports::Table)
                .col(DataExports::UserId)
                .col(DataExports::RequestedAt)
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AccountClosures::Table)
                .col(uuid(AccountClosures::Id).primary_key())
                .col(uuid(AccountClosures::UserId))
                .col(string_len(AccountClosures::Mode, 16))
                .col(text_null(AccountClosures::Reason))
                .col(uuid(AccountClosures::RequestedBy))
                .col(timestamp_with_time_zone(AccountClosures::RequestedAt))
                .col(timestamp_with_time_zone(AccountClosures::DueAt))
                .col(timestamp_with_time_zone_null(AccountClosures::CompletedAt))
                .col(timestamp_with_time_zone_null(AccountClosures::CancelledAt))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_account_closures_user")
                .table(AccountClosures::Table)
                .col(AccountClosures::UserId)
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_account_closures_due")
                .table(AccountClosures::Table)
                .col(AccountClosures::DueAt)
                .take(),
        )
        .await?;
        // One column per statement: SQLite adds one at a time.
        for col in [
            timestamp_with_time_zone_null(Groups::ArchivedAt),
            integer_null(Groups::RetentionDays),
            timestamp_with_time_zone_null(Groups::DeleteAfter),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table(Groups::Table)
                    .add_column(&mut col)
                    .take(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            Groups::ArchivedAt,
            Groups::RetentionDays,
            Groups::DeleteAfter,
        ] {
            m.alter_table(Table::alter().table(Groups::Table).drop_column(col).take())
                .await?;
        }
        m.drop_table(Table::drop().table(AccountClosures::Table).take())
            .await?;
        m.drop_table(Table::drop().table(DataExports::Table).take())
            .await?;
        m.drop_table(Table::drop().table(AccessEvents::Table).take())
            .await?;
        Ok(())
    }
}

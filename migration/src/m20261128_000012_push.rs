//! Web Push: members' push subscriptions (one per browser or device),
//! the pushes sent (so that a retried batch sends none twice), and each
//! member's quiet hours.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PushSubscriptions {
    Table,
    Id,
    UserId,
    Endpoint,
    P256dh,
    Auth,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PushDeliveries {
    Table,
    NotificationId,
    SubscriptionId,
    Status,
    SentAt,
}

#[derive(DeriveIden)]
enum NotificationSettings {
    Table,
    UserId,
    QuietStart,
    QuietEnd,
    TimeZone,
    UpdatedAt,
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
                .table(PushSubscriptions::Table)
                .col(uuid(PushSubscriptions::Id).primary_key())
                .col(uuid(PushSubscriptions::UserId))
                .col(string_len_uniq(PushSubscriptions::Endpoint, 1024))
                .col(string_len(PushSubscriptions::P256dh, 128))
                .col(string_len(PushSubscriptions::Auth, 64))
                .col(timestamp_with_time_zone(PushSubscriptions::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(PushSubscriptions::Table, PushSubscriptions::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_push_subscriptions_user")
                .table(PushSubscriptions::Table)
                .col(PushSubscriptions::UserId)
                .take(),
        )
        .await?;
        // No foreign keys: a record of what was sent outlives neither
        // side for long, and is pruned with its notification's age.
        m.create_table(
            Table::create()
                .table(PushDeliveries::Table)
                .col(uuid(PushDeliveries::NotificationId))
                .col(uuid(PushDeliveries::SubscriptionId))
                .col(integer(PushDeliveries::Status))
                .col(timestamp_with_time_zone(PushDeliveries::SentAt))
                .primary_key(
                    Index::create()
                        .col(PushDeliveries::NotificationId)
                        .col(PushDeliveries::SubscriptionId),
                )
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(NotificationSettings::Table)
                .col(uuid(NotificationSettings::UserId).primary_key())
                .col(string_len_null(NotificationSettings::QuietStart, 5))
                .col(string_len_null(NotificationSettings::QuietEnd, 5))
                .col(string_len_null(NotificationSettings::TimeZone, 64))
                .col(timestamp_with_time_zone(NotificationSettings::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(NotificationSettings::Table, NotificationSettings::UserId)
                        .to(Users::Table, Users::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            PushSubscriptions::Table.into_iden(),
            PushDeliveries::Table.into_iden(),
            NotificationSettings::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}

//! Webhooks for integrators: endpoints an admin registers, and each
//! delivery to them with its attempts, kept for inspection and redelivery.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    Id,
    Url,
    Secret,
    Events,
    GroupIds,
    CreatedBy,
    CreatedAt,
    DisabledAt,
    DisabledReason,
    FailingSince,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    EndpointId,
    Kind,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    LastAttemptAt,
    ResponseCode,
    DurationMs,
    LastError,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(WebhookEndpoints::Table)
                .col(uuid(WebhookEndpoints::Id).primary_key())
                .col(text(WebhookEndpoints::Url))
                .col(text(WebhookEndpoints::Secret))
                .col(text(WebhookEndpoints::Events))
                .col(text_null(WebhookEndpoints::GroupIds))
                .col(uuid_null(WebhookEndpoints::CreatedBy))
                .col(timestamp_with_time_zone(WebhookEndpoints::CreatedAt))
                .col(timestamp_with_time_zone_null(WebhookEndpoints::DisabledAt))
                .col(text_null(WebhookEndpoints::DisabledReason))
                .col(timestamp_with_time_zone_null(
                    WebhookEndpoints::FailingSince,
                ))
                .take(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebhookDeliveries::Table)
                .col(uuid(WebhookDeliveries::Id).primary_key())
                .col(uuid(WebhookDeliveries::EndpointId))
                .col(string_len(WebhookDeliveries::Kind, 32))
                .col(text(WebhookDeliveries::Payload))
                .col(string_len(WebhookDeliveries::Status, 16))
                .col(integer(WebhookDeliveries::Attempts).default(0))
                .col(timestamp_with_time_zone_null(
                    WebhookDeliveries::NextAttemptAt,
                ))
                .col(timestamp_with_time_zone_null(
                    WebhookDeliveries::LastAttemptAt,
                ))
                .col(integer_null(WebhookDeliveries::ResponseCode))
                .col(integer_null(WebhookDeliveries::DurationMs))
                .col(text_null(WebhookDeliveries::LastError))
                .col(timestamp_with_time_zone(WebhookDeliveries::CreatedAt))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_webhook_deliveries_due")
                .table(WebhookDeliveries::Table)
                .col(WebhookDeliveries::Status)
                .col(WebhookDeliveries::NextAttemptAt)
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_webhook_deliveries_endpoint")
                .table(WebhookDeliveries::Table)
                .col(WebhookDeliveries::EndpointId)
                .col(WebhookDeliveries::Id)
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(WebhookDeliveries::Table).take())
            .await?;
        m.drop_table(Table::drop().table(WebhookEndpoints::Table).take())
            .await?;
        Ok(())
    }
}

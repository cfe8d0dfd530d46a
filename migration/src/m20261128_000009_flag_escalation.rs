//! Acknowledging and escalating urgent flags: who took an urgent flag in
//! hand and when, and when it escalated for want of anyone doing so. The
//! escalation timer itself is an outbox row due at the deadline.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Flags {
    Table,
    AcknowledgedAt,
    AcknowledgedBy,
    EscalatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        for col in [
            timestamp_with_time_zone_null(Flags::AcknowledgedAt),
            uuid_null(Flags::AcknowledgedBy),
            timestamp_with_time_zone_null(Flags::EscalatedAt),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table(Flags::Table)
                    .add_column(&mut col)
                    .take(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in [
            Flags::AcknowledgedAt,
            Flags::AcknowledgedBy,
            Flags::EscalatedAt,
        ] {
            m.alter_table(Table::alter().table(Flags::Table).drop_column(col).take())
                .await?;
        }
        Ok(())
    }
}

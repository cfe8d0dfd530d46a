//! Removal from a group is a ban until a facilitator lifts it, and invites
//! can be revoked.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum GroupBans {
    Table,
    GroupId,
    UserId,
    BannedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Invites {
    Table,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(GroupBans::Table)
                .col(uuid(GroupBans::GroupId))
                .col(uuid(GroupBans::UserId))
                .col(uuid_null(GroupBans::BannedBy))
                .col(timestamp_with_time_zone(GroupBans::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(GroupBans::GroupId)
                        .col(GroupBans::UserId),
                )
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Invites::Table)
                .add_column(timestamp_with_time_zone_null(Invites::RevokedAt))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Invites::Table)
                .drop_column(Invites::RevokedAt)
                .take(),
        )
        .await?;
        m.drop_table(Table::drop().table(GroupBans::Table).to_owned())
            .await
    }
}

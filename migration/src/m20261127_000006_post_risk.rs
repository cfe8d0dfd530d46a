//! The crisis level found when a post was written or last edited, so that
//! showing its author support resources needs no detection at read time.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Posts {
    Table,
    Risk,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // NULL for posts written before: read as no risk.
        m.alter_table(
            Table::alter()
                .table(Posts::Table)
                .add_column(string_len_null(Posts::Risk, 16))
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Posts::Table)
                .drop_column(Posts::Risk)
                .take(),
        )
        .await
    }
}

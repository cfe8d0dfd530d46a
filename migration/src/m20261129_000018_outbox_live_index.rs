//! A worker's due rows, read in order without sorting its whole backlog.
//! The first index, on (consumer, dead_at, id), could not give rows in id
//! order under `dead_at IS NULL`: each poll read and sorted every live
//! row of the consumer, so a backlog made every poll slower. A partial
//! index on the live rows gives them in order; dead rows, few, get their
//! own for the metrics' count.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Consumer,
    DeadAt,
    Id,
}

const OLD: &str = "outbox_consumer_live";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Partial indexes in the form Postgres and SQLite share; IF NOT
        // EXISTS because SQLite runs a migration outside a transaction, and
        // one cut short must be able to run again.
        let db = m.get_connection();
        db.execute_unprepared(
            "CREATE INDEX IF NOT EXISTS outbox_live ON outbox (consumer, id) WHERE dead_at IS NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE INDEX IF NOT EXISTS outbox_dead ON outbox (consumer) WHERE dead_at IS NOT NULL",
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name(OLD)
                .table(Outbox::Table)
                .if_exists()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name(OLD)
                .table(Outbox::Table)
                .col(Outbox::Consumer)
                .col(Outbox::DeadAt)
                .col(Outbox::Id)
                .to_owned(),
        )
        .await?;
        for name in ["outbox_live", "outbox_dead"] {
            m.drop_index(Index::drop().name(name).table(Outbox::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}

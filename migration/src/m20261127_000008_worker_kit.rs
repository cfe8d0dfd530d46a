//! One queue and one lease table for every background worker.
//!
//! `outbox` replaces `search_outbox`: a row names a consumer (a worker) and
//! the event it must handle, and carries its retry state. `search_lease`
//! becomes `leases`, keyed by worker name as before.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    Consumer,
    EventId,
    Attempts,
    NextAttemptAt,
    LastError,
    DeadAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SearchOutbox {
    Table,
}

#[derive(DeriveIden)]
enum SearchLease {
    Table,
}

#[derive(DeriveIden)]
enum Leases {
    Table,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // No foreign key to the event: the pruner keeps events that rows
        // still name, and a row must never block deleting its subject.
        m.create_table(
            Table::create()
                .table(Outbox::Table)
                .col(big_pk_auto(Outbox::Id))
                .col(string_len(Outbox::Consumer, 32))
                .col(big_integer(Outbox::EventId))
                .col(integer(Outbox::Attempts).default(0))
                .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                .col(text_null(Outbox::LastError))
                .col(timestamp_with_time_zone_null(Outbox::DeadAt))
                .col(timestamp_with_time_zone(Outbox::CreatedAt))
                .take(),
        )
        .await?;
        // What a worker reads: its live rows, oldest first.
        m.create_index(
            Index::create()
                .name("outbox_consumer_live")
                .table(Outbox::Table)
                .col(Outbox::Consumer)
                .col(Outbox::DeadAt)
                .col(Outbox::Id)
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("outbox_event")
                .table(Outbox::Table)
                .col(Outbox::EventId)
                .take(),
        )
        .await?;
        // Queued search changes carry over, each as the newest event that
        // names its post.
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO outbox (consumer, event_id, attempts, next_attempt_at, created_at) \
                 SELECT 'search', e.id, 0, s.created_at, s.created_at FROM search_outbox s \
                 JOIN events e ON e.id = (SELECT MAX(e2.id) FROM events e2 WHERE e2.post_id = s.post_id)",
            )
            .await?;
        m.drop_table(Table::drop().table(SearchOutbox::Table).to_owned())
            .await?;
        m.rename_table(
            Table::rename()
                .table(SearchLease::Table, Leases::Table)
                .to_owned(),
        )
        .await?;
        // The indexer's lease is now named after its worker.
        m.get_connection()
            .execute_unprepared("UPDATE leases SET name = 'search' WHERE name = 'indexer'")
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.rename_table(
            Table::rename()
                .table(Leases::Table, SearchLease::Table)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SearchOutbox::Table)
                .col(big_pk_auto(Alias::new("id")))
                .col(uuid(Alias::new("post_id")))
                .col(timestamp_with_time_zone(Alias::new("created_at")))
                .take(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "INSERT INTO search_outbox (post_id, created_at) \
                 SELECT e.post_id, o.created_at FROM outbox o JOIN events e ON e.id = o.event_id \
                 WHERE o.consumer = 'search' AND e.post_id IS NOT NULL",
            )
            .await?;
        m.drop_table(Table::drop().table(Outbox::Table).to_owned())
            .await
    }
}

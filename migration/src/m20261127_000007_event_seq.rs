//! A per-group event sequence: 1, 2, 3… with no holes, drawn under the
//! group's row lock in the same transaction as the event. An instance that
//! has delivered a group's event n and next hears of n + 2 knows that it
//! missed one, and reads it from the log.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Groups {
    Table,
    EventSeq,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    GroupId,
    Seq,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Groups::Table)
                .add_column(big_integer(Groups::EventSeq).default(0))
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Events::Table)
                .add_column(big_integer(Events::Seq).default(0))
                .take(),
        )
        .await?;
        // Number the events already logged in id order, which is each
        // group's commit order.
        let db = m.get_connection();
        db.execute_unprepared(
            "UPDATE events SET seq = r.n FROM \
             (SELECT id, row_number() OVER (PARTITION BY group_id ORDER BY id) AS n FROM events) AS r \
             WHERE events.id = r.id",
        )
        .await?;
        db.execute_unprepared(
            "UPDATE groups SET event_seq = \
             (SELECT COALESCE(MAX(seq), 0) FROM events WHERE events.group_id = groups.id)",
        )
        .await?;
        m.create_index(
            Index::create()
                .name("events_group_seq")
                .table(Events::Table)
                .col(Events::GroupId)
                .col(Events::Seq)
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("events_group_seq")
                .table(Events::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Events::Table)
                .drop_column(Events::Seq)
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Groups::Table)
                .drop_column(Groups::EventSeq)
                .take(),
        )
        .await
    }
}

pub use sea_orm_migration::prelude::*;

mod m20261127_000001_init;
mod m20261127_000002_search;
mod m20261127_000003_post_revisions;
mod m20261127_000004_thread_title_hidden;
mod m20261127_000005_group_bans;
mod m20261127_000006_post_risk;
mod m20261127_000007_event_seq;
mod m20261127_000008_worker_kit;
mod m20261128_000009_flag_escalation;
mod m20261128_000010_thread_reads;
mod m20261128_000011_notifications;
mod m20261128_000012_push;
mod m20261129_000013_data_rights;
mod m20261129_000014_group_sessions;
mod m20261129_000015_webhooks;
mod m20261129_000016_posts_by_author;
mod m20261129_000017_notifications_by_event;
mod m20261129_000018_outbox_live_index;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261127_000001_init::Migration),
            Box::new(m20261127_000002_search::Migration),
            Box::new(m20261127_000003_post_revisions::Migration),
            Box::new(m20261127_000004_thread_title_hidden::Migration),
            Box::new(m20261127_000005_group_bans::Migration),
            Box::new(m20261127_000006_post_risk::Migration),
            Box::new(m20261127_000007_event_seq::Migration),
            Box::new(m20261127_000008_worker_kit::Migration),
            Box::new(m20261128_000009_flag_escalation::Migration),
            Box::new(m20261128_000010_thread_reads::Migration),
            Box::new(m20261128_000011_notifications::Migration),
            Box::new(m20261128_000012_push::Migration),
            Box::new(m20261129_000013_data_rights::Migration),
            Box::new(m20261129_000014_group_sessions::Migration),
            Box::new(m20261129_000015_webhooks::Migration),
            Box::new(m20261129_000016_posts_by_author::Migration),
            Box::new(m20261129_000017_notifications_by_event::Migration),
            Box::new(m20261129_000018_outbox_live_index::Migration),
        ]
    }
}

//! Table upkeep for a Postgres whose autovacuum is off. The outbox is a
//! queue: every handled row is deleted, and the dead rows stay in its
//! indexes until a vacuum, so each poll walks more of them. Counters
//! (`groups.event_seq`, `threads.visible_posts`) leave a dead row per
//! write, and tables that grow keep the statistics of their first
//! minutes, on which Postgres plans every statement. Autovacuum does all
//! this where it runs; where an operator turned it off, this does the
//! least of it.
use super::Db;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use std::time::Duration;

/// The tables whose rows churn or whose size changes quickly.
const TABLES: &str = "outbox, leases, groups, threads, reactions, events, notifications, \
                      posts, memberships, thread_reads, sessions, push_deliveries, \
                      access_events, webhook_deliveries";

/// Whether Postgres's autovacuum is on; None when it cannot tell.
async fn autovacuum_on(db: &Db) -> Option<bool> {
    let row = db
        .conn
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT current_setting('autovacuum') = 'on'",
        ))
        .await
        .ok()??;
    row.try_get_by_index::<bool>(0).ok()
}

/// Vacuums and analyses [`TABLES`] every `every`, while autovacuum is off;
/// returns at once on SQLite. Runs until the supervisor stops it.
pub async fn run_forever(db: Db, every: Duration) {
    if db.conn.get_database_backend() != DbBackend::Postgres {
        return;
    }
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut told = false;
    loop {
        tick.tick().await;
        // Asked each time: an operator may turn it on or off meanwhile.
        if autovacuum_on(&db).await != Some(false) {
            continue;
        }
        if !told {
            tracing::info!("autovacuum is off: vacuuming the busiest tables here");
            told = true;
        }
        let started = std::time::Instant::now();
        // VACUUM runs outside a transaction; each call here is its own.
        // SKIP_LOCKED: a table another instance is vacuuming, or a
        // migration holds, is left for the next round rather than waited
        // on.
        match db
            .conn
            .execute_unprepared(&format!("VACUUM (ANALYZE, SKIP_LOCKED) {TABLES}"))
            .await
        {
            Ok(_) => tracing::debug!(elapsed = ?started.elapsed(), "vacuumed"),
            Err(e) => tracing::warn!(error = %e, "vacuuming the busiest tables"),
        }
    }
}

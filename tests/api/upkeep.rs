//! Table upkeep on a Postgres whose autovacuum is off.
use crate::helpers::{spawn_on_with, Backend, TestApp};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use std::time::{Duration, Instant};

crate::backend_tests!(using crate::upkeep::spawn; [postgres]; busiest_tables_are_vacuumed_only_without_autovacuum);

async fn spawn(backend: Backend) -> TestApp {
    spawn_on_with(backend, |c| c.store.db_upkeep_seconds = 1).await
}

async fn busiest_tables_are_vacuumed_only_without_autovacuum(app: TestApp) {
    let conn = &app.state.db.conn;
    let one = |sql: &str| Statement::from_string(DbBackend::Postgres, sql.to_owned());
    let autovacuum: bool = conn
        .query_one_raw(one("SELECT current_setting('autovacuum') = 'on'"))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    let vacuumed = || async {
        conn.query_one_raw(one(
            "SELECT last_vacuum IS NOT NULL FROM pg_stat_user_tables WHERE relname = 'outbox'",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<bool>(0)
        .unwrap()
    };
    let deadline = Instant::now() + Duration::from_secs(if autovacuum { 4 } else { 20 });
    let mut seen = false;
    while Instant::now() < deadline && !seen {
        tokio::time::sleep(Duration::from_millis(250)).await;
        seen = vacuumed().await;
    }
    // Where autovacuum runs, Hearth leaves the tables to it.
    assert_eq!(seen, !autovacuum, "autovacuum on: {autovacuum}");
}

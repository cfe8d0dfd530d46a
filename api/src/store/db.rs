use super::bus::Bus;
use crate::{config::Config, error::AppResult};
use anyhow::Context;
use entity::event;
use migration::{Migrator, MigratorTrait};
use prometheus::IntCounter;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use std::{sync::Arc, time::Duration};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The database handle every service uses.
#[derive(Clone)]
pub struct Db {
    pub conn: DatabaseConnection,
    /// SQLite has one writer; serialising write transactions here turns
    /// would-be SQLITE_BUSY failures into a short wait.
    write_lock: Option<Arc<Mutex<()>>>,
    /// Committed events, for live updates and indexing.
    pub bus: Bus,
}

/// A write transaction. Events appended to it are published only after it
/// commits, so nobody hears of a change that was rolled back.
pub struct WriteTxn {
    pub txn: DatabaseTransaction,
    pub(crate) pending: Vec<event::Model>,
    /// The group whose row this transaction holds locked (Postgres).
    pub(crate) locked_group: Option<uuid::Uuid>,
    _guard: Option<OwnedMutexGuard<()>>,
}

impl Db {
    pub async fn write(&self) -> AppResult<WriteTxn> {
        let guard = match &self.write_lock {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        let txn = if guard.is_some() {
            // SQLite: take the write lock at BEGIN, waiting out another
            // process's writer (`hearth reindex`, a second server on the
            // same file). A deferred transaction that reads first could
            // fail at its first write with SQLITE_BUSY, without waiting,
            // if another process committed in between.
            self.conn
                .begin_with_options(TransactionOptions {
                    sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                    ..Default::default()
                })
                .await?
        } else {
            self.conn.begin().await?
        };
        Ok(WriteTxn {
            txn,
            pending: Vec::new(),
            locked_group: None,
            _guard: guard,
        })
    }

    /// A write transaction on one group's data, holding the group's lock
    /// from the start (see `WriteTxn::lock_group`).
    pub async fn write_in(&self, group_id: uuid::Uuid) -> AppResult<WriteTxn> {
        let mut w = self.write().await?;
        w.lock_group(group_id).await?;
        Ok(w)
    }

    pub async fn commit(&self, w: WriteTxn) -> AppResult<()> {
        let WriteTxn {
            txn,
            pending,
            _guard,
            ..
        } = w;
        txn.commit().await?;
        drop(_guard);
        for e in pending {
            self.bus.publish(e);
        }
        Ok(())
    }

    /// Whether the database answers within a second.
    pub async fn ping(&self) -> bool {
        matches!(
            tokio::time::timeout(Duration::from_secs(1), self.conn.ping()).await,
            Ok(Ok(()))
        )
    }
}

/// A short name for this deployment's database, shared by its instances:
/// keys in a shared Redis are scoped by it.
pub fn namespace(cfg: &Config) -> String {
    use sha2::{Digest, Sha256};
    let url = cfg
        .store
        .database_url
        .clone()
        .unwrap_or_else(|| cfg.store.data_dir.join("hearth.db").display().to_string());
    // Without credentials: the namespace is visible to anyone who can list
    // the keys, and must not help guess a password.
    let url = match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}{}", &url[..scheme + 3], &url[at + 1..])
        }
        _ => url,
    };
    let digest = Sha256::digest(url.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

fn database_url(cfg: &Config) -> anyhow::Result<String> {
    match &cfg.store.database_url {
        Some(url) => Ok(url.clone()),
        None => {
            std::fs::create_dir_all(&cfg.store.data_dir).with_context(|| {
                format!("creating data directory {}", cfg.store.data_dir.display())
            })?;
            let path = cfg.store.data_dir.join("hearth.db");
            Ok(format!("sqlite://{}?mode=rwc", path.display()))
        }
    }
}

/// Connects, counts every SQL statement into `statements`, and applies
/// migrations when `migrate` is set.
async fn open_pool(
    url: &str,
    size: u32,
    statements: IntCounter,
) -> anyhow::Result<DatabaseConnection> {
    let mut opts = ConnectOptions::new(url);
    opts.max_connections(size.max(1))
        .min_connections(1)
        // While the database is away (a restart), a request waits this long
        // for a connection and then fails with a retryable UNAVAILABLE,
        // rather than holding its client for longer.
        .acquire_timeout(Duration::from_secs(3))
        // A ping before every checkout doubles each statement's round
        // trips; only a connection idle long enough to have been dropped
        // (by the server, a proxy or a firewall) is tested. One that broke
        // while hot fails its statement as UNAVAILABLE and is replaced.
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .sqlx_logging(false);
    let mut conn = Database::connect(opts)
        .await
        .context("connecting to the database")?;
    if url.starts_with("sqlite:") {
        // WAL lets readers go on while the one writer writes.
        conn.execute_unprepared("PRAGMA journal_mode=WAL").await?;
    }
    conn.set_metric_callback(move |info| {
        statements.inc();
        if crate::telemetry::exporting() {
            // A span per statement, for traces: the SQL without its values
            // (members' words stay out), timed when it ended.
            let _ = tracing::info_span!(
                target: "hearth::sql",
                "sql",
                otel.name = "sql",
                db.system = if info.statement.db_backend == sea_orm::DbBackend::Postgres {
                    "postgresql"
                } else {
                    "sqlite"
                },
                db.statement = %info.statement.sql,
                db.duration_ms = info.elapsed.as_secs_f64() * 1000.0,
                error = info.failed,
            )
            .entered();
        }
        if info.failed {
            tracing::debug!(sql = %info.statement.sql, "statement failed");
        } else {
            tracing::trace!(sql = %info.statement.sql, elapsed = ?info.elapsed, "statement");
        }
    });
    Ok(conn)
}

impl Db {
    /// The same database through a small pool of its own, for background
    /// work (the search indexer): it neither competes with requests for
    /// connections nor shows in their statement count. Writes still take
    /// the SQLite write lock.
    pub async fn background(&self, cfg: &Config, statements: IntCounter) -> anyhow::Result<Db> {
        let url = database_url(cfg)?;
        Ok(Db {
            conn: open_pool(&url, 2, statements).await?,
            write_lock: self.write_lock.clone(),
            bus: self.bus.clone(),
        })
    }
}

/// Migrations this binary has and the database lacks. A database migrated
/// by a newer Hearth is refused: this binary would misread it.
async fn pending_migrations(conn: &DatabaseConnection) -> anyhow::Result<usize> {
    match Migrator::get_pending_migrations(conn).await {
        Ok(p) => Ok(p.len()),
        // The migration table lists a migration this binary does not have.
        Err(DbErr::Custom(msg)) if msg.contains("missing") => anyhow::bail!(
            "the database was migrated by a newer version of Hearth ({msg}); \
             run that version or a newer one"
        ),
        Err(e) => Err(e).context("reading the database's migrations"),
    }
}

pub async fn connect(cfg: &Config, statements: IntCounter, migrate: bool) -> anyhow::Result<Db> {
    let url = database_url(cfg)?;
    let sqlite = url.starts_with("sqlite:");
    let conn = open_pool(&url, cfg.store.db_pool, statements).await?;
    let pending = pending_migrations(&conn).await?;
    if migrate {
        Migrator::up(&conn, None)
            .await
            .context("applying migrations")?;
    } else if pending > 0 {
        anyhow::bail!(
            "the database is not migrated ({pending} migrations pending): run `hearth migrate` \
             first, or start with --migrate"
        );
    }
    Ok(Db {
        conn,
        write_lock: sqlite.then(|| Arc::new(Mutex::new(()))),
        bus: Bus::local(cfg.live.subscription_buffer.max(1)),
    })
}

impl Db {
    /// Shares this instance's events with the others through Redis, when
    /// configured. Not for one-shot commands: the bus runs background tasks.
    pub fn with_shared_bus(
        mut self,
        cfg: &Config,
        tasks: &crate::tasks::Supervisor,
    ) -> anyhow::Result<Db> {
        if let Some(url) = &cfg.store.redis_url {
            self.bus = Bus::redis(cfg.live.subscription_buffer.max(1), url, tasks)
                .context("configuring Redis")?;
        }
        Ok(self)
    }
}

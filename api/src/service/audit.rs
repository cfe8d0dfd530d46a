//! The access audit: reads of a member's sensitive data by anyone else,
//! and admins' break-glass reads of groups they are not in.
//!
//! Resolvers note each access in the request's [`AuditBuffer`]; the
//! transport writes the buffer in one statement before the response
//! leaves (`flush`). If that write fails, the response is replaced by an
//! error: no audited data is ever shown without its trace.
use crate::{
    auth::Viewer,
    domain::{
        audit::{Access, AccessKind},
        policy::{self, Standing},
    },
    error::{AppError, AppResult},
    service::RequestCtx,
    store::{self, audit::Filter, Db, Page},
};
use entity::access_event;
use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use uuid::Uuid;

/// The accesses a request (or one streamed event) made, deduplicated.
#[derive(Default)]
pub struct AuditBuffer {
    pending: Mutex<(Vec<Access>, HashSet<Access>)>,
    /// Held from taking the rows until they are committed: on a
    /// WebSocket, streams share the buffer, and one must not send its data
    /// while another is still writing the rows that data caused.
    flushing: tokio::sync::Mutex<()>,
}

impl AuditBuffer {
    pub fn record(&self, access: Access) {
        if let Ok(mut p) = self.pending.lock() {
            if p.1.insert(access.clone()) {
                p.0.push(access);
            }
        }
    }

    fn take(&self) -> Vec<Access> {
        match self.pending.lock() {
            Ok(mut p) => {
                p.1.clear();
                std::mem::take(&mut p.0)
            }
            Err(_) => Vec::new(),
        }
    }

    /// Writes what was recorded since the last flush and waits until it is
    /// committed; nothing to do when nothing was recorded.
    pub async fn flush(&self, writer: &AuditWriter) -> AppResult<()> {
        let _writing = self.flushing.lock().await;
        let accesses = self.take();
        if accesses.is_empty() {
            return Ok(());
        }
        writer.write(accesses).await
    }
}

/// Writes audit rows for every request of the instance, many requests'
/// rows to a statement: while one insert runs, the next requests' rows
/// gather, and go together when it is done (a group commit). Each request
/// waits for its own rows to be committed before it answers.
#[derive(Clone)]
pub struct AuditWriter {
    tx: tokio::sync::mpsc::Sender<Pending>,
    /// Accesses written within the coalescing window, and when.
    recent: Arc<Mutex<HashMap<Access, Instant>>>,
    window: Duration,
}

/// Accesses remembered for coalescing at most; beyond, the oldest go.
const RECENT_MAX: usize = 100_000;

struct Pending {
    rows: Vec<Access>,
    done: tokio::sync::oneshot::Sender<Result<(), String>>,
}

/// The most rows one statement carries (9 values each: well under both
/// databases' parameter limits).
const BATCH_ROWS: usize = 1000;

impl AuditWriter {
    /// Starts the writer; it stops when the last handle is dropped.
    /// `window`: repeats within it are recorded once (zero: never).
    pub fn spawn(db: Db, window: Duration) -> Self {
        let (tx, rx) = tokio::sync::mpsc::channel(4096);
        tokio::spawn(write_batches(db, rx));
        AuditWriter {
            tx,
            recent: Default::default(),
            window,
        }
    }

    /// Writes `rows` but those written within the window, and waits for
    /// the commit.
    pub async fn write(&self, rows: Vec<Access>) -> AppResult<()> {
        let rows = self.fresh(rows);
        if rows.is_empty() {
            return Ok(());
        }
        self.send(rows.clone()).await?;
        self.remember(&rows);
        Ok(())
    }

    fn fresh(&self, rows: Vec<Access>) -> Vec<Access> {
        if self.window.is_zero() {
            return rows;
        }
        let Ok(recent) = self.recent.lock() else {
            return rows;
        };
        rows.into_iter()
            .filter(|r| recent.get(r).is_none_or(|at| at.elapsed() >= self.window))
            .collect()
    }

    /// Remembers rows once committed: a failed write is never coalesced.
    fn remember(&self, rows: &[Access]) {
        if self.window.is_zero() {
            return;
        }
        if let Ok(mut recent) = self.recent.lock() {
            if recent.len() + rows.len() > RECENT_MAX {
                let window = self.window;
                recent.retain(|_, at| at.elapsed() < window);
                if recent.len() + rows.len() > RECENT_MAX {
                    recent.clear();
                }
            }
            let now = Instant::now();
            for r in rows {
                recent.insert(r.clone(), now);
            }
        }
    }

    async fn send(&self, rows: Vec<Access>) -> AppResult<()> {
        let failed =
            || AppError::unavailable("the access audit could not be written; nothing was shown");
        let (done, committed) = tokio::sync::oneshot::channel();
        self.tx
            .send(Pending { rows, done })
            .await
            .map_err(|_| failed())?;
        match committed.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "writing the access audit");
                Err(failed())
            }
            Err(_) => Err(failed()),
        }
    }
}

async fn write_batches(db: Db, mut rx: tokio::sync::mpsc::Receiver<Pending>) {
    while let Some(first) = rx.recv().await {
        let mut n = first.rows.len();
        let mut batch = vec![first];
        while n < BATCH_ROWS {
            match rx.try_recv() {
                Ok(p) => {
                    n += p.rows.len();
                    batch.push(p);
                }
                Err(_) => break,
            }
        }
        let rows: Vec<Access> = batch.iter().flat_map(|p| p.rows.iter().cloned()).collect();
        let result = store::audit::insert(&db.conn, &rows)
            .await
            .map_err(|e| e.to_string());
        for p in batch {
            let _ = p.done.send(result.clone());
        }
    }
}

impl RequestCtx {
    /// Notes an admin's break-glass read of a group they are not in.
    pub fn note_group_read(&self, standing: &Standing, group_id: Uuid) {
        if policy::breaks_glass(standing) {
            self.audit.record(Access {
                kind: AccessKind::BreakGlass,
                actor_id: Some(standing.viewer.id),
                subject_id: None,
                group_id: Some(group_id),
                post_id: None,
                flag_id: None,
                reason: standing.viewer.access_reason.clone(),
            });
        }
    }

    /// Notes that the viewer read `author`'s data of `kind`, unless they
    /// are the author.
    pub fn note_access(
        &self,
        kind: AccessKind,
        author: Option<Uuid>,
        group_id: Uuid,
        post_id: Option<Uuid>,
        flag_id: Option<Uuid>,
    ) {
        let Some(viewer) = self.auth.viewer() else {
            return;
        };
        if !crate::domain::audit::is_others(viewer, author) {
            return;
        }
        self.audit.record(Access {
            kind,
            actor_id: Some(viewer.id),
            subject_id: author,
            group_id: Some(group_id),
            post_id,
            flag_id,
            reason: viewer.access_reason.clone(),
        });
    }
}

/// The viewer's own trail: who accessed their data, newest first. Open to
/// a locked (closing) account too.
pub async fn access_log(
    ctx: &RequestCtx,
    limit: u64,
    after: Option<Uuid>,
) -> AppResult<Page<access_event::Model>> {
    let v = policy::require_account_holder(&ctx.auth)?;
    Ok(store::audit::page(
        &ctx.state.db.conn,
        Some(v.id),
        &Filter::default(),
        limit,
        after,
    )
    .await?)
}

/// The whole audit, for platform admins.
pub async fn access_audit(
    ctx: &RequestCtx,
    filter: Filter,
    limit: u64,
    after: Option<Uuid>,
) -> AppResult<Page<access_event::Model>> {
    let v = ctx.viewer()?;
    require_admin(v)?;
    Ok(store::audit::page(&ctx.state.db.conn, None, &filter, limit, after).await?)
}

pub fn require_admin(v: &Viewer) -> AppResult<()> {
    if v.is_admin() {
        Ok(())
    } else {
        Err(AppError::forbidden("platform admins only"))
    }
}

/// Who the actor of an entry shows as: their display name now ("Former
/// member" once they closed their account), or "Hearth" for the system.
pub async fn actor_name(ctx: &RequestCtx, actor: Option<Uuid>) -> AppResult<String> {
    let Some(id) = actor else {
        return Ok("Hearth".into());
    };
    Ok(ctx
        .load_user(id)
        .await?
        .map(|u| u.display_name)
        .unwrap_or_else(|| crate::service::closures::FORMER_MEMBER.to_owned()))
}

/// Parses a stored kind (rows are only written from `AccessKind`).
pub fn kind_of(row: &access_event::Model) -> AccessKind {
    AccessKind::parse(&row.kind).unwrap_or(AccessKind::BreakGlass)
}

/// One entry: the viewer's own (as `access_log` lists them) or, for an
/// admin, any; NOT_FOUND otherwise.
pub async fn one(ctx: &RequestCtx, id: Uuid) -> AppResult<access_event::Model> {
    let v = policy::require_account_holder(&ctx.auth)?;
    let conn = &ctx.state.db.conn;
    let found = if v.is_admin() && !v.closing {
        use sea_orm::EntityTrait;
        access_event::Entity::find_by_id(id).one(conn).await?
    } else {
        store::audit::one_about(conn, v.id, id).await?
    };
    found.ok_or(AppError::NotFound)
}

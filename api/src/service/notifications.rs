//! Notifications: the worker that turns events into each member's
//! notifications (rules in `domain::notifications`), and the inbox.
//!
//! Events reach the worker through the outbox, written in the transaction
//! of the change, so no committed change goes unnotified. The worker
//! decides who is told from the facts when it runs; the inbox decides
//! again, when it is read, what the reader may still see.
use super::RequestCtx;
use crate::{
    domain::{notifications as rules, reading},
    error::{AppError, AppResult},
    store::{
        notifications::{self as store, New},
        outbox::Job,
        Db, Page,
    },
    worker::Handler,
};
use entity::{
    enums::{EventKind, GroupRole, NotificationKind, PostState},
    event, flag, moderation_action, notification, post, reaction, thread,
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

pub const WORKER: &str = crate::store::outbox::NOTIFICATIONS;
pub type NotificationWorker = crate::worker::Worker<Notifier>;

pub struct Notifier {
    db: Db,
}

impl Notifier {
    pub fn new(db: Db) -> Self {
        Notifier { db }
    }

    /// Who is told of `e`. A reaction's row is folded into the author's
    /// unread one for the post when it is written.
    async fn plan(&self, e: &event::Model) -> AppResult<Vec<New>> {
        Ok(match e.kind {
            EventKind::PostCreated => self.new_post(e).await?,
            EventKind::ThreadCreated => self.new_thread(e).await?,
            EventKind::ReactionsChanged => self.reaction(e).await?,
            EventKind::PostHidden | EventKind::PostRestored => self.post_moderated(e).await?,
            EventKind::ActionTaken => self.member_moderated(e).await?,
            EventKind::FlagRaised => self.flag(e, NotificationKind::UrgentFlag).await?,
            EventKind::FlagEscalated => self.flag(e, NotificationKind::FlagEscalated).await?,
            EventKind::SessionReminder => self.session_reminder(e).await?,
            _ => Vec::new(),
        })
    }

    /// Writes the planned notifications of several events in one
    /// transaction, with their pushes (due now; urgent ones on their own
    /// queue): one commit per batch rather than per event, which on SQLite
    /// is one turn of the single writer. Reactions are not pushed.
    async fn write(&self, planned: &[(&event::Model, &[New])]) -> AppResult<()> {
        let (mut urgent_ids, mut ordinary) = (Vec::new(), Vec::new());
        for (e, _) in planned {
            if urgent(e.kind) {
                urgent_ids.push(e.id);
            } else if e.kind != EventKind::ReactionsChanged {
                ordinary.push(e.id);
            }
        }
        let (reactions, rows): (Vec<New>, Vec<New>) = planned
            .iter()
            .flat_map(|(_, r)| r.iter().cloned())
            .partition(|r| r.kind == NotificationKind::Reaction);
        let mut told: Vec<Uuid> = rows.iter().chain(&reactions).map(|r| r.user_id).collect();
        let w = self.db.write().await?;
        store::insert(&w.txn, rows).await?;
        // In order, so that a second reaction to a post in the same batch
        // folds into the row the first one wrote.
        for r in reactions {
            let folded = match r.post_id {
                Some(post) => store::fold_reaction(&w.txn, r.user_id, post).await?,
                None => false,
            };
            if !folded {
                store::insert(&w.txn, vec![r]).await?;
            }
        }
        let at = crate::store::now();
        crate::store::outbox::schedule_many(
            &w.txn,
            crate::store::outbox::PUSH_URGENT,
            &urgent_ids,
            at,
        )
        .await?;
        crate::store::outbox::schedule_many(&w.txn, crate::store::outbox::PUSH, &ordinary, at)
            .await?;
        self.db.commit(w).await?;
        told.sort();
        told.dedup();
        for u in told {
            self.db.bus.notified(u);
        }
        Ok(())
    }

    async fn post(&self, e: &event::Model) -> AppResult<Option<post::Model>> {
        let Some(id) = e.post_id else {
            return Ok(None);
        };
        Ok(post::Entity::find_by_id(id).one(&self.db.conn).await?)
    }

    /// Members who were in the group when the event happened, `except`
    /// the one who acted.
    async fn members_at(
        &self,
        e: &event::Model,
        except: Option<Uuid>,
    ) -> AppResult<Vec<entity::membership::Model>> {
        Ok(store::members(&self.db.conn, e.group_id)
            .await?
            .into_iter()
            .filter(|m| m.joined_at <= e.created_at && Some(m.user_id) != except)
            .collect())
    }

    fn row(e: &event::Model, user_id: Uuid, kind: NotificationKind) -> New {
        New {
            user_id,
            kind,
            group_id: e.group_id,
            thread_id: e.thread_id,
            post_id: e.post_id,
            flag_id: None,
            actor_id: e.actor_id,
            event_id: e.id,
            session_id: e.session_id,
        }
    }

    /// REPLY: to the author of the post it answers, and to the thread's
    /// watchers.
    async fn new_post(&self, e: &event::Model) -> AppResult<Vec<New>> {
        let Some(p) = self.post(e).await? else {
            return Ok(Vec::new());
        };
        if p.state != PostState::Visible {
            return Ok(Vec::new());
        }
        let answered = match p.reply_to_id {
            None => None,
            Some(r) => post::Entity::find_by_id(r)
                .select_only()
                .column(post::Column::AuthorId)
                .into_tuple::<Option<Uuid>>()
                .one(&self.db.conn)
                .await?
                .flatten(),
        };
        let (chosen, posters) =
            store::thread_levels(&self.db.conn, p.thread_id, Some(e.group_id)).await?;
        Ok(self
            .members_at(e, p.author_id)
            .await?
            .into_iter()
            .filter(|m| {
                let level = reading::notification_level(
                    chosen.get(&m.user_id).copied(),
                    posters.contains(&m.user_id),
                );
                rules::post_reaches(level, answered == Some(m.user_id))
            })
            .map(|m| Self::row(e, m.user_id, NotificationKind::Reply))
            .collect())
    }

    /// SESSION_REMINDER: every member, but those who said they are not
    /// going, while the session is still on.
    async fn session_reminder(&self, e: &event::Model) -> AppResult<Vec<New>> {
        use entity::{enums::RsvpStatus, enums::SessionStatus, group_session, session_rsvp};
        let Some(session_id) = e.session_id else {
            return Ok(Vec::new());
        };
        let on = group_session::Entity::find_by_id(session_id)
            .one(&self.db.conn)
            .await?
            .is_some_and(|s| s.status == SessionStatus::Scheduled);
        if !on {
            return Ok(Vec::new());
        }
        let not_going: std::collections::HashSet<Uuid> = session_rsvp::Entity::find()
            .select_only()
            .column(session_rsvp::Column::UserId)
            .filter(session_rsvp::Column::SessionId.eq(session_id))
            .filter(session_rsvp::Column::Status.eq(RsvpStatus::NotGoing))
            .into_tuple::<Uuid>()
            .all(&self.db.conn)
            .await?
            .into_iter()
            .collect();
        Ok(self
            .members_at(e, None)
            .await?
            .into_iter()
            .filter(|m| !not_going.contains(&m.user_id))
            .map(|m| Self::row(e, m.user_id, NotificationKind::SessionReminder))
            .collect())
    }

    /// NEW_THREAD: every other member.
    async fn new_thread(&self, e: &event::Model) -> AppResult<Vec<New>> {
        let exists = match e.thread_id {
            Some(t) => thread::Entity::find_by_id(t).count(&self.db.conn).await? > 0,
            None => false,
        };
        if !exists {
            return Ok(Vec::new());
        }
        Ok(self
            .members_at(e, e.actor_id)
            .await?
            .into_iter()
            .map(|m| Self::row(e, m.user_id, NotificationKind::NewThread))
            .collect())
    }

    /// REACTION: to the post's author, folded into their unread one for the
    /// post when written. A reaction taken back since is not told.
    async fn reaction(&self, e: &event::Model) -> AppResult<Vec<New>> {
        let (Some(p), Some(actor)) = (self.post(e).await?, e.actor_id) else {
            return Ok(Vec::new());
        };
        let Some(author) = p.author_id.filter(|a| *a != actor) else {
            return Ok(Vec::new());
        };
        let still = reaction::Entity::find()
            .filter(reaction::Column::PostId.eq(p.id))
            .filter(reaction::Column::UserId.eq(actor))
            .count(&self.db.conn)
            .await?
            > 0;
        if !still
            || self
                .members_at(e, None)
                .await?
                .iter()
                .all(|m| m.user_id != author)
        {
            return Ok(Vec::new());
        }
        let (chosen, _) = store::thread_levels(&self.db.conn, p.thread_id, None).await?;
        if chosen.get(&author) == Some(&entity::enums::NotificationLevel::Muted) {
            return Ok(Vec::new());
        }
        Ok(vec![New {
            actor_id: None,
            ..Self::row(e, author, NotificationKind::Reaction)
        }])
    }

    /// MODERATION: the post's author, told that the group's facilitators
    /// acted (not which of them).
    async fn post_moderated(&self, e: &event::Model) -> AppResult<Vec<New>> {
        let Some(author) = self.post(e).await?.and_then(|p| p.author_id) else {
            return Ok(Vec::new());
        };
        Ok(self
            .members_at(e, e.actor_id)
            .await?
            .into_iter()
            .filter(|m| m.user_id == author)
            .map(|m| New {
                actor_id: None,
                ..Self::row(e, m.user_id, NotificationKind::Moderation)
            })
            .collect())
    }

    /// MODERATION: a member muted or unmuted.
    async fn member_moderated(&self, e: &event::Model) -> AppResult<Vec<New>> {
        let Some(action_id) = e.action_id else {
            return Ok(Vec::new());
        };
        let Some(a) = moderation_action::Entity::find_by_id(action_id)
            .one(&self.db.conn)
            .await?
        else {
            return Ok(Vec::new());
        };
        let Some(member) = a.member_id.filter(|_| rules::tells_member(a.action)) else {
            return Ok(Vec::new());
        };
        Ok(self
            .members_at(e, e.actor_id)
            .await?
            .into_iter()
            .filter(|m| m.user_id == member)
            .map(|m| New {
                actor_id: None,
                post_id: None,
                thread_id: None,
                ..Self::row(e, m.user_id, NotificationKind::Moderation)
            })
            .collect())
    }

    /// URGENT_FLAG for the group's facilitators; FLAG_ESCALATED for them
    /// and every admin. Never to the flagged post's author.
    async fn flag(&self, e: &event::Model, kind: NotificationKind) -> AppResult<Vec<New>> {
        let Some(flag_id) = e.flag_id else {
            return Ok(Vec::new());
        };
        let Some(f) = flag::Entity::find_by_id(flag_id).one(&self.db.conn).await? else {
            return Ok(Vec::new());
        };
        if !f.urgent {
            return Ok(Vec::new());
        }
        let mut to: Vec<Uuid> = self
            .members_at(e, None)
            .await?
            .into_iter()
            .filter(|m| m.role == GroupRole::Facilitator)
            .map(|m| m.user_id)
            .collect();
        if kind == NotificationKind::FlagEscalated {
            to.extend(store::admins(&self.db.conn).await?);
        }
        to.sort();
        to.dedup();
        Ok(to
            .into_iter()
            .filter(|u| Some(*u) != f.post_author_id)
            .map(|u| New {
                flag_id: Some(f.id),
                post_id: Some(f.post_id),
                actor_id: None,
                ..Self::row(e, u, kind)
            })
            .collect())
    }
}

fn urgent(kind: EventKind) -> bool {
    matches!(kind, EventKind::FlagRaised | EventKind::FlagEscalated)
}

impl Handler for Notifier {
    async fn handle(&self, jobs: &[Job]) -> anyhow::Result<Vec<(i64, String)>> {
        let mut failed = Vec::new();
        // Urgent flags first, each written as soon as it is planned: no
        // ordinary event in the batch holds them back.
        let (urgent_jobs, jobs): (Vec<&Job>, Vec<&Job>) =
            jobs.iter().partition(|j| urgent(j.event.kind));
        for job in urgent_jobs {
            let done = match self.plan(&job.event).await {
                Ok(rows) if rows.is_empty() => Ok(()),
                Ok(rows) => self.write(&[(&job.event, rows.as_slice())]).await,
                Err(e) => Err(e),
            };
            if let Err(e) = done {
                failed.push((job.id, e.to_string()));
            }
        }
        let mut planned = Vec::new();
        for job in jobs {
            match self.plan(&job.event).await {
                Ok(rows) if rows.is_empty() => {}
                Ok(rows) => planned.push((job, rows)),
                Err(e) => failed.push((job.id, e.to_string())),
            }
        }
        if planned.len() > 1 {
            let batch: Vec<_> = planned
                .iter()
                .map(|(j, r)| (&j.event, r.as_slice()))
                .collect();
            match self.write(&batch).await {
                Ok(()) => return Ok(failed),
                Err(e) => tracing::warn!(
                    error = %e,
                    events = planned.len(),
                    "writing a batch of notifications failed; writing them one at a time"
                ),
            }
        }
        // One at a time, so that one event that cannot be written does not
        // hold back the others.
        for (job, rows) in &planned {
            if let Err(e) = self.write(&[(&job.event, rows.as_slice())]).await {
                failed.push((job.id, e.to_string()));
            }
        }
        Ok(failed)
    }
}

/// The viewer's inbox, newest first.
pub async fn inbox(
    ctx: &RequestCtx,
    unread_only: bool,
    limit: u64,
    after: Option<Uuid>,
) -> AppResult<Page<notification::Model>> {
    let v = ctx.viewer()?;
    Ok(store::page(
        &ctx.state.db.conn,
        v.id,
        v.is_admin(),
        unread_only,
        limit,
        after,
    )
    .await?)
}

pub async fn unread_count(ctx: &RequestCtx) -> AppResult<u64> {
    let v = ctx.viewer()?;
    Ok(store::unread_count(&ctx.state.db.conn, v.id, v.is_admin()).await?)
}

/// One of the viewer's notifications; NOT_FOUND for anyone else's.
pub async fn notification(ctx: &RequestCtx, id: Uuid) -> AppResult<notification::Model> {
    let v = ctx.viewer()?;
    store::one(&ctx.state.db.conn, v.id, v.is_admin(), id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Marks the viewer's notifications read, up to `up_to` (one of theirs)
/// when given; how many were unread.
pub async fn mark_read(ctx: &RequestCtx, up_to: Option<Uuid>) -> AppResult<u64> {
    let v = ctx.viewer()?.id;
    if let Some(id) = up_to {
        notification(ctx, id).await?;
    }
    let db = &ctx.state.db;
    let w = db.write().await?;
    let n = store::mark_read(&w.txn, v, ctx.viewer()?.is_admin(), up_to).await?;
    db.commit(w).await?;
    Ok(n)
}

/// How often a live stream reads its member's notifications without being
/// woken: the bus is fast but not complete.
const LIVE_POLL: std::time::Duration = std::time::Duration::from_secs(5);
const LIVE_BATCH: u64 = 20;

/// The viewer's notifications as they are written, oldest first: those
/// after `after` first (none before now without it), then new ones. Each
/// read goes through the same visibility as the inbox, as of that read.
pub async fn live(
    ctx: &RequestCtx,
    after: Option<Uuid>,
) -> AppResult<impl futures_util::Stream<Item = notification::Model> + Send + 'static> {
    let v = ctx.viewer()?;
    let (viewer, admin) = (v.id, v.is_admin());
    let db = ctx.state.db.clone();
    // Woken before the first read, so nothing written between the two is
    // missed.
    let wake = db.bus.subscribe_notified();
    let start = match after {
        Some(a) => a,
        None => store::latest(&db.conn, viewer)
            .await?
            .unwrap_or(Uuid::nil()),
    };
    struct Follow {
        db: Db,
        wake: tokio::sync::broadcast::Receiver<Uuid>,
        last: Uuid,
        ready: std::collections::VecDeque<notification::Model>,
    }
    let follow = Follow {
        db,
        wake,
        last: start,
        ready: Default::default(),
    };
    Ok(futures_util::stream::unfold(
        follow,
        // The reads are boxed: an idle stream waits on `wake`, and its
        // state is as large as its largest await.
        move |mut f| async move {
            loop {
                if let Some(n) = f.ready.pop_front() {
                    // Still the viewer's to see now (they may have left
                    // the group since the batch was read)?
                    match Box::pin(store::one(&f.db.conn, viewer, admin, n.id)).await {
                        Ok(Some(n)) => return Some((n, f)),
                        Ok(None) => continue,
                        Err(e) => {
                            tracing::warn!(error = %e, "re-reading a notification for a live stream");
                            continue;
                        }
                    }
                }
                match Box::pin(store::after(&f.db.conn, viewer, admin, f.last, LIVE_BATCH)).await {
                    Ok(rows) if !rows.is_empty() => {
                        if let Some(n) = rows.last() {
                            f.last = n.id;
                        }
                        f.ready.extend(rows);
                        continue;
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "reading notifications for a live stream"),
                }
                let until = tokio::time::Instant::now() + LIVE_POLL;
                loop {
                    match tokio::time::timeout_at(until, f.wake.recv()).await {
                        Err(_) => break,
                        Ok(Ok(u)) if u == viewer => break,
                        Ok(Ok(_)) => {}
                        Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => break,
                        Ok(Err(tokio::sync::broadcast::error::RecvError::Closed)) => {
                            tokio::time::sleep_until(until).await;
                            break;
                        }
                    }
                }
            }
        },
    ))
}

//! Live updates: replay from the event log after a cursor, then the bus.
//! Every event is checked against the subscriber's access when it is
//! delivered; a subscriber who leaves or is removed sees their stream end.
use super::{delivery, RequestCtx};
use crate::service::Services;
use crate::{
    domain::policy,
    error::{AppError, AppResult},
};
use entity::{enums::EventKind, event, group};
use futures_util::{stream, Stream};
use relay::{Relayed, Tracked};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::{collections::VecDeque, sync::Arc};
use tokio::sync::broadcast::{self, error::RecvError};
use uuid::Uuid;

mod cache;
pub mod relay;

pub use cache::{LiveCache, Members, Objects};

/// At most this many events are replayed; an older cursor must refetch.
pub const REPLAY_MAX: u64 = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Thread(Uuid),
    Group(Uuid),
    Moderation(Uuid),
}

impl Scope {
    fn kinds(self) -> &'static [EventKind] {
        use EventKind::*;
        match self {
            Scope::Thread(_) => &[
                PostCreated,
                PostEdited,
                PostDeleted,
                PostHidden,
                PostRestored,
                ReactionsChanged,
                ThreadUpdated,
            ],
            Scope::Group(_) => &[
                ThreadCreated,
                ThreadUpdated,
                MemberJoined,
                MemberLeft,
                GroupArchived,
                GroupDeletionScheduled,
                SessionScheduled,
                SessionUpdated,
                SessionCancelled,
                SessionStarting,
            ],
            Scope::Moderation(_) => &[
                FlagRaised,
                FlagResolved,
                FlagDismissed,
                FlagAcknowledged,
                FlagEscalated,
                ActionTaken,
            ],
        }
    }

    fn matches(self, group_id: Uuid, e: &event::Model) -> bool {
        let in_scope = match self {
            Scope::Thread(t) => e.thread_id == Some(t),
            Scope::Group(_) | Scope::Moderation(_) => true,
        };
        e.group_id == group_id && in_scope && self.kinds().contains(&e.kind)
    }
}

pub enum Delivery {
    Event(event::Model),
    /// This stream cannot show that it delivered every event (the
    /// subscriber fell behind, or the log lost one); the subscriber should
    /// resume from their last cursor. The stream ends after this.
    Resync,
}

/// Checks access, then returns the replay-then-live stream of `scope`.
pub async fn subscribe(
    ctx: &RequestCtx,
    scope: Scope,
    after: Option<String>,
) -> AppResult<impl Stream<Item = Delivery> + Send + 'static> {
    let group_id = match scope {
        Scope::Thread(id) => ctx.readable_thread(id).await?.0.group_id,
        Scope::Group(id) => ctx.readable_group(id).await?.0.id,
        Scope::Moderation(id) => {
            let s = ctx.standing(id).await?;
            policy::moderate(&s)?;
            id
        }
    };
    let viewer = ctx.viewer()?.clone();
    let state = ctx.state.clone();
    let joined = ctx.viewer_membership(group_id).await?.map(|m| m.joined_at);
    // Subscribe and track the group before reading history, so that
    // whatever commits after the read reaches this stream.
    let rx = state.relay.subscribe();
    let tracked = tokio::time::timeout(
        std::time::Duration::from_secs(3),
        state.relay.track(group_id),
    )
    .await
    .map_err(|_| AppError::unavailable("live updates are busy; try again shortly"))??;
    let (history, floor) = match after {
        None => {
            let head: Option<i64> = group::Entity::find_by_id(group_id)
                .select_only()
                .column(group::Column::EventSeq)
                .into_tuple()
                .one(&state.db.conn)
                .await?;
            (Vec::new(), head.ok_or(AppError::NotFound)?)
        }
        Some(cursor) => {
            // The cursor must name an event of this group still in the log.
            let foreign = || {
                AppError::bad_input(
                    "this cursor has expired or is not from this stream: refetch, then subscribe without `after`",
                )
            };
            let after = state
                .jwt
                .cursors
                .open(group_id, &cursor)
                .ok_or_else(foreign)?;
            let retention = chrono::Duration::days(state.config.store.event_retention_days);
            let known = event::Entity::find_by_id(after)
                .one(&state.db.conn)
                .await?
                .filter(|e| {
                    e.group_id == group_id && e.created_at > crate::store::now() - retention
                });
            // Unnumbered (written mid-upgrade by an older instance): no
            // place in the sequence to resume from.
            let known = known.filter(|e| e.seq > 0);
            let Some(known) = known else {
                return Err(AppError::bad_input(
                    "this cursor has expired or is not from this stream: refetch, then subscribe without `after`",
                ));
            };
            // Never replay what happened before the subscriber joined.
            if joined.is_some_and(|j| known.created_at < j) {
                return Err(AppError::bad_input(
                    "this cursor is from before you joined the group: refetch, then subscribe without `after`",
                ));
            }
            let Some(rows) = read_log(&state, scope, group_id, known.seq).await? else {
                return Err(AppError::bad_input(
                    "too many events since this cursor: refetch, then subscribe without `after`",
                ));
            };
            // Replay holds every matching event up to the read; anything
            // else numbered up to there is not for this stream.
            let floor = rows.last().map_or(known.seq, |e| e.seq.max(known.seq));
            (rows, floor)
        }
    };
    let live = Live {
        state,
        scope,
        group_id,
        recipient: delivery::Recipient {
            user_id: viewer.id,
            is_admin: viewer.is_admin(),
            // Not a member yet allowed in: an admin who broke glass.
            break_glass: joined.is_none() && viewer.is_admin(),
            joined,
        },
        history: history.into_iter().map(|e| (e, true)).collect(),
        floor,
        rx,
        _tracked: tracked,
        done: false,
    };
    Ok(stream::unfold(live, |mut live| async move {
        let next = live.next().await?;
        Some((next, live))
    }))
}

/// The stream's events in the group's log after `after_seq`, in order;
/// None when there are more than `REPLAY_MAX`.
async fn read_log(
    state: &Services,
    scope: Scope,
    group_id: Uuid,
    after_seq: i64,
) -> AppResult<Option<Vec<event::Model>>> {
    let mut q = event::Entity::find()
        .filter(event::Column::GroupId.eq(group_id))
        .filter(event::Column::Seq.gt(after_seq))
        .filter(event::Column::Kind.is_in(scope.kinds().iter().copied()));
    if let Scope::Thread(t) = scope {
        q = q.filter(event::Column::ThreadId.eq(t));
    }
    let rows = q
        .order_by_asc(event::Column::Seq)
        .limit(REPLAY_MAX + 1)
        .all(&state.db.conn)
        .await?;
    Ok((rows.len() as u64 <= REPLAY_MAX).then_some(rows))
}

struct Live {
    state: Arc<Services>,
    scope: Scope,
    group_id: Uuid,
    recipient: delivery::Recipient,
    /// Events read from the log, to deliver before live ones; whether
    /// each is from before the subscription began.
    history: VecDeque<(event::Model, bool)>,
    /// The group's sequence number up to which this stream has everything
    /// it should: live events at or below it were replayed or are not
    /// for it.
    floor: i64,
    rx: broadcast::Receiver<Relayed>,
    _tracked: Tracked,
    done: bool,
}

impl Live {
    async fn next(&mut self) -> Option<Delivery> {
        if self.done {
            return None;
        }
        loop {
            let (e, replayed) = match self.history.pop_front() {
                Some(entry) => entry,
                None => match self.rx.recv().await {
                    Ok(Relayed::Event(e)) => {
                        if e.group_id != self.group_id || e.seq <= self.floor {
                            continue;
                        }
                        self.floor = e.seq;
                        (e, false)
                    }
                    Ok(Relayed::Resync(g)) if g != self.group_id => continue,
                    // Fell behind the instance's traffic: what this stream
                    // missed is in the log.
                    Err(RecvError::Lagged(_)) => {
                        // Boxed: an idle stream waits on `recv`, and its
                        // state is as large as its largest await.
                        match Box::pin(read_log(&self.state, self.scope, self.group_id, self.floor))
                            .await
                        {
                            Ok(Some(rows)) => {
                                if let Some(last) = rows.last() {
                                    self.floor = last.seq;
                                }
                                self.history = rows.into_iter().map(|e| (e, false)).collect();
                                continue;
                            }
                            Ok(None) | Err(_) => {
                                self.done = true;
                                return Some(Delivery::Resync);
                            }
                        }
                    }
                    Ok(Relayed::Resync(_)) => {
                        self.done = true;
                        return Some(Delivery::Resync);
                    }
                    Err(RecvError::Closed) => return None,
                },
            };
            // The subscriber left or was removed just now: done. (A leave in
            // the replayed past is history; access is checked below.)
            let own_leave = e.group_id == self.group_id
                && e.kind == EventKind::MemberLeft
                && e.member_id == Some(self.recipient.user_id);
            if own_leave && !replayed && !self.recipient.is_admin {
                return None;
            }
            if !self.scope.matches(self.group_id, &e) {
                continue;
            }
            // Access as of now (at most a second old).
            let access = Box::pin(delivery::access(
                &self.state,
                self.group_id,
                &self.recipient,
            ))
            .await?;
            if let Scope::Moderation(_) = self.scope {
                if !access.moderator {
                    return None;
                }
            }
            if !Box::pin(delivery::shows(&self.state, &self.recipient, access, &e)).await {
                continue;
            }
            return Some(Delivery::Event(e));
        }
    }
}

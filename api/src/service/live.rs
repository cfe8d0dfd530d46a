//! Live updates: replay from the event log after a cursor, then the bus.
//! Every event is checked against the subscriber's access when it is
//! delivered; a subscriber who leaves or is removed sees their stream end.
use super::RequestCtx;
use crate::startup::AppState;
use crate::{
    domain::policy,
    error::{AppError, AppResult},
};
use entity::{
    enums::{EventKind, GroupRole},
    event, flag, membership, moderation_action, post, thread,
};
use futures_util::{stream, Stream};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::{
    collections::{HashMap, HashSet, VecDeque},
    sync::Arc,
    time::{Duration, Instant},
};
use tokio::sync::broadcast::{self, error::RecvError};
use uuid::Uuid;

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
            Scope::Group(_) => &[ThreadCreated, ThreadUpdated, MemberJoined, MemberLeft],
            Scope::Moderation(_) => &[FlagRaised, FlagResolved, FlagDismissed, ActionTaken],
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
    /// The subscriber fell behind the bus; they should resume from their
    /// last cursor. The stream ends after this.
    Lagged,
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
    // Subscribe before reading history, so nothing committed in between is lost.
    let rx = state.db.bus.subscribe();
    let history = match after {
        None => Vec::new(),
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
            let retention = chrono::Duration::days(state.config.event_retention_days);
            let known = event::Entity::find_by_id(after)
                .one(&state.db.conn)
                .await?
                .filter(|e| {
                    e.group_id == group_id && e.created_at > crate::store::now() - retention
                });
            let Some(known) = known else {
                return Err(AppError::bad_input(
                    "this cursor has expired or is not from this stream: refetch, then subscribe without `after`",
                ));
            };
            // Never replay what happened before the subscriber joined.
            let joined = ctx.viewer_membership(group_id).await?.map(|m| m.joined_at);
            if joined.is_some_and(|j| known.created_at < j) {
                return Err(AppError::bad_input(
                    "this cursor is from before you joined the group: refetch, then subscribe without `after`",
                ));
            }
            let mut q = event::Entity::find()
                .filter(event::Column::GroupId.eq(group_id))
                .filter(event::Column::Id.gt(after))
                .filter(event::Column::Kind.is_in(scope.kinds().iter().copied()));
            if let Scope::Thread(t) = scope {
                q = q.filter(event::Column::ThreadId.eq(t));
            }
            let rows = q
                .order_by_asc(event::Column::Id)
                .limit(REPLAY_MAX + 1)
                .all(&state.db.conn)
                .await?;
            if rows.len() as u64 > REPLAY_MAX {
                return Err(AppError::bad_input(
                    "too many events since this cursor: refetch, then subscribe without `after`",
                ));
            }
            rows
        }
    };
    let live = Live {
        state,
        scope,
        group_id,
        viewer_id: viewer.id,
        is_admin: viewer.is_admin(),
        replayed: history.iter().map(|e| e.id).collect(),
        history: history.into(),
        rx,
        done: false,
    };
    Ok(stream::unfold(live, |mut live| async move {
        let next = live.next().await?;
        Some((next, live))
    }))
}

struct Live {
    state: Arc<AppState>,
    scope: Scope,
    group_id: Uuid,
    viewer_id: Uuid,
    is_admin: bool,
    history: VecDeque<event::Model>,
    /// Replayed ids, so that the same event arriving live is not sent twice.
    replayed: HashSet<i64>,
    rx: broadcast::Receiver<event::Model>,
    done: bool,
}

/// How old a group's member list may be when an event is checked against
/// it. Leaving or removal ends a stream at once through its MEMBER_LEFT
/// event; the re-check covers a MEMBER_LEFT this instance never heard
/// (Redis away).
const ACCESS_RECHECK: Duration = Duration::from_secs(1);

impl Live {
    async fn next(&mut self) -> Option<Delivery> {
        if self.done {
            return None;
        }
        loop {
            let (e, replayed) = match self.history.pop_front() {
                Some(e) => (e, true),
                None => match self.rx.recv().await {
                    Ok(e) if self.replayed.remove(&e.id) => continue,
                    Ok(e) => (e, false),
                    Err(RecvError::Lagged(_)) => {
                        self.done = true;
                        return Some(Delivery::Lagged);
                    }
                    Err(RecvError::Closed) => return None,
                },
            };
            // The subscriber left or was removed just now: done. (A leave in
            // the replayed past is history; access is checked below.)
            let own_leave = e.group_id == self.group_id
                && e.kind == EventKind::MemberLeft
                && e.member_id == Some(self.viewer_id);
            if own_leave && !replayed && !self.is_admin {
                return None;
            }
            if !self.scope.matches(self.group_id, &e) {
                continue;
            }
            // Access as of now (at most a second old).
            let moderator = self.access().await?;
            if let Scope::Moderation(_) = self.scope {
                if !moderator {
                    return None;
                }
                if self.about_own_post(&e).await {
                    continue;
                }
            }
            return Some(Delivery::Event(e));
        }
    }

    /// None when the subscriber may no longer read the group; otherwise
    /// whether they moderate it.
    async fn access(&self) -> Option<bool> {
        if self.is_admin {
            return Some(true);
        }
        let members = self
            .state
            .live_cache
            .members(&self.state.db.conn, self.group_id)
            .await
            .ok()?;
        if let Some(role) = members.get(&self.viewer_id) {
            return Some(*role == GroupRole::Facilitator);
        }
        // Not in the shared list: gone, or joined since it was read. Ask.
        let m = membership::Entity::find_by_id((self.group_id, self.viewer_id))
            .one(&self.state.db.conn)
            .await
            .ok()??;
        Some(m.role == GroupRole::Facilitator)
    }

    /// Flags on a facilitator's own post, and actions on those flags, go to
    /// the others, not to them. When in doubt (a failed lookup), withhold.
    async fn about_own_post(&self, e: &event::Model) -> bool {
        if self.is_admin {
            return false;
        }
        let db = &self.state.db.conn;
        let author: Result<Option<Option<Uuid>>, _> = if let Some(flag_id) = e.flag_id {
            flag::Entity::find_by_id(flag_id)
                .select_only()
                .column(flag::Column::PostAuthorId)
                .into_tuple()
                .one(db)
                .await
        } else if let Some(action_id) = e.action_id {
            moderation_action::Entity::find_by_id(action_id)
                .select_only()
                .column(moderation_action::Column::PostAuthorId)
                .into_tuple()
                .one(db)
                .await
        } else {
            return false;
        };
        match author {
            Ok(a) => a.flatten() == Some(self.viewer_id),
            Err(_) => true,
        }
    }
}

/// A small map whose entries expire after a fixed time and are loaded once
/// however many tasks ask at the same moment.
pub struct TtlCache<K, V> {
    ttl: Duration,
    entries: std::sync::Mutex<HashMap<K, Arc<Slot<V>>>>,
}

/// When an entry was made, and its value once loaded.
type Slot<V> = (Instant, tokio::sync::OnceCell<V>);

impl<K: std::hash::Hash + Eq + Clone, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration) -> Self {
        TtlCache {
            ttl,
            entries: Default::default(),
        }
    }

    /// Drops the loaded entries whose value matches.
    pub fn forget(&self, stale: impl Fn(&V) -> bool) {
        if let Ok(mut map) = self.entries.lock() {
            map.retain(|_, slot| !slot.1.get().is_some_and(&stale));
        }
    }

    pub async fn get<F, Fut>(&self, key: K, load: F) -> AppResult<V>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = AppResult<V>>,
    {
        let cell = {
            let mut map = self
                .entries
                .lock()
                .map_err(|_| AppError::internal(anyhow::anyhow!("cache lock poisoned")))?;
            let now = Instant::now();
            let ttl = self.ttl;
            map.retain(|_, c| now.duration_since(c.0) < ttl);
            map.entry(key)
                .or_insert_with(|| Arc::new((now, tokio::sync::OnceCell::new())))
                .clone()
        };
        Ok(cell.1.get_or_try_init(load).await?.clone())
    }
}

/// What an instance's subscribers share: an event's post and thread, loaded
/// once per event rather than once per subscriber, and each group's members,
/// loaded at most once a second for the access re-checks. Permissions are
/// still applied per subscriber when fields are resolved.
pub struct LiveCache {
    objects: TtlCache<i64, Arc<Objects>>,
    members: TtlCache<Uuid, Arc<HashMap<Uuid, GroupRole>>>,
}

impl Default for LiveCache {
    fn default() -> Self {
        LiveCache {
            objects: TtlCache::new(Duration::from_secs(1)),
            members: TtlCache::new(ACCESS_RECHECK),
        }
    }
}

#[derive(Debug, Default)]
pub struct Objects {
    pub post: Option<post::Model>,
    pub thread: Option<thread::Model>,
}

impl LiveCache {
    pub async fn objects(
        &self,
        db: &DatabaseConnection,
        e: &event::Model,
    ) -> AppResult<Arc<Objects>> {
        self.objects
            .get(e.id, || async {
                let post = match e.post_id {
                    Some(id) => post::Entity::find_by_id(id).one(db).await?,
                    None => None,
                };
                let thread = match e.thread_id {
                    Some(id) => thread::Entity::find_by_id(id).one(db).await?,
                    None => None,
                };
                Ok(Arc::new(Objects { post, thread }))
            })
            .await
    }

    /// Forgets what a committed event made stale: a post edited, hidden,
    /// restored or deleted, a thread updated, a group's members changed.
    pub fn forget(&self, e: &event::Model) {
        use EventKind::*;
        match e.kind {
            PostEdited | PostDeleted | PostHidden | PostRestored => {
                if let Some(id) = e.post_id {
                    self.objects
                        .forget(|o| o.post.as_ref().is_some_and(|p| p.id == id));
                }
            }
            ThreadUpdated => {
                if let Some(id) = e.thread_id {
                    self.objects
                        .forget(|o| o.thread.as_ref().is_some_and(|t| t.id == id));
                }
            }
            MemberJoined | MemberLeft => self.members.forget(|_| true),
            _ => {}
        }
    }

    async fn members(
        &self,
        db: &DatabaseConnection,
        group_id: Uuid,
    ) -> AppResult<Arc<HashMap<Uuid, GroupRole>>> {
        self.members
            .get(group_id, || async {
                let rows = membership::Entity::find()
                    .filter(membership::Column::GroupId.eq(group_id))
                    .all(db)
                    .await?;
                Ok(Arc::new(
                    rows.into_iter().map(|m| (m.user_id, m.role)).collect(),
                ))
            })
            .await
    }
}

//! Batched loads, one set per request: results depend on the viewer, and a
//! request must never see another's cache. Each loader turns the N lookups of
//! a page into one `WHERE id IN (…)`.
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};

/// A request's caches hold a few hundred keys it chose itself: a fast
/// seeded hash rather than SipHash, which showed in the page's profile.
type Cache = HashMapCache<foldhash::fast::RandomState>;
use entity::{
    check_in, enums::ReactionKind, group, group_session, membership, post, reaction, thread, user,
};
use sea_orm::{
    sea_query::{CaseStatement, Expr, ExprTrait},
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use std::{
    collections::HashMap,
    sync::{Arc, OnceLock},
};
use uuid::Uuid;

pub type LoadError = Arc<DbErr>;

/// Declares the loaders, each built on first use: a WebSocket connection
/// keeps its loaders for its whole life and uses one or two of them.
macro_rules! loaders {
    ($($(#[$doc:meta])* $name:ident: $loader:ty, $key:ty = |$db:ident, $viewer:pat_param| $make:expr;)*) => {
        pub struct Loaders {
            db: DatabaseConnection,
            viewer_id: Option<Uuid>,
            cache: bool,
            $($name: OnceLock<DataLoader<$loader, Cache>>,)*
        }

        impl Loaders {
            /// `cache`: keep results for the life of the loaders. Requests
            /// do; a WebSocket connection does not, so that each event is
            /// resolved with the data and permissions of its delivery time.
            pub fn new(db: &DatabaseConnection, viewer_id: Option<Uuid>, cache: bool) -> Self {
                Loaders {
                    db: db.clone(),
                    viewer_id,
                    cache,
                    $($name: OnceLock::new(),)*
                }
            }

            $(
                $(#[$doc])*
                pub fn $name(&self) -> &DataLoader<$loader, Cache> {
                    self.$name.get_or_init(|| {
                        let ($db, $viewer) = (self.db.clone(), self.viewer_id);
                        // Cached for the request: a page asks for the same
                        // membership or author many times, and should pay
                        // for it once.
                        let l = DataLoader::with_cache($make, tokio::spawn, Cache::new());
                        if !self.cache {
                            l.enable_all_cache(false);
                        }
                        l
                    })
                }
            )*

            /// Forgets what the loaders built so far have cached.
            pub fn clear(&self) {
                $(if let Some(l) = self.$name.get() {
                    l.clear::<$key>();
                })*
            }
        }
    };
}

loaders! {
    users: UserLoader, Uuid = |db, _| UserLoader(db);
    groups: GroupLoader, Uuid = |db, _| GroupLoader(db);
    threads: ThreadLoader, Uuid = |db, _| ThreadLoader(db);
    posts: PostLoader, Uuid = |db, _| PostLoader(db);
    /// The viewer's own membership, by group.
    memberships: MembershipLoader, Uuid = |db, viewer_id| MembershipLoader { db, viewer_id };
    /// Reaction counts (and the viewer's own), by post.
    reactions: ReactionLoader, Uuid = |db, viewer_id| ReactionLoader { db, viewer_id };
    /// What is unread to the viewer, by thread.
    unread: UnreadLoader, Uuid = |db, viewer_id| UnreadLoader { db, viewer_id };
    /// Threads with unread posts, by group.
    unread_threads: UnreadThreadsLoader, Uuid = |db, viewer_id| UnreadThreadsLoader { db, viewer_id };
    /// The viewer's read mark and notification level, by thread.
    thread_states: ThreadStateLoader, Uuid = |db, viewer_id| ThreadStateLoader { db, viewer_id };
    group_sessions: GroupSessionLoader, Uuid = |db, _| GroupSessionLoader(db);
    /// RSVPs, attendance and check-ins, by session (unfiltered: the
    /// service filters them for the viewer).
    session_details: SessionDetailsLoader, Uuid = |db, _| SessionDetailsLoader(db);
    check_ins: CheckInLoader, Uuid = |db, _| CheckInLoader(db);
    /// A member's recorded attendance statuses, by (group, member).
    attendance: AttendanceLoader, (Uuid, Uuid) = |db, _| AttendanceLoader(db);
}

macro_rules! by_id_loader {
    ($name:ident, $entity:ident) => {
        pub struct $name(DatabaseConnection);

        impl Loader<Uuid> for $name {
            type Value = $entity::Model;
            type Error = LoadError;

            async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
                let rows = $entity::Entity::find()
                    .filter($entity::Column::Id.is_in(keys.iter().copied()))
                    .all(&self.0)
                    .await?;
                Ok(rows.into_iter().map(|r| (r.id, r)).collect())
            }
        }
    };
}

by_id_loader!(UserLoader, user);
by_id_loader!(GroupLoader, group);
by_id_loader!(ThreadLoader, thread);
by_id_loader!(PostLoader, post);
by_id_loader!(GroupSessionLoader, group_session);
by_id_loader!(CheckInLoader, check_in);

pub struct AttendanceLoader(DatabaseConnection);

impl Loader<(Uuid, Uuid)> for AttendanceLoader {
    type Value = Vec<entity::enums::AttendanceStatus>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(Uuid, Uuid)],
    ) -> Result<HashMap<(Uuid, Uuid), Self::Value>, Self::Error> {
        use entity::session_attendance as a;
        let rows: Vec<(Uuid, Uuid, entity::enums::AttendanceStatus)> = a::Entity::find()
            .select_only()
            .column(a::Column::GroupId)
            .column(a::Column::UserId)
            .column(a::Column::Status)
            .filter(a::Column::GroupId.is_in(keys.iter().map(|k| k.0)))
            .filter(a::Column::UserId.is_in(keys.iter().map(|k| k.1)))
            .into_tuple()
            .all(&self.0)
            .await?;
        let mut out: HashMap<(Uuid, Uuid), Self::Value> = HashMap::new();
        for (g, u, status) in rows {
            if keys.contains(&(g, u)) {
                out.entry((g, u)).or_default().push(status);
            }
        }
        Ok(out)
    }
}

/// What a session's members said and did.
#[derive(Debug, Default)]
pub struct SessionDetails {
    pub rsvps: Vec<entity::session_rsvp::Model>,
    pub attendance: Vec<entity::session_attendance::Model>,
    pub check_ins: Vec<entity::check_in::Model>,
}

/// Rows per session at most: a group is 6 to 12 people; this bounds a
/// session of an unusually large one.
const SESSION_ROWS: usize = 500;

pub struct SessionDetailsLoader(DatabaseConnection);

impl Loader<Uuid> for SessionDetailsLoader {
    type Value = Arc<SessionDetails>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        use entity::{check_in, session_attendance, session_rsvp};
        use sea_orm::QueryOrder;
        let limit = (SESSION_ROWS * keys.len()) as u64;
        let rsvps = session_rsvp::Entity::find()
            .filter(session_rsvp::Column::SessionId.is_in(keys.iter().copied()))
            .order_by_asc(session_rsvp::Column::UpdatedAt)
            .limit(limit)
            .all(&self.0)
            .await?;
        let attendance = session_attendance::Entity::find()
            .filter(session_attendance::Column::SessionId.is_in(keys.iter().copied()))
            .order_by_asc(session_attendance::Column::RecordedAt)
            .limit(limit)
            .all(&self.0)
            .await?;
        let check_ins = check_in::Entity::find()
            .filter(check_in::Column::SessionId.is_in(keys.iter().copied()))
            .order_by_asc(check_in::Column::CreatedAt)
            .limit(limit)
            .all(&self.0)
            .await?;
        let mut out: HashMap<Uuid, SessionDetails> = HashMap::new();
        for r in rsvps {
            out.entry(r.session_id).or_default().rsvps.push(r);
        }
        for a in attendance {
            out.entry(a.session_id).or_default().attendance.push(a);
        }
        for c in check_ins {
            out.entry(c.session_id).or_default().check_ins.push(c);
        }
        Ok(out.into_iter().map(|(k, v)| (k, Arc::new(v))).collect())
    }
}

pub struct MembershipLoader {
    db: DatabaseConnection,
    viewer_id: Option<Uuid>,
}

impl Loader<Uuid> for MembershipLoader {
    type Value = membership::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let Some(viewer_id) = self.viewer_id else {
            return Ok(HashMap::new());
        };
        let rows = membership::Entity::find()
            .filter(membership::Column::UserId.eq(viewer_id))
            .filter(membership::Column::GroupId.is_in(keys.iter().copied()))
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(|r| (r.group_id, r)).collect())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReactionSummary {
    pub kind: ReactionKind,
    pub count: i64,
    pub viewer_has_reacted: bool,
}

pub struct ReactionLoader {
    db: DatabaseConnection,
    viewer_id: Option<Uuid>,
}

impl Loader<Uuid> for ReactionLoader {
    type Value = Vec<ReactionSummary>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        // Counts and the viewer's own reactions in one grouped statement.
        // SUM over int4 is int8 on Postgres (over int8 it would be numeric).
        let viewer = self.viewer_id.unwrap_or(Uuid::nil());
        let rows: Vec<(Uuid, ReactionKind, i64, i64)> = reaction::Entity::find()
            .select_only()
            .column(reaction::Column::PostId)
            .column(reaction::Column::Kind)
            .column_as(Expr::col(reaction::Column::UserId).count(), "n")
            .column_as(
                Expr::expr(
                    CaseStatement::new()
                        .case(reaction::Column::UserId.eq(viewer), Expr::val(1i32))
                        .finally(Expr::val(0i32)),
                )
                .sum(),
                "mine",
            )
            .filter(reaction::Column::PostId.is_in(keys.iter().copied()))
            .group_by(reaction::Column::PostId)
            .group_by(reaction::Column::Kind)
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut out: HashMap<Uuid, Vec<ReactionSummary>> = HashMap::new();
        for (post_id, kind, count, mine) in rows {
            out.entry(post_id).or_default().push(ReactionSummary {
                kind,
                count,
                viewer_has_reacted: mine > 0,
            });
        }
        for list in out.values_mut() {
            list.sort_by_key(|r| r.kind);
        }
        Ok(out)
    }
}

/// Per-viewer loaders: nothing for a request with no viewer.
macro_rules! viewer_loader {
    ($name:ident) => {
        pub struct $name {
            db: DatabaseConnection,
            viewer_id: Option<Uuid>,
        }
    };
}

viewer_loader!(UnreadLoader);
viewer_loader!(UnreadThreadsLoader);
viewer_loader!(ThreadStateLoader);

impl Loader<Uuid> for UnreadLoader {
    type Value = crate::store::reads::Unread;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let Some(viewer) = self.viewer_id else {
            return Ok(HashMap::new());
        };
        Ok(crate::store::reads::unread_in_threads(&self.db, viewer, keys).await?)
    }
}

impl Loader<Uuid> for UnreadThreadsLoader {
    type Value = i64;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let Some(viewer) = self.viewer_id else {
            return Ok(HashMap::new());
        };
        Ok(crate::store::reads::unread_threads_in_groups(&self.db, viewer, keys).await?)
    }
}

/// The viewer's state in a thread: their row, if any, and whether they
/// have written in it.
#[derive(Debug, Clone, Default)]
pub struct ThreadState {
    pub row: Option<entity::thread_read::Model>,
    pub posted: bool,
}

impl Loader<Uuid> for ThreadStateLoader {
    type Value = ThreadState;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let Some(viewer) = self.viewer_id else {
            return Ok(HashMap::new());
        };
        let (mut rows, posted) = crate::store::reads::states(&self.db, viewer, keys).await?;
        Ok(keys
            .iter()
            .map(|k| {
                (
                    *k,
                    ThreadState {
                        row: rows.remove(k),
                        posted: posted.contains(k),
                    },
                )
            })
            .collect())
    }
}

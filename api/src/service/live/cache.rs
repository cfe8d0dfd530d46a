//! What an instance's subscribers share, so that fan-out costs per event,
//! not per subscriber.
use crate::error::AppResult;
use entity::{
    enums::{EventKind, GroupRole},
    event, membership, post, thread,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use std::{collections::HashMap, sync::Arc, time::Duration};
use uuid::Uuid;

/// How old a group's member list may be when an event is checked against
/// it. Leaving or removal ends a stream at once through its MEMBER_LEFT
/// event; the re-check covers a MEMBER_LEFT this instance never heard.
const ACCESS_RECHECK: Duration = Duration::from_secs(1);

use crate::ttl_cache::TtlCache;

/// What an instance's subscribers share: an event's post and thread, loaded
/// once per event rather than once per subscriber, and each group's members,
/// loaded at most once a second for the access re-checks. Permissions are
/// still applied per subscriber when fields are resolved.
pub struct LiveCache {
    objects: TtlCache<i64, Arc<Objects>>,
    members: TtlCache<Uuid, Arc<Members>>,
}

impl Default for LiveCache {
    fn default() -> Self {
        LiveCache {
            objects: TtlCache::new(Duration::from_secs(1)),
            members: TtlCache::new(ACCESS_RECHECK),
        }
    }
}

/// A group's members: role, and when they (last) joined.
pub type Members = HashMap<Uuid, (GroupRole, chrono::DateTime<chrono::Utc>)>;

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

    pub(crate) async fn members(
        &self,
        db: &DatabaseConnection,
        group_id: Uuid,
    ) -> AppResult<Arc<Members>> {
        self.members
            .get(group_id, || async {
                let rows = membership::Entity::find()
                    .filter(membership::Column::GroupId.eq(group_id))
                    .all(db)
                    .await?;
                Ok(Arc::new(
                    rows.into_iter()
                        .map(|m| (m.user_id, (m.role, m.joined_at)))
                        .collect(),
                ))
            })
            .await
    }
}

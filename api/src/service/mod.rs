//! Use cases. Each one: authenticate, load, ask `domain::policy`, then read
//! or write through `store`. Resolvers call these and nothing below them.
pub mod accounts;
pub mod audit;
pub mod closures;
pub mod context;
pub mod data_jobs;
pub mod delivery;
pub mod exports;
pub mod forum;
pub mod group_data;
pub mod groups;
pub mod live;
pub mod loaders;
pub mod moderation;
pub mod notifications;
pub mod push;
pub mod reading;
pub mod safety;
pub mod search;
pub mod session_jobs;
pub mod sessions;
pub mod webhooks;

use crate::{
    auth::{Auth, Viewer},
    domain::policy::{self, Standing},
    error::{AppError, AppResult},
    service::loaders::Loaders,
};
pub use context::Services;
use entity::{group, membership, post, thread, user};
use std::sync::Arc;
use uuid::Uuid;

/// Everything a request's resolvers share: who is asking and its loaders.
pub struct RequestCtx {
    pub state: Arc<Services>,
    pub auth: Auth,
    pub request_id: String,
    /// Built on first use: an idle WebSocket connection, and many
    /// requests, never need them. Boxed: a connection's context is kept
    /// for its life, and should not carry thirteen loaders inline.
    loaders: std::sync::OnceLock<Box<Loaders>>,
    /// Where the request came from (see `http::client_addr`), for limits.
    pub client: Option<std::net::IpAddr>,
    /// login, register and refreshSession calls in this request (or on
    /// this WebSocket connection): at most one.
    auth_ops: std::sync::atomic::AtomicU32,
    /// Whether loaders keep results for the request (not on a WebSocket).
    cached: bool,
    /// Audited accesses, written before the response leaves.
    pub audit: Arc<audit::AuditBuffer>,
}

impl RequestCtx {
    pub fn new(state: Arc<Services>, auth: Auth, request_id: String) -> Self {
        Self::build(state, auth, request_id, true)
    }

    /// For a WebSocket connection: nothing is cached between events.
    pub fn for_connection(state: Arc<Services>, auth: Auth, request_id: String) -> Self {
        Self::build(state, auth, request_id, false)
    }

    fn build(state: Arc<Services>, auth: Auth, request_id: String, cache: bool) -> Self {
        RequestCtx {
            state,
            auth,
            request_id,
            loaders: std::sync::OnceLock::new(),
            client: None,
            auth_ops: Default::default(),
            cached: cache,
            audit: Default::default(),
        }
    }

    /// The request's loaders.
    pub fn loaders(&self) -> &Loaders {
        self.loaders.get_or_init(|| {
            Box::new(Loaders::new(
                &self.state.db.conn,
                self.auth.viewer().map(|v| v.id),
                self.cached,
            ))
        })
    }

    pub fn with_client(mut self, client: Option<std::net::IpAddr>) -> Self {
        self.client = client;
        self
    }

    /// Counts an authentication call; aliases cannot multiply them.
    pub fn auth_op(&self) -> AppResult<()> {
        let before = self
            .auth_ops
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if before > 0 {
            return Err(AppError::bad_input(
                "one of login, register and refreshSession per request",
            ));
        }
        Ok(())
    }

    /// Forgets what this request's loaders have cached. Each mutation starts
    /// with it: mutations run one after another in a request, and each must
    /// see what the previous one wrote.
    pub fn forget_cached(&self) {
        let Some(l) = self.loaders.get() else {
            return;
        };
        l.clear();
    }

    /// Hands the viewer's memberships, just read, to the loader, so that
    /// the request's field checks need not read them again. Only where the
    /// loader caches: a connection re-reads them for every event.
    pub async fn prime_memberships(&self, memberships: &[membership::Model]) {
        if self.cached {
            self.loaders()
                .memberships()
                .feed_many(memberships.iter().map(|m| (m.group_id, m.clone())))
                .await;
        }
    }

    pub fn viewer(&self) -> AppResult<&Viewer> {
        policy::require_viewer(&self.auth)
    }

    /// The viewer's standing in a group (membership loaded once per request).
    pub async fn standing(&self, group_id: Uuid) -> AppResult<Standing> {
        let viewer = self.viewer()?.clone();
        let membership = self
            .loaders()
            .memberships()
            .load_one(group_id)
            .await
            .map_err(AppError::from)?;
        let standing = Standing::new(viewer, membership);
        self.note_group_read(&standing, group_id);
        Ok(standing)
    }

    /// A group the viewer may read, with their standing in it.
    pub async fn readable_group(&self, group_id: Uuid) -> AppResult<(group::Model, Standing)> {
        let standing = self.standing(group_id).await?;
        policy::read_group(&standing)?;
        let group = self
            .group_by_id(group_id)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok((group, standing))
    }

    /// A thread the viewer may read. One statement brings the thread, the
    /// viewer's membership, its author and its group, whether or not the
    /// thread exists; what it found is handed to the loaders for the rest
    /// of the request.
    pub async fn readable_thread(&self, id: Uuid) -> AppResult<(thread::Model, Standing)> {
        let viewer = self.viewer()?.clone();
        let head = crate::store::pages::thread_head(&self.state.db.conn, id, viewer.id).await?;
        let Some(head) = head else {
            return Err(AppError::NotFound);
        };
        let standing = Standing::new(viewer, head.membership.clone());
        policy::read_group(&standing)?;
        self.note_group_read(&standing, head.thread.group_id);
        if self.cached {
            let l = &self.loaders();
            l.threads().feed_one(id, head.thread.clone()).await;
            if let Some(m) = head.membership {
                l.memberships().feed_one(m.group_id, m).await;
            }
            if let Some(u) = head.author {
                l.users().feed_one(u.id, u).await;
            }
            if let Some(g) = head.group {
                l.groups().feed_one(g.id, g).await;
            }
        }
        Ok((head.thread, standing))
    }

    /// Whether the loaders keep what they are given (not on a WebSocket).
    pub fn caches(&self) -> bool {
        self.cached
    }

    /// The viewer's standing read again inside a write transaction, after
    /// the group's write lock: a removal, mute or role change that committed
    /// meanwhile counts. Permission checks repeat against it.
    pub async fn standing_in(
        &self,
        w: &crate::store::WriteTxn,
        group_id: Uuid,
    ) -> AppResult<Standing> {
        Ok(self.standing_and_thread_in(w, group_id, None).await?.0)
    }

    /// `standing_in`, with one of the group's threads read again in the
    /// same statement (None when it is gone or in another group).
    pub async fn standing_and_thread_in(
        &self,
        w: &crate::store::WriteTxn,
        group_id: Uuid,
        thread_id: Option<Uuid>,
    ) -> AppResult<(Standing, Option<thread::Model>)> {
        let viewer = self.viewer()?.clone();
        let found =
            crate::store::pages::write_standing(&w.txn, group_id, viewer.id, thread_id).await?;
        let (membership, archived, thread) = match found {
            Some(f) => (f.membership, f.archived, f.thread),
            None => (None, false, None),
        };
        let mut standing = Standing::new(viewer, membership);
        standing.archived = archived;
        self.note_group_read(&standing, group_id);
        Ok((standing, thread))
    }

    pub async fn readable_post(&self, id: Uuid) -> AppResult<(post::Model, Standing)> {
        self.viewer()?;
        let post = self.load_post(id).await?;
        let standing = self
            .standing(post.as_ref().map_or(Uuid::nil(), |p| p.group_id))
            .await?;
        let post = post.ok_or(AppError::NotFound)?;
        policy::read_group(&standing)?;
        Ok((post, standing))
    }

    pub async fn group_by_id(&self, id: Uuid) -> AppResult<Option<group::Model>> {
        self.loaders()
            .groups()
            .load_one(id)
            .await
            .map_err(AppError::from)
    }

    pub async fn load_thread(&self, id: Uuid) -> AppResult<Option<thread::Model>> {
        self.loaders()
            .threads()
            .load_one(id)
            .await
            .map_err(AppError::from)
    }

    pub async fn load_post(&self, id: Uuid) -> AppResult<Option<post::Model>> {
        self.loaders()
            .posts()
            .load_one(id)
            .await
            .map_err(AppError::from)
    }

    /// An account as pages show it: `password_hash` may be missing (a
    /// page's authors are read without it), so never check a password
    /// against what this returns.
    pub async fn load_user(&self, id: Uuid) -> AppResult<Option<user::Model>> {
        self.loaders()
            .users()
            .load_one(id)
            .await
            .map_err(AppError::from)
    }

    /// A post's reaction counts by kind, with whether the viewer is among
    /// them, batched across the request's posts. The caller has already
    /// been allowed to read the post.
    pub async fn reactions_on(&self, post_id: Uuid) -> AppResult<Vec<loaders::ReactionSummary>> {
        Ok(self
            .loaders()
            .reactions()
            .load_one(post_id)
            .await
            .map_err(AppError::from)?
            .unwrap_or_default())
    }

    pub async fn viewer_membership(&self, group_id: Uuid) -> AppResult<Option<membership::Model>> {
        if self.auth.viewer().is_none() {
            return Ok(None);
        }
        self.loaders()
            .memberships()
            .load_one(group_id)
            .await
            .map_err(AppError::from)
    }
}

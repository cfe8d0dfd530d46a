//! What every use case may reach. The HTTP layer (`startup::AppState`)
//! wraps it with what only HTTP needs: the schema, the WebSocket table,
//! metrics and the indexer handle.
use crate::{
    auth::{jwt::JwtKeys, session_cache::SessionCache},
    config::Config,
    domain::crisis::{Detector, SupportResource},
    search::SharedIndex,
    service::{
        live::{relay::Relay, LiveCache},
        safety::DraftLimiter,
    },
    store::{limits::Limits, Db},
};
use std::sync::Arc;

pub struct Services {
    pub config: Arc<Config>,
    pub db: Db,
    pub jwt: JwtKeys,
    /// Sessions checked within the last second.
    pub sessions: SessionCache,
    pub detector: Arc<Detector>,
    pub draft_limiter: DraftLimiter,
    pub limits: Limits,
    pub support_resources: Vec<SupportResource>,
    pub live_cache: Arc<LiveCache>,
    pub relay: Relay,
    pub search: SharedIndex,
    /// The VAPID key pair pushes are signed with.
    pub vapid: Arc<crate::service::push::Vapid>,
    /// Writes the access audit, many requests' rows at a time.
    pub audit: crate::service::audit::AuditWriter,
    /// Wakes this instance's data-rights worker (exports, closures).
    pub data_rights_wake: Arc<tokio::sync::Notify>,
    /// Wakes this instance's sessions worker (a series was scheduled).
    pub sessions_wake: Arc<tokio::sync::Notify>,
    /// Wakes this instance's webhook sender (a ping or redelivery).
    pub webhooks_wake: Arc<tokio::sync::Notify>,
    /// Automatic persisted queries, shared through Redis when it is set.
    pub persisted: crate::store::persisted::PersistedQueries,
}

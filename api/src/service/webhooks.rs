//! Webhooks: endpoints admins register, the worker that turns events into
//! deliveries, and the sender that signs and sends them with retries.
//!
//! Two steps, both durable. The `webhooks` outbox consumer reads each event
//! (written in the transaction of the change) and writes one delivery row
//! per endpoint that wants it. The sender sends due deliveries under its own
//! lease, one instance at a time; an attempt's outcome is written when it
//! ends, so a crash mid-attempt leaves the delivery due and it is sent
//! again with the same `webhook-id` (receivers deduplicate by it).
//! Payloads carry ids and kinds only, never members' words, and are signed
//! as the Standard Webhooks specification says (`standardwebhooks`).
use super::RequestCtx;
use crate::{
    config::WebhookConfig,
    domain::webhooks::{self as rules, WebhookKind},
    error::{AppError, AppResult},
    ids::{self, Kind},
    store::{lease::Lease, now, outbox::Job, Db, Page},
    worker::Handler,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use chrono::{DateTime, Utc};
use entity::{
    enums::EventKind, event, flag, moderation_action, webhook_delivery, webhook_endpoint,
};
use futures_util::StreamExt;
use prometheus::{IntCounterVec, Opts, Registry};
use rand::RngCore;
use sea_orm::{
    sea_query::Expr, ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::{sync::Arc, time::Duration};
use tokio::sync::Notify;
use uuid::Uuid;

pub const WORKER: &str = crate::store::outbox::WEBHOOKS;
pub const SENDER: &str = "webhook-sender";
/// Endpoints a deployment may have.
pub const MAX_ENDPOINTS: u64 = 100;
const PENDING: &str = "pending";
const SUCCEEDED: &str = "succeeded";
const FAILED: &str = "failed";

fn require_admin(ctx: &RequestCtx) -> AppResult<()> {
    if ctx.viewer()?.is_admin() {
        Ok(())
    } else {
        Err(AppError::forbidden("only admins manage webhooks"))
    }
}

fn new_secret() -> String {
    let mut key = [0u8; 24];
    rand::rng().fill_bytes(&mut key);
    format!("whsec_{}", STANDARD.encode(key))
}

pub struct NewEndpoint<'a> {
    pub url: &'a str,
    pub events: Vec<WebhookKind>,
    pub group_ids: Option<Vec<Uuid>>,
}

/// Registers an endpoint; the secret is returned this once.
pub async fn create(
    ctx: &RequestCtx,
    input: NewEndpoint<'_>,
) -> AppResult<(webhook_endpoint::Model, String)> {
    require_admin(ctx)?;
    let allow_private = ctx.state.config.push.outbound_allow_private;
    let url = crate::outbound::check_url(input.url.trim(), allow_private)
        .map_err(|e| AppError::bad_input(format!("url {e}")))?;
    if url.as_str().len() > 2048 {
        return Err(AppError::bad_input("url is too long"));
    }
    crate::outbound::check_resolves(&url, allow_private)
        .await
        .map_err(|e| AppError::bad_input(format!("url {e}")))?;
    let mut events = input.events;
    events.sort_by_key(|k| k.as_str());
    events.dedup();
    if events.is_empty() {
        return Err(AppError::bad_input("events must name at least one kind"));
    }
    // Deliveries tell a third party what happens in the groups covered: an
    // admin covers a group they are not in (or every group) only by
    // breaking glass, with a reason, and it is recorded in the audit.
    let viewer = ctx.viewer()?.clone();
    let covered_outside: Vec<Option<Uuid>> = match &input.group_ids {
        None => vec![None],
        Some(ids) => {
            let mine: Vec<Uuid> = entity::membership::Entity::find()
                .select_only()
                .column(entity::membership::Column::GroupId)
                .filter(entity::membership::Column::UserId.eq(viewer.id))
                .filter(entity::membership::Column::GroupId.is_in(ids.iter().copied()))
                .into_tuple()
                .all(&ctx.state.db.conn)
                .await?;
            ids.iter()
                .filter(|g| !mine.contains(g))
                .map(|g| Some(*g))
                .collect()
        }
    };
    if !covered_outside.is_empty() && viewer.access_reason.is_none() {
        return Err(AppError::forbidden(
            "an endpoint for every group, or for groups you are not in, needs a stated reason (X-Hearth-Access-Reason): it is recorded in the access audit",
        ));
    }
    let group_ids = match input.group_ids {
        None => None,
        Some(ids) if ids.is_empty() || ids.len() > 100 => {
            return Err(AppError::bad_input("groupIds must hold 1 to 100 groups"))
        }
        Some(ids) => {
            let found = entity::group::Entity::find()
                .filter(entity::group::Column::Id.is_in(ids.iter().copied()))
                .count(&ctx.state.db.conn)
                .await?;
            let mut unique = ids.clone();
            unique.sort();
            unique.dedup();
            if found != unique.len() as u64 {
                return Err(AppError::bad_input(
                    "groupIds names a group that does not exist",
                ));
            }
            Some(serde_json::to_string(&unique).map_err(AppError::internal)?)
        }
    };
    let db = &ctx.state.db;
    let w = db.write().await?;
    let existing = webhook_endpoint::Entity::find().count(&w.txn).await?;
    if existing >= MAX_ENDPOINTS {
        return Err(AppError::bad_input(format!(
            "a deployment has at most {MAX_ENDPOINTS} webhook endpoints"
        )));
    }
    let secret = new_secret();
    let e = webhook_endpoint::ActiveModel {
        id: Set(Uuid::now_v7()),
        url: Set(url.to_string()),
        secret: Set(secret.clone()),
        events: Set(events
            .iter()
            .map(|k| k.as_str())
            .collect::<Vec<_>>()
            .join(",")),
        group_ids: Set(group_ids),
        created_by: Set(Some(ctx.viewer()?.id)),
        created_at: Set(now()),
        disabled_at: Set(None),
        disabled_reason: Set(None),
        failing_since: Set(None),
    }
    .insert(&w.txn)
    .await?;
    db.commit(w).await?;
    for group_id in covered_outside {
        ctx.audit.record(crate::domain::audit::Access {
            kind: crate::domain::audit::AccessKind::BreakGlass,
            actor_id: Some(viewer.id),
            subject_id: None,
            group_id,
            post_id: None,
            flag_id: None,
            reason: viewer
                .access_reason
                .as_ref()
                .map(|r| format!("webhook endpoint {}: {r}", e.url)),
        });
    }
    Ok((e, secret))
}

async fn endpoint(ctx: &RequestCtx, id: Uuid) -> AppResult<webhook_endpoint::Model> {
    require_admin(ctx)?;
    webhook_endpoint::Entity::find_by_id(id)
        .one(&ctx.state.db.conn)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn list(ctx: &RequestCtx) -> AppResult<Vec<webhook_endpoint::Model>> {
    require_admin(ctx)?;
    Ok(webhook_endpoint::Entity::find()
        .order_by_asc(webhook_endpoint::Column::CreatedAt)
        .limit(MAX_ENDPOINTS)
        .all(&ctx.state.db.conn)
        .await?)
}

/// A new secret; deliveries are signed with it from now on.
pub async fn rotate_secret(
    ctx: &RequestCtx,
    id: Uuid,
) -> AppResult<(webhook_endpoint::Model, String)> {
    let e = endpoint(ctx, id).await?;
    let secret = new_secret();
    let mut a: webhook_endpoint::ActiveModel = e.into();
    a.secret = Set(secret.clone());
    let db = &ctx.state.db;
    let w = db.write().await?;
    let e = a.update(&w.txn).await?;
    db.commit(w).await?;
    Ok((e, secret))
}

/// Turns a disabled endpoint on again.
pub async fn enable(ctx: &RequestCtx, id: Uuid) -> AppResult<webhook_endpoint::Model> {
    let e = endpoint(ctx, id).await?;
    let mut a: webhook_endpoint::ActiveModel = e.into();
    a.disabled_at = Set(None);
    a.disabled_reason = Set(None);
    a.failing_since = Set(None);
    let db = &ctx.state.db;
    let w = db.write().await?;
    let e = a.update(&w.txn).await?;
    db.commit(w).await?;
    Ok(e)
}

pub async fn delete(ctx: &RequestCtx, id: Uuid) -> AppResult<bool> {
    endpoint(ctx, id).await?;
    let db = &ctx.state.db;
    let w = db.write().await?;
    webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::EndpointId.eq(id))
        .exec(&w.txn)
        .await?;
    webhook_endpoint::Entity::delete_by_id(id)
        .exec(&w.txn)
        .await?;
    db.commit(w).await?;
    Ok(true)
}

/// A PING delivery to the endpoint, sent at once.
pub async fn ping(ctx: &RequestCtx, id: Uuid) -> AppResult<webhook_delivery::Model> {
    let e = endpoint(ctx, id).await?;
    let delivery_id = Uuid::now_v7();
    let t = now();
    let payload = serde_json::json!({
        "type": rules::PING,
        "timestamp": t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "data": { "endpointId": ids::encode(Kind::WebhookEndpoint, e.id).0 },
    });
    let d = new_delivery(delivery_id, e.id, rules::PING, payload.to_string(), t);
    let db = &ctx.state.db;
    let w = db.write().await?;
    let d = d.insert(&w.txn).await?;
    db.commit(w).await?;
    ctx.state.webhooks_wake.notify_one();
    Ok(d)
}

fn new_delivery(
    id: Uuid,
    endpoint_id: Uuid,
    kind: &str,
    payload: String,
    t: DateTime<Utc>,
) -> webhook_delivery::ActiveModel {
    webhook_delivery::ActiveModel {
        id: Set(id),
        endpoint_id: Set(endpoint_id),
        kind: Set(kind.to_owned()),
        payload: Set(payload),
        status: Set(PENDING.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(Some(t)),
        last_attempt_at: Set(None),
        response_code: Set(None),
        duration_ms: Set(None),
        last_error: Set(None),
        created_at: Set(t),
    }
}

/// An endpoint's deliveries, newest first.
pub async fn deliveries(
    ctx: &RequestCtx,
    endpoint_id: Uuid,
    limit: u64,
    after: Option<(DateTime<Utc>, Uuid)>,
) -> AppResult<Page<webhook_delivery::Model>> {
    require_admin(ctx)?;
    let mut q = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id));
    if let Some((at, id)) = after {
        q = q.filter(crate::store::keyset_after(
            webhook_delivery::Column::CreatedAt,
            webhook_delivery::Column::Id,
            at,
            id,
            true,
        ));
    }
    let rows = q
        .order_by_desc(webhook_delivery::Column::CreatedAt)
        .order_by_desc(webhook_delivery::Column::Id)
        .limit(limit + 1)
        .all(&ctx.state.db.conn)
        .await?;
    Ok(Page::from_overfetch(rows, limit, after.is_some()))
}

/// Sends a delivery again, under the same `webhook-id`, with a fresh
/// round of attempts. The endpoint must be enabled.
pub async fn redeliver(ctx: &RequestCtx, id: Uuid) -> AppResult<webhook_delivery::Model> {
    require_admin(ctx)?;
    let d = webhook_delivery::Entity::find_by_id(id)
        .one(&ctx.state.db.conn)
        .await?
        .ok_or(AppError::NotFound)?;
    let e = endpoint(ctx, d.endpoint_id).await?;
    if e.disabled_at.is_some() {
        return Err(AppError::bad_input(
            "this endpoint is disabled: enable it first (enableWebhookEndpoint)",
        ));
    }
    let mut a: webhook_delivery::ActiveModel = d.into();
    a.status = Set(PENDING.to_owned());
    a.attempts = Set(0);
    a.next_attempt_at = Set(Some(now()));
    let db = &ctx.state.db;
    let w = db.write().await?;
    let d = a.update(&w.txn).await?;
    db.commit(w).await?;
    ctx.state.webhooks_wake.notify_one();
    Ok(d)
}

/// Turns events into deliveries: the `webhooks` outbox consumer.
pub struct Fanout {
    db: Db,
    wake: Arc<Notify>,
}

pub type WebhookWorker = crate::worker::Worker<Fanout>;

impl Fanout {
    pub fn new(db: Db, wake: Arc<Notify>) -> Self {
        Fanout { db, wake }
    }

    async fn fan_out(&self, e: &event::Model) -> AppResult<usize> {
        let conn = &self.db.conn;
        let urgent = match (e.kind, e.flag_id) {
            (EventKind::FlagRaised, Some(f)) => flag::Entity::find_by_id(f)
                .one(conn)
                .await?
                .is_some_and(|f| f.urgent),
            _ => false,
        };
        let action = match (e.kind, e.action_id) {
            (EventKind::ActionTaken, Some(a)) => moderation_action::Entity::find_by_id(a)
                .one(conn)
                .await?
                .map(|a| a.action),
            _ => None,
        };
        let Some(kind) = rules::kind_of(e.kind, urgent, action) else {
            return Ok(0);
        };
        let endpoints: Vec<webhook_endpoint::Model> = webhook_endpoint::Entity::find()
            .filter(webhook_endpoint::Column::DisabledAt.is_null())
            .limit(MAX_ENDPOINTS)
            .all(conn)
            .await?
            .into_iter()
            .filter(|ep| wants(ep, kind, e.group_id))
            .collect();
        if endpoints.is_empty() {
            return Ok(0);
        }
        let payload = payload(kind, e).to_string();
        let t = now();
        // One id per endpoint and event, derived from both, so a retried
        // batch writes the same rows rather than new ones.
        let rows = endpoints.iter().map(|ep| {
            let id = Uuid::new_v5(&ep.id, &e.id.to_be_bytes());
            new_delivery(id, ep.id, kind.as_str(), payload.clone(), t)
        });
        let w = self.db.write().await?;
        webhook_delivery::Entity::insert_many(rows)
            .on_conflict(
                sea_orm::sea_query::OnConflict::column(webhook_delivery::Column::Id)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&w.txn)
            .await?;
        self.db.commit(w).await?;
        self.wake.notify_one();
        Ok(endpoints.len())
    }
}

fn wants(ep: &webhook_endpoint::Model, kind: WebhookKind, group: Uuid) -> bool {
    let kind_ok = ep.events.split(',').any(|k| k == kind.as_str());
    let group_ok = match &ep.group_ids {
        None => true,
        Some(json) => serde_json::from_str::<Vec<Uuid>>(json).is_ok_and(|g| g.contains(&group)),
    };
    kind_ok && group_ok
}

/// A thin payload: the kind, when, and the ids of what it is about (as
/// the API's global IDs). Never members' words or names.
fn payload(kind: WebhookKind, e: &event::Model) -> serde_json::Value {
    let mut data = serde_json::Map::new();
    let mut put = |k: &str, kind: Kind, id: Option<Uuid>| {
        if let Some(id) = id {
            data.insert(k.to_owned(), ids::encode(kind, id).0.into());
        }
    };
    put("groupId", Kind::Group, Some(e.group_id));
    put("flagId", Kind::Flag, e.flag_id);
    put("postId", Kind::Post, e.post_id);
    put("threadId", Kind::Thread, e.thread_id);
    put("memberId", Kind::User, e.member_id);
    put("sessionId", Kind::GroupSession, e.session_id);
    if kind == WebhookKind::FlagResolved {
        let outcome = if e.kind == EventKind::FlagDismissed {
            "DISMISSED"
        } else {
            "RESOLVED"
        };
        data.insert("outcome".into(), outcome.into());
    }
    serde_json::json!({
        "type": kind.as_str(),
        "timestamp": e.created_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "data": data,
    })
}

impl Handler for Fanout {
    async fn handle(&self, jobs: &[Job]) -> anyhow::Result<Vec<(i64, String)>> {
        let mut failed = Vec::new();
        for job in jobs {
            if let Err(e) = self.fan_out(&job.event).await {
                failed.push((job.id, e.to_string()));
            }
        }
        Ok(failed)
    }
}

/// `hearth_webhook_deliveries_total{outcome}`: each attempt's outcome.
#[derive(Clone)]
pub struct WebhookMetrics {
    attempts: IntCounterVec,
    /// Endpoints that receive nothing until an admin enables them again:
    /// for an alert, since a pager behind one hears nothing.
    disabled: prometheus::IntGauge,
}

impl WebhookMetrics {
    pub fn register(registry: &Registry) -> anyhow::Result<Self> {
        let attempts = IntCounterVec::new(
            Opts::new(
                "hearth_webhook_deliveries_total",
                "Webhook delivery attempts, by outcome (succeeded, retry, failed, gone)",
            ),
            &["outcome"],
        )?;
        registry.register(Box::new(attempts.clone()))?;
        let disabled = prometheus::IntGauge::new(
            "hearth_webhook_endpoints_disabled",
            "Webhook endpoints disabled (410 Gone, or failing too long) and receiving nothing",
        )?;
        registry.register(Box::new(disabled.clone()))?;
        Ok(WebhookMetrics { attempts, disabled })
    }
}

/// Sends due deliveries, a few at a time, under the `webhook-sender` lease.
pub struct Sender {
    db: Db,
    lease: Lease,
    wake: Arc<Notify>,
    http: reqwest::Client,
    cfg: WebhookConfig,
    allow_private: bool,
    metrics: WebhookMetrics,
    last_prune: std::sync::Mutex<Option<std::time::Instant>>,
}

/// Deliveries in flight at once: one pass sends one wave, so that a pass
/// (at most one timeout long) ends well within the lease, which is renewed
/// between passes.
const IN_FLIGHT: u64 = 8;
/// Finished deliveries are kept this long for inspection and redelivery.
const KEEP_DAYS: i64 = 30;

enum Outcome {
    Sent(u16),
    Gone(u16),
    Failed(Option<u16>, String),
}

impl Sender {
    pub fn new(
        db: Db,
        wake: Arc<Notify>,
        cfg: WebhookConfig,
        allow_private: bool,
        metrics: WebhookMetrics,
    ) -> anyhow::Result<Self> {
        Ok(Sender {
            lease: Lease::new(
                db.clone(),
                SENDER,
                Duration::from_secs(cfg.webhook_lease_seconds),
            ),
            db,
            wake,
            http: crate::outbound::client(allow_private)?,
            cfg,
            allow_private,
            metrics,
            last_prune: Default::default(),
        })
    }

    /// Reads how many endpoints are disabled, for `/metrics`.
    pub async fn refresh_metrics(&self) -> AppResult<()> {
        let n = webhook_endpoint::Entity::find()
            .filter(webhook_endpoint::Column::DisabledAt.is_not_null())
            .count(&self.db.conn)
            .await?;
        self.metrics
            .disabled
            .set(i64::try_from(n).unwrap_or(i64::MAX));
        Ok(())
    }

    pub async fn run(self: Arc<Self>, stop: crate::tasks::CancellationToken) {
        crate::worker::run_due(
            SENDER,
            &*self,
            &self.lease,
            &self.wake,
            Duration::from_secs(1),
            stop,
        )
        .await
    }

    async fn due(&self) -> AppResult<()> {
        self.prune().await?;
        // Urgent flags and escalations first: a pager waits for nobody.
        let due = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::Status.eq(PENDING))
            .filter(webhook_delivery::Column::NextAttemptAt.lte(now()))
            .order_by_desc(Expr::cust(
                "kind IN ('URGENT_FLAG_RAISED', 'FLAG_ESCALATED')",
            ))
            .order_by_asc(webhook_delivery::Column::NextAttemptAt)
            .limit(IN_FLIGHT)
            .all(&self.db.conn)
            .await?;
        futures_util::stream::iter(due)
            .for_each_concurrent(IN_FLIGHT as usize, |d| async move {
                if let Err(e) = self.attempt(&d).await {
                    tracing::warn!(delivery = %d.id, error = %e, "a webhook attempt failed to record");
                }
            })
            .await;
        Ok(())
    }

    /// Deletes finished deliveries past their keeping, at most hourly.
    async fn prune(&self) -> AppResult<()> {
        {
            let mut last = self.last_prune.lock().unwrap_or_else(|p| p.into_inner());
            if last.is_some_and(|t| t.elapsed() < Duration::from_secs(3600)) {
                return Ok(());
            }
            *last = Some(std::time::Instant::now());
        }
        let w = self.db.write().await?;
        webhook_delivery::Entity::delete_many()
            .filter(webhook_delivery::Column::Status.ne(PENDING))
            .filter(
                webhook_delivery::Column::CreatedAt.lt(now() - chrono::Duration::days(KEEP_DAYS)),
            )
            .exec(&w.txn)
            .await?;
        self.db.commit(w).await
    }

    async fn attempt(&self, d: &webhook_delivery::Model) -> AppResult<()> {
        let Some(ep) = webhook_endpoint::Entity::find_by_id(d.endpoint_id)
            .one(&self.db.conn)
            .await?
        else {
            return self
                .finish(d, FAILED, None, None, Some("the endpoint was deleted"))
                .await;
        };
        if ep.disabled_at.is_some() {
            return self
                .finish(d, FAILED, None, None, Some("the endpoint is disabled"))
                .await;
        }
        let started = std::time::Instant::now();
        let outcome = self.send(&ep, d).await;
        let ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
        let t = now();
        let attempts = d.attempts + 1;
        let w = self.db.write().await?;
        // Still ours to record: not redelivered or finished meanwhile.
        let current = webhook_delivery::Entity::find_by_id(d.id)
            .one(&w.txn)
            .await?;
        if current.is_none_or(|c| c.status != PENDING || c.attempts != d.attempts) {
            return Ok(());
        }
        let mut a = webhook_delivery::ActiveModel {
            id: Set(d.id),
            attempts: Set(attempts),
            last_attempt_at: Set(Some(t)),
            duration_ms: Set(Some(ms)),
            ..Default::default()
        };
        let mut endpoint = webhook_endpoint::ActiveModel {
            id: Set(ep.id),
            ..Default::default()
        };
        let outcome_label = match &outcome {
            Outcome::Sent(code) => {
                a.status = Set(SUCCEEDED.to_owned());
                a.next_attempt_at = Set(None);
                a.response_code = Set(Some(i32::from(*code)));
                a.last_error = Set(None);
                endpoint.failing_since = Set(None);
                "succeeded"
            }
            Outcome::Gone(code) => {
                a.status = Set(FAILED.to_owned());
                a.next_attempt_at = Set(None);
                a.response_code = Set(Some(i32::from(*code)));
                a.last_error = Set(Some("the receiver answered 410 Gone".into()));
                endpoint.disabled_at = Set(Some(t));
                endpoint.disabled_reason = Set(Some("the receiver answered 410 Gone".into()));
                "gone"
            }
            Outcome::Failed(code, error) => {
                a.response_code = Set(code.map(i32::from));
                a.last_error = Set(Some(error.clone()));
                let since = ep.failing_since.unwrap_or(t);
                endpoint.failing_since = Set(Some(since));
                let too_long = rules::failing_too_long(Some(since), self.cfg.disable_after(), t);
                if too_long {
                    endpoint.disabled_at = Set(Some(t));
                    endpoint.disabled_reason = Set(Some(format!(
                        "every attempt failed for {} hours",
                        self.cfg.disable_after().num_hours()
                    )));
                }
                match rules::next_attempt(attempts, &self.cfg.webhook_retry_seconds, t) {
                    Some(next) if !too_long => {
                        a.next_attempt_at = Set(Some(next));
                        "retry"
                    }
                    _ => {
                        a.status = Set(FAILED.to_owned());
                        a.next_attempt_at = Set(None);
                        "failed"
                    }
                }
            }
        };
        a.update(&w.txn).await?;
        let disabling = endpoint.disabled_at.is_set();
        if endpoint.is_changed() {
            endpoint.update(&w.txn).await?;
        }
        self.db.commit(w).await?;
        if disabling {
            // Nothing reaches this endpoint from now on: say so loudly.
            tracing::error!(endpoint = %ep.id, url = %ep.url, "a webhook endpoint was disabled and receives nothing until an admin enables it");
        }
        self.metrics
            .attempts
            .with_label_values(&[outcome_label])
            .inc();
        Ok(())
    }

    async fn finish(
        &self,
        d: &webhook_delivery::Model,
        status: &str,
        code: Option<i32>,
        ms: Option<i32>,
        error: Option<&str>,
    ) -> AppResult<()> {
        let w = self.db.write().await?;
        webhook_delivery::Entity::update_many()
            .col_expr(webhook_delivery::Column::Status, Expr::value(status))
            .col_expr(
                webhook_delivery::Column::NextAttemptAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(webhook_delivery::Column::ResponseCode, Expr::value(code))
            .col_expr(webhook_delivery::Column::DurationMs, Expr::value(ms))
            .col_expr(
                webhook_delivery::Column::LastError,
                Expr::value(error.map(str::to_owned)),
            )
            .filter(webhook_delivery::Column::Id.eq(d.id))
            .exec(&w.txn)
            .await?;
        self.db.commit(w).await
    }

    #[tracing::instrument(
        name = "webhook delivery",
        skip_all,
        fields(webhook.kind = %d.kind, webhook.attempt = d.attempts + 1)
    )]
    async fn send(&self, ep: &webhook_endpoint::Model, d: &webhook_delivery::Model) -> Outcome {
        let url = match crate::outbound::check_url(&ep.url, self.allow_private) {
            Ok(u) => u,
            Err(e) => return Outcome::Failed(None, format!("url {e}")),
        };
        let signer = match standardwebhooks::Webhook::new(&ep.secret) {
            Ok(s) => s,
            Err(e) => return Outcome::Failed(None, format!("the secret is unusable: {e}")),
        };
        let ts = now().timestamp();
        let msg_id = format!("msg_{}", d.id.simple());
        let signature = match signer.sign(&msg_id, ts, d.payload.as_bytes()) {
            Ok(s) => s,
            Err(e) => return Outcome::Failed(None, format!("signing: {e}")),
        };
        let sent = self
            .http
            .post(url)
            .timeout(Duration::from_secs(self.cfg.webhook_timeout_seconds))
            .header("content-type", "application/json")
            .header(standardwebhooks::HEADER_WEBHOOK_ID, &msg_id)
            .header(standardwebhooks::HEADER_WEBHOOK_TIMESTAMP, ts.to_string())
            .header(standardwebhooks::HEADER_WEBHOOK_SIGNATURE, signature)
            .body(d.payload.clone())
            .send()
            .await;
        match sent {
            Err(e) => Outcome::Failed(None, e.to_string()),
            Ok(r) => match r.status().as_u16() {
                code @ 200..=299 => Outcome::Sent(code),
                code @ 410 => Outcome::Gone(code),
                code => Outcome::Failed(Some(code), format!("the receiver answered {code}")),
            },
        }
    }
}

impl crate::worker::DueWork for Sender {
    async fn pass(&self) {
        if let Err(e) = self.due().await {
            tracing::warn!(worker = SENDER, error = %e, "sending webhooks failed; retrying");
        }
    }
}

//! Web Push (RFC 8030) with encrypted payloads (RFC 8291) and VAPID
//! (RFC 8292), through `web-push-native`: members' subscriptions, quiet
//! hours, and the worker that pushes their notifications.
//!
//! A push carries only `{"type": "notification", "id", "unread"}`: never
//! post text, group or author names, since phones show pushes on lock
//! screens. The app fetches the notification itself.
use super::RequestCtx;
use crate::{
    domain::notifications::{self as rules, QuietHours},
    error::{AppError, AppResult},
    ids::{self, Kind},
    outbound,
    store::{
        notifications as inbox, now,
        outbox::{self, Job},
        Db,
    },
    worker::Handler,
};
use base64::{
    engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD},
    Engine,
};
use entity::{
    enums::{NotificationKind, PlatformRole},
    event, notification, notification_setting, push_delivery, push_subscription, user,
};
use futures_util::StreamExt;
use prometheus::{IntCounterVec, Opts, Registry};
use sea_orm::{
    sea_query::OnConflict, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::{
    collections::{HashMap, HashSet},
    path::Path,
    sync::Arc,
    time::Duration,
};
use uuid::Uuid;
use web_push_native::{
    jwt_simple::algorithms::{ECDSAP256PublicKeyLike, ES256KeyPair},
    p256::PublicKey,
    Auth, WebPushBuilder,
};

pub const WORKER: &str = outbox::PUSH;
pub const URGENT_WORKER: &str = outbox::PUSH_URGENT;
pub type PushWorker = crate::worker::Worker<Pusher>;

/// Subscriptions kept per member; registering another drops the oldest.
pub const MAX_SUBSCRIPTIONS: u64 = 20;
/// How long a push service keeps a push for an offline device.
const PUSH_TTL: Duration = Duration::from_secs(48 * 3600);
/// A VAPID token's life (RFC 8292 allows at most 24 h).
const VAPID_VALID: Duration = Duration::from_secs(12 * 3600);

/// The application server's VAPID key pair.
pub struct Vapid {
    key: ES256KeyPair,
    /// Uncompressed P-256 point, base64url: `pushConfig.vapidPublicKey`,
    /// the browser's `applicationServerKey`.
    pub public_key: String,
    subject: String,
}

impl Vapid {
    /// Reads the key from `file`, or from `<data dir>/vapid_private_key`,
    /// generating that one on first start. A configured file must exist.
    pub fn load(file: Option<&Path>, data_dir: &Path, subject: &str) -> anyhow::Result<Self> {
        use anyhow::Context;
        let key = match file {
            Some(f) => read_key(f)?,
            None => {
                let path = data_dir.join("vapid_private_key");
                if path.exists() {
                    read_key(&path)?
                } else {
                    std::fs::create_dir_all(data_dir)
                        .with_context(|| format!("creating {}", data_dir.display()))?;
                    let key = ES256KeyPair::generate();
                    write_secret(&path, &URL_SAFE_NO_PAD.encode(key.to_bytes()))?;
                    tracing::info!(path = %path.display(), "generated the VAPID key pair");
                    key
                }
            }
        };
        let public_key =
            URL_SAFE_NO_PAD.encode(key.public_key().public_key().to_bytes_uncompressed());
        Ok(Vapid {
            key,
            public_key,
            subject: subject.to_owned(),
        })
    }
}

fn read_key(path: &Path) -> anyhow::Result<ES256KeyPair> {
    use anyhow::Context;
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the VAPID key {}", path.display()))?;
    let raw = decode_b64(text.trim()).context("the VAPID key is not base64url")?;
    ES256KeyPair::from_bytes(&raw).map_err(|e| {
        anyhow::anyhow!(
            "the VAPID key in {} is not a P-256 key: {e}",
            path.display()
        )
    })
}

/// Writes a new secret file readable by its owner only.
fn write_secret(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path)?;
    f.write_all(text.as_bytes())?;
    Ok(())
}

/// Base64url as browsers give it, padded or not.
fn decode_b64(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD
        .decode(s)
        .or_else(|_| URL_SAFE.decode(s))
        .ok()
}

/// What a browser's `PushSubscription.toJSON()` gives.
pub struct NewSubscription<'a> {
    pub endpoint: &'a str,
    pub p256dh: &'a str,
    pub auth: &'a str,
}

/// Registers (or takes over) a push subscription for the viewer.
pub async fn register(
    ctx: &RequestCtx,
    s: NewSubscription<'_>,
) -> AppResult<push_subscription::Model> {
    let viewer = ctx.viewer()?.id;
    let allow_private = ctx.state.config.push.outbound_allow_private;
    if s.endpoint.len() > 1024 {
        return Err(AppError::bad_input("endpoint is longer than 1024 bytes"));
    }
    let url = outbound::check_url(s.endpoint, allow_private)
        .map_err(|e| AppError::bad_input(format!("endpoint {e}")))?;
    let key = decode_b64(s.p256dh)
        .filter(|k| PublicKey::from_sec1_bytes(k).is_ok())
        .ok_or_else(|| AppError::bad_input("p256dh is not a base64url P-256 public key"))?;
    let auth = decode_b64(s.auth)
        .filter(|a| a.len() == 16)
        .ok_or_else(|| AppError::bad_input("auth is not a base64url 16-byte secret"))?;
    outbound::check_resolves(&url, allow_private)
        .await
        .map_err(|e| AppError::bad_input(format!("endpoint {e}")))?;
    let db = &ctx.state.db;
    let w = db.write().await?;
    let row = push_subscription::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(viewer),
        endpoint: Set(s.endpoint.to_owned()),
        p256dh: Set(URL_SAFE_NO_PAD.encode(key)),
        auth: Set(URL_SAFE_NO_PAD.encode(auth)),
        created_at: Set(now()),
    };
    // The same endpoint again (new keys, or another account on the same
    // browser): the latest registration owns it.
    push_subscription::Entity::insert(row)
        .on_conflict(
            OnConflict::column(push_subscription::Column::Endpoint)
                .update_columns([
                    push_subscription::Column::UserId,
                    push_subscription::Column::P256dh,
                    push_subscription::Column::Auth,
                    push_subscription::Column::CreatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&w.txn)
        .await?;
    // At most one over the limit (this one), so the list is short.
    let mine: Vec<Uuid> = push_subscription::Entity::find()
        .select_only()
        .column(push_subscription::Column::Id)
        .filter(push_subscription::Column::UserId.eq(viewer))
        .order_by_desc(push_subscription::Column::CreatedAt)
        .into_tuple()
        .all(&w.txn)
        .await?;
    let stale: Vec<Uuid> = mine.into_iter().skip(MAX_SUBSCRIPTIONS as usize).collect();
    if !stale.is_empty() {
        push_subscription::Entity::delete_many()
            .filter(push_subscription::Column::Id.is_in(stale))
            .exec(&w.txn)
            .await?;
    }
    let saved = push_subscription::Entity::find()
        .filter(push_subscription::Column::Endpoint.eq(s.endpoint))
        .one(&w.txn)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("subscription not saved")))?;
    db.commit(w).await?;
    Ok(saved)
}

/// Removes one of the viewer's subscriptions; NOT_FOUND for anyone else's.
pub async fn unregister(ctx: &RequestCtx, id: Uuid) -> AppResult<()> {
    let viewer = ctx.viewer()?.id;
    let db = &ctx.state.db;
    let w = db.write().await?;
    let gone = push_subscription::Entity::delete_many()
        .filter(push_subscription::Column::Id.eq(id))
        .filter(push_subscription::Column::UserId.eq(viewer))
        .exec(&w.txn)
        .await?;
    db.commit(w).await?;
    if gone.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// The viewer's subscriptions, newest first (at most `MAX_SUBSCRIPTIONS`).
pub async fn subscriptions(ctx: &RequestCtx) -> AppResult<Vec<push_subscription::Model>> {
    let viewer = ctx.viewer()?.id;
    Ok(push_subscription::Entity::find()
        .filter(push_subscription::Column::UserId.eq(viewer))
        .order_by_desc(push_subscription::Column::CreatedAt)
        .limit(MAX_SUBSCRIPTIONS)
        .all(&ctx.state.db.conn)
        .await?)
}

/// The viewer's quiet hours, if set.
pub async fn quiet_hours(ctx: &RequestCtx) -> AppResult<Option<notification_setting::Model>> {
    let viewer = ctx.viewer()?.id;
    Ok(notification_setting::Entity::find_by_id(viewer)
        .one(&ctx.state.db.conn)
        .await?
        .filter(|s| s.quiet_start.is_some()))
}

/// Sets the viewer's quiet hours ("22:00" to "07:00" in an IANA zone,
/// UTC by default), or clears them when `start` and `end` are both null.
pub async fn set_quiet_hours(
    ctx: &RequestCtx,
    start: Option<&str>,
    end: Option<&str>,
    zone: Option<&str>,
) -> AppResult<()> {
    let viewer = ctx.viewer()?.id;
    let (start, end, zone) = match (start, end) {
        (None, None) => (None, None, None),
        (Some(s), Some(e)) => {
            let zone = zone.unwrap_or("UTC");
            QuietHours::parse(s, e, zone).map_err(AppError::bad_input)?;
            (
                Some(s.to_owned()),
                Some(e.to_owned()),
                Some(zone.to_owned()),
            )
        }
        _ => return Err(AppError::bad_input("give both start and end, or neither")),
    };
    let db = &ctx.state.db;
    let w = db.write().await?;
    notification_setting::Entity::insert(notification_setting::ActiveModel {
        user_id: Set(viewer),
        quiet_start: Set(start),
        quiet_end: Set(end),
        time_zone: Set(zone),
        updated_at: Set(now()),
    })
    .on_conflict(
        OnConflict::column(notification_setting::Column::UserId)
            .update_columns([
                notification_setting::Column::QuietStart,
                notification_setting::Column::QuietEnd,
                notification_setting::Column::TimeZone,
                notification_setting::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&w.txn)
    .await?;
    db.commit(w).await
}

fn quiet_of(s: &notification_setting::Model) -> Option<QuietHours> {
    QuietHours::parse(
        s.quiet_start.as_deref()?,
        s.quiet_end.as_deref()?,
        s.time_zone.as_deref().unwrap_or("UTC"),
    )
    .ok()
}

/// `hearth_push_total{result="sent|failed|deleted"}`.
#[derive(Clone)]
pub struct PushMetrics(IntCounterVec);

impl PushMetrics {
    pub fn register(registry: &Registry) -> anyhow::Result<Self> {
        let c = IntCounterVec::new(
            Opts::new(
                "hearth_push_total",
                "Web Pushes: sent, failed (retried or given up) and subscriptions deleted (404 or 410)",
            ),
            &["result"],
        )?;
        registry.register(Box::new(c.clone()))?;
        Ok(PushMetrics(c))
    }
}

/// What one push came to.
enum Outcome {
    Sent(u16),
    /// 404 or 410: the subscription is gone.
    Gone,
    /// Refused for good (a 4xx other than 404, 408, 410 and 429, or an
    /// endpoint no longer allowed): recorded, not retried.
    Refused(u16),
    /// Worth trying again later.
    Retry(String),
}

/// Pushes each event's notifications to their members' subscriptions.
/// Rows come from the notifications worker, in the transaction that wrote
/// the notifications; one is scheduled again at the end of a member's
/// quiet hours for what they held back.
pub struct Pusher {
    /// The queue this pusher serves (`PUSH` or `PUSH_URGENT`): pushes held
    /// for quiet hours go back on it.
    queue: &'static str,
    db: Db,
    vapid: Arc<Vapid>,
    http: reqwest::Client,
    allow_private: bool,
    concurrency: usize,
    metrics: PushMetrics,
}

impl Pusher {
    pub fn new(
        queue: &'static str,
        db: Db,
        vapid: Arc<Vapid>,
        config: &crate::config::PushConfig,
        metrics: PushMetrics,
    ) -> anyhow::Result<Self> {
        Ok(Pusher {
            queue,
            db,
            vapid,
            http: outbound::client(config.outbound_allow_private)?,
            allow_private: config.outbound_allow_private,
            concurrency: config.push_concurrency.max(1),
            metrics,
        })
    }

    async fn push_event(&self, e: &event::Model) -> anyhow::Result<()> {
        let conn = &self.db.conn;
        // Only members with a device: most have none, and an event for
        // none of them costs this one read.
        let notes = notification::Entity::find()
            .filter(notification::Column::EventId.eq(e.id))
            .filter(
                notification::Column::UserId.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(push_subscription::Column::UserId)
                        .from(push_subscription::Entity)
                        .to_owned(),
                ),
            )
            .all(conn)
            .await?;
        if notes.is_empty() {
            return Ok(());
        }
        let users: Vec<Uuid> = notes.iter().map(|n| n.user_id).collect();
        let subs = push_subscription::Entity::find()
            .filter(push_subscription::Column::UserId.is_in(users.iter().copied()))
            .all(conn)
            .await?;
        if subs.is_empty() {
            return Ok(());
        }
        let with_devices: HashSet<Uuid> = subs.iter().map(|s| s.user_id).collect();
        let notes: Vec<_> = notes
            .into_iter()
            .filter(|n| with_devices.contains(&n.user_id))
            .collect();
        let users: Vec<Uuid> = with_devices.into_iter().collect();
        let admins: HashSet<Uuid> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(user::Column::Id.is_in(users.iter().copied()))
            .filter(user::Column::Role.eq(PlatformRole::Admin))
            .into_tuple()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        // As of sending (this may be the end of quiet hours): nothing
        // already read, nothing the member may no longer see.
        let mut current = Vec::with_capacity(notes.len());
        for n in notes {
            if n.read_at.is_none()
                && inbox::one(conn, n.user_id, admins.contains(&n.user_id), n.id)
                    .await?
                    .is_some()
            {
                current.push(n);
            }
        }
        let notes = current;
        let done: HashSet<(Uuid, Uuid)> = push_delivery::Entity::find()
            .filter(push_delivery::Column::NotificationId.is_in(notes.iter().map(|n| n.id)))
            .all(conn)
            .await?
            .into_iter()
            .map(|d| (d.notification_id, d.subscription_id))
            .collect();
        let quiet: HashMap<Uuid, QuietHours> = notification_setting::Entity::find()
            .filter(notification_setting::Column::UserId.is_in(users.iter().copied()))
            .all(conn)
            .await?
            .iter()
            .filter_map(|s| quiet_of(s).map(|q| (s.user_id, q)))
            .collect();
        let t = now();
        let mut later: Option<chrono::DateTime<chrono::Utc>> = None;
        let mut due = Vec::new();
        for n in &notes {
            let held = rules::held_in_quiet_hours(n.kind)
                .then(|| quiet.get(&n.user_id).and_then(|q| q.until(t)))
                .flatten();
            for s in subs.iter().filter(|s| s.user_id == n.user_id) {
                if done.contains(&(n.id, s.id)) {
                    continue;
                }
                match held {
                    Some(until) => later = Some(later.map_or(until, |l| l.min(until))),
                    None => due.push((n.clone(), s.clone())),
                }
            }
        }
        let mut unread = HashMap::new();
        for (n, _) in &due {
            if let std::collections::hash_map::Entry::Vacant(v) = unread.entry(n.user_id) {
                let admin = admins.contains(&n.user_id);
                v.insert(inbox::unread_count(conn, n.user_id, admin).await?);
            }
        }
        if let Some(at) = later {
            let w = self.db.write().await?;
            outbox::schedule(&w.txn, self.queue, e.id, at).await?;
            self.db.commit(w).await?;
        }
        // Outcomes are recorded as they come, those ready together in one
        // write: a crash repeats at most the pushes in flight and the ones
        // being recorded, not the whole batch.
        let unread = &unread;
        let mut outcomes = futures_util::stream::iter(due)
            .map(
                |(n, s): (notification::Model, push_subscription::Model)| async move {
                    let count = unread.get(&n.user_id).copied().unwrap_or(0);
                    let outcome = self.send(&n, &s, count).await;
                    (n.id, s.id, outcome)
                },
            )
            .buffer_unordered(self.concurrency)
            .ready_chunks(self.concurrency);
        let mut retry = None;
        while let Some(chunk) = outcomes.next().await {
            let mut records = Vec::new();
            let mut gone = Vec::new();
            for (note, sub, outcome) in chunk {
                let (label, status) = match outcome {
                    Outcome::Sent(code) => ("sent", Some(code)),
                    Outcome::Refused(code) => ("failed", Some(code)),
                    Outcome::Gone => {
                        gone.push(sub);
                        ("deleted", None)
                    }
                    Outcome::Retry(err) => {
                        retry = Some(err);
                        ("failed", None)
                    }
                };
                self.metrics.0.with_label_values(&[label]).inc();
                if let Some(code) = status {
                    records.push(push_delivery::ActiveModel {
                        notification_id: Set(note),
                        subscription_id: Set(sub),
                        status: Set(i32::from(code)),
                        sent_at: Set(now()),
                    });
                }
            }
            self.record(records, gone).await?;
        }
        match retry {
            Some(err) => anyhow::bail!("a push failed and will be retried: {err}"),
            None => Ok(()),
        }
    }

    /// Records pushes sent or given up on, and removes gone subscriptions.
    async fn record(
        &self,
        records: Vec<push_delivery::ActiveModel>,
        gone: Vec<Uuid>,
    ) -> anyhow::Result<()> {
        if records.is_empty() && gone.is_empty() {
            return Ok(());
        }
        let w = self.db.write().await?;
        if !records.is_empty() {
            push_delivery::Entity::insert_many(records)
                .on_conflict(
                    OnConflict::columns([
                        push_delivery::Column::NotificationId,
                        push_delivery::Column::SubscriptionId,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(&w.txn)
                .await?;
        }
        if !gone.is_empty() {
            push_subscription::Entity::delete_many()
                .filter(push_subscription::Column::Id.is_in(gone))
                .exec(&w.txn)
                .await?;
        }
        self.db.commit(w).await?;
        Ok(())
    }

    #[tracing::instrument(name = "push delivery", skip_all, fields(push.kind = ?n.kind))]
    async fn send(
        &self,
        n: &notification::Model,
        s: &push_subscription::Model,
        unread: u64,
    ) -> Outcome {
        // The endpoint was checked when registered; the rules may have
        // tightened since.
        if outbound::check_url(&s.endpoint, self.allow_private).is_err() {
            return Outcome::Gone;
        }
        let keys = decode_b64(&s.p256dh)
            .and_then(|k| PublicKey::from_sec1_bytes(&k).ok())
            .zip(decode_b64(&s.auth).filter(|a| a.len() == 16));
        let (Some((key, auth)), Ok(uri)) = (keys, s.endpoint.parse::<http::Uri>()) else {
            return Outcome::Gone;
        };
        let Ok(auth) = <[u8; 16]>::try_from(auth.as_slice()) else {
            return Outcome::Gone;
        };
        let payload = serde_json::json!({
            "type": "notification",
            "id": ids::encode(Kind::Notification, n.id).0,
            "unread": unread,
        });
        let built = WebPushBuilder::new(uri, key, Auth::from(auth))
            .with_valid_duration(VAPID_VALID)
            .with_vapid(&self.vapid.key, &self.vapid.subject)
            .build(payload.to_string());
        let request = match built {
            Ok(r) => r,
            Err(e) => return Outcome::Retry(format!("building the push: {e}")),
        };
        let urgent = matches!(
            n.kind,
            NotificationKind::UrgentFlag | NotificationKind::FlagEscalated
        );
        let mut out = self.http.post(s.endpoint.as_str());
        for (name, value) in request.headers() {
            if name.as_str() != "ttl" {
                out = out.header(name.as_str(), value.as_bytes());
            }
        }
        let sent = out
            .header("TTL", PUSH_TTL.as_secs().to_string())
            .header("Urgency", if urgent { "high" } else { "normal" })
            .body(request.into_body())
            .send()
            .await;
        match sent {
            Err(e) => Outcome::Retry(e.to_string()),
            Ok(r) => match r.status().as_u16() {
                code @ 200..=299 => Outcome::Sent(code),
                404 | 410 => Outcome::Gone,
                code @ (408 | 429 | 500..=599) => {
                    Outcome::Retry(format!("push service answered {code}"))
                }
                code => Outcome::Refused(code),
            },
        }
    }
}

impl Handler for Pusher {
    async fn handle(&self, jobs: &[Job]) -> anyhow::Result<Vec<(i64, String)>> {
        let mut failed = Vec::new();
        for job in jobs {
            if let Err(e) = self.push_event(&job.event).await {
                failed.push((job.id, format!("{e:#}")));
            }
        }
        Ok(failed)
    }
}

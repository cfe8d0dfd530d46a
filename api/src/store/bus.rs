//! The event bus. Committed events are delivered to this instance's
//! subscribers at once, through a tokio broadcast channel. With Redis
//! configured they are also published to one Redis channel, and one
//! subscriber connection per process feeds other instances' events into the
//! same local channel. Redis is never on a request's path: publishing goes
//! through a bounded queue to a background task, and while Redis is away
//! writes go on. The bus is fast, not complete: `connected` says whether
//! this instance hears the others, and the live relay
//! (`service::live::relay`) reads the event log, which is complete, to fill
//! whatever the bus dropped.
use entity::event;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch};
use uuid::Uuid;

const CHANNEL: &str = "hearth:events";
/// Events waiting to be published; beyond this they are dropped (and
/// recoverable from the log).
const PUBLISH_QUEUE: usize = 10_000;

#[derive(Clone)]
pub struct Bus {
    local: broadcast::Sender<event::Model>,
    /// Users whose sessions or role changed: their connections re-check.
    users: broadcast::Sender<Uuid>,
    /// Users with new notifications: their `notificationEvents` read them.
    notified: broadcast::Sender<Uuid>,
    remote: Option<mpsc::Sender<Message>>,
    /// Whether this instance hears the other instances' events: always for
    /// the in-process bus; with Redis, while the subscription is up.
    connected: watch::Receiver<bool>,
}

/// What travels between instances.
enum Message {
    Event(event::Model),
    UserChanged(Uuid),
    Notified(Uuid),
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    origin: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event: Option<event::Model>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    user_changed: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    notified: Option<Uuid>,
}

/// Control messages are few; a connection that falls this far behind
/// re-checks anyway.
const USERS_CAPACITY: usize = 1024;

impl Bus {
    /// In-process only.
    pub fn local(capacity: usize) -> Self {
        let (local, _) = broadcast::channel(capacity);
        let (users, _) = broadcast::channel(USERS_CAPACITY);
        let (notified, _) = broadcast::channel(capacity);
        let (_, connected) = watch::channel(true);
        Bus {
            local,
            users,
            notified,
            remote: None,
            connected,
        }
    }

    /// Shared through Redis with every instance on the same Redis.
    pub fn redis(
        capacity: usize,
        url: &str,
        tasks: &crate::tasks::Supervisor,
    ) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        let (local, _) = broadcast::channel(capacity);
        let (users, _) = broadcast::channel(USERS_CAPACITY);
        let (notified, _) = broadcast::channel(capacity);
        let (tx, rx) = mpsc::channel(PUBLISH_QUEUE);
        let origin = Uuid::new_v4();
        let (up, connected) = watch::channel(false);
        tasks.spawn("bus publisher", publisher(client.clone(), origin, rx));
        tasks.spawn(
            "bus subscriber",
            subscriber(
                client,
                origin,
                Local {
                    events: local.clone(),
                    users: users.clone(),
                    notified: notified.clone(),
                },
                up,
            ),
        );
        Ok(Bus {
            local,
            users,
            notified,
            remote: Some(tx),
            connected,
        })
    }

    pub fn publish(&self, e: event::Model) {
        if let Some(remote) = &self.remote {
            if remote.try_send(Message::Event(e.clone())).is_err() {
                tracing::warn!(
                    event = e.id,
                    "event bus queue full: event not sent to other instances"
                );
            }
        }
        // No receiver is not an error: nobody is listening.
        let _ = self.local.send(e);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<event::Model> {
        self.local.subscribe()
    }

    /// Tells every instance that `user`'s sessions or role changed, so
    /// that their WebSocket connections re-check at once.
    pub fn user_changed(&self, user: Uuid) {
        if let Some(remote) = &self.remote {
            if remote.try_send(Message::UserChanged(user)).is_err() {
                tracing::warn!(%user, "event bus queue full: user change not sent to other instances");
            }
        }
        let _ = self.users.send(user);
    }

    pub fn subscribe_users(&self) -> broadcast::Receiver<Uuid> {
        self.users.subscribe()
    }

    /// Tells every instance that `user` has new notifications. A hint, not
    /// the record: their streams read the table, and poll besides.
    pub fn notified(&self, user: Uuid) {
        if let Some(remote) = &self.remote {
            let _ = remote.try_send(Message::Notified(user));
        }
        let _ = self.notified.send(user);
    }

    pub fn subscribe_notified(&self) -> broadcast::Receiver<Uuid> {
        self.notified.subscribe()
    }

    /// Changes whenever this instance starts or stops hearing the others.
    pub fn connected(&self) -> watch::Receiver<bool> {
        self.connected.clone()
    }
}

/// Capped at a second: while the bus is down, subscribers are served from
/// the log, and live delivery should return as soon as Redis does.
fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((50u64 << attempt.min(5)).min(1_000))
}

async fn publisher(client: redis::Client, origin: Uuid, mut rx: mpsc::Receiver<Message>) {
    let mut conn: Option<redis::aio::MultiplexedConnection> = None;
    let mut down_since: Option<std::time::Instant> = None;
    while let Some(msg) = rx.recv().await {
        let envelope = match msg {
            Message::Event(event) => Envelope {
                origin,
                event: Some(event),
                user_changed: None,
                notified: None,
            },
            Message::UserChanged(user) => Envelope {
                origin,
                event: None,
                user_changed: Some(user),
                notified: None,
            },
            Message::Notified(user) => Envelope {
                origin,
                event: None,
                user_changed: None,
                notified: Some(user),
            },
        };
        let payload = match serde_json::to_string(&envelope) {
            Ok(p) => p,
            Err(e) => {
                tracing::error!(error = %e, "serialising an event");
                continue;
            }
        };
        if conn.is_none() {
            // While Redis is away, try again at most every 500 ms rather
            // than once per event.
            if down_since.is_some_and(|t| t.elapsed() < Duration::from_millis(500)) {
                continue;
            }
            match tokio::time::timeout(
                Duration::from_secs(2),
                client.get_multiplexed_async_connection(),
            )
            .await
            {
                Ok(Ok(c)) => {
                    if down_since.take().is_some() {
                        tracing::info!("redis publisher reconnected");
                    }
                    conn = Some(c);
                }
                _ => {
                    if down_since.is_none() {
                        tracing::warn!(
                            "redis unreachable: events reach this instance only until it returns"
                        );
                    }
                    down_since = Some(std::time::Instant::now());
                    continue;
                }
            }
        }
        if let Some(c) = conn.as_mut() {
            let mut cmd = redis::cmd("PUBLISH");
            cmd.arg(CHANNEL).arg(&payload);
            let publish = cmd.query_async::<i64>(c);
            let sent = match tokio::time::timeout(Duration::from_secs(1), publish).await {
                Ok(r) => r.map(|_| ()).map_err(|e| e.to_string()),
                Err(_) => Err("timed out".to_owned()),
            };
            if let Err(e) = sent {
                tracing::warn!(error = %e, "redis publish failed");
                conn = None;
                down_since = Some(std::time::Instant::now());
            }
        }
    }
}

/// This instance's channels, fed with what other instances publish.
struct Local {
    events: broadcast::Sender<event::Model>,
    users: broadcast::Sender<Uuid>,
    notified: broadcast::Sender<Uuid>,
}

async fn subscriber(client: redis::Client, origin: Uuid, local: Local, up: watch::Sender<bool>) {
    let mut attempt = 0u32;
    loop {
        let connecting =
            tokio::time::timeout(Duration::from_secs(2), client.get_async_pubsub()).await;
        match connecting
            .map_err(|_| "timed out".to_owned())
            .and_then(|r| r.map_err(|e| e.to_string()))
        {
            Ok(mut pubsub) => match pubsub.subscribe(CHANNEL).await {
                Ok(()) => {
                    if attempt > 0 {
                        tracing::info!("redis subscriber reconnected");
                    }
                    attempt = 0;
                    // Subscribed: from here on every event reaches us, so
                    // the relay may read the log once more and go live.
                    up.send_replace(true);
                    let mut messages = pubsub.on_message();
                    while let Some(msg) = messages.next().await {
                        let Ok(payload) = msg.get_payload::<String>() else {
                            continue;
                        };
                        match serde_json::from_str::<Envelope>(&payload) {
                            Ok(env) if env.origin != origin => {
                                if let Some(e) = env.event {
                                    let _ = local.events.send(e);
                                }
                                if let Some(u) = env.user_changed {
                                    let _ = local.users.send(u);
                                }
                                if let Some(u) = env.notified {
                                    let _ = local.notified.send(u);
                                }
                            }
                            Ok(_) => {}
                            Err(e) => tracing::warn!(error = %e, "malformed event on the bus"),
                        }
                    }
                    up.send_replace(false);
                    tracing::warn!("redis subscription lost; reconnecting");
                }
                Err(e) => tracing::warn!(error = %e, "redis subscribe failed"),
            },
            Err(e) => {
                if attempt == 0 {
                    tracing::warn!(error = %e, "redis unreachable; retrying");
                }
            }
        }
        up.send_replace(false);
        tokio::time::sleep(backoff(attempt)).await;
        attempt = attempt.saturating_add(1);
    }
}

//! The event bus. Committed events are delivered to this instance's
//! subscribers at once, through a tokio broadcast channel. With Redis
//! configured they are also published to one Redis channel, and one
//! subscriber connection per process feeds other instances' events into the
//! same local channel. Redis is never on a request's path: publishing goes
//! through a bounded queue to a background task, and while Redis is away
//! writes go on, the loss is logged, and clients recover what they missed by
//! resuming from their last cursor (the event log is the source of truth).
use entity::event;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use uuid::Uuid;

const CHANNEL: &str = "hearth:events";
/// Events waiting to be published; beyond this they are dropped (and
/// recoverable from the log).
const PUBLISH_QUEUE: usize = 10_000;

#[derive(Clone)]
pub struct Bus {
    local: broadcast::Sender<event::Model>,
    remote: Option<mpsc::Sender<event::Model>>,
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    origin: Uuid,
    event: event::Model,
}

impl Bus {
    /// In-process only.
    pub fn local(capacity: usize) -> Self {
        let (local, _) = broadcast::channel(capacity);
        Bus {
            local,
            remote: None,
        }
    }

    /// Shared through Redis with every instance on the same Redis.
    pub fn redis(capacity: usize, url: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        let (local, _) = broadcast::channel(capacity);
        let (tx, rx) = mpsc::channel(PUBLISH_QUEUE);
        let origin = Uuid::new_v4();
        tokio::spawn(publisher(client.clone(), origin, rx));
        tokio::spawn(subscriber(client, origin, local.clone()));
        Ok(Bus {
            local,
            remote: Some(tx),
        })
    }

    pub fn publish(&self, e: event::Model) {
        if let Some(remote) = &self.remote {
            if remote.try_send(e.clone()).is_err() {
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
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((100u64 << attempt.min(6)).min(5_000))
}

async fn publisher(client: redis::Client, origin: Uuid, mut rx: mpsc::Receiver<event::Model>) {
    let mut conn: Option<redis::aio::MultiplexedConnection> = None;
    let mut down_since: Option<std::time::Instant> = None;
    while let Some(event) = rx.recv().await {
        let payload = match serde_json::to_string(&Envelope { origin, event }) {
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
            let sent: Result<i64, _> = redis::cmd("PUBLISH")
                .arg(CHANNEL)
                .arg(&payload)
                .query_async(c)
                .await;
            if let Err(e) = sent {
                tracing::warn!(error = %e, "redis publish failed");
                conn = None;
                down_since = Some(std::time::Instant::now());
            }
        }
    }
}

async fn subscriber(client: redis::Client, origin: Uuid, local: broadcast::Sender<event::Model>) {
    let mut attempt = 0u32;
    loop {
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.subscribe(CHANNEL).await {
                Ok(()) => {
                    if attempt > 0 {
                        tracing::info!("redis subscriber reconnected");
                    }
                    attempt = 0;
                    let mut messages = pubsub.on_message();
                    while let Some(msg) = messages.next().await {
                        let Ok(payload) = msg.get_payload::<String>() else {
                            continue;
                        };
                        match serde_json::from_str::<Envelope>(&payload) {
                            Ok(env) if env.origin != origin => {
                                let _ = local.send(env.event);
                            }
                            Ok(_) => {}
                            Err(e) => tracing::warn!(error = %e, "malformed event on the bus"),
                        }
                    }
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
        tokio::time::sleep(backoff(attempt)).await;
        attempt = attempt.saturating_add(1);
    }
}

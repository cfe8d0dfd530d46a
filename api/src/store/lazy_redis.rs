//! A Redis connection made on first use, for helpers that must never wait
//! on Redis (rate limits, persisted queries): after a failure it is left
//! alone for a while, and callers fall back to what they do without it.
use std::{
    sync::Mutex,
    time::{Duration, Instant},
};
use tokio::sync::OnceCell;

/// How long Redis is left alone after a failure.
const RETRY: Duration = Duration::from_secs(5);
/// The longest a caller waits for a connection.
pub const CONNECT: Duration = Duration::from_millis(300);

pub struct LazyRedis {
    client: redis::Client,
    conn: OnceCell<redis::aio::ConnectionManager>,
    down_until: Mutex<Option<Instant>>,
}

impl LazyRedis {
    pub fn open(url: &str) -> anyhow::Result<Self> {
        Ok(LazyRedis {
            client: redis::Client::open(url)?,
            conn: OnceCell::new(),
            down_until: Mutex::new(None),
        })
    }

    /// A connection, unless Redis failed lately or does not answer within
    /// [`CONNECT`]; the error says why.
    pub async fn conn(&self) -> Result<redis::aio::ConnectionManager, String> {
        let down = *self.down_until.lock().unwrap_or_else(|p| p.into_inner());
        if down.is_some_and(|t| Instant::now() < t) {
            return Err("recently unreachable".into());
        }
        let connect = tokio::time::timeout(
            CONNECT,
            self.conn
                .get_or_try_init(|| self.client.get_connection_manager()),
        )
        .await;
        match connect {
            Ok(Ok(c)) => Ok(c.clone()),
            failed => {
                self.failed();
                Err(match failed {
                    Ok(Err(e)) => e.to_string(),
                    _ => "connection timed out".into(),
                })
            }
        }
    }

    /// The connection if one was made, without trying to make one.
    pub fn existing(&self) -> Option<redis::aio::ConnectionManager> {
        self.conn.get().cloned()
    }

    /// Leaves Redis alone for a while.
    pub fn failed(&self) {
        *self.down_until.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now() + RETRY);
    }
}

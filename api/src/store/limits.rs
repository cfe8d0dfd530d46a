//! Sliding-window counters for abuse limits (failed logins, registrations).
//!
//! Each counter is a log of event times per key: an event is allowed while
//! fewer than `count` fall inside the last `window`. With Redis configured
//! the logs are sorted sets shared by every instance, updated by one Lua
//! script per call (atomic, timed by Redis's own clock); otherwise they
//! live in this process. Keys are namespaced by database, so instances of
//! one deployment share them and nothing else does.
use crate::error::{AppError, AppResult};
use std::{
    collections::{HashMap, VecDeque},
    fmt,
    str::FromStr,
    sync::Mutex,
    time::{Duration, Instant},
};
use tokio::sync::OnceCell;

/// `COUNT/WINDOW`, for example `10/15m` (units: s, m, h, d).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub count: u32,
    pub window: Duration,
}

impl FromStr for Limit {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || format!("`{s}` is not COUNT/WINDOW, for example 10/15m");
        let (count, window) = s.trim().split_once('/').ok_or_else(bad)?;
        let count: u32 = count.trim().parse().map_err(|_| bad())?;
        let window = window.trim();
        let split = window
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(window.len());
        let (n, unit) = window.split_at(split);
        let n: u64 = if n.is_empty() {
            1
        } else {
            n.parse().map_err(|_| bad())?
        };
        let secs = match unit {
            "s" | "" => n,
            "m" => n * 60,
            "h" => n * 3600,
            "d" => n * 86_400,
            _ => return Err(bad()),
        };
        if count == 0 || secs == 0 || secs > 30 * 86_400 {
            return Err(format!(
                "`{s}`: the count and the window must be positive, the window at most 30d"
            ));
        }
        Ok(Limit {
            count,
            window: Duration::from_secs(secs),
        })
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}s", self.count, self.window.as_secs())
    }
}

/// Keys tracked in process before old ones are swept.
const SWEEP_AT: usize = 50_000;

pub struct Limits {
    namespace: String,
    memory: Mutex<HashMap<String, VecDeque<Instant>>>,
    redis: Option<(redis::Client, OnceCell<redis::aio::ConnectionManager>)>,
}

/// Removes times older than the window, then, unless the limit is reached,
/// records now. Returns {1, 0} when allowed, {0, ms until a slot frees}.
const SCRIPT: &str = r"
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tonumber(oldest[2]) + window - now}
end
if ARGV[3] == '1' then
  redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
end
return {1, 0}
";

impl Limits {
    pub fn new(namespace: String, redis_url: Option<&str>) -> anyhow::Result<Self> {
        let redis = match redis_url {
            Some(url) => Some((redis::Client::open(url)?, OnceCell::new())),
            None => None,
        };
        Ok(Limits {
            namespace,
            memory: Mutex::new(HashMap::new()),
            redis,
        })
    }

    /// Refuses with RATE_LIMITED when `limit` is reached for `key`.
    pub async fn check(&self, key: &str, limit: Limit) -> AppResult<()> {
        self.run(key, limit, false).await
    }

    /// Records an event for `key`, refusing it when the limit is reached.
    pub async fn hit(&self, key: &str, limit: Limit) -> AppResult<()> {
        self.run(key, limit, true).await
    }

    /// Records an event whatever the count (a failure after a check).
    pub async fn record(&self, key: &str, limit: Limit) {
        let unlimited = Limit {
            count: u32::MAX,
            window: limit.window,
        };
        let _ = self.run(key, unlimited, true).await;
    }

    async fn run(&self, key: &str, limit: Limit, add: bool) -> AppResult<()> {
        let key = format!("hearth:limit:{}:{key}", self.namespace);
        if let Some((client, conn)) = &self.redis {
            match self.run_redis(client, conn, &key, limit, add).await {
                Ok(r) => return r,
                // Shared counting is unavailable: count here rather than
                // let authentication go unlimited or fail outright.
                Err(e) => {
                    tracing::warn!(error = %e, "rate limits: Redis unavailable, counting in process")
                }
            }
        }
        self.run_memory(key, limit, add)
    }

    async fn run_redis(
        &self,
        client: &redis::Client,
        conn: &OnceCell<redis::aio::ConnectionManager>,
        key: &str,
        limit: Limit,
        add: bool,
    ) -> redis::RedisResult<AppResult<()>> {
        let conn = conn
            .get_or_try_init(|| client.get_connection_manager())
            .await?;
        let mut conn = conn.clone();
        let (allowed, wait_ms): (i64, i64) = redis::Script::new(SCRIPT)
            .key(key)
            .arg(limit.window.as_millis() as u64)
            .arg(limit.count)
            .arg(if add { "1" } else { "0" })
            .arg(uuid::Uuid::new_v4().simple().to_string())
            .invoke_async(&mut conn)
            .await?;
        Ok(if allowed == 1 {
            Ok(())
        } else {
            Err(limited(Duration::from_millis(wait_ms.max(0) as u64)))
        })
    }

    fn run_memory(&self, key: String, limit: Limit, add: bool) -> AppResult<()> {
        let now = Instant::now();
        let mut logs = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        if logs.len() > SWEEP_AT {
            logs.retain(|_, log| {
                log.back()
                    .is_some_and(|t| now.duration_since(*t) < limit.window)
            });
        }
        let log = logs.entry(key).or_default();
        while log
            .front()
            .is_some_and(|t| now.duration_since(*t) >= limit.window)
        {
            log.pop_front();
        }
        if log.len() >= limit.count as usize {
            let oldest = log.front().copied().unwrap_or(now);
            return Err(limited(
                limit.window.saturating_sub(now.duration_since(oldest)),
            ));
        }
        if add {
            log.push_back(now);
        }
        Ok(())
    }
}

fn limited(wait: Duration) -> AppError {
    AppError::RateLimited {
        retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_count_and_window() {
        assert_eq!(
            "10/15m".parse::<Limit>(),
            Ok(Limit {
                count: 10,
                window: Duration::from_secs(900)
            })
        );
        assert_eq!(
            "5/1h".parse::<Limit>().map(|l| l.window.as_secs()),
            Ok(3600)
        );
        assert_eq!("3/30s".parse::<Limit>().map(|l| l.count), Ok(3));
        for bad in ["", "10", "0/1m", "10/0m", "x/1m", "10/1y", "10/60d"] {
            assert!(bad.parse::<Limit>().is_err(), "{bad}");
        }
    }

    #[tokio::test]
    async fn counts_in_a_sliding_window() {
        let l = Limits::new("t".into(), None).unwrap_or_else(|e| panic!("{e}"));
        let limit = Limit {
            count: 2,
            window: Duration::from_secs(60),
        };
        assert!(l.hit("k", limit).await.is_ok());
        assert!(l.hit("k", limit).await.is_ok());
        match l.hit("k", limit).await {
            Err(AppError::RateLimited { retry_after_secs }) => {
                assert!((1..=60).contains(&retry_after_secs))
            }
            other => panic!("{other:?}"),
        }
        assert!(l.hit("other", limit).await.is_ok());
    }
}

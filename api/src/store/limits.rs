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

/// Keys tracked in process; past this, expired logs are swept, and if that
/// is not enough the map starts over (limits weaken, memory stays bounded).
const MAX_KEYS: usize = 50_000;
/// Longest key kept as is; longer ones are hashed.
const MAX_KEY: usize = 128;

struct Log {
    window: Duration,
    /// Event times and their ids (for `release`), oldest first.
    times: VecDeque<(Instant, u64)>,
}

pub struct Limits {
    namespace: String,
    memory: Mutex<(HashMap<String, Log>, u64)>,
    /// After a failure Redis is not tried again for a while, so that
    /// authentication never waits on it.
    redis: Option<super::lazy_redis::LazyRedis>,
}

/// A counted event that can be taken back (a login that succeeded).
pub struct Reservation {
    key: String,
    id: String,
}

/// Removes times older than the window, then, unless the limit is reached,
/// records now under ARGV[3]. Returns {1, 0} when allowed, {0, ms until a
/// slot frees} when not.
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
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], window)
return {1, 0}
";

impl Limits {
    pub fn new(namespace: String, redis_url: Option<&str>) -> anyhow::Result<Self> {
        let redis = redis_url
            .map(super::lazy_redis::LazyRedis::open)
            .transpose()?;
        Ok(Limits {
            namespace,
            memory: Mutex::new((HashMap::new(), 0)),
            redis,
        })
    }

    /// Counts an event for `key`, refusing it when the limit is reached.
    pub async fn hit(&self, key: &str, limit: Limit) -> AppResult<()> {
        self.run(key, limit).await.map(|_| ())
    }

    /// Like `hit`, and the event can be taken back with `release`: check and
    /// count are one step, so concurrent attempts cannot all pass.
    pub async fn reserve(&self, key: &str, limit: Limit) -> AppResult<Reservation> {
        self.run(key, limit).await
    }

    /// Takes back a reserved event.
    pub async fn release(&self, r: Reservation) {
        if let Some(redis) = &self.redis {
            if let Some(mut conn) = redis.existing() {
                let removed: redis::RedisResult<i64> = redis::cmd("ZREM")
                    .arg(&r.key)
                    .arg(&r.id)
                    .query_async(&mut conn)
                    .await;
                if removed.is_ok_and(|n| n > 0) {
                    return;
                }
            }
        }
        let mut mem = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        if let (Some(log), Ok(id)) = (mem.0.get_mut(&r.key), r.id.parse::<u64>()) {
            log.times.retain(|(_, i)| *i != id);
        }
    }

    fn key(&self, key: &str) -> String {
        let key = if key.len() > MAX_KEY {
            use sha2::{Digest, Sha256};
            Sha256::digest(key.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        } else {
            key.to_owned()
        };
        format!("hearth:limit:{}:{key}", self.namespace)
    }

    async fn run(&self, key: &str, limit: Limit) -> AppResult<Reservation> {
        let key = self.key(key);
        if let Some(redis) = &self.redis {
            match self.run_redis(redis, &key, limit).await {
                Ok(r) => return r,
                // Shared counting is unavailable: count here rather than
                // let authentication go unlimited or fail outright.
                Err(e) => {
                    tracing::warn!(error = %e, "rate limits: Redis unavailable, counting in process")
                }
            }
        }
        self.run_memory(key, limit)
    }

    async fn run_redis(
        &self,
        redis: &super::lazy_redis::LazyRedis,
        key: &str,
        limit: Limit,
    ) -> Result<AppResult<Reservation>, String> {
        let mut conn = redis.conn().await?;
        let id = uuid::Uuid::new_v4().simple().to_string();
        let answer: redis::RedisResult<(i64, i64)> = redis::Script::new(SCRIPT)
            .key(key)
            .arg(limit.window.as_millis() as u64)
            .arg(limit.count)
            .arg(&id)
            .invoke_async(&mut conn)
            .await;
        let (allowed, wait_ms) = answer.map_err(|e| e.to_string())?;
        Ok(if allowed == 1 {
            Ok(Reservation {
                key: key.to_owned(),
                id,
            })
        } else {
            Err(limited(Duration::from_millis(wait_ms.max(0) as u64)))
        })
    }

    fn run_memory(&self, key: String, limit: Limit) -> AppResult<Reservation> {
        let now = Instant::now();
        let mut guard = self.memory.lock().unwrap_or_else(|p| p.into_inner());
        let (logs, next_id) = &mut *guard;
        let expire = |log: &mut Log| {
            while log
                .times
                .front()
                .is_some_and(|(t, _)| now.duration_since(*t) >= log.window)
            {
                log.times.pop_front();
            }
        };
        if let Some(log) = logs.get_mut(&key) {
            log.window = log.window.max(limit.window);
            expire(log);
            if log.times.len() >= limit.count as usize {
                let oldest = log.times.front().map_or(now, |(t, _)| *t);
                return Err(limited(
                    limit.window.saturating_sub(now.duration_since(oldest)),
                ));
            }
        }
        if logs.len() >= MAX_KEYS && !logs.contains_key(&key) {
            logs.retain(|_, log| {
                expire(log);
                !log.times.is_empty()
            });
            if logs.len() >= MAX_KEYS {
                tracing::warn!("rate limits: too many keys in process; starting over");
                logs.clear();
            }
        }
        *next_id += 1;
        let id = *next_id;
        logs.entry(key.clone())
            .or_insert_with(|| Log {
                window: limit.window,
                times: VecDeque::new(),
            })
            .times
            .push_back((now, id));
        Ok(Reservation {
            key,
            id: id.to_string(),
        })
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

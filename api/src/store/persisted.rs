//! Automatic persisted queries' store: a query's text by its SHA-256, in
//! process (an LRU) and, with Redis, shared by every instance, so a hash
//! registered on one instance is known on the others.
use super::lazy_redis::LazyRedis;
use lru::LruCache;
use std::{
    num::NonZeroUsize,
    sync::{Arc, Mutex},
    time::Duration,
};

/// Queries kept in process.
const LOCAL: usize = 2048;
/// How long Redis keeps a query unused.
const TTL_SECONDS: u64 = 7 * 86_400;
const REDIS_TIMEOUT: Duration = super::lazy_redis::CONNECT;

pub struct PersistedQueries {
    namespace: String,
    local: Mutex<LruCache<String, Arc<str>>>,
    redis: Option<LazyRedis>,
}

/// Whether `query` is the text `hash` names: checked on every read from
/// Redis too, so that a key written by anyone else is no query of ours.
fn matches(hash: &str, query: &str) -> bool {
    use sha2::{Digest, Sha256};
    let actual: String = Sha256::digest(query.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    actual == hash
}

impl PersistedQueries {
    fn key(&self, hash: &str) -> String {
        format!("hearth:apq:{}:{hash}", self.namespace)
    }

    pub fn new(namespace: String, redis_url: Option<&str>) -> anyhow::Result<Self> {
        Ok(PersistedQueries {
            namespace,
            local: Mutex::new(LruCache::new(
                NonZeroUsize::new(LOCAL).unwrap_or(NonZeroUsize::MIN),
            )),
            redis: redis_url.map(LazyRedis::open).transpose()?,
        })
    }

    pub async fn get(&self, hash: &str) -> Option<Arc<str>> {
        if let Some(q) = self.local.lock().ok()?.get(hash).cloned() {
            return Some(q);
        }
        let redis = self.redis.as_ref()?;
        let mut conn = redis.conn().await.ok()?;
        let found: Option<String> = tokio::time::timeout(
            REDIS_TIMEOUT,
            redis::cmd("GET")
                .arg(self.key(hash))
                .query_async::<Option<String>>(&mut conn),
        )
        .await
        .ok()
        .and_then(|r| r.map_err(|_| redis.failed()).ok())
        .flatten()
        .filter(|q| matches(hash, q));
        let q: Arc<str> = Arc::from(found?);
        if let Ok(mut local) = self.local.lock() {
            local.put(hash.to_owned(), q.clone());
        }
        Some(q)
    }

    pub async fn put(&self, hash: &str, query: &str) {
        if let Ok(mut local) = self.local.lock() {
            local.put(hash.to_owned(), Arc::from(query));
        }
        let Some(redis) = &self.redis else {
            return;
        };
        let Ok(mut conn) = redis.conn().await else {
            return;
        };
        let set: Result<redis::RedisResult<()>, _> = tokio::time::timeout(
            REDIS_TIMEOUT,
            redis::cmd("SET")
                .arg(self.key(hash))
                .arg(query)
                .arg("EX")
                .arg(TTL_SECONDS)
                .query_async(&mut conn),
        )
        .await;
        if !matches!(set, Ok(Ok(()))) {
            redis.failed();
        }
    }
}

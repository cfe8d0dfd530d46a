//! A small expiring map for values shared by many tasks at once.
use crate::error::{AppError, AppResult};
use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

/// A small map whose entries expire after a fixed time and are loaded once
/// however many tasks ask at the same moment.
pub struct TtlCache<K, V> {
    ttl: Duration,
    entries: std::sync::Mutex<HashMap<K, Arc<Slot<V>>>>,
}

/// When an entry was made, and its value once loaded.
type Slot<V> = (Instant, tokio::sync::OnceCell<V>);

impl<K: std::hash::Hash + Eq + Clone, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration) -> Self {
        TtlCache {
            ttl,
            entries: Default::default(),
        }
    }

    /// Drops the loaded entries whose value matches.
    pub fn forget(&self, stale: impl Fn(&V) -> bool) {
        if let Ok(mut map) = self.entries.lock() {
            map.retain(|_, slot| !slot.1.get().is_some_and(&stale));
        }
    }

    pub async fn get<F, Fut>(&self, key: K, load: F) -> AppResult<V>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = AppResult<V>>,
    {
        let cell = {
            let mut map = self
                .entries
                .lock()
                .map_err(|_| AppError::internal(anyhow::anyhow!("cache lock poisoned")))?;
            let now = Instant::now();
            let ttl = self.ttl;
            map.retain(|_, c| now.duration_since(c.0) < ttl);
            map.entry(key)
                .or_insert_with(|| Arc::new((now, tokio::sync::OnceCell::new())))
                .clone()
        };
        Ok(cell.1.get_or_try_init(load).await?.clone())
    }
}

//! Parsed queries, kept by their text. Clients send the same few queries
//! over and over; parsing one costs a page as much as validating it.
use async_graphql::{parser::types::ExecutableDocument, Request};
use lru::LruCache;
use std::{num::NonZeroUsize, sync::Mutex};

/// Longer queries are parsed every time rather than kept.
const MAX_QUERY: usize = 16 * 1024;

pub struct Documents(Mutex<LruCache<String, ExecutableDocument>>);

impl Documents {
    pub fn new(entries: usize) -> Self {
        let n = NonZeroUsize::new(entries.max(1)).unwrap_or(NonZeroUsize::MIN);
        Documents(Mutex::new(LruCache::new(n)))
    }

    /// Gives `request` its parsed query, from the cache or parsed now and
    /// kept. A query that does not parse is left for the engine to report.
    pub fn prepare(&self, request: &mut Request) {
        if request.query.len() > MAX_QUERY {
            return;
        }
        if let Ok(mut cache) = self.0.lock() {
            if let Some(doc) = cache.get(&request.query) {
                request.set_parsed_query(doc.clone());
                return;
            }
        }
        let Ok(doc) = async_graphql::parser::parse_query(&request.query) else {
            return;
        };
        if let Ok(mut cache) = self.0.lock() {
            cache.put(request.query.clone(), doc.clone());
        }
        request.set_parsed_query(doc);
    }
}

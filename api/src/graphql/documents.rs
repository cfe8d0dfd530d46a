//! Parsed queries, kept by their text. Clients send the same few queries
//! over and over; parsing one costs a page as much as validating it.
//!
//! Bounded: short queries only, a fixed number of them, and only those
//! that ran without an error (a document that fails validation, or a
//! request that fails for any reason, is never kept), so that nobody can
//! fill the cache with large or invalid documents.
use async_graphql::{parser::types::ExecutableDocument, Request};
use lru::LruCache;
use std::{
    num::NonZeroUsize,
    sync::{Arc, Mutex},
};

/// Longer queries are parsed every time rather than kept.
const MAX_QUERY: usize = 4 * 1024;

pub struct Documents(Mutex<LruCache<String, Arc<ExecutableDocument>>>);

/// A document parsed for this request, to keep if the request succeeds.
pub struct Parsed(String, Arc<ExecutableDocument>);

impl Documents {
    pub fn new(entries: usize) -> Self {
        let n = NonZeroUsize::new(entries.max(1)).unwrap_or(NonZeroUsize::MIN);
        Documents(Mutex::new(LruCache::new(n)))
    }

    /// Gives `request` its parsed query from the cache, or parses it now
    /// and returns it for `keep`. A query that does not parse is left for
    /// the engine to report.
    pub fn prepare(&self, request: &mut Request) -> Option<Parsed> {
        if request.query.len() > MAX_QUERY {
            return None;
        }
        let cached = self
            .0
            .lock()
            .ok()
            .and_then(|mut cache| cache.get(&request.query).cloned());
        if let Some(doc) = cached {
            request.set_parsed_query((*doc).clone());
            return None;
        }
        let doc = Arc::new(async_graphql::parser::parse_query(&request.query).ok()?);
        request.set_parsed_query((*doc).clone());
        Some(Parsed(request.query.clone(), doc))
    }

    /// Keeps a document whose request ran without an error.
    pub fn keep(&self, parsed: Parsed) {
        if let Ok(mut cache) = self.0.lock() {
            cache.put(parsed.0, parsed.1);
        }
    }
}

//! Full-text search of posts: one trait, two backends (an embedded tantivy
//! index by default, Meilisearch when configured), the indexer that keeps
//! them in step with the database, and the query analysis both share.
//!
//! The backends know nothing of viewers: the service computes the
//! permission filter from the viewer's memberships and hands it down as
//! plain group lists.
pub mod highlight;
pub mod indexer;
pub mod meili;
pub mod tantivy;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use entity::{enums::PostState, post};
use std::sync::{Arc, LazyLock};
use uuid::Uuid;

/// Longest indexed word; longer runs of letters are not words anyone types.
pub const WORD_MAX: usize = 40;
/// Query words beyond this many are ignored (Meilisearch does the same).
pub const QUERY_WORDS_MAX: usize = 10;
/// Results reachable by paging, as in Meilisearch's `maxTotalHits`.
pub const MAX_HITS: usize = 1000;

/// What the index holds of a post: enough to match and filter. Bodies
/// shown to clients always come from the database.
#[derive(Debug, Clone, PartialEq)]
pub struct PostDoc {
    pub id: Uuid,
    pub group_id: Uuid,
    pub thread_id: Uuid,
    pub author_id: Option<Uuid>,
    pub state: DocState,
    /// Microseconds since the epoch, for range filters.
    pub created_at: i64,
    pub body: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DocState {
    Visible,
    Hidden,
}

impl DocState {
    pub fn as_str(self) -> &'static str {
        match self {
            DocState::Visible => "visible",
            DocState::Hidden => "hidden",
        }
    }
}

impl PostDoc {
    /// The index entry a post should have now: none once it is deleted.
    pub fn of(p: &post::Model) -> Option<PostDoc> {
        let state = match p.state {
            PostState::Visible => DocState::Visible,
            PostState::Hidden => DocState::Hidden,
            PostState::Deleted => return None,
        };
        Some(PostDoc {
            id: p.id,
            group_id: p.group_id,
            thread_id: p.thread_id,
            author_id: p.author_id,
            state,
            created_at: p.created_at.timestamp_micros(),
            body: p.body.clone()?,
        })
    }
}

/// One change to apply: a post's entry replaced, or removed.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Upsert(PostDoc),
    Delete(Uuid),
}

/// A search as the backends see it. `terms` are already analysed; access is
/// "visible posts of `visible_groups`, hidden posts of `hidden_groups`".
#[derive(Debug, Clone, Default)]
pub struct IndexQuery {
    pub terms: Vec<String>,
    pub visible_groups: Vec<Uuid>,
    pub hidden_groups: Vec<Uuid>,
    pub thread_id: Option<Uuid>,
    pub author_id: Option<Uuid>,
    /// Restricts to these posts (the open-flag filter).
    pub post_ids: Option<Vec<Uuid>>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub offset: usize,
    pub limit: usize,
}

impl IndexQuery {
    /// Nothing can match: no words, no group to search, an empty post
    /// restriction, or a page beyond the reachable hits. Backends answer
    /// these without searching (and never search with an empty access
    /// filter).
    pub fn finds_nothing(&self) -> bool {
        self.terms.is_empty()
            || (self.visible_groups.is_empty() && self.hidden_groups.is_empty())
            || self.post_ids.as_ref().is_some_and(Vec::is_empty)
            || self.offset >= MAX_HITS
    }

    /// Hits to fetch for this page, none beyond `MAX_HITS`.
    pub fn page_limit(&self) -> usize {
        (self.offset + self.limit)
            .min(MAX_HITS)
            .saturating_sub(self.offset)
    }
}

#[derive(Default)]
pub struct IndexHits {
    /// Best first.
    pub hits: Vec<(Uuid, f64)>,
    pub total: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search backend unavailable: {0}")]
    Unavailable(String),
    #[error("Meilisearch task {uid} failed: {code}: {message}")]
    TaskFailed {
        uid: u32,
        code: String,
        message: String,
    },
    #[error("search index: {0}")]
    Index(String),
}

/// A search backend. Applying the same change twice leaves the same index,
/// which is what makes the indexer's at-least-once delivery safe.
#[async_trait]
pub trait SearchIndex: Send + Sync {
    /// A name for logs and metrics.
    fn name(&self) -> &'static str;
    /// Creates the index and its settings if needed.
    async fn prepare(&self) -> Result<(), SearchError>;
    /// Applies a batch; returns once the backend has made it durable and
    /// visible to searches.
    async fn apply(&self, changes: Vec<Change>) -> Result<(), SearchError>;
    async fn search(&self, q: &IndexQuery) -> Result<IndexHits, SearchError>;
    /// Called when this instance gains or loses the indexer lease, for a
    /// backend that holds a writer only while it may write.
    fn set_writer(&self, _active: bool) {}
    /// True when the index has never been completely built from the
    /// database (a new embedded index, or a build that was interrupted).
    fn needs_rebuild(&self) -> bool {
        false
    }
    /// Records that a complete build finished.
    fn mark_built(&self) {}
    /// A new, empty index beside the live one, for a rebuild.
    async fn staging(&self) -> Result<Staged, SearchError>;
    /// Makes a filled staging index the live one in one step, so that no
    /// search sees a partial index, and removes the old one.
    async fn promote(&self, staged: Staged) -> Result<(), SearchError>;
    /// Removes a staging index whose build failed: it holds copies of
    /// posts.
    async fn discard(&self, staged: Staged);
}

/// A staging index and the name the backend knows it by.
pub struct Staged {
    pub name: String,
    pub index: SharedIndex,
}

pub type SharedIndex = Arc<dyn SearchIndex>;

/// Opens the configured backend.
pub fn open(cfg: &crate::config::Config) -> anyhow::Result<SharedIndex> {
    Ok(match &cfg.search.meilisearch_url {
        Some(url) => Arc::new(meili::MeiliIndex::new(
            url,
            cfg.search.meilisearch_api_key.as_ref().map(|k| k.expose()),
            &cfg.search.meilisearch_index,
        )?),
        None => Arc::new(tantivy::TantivyIndex::open(
            &cfg.store.data_dir.join("search"),
        )?),
    })
}

static ANALYZER: LazyLock<::tantivy::tokenizer::TextAnalyzer> = LazyLock::new(analyzer);

/// Words are runs of letters and digits, lower-cased with diacritics
/// folded ("Café" → "cafe"). Indexing and querying use this same analyser,
/// so punctuation and query-syntax characters are separators, never
/// operators.
pub fn analyzer() -> ::tantivy::tokenizer::TextAnalyzer {
    use ::tantivy::tokenizer::{
        AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
    };
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(WORD_MAX + 1))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The words of `text`, in order, with their byte ranges.
pub fn words(text: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut a = ANALYZER.clone();
    let mut stream = a.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        let t = stream.token();
        out.push((t.text.clone(), t.offset_from..t.offset_to));
    }
    out
}

/// What the Meilisearch backend searches: the analysed words of a body,
/// joined by spaces, so that its tokenizer and the embedded index's agree.
pub fn analysed_text(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    for (w, _) in words(body) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&w);
    }
    out
}

/// A query's distinct words, in order, at most `QUERY_WORDS_MAX`.
pub fn query_terms(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (w, _) in words(query) {
        if !out.contains(&w) {
            out.push(w);
        }
        if out.len() == QUERY_WORDS_MAX {
            break;
        }
    }
    out
}

/// Typos forgiven in a word of `len` characters: none below 5, one up to
/// 8, two from 9 (Meilisearch's defaults, which its settings repeat).
pub fn typo_budget(len: usize) -> u8 {
    match len {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_syntax_is_text() {
        assert_eq!(
            query_terms(r#""Panic" AND sleep:* -(Café) [x] panic"#),
            ["panic", "and", "sleep", "cafe", "x"]
        );
        assert!(query_terms("*:-()[]\"").is_empty());
    }

    #[test]
    fn budgets() {
        assert_eq!(typo_budget(4), 0);
        assert_eq!(typo_budget(5), 1);
        assert_eq!(typo_budget(8), 1);
        assert_eq!(typo_budget(9), 2);
    }
}

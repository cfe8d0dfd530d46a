//! The embedded backend: a tantivy index in the data directory.
//!
//! Only the instance holding the indexer lease opens a writer (tantivy
//! allows one per directory); every instance can search.
use super::{
    typo_budget, Change, IndexHits, IndexQuery, SearchError, SearchIndex, Staged, WORD_MAX,
};
use async_trait::async_trait;
use std::{
    ops::Bound,
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
};
use tantivy::{
    collector::{Count, TopDocs},
    directory::MmapDirectory,
    query::{
        BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, Query, RangeQuery,
        TermQuery, TermSetQuery,
    },
    schema::{
        Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value, FAST, INDEXED,
        STORED, STRING,
    },
    Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term,
};
use uuid::Uuid;

const TOKENIZER: &str = "hearth";
const BUILT_MARKER: &str = "hearth-built";
/// Heap for the writer that applies the indexer's batches; a rebuild uses
/// more (see `apply`).
const WRITER_HEAP: usize = 64 * 1024 * 1024;

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    group_id: Field,
    thread_id: Field,
    author_id: Field,
    state: Field,
    created_at: Field,
    body: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let body_opts = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let f = Fields {
        id: b.add_text_field("id", STRING | STORED),
        group_id: b.add_text_field("group_id", STRING),
        thread_id: b.add_text_field("thread_id", STRING),
        author_id: b.add_text_field("author_id", STRING),
        state: b.add_text_field("state", STRING),
        created_at: b.add_i64_field("created_at", INDEXED | FAST),
        body: b.add_text_field("body", body_opts),
    };
    (b.build(), f)
}

/// One complete index in its own directory.
pub struct Generation(Arc<Inner>);

struct Inner {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    writer: Mutex<Option<IndexWriter>>,
    /// Written once a build from the database completes; a build that
    /// dies half-way leaves it absent, so the next leader builds again.
    built_marker: PathBuf,
}

fn err(e: impl std::fmt::Display) -> SearchError {
    SearchError::Index(e.to_string())
}

impl Generation {
    pub fn open(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let (schema, fields) = schema();
        let index = match Index::open_or_create(MmapDirectory::open(dir)?, schema.clone()) {
            Ok(i) => i,
            // An index written with another schema is rebuilt from scratch.
            Err(tantivy::TantivyError::SchemaError(e)) => {
                tracing::warn!(error = %e, "search index schema changed; rebuilding");
                std::fs::remove_dir_all(dir)?;
                std::fs::create_dir_all(dir)?;
                return Self::open(dir);
            }
            Err(e) => return Err(e.into()),
        };
        index.tokenizers().register(TOKENIZER, super::analyzer());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()?;
        Ok(Generation(Arc::new(Inner {
            index,
            reader,
            fields,
            writer: Default::default(),
            built_marker: dir.join(BUILT_MARKER),
        })))
    }

    /// Runs `f` with the writer, commits, and makes the result searchable.
    async fn commit_with(
        &self,
        f: impl FnOnce(&mut IndexWriter) -> tantivy::Result<()> + Send + 'static,
    ) -> Result<(), SearchError> {
        let this = self.0.clone();
        tokio::task::spawn_blocking(move || {
            this.with_writer(|w| {
                f(w)?;
                w.commit().map(drop)
            })?;
            this.reader.reload().map_err(err)
        })
        .await
        .map_err(err)?
    }
}

impl Inner {
    fn uuid_term(&self, field: Field, id: Uuid) -> Term {
        Term::from_field_text(field, &id.to_string())
    }

    fn uuid_set(&self, field: Field, ids: &[Uuid]) -> Box<dyn Query> {
        Box::new(TermSetQuery::new(
            ids.iter().map(|id| self.uuid_term(field, *id)),
        ))
    }

    fn filter(q: Box<dyn Query>) -> (Occur, Box<dyn Query>) {
        // Filters must not move the score.
        (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)))
    }

    fn build_query(&self, q: &IndexQuery) -> Box<dyn Query> {
        let f = self.fields;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let last = q.terms.len().saturating_sub(1);
        for (i, t) in q.terms.iter().enumerate() {
            let term = Term::from_field_text(f.body, t);
            let d = typo_budget(t.chars().count());
            // An exact match scores by BM25 on top of the constant score of
            // the typo and prefix matches, so exact words rank first.
            let mut alts: Vec<(Occur, Box<dyn Query>)> = vec![(
                Occur::Should,
                Box::new(BoostQuery::new(
                    Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                    2.0,
                )),
            )];
            if d > 0 {
                alts.push((
                    Occur::Should,
                    Box::new(FuzzyTermQuery::new(term.clone(), d, true)),
                ));
            }
            if i == last && t.len() < WORD_MAX {
                alts.push((
                    Occur::Should,
                    Box::new(FuzzyTermQuery::new_prefix(term, d, true)),
                ));
            }
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(alts))));
        }
        let state = |s: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(f.state, s),
                IndexRecordOption::Basic,
            ))
        };
        let mut access: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if !q.visible_groups.is_empty() {
            access.push((
                Occur::Should,
                Box::new(BooleanQuery::new(vec![
                    (Occur::Must, state("visible")),
                    (Occur::Must, self.uuid_set(f.group_id, &q.visible_groups)),
                ])),
            ));
        }
        if !q.hidden_groups.is_empty() {
            access.push((
                Occur::Should,
                Box::new(BooleanQuery::new(vec![
                    (Occur::Must, state("hidden")),
                    (Occur::Must, self.uuid_set(f.group_id, &q.hidden_groups)),
                ])),
            ));
        }
        clauses.push(Self::filter(Box::new(BooleanQuery::new(access))));
        if let Some(t) = q.thread_id {
            clauses.push(Self::filter(self.uuid_set(f.thread_id, &[t])));
        }
        if let Some(a) = q.author_id {
            clauses.push(Self::filter(self.uuid_set(f.author_id, &[a])));
        }
        if let Some(ids) = &q.post_ids {
            clauses.push(Self::filter(self.uuid_set(f.id, ids)));
        }
        if q.since.is_some() || q.until.is_some() {
            let lo = match q.since {
                Some(s) => {
                    Bound::Included(Term::from_field_i64(f.created_at, s.timestamp_micros()))
                }
                None => Bound::Unbounded,
            };
            let hi = match q.until {
                Some(u) => {
                    Bound::Excluded(Term::from_field_i64(f.created_at, u.timestamp_micros()))
                }
                None => Bound::Unbounded,
            };
            clauses.push(Self::filter(Box::new(RangeQuery::new(lo, hi))));
        }
        Box::new(BooleanQuery::new(clauses))
    }

    fn document(&self, d: &super::PostDoc) -> TantivyDocument {
        let f = self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, d.id.to_string());
        doc.add_text(f.group_id, d.group_id.to_string());
        doc.add_text(f.thread_id, d.thread_id.to_string());
        if let Some(a) = d.author_id {
            doc.add_text(f.author_id, a.to_string());
        }
        doc.add_text(f.state, d.state.as_str());
        doc.add_i64(f.created_at, d.created_at);
        doc.add_text(f.body, &d.body);
        doc
    }

    /// Runs `f` with the writer, opening one if this instance has none yet
    /// (a rebuild from the command line holds no lease).
    fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut IndexWriter) -> tantivy::Result<T>,
    ) -> Result<T, SearchError> {
        let mut guard = self.writer.lock().map_err(err)?;
        let mut w = match guard.take() {
            Some(w) => w,
            None => self
                .index
                .writer_with_num_threads(1, WRITER_HEAP)
                .map_err(|e| SearchError::Unavailable(e.to_string()))?,
        };
        let out = f(&mut w);
        *guard = Some(w);
        out.map_err(err)
    }
}

#[async_trait]
impl SearchIndex for Generation {
    fn name(&self) -> &'static str {
        "tantivy"
    }

    /// Opens the writer, which fails while another process holds it.
    async fn prepare(&self) -> Result<(), SearchError> {
        let this = self.0.clone();
        tokio::task::spawn_blocking(move || this.with_writer(|_| Ok(())))
            .await
            .map_err(err)?
    }

    async fn apply(&self, changes: Vec<Change>) -> Result<(), SearchError> {
        let docs: Vec<(Term, Option<TantivyDocument>)> = changes
            .iter()
            .map(|c| match c {
                Change::Upsert(d) => (
                    self.0.uuid_term(self.0.fields.id, d.id),
                    Some(self.0.document(d)),
                ),
                Change::Delete(id) => (self.0.uuid_term(self.0.fields.id, *id), None),
            })
            .collect();
        self.commit_with(move |w| {
            for (term, doc) in docs {
                w.delete_term(term);
                if let Some(doc) = doc {
                    w.add_document(doc)?;
                }
            }
            Ok(())
        })
        .await
    }

    async fn search(&self, q: &IndexQuery) -> Result<IndexHits, SearchError> {
        let this = self.0.clone();
        let q = q.clone();
        tokio::task::spawn_blocking(move || this.search_blocking(&q))
            .await
            .map_err(err)?
    }

    fn set_writer(&self, active: bool) {
        if !active {
            if let Ok(mut w) = self.0.writer.lock() {
                // Dropping the writer releases the directory's lock file for
                // the instance that takes over.
                *w = None;
            }
        }
    }

    async fn staging(&self) -> Result<Staged, SearchError> {
        Err(SearchError::Index(
            "a generation is rebuilt through its TantivyIndex".into(),
        ))
    }

    async fn promote(&self, _staged: Staged) -> Result<(), SearchError> {
        Err(SearchError::Index(
            "a generation is rebuilt through its TantivyIndex".into(),
        ))
    }

    async fn discard(&self, _staged: Staged) {}

    fn needs_rebuild(&self) -> bool {
        !self.0.built_marker.exists()
    }

    fn mark_built(&self) {
        if let Err(e) = std::fs::write(&self.0.built_marker, b"") {
            tracing::warn!(error = %e, "recording a complete search index build");
        }
    }
}

impl Inner {
    fn search_blocking(&self, q: &IndexQuery) -> Result<IndexHits, SearchError> {
        if q.finds_nothing() {
            return Ok(IndexHits::default());
        }
        let searcher = self.reader.searcher();
        let query = self.build_query(q);
        let limit = q.page_limit();
        let (top, total) = if limit == 0 {
            (Vec::new(), searcher.search(&query, &Count).map_err(err)?)
        } else {
            searcher
                .search(
                    &query,
                    &(
                        // Equal relevance: newest first, as on Meilisearch
                        // (its last ranking rule).
                        TopDocs::with_limit(limit).and_offset(q.offset).tweak_score(
                            move |segment: &tantivy::SegmentReader| {
                                let created = segment
                                    .fast_fields()
                                    .i64("created_at")
                                    .ok()
                                    .map(|c| c.first_or_default_col(0));
                                move |doc: tantivy::DocId, score: tantivy::Score| {
                                    (score, created.as_ref().map_or(0, |c| c.get_val(doc)))
                                }
                            },
                        ),
                        Count,
                    ),
                )
                .map_err(err)?
        };
        let mut hits = Vec::with_capacity(top.len());
        for ((score, _), addr) in top {
            let doc: TantivyDocument = searcher.doc(addr).map_err(err)?;
            let id = doc
                .get_first(self.fields.id)
                .and_then(|v| v.as_str())
                .and_then(|s| Uuid::parse_str(s).ok())
                .ok_or_else(|| SearchError::Index("document without id".into()))?;
            hits.push((id, f64::from(score)));
        }
        Ok(IndexHits {
            hits,
            total: total as u64,
        })
    }
}

/// The embedded index: the generation named in `CURRENT` under the root
/// directory (the root itself when there is no `CURRENT`, as before
/// generations). A rebuild fills a new generation and then replaces
/// `CURRENT` in one rename; every reader, in this process or another,
/// follows it at its next search.
pub struct TantivyIndex {
    root: PathBuf,
    current: Mutex<(String, Arc<Generation>)>,
    /// Held from `staging` to `promote` or `discard`: an exclusive lock on
    /// `REBUILD.lock`, so that rebuilds in different processes on one data
    /// directory (a server's first build, `hearth reindex`) never sweep or
    /// switch under each other.
    rebuilding: Mutex<Option<std::fs::File>>,
}

const CURRENT: &str = "CURRENT";
const LEGACY: &str = ".";

impl TantivyIndex {
    pub fn open(root: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(root)?;
        let name = read_current(root)?;
        let generation = Generation::open(&root.join(&name))?;
        Ok(TantivyIndex {
            root: root.to_owned(),
            current: Mutex::new((name, Arc::new(generation))),
            rebuilding: Mutex::new(None),
        })
    }

    /// The generation to use now, opening it if `CURRENT` moved. `CURRENT`
    /// is read under the lock, so that a switch in this process (which
    /// holds it) and a read never interleave.
    fn generation(&self) -> Result<Arc<Generation>, SearchError> {
        let mut cur = self.current.lock().map_err(err)?;
        let name = read_current(&self.root)?;
        if cur.0 != name {
            let generation = open_built(&self.root.join(&name))?;
            tracing::info!(generation = %name, "search index generation switched");
            *cur = (name, Arc::new(generation));
        }
        Ok(cur.1.clone())
    }

    /// Releases the rebuild lock (closing the file unlocks it).
    fn end_rebuild(&self) {
        if let Ok(mut l) = self.rebuilding.lock() {
            *l = None;
        }
    }

    /// Removes what no reader can reach: every generation but `keep`, and
    /// the files of a pre-generation index once a generation is live.
    fn sweep(&self, keep: &str) {
        let Ok(entries) = std::fs::read_dir(&self.root) else {
            return;
        };
        for path in entries.filter_map(|e| e.ok()).map(|e| e.path()) {
            let n = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let stale = if n.starts_with("gen-") {
                n != keep
            } else {
                keep != LEGACY && !matches!(n, CURRENT | "REBUILD.lock")
            };
            if !stale {
                continue;
            }
            // Searches still running on old files keep them open; on Unix
            // removing them is safe.
            let removed = if path.is_dir() {
                std::fs::remove_dir_all(&path)
            } else {
                std::fs::remove_file(&path)
            };
            if let Err(e) = removed {
                tracing::warn!(path = %path.display(), error = %e, "removing an old search index generation");
            }
        }
    }
}

/// A generation that `CURRENT` names: it must exist and be complete, never
/// be created empty.
fn open_built(dir: &Path) -> Result<Generation, SearchError> {
    if !dir.join(BUILT_MARKER).exists() {
        return Err(SearchError::Index(format!(
            "{} is not a complete search index",
            dir.display()
        )));
    }
    Generation::open(dir).map_err(err)
}

/// The live generation's directory name, a read of a few bytes. No
/// `CURRENT` means the index from before generations, in the root; any
/// other failure is an error, never a silent fall back to another index.
fn read_current(root: &Path) -> Result<String, SearchError> {
    match std::fs::read_to_string(root.join(CURRENT)) {
        Ok(s) => {
            let s = s.trim();
            if s.starts_with("gen-") && !s.contains(['/', '\\', '.']) {
                Ok(s.to_owned())
            } else {
                Err(SearchError::Index(format!(
                    "{CURRENT} does not name a generation: {s:?}"
                )))
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(LEGACY.to_owned()),
        Err(e) => Err(err(e)),
    }
}

#[async_trait]
impl SearchIndex for TantivyIndex {
    fn name(&self) -> &'static str {
        "tantivy"
    }

    async fn prepare(&self) -> Result<(), SearchError> {
        self.generation()?.prepare().await
    }

    async fn apply(&self, changes: Vec<Change>) -> Result<(), SearchError> {
        self.generation()?.apply(changes).await
    }

    async fn search(&self, q: &IndexQuery) -> Result<IndexHits, SearchError> {
        self.generation()?.search(q).await
    }

    fn set_writer(&self, active: bool) {
        if let Ok(cur) = self.current.lock() {
            cur.1.set_writer(active);
        }
    }

    fn needs_rebuild(&self) -> bool {
        self.generation().map_or(true, |g| g.needs_rebuild())
    }

    fn mark_built(&self) {
        if let Ok(g) = self.generation() {
            g.mark_built();
        }
    }

    async fn staging(&self) -> Result<Staged, SearchError> {
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.root.join("REBUILD.lock"))
            .map_err(err)?;
        let lock = tokio::task::spawn_blocking(move || lock.lock().map(|()| lock))
            .await
            .map_err(err)?
            .map_err(err)?;
        *self.rebuilding.lock().map_err(err)? = Some(lock);
        // Leftovers of an interrupted rebuild hold copies of posts: go.
        let live = {
            let _cur = self.current.lock().map_err(err)?;
            read_current(&self.root)?
        };
        self.sweep(&live);
        let name = format!("gen-{}", Uuid::now_v7().simple());
        let generation = Generation::open(&self.root.join(&name)).map_err(err)?;
        generation.prepare().await?;
        Ok(Staged {
            name,
            index: Arc::new(generation),
        })
    }

    async fn promote(&self, staged: Staged) -> Result<(), SearchError> {
        // The staged writer is closed first; readers open the generation
        // only once `CURRENT` names it, and the rename is atomic.
        staged.index.set_writer(false);
        drop(staged.index);
        let switched = (|| {
            let generation = open_built(&self.root.join(&staged.name))?;
            let mut cur = self.current.lock().map_err(err)?;
            let tmp = self.root.join("CURRENT.tmp");
            std::fs::write(&tmp, &staged.name).map_err(err)?;
            std::fs::rename(&tmp, self.root.join(CURRENT)).map_err(err)?;
            *cur = (staged.name.clone(), Arc::new(generation));
            Ok(())
        })();
        if switched.is_ok() {
            self.sweep(&staged.name);
        }
        self.end_rebuild();
        switched
    }

    async fn discard(&self, staged: Staged) {
        staged.index.set_writer(false);
        drop(staged.index);
        if let Err(e) = std::fs::remove_dir_all(self.root.join(&staged.name)) {
            tracing::warn!(generation = %staged.name, error = %e, "removing an abandoned search index build");
        }
        self.end_rebuild();
    }
}

#[cfg(test)]
mod generations {
    use super::*;
    use crate::search::{DocState, PostDoc};

    fn root() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("hearth-gen-{}", Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        dir
    }

    fn doc(body: &str) -> Change {
        Change::Upsert(PostDoc {
            id: Uuid::now_v7(),
            group_id: Uuid::nil(),
            thread_id: Uuid::nil(),
            author_id: None,
            state: DocState::Visible,
            created_at: 1,
            body: body.into(),
        })
    }

    fn query(word: &str) -> IndexQuery {
        IndexQuery {
            terms: vec![word.into()],
            visible_groups: vec![Uuid::nil()],
            limit: 10,
            ..Default::default()
        }
    }

    fn gens(root: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(root)
            .map(|rd| {
                rd.filter_map(|e| e.ok())
                    .filter_map(|e| e.file_name().into_string().ok())
                    .filter(|n| n.starts_with("gen-"))
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    #[tokio::test]
    async fn a_rebuild_switches_whole_and_leaves_nothing_behind() {
        let root = root();
        let index = TantivyIndex::open(&root).unwrap_or_else(|e| panic!("{e}"));
        index.prepare().await.unwrap_or_else(|e| panic!("{e}"));
        index
            .apply(vec![doc("old meadow")])
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        // A leftover of an interrupted build is swept by the next one.
        std::fs::create_dir_all(root.join("gen-leftover")).unwrap_or_else(|e| panic!("{e}"));
        let staged = index.staging().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(gens(&root), std::slice::from_ref(&staged.name));
        staged
            .index
            .apply(vec![doc("new meadow"), doc("new meadow two")])
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        // Until the switch, searches see the old index whole.
        assert_eq!(
            index.search(&query("meadow")).await.map(|h| h.total).ok(),
            Some(1)
        );
        staged.index.mark_built();
        let name = staged.name.clone();
        index
            .promote(staged)
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            index.search(&query("meadow")).await.map(|h| h.total).ok(),
            Some(2)
        );
        assert_eq!(gens(&root), std::slice::from_ref(&name));
        // Another instance on the same directory follows the switch.
        let other = TantivyIndex::open(&root).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            other.search(&query("meadow")).await.map(|h| h.total).ok(),
            Some(2)
        );
        // A failed build is discarded.
        let staged = index.staging().await.unwrap_or_else(|e| panic!("{e}"));
        index.discard(staged).await;
        assert_eq!(gens(&root), [name]);
        let _ = std::fs::remove_dir_all(&root);
    }

    #[tokio::test]
    async fn a_broken_current_is_an_error_never_an_empty_index() {
        let root = root();
        let index = TantivyIndex::open(&root).unwrap_or_else(|e| panic!("{e}"));
        index.prepare().await.unwrap_or_else(|e| panic!("{e}"));
        index
            .apply(vec![doc("meadow")])
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        for bad in ["gen-missing", "../elsewhere", ""] {
            std::fs::write(root.join(CURRENT), bad).unwrap_or_else(|e| panic!("{e}"));
            assert!(index.search(&query("meadow")).await.is_err(), "{bad:?}");
            assert!(!root.join("gen-missing").exists(), "created empty");
        }
        // An unbuilt generation is refused too.
        std::fs::remove_file(root.join(CURRENT)).unwrap_or_else(|e| panic!("{e}"));
        let staged = index.staging().await.unwrap_or_else(|e| panic!("{e}"));
        let name = staged.name.clone();
        assert!(index.promote(staged).await.is_err());
        std::fs::write(root.join(CURRENT), &name).unwrap_or_else(|e| panic!("{e}"));
        assert!(index.search(&query("meadow")).await.is_err());
        let _ = std::fs::remove_dir_all(&root);
    }
}

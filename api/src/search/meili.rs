//! The Meilisearch backend. Documents carry the fields the permission
//! filter and the search filters need, and as their only searchable field
//! `text`: the words Hearth's own analyser finds in the body, joined by
//! spaces. Both backends therefore agree on what a word is (markup,
//! apostrophes, diacritics, digits, emoji, URLs); bodies shown to clients
//! and their highlights come from the database. Every write waits for its
//! Meilisearch task, so a batch is acknowledged (and its queue rows
//! removed) only once it is searchable; a failed task is an error the
//! indexer retries and reports.
use super::{
    Change, DocState, IndexHits, IndexQuery, PostDoc, SearchError, SearchIndex, Staged, MAX_HITS,
};
use async_trait::async_trait;
use meilisearch_sdk::{
    client::{Client, SwapIndexes},
    errors::{Error as MeiliError, ErrorCode},
    indexes::Index,
    search::{MatchingStrategies, Selectors},
    settings::{MinWordSizeForTypos, PaginationSetting, Settings, TypoToleranceSettings},
    task_info::TaskInfo,
    tasks::Task,
};
use std::time::Duration;
use uuid::Uuid;

const POLL: Duration = Duration::from_millis(20);
const TASK_TIMEOUT: Duration = Duration::from_secs(30);

pub struct MeiliIndex {
    client: Client,
    index: Index,
}

/// The document as Meilisearch stores it: ids as strings, time as
/// microseconds so that range filters compare numbers.
#[derive(serde::Serialize, serde::Deserialize)]
struct Doc {
    id: String,
    group_id: String,
    thread_id: String,
    author_id: Option<String>,
    state: DocState,
    created_at: i64,
    text: String,
}

impl From<&PostDoc> for Doc {
    fn from(d: &PostDoc) -> Self {
        Doc {
            id: d.id.to_string(),
            group_id: d.group_id.to_string(),
            thread_id: d.thread_id.to_string(),
            author_id: d.author_id.map(|a| a.to_string()),
            state: d.state,
            created_at: d.created_at,
            text: super::analysed_text(&d.body),
        }
    }
}

#[derive(serde::Deserialize)]
struct IdOnly {
    id: String,
}

fn unavailable(e: MeiliError) -> SearchError {
    SearchError::Unavailable(e.to_string())
}

/// The settings the index must have: only the analysed text is searched;
/// everything the filter string names is filterable; typo rules as the
/// embedded index. Ranking: every word, fewest typos, closest together,
/// exact words before prefixes, then newest first; where the position of a
/// word in the post would come, the embedded index has no such rule.
pub fn settings() -> Settings {
    Settings::new()
        .with_searchable_attributes(["text"])
        .with_ranking_rules([
            "words",
            "typo",
            "proximity",
            "attributeRank",
            "exactness",
            "created_at:desc",
        ])
        .with_filterable_attributes([
            "id",
            "group_id",
            "thread_id",
            "author_id",
            "state",
            "created_at",
        ])
        .with_sortable_attributes(["created_at"])
        .with_typo_tolerance(TypoToleranceSettings {
            enabled: Some(true),
            disable_on_attributes: None,
            disable_on_words: None,
            min_word_size_for_typos: Some(MinWordSizeForTypos {
                one_typo: Some(5),
                two_typos: Some(9),
            }),
            disable_on_numbers: Some(false),
        })
        .with_pagination(PaginationSetting {
            max_total_hits: MAX_HITS,
        })
}

fn quoted_list(ids: &[Uuid]) -> String {
    let items: Vec<String> = ids.iter().map(|id| format!("\"{id}\"")).collect();
    format!("[{}]", items.join(", "))
}

/// The filter string for a query. Only UUIDs, numbers and fixed words go
/// into it, never client text.
pub fn filter_string(q: &IndexQuery) -> String {
    let mut access = Vec::new();
    if !q.visible_groups.is_empty() {
        access.push(format!(
            "(state = \"visible\" AND group_id IN {})",
            quoted_list(&q.visible_groups)
        ));
    }
    if !q.hidden_groups.is_empty() {
        access.push(format!(
            "(state = \"hidden\" AND group_id IN {})",
            quoted_list(&q.hidden_groups)
        ));
    }
    let mut parts = vec![format!("({})", access.join(" OR "))];
    if let Some(t) = q.thread_id {
        parts.push(format!("thread_id = \"{t}\""));
    }
    if let Some(a) = q.author_id {
        parts.push(format!("author_id = \"{a}\""));
    }
    if let Some(ids) = &q.post_ids {
        parts.push(format!("id IN {}", quoted_list(ids)));
    }
    if let Some(s) = q.since {
        parts.push(format!("created_at >= {}", s.timestamp_micros()));
    }
    if let Some(u) = q.until {
        parts.push(format!("created_at < {}", u.timestamp_micros()));
    }
    parts.join(" AND ")
}

impl MeiliIndex {
    pub fn new(url: &str, key: Option<&str>, index: &str) -> anyhow::Result<Self> {
        let client = Client::new(url, key)?;
        let index = client.index(index);
        Ok(MeiliIndex { client, index })
    }

    /// Deletes an index, logging a failure: the next rebuild sweeps it.
    async fn delete_index(&self, uid: &str) {
        let done = match self.client.delete_index(uid).await {
            Ok(task) => self.wait(task).await,
            Err(e) => Err(unavailable(e)),
        };
        if let Err(e) = done {
            tracing::warn!(index = %uid, error = %e, "deleting a search index; the next rebuild retries");
        }
    }

    async fn wait(&self, task: TaskInfo) -> Result<(), SearchError> {
        match task
            .wait_for_completion(&self.client, Some(POLL), Some(TASK_TIMEOUT))
            .await
            .map_err(unavailable)?
        {
            Task::Succeeded { .. } => Ok(()),
            Task::Failed { content } => Err(SearchError::TaskFailed {
                uid: content.task.uid,
                code: format!("{:?}", content.error.error_code),
                message: content.error.error_message,
            }),
            _ => Err(SearchError::Unavailable("task did not finish".into())),
        }
    }
}

#[async_trait]
impl SearchIndex for MeiliIndex {
    fn name(&self) -> &'static str {
        "meilisearch"
    }

    async fn prepare(&self) -> Result<(), SearchError> {
        let created = self
            .client
            .create_index(&self.index.uid, Some("id"))
            .await
            .map_err(unavailable)?;
        match self.wait(created).await {
            Ok(()) => {}
            Err(SearchError::TaskFailed { code, .. })
                if code == format!("{:?}", ErrorCode::IndexAlreadyExists) => {}
            Err(e) => return Err(e),
        }
        let task = self
            .index
            .set_settings(&settings())
            .await
            .map_err(unavailable)?;
        self.wait(task).await
    }

    async fn apply(&self, changes: Vec<Change>) -> Result<(), SearchError> {
        let mut upserts = Vec::new();
        let mut deletes = Vec::new();
        for c in &changes {
            match c {
                Change::Upsert(d) => upserts.push(Doc::from(d)),
                Change::Delete(id) => deletes.push(id.to_string()),
            }
        }
        // Each post appears once per batch, so the two tasks commute.
        let mut tasks = Vec::new();
        if !upserts.is_empty() {
            tasks.push(
                self.index
                    .add_or_replace(&upserts, Some("id"))
                    .await
                    .map_err(unavailable)?,
            );
        }
        if !deletes.is_empty() {
            tasks.push(
                self.index
                    .delete_documents(&deletes)
                    .await
                    .map_err(unavailable)?,
            );
        }
        for t in tasks {
            self.wait(t).await?;
        }
        Ok(())
    }

    async fn search(&self, q: &IndexQuery) -> Result<IndexHits, SearchError> {
        if q.finds_nothing() {
            return Ok(IndexHits::default());
        }
        // The analysed words, not the client's text: quotes and minus signs
        // are Meilisearch syntax and must not reach it.
        let text = q.terms.join(" ");
        let filter = filter_string(q);
        // `page`/`hitsPerPage` make Meilisearch count exhaustively (up to
        // `maxTotalHits`), so `totalCount` and `hasNextPage` agree with the
        // embedded index. A cursor offset that is not on a page boundary
        // fetches from the start and skips.
        let limit = q.page_limit();
        let (page, per_page, skip) = if limit > 0 && q.offset.is_multiple_of(limit) {
            (q.offset / limit + 1, limit, 0)
        } else if limit == 0 {
            (1, 0, 0)
        } else {
            (1, q.offset + limit, q.offset)
        };
        let res = self
            .index
            .search()
            .with_query(&text)
            .with_filter(&filter)
            .with_page(page)
            .with_hits_per_page(per_page)
            .with_show_ranking_score(true)
            .with_matching_strategy(MatchingStrategies::ALL)
            .with_attributes_to_retrieve(Selectors::Some(&["id"]))
            .execute::<IdOnly>()
            .await
            .map_err(unavailable)?;
        let hits = res
            .hits
            .into_iter()
            .skip(skip)
            .filter_map(|h| {
                Some((
                    Uuid::parse_str(&h.result.id).ok()?,
                    h.ranking_score.unwrap_or(0.0),
                ))
            })
            .collect();
        let total = res.total_hits.or(res.estimated_total_hits).unwrap_or(0);
        Ok(IndexHits {
            hits,
            total: total as u64,
        })
    }

    async fn staging(&self) -> Result<Staged, SearchError> {
        // Leftovers of an interrupted rebuild hold copies of posts: go.
        let prefix = format!("{}__rebuild_", self.index.uid);
        let all = self
            .client
            .list_all_indexes_with(
                meilisearch_sdk::indexes::IndexesQuery::new(&self.client).with_limit(1000),
            )
            .await
            .map_err(unavailable)?;
        for stale in all.results.iter().filter(|i| i.uid.starts_with(&prefix)) {
            self.delete_index(&stale.uid).await;
        }
        let name = format!("{prefix}{}", Uuid::now_v7().simple());
        let staged = MeiliIndex {
            client: self.client.clone(),
            index: self.client.index(&name),
        };
        staged.prepare().await?;
        Ok(Staged {
            name,
            index: std::sync::Arc::new(staged),
        })
    }

    async fn discard(&self, staged: Staged) {
        self.delete_index(&staged.name).await;
    }

    async fn promote(&self, staged: Staged) -> Result<(), SearchError> {
        // One swap task: searches see the old index or the new, never a
        // partial one. The staging name then holds the old documents.
        let swap = SwapIndexes {
            indexes: (self.index.uid.clone(), staged.name.clone()),
            rename: None,
        };
        let task = self
            .client
            .swap_indexes([&swap])
            .await
            .map_err(unavailable)?;
        self.wait(task).await?;
        self.delete_index(&staged.name).await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_string_names_only_ids_and_numbers() {
        let g = Uuid::nil();
        let q = IndexQuery {
            terms: vec!["x".into()],
            visible_groups: vec![g],
            hidden_groups: vec![],
            thread_id: Some(g),
            since: chrono::DateTime::from_timestamp_micros(5),
            ..Default::default()
        };
        assert_eq!(
            filter_string(&q),
            format!("((state = \"visible\" AND group_id IN [\"{g}\"])) AND thread_id = \"{g}\" AND created_at >= 5")
        );
    }
}
